/**
 * Units for durations and chart axes, chosen from the data: one place that
 * says how long something took, for `tm metrics`, `tm report` (Markdown and
 * HTML), the `/metrics` reply and the dashboard issue. The metrics keep
 * hours (`*_h` fields, floats); only what people read is converted.
 */

/** A unit a duration is shown in; `hours` is its length in hours. */
export interface TimeUnit {
  /** Axis label: `seconds`, `minutes`, `hours`, `days`. */
  name: 'seconds' | 'minutes' | 'hours' | 'days'
  /** Suffix after a number: `s`, `min`, `h`, `d`. */
  short: 's' | 'min' | 'h' | 'd'
  hours: number
}

const SECONDS: TimeUnit = { name: 'seconds', short: 's', hours: 1 / 3600 }
const MINUTES: TimeUnit = { name: 'minutes', short: 'min', hours: 1 / 60 }
const HOURS: TimeUnit = { name: 'hours', short: 'h', hours: 1 }
const DAYS: TimeUnit = { name: 'days', short: 'd', hours: 24 }

/**
 * The unit a duration of `hours` reads best in: seconds below 90 s, minutes
 * below 90 min, hours below 48 h, days from there (so a figure is rarely
 * below 1 or above 90 of its unit). Negative and zero durations read in
 * seconds.
 */
export function unitFor(hours: number): TimeUnit {
  const s = Math.abs(hours) * 3600
  if (s < 90) return SECONDS
  if (s < 5400) return MINUTES
  if (hours < 48) return HOURS
  return DAYS
}

/**
 * A number for people: one decimal from 1 up (`2.3`, `340.3`), two
 * significant digits below 1 (`0.25`, `0.033`), `0` for zero.
 */
export function readableNumber(n: number): string {
  if (n === 0 || !Number.isFinite(n)) return `${n === 0 ? 0 : n}`
  if (Math.abs(n) >= 1) return `${Math.round(n * 10) / 10}`
  return `${Number(n.toPrecision(2))}`
}

/**
 * A duration given in hours as short text in the unit that suits it
 * ({@link unitFor}): `1.6 s`, `3.5 min`, `2.3 h`, `340.3 d`. A non-zero
 * duration never reads as `0`. `empty` (default `–`) stands for null.
 */
export function formatHours(hours: number | null, empty = '–'): string {
  if (hours === null) return empty
  const unit = unitFor(hours)
  return `${readableNumber(hours / unit.hours)} ${unit.short}`
}

/**
 * The unit for a chart of durations in hours: the one that suits the
 * largest value ({@link unitFor}); seconds when there is none.
 */
export function chartUnit(hours: readonly (number | null)[]): TimeUnit {
  let max = 0
  for (const h of hours) if (h !== null && h > max) max = h
  return unitFor(max)
}

/**
/**
 * Gridline values for an axis from 0 up to at least `max`: `count` equal
 * steps (default 4) of 1, 2, 2.5 or 5 × 10^k, so the ticks are distinct and
 * round, and the top is the first such multiple at or above `max` (`max` ≤ 0
 * gives 0…`count`). With `integers` (counts of tasks) every step is a whole
 * number. Returns `count + 1` values, 0 first, and the number of decimals
 * that prints every one of them exactly.
 */
export function axisTicks(
  max: number,
  count = 4,
  integers = false,
): { ticks: number[]; decimals: number } {
  let raw = max > 0 && Number.isFinite(max) ? max / count : 1
  if (integers) raw = Math.max(1, raw)
  const p = 10 ** Math.floor(Math.log10(raw))
  let step = 10 * p
  for (const m of integers && p < 10 ? [1, 2, 5] : [1, 2, 2.5, 5]) {
    if (m * p >= raw * (1 - 1e-12)) {
      step = m * p
      break
    }
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / p === 2.5 ? 1 : 0))
  const ticks = Array.from({ length: count + 1 }, (_, k) => Number((step * k).toFixed(decimals)))
  return { ticks, decimals }
}
