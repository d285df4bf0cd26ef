/**
 * Fitting the bodies the app sends into GitHub's limits. GitHub refuses
 * (422 `Validation Failed`, "body is too long (maximum is 65536
 * characters)") an issue body or comment over 65,536 characters, and a check
 * run whose `output.summary` or `output.text` is over 65,535; a step's job
 * summary may hold at most 1 MiB. A refused reply is an outcome an agent
 * never sees, a refused status comment one that never updates again — so
 * every body is fitted before it is sent.
 *
 * Counting: GitHub says "characters" and has been measured refusing at 65,536
 * code points (and, on some surfaces, at 262,144 UTF-8 bytes). We count
 * UTF-16 code units (`String.length`): never fewer than code points, and
 * 65,536 of them are at most 196,608 UTF-8 bytes — within every reading.
 *
 * How: lists are cut, never a line in the middle, and say "…and N more";
 * free text is cut by `truncate` (`./neutralise.ts`) where it is rendered;
 * {@link fitBody} is the last resort, cutting at a line boundary. Hidden
 * markers are one line each and are never cut.
 */

import { inline, truncate } from './neutralise.js'

/** Longest issue body or comment GitHub accepts, in characters. */
export const BODY_LIMIT = 65_536

/** Longest check run `output.summary` (and `output.text`) GitHub accepts, in characters. */
export const CHECK_RUN_LIMIT = 65_535

/** Longest job summary of one step GitHub accepts, in UTF-8 bytes (1 MiB). */
export const JOB_SUMMARY_BYTES = 1_048_576

/** A body's size as GitHub's limits need it: UTF-16 code units (see the module comment). */
export function sizeOf(text: string): number {
  return text.length
}

/** A body's size in UTF-8 bytes (for the job summary). */
export function bytesOf(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/**
 * As many of `items` as fit, from the first, so that the kept ones and —
 * when some are left out — the line `more(n)` (n = how many were left out),
 * joined with `separator`, measure at most `budget`. Items are kept whole.
 * Returns the lines to join; empty when not even `more(n)` fits.
 */
export function fitItems(
  items: readonly string[],
  budget: number,
  more: (left: number) => string,
  separator = '\n',
  measure: (text: string) => number = sizeOf,
): string[] {
  const total =
    items.reduce((n, item) => n + measure(item), 0) +
    measure(separator) * Math.max(0, items.length - 1)
  if (total <= budget) return [...items]
  const kept: string[] = []
  let used = 0
  for (const [i, item] of items.entries()) {
    const cost = measure(item) + (kept.length ? measure(separator) : 0)
    const tail = measure(separator) + measure(more(items.length - i - 1))
    if (used + cost + tail > budget) break
    kept.push(item)
    used += cost
  }
  const note = more(items.length - kept.length)
  if (used + (kept.length ? measure(separator) : 0) + measure(note) > budget) return kept
  return [...kept, note]
}

/** The line {@link fitBody} ends a cut body with. */
export const CUT_NOTE = '…(cut to fit GitHub’s size limit)'

/**
 * `body` when it fits `limit`; otherwise cut at the last line break that
 * leaves room for a blank line and {@link CUT_NOTE}, so no line — and no
 * hidden marker, which is always one line — is cut in the middle. When the
 * first line alone is too long it is cut with `…` (never the case for the
 * app's bodies, whose first line is a marker or a short heading).
 */
export function fitBody(
  body: string,
  limit: number = BODY_LIMIT,
  measure: (text: string) => number = sizeOf,
): string {
  if (measure(body) <= limit) return body
  const note = `\n\n${CUT_NOTE}`
  // Shrink by characters until the measure fits (a byte measure may need a few rounds).
  let room = Math.min(body.length, limit) - note.length
  for (;;) {
    const at = body.lastIndexOf('\n', room)
    const cut = at > 0 ? `${body.slice(0, at)}${note}` : truncate(body, Math.max(0, room))
    if (measure(cut) <= limit || room <= 0) return cut
    room -= Math.max(1, measure(cut) - limit)
  }
}

/**
 * A short body for people: `intro`, a blank line, then one `- ` item per
 * entry of `items` — each neutralised as inline text (`./neutralise.ts`:
 * problems and errors quote what people wrote) — cut with "- …and N more
 * `what`" to stay within `limit` (default {@link BODY_LIMIT}).
 */
export function renderList(
  intro: string,
  items: readonly string[],
  what: string,
  limit: number = BODY_LIMIT,
): string {
  const lines = items.map((item) => `- ${inline(item)}`)
  const kept = fitItems(lines, limit - sizeOf(intro) - 2, (n) => `- …and ${n} more ${what}`)
  return fitBody(`${intro}\n\n${kept.join('\n')}`, limit)
}
