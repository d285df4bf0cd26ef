/**
 * What a change made by hand on GitHub asks of a task, and which permission
 * rule it needs (issue 14, "Labels bypass the gate"): a status, priority or
 * persona label may do only what the matching command may do for that person;
 * a body edit of the criteria, dependencies or subtasks needs the `edit_*`
 * rules; closing, cancelling and reopening need `close`, `cancel`, `reopen`.
 * Also the texts of the replies that say why a change was set back — kept
 * here, in one place, so that everything echoed in them can be neutralised
 * in one place. Pure: no HTTP, no database.
 */
import type { Status, Task } from '../core/model.js'
import type { GuardedPart } from './body-sections.js'
import type { Config, PermissionRule } from './config.js'
import { BODY_LIMIT } from './fit.js'
import type { ParsedLabels } from './labels.js'
import { statusLabel } from './labels.js'
import { code, inline, mention } from './neutralise.js'

/** One thing a relabelling asks for, with the rule that guards it. */
export interface LabelChange {
  /** What the engine is asked to do. */
  action:
    | { kind: 'priority'; value: NonNullable<ParsedLabels['priority']> }
    | { kind: 'persona'; value: string }
    | { kind: 'complete' }
    | { kind: 'cancel' }
    | { kind: 'block' }
    | { kind: 'unblock' }
    | { kind: 'revoke' }
    | { kind: 'reopen' }
  /** The permission rule in `config.permissions`. */
  rule: PermissionRule
  /** The label a person set, as the app names it. */
  label: string
  /** The lease holder when the change ends or acts on the lease (adds `override` for others). */
  holder: string | null
}

const FINAL: readonly Status[] = ['completed', 'failed', 'cancelled']

/**
 * The changes `labels` ask of `task`, each with its rule: priority → `priority`,
 * persona → `persona`, `status: completed` → `close`, `status: cancelled` →
 * `cancel`, `status: blocked` → `block`, `status: pending` → `unblock` (a
 * block by hand), `release` of the lease (in progress) or `reopen` (a
 * finished task). Labels that agree with the task, or that no person may set
 * (`in_progress`, `waiting`, `failed`), ask nothing; the mirror puts the
 * task's own label back for those.
 */
export function labelChanges(task: Task, labels: ParsedLabels, config: Config): LabelChange[] {
  const out: LabelChange[] = []
  const holder = task.lease?.holder ?? null
  if (labels.priority && labels.priority !== task.priority) {
    out.push({
      action: { kind: 'priority', value: labels.priority },
      rule: 'priority',
      label: `${config.labels.priority_prefix}${labels.priority}`,
      holder: null,
    })
  }
  if (labels.persona && labels.persona !== task.persona) {
    out.push({
      action: { kind: 'persona', value: labels.persona },
      rule: 'persona',
      label: `${config.labels.persona_prefix}${labels.persona}`,
      holder: null,
    })
  }
  const status = labels.status
  if (!status || status === task.status) return out
  const label = statusLabel(status, config)
  if (status === 'completed')
    out.push({ action: { kind: 'complete' }, rule: 'close', label, holder })
  else if (status === 'cancelled')
    out.push({ action: { kind: 'cancel' }, rule: 'cancel', label, holder })
  else if (status === 'blocked')
    out.push({ action: { kind: 'block' }, rule: 'block', label, holder: null })
  else if (status === 'pending') {
    if (FINAL.includes(task.status))
      out.push({ action: { kind: 'reopen' }, rule: 'reopen', label, holder: null })
    else if (task.status === 'blocked' && task.blocked_reason)
      out.push({ action: { kind: 'unblock' }, rule: 'unblock', label, holder: null })
    else if (task.lease) out.push({ action: { kind: 'revoke' }, rule: 'release', label, holder })
  }
  return out
}

/** What a label change does, for a refusal: `the label \`status: completed\` (completing the task)`. */
export function labelWhat(change: LabelChange): string {
  const doing: Record<LabelChange['action']['kind'], string> = {
    priority: 'changing the priority',
    persona: 'changing the persona',
    complete: 'completing the task',
    cancel: 'cancelling the task',
    block: 'blocking the task',
    unblock: 'lifting the block',
    revoke: 'ending the lease',
    reopen: 'reopening the task',
  }
  return `the label ${code(change.label, { max: 100 })} (${doing[change.action.kind]})`
}

