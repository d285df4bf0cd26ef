/**
 * Replies to comment commands. Each outcome carries a hidden marker that
 * agents reading replies through the API parse instead of the prose:
 *
 *     <!-- task-orchestrator: {"command":"claim","ok":true,"task":"o/r#1","token":3,"reason":null} -->
 *
 * One reply per comment lists the outcome of every command in it (one marker
 * per command, in order). The format is documented in docs/github-replies.md.
 */

import { BODY_LIMIT, fitBody, fitItems, sizeOf } from './fit.js'
import { mention, truncate } from './neutralise.js'

/** The machine-readable outcome of one command. */
export interface Outcome {
  command: string
  ok: boolean
  /** Task id (`owner/repo#number`). */
  task: string
  /** Fencing token of the lease the command created or used, when there is one. */
  token: number | null
  /** Why it was refused (a sentence), or null. */
  reason: string | null
  /** Engine error code when refused (`LeaseHeld`, `StaleToken`, …). */
  code?: string
  /** Current lease holder and expiry, when relevant. */
  holder?: string
  expires_at?: string
  /** Id of the comment whose command this answers (absent for the app's own notices). */
  comment?: number
}

/** The prefix every marker starts with. */
export const MARKER_PREFIX = '<!-- task-orchestrator: '

/** Longest `reason` a marker carries, in characters (then `…`); other strings: {@link FIELD_MAX}. */
export const REASON_MAX = 1000
/** Longest `command`, `holder` and other string field a marker carries. */
export const FIELD_MAX = 200
/** Longest `reason` when a reply's markers alone are over GitHub's limit. */
const SHORT_REASON = 100

/**
 * JSON that cannot end or open an HTML comment: `<`, `>`, `&` (and `@`, so
 * no plain-text reading finds a mention) are written as `\u003c`, `\u003e`,
 * `\u0026`, `\u0040` — JSON escapes, read back exactly by any JSON parser —
 * so neither `-->` nor `--!>` nor `<!--` can appear, whatever the strings
 * hold. Used by every marker the app writes.
 */
export function markerJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&@]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/**
 * The hidden marker for one outcome, one line: `<!-- task-orchestrator: {…} -->`.
 * The JSON is {@link markerJson}; `reason` is cut to {@link REASON_MAX}
 * characters and other strings to {@link FIELD_MAX} (with `…`), so a marker is
 * always small enough to keep whole when a reply is fitted.
 */
export function marker(outcome: Outcome): string {
  const bounded = Object.fromEntries(
    Object.entries(outcome).map(([k, v]) => [
      k,
      typeof v === 'string' ? truncate(v, k === 'reason' ? REASON_MAX : FIELD_MAX) : v,
    ]),
  )
  return `${MARKER_PREFIX}${markerJson(bounded)} -->`
}

const MARKER_LINE = /^<!-- task-orchestrator: (\{.*?\}) -->/gm

/** True when `value` has the fields every outcome has, with their types. */
function isOutcome(value: unknown): value is Outcome {
  const o = value as Partial<Outcome> | null
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.command === 'string' &&
    typeof o.ok === 'boolean' &&
    typeof o.task === 'string' &&
    (o.token === null || typeof o.token === 'number') &&
    (o.reason === null || typeof o.reason === 'string')
  )
}

/**
 * Every outcome marked in a reply body, in order (the inverse of
 * {@link renderReply}). A marker counts only at the start of a line, as the
 * app writes them (text the app echoes can never put one there, see
 * `./neutralise.ts`), and only when its JSON has an outcome's fields.
 * Which comments to read at all is the caller's concern: only the app's own
 * (by author) are to be trusted.
 */
export function readMarkers(body: string): Outcome[] {
  const out: Outcome[] = []
  for (const match of body.matchAll(MARKER_LINE)) {
    try {
      const value: unknown = JSON.parse(match[1]!)
      if (isOutcome(value)) out.push(value)
    } catch {
      // Not one of ours, or damaged by an edit: skip it.
    }
  }
  return out
}

/** One line of prose per outcome, prefixed by ✅ or ❌. */
export interface ReplyLine {
  outcome: Outcome
  /**
   * Markdown for people. Everything in it that did not come from the app —
   * raw command lines, reasons, messages — must already be neutralised
   * (`inline`, `code` from `./neutralise.ts`).
   */
  text: string
}

/**
 * The reply to a comment: `@to` (the commenter, a deliberate mention), then
 * for each command a marker and a sentence, then `footer`. Always within
 * GitHub's {@link BODY_LIMIT}: when the whole reply does not fit, the footer
 * goes first, then the sentences (from the last, leaving `✅`/`❌` under each
 * marker); when even the markers alone are too many, their `reason`s are cut
 * to 100 characters, and only then are the last outcomes left out, replaced
 * by a line "…and N more outcomes". A marker is never cut in the middle.
 */
export function renderReply(to: string, lines: ReplyLine[], footer?: string): string {
  const head = mention(to)
  const icon = (l: ReplyLine) => (l.outcome.ok ? '✅' : '❌')
  const compact = lines.map((l) => `${marker(l.outcome)}\n${icon(l)}`)
  const full = lines.map((l, i) => `${compact[i]} ${l.text}`)
  const join = (parts: string[]) => parts.join('\n\n')
  const whole = join([head, ...full, ...(footer ? [footer] : [])])
  if (sizeOf(whole) <= BODY_LIMIT) return whole
  const cutNote = (n: number) =>
    `…the sentences of the last ${n} outcomes are left out to fit GitHub's ${BODY_LIMIT.toLocaleString('en')}-character limit; their markers are complete.`
  const budget = BODY_LIMIT - sizeOf(head) - 2
  const compactSize = sizeOf(join(compact))
  if (compactSize + 2 + sizeOf(cutNote(lines.length)) <= budget) {
    // Every marker fits: give sentences to as many outcomes as fit, in order.
    const parts = [...compact]
    let used = compactSize
    let given = 0
    for (const [i, l] of lines.entries()) {
      const extra = l.text.length + 1
      if (used + extra + 2 + sizeOf(cutNote(lines.length - i - 1)) > budget) break
      parts[i] = full[i]!
      used += extra
      given++
    }
    const left = lines.length - given
    return join([head, ...parts, ...(left > 0 ? [cutNote(left)] : [])])
  }
  // Markers alone are too many: their reasons (sentences for people) are cut
  // short; only if that is not enough are the last outcomes left out.
  const short = lines.map(
    (l) =>
      `${marker({ ...l.outcome, reason: l.outcome.reason && truncate(l.outcome.reason, SHORT_REASON) })}\n${icon(l)}`,
  )
  const kept = fitItems(
    short,
    budget,
    (n) =>
      `…and ${n} more outcomes, left out to fit GitHub's ${BODY_LIMIT.toLocaleString('en')}-character limit.`,
    '\n\n',
  )
  return fitBody(join([head, ...kept]))
}
