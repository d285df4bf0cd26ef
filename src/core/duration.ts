/**
 * The one duration grammar of every front door — the comment grammar
 * (`/claim 1h30m`), the repository configuration (`lease.ttl: 1h30m`), the
 * command line (`tm claim --ttl 1h30m`, `--interval 250ms`) and the server's
 * environment (`TM_BACKUP_INTERVAL`) — so that a duration accepted by one is
 * accepted by all, with the same value. Pure: no clock, no I/O.
 *
 * The grammar (documented for users in docs/concepts.md "Durations"):
 *
 * ```
 * duration := "0" | part (" "? part)*
 * part     := number " "? unit
 * number   := digits ("." digits)? | "." digits
 * unit     := ms | msec(s) | millisecond(s) | s | sec(s) | second(s)
 *           | m | min(s) | minute(s) | h | hr(s) | hour(s)
 *           | d | day(s) | w | week(s)
 * ```
 *
 * Units are lowercase (`30M` is refused rather than guessed: months or
 * minutes?). A bare number other than `0` is refused: `ttl: 30` would be 30
 * milliseconds, which nobody means. Signs are refused (no negative
 * durations). Parts add up: `1h30m` = `1h 30m` = `90m`. The value is rounded
 * to whole milliseconds. Whether a duration is in range (a lease at least
 * `1s`, at most `30d`…) is each setting's own rule, not the grammar's.
 *
 * CEL success criteria are not front doors of ours: their `duration("1h30m")`
 * follows the CEL specification (units `h`, `m`, `s`, `ms`, `us`, `ns`), as
 * the CEL library implements it.
 */
import { TaskError } from './errors.js'

/**
 * The units: milliseconds, then the short name and the long names (each of
 * which may take a plural `s`), as in the `ms` package.
 */
const UNITS: readonly (readonly [ms: number, short: string, ...long: string[]])[] = [
  [1, 'ms', 'msec', 'millisecond'],
  [1000, 's', 'sec', 'second'],
  [60_000, 'm', 'min', 'minute'],
  [3_600_000, 'h', 'hr', 'hour'],
  [86_400_000, 'd', 'day'],
  [604_800_000, 'w', 'week'],
]

/** Milliseconds per spelling without its plural `s` (`hr`, `hour`, `ms`). */
const UNIT_MS: ReadonlyMap<string, number> = new Map(
  UNITS.flatMap(([ms, ...names]) => names.map((name) => [name, ms] as const)),
)

/** The units as one alternation: `ms|msecs?|milliseconds?|s|secs?|…`. */
const UNIT_SOURCE = UNITS.map(([, short, ...long]) =>
  [short, ...long.map((name) => `${name}s?`)].join('|'),
).join('|')
const NUMBER_SOURCE = String.raw`(?:\d+(?:\.\d+)?|\.\d+)`
const PART_SOURCE = `${NUMBER_SOURCE} ?(?:${UNIT_SOURCE})`

/**
 * The grammar as one anchored regular expression without flags (so that the
 * config's JSON Schema `pattern` says exactly what the app accepts).
 */
export const DURATION_PATTERN: RegExp = new RegExp(`^(?:0|${PART_SOURCE}(?: ?${PART_SOURCE})*)$`)

/**
 * One part, its number and unit captured, the unit the whole run of letters
 * (so `1ms` is not read as `1m` and an `s`), for summing a matched duration.
 */
const PART = new RegExp(`(${NUMBER_SOURCE}) ?(${UNIT_SOURCE})(?![a-z])`, 'g')

/** How a refusal says what a duration looks like. */
export const DURATION_EXAMPLES = 'a number and a unit, e.g. 90s, 30m, 4h, 1h30m'

/**
 * Milliseconds in `text` when it is a duration of the grammar (see the module
 * comment), else `null` — for callers that word their own refusal. `null`
 * too when the value is beyond `Number.MAX_SAFE_INTEGER` ms (no date is that
 * far). Never throws.
 */
export function durationMsOrNull(text: unknown): number | null {
  if (typeof text !== 'string' || !DURATION_PATTERN.test(text)) return null
  let total = 0
  for (const [, amount = '0', unit = 'ms'] of text.matchAll(PART)) {
    total += Number(amount) * (UNIT_MS.get(unit) ?? UNIT_MS.get(unit.slice(0, -1)) ?? Number.NaN)
  }
  total = Math.round(total)
  return Number.isSafeInteger(total) ? total : null
}

/**
 * Milliseconds in a duration such as `90s`, `30m`, `4h`, `1.5h`, `1h30m`,
 * `2 days`, `250ms` or `0` (see the module comment for the grammar).
 *
 * @param text the duration as a person typed it
 * @param what what the text was given for, to start the message with
 *   (`--ttl`, `TM_BACKUP_INTERVAL`); none: the message starts with the text
 * @returns whole milliseconds, ≥ 0 (range checks are the caller's)
 * @throws TaskError('InvalidInput') when `text` is not a duration:
 *   `"soon" is not a duration; use a number and a unit, e.g. 90s, 30m, 4h,
 *   1h30m.` (prefixed with `what: ` when given); `details.value` is the text.
 */
export function parseDuration(text: string, what?: string): number {
  const value = durationMsOrNull(text)
  if (value !== null) return value
  throw new TaskError(
    'InvalidInput',
    `${what ? `${what}: ` : ''}${JSON.stringify(text)} is not a duration; use ${DURATION_EXAMPLES}.`,
    { value: text },
  )
}

/**
 * A duration in ms in the units people type: `90s`, `4h`, `1h30m`, `30d`,
 * `1500ms`; `0s` for zero. Whole seconds are written in `d`, `h`, `m`, `s`
 * parts (weeks as days); anything finer in `ms`. What it writes,
 * {@link parseDuration} reads back to the same value (negative values aside,
 * which it writes with a leading `-` for messages only).
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  if (ms === 0) return '0s'
  if (!Number.isInteger(ms / 1000)) return `${ms}ms`
  let rest = Math.abs(ms / 1000)
  const parts: string[] = []
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / seconds)
    if (n > 0) parts.push(`${n}${unit}`)
    rest -= n * seconds
  }
  return `${ms < 0 ? '-' : ''}${parts.join('')}`
}
