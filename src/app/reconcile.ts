/**
 * The mirror's writer: the one place that changes a task's issue on GitHub.
 *
 * Read it top to bottom:
 *
 * 1. Something changed a task (a command, a webhook, the sweep): the caller
 *    marks its issue dirty in the database (`markDirty`, with the lease
 *    holders to unassign) — the mark survives a crash.
 * 2. `reconcileIssue` reads the task and the app's record of the issue and
 *    asks the pure mirror (`src/github/mirror.ts`, `desiredMirror`) what the
 *    issue should be: labels, assignees, open/closed and reason, the body's
 *    ticks, the native `blocked_by` links, the status comment.
 * 3. It diffs that with what GitHub has as far as the app knows and sends the
 *    fewest requests: one issue `PATCH` with only what differs; a body is
 *    written only after reading GitHub's current one (a conditional `GET`
 *    with the last `ETag`: a `304` costs no rate limit), so an edit a person
 *    made whose webhook has not arrived yet is kept under the tick
 *    (`bodyAfterRead`); then the native links that differ; and, in the
 *    flush, the status comment when its text changed.
 * 4. A failed request leaves the issue dirty; the next flush
 *    (`background.ts`, `flushStatusComments`) runs the same writer again.
 *    Handlers run the issue part at once (a command costs one update); the
 *    status comment waits for the coalesced flush, which clears the mark.
 */
import { isTaskError } from '../core/errors.js'
import type { Config } from '../github/config.js'
import type { RefItem } from '../github/issue-body.js'
import {
  type BodyKnowledge,
  bodyAfterRead,
  desiredMirror,
  type IssuePatch,
  issuePatch,
  plannedBody,
  tickFinished,
} from '../github/mirror.js'
import type { RepoContext } from '../github/references.js'
import { syncNativeDependencies } from './native-dependencies.js'
import type { AppRuntime, Octokit } from './runtime.js'
import type { IssueRecord } from './state.js'
import { ensureLabels, flushStatus } from './sync.js'

/**
 * Mark the issues of `taskIds` dirty, remembering for each task in
 * `formerHolders` the login whose lease ended (unassigned by the writer).
 * Synchronous: call it in the transaction that changed the tasks, or right after.
 */
export function markDirty(
  rt: AppRuntime,
  taskIds: Iterable<string>,
  formerHolders?: ReadonlyMap<string, string>,
): void {
  rt.state.markStatusDirty(taskIds)
  for (const [taskId, holder] of formerHolders ?? []) rt.state.addFormerHolder(taskId, holder)
}

/** How far {@link reconcileIssue} goes. */
export interface ReconcileOptions {
  /**
   * Also create or edit the status comment and, when everything got through,
   * clear the dirty mark (the flush). Without it only the issue and its native
   * links are reconciled and the mark stays for the flush (a handler).
   */
  statusComment?: boolean
}

/**
 * Reconcile the issue of `taskId` with its task (see the module comment).
 * Returns the number of requests sent (0 when GitHub already agrees, or the
 * issue is not a task). Throws the first failed request's error, with the
 * issue left dirty for the next flush; GitHub's copy never becomes the
 * accepted body by a failure.
 */
export async function reconcileIssue(
  octokit: Octokit,
  rt: AppRuntime,
  config: Config,
  taskId: string,
  options: ReconcileOptions = {},
): Promise<number> {
  const record = rt.state.issue(taskId)
  if (!record?.is_task) return 0
  // Cleared before the requests: a change made while they are in flight marks
  // it dirty again and is not lost. Set again on failure.
  if (options.statusComment) rt.state.saveIssue({ ...record, status_dirty: false })
  try {
    let sent = await writeIssue(octokit, rt, config, taskId)
    const [owner, repo] = record.repo.split('/') as [string, string]
    sent += await syncNativeDependencies(
      octokit,
      rt,
      { owner, repo },
      taskId,
      dependencyIssueIds(rt, taskId),
    )
    if (options.statusComment) {
      const fresh = rt.state.issue(taskId)
      if (fresh && (await flushStatus(octokit, rt, fresh))) sent++
    }
    return sent
  } catch (err) {
    rt.state.markStatusDirty([taskId])
    throw err
  }
}

