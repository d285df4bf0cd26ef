/**
 * The sentences of the reply to a comment's commands (issue 11: "replies are
 * rendered in `src/github`"). The app runs a command and says what happened
 * as data — a {@link CommandResult}: the outcome for the reply marker and a
 * {@link Said} (what a sentence needs: a token, an expiry, a count, text
 * echoed back) — and this module words it. Refusals have their own words in
 * `./refusal-replies.ts`; the reply around the sentences is `./replies.ts`.
 *
 * Everything echoed that the app did not write (reasons, messages, roles,
 * titles, shared values, logins that may not be logins) goes through
 * `./neutralise.ts` here, so no caller has to remember it. Pure: no HTTP,
 * no database.
 */

import type { Metrics } from '../core/metrics.js'
import type { Status } from '../core/model.js'
import { metricsSummary } from '../core/report/markdown.js'
import type { Outcome } from './markers.js'
import { code, inline, mention } from './neutralise.js'
import { isRefusal, type Refusal, refusalText } from './refusal-replies.js'
import type { ReplyLine } from './replies.js'

/** What a command that went through did, as data for its sentence. */
export type Done =
  | { kind: 'claimed'; holder: string; token: number; expires_at: string }
  | { kind: 'heartbeat'; holder: string; expires_at: string }
  /** `of`: the holder whose lease someone else released; null when the actor released their own. */
  | { kind: 'released'; of: string | null }
  | { kind: 'completed'; unblocked: number }
  | { kind: 'failed'; final: boolean; attempts: number; max_attempts: number }
  | { kind: 'blocked'; reason: string }
  | { kind: 'unblocked'; stillBlocked: boolean }
  | { kind: 'reopened'; was: Status; status: Status; max_attempts: number }
  /** `/reopen` of a task that is not finished: nothing to do, not a refusal. */
  | { kind: 'not-reopened'; status: Status }
  | { kind: 'progress'; percent: number; message: string | null }
  | { kind: 'joined'; actor: string; role: string | null }
  | { kind: 'shared'; key: string; value: unknown }
  | { kind: 'asked'; user: string; paused: boolean }
  /** `resumedUntil`: the lease's new expiry when the answer resumed a paused task. */
  | { kind: 'answered'; askedBy: string; resumedUntil: string | null }
  | { kind: 'approved'; by: string }
  | { kind: 'already-approved'; by: string; at: string }
  /** `added`: the new dependencies as the body writes them (`#12`, `owner/repo#7`). */
  | { kind: 'depends-on'; added: string[] }
  | { kind: 'feedback'; quality: number; timeliness: number }
  | { kind: 'priority'; priority: string }
  | { kind: 'persona'; persona: string }
  /** `/metrics`: the repository's figures over `days` days, `actor`'s own line included. */
  | { kind: 'metrics'; metrics: Metrics; actor: string; days: number }
  | {
      kind: 'status'
      status: Status
      lease: { holder: string; expires_at: string } | null
      attempts: number
      max_attempts: number
    }
  /**
   * `/next` granted `task` to `actor`. `scope` is the id prefix of the
   * comment's repository (`owner/repo#`): a task there is written `#12`;
   * `here`: the comment is on that task's issue.
   */
  | {
      kind: 'next-granted'
      actor: string
      task: string
      scope: string
      here: boolean
      title: string
      token: number
      expires_at: string
    }

/** What one command said: a success ({@link Done}) or a refusal ({@link Refusal}). */
export type Said = Done | Refusal

/**
 * One command's result: `outcome` is the reply marker's (machine-readable:
 * `ok`, `code`, `token`, `holder`, `expires_at`; its `reason` a refusal's
 * sentence, see `refusalOutcome`), `said` what the sentence for people says.
 */
export interface CommandResult {
  outcome: Outcome
  said: Said
}

