/**
 * The mirror is reconciliation, not scripting (DESIGN "One engine"). This
 * module is its pure half: from a task's state compute the issue it should
 * look like — labels, assignees, open/closed and its reason, the body's
 * dependency and subtask ticks, the native `blocked_by` links, the status
 * comment ({@link desiredMirror}) — and the difference from what GitHub has
 * ({@link issuePatch}, {@link plannedBody}, {@link bodyAfterRead},
 * {@link blockedByChanges}). The app's writer (`src/app/reconcile.ts`) reads
 * the state, calls these, and sends only the difference. Re-running changes
 * nothing. Labels the app does not manage, assignees people set and
 * everything a person wrote in the body are kept.
 */
import type { Task } from '../core/model.js'
import type { Config } from './config.js'
import { type RefItem, setChecked } from './issue-body.js'
import { parseLabels, personaLabel, priorityLabel, specialLabels, statusLabel } from './labels.js'
import type { RepoContext } from './references.js'
import { renderStatusComment, type StatusView } from './status-comment.js'

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
 * when the task requires it (a person's label stays); other labels stay.
 * Assignees: the lease holder is added; `formerHolder` (one login or several:
 * whose lease ended) is removed unless they hold the lease again; people's
 * own assignments stay. State:
 * completed → closed as completed, cancelled → closed as not planned,
 * otherwise open.
 */
export function desiredIssue(
  task: Task,
  current: IssueState,
  config: Config,
  formerHolder?: string | readonly string[] | null,
): IssueState {
  const former = formerHolder
    ? typeof formerHolder === 'string'
      ? [formerHolder]
      : formerHolder
    : []
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
    (a) => !former.some((f) => same(a, f)) || (task.lease !== null && same(a, task.lease.holder)),
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

/** Everything the mirror needs to compute a task's issue, read by the caller. */
export interface MirrorInput {
  task: Task
  /** The issue as GitHub has it, as far as the app knows (last seen or sent). */
  current: IssueState
  config: Config
  /** Logins whose lease ended and who are still to be unassigned. */
  formerHolders: readonly string[]
  /** The body the app last accepted (its own edits start from it). */
  acceptedBody: string
  /** True for a referenced task that is completed: its checkbox is ticked. */
  finished: (ref: RefItem['ref']) => boolean
  /** Resolves `#12` in the body's task lists. */
  context: RepoContext
  /** GitHub issue ids of the task's dependencies: its native `blocked_by` links. */
  blockedBy: readonly number[]
  /** The status comment's content; omitted when only the issue is reconciled. */
  status?: StatusView
}

/** The issue as the task says it should be. */
export interface DesiredIssue extends IssueState {
  /** The accepted body with every finished dependency and subtask ticked. */
  body: string
  /** Issue ids to link as native `blocked_by`, in the task's order. */
  blockedBy: number[]
  /** The status comment's Markdown, when {@link MirrorInput.status} was given. */
  statusComment?: string
}

/**
 * Tick the `### Depends on` and `### Subtasks` items of `body` whose task is
 * finished. Only ticks (never unticks: a box a person ticked stays); every
 * other byte of `body` is kept; `body` itself when nothing changes.
 */
export function tickFinished(
  body: string,
  finished: (ref: RefItem['ref']) => boolean,
  context: RepoContext,
): string {
  const deps = setChecked(body, 'dependsOn', (item) => finished(item.ref), true, context)
  return setChecked(deps, 'subtasks', (item) => finished(item.ref), true, context)
}

/**
 * The one function from a task's state to the issue it should be: labels,
 * assignees, open/closed and reason ({@link desiredIssue}), the body (the
 * accepted body, finished dependencies and subtasks ticked), the native
 * `blocked_by` links and the status comment.
 */
export function desiredMirror(input: MirrorInput): DesiredIssue {
  return {
    ...desiredIssue(input.task, input.current, input.config, input.formerHolders),
    body: tickFinished(input.acceptedBody, input.finished, input.context),
    blockedBy: [...new Set(input.blockedBy)],
    ...(input.status ? { statusComment: renderStatusComment(input.status) } : {}),
  }
}

/** What the app knows of an issue's body on GitHub. */
export interface BodyKnowledge {
  /** The body the app last accepted. */
  accepted: string
  /** GitHub's body as far as the app knows (the last seen or sent). */
  known: string
  /** The body of GitHub's last answer to the app (a read or an update), if any. */
  answered: string | null
  /** GitHub holds an edit whose webhook the app has not judged yet. */
  unjudged: boolean
}

/**
 * The body the app would send, judged before reading GitHub's: null when
 * nothing is to be sent (no read needed either). Normally the accepted body
 * with its ticks ({@link tickFinished} as `tick`) when it differs from GitHub's
 * known copy (a tick, an added dependency, a refused part set back). While an
 * unjudged edit is on GitHub, only ticks on top of GitHub's last answered body.
 */
export function plannedBody(k: BodyKnowledge, tick: (body: string) => string): string | null {
  if (k.unjudged) {
    const base = k.answered ?? k.known
    const ticked = tick(base)
    return ticked === base ? null : ticked
  }
  const desired = tick(k.accepted)
  return desired === k.known ? null : desired
}

/**
 * The body to send once GitHub's current body `github` was read (null: none),
 * and whether it holds an edit the app has not judged. When `github` is the
 * known copy or GitHub's last answer to the app, nothing unseen happened: the
 * accepted body with its ticks is sent. Otherwise a person (or a bot) edited
 * it and its webhook has not been processed: only ticks are applied on top of
 * their text, which is never overwritten; the rest of the app's edits waits
 * until the edit is judged.
 */
export function bodyAfterRead(
  k: BodyKnowledge,
  github: string,
  tick: (body: string) => string,
): { body: string | null; unjudged: boolean } {
  const seen = !k.unjudged && (github === k.known || github === k.answered)
  const desired = seen ? tick(k.accepted) : tick(github)
  return { body: desired === github ? null : desired, unjudged: !seen }
}

/**
 * The native `blocked_by` links to add and remove: `wanted` not yet in
 * `linked` (leaving out `refused`, which GitHub would not link), and `linked`
 * no longer wanted.
 */
export function blockedByChanges(
  linked: readonly number[],
  wanted: readonly number[],
  refused: readonly number[] = [],
): { add: number[]; remove: number[] } {
  return {
    add: wanted.filter((id) => !linked.includes(id) && !refused.includes(id)),
    remove: linked.filter((id) => !wanted.includes(id)),
  }
}
