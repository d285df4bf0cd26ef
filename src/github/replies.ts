/**
 * Replies to comment commands. Each outcome carries a hidden marker that
 * agents reading replies through the API parse instead of the prose:
 *
 *     <!-- task-orchestrator: {"command":"claim","ok":true,"task":"o/r#1","token":3,"reason":null,"v":1} -->
 *
 * One reply per comment lists the outcome of every command in it (one marker
 * per command, in order). The markers' codec is `./markers.ts`; the format
 * is documented in docs/github-replies.md.
 */

import { BODY_LIMIT, fitBody, fitItems, sizeOf } from './fit.js'
import { marker, type Outcome } from './markers.js'
import { mention, truncate } from './neutralise.js'

// The marker codec lives in ./markers.ts; what the app's handlers import from here is re-exported.
export { MARKER_PREFIX, marker, type Outcome, readMarkers } from './markers.js'

/** Longest `reason` when a reply's markers alone are over GitHub's limit. */
const SHORT_REASON = 100

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