/** `2025-01-02 03:04 UTC` from an ISO-8601 UTC time. */
export function when(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`
}

/** `#12` for a task of the repository whose id prefix is `scope` (`owner/repo#`), its full id otherwise. */
export function taskLink(task: string, scope: string): string {
  return task.startsWith(scope) ? `#${task.slice(scope.length)}` : task
}

/**
 * The sentence (Markdown, after the reply's ✅) for a command that went
 * through. Echoed text is neutralised (`inline`, `code`, `mention`).
 */
export function doneSentence(done: Done): string {
  switch (done.kind) {
    case 'claimed':
      return `${mention(done.holder)} holds this task: lease token **${done.token}**, expires ${when(done.expires_at)}. Send \`/heartbeat\` before then.`
    case 'heartbeat':
      return `Lease of ${mention(done.holder)} extended to ${when(done.expires_at)}.`
    case 'released':
      return `Released${done.of === null ? '' : ` ${mention(done.of)}'s lease`}; the task is back in the queue.`
    case 'completed':
      return `Completed${done.unblocked ? `; unblocked ${done.unblocked} dependent task(s)` : ''}.`
    case 'failed':
      return done.final
        ? `Failed after ${done.attempts} of ${done.max_attempts} attempts; it needs a person.`
        : `Back in the queue (attempt ${done.attempts} of ${done.max_attempts}).`
    case 'blocked':
      return `Blocked: ${inline(done.reason)}`
    case 'unblocked':
      return done.stillBlocked
        ? 'Manual block lifted; still blocked by unfinished dependencies.'
        : 'Unblocked; the task is pending.'
    case 'reopened':
      return `Reopened (was ${done.was}): the task is ${done.status}${done.status === 'blocked' ? ' until its dependencies complete' : ''}, attempts reset to 0 of ${done.max_attempts}.`
    case 'not-reopened':
      return `Nothing to reopen: the task is ${done.status}, not finished.`
    case 'progress':
      return `Progress ${done.percent} %${done.message ? `: ${inline(done.message)}` : ''}.`
    case 'joined':
      return `${mention(done.actor)} joined${done.role ? ` as ${inline(done.role)}` : ''}.`
    case 'shared':
      return `Shared ${code(done.key)} = ${code(JSON.stringify(done.value))} with everyone on this task; dependents inherit it on completion.`
    case 'asked':
      return `Question for ${mention(done.user)} recorded${done.paused ? '; the task is waiting and its lease clock is paused until `/answer …`' : ''}.`
    case 'answered':
      return `Answered ${mention(done.askedBy)}'s question${done.resumedUntil ? `; the task resumed, lease expires ${when(done.resumedUntil)}` : ''}.`
    case 'approved':
      return `Approved by ${mention(done.by)}; the task completes once its success criteria hold.`
    case 'already-approved':
      return `Already approved by ${mention(done.by)} ${when(done.at)}.`
    case 'depends-on':
      return done.added.length
        ? `Now depends on ${inline(done.added.join(', '))}.`
        : 'No new dependency.'
    case 'feedback':
      return `Feedback recorded: quality ${done.quality}, timeliness ${done.timeliness}.`
    case 'priority':
      return `Priority set to ${done.priority}.`
    case 'persona':
      return `Persona set to ${inline(done.persona)}.`
    case 'metrics':
      return metricsSummary(done.metrics, done.actor, done.days)
    case 'status':
      return `Status: ${done.status}${done.lease ? `, held by ${mention(done.lease.holder)} until ${when(done.lease.expires_at)}` : ''}; attempts ${done.attempts} of ${done.max_attempts}.`
    case 'next-granted': {
      const ref = taskLink(done.task, done.scope)
      return `${mention(done.actor)} holds ${ref}${done.here ? ' (this task)' : ''}: ${inline(done.title)} — lease token **${done.token}**, expires ${when(done.expires_at)}. Send \`/heartbeat\` on ${ref} before then.`
    }
  }
}

/** The line of a reply for one result: its marker's outcome and its sentence. */
export function replyLine(result: CommandResult): ReplyLine {
  const said = result.said
  return {
    outcome: result.outcome,
    text: isRefusal(said) ? refusalText(said) : doneSentence(said),
  }
}
