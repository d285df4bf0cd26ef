/**
 * Why a comment's command was refused, in words (issue 11: "replies are
 * rendered in `src/github`"). The app says which refusal it met, as data —
 * a {@link Refusal} — and this module words its reason (the reply marker's
 * `reason`, read by agents too) and its line in the reply (after the ❌).
 * The codes are the marker's `code` (docs/github-replies.md).
 *
 * Everything echoed (the command as written, the engine's and the permission
 * rules' sentences, the gate's missing items) is neutralised here
 * (`./neutralise.ts`). Pure: no HTTP, no database.
 */
import type { CommandError } from './commands.js'
import type { Outcome } from './markers.js'
import { code, inline } from './neutralise.js'

/**
 * A refused command. `raw` is the command line as written (shown in code);
 * refusals decided after the command was read name it `/command` instead.
 */
export type Refusal =
  /** On the dashboard, only `/next` runs (`NotATask`). */
  | { kind: 'not-a-task-here'; raw: string; command: string }
  /** On an issue that is not a task (`NotATask`): `taskLabel` makes it one. */
  | { kind: 'not-a-task'; raw: string; taskLabel: string }
  /** The permission rules refused the actor (`Forbidden`); `reason` is theirs (`authorize`). */
  | { kind: 'forbidden'; raw: string; reason: string }
  /**
   * The engine refused (`code`: `LeaseHeld`, `StaleToken`, …); `reason` is
   * the engine's sentence, `holder` and `expires_at` the lease it met.
   */
  | {
      kind: 'engine'
      raw: string
      code: string
      reason: string
      holder?: string
      expires_at?: string
    }
  /** `/done` before the completion gate passed (`CriteriaFailed`): what is missing. */
  | { kind: 'gate-not-passed'; raw: string; missing: readonly string[] }
  /** A command this app does not run (`Unsupported`). */
  | { kind: 'unsupported'; raw: string; command: string }
  /**
   * `/next` found nothing to claim (`NothingClaimable`) for `persona` (when
   * named) or `actor`, in `repo` (`owner/repo`).
   */
  | { kind: 'nothing-claimable'; raw: string; actor: string; persona: string | null; repo: string }
  /** A `/next` answered elsewhere with no grant to re-apply; `code` is that answer's. */
  | { kind: 'answered-already'; raw: string; code: string }
  /** A command line that could not be read (`UnknownCommand`, `InvalidCommand`). */
  | { kind: 'invalid'; raw: string; error: CommandError }
  /** A comment that could not be read at all (`UnreadableComment`): nothing in it ran. */
  | { kind: 'unreadable'; error: CommandError }

/** The refusal's kinds, to tell a refusal from a success. */
const KINDS: ReadonlySet<string> = new Set<Refusal['kind']>([
  'not-a-task-here',
  'not-a-task',
  'forbidden',
  'engine',
  'gate-not-passed',
  'unsupported',
  'nothing-claimable',
  'answered-already',
  'invalid',
  'unreadable',
])

/** True when `said` is a {@link Refusal}. */
export function isRefusal(said: { kind: string }): said is Refusal {
  return KINDS.has(said.kind)
}

/** The marker's `code` of a refusal. */
export function refusalCode(refusal: Refusal): string {
  switch (refusal.kind) {
    case 'not-a-task-here':
    case 'not-a-task':
      return 'NotATask'
    case 'forbidden':
      return 'Forbidden'
    case 'engine':
    case 'answered-already':
      return refusal.code
    case 'gate-not-passed':
      return 'CriteriaFailed'
    case 'unsupported':
      return 'Unsupported'
    case 'nothing-claimable':
      return 'NothingClaimable'
    case 'invalid':
      return refusal.error.code === 'unknown' ? 'UnknownCommand' : 'InvalidCommand'
    case 'unreadable':
      return 'UnreadableComment'
  }
}

/** Why, in one sentence for people and agents (the marker's `reason`; not neutralised: JSON). */
export function refusalReason(refusal: Refusal): string {
  switch (refusal.kind) {
    case 'not-a-task-here':
      return `this issue is not a task: run /${refusal.command} on the task's issue (only /next works here)`
    case 'not-a-task':
      return `this issue is not a task: add the \`${refusal.taskLabel}\` label (or open it from the task form) first`
    case 'forbidden':
    case 'engine':
      return refusal.reason
    case 'gate-not-passed':
      return `not completed yet — ${refusal.missing.join('; ')}`
    case 'unsupported':
      return `/${refusal.command} is not available on this app yet`
    case 'nothing-claimable': {
      const what = refusal.persona ? `for the persona ${refusal.persona}` : `for @${refusal.actor}`
      return `nothing is claimable ${what} in ${refusal.repo} right now: every open task is blocked, held, waiting for its subtasks or in its lock-delay. Try again later, or ask with another persona.`
    }
    case 'answered-already':
      return 'answered already'
    case 'invalid':
    case 'unreadable':
      return refusal.error.message
  }
}

/**
 * The marker's outcome of `refusal` of `command` on `task`: `ok: false`,
 * its `reason` and `code`, and the lease the engine met (`holder`,
 * `expires_at`) when it names one. Keys in the marker's order.
 */
export function refusalOutcome(command: string, task: string, refusal: Refusal): Outcome {
  const held =
    refusal.kind === 'engine'
      ? {
          ...(refusal.holder ? { holder: refusal.holder } : {}),
          ...(refusal.expires_at ? { expires_at: refusal.expires_at } : {}),
        }
      : {}
  return {
    command,
    ok: false,
    task,
    token: null,
    reason: refusalReason(refusal),
    code: refusalCode(refusal),
    ...held,
  }
}

/**
 * The refusal's line in the reply (Markdown, after the ❌): the command as
 * written, in code, then the reason, neutralised. A reply written by the
 * permission rules and the dashboard's `NotATask` end with a full stop, as
 * they always have; the engine's sentences carry their own.
 */
export function refusalText(refusal: Refusal): string {
  switch (refusal.kind) {
    case 'unreadable':
      return inline(refusal.error.message)
    case 'not-a-task':
      return `${code(refusal.raw)}: this issue is not a task: add the ${code(refusal.taskLabel, { max: 100 })} label (or open it from the task form) first.`
    case 'not-a-task-here':
    case 'forbidden':
      return `${code(refusal.raw)}: ${inline(refusalReason(refusal))}.`
    default:
      return `${code(refusal.raw)}: ${inline(refusalReason(refusal))}`
  }
}
