/**
 * The app's notices on a task's issue that answer no command (issue 11:
 * "replies are rendered in `src/github`"): what of an issue could not be
 * applied, a broken config file, and the words for what a change made by
 * hand does — the `what` a permission refusal names ("closing this issue as
 * completed"). The replies that set a change back are `./manual-edits.ts`'s
 * `manualEditReplies`. Pure: no HTTP, no database.
 */
import type { ExpiredLease } from '../core/leases.js'
import { renderList } from './fit.js'
import { marker } from './markers.js'
import { codeBlock, mention } from './neutralise.js'

/**
 * The reply listing what of an issue could not be applied to its task
 * (`problems`: the engine's and the body parser's sentences, neutralised and
 * fitted to GitHub's limit by `renderList`).
 */
export function problemsNotice(problems: readonly string[]): string {
  return renderList(
    'Task Orchestrator could not apply everything in this issue:',
    [...problems],
    'problems',
  )
}

/**
 * The notice that lease `e` expired (⏰): an `expire` reply marker (`token`,
 * `holder`, `expires_at` of the lease that ended; no `comment` field, as it
 * answers no comment), then a sentence for people — the task failed and
 * needs a person once `e.attempts` reached `maxAttempts`, else it is back in
 * the queue and the holder's token is no longer valid.
 */
export function expiryNotice(e: ExpiredLease, maxAttempts: number): string {
  const outcome = {
    command: 'expire',
    ok: true,
    task: e.task,
    token: e.token,
    reason: null,
    holder: e.holder,
    expires_at: e.expired_at,
  }
  const said =
    e.status === 'failed'
      ? `⏰ The lease of ${mention(e.holder)} (token ${e.token}) expired at ${e.expired_at}. That was attempt ${e.attempts} of ${maxAttempts}: the task is **failed** and needs a person (reopen it, or relabel it \`pending\`).`
      : `⏰ The lease of ${mention(e.holder)} (token ${e.token}) expired at ${e.expired_at}; the task is back in the queue (attempt ${e.attempts} of ${maxAttempts}). ${mention(e.holder)}: your token is no longer valid.`
  return `${marker(outcome)}\n${said}`
}

/**
 * The notice that a task closed by `via` (a person's mention, or the pull
 * request that closed it) was reopened because its completion gate has not
 * passed; `missing` are the gate's sentences, listed and fitted.
 */
export function gateReopenedNotice(via: string, missing: readonly string[]): string {
  return renderList(
    `↩️ Reopened: ${via} closed this task, but its completion gate has not passed:`,
    [...missing],
    'reasons',
  )
}

/** The notice that `.github/task-orchestrator.yml` is broken (`error`, shown in a code block). */
export function configErrorNotice(error: string): string {
  return `⚠️ Task Orchestrator's configuration has an error; the last good configuration (or the defaults) stays in use until it is fixed.\n\n${codeBlock(error)}`
}

/**
 * What a change made by hand does, for the permission rules' refusal
 * ("… may not …, `what`"). Logins are the event's (GitHub logins).
 */
export const manualChangeWhat = {
  /** Adding the task label, or opening an issue with it. */
  track: 'making this issue a task',
  /** Closing the issue as completed or as not planned. */
  close(completed: boolean): string {
    return `closing this issue as ${completed ? 'completed' : 'not planned'}`
  },
  /** Reopening a finished task (`status`: completed, failed or cancelled). */
  reopen(status: string): string {
    return `reopening this ${status} task`
  },
  /** Assigning someone: a claim for them. */
  assign(assignee: string): string {
    return `assigning this task (a claim for @${assignee})`
  },
  /** Unassigning the lease holder: the end of their lease. */
  unassign(assignee: string): string {
    return `unassigning @${assignee} (the end of their lease)`
  },
  /** Ticking or unticking a manual success criterion. */
  confirm: 'ticking a manual criterion',
}

/** Who or what closed a task's issue, for the completion gate's reply (`via`). */
export const closedBy = {
  /** The merge of pull request `number` of the same repository. */
  mergedPullRequest(number: number): string {
    return `the merged pull request #${number}`
  },
  /** A person, by login (`null`: the event names none). */
  person(login: string | null): string {
    return `@${login ?? 'someone'}`
  },
}
