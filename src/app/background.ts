/**
 * Work that happens without a webhook: leases expire without anyone watching
 * (the sweep, on a timer), and status comments are refreshed shortly after a
 * change, coalescing bursts so that a command costs at most one reaction, one
 * reply and one issue update (see bench/github-api.bench.ts).
 */
import { isTaskError } from '../core/errors.js'
import type { ExpiredLease } from '../core/leases.js'
import { expiryNotice } from '../github/issue-replies.js'
import { DashboardState } from './dashboard.js'
import { publish } from './publish.js'
import { reconcileIssue } from './reconcile.js'
import type { AppRuntime, Octokit } from './runtime.js'

/** An Octokit for an installation (Probot's `app.auth(id)`). */
export type OctokitFor = (installationId: number | null) => Promise<Octokit>

/**
 * Sweep expired leases of every repository, each task under its
 * repository's lease policy (`AppRuntime.policyOf`), and tell each issue:
 * unassign the holder, return the task to pending (or failed, labelled for a
 * person), and comment. Returns what expired.
 */
export async function sweepAndReport(
  rt: AppRuntime,
  octokitFor: OctokitFor,
  onError: (err: unknown, task: string) => void = () => {},
): Promise<ExpiredLease[]> {
  // Each task under its own repository's policy (the lock-delay).
  const expired = rt.engine.sweep((task) => rt.policyOf(task))
  const repos = expired.map((e) => rt.state.issue(e.task)?.repo).filter((r) => r !== undefined)
  new DashboardState(rt.engine.store).markDirty(repos)
  for (const e of expired) {
    const record = rt.state.issue(e.task)
    if (!record?.is_task) continue
    // The sweep has committed: report each expiry on its own, so one failing
    // repository (uninstalled, rate-limited) does not hide the others. A
    // failed report leaves the record dirty for the next flush.
    try {
      const octokit = await octokitFor(record.installation_id)
      const [owner, repo] = record.repo.split('/') as [string, string]
      const { config } = await rt.config(octokit, { owner, repo })
      await publish(octokit, rt, config, record.repo, {
        touched: [e.task],
        formerHolders: new Map([[e.task, e.holder]]),
      })
      await postExpiryNotice(octokit, rt, e, { owner, repo }, record.number)
    } catch (err) {
      rt.state.markStatusDirty([e.task])
      onError(err, e.task)
    }
  }
  return expired
}

/**
 * Tell issue `number` of `r` that lease `e` expired: one comment (⏰) with
 * an `expire` marker (`token`, `holder`, `expires_at` of the lease that
 * ended; no `comment` field). Used by the sweep and by `/next`, which sweeps
 * its repository's expired leases before choosing. Throws what GitHub answered.
 */
export async function postExpiryNotice(
  octokit: Octokit,
  rt: AppRuntime,
  e: ExpiredLease,
  r: { owner: string; repo: string },
  number: number,
): Promise<void> {
  const task = rt.engine.get(e.task)
  await octokit.rest.issues.createComment({
    owner: r.owner,
    repo: r.repo,
    issue_number: number,
    body: expiryNotice(e, task.max_attempts),
  })
}

/**
 * Post the replies still owed to comments whose commands ran (a reply GitHub
 * refused, or a handler that died before sending it). Each is posted once and
 * then cleared; one that fails again stays owed for the next flush. One whose
 * comment the app is known to have answered on GitHub meanwhile
 * (`rt.answeredElsewhere`: another workflow run did) is cleared unposted.
 * Returns the number posted.
 */
export async function flushOwedReplies(
  rt: AppRuntime,
  octokitFor: OctokitFor,
  onError: (err: unknown, task: string) => void = () => {},
): Promise<number> {
  let sent = 0
  for (const owed of rt.state.owedReplies()) {
    if (rt.answeredElsewhere.has(owed.comment_id)) {
      rt.engine.write(() => rt.state.replySent(owed.comment_id))
      continue
    }
    const [owner, repo] = owed.repo.split('/') as [string, string]
    try {
      const octokit = await octokitFor(owed.installation_id)
      await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: owed.number,
        body: owed.reply,
      })
      rt.engine.write(() => rt.state.replySent(owed.comment_id))
      sent++
    } catch (err) {
      onError(err, `${owed.repo}#${owed.number}`)
    }
  }
  return sent
}

/**
 * Reconcile every issue marked dirty with the mirror's writer
 * (`reconcileIssue`, status comment included): labels, assignees, state, the
 * body's ticks and native links (no request unless an earlier one failed or
 * was never sent), then the status comment. An issue whose requests fail
 * stays dirty for the next flush. Returns the number of requests sent.
 */
export async function flushStatusComments(
  rt: AppRuntime,
  octokitFor: OctokitFor,
  onError: (err: unknown, task: string) => void = () => {},
): Promise<number> {
  let sent = 0
  const tried = new Set<string>()
  // Pass after pass until nothing new is dirty (a pass takes at most 100);
  // each issue once per flush, so a failing one cannot loop.
  for (;;) {
    const batch = rt.state.dirtyIssues().filter((r) => !tried.has(r.task_id))
    if (batch.length === 0) break
    sent += await flushBatch(rt, octokitFor, onError, batch, tried)
  }
  return sent
}

async function flushBatch(
  rt: AppRuntime,
  octokitFor: OctokitFor,
  onError: (err: unknown, task: string) => void,
  batch: ReturnType<AppRuntime['state']['dirtyIssues']>,
  tried: Set<string>,
): Promise<number> {
  let sent = 0
  for (const record of batch) {
    tried.add(record.task_id)
    try {
      const octokit = await octokitFor(record.installation_id)
      const [owner, repo] = record.repo.split('/') as [string, string]
      const { config } = await rt.config(octokit, { owner, repo })
      sent += await reconcileIssue(octokit, rt, config, record.task_id, { statusComment: true })
    } catch (err) {
      // Move it to the back of the queue so one failing issue does not starve the others.
      const fresh = rt.state.issue(record.task_id)
      if (fresh) rt.state.saveIssue({ ...fresh, status_dirty: true, updated_at: rt.now() })
      if (!isTaskError(err, 'TaskNotFound')) onError(err, record.task_id)
    }
  }
  return sent
}