/**
 * The rule that guards a change of `part` of the body of `task`: the criteria
 * of a task held under a lease need `edit_claimed_criteria` (so a holder cannot
 * weaken its own criteria before the gate runs), otherwise `edit_criteria`;
 * dependencies `edit_dependencies`, subtasks `edit_subtasks`, the priority and
 * persona fields the `/priority` and `/persona` rules.
 */
export function partRule(part: GuardedPart, task: Task): PermissionRule {
  switch (part) {
    case 'criteria':
      return task.lease ? 'edit_claimed_criteria' : 'edit_criteria'
    case 'dependsOn':
      return 'edit_dependencies'
    case 'subtasks':
      return 'edit_subtasks'
    case 'priority':
      return 'priority'
    case 'persona':
      return 'persona'
  }
}

/** What changing `part` is, for a refusal. */
export function partWhat(part: GuardedPart, task: Task): string {
  const section: Record<GuardedPart, string> = {
    criteria: '### Success criteria',
    dependsOn: '### Depends on',
    subtasks: '### Subtasks',
    priority: '### Priority',
    persona: '### Persona',
  }
  const claimed = part === 'criteria' && task.lease ? ' of a task held under a lease' : ''
  return `changing \`${section[part]}\`${claimed}`
}

/**
 * The texts of the app's replies about changes made by hand. Every reply is
 * built here; `reasons` are the refusals of `authorizeRule` or the gate's
 * missing items.
 */
export const manualEditReplies = {
  /** Labels set back. */
  labelsPutBack(reasons: readonly string[]): string {
    return `↩️ Label put back: ${list(reasons)}`
  },
  /** `status: completed` refused by the completion gate. */
  gateNotPassed(label: string, missing: readonly string[]): string {
    return `↩️ Label put back: ${code(label, { max: 100 })} would complete this task, but its completion gate has not passed:\n\n${bullets(missing.map((m) => inline(m)))}`
  },
  /**
   * Parts of a body edit set back; with `whole`, the whole edit (see
   * `restoreParts`: `size` — the set-back would pass GitHub's limit,
   * `layout` — the parts could not be set back on their own).
   */
  bodyPartsRestored(
    actor: string,
    reasons: readonly string[],
    whole: 'layout' | 'size' | null = null,
  ): string {
    if (!whole)
      return `↩️ Parts of ${mention(actor)}'s edit were set back to their last accepted version (the rest of the edit stays): ${list(reasons)}`
    const why =
      whole === 'size'
        ? `setting back only those parts would make the body longer than GitHub's limit of ${BODY_LIMIT.toLocaleString('en-US')} characters`
        : 'those parts could not be set back on their own'
    return `↩️ ${mention(actor)}'s edit was set back as a whole to its last accepted version (${why}): ${list(reasons)}`
  },
  /** A closing, cancelling or reopening by hand undone. */
  stateUndone(undone: 'Reopened' | 'Closed again', reason: string): string {
    return `↩️ ${undone}: ${reason}.`
  },
  /**
   * An assignment (a claim for the assignee) refused: the task stays unclaimed
   * and the assignee stays as a person's note; or an unassignment (the end of
   * a lease) refused: the holder is assigned again.
   */
  assignmentRefused(reason: string, claiming: boolean): string {
    return claiming
      ? `⚠️ Not claimed: ${reason}. The task stays unclaimed; the assignment is only a note.`
      : `↩️ Assigned again: ${reason}.`
  },
  /** An issue with the task label from someone who may not make it a task. */
  notTracked(reason: string, taskLabel: string): string {
    return `This issue is not a task yet: ${reason}. A person with that permission makes it one by adding the \`${taskLabel}\` label again (remove it and add it) or by editing the issue, which accepts its body as it stands then.`
  },
}

function bullets(items: readonly string[]): string {
  return items.map((m) => `- ${m}`).join('\n')
}

function list(reasons: readonly string[]): string {
  return reasons.length === 1 ? `${reasons[0]}.` : `\n\n${bullets(reasons)}`
}