/** GitHub issue ids of the task's dependencies that the app knows. */
function dependencyIssueIds(rt: AppRuntime, taskId: string): number[] {
  return rt.engine
    .show(taskId)
    .depends_on.map((id) => rt.state.issue(id)?.issue_id)
    .filter((id): id is number => typeof id === 'number')
}

function contextOf(rt: AppRuntime, record: IssueRecord): RepoContext {
  const [owner, repo] = record.repo.split('/') as [string, string]
  return { owner, repo, ...(rt.host ? { host: rt.host } : {}) }
}

/** True when the task of `ref` is completed (an unknown issue is not). */
function finishedOf(rt: AppRuntime): (ref: RefItem['ref']) => boolean {
  return (ref) => {
    try {
      return (
        rt.engine.get(rt.taskId({ owner: ref.owner, repo: ref.repo }, ref.number)).status ===
        'completed'
      )
    } catch (err) {
      if (isTaskError(err, 'TaskNotFound')) return false
      throw err
    }
  }
}

function knowledgeOf(record: IssueRecord): BodyKnowledge {
  return {
    accepted: record.accepted_body,
    known: record.body,
    answered: record.etag_body ?? null,
    unjudged: record.unjudged_edit ?? false,
  }
}

/**
 * The issue part: labels, assignees, state and body in at most one `PATCH`,
 * preceded by a conditional read of the body when one is to be written.
 * Returns the number of requests sent.
 */
async function writeIssue(
  octokit: Octokit,
  rt: AppRuntime,
  config: Config,
  taskId: string,
): Promise<number> {
  const record = rt.state.issue(taskId)
  if (!record) return 0
  const [owner, repo] = record.repo.split('/') as [string, string]
  const tick = (body: string) => tickFinished(body, finishedOf(rt), contextOf(rt, record))
  let sent = 0
  // The body: read GitHub's before writing one, and decide on what it holds.
  let body: { body: string | null; unjudged: boolean } | null = null
  const before = knowledgeOf(record)
  if (plannedBody(before, tick) !== null) {
    const github = await readBody(octokit, rt, taskId)
    sent += github.requests
    // Judged against what the app knew before the read (the read records
    // GitHub's body as the known copy), with the accepted body as it is now.
    const now = rt.state.issue(taskId) ?? record
    body = bodyAfterRead(
      { ...before, accepted: now.accepted_body, unjudged: now.unjudged_edit ?? false },
      github.body,
      tick,
    )
  }
  const want = () => {
    const latest = rt.state.issue(taskId) ?? record
    const used = latest.former_holders ?? []
    const desired = desiredMirror({
      task: rt.engine.get(taskId),
      current: latest,
      config,
      formerHolders: used,
      acceptedBody: latest.accepted_body,
      finished: finishedOf(rt),
      context: contextOf(rt, latest),
      blockedBy: [],
    })
    const patch: IssuePatch = issuePatch(latest, desired) ?? {}
    if (body?.body != null && body.body !== latest.body) patch.body = body.body
    return { latest, used, desired, patch }
  }
  let { patch } = want()
  if (Object.keys(patch).length === 0) {
    settle(rt, taskId, body, want().used, tick)
    return sent
  }
  if (patch.labels) {
    const task = rt.engine.get(taskId)
    await ensureLabels(
      octokit,
      rt,
      { owner, repo },
      patch.labels,
      config,
      task.persona ? [task.persona] : [],
    )
  }
  // Recompute against the latest record (a concurrent handler may have sent
  // part of it) and record the new state before the request: a concurrent
  // handler then diffs against it instead of sending the same update again.
  const again = want()
  const { latest, used, desired } = again
  patch = again.patch
  if (Object.keys(patch).length === 0) {
    settle(rt, taskId, body, used, tick)
    return sent
  }
  const unjudged = body?.unjudged ?? latest.unjudged_edit ?? false
  const sentBody = patch.body
  rt.state.saveIssue({
    ...latest,
    state: patch.state ?? latest.state,
    state_reason: patch.state_reason ?? (patch.state === 'open' ? null : latest.state_reason),
    labels: patch.labels ?? latest.labels,
    assignees: patch.assignees ?? latest.assignees,
    body: sentBody ?? latest.body,
    // The app's own edits are accepted; a person's unjudged text is not (their
    // webhook brings it to judgement): only the ticks join the accepted body.
    accepted_body:
      sentBody === undefined ? latest.accepted_body : unjudged ? desired.body : sentBody,
    unjudged_edit: unjudged,
    former_holders: (latest.former_holders ?? []).filter((h) => !used.includes(h)),
    updated_at: rt.now(),
  })
  sent++
  try {
    const response = await octokit.rest.issues.update({
      owner,
      repo,
      issue_number: record.number,
      ...patch,
    })
    const data = response.data as { updated_at?: string; body?: string | null } | undefined
    const answered = typeof data?.body === 'string' ? data.body : sentBody
    const now = rt.state.issue(taskId)
    if (now)
      rt.state.saveIssue({
        ...now,
        // Our own update is now the newest change: older deliveries become
        // stale — unless a person's edit is still to be judged (its delivery
        // is older than this update and must not be dropped).
        github_updated_at: data?.updated_at && !unjudged ? data.updated_at : now.github_updated_at,
        etag: answered === undefined ? null : (response.headers?.etag ?? null),
        etag_body: answered ?? now.etag_body ?? null,
      })
  } catch (err) {
    // GitHub still has what it had. The accepted body stays as recorded (this
    // one, or one accepted meanwhile); so does a copy of GitHub's recorded meanwhile.
    const now = rt.state.issue(taskId) ?? latest
    rt.state.saveIssue({
      ...latest,
      body: sentBody !== undefined && now.body === sentBody ? latest.body : now.body,
      accepted_body: now.accepted_body,
      etag: now.etag ?? null,
      etag_body: now.etag_body ?? null,
      former_holders: [...new Set([...(now.former_holders ?? []), ...used])],
      status_dirty: true,
    })
    throw err
  }
  return sent
}

