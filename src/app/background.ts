/**
 * Work that happens without a webhook: leases expire without anyone watching
 * (the sweep, on a timer), and status comments are refreshed shortly after a
 * change, coalescing bursts so that a command costs at most one reaction, one
 * reply and one issue update (see bench/github-api.bench.ts).
 */
import { isTaskError } from '../core/errors.js'
import type { ExpiredLease } from '../core/leases.js'
import { publish } from './publish.js'
import type { AppRuntime, Octokit } from './runtime.js'
import { flushStatus, mirrorIssue } from './sync.js'

/** An Octokit for an installation (Probot's `app.auth(id)`). */
export type OctokitFor = (installationId: number | null) => Promise<Octokit>

/**
 * Sweep expired leases and tell each issue: unassign the holder, return the
 * task to pending (or failed, labelled for a person), and comment. Returns
 * what expired.
 */
export async function sweepAndReport(
  rt: AppRuntime,
  octokitFor: OctokitFor,
): Promise<ExpiredLease[]> {
  const expired = rt.engine.sweep()
  for (const e of expired) {
    const record = rt.state.issue(e.task)
    if (!record?.is_task) continue
    const octokit = await octokitFor(record.installation_id)
    const [owner, repo] = record.repo.split('/') as [string, string]
    const { config } = await rt.config(octokit, { owner, repo })
    await publish(octokit, rt, config, record.repo, {
      touched: [e.task],
      formerHolders: new Map([[e.task, e.holder]]),
    })
    const task = rt.engine.get(e.task)
    await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: record.number,
      body:
        e.status === 'failed'
          ? `⏰ The lease of @${e.holder} (token ${e.token}) expired at ${e.expired_at}. That was attempt ${e.attempts} of ${task.max_attempts}: the task is **failed** and needs a person (reopen it, or relabel it \`pending\`).`
          : `⏰ The lease of @${e.holder} (token ${e.token}) expired at ${e.expired_at}; the task is back in the queue (attempt ${e.attempts} of ${task.max_attempts}). @${e.holder}: your token is no longer valid.`,
    })
  }
  return expired
}

/**
 * Reconcile every issue marked dirty: the mirror first (a no-op unless an
 * earlier update failed), then the status comment. Returns the number of
 * requests sent.
 */
export async function flushStatusComments(rt: AppRuntime, octokitFor: OctokitFor): Promise<number> {
  let sent = 0
  for (const record of rt.state.dirtyIssues()) {
    try {
      const octokit = await octokitFor(record.installation_id)
      const [owner, repo] = record.repo.split('/') as [string, string]
      const { config } = await rt.config(octokit, { owner, repo })
      if (await mirrorIssue(octokit, rt, config, record.task_id)) sent++
      if (await flushStatus(octokit, rt, rt.state.issue(record.task_id) ?? record)) sent++
    } catch (err) {
      if (isTaskError(err, 'TaskNotFound')) continue
      throw err
    }
  }
  return sent
}
