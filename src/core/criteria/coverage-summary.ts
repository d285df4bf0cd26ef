/**
 * The vocabulary every coverage reader shares: the four metrics, what one
 * report says ({@link CoverageSummary}), what a criterion sees
 * ({@link CoverageContext}), istanbul's percent, and the `BadReport` error.
 */
import { TaskError } from '../errors.js'

/** The four metrics a criterion can name: `coverage.lines` … */
export const COVERAGE_METRICS = ['lines', 'branches', 'functions', 'statements'] as const
export type CoverageMetric = (typeof COVERAGE_METRICS)[number]

/** One metric of one report: percent (0–100) and, when the report has them, counts. */
export interface MetricValue {
  pct: number
  covered?: number
  total?: number
}

/** What one coverage report says. Merge several with {@link summariseCoverage}. */
export interface CoverageSummary {
  file: string
  format: 'istanbul' | 'lcov' | 'cobertura'
  metrics: Partial<Record<CoverageMetric, MetricValue>>
}

/** The `coverage` object a criterion expression sees: percent per measured metric. */
export type CoverageContext = Partial<Record<CoverageMetric, number>>

/**
 * Percent covered, as istanbul computes it (istanbul-lib-coverage
 * `percent.js`): floored to two decimals, so rounding never lifts 79.996 over
 * an 80 threshold; a metric with nothing to cover is 100.
 */
export function percent(covered: number, total: number): number {
  if (total <= 0) return 100
  return Math.floor((10_000 * covered) / total) / 100
}

/**
 * The `TaskError('BadReport')` for coverage report `file`: the message is
 * `Coverage report <file> <problem>`; `details` = `{ file, reason, ...extra }`.
 */
export function badCoverage(
  file: string,
  problem: string,
  reason: string,
  extra: object = {},
): TaskError {
  return new TaskError('BadReport', `Coverage report ${file} ${problem}`, {
    file,
    reason,
    ...extra,
  })
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A whole number ≥ 0 (a count in a report). */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}
