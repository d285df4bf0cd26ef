/**
 * After the engine changed: mark the touched issues dirty and let the
 * mirror's writer (`reconcile.ts`) bring them in line with their tasks —
 * one update per issue with only the difference (labels, assignees, state,
 * the body's ticks), and the native dependency links. Status comments wait
 * for the coalesced flush (see `background.ts`), which runs the same writer.
 */

import type { Config } from '../github/config.js'
import { markDirty, reconcileIssue } from './reconcile.js'
import type { AppRuntime, Octokit } from './runtime.js'

/** What changed. */
export interface Changes {
  touched: Iterable<string>
  /** Whose lease ended, per task: unassigned by the mirror. */
  formerHolders?: Map<string, string>
  /**
   * Tasks that just completed: their dependents and parent are touched too
   * (their checkboxes for it get ticked: the ticks follow the engine's state).
   */
  completed?: string[]
  /**
   * New accepted bodies for some issues, written by the app (`/depends-on`
   * adds items to `### Depends on`): recorded before the writer runs.
   */
  bodies?: Map<string, string>
}

/**
 * Record `changes` for the mirror, synchronously — call it in the
 * transaction that made them, so they survive a crash: the app's new
 * accepted bodies, and a dirty mark (with the lease holders to unassign) on
 * every touched issue and on the dependents and parent of every completed
 * task. Returns the issues marked.
 */
export function markChanges(rt: AppRuntime, changes: Changes): Set<string> {
  const touched = new Set(changes.touched)
  for (const done of changes.completed ?? []) {
    const detail = rt.engine.show(done)
    for (const dependent of detail.dependents) touched.add(dependent)
    if (detail.parent_id) touched.add(detail.parent_id)
  }
  for (const [taskId, body] of changes.bodies ?? []) {
    const record = rt.state.issue(taskId)
    if (record) rt.state.saveIssue({ ...record, accepted_body: body })
  }
  markDirty(rt, touched, changes.formerHolders)
  return touched
}

/**
 * Mark `changes` ({@link markChanges}) and reconcile the touched issues of `repo` now (the
 * issue part: the status comments are the flush's). Tasks of other
 * repositories (or other installations) are left dirty for the flush.
 * Returns the number of requests sent; throws the first failure (that
 * issue, and those not tried yet, stay dirty for the next flush).
 */
export async function publish(
  octokit: Octokit,
  rt: AppRuntime,
  config: Config,
  repo: string,
  changes: Changes,
): Promise<number> {
  const touched = markChanges(rt, changes)
  let sent = 0
  for (const taskId of touched) {
    const record = rt.state.issue(taskId)
    if (!record?.is_task || record.repo !== repo) continue
    sent += await reconcileIssue(octokit, rt, config, taskId)
  }
  return sent
}
