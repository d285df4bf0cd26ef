/**
 * The mirror is reconciliation, not scripting (DESIGN "One engine"): from a
 * task's state compute the issue it should look like — labels, assignees,
 * open/closed — compare it with what GitHub has (as last seen or sent), and
 * send only the difference, in one `PATCH /repos/{owner}/{repo}/issues/{n}`.
 * Re-running changes nothing. Labels the app does not manage, and assignees
 * people set, are kept.
 */
import type { Task } from '../core/model.js'
import type { Config } from './config.js'
import { parseLabels, personaLabel, priorityLabel, specialLabels, statusLabel } from './labels.js'

/** The parts of an issue the mirror manages. */
export interface IssueState {
  state: 'open' | 'closed'
  state_reason: string | null
  labels: string[]
  assignees: string[]
}

/** The body of an issue update (`PATCH /repos/{owner}/{repo}/issues/{issue_number}`). */
export interface IssuePatch {
  state?: 'open' | 'closed'
  state_reason?: 'completed' | 'not_planned' | 'reopened'
  labels?: string[]
  assignees?: string[]
  body?: string
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

function union(base: string[], extra: string[]): string[] {
  const out = [...base]
  for (const x of extra) if (!out.some((y) => same(x, y))) out.push(x)
  return out
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => same(x, y)))
}

/**
 * The issue as `task` says it should be. Labels: the task label, one status,
 * one priority, the persona (if any), `needs: person` while failed,
 * `needs: answer` exactly while waiting for an answer, `requires approval`
 * when the task requires it (a person's label stays); other labels stay. Assignees: the lease holder is added; `formerHolder` (whose
 * lease just ended) is removed; people's own assignments stay. State:
 * completed → closed as completed, cancelled → closed as not planned,
 * otherwise open.
 */
export function desiredIssue(
  task: Task,
  current: IssueState,
  config: Config,
  formerHolder?: string | null,
): IssueState {
  const parsed = parseLabels(current.labels, config)
  const special = specialLabels(config)
  const keep = current.labels.filter(
    (l) => parsed.others.some((o) => same(o, l)) || same(l, special.requiresApproval),
  )
  const labels = union(keep, [
    special.task,
    statusLabel(task.status, config),
    priorityLabel(task.priority, config),
    ...(task.persona ? [personaLabel(task.persona, config)] : []),
    ...(task.status === 'failed' ? [special.needsPerson] : []),
    ...(task.status === 'waiting' ? [special.needsAnswer] : []),
    ...(task.requires_approval ? [special.requiresApproval] : []),
  ])
  let assignees = current.assignees.filter(
    (a) =>
      !formerHolder ||
      !same(a, formerHolder) ||
      (task.lease !== null && same(a, task.lease.holder)),
  )
  if (task.lease) assignees = union(assignees, [task.lease.holder])
  const closed = task.status === 'completed' || task.status === 'cancelled'
  return {
    state: closed ? 'closed' : 'open',
    state_reason: closed ? (task.status === 'completed' ? 'completed' : 'not_planned') : null,
    labels,
    assignees,
  }
}

/**
 * How a closed issue reads back into a task status (the inverse of the
 * `state_reason` {@link desiredIssue} sends): closed as not planned →
 * `cancelled`; as completed, or with no reason → `completed`.
 */
export function closedStatus(stateReason: string | null | undefined): 'completed' | 'cancelled' {
  return stateReason === 'not_planned' ? 'cancelled' : 'completed'
}

/** The update that turns `current` into `desired`, or null when they agree. */
export function issuePatch(current: IssueState, desired: IssueState): IssuePatch | null {
  const patch: IssuePatch = {}
  if (
    current.state !== desired.state ||
    (desired.state === 'closed' && current.state_reason !== desired.state_reason)
  ) {
    patch.state = desired.state
    if (desired.state === 'closed')
      patch.state_reason = desired.state_reason as 'completed' | 'not_planned'
  }
  if (!sameSet(current.labels, desired.labels)) patch.labels = desired.labels
  if (!sameSet(current.assignees, desired.assignees)) patch.assignees = desired.assignees
  return Object.keys(patch).length ? patch : null
}