/**
 * Nothing to send: remember what the read showed (whether an edit is
 * unjudged; when none is, GitHub already has the accepted body with its
 * ticks, which becomes the accepted body) and forget the former holders
 * already handled.
 */
function settle(
  rt: AppRuntime,
  taskId: string,
  body: { unjudged: boolean } | null,
  used: readonly string[],
  tick: (body: string) => string,
): void {
  const now = rt.state.issue(taskId)
  if (!now) return
  const unjudged = body ? body.unjudged : (now.unjudged_edit ?? false)
  const accepted = body && !unjudged ? tick(now.accepted_body) : now.accepted_body
  if (
    used.length === 0 &&
    unjudged === (now.unjudged_edit ?? false) &&
    accepted === now.accepted_body
  )
    return
  rt.state.saveIssue({
    ...now,
    accepted_body: accepted,
    unjudged_edit: unjudged,
    former_holders: (now.former_holders ?? []).filter((h) => !used.includes(h)),
  })
}

/**
 * GitHub's current body of the issue of `taskId`: a `GET` with
 * `If-None-Match` and the last `ETag` when there is one — `304 Not Modified`
 * (no rate limit spent) means the body of that answer still stands. The
 * answer's body becomes the record's copy of GitHub's, with its `ETag`.
 */
export async function readBody(
  octokit: Octokit,
  rt: AppRuntime,
  taskId: string,
): Promise<{ body: string; requests: number }> {
  const record = rt.state.issue(taskId)
  if (!record) throw new Error(`No issue record for ${taskId}`)
  const [owner, repo] = record.repo.split('/') as [string, string]
  const etag = record.etag_body != null ? record.etag : null
  try {
    const response = await octokit.rest.issues.get({
      owner,
      repo,
      issue_number: record.number,
      ...(etag ? { headers: { 'if-none-match': etag } } : {}),
    })
    const body = response.data.body ?? ''
    const now = rt.state.issue(taskId) ?? record
    rt.state.saveIssue({
      ...now,
      body,
      etag: response.headers.etag ?? null,
      etag_body: body,
    })
    return { body, requests: 1 }
  } catch (err) {
    if ((err as { status?: number }).status !== 304 || record.etag_body == null) throw err
    const now = rt.state.issue(taskId) ?? record
    if (now.body !== record.etag_body) rt.state.saveIssue({ ...now, body: record.etag_body })
    return { body: record.etag_body, requests: 1 }
  }
}
