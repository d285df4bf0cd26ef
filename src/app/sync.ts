/**
 * Writing to GitHub: the mirror (one issue PATCH with only the difference),
 * labels created on first use, the status comment (created once, then edited
 * in place, coalesced), replies and reactions. Every write updates the
 * bookkeeping so the next diff starts from what GitHub now has.
 */
import type { Config } from '../github/config.js'
import { parseIssueBody } from '../github/issue-body.js'
import { LABEL_SPECS } from '../github/labels.js'
import { desiredIssue, type IssuePatch, issuePatch } from '../github/mirror.js'
import {
  renderStatusComment,
  type StatusView,
  statusCommentDigest,
} from '../github/status-comment.js'
import type { AppRuntime, Octokit, RepoRef } from './runtime.js'
import type { IssueRecord } from './state.js'

/**
 * Make sure every label in `names` exists in the repository, creating missing
 * ones with their colour and description. The labels the repository has are
 * listed once and remembered, so this normally costs no request.
 */
export async function ensureLabels(
  octokit: Octokit,
  rt: AppRuntime,
  r: RepoRef,
  names: string[],
  config: Config,
  personas: string[] = [],
): Promise<void> {
  const key = rt.repoKey(r)
  let known = rt.state.repo(key).labels
  const lower = () => new Set(known.map((l) => l.toLowerCase()))
  if (names.every((n) => lower().has(n.toLowerCase()))) return
  if (known.length === 0) {
    const all = await octokit.paginate(octokit.rest.issues.listLabelsForRepo, {
      owner: r.owner,
      repo: r.repo,
      per_page: 100,
    })
    known = all.map((l) => l.name)
  }
  const specs = LABEL_SPECS(config, personas)
  for (const name of names) {
    if (lower().has(name.toLowerCase())) continue
    const spec = specs.find((s) => s.name.toLowerCase() === name.toLowerCase())
    try {
      await octokit.rest.issues.createLabel({
        owner: r.owner,
        repo: r.repo,
        name,
        color: spec?.color ?? 'ededed',
        ...(spec?.description ? { description: spec.description } : {}),
      })
    } catch (err) {
      // 422 already_exists: created meanwhile by a person or another delivery.
      if ((err as { status?: number }).status !== 422) throw err
    }
    known.push(name)
  }
  rt.state.saveRepo(key, rt.now(), { labels: known })
}

/**
 * Bring the issue of `taskId` in line with the task: labels, assignees,
 * open/closed, and the body. Sends one PATCH, or nothing when GitHub already
 * agrees. Returns the patch sent.
 *
 * The body sent is `options.body` (an edit of the app's own, made from the
 * accepted body: ticks, added dependencies), which becomes the accepted body,
 * or else the record's `accepted_body` whenever GitHub's copy (`body`)
 * differs from it — so an edit refused and set back is sent again by every
 * later mirror of the task until GitHub has it. When GitHub refuses the
 * update (422, 5xx, …) the record keeps GitHub's copy as it was and the
 * accepted body as it is, is marked dirty for the next flush, and the error
 * is thrown: GitHub's copy never becomes the accepted body by a failure.
 */
export async function mirrorIssue(
  octokit: Octokit,
  rt: AppRuntime,
  config: Config,
  taskId: string,
  options: { formerHolder?: string | null; body?: string } = {},
): Promise<IssuePatch | null> {
  const record = rt.state.issue(taskId)
  if (!record?.is_task) return null
  const task = rt.engine.get(taskId)
  const desired = desiredIssue(task, record, config, options.formerHolder)
  const acceptedOf = (r: IssueRecord) => options.body ?? r.accepted_body
  const patch = issuePatch(record, desired) ?? {}
  if (acceptedOf(record) !== record.body) patch.body = acceptedOf(record)
  if (Object.keys(patch).length === 0) return null
  const [owner, repo] = record.repo.split('/') as [string, string]
  if (patch.labels) {
    await ensureLabels(
      octokit,
      rt,
      { owner, repo },
      patch.labels,
      config,
      task.persona ? [task.persona] : [],
    )
  }
  // Record the new state before the request: a concurrent handler then diffs
  // against it instead of sending the same update again. Undone on failure.
  const latest = rt.state.issue(taskId) ?? record
  const accepted = acceptedOf(latest)
  if (accepted !== latest.body) patch.body = accepted
  else delete patch.body
  const again = issuePatch(latest, desired)
  if (!again && patch.body === undefined) return null
  rt.state.saveIssue({
    ...latest,
    state: patch.state ?? latest.state,
    state_reason: patch.state_reason ?? (patch.state === 'open' ? null : latest.state_reason),
    labels: patch.labels ?? latest.labels,
    assignees: patch.assignees ?? latest.assignees,
    body: accepted,
    accepted_body: accepted,
    updated_at: rt.now(),
  })
  try {
    const { data } = await octokit.rest.issues.update({
      owner,
      repo,
      issue_number: record.number,
      ...patch,
    })
    // Our own update is now the newest change: older deliveries become stale.
    if (data?.updated_at) {
      const now = rt.state.issue(taskId)
      if (now) rt.state.saveIssue({ ...now, github_updated_at: data.updated_at })
    }
  } catch (err) {
    // GitHub still has what it had. The accepted body stays as recorded (this
    // one, or one accepted meanwhile); so does a copy of GitHub's recorded meanwhile.
    const now = rt.state.issue(taskId) ?? latest
    rt.state.saveIssue({
      ...latest,
      body: now.body === accepted ? latest.body : now.body,
      accepted_body: now.accepted_body,
      status_dirty: true,
    })
    throw err
  }
  return patch
}

