/**
 * Parts of the mirror's writer (`reconcile.ts`): labels created on first
 * use, and the status comment (created once, then edited in place,
 * coalesced). Every write updates the bookkeeping so the next diff starts
 * from what GitHub now has.
 */
import type { Config } from '../github/config.js'
import { parseIssueBody } from '../github/issue-body.js'
import { LABEL_SPECS } from '../github/labels.js'
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
 * Create the status comment of a task, or edit it when its text changed
 * (compared by digest with the one last sent). The dirty mark is the
 * writer's (`reconcileIssue`): this only marks the issue dirty again when it
 * cannot send now (another creation in flight) or GitHub refused (then the
 * error is thrown). Returns true when a request was sent.
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
  if (current.status_comment_id !== null && digest === current.status_comment) return false
  // Record what is being sent before the request: a change made while it is
  // in flight marks the record dirty again and is not lost. Undone on failure.
  rt.state.saveIssue({ ...current, status_comment: digest, updated_at: rt.now() })
  try {
    if (current.status_comment_id === null) {
      // One creation at a time per task: a flush meanwhile only marks it dirty.
      if (rt.creatingStatus.has(record.task_id)) {
        const fresh = rt.state.issue(record.task_id) ?? current
        rt.state.saveIssue({ ...fresh, status_comment: current.status_comment, status_dirty: true })
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
