/**
 * After the engine changed: bring GitHub in line. For every touched task the
 * mirror sends one PATCH with only the difference (labels, assignees, state —
 * and, for a dependent that was unblocked, the ticked checkbox of the finished
 * dependency in its body); status comments are marked for the coalesced
 * refresh (see `background.ts`).
 */

import type { Config } from '../github/config.js'
import { setChecked } from '../github/issue-body.js'
import type { AppRuntime, Octokit } from './runtime.js'
import { mirrorIssue } from './sync.js'

/** What to publish. */
export interface Changes {
  touched: Iterable<string>
  formerHolders?: Map<string, string>
  /** Tasks that just completed: their dependents' checkboxes get ticked. */
  completed?: string[]
  /** New bodies for some issues (sent in the same update). */
  bodies?: Map<string, string>
}

/**
 * Mirror `changes` to GitHub. Tasks of other repositories (or other
 * installations) are left to the sweeper's reconciliation. Returns the number
 * of issue updates sent.
 */
export async function publish(
  octokit: Octokit,
  rt: AppRuntime,
  config: Config,
  repo: string,
  changes: Changes,
): Promise<number> {
  // Checkboxes to tick: in each dependent's `Depends on`, and in the parent's `Subtasks`.
  const ticks = new Map<string, string[]>()
  const subtaskTicks = new Map<string, string[]>()
  for (const done of changes.completed ?? []) {
    const detail = rt.engine.show(done)
    for (const dependent of detail.dependents) {
      ticks.set(dependent, [...(ticks.get(dependent) ?? []), done])
    }
    if (detail.parent_id)
      subtaskTicks.set(detail.parent_id, [...(subtaskTicks.get(detail.parent_id) ?? []), done])
  }
  const touched = new Set([...changes.touched, ...ticks.keys(), ...subtaskTicks.keys()])
  rt.state.markStatusDirty(touched)
  let sent = 0
  for (const taskId of touched) {
    const record = rt.state.issue(taskId)
    if (!record?.is_task || record.repo !== repo) continue
    let body: string | undefined = changes.bodies?.get(taskId)
    const [owner, name] = repo.split('/') as [string, string]
    const context = { owner, repo: name, ...(rt.host ? { host: rt.host } : {}) }
    const idOf = (ref: { owner: string; repo: string; number: number }) =>
      rt.taskId({ owner: ref.owner, repo: ref.repo }, ref.number)
    for (const [section, finished] of [
      ['dependsOn', ticks.get(taskId)],
      ['subtasks', subtaskTicks.get(taskId)],
    ] as const) {
      if (!finished) continue
      body = setChecked(
        body ?? record.accepted_body,
        section,
        (item) => finished.includes(idOf(item.ref)),
        true,
        context,
      )
    }
    const patch = await mirrorIssue(octokit, rt, config, taskId, {
      formerHolder: changes.formerHolders?.get(taskId) ?? null,
      ...(body !== undefined ? { body } : {}),
    })
    if (patch) sent++
  }
  return sent
}