/** Everything the status comment of `taskId` shows, read from the engine. */
export function statusView(
  rt: AppRuntime,
  record: IssueRecord,
  criteriaState: (i: number) => StatusView['criteria'][number]['state'],
): StatusView {
  const detail = rt.engine.show(record.task_id)
  const known = (id: string) => rt.state.issue(id)
  const refOf = (id: string) => {
    const rec = known(id)
    return rec && rec.repo === record.repo ? `#${rec.number}` : id
  }
  return {
    task: detail,
    dependencies: detail.depends_on.map((id) => ({
      ref: refOf(id),
      done: rt.engine.get(id).status === 'completed',
    })),
    context: detail.context
      .filter((c) => c.key.startsWith('dependency.'))
      .map((c) => ({
        from: refOf(c.key.slice('dependency.'.length)),
        summary: String((c.value as { summary?: unknown })?.summary ?? ''),
      })),
    criteria: detail.success_criteria.map((c, i) => ({
      criterion: c.criterion,
      ...(c.measurable ? { measurable: c.measurable } : {}),
      state: criteriaState(i),
    })),
    progress: (() => {
      const p = rt.engine.latestProgress(record.task_id)
      return p && p.percent !== null ? { percent: p.percent, message: p.message } : null
    })(),
    history: rt.engine.events({ task: record.task_id, limit: 10 }),
  }
}

/**
 * Criteria states from the accepted issue body's checkboxes: a ticked manual
 * criterion is confirmed, a ticked measurable one passed on the last CI run
 * (the gate Action ticks them); anything else is pending.
 */
function ticksOf(
  rt: AppRuntime,
  record: IssueRecord,
): (i: number) => StatusView['criteria'][number]['state'] {
  const [owner, repo] = record.repo.split('/') as [string, string]
  const items = parseIssueBody(record.accepted_body, {
    owner,
    repo,
    ...(rt.host ? { host: rt.host } : {}),
  }).criteria
  const criteria = rt.engine.get(record.task_id).success_criteria
  return (i) => {
    const c = criteria[i]
    const item =
      c &&
      items.find(
        (x) => x.criterion === c.criterion && (x.measurable ?? null) === (c.measurable ?? null),
      )
    if (!item?.checked) return 'pending'
    return c?.measurable ? 'pass' : 'confirmed'
  }
}

/**
 * Create the status comment of a task, or edit it when its text changed.
 * Clears the dirty flag — unless GitHub has not taken the accepted body
 * yet (`mirrorIssue` failed): then the next flush mirrors it again. Returns
 * true when a request was sent.
 */
export async function flushStatus(
  octokit: Octokit,
  rt: AppRuntime,
  record: IssueRecord,
  criteriaState?: (i: number) => StatusView['criteria'][number]['state'],
): Promise<boolean> {
  criteriaState ??= ticksOf(rt, record)
  const body = renderStatusComment(statusView(rt, record, criteriaState))
  const [owner, repo] = record.repo.split('/') as [string, string]
  const current = rt.state.issue(record.task_id) ?? record
  const digest = statusCommentDigest(body)
  // An issue whose body GitHub has not taken yet stays marked for the flush
  // (which mirrors it first), whatever happens to its status comment.
  const unsent = current.accepted_body !== current.body
  if (current.status_comment_id !== null && digest === current.status_comment) {
    rt.state.saveIssue({ ...current, status_dirty: unsent })
    return false
  }
  // Record what is being sent before the request: a change made while it is
  // in flight marks the record dirty again and is not lost. Undone on failure.
  rt.state.saveIssue({
    ...current,
    status_comment: digest,
    status_dirty: unsent,
    updated_at: rt.now(),
  })
  try {
    if (current.status_comment_id === null) {
      // One creation at a time per task: a flush meanwhile only marks it dirty.
      if (rt.creatingStatus.has(record.task_id)) {
        rt.state.markStatusDirty([record.task_id])
        return false
      }
      rt.creatingStatus.add(record.task_id)
      const { data } = await octokit.rest.issues
        .createComment({
          owner,
          repo,
          issue_number: record.number,
          body,
        })
        .finally(() => rt.creatingStatus.delete(record.task_id))
      const fresh = rt.state.issue(record.task_id) ?? current
      rt.state.saveIssue({ ...fresh, status_comment_id: data.id })
    } else {
      await octokit.rest.issues.updateComment({
        owner,
        repo,
        comment_id: current.status_comment_id,
        body,
      })
    }
  } catch (err) {
    const fresh = rt.state.issue(record.task_id) ?? current
    rt.state.saveIssue({ ...fresh, status_comment: current.status_comment, status_dirty: true })
    throw err
  }
  return true
}
