/**
 * istanbul's `coverage-summary.json` (the `json-summary` reporter of nyc, c8,
 * jest, vitest): the `total` object's `lines`, `statements`, `functions`,
 * `branches`.
 */
import {
  badCoverage as bad,
  COVERAGE_METRICS,
  type CoverageSummary,
  isCount,
  isRecord,
  percent,
} from './coverage-summary.js'

/**
 * Read an istanbul summary: `pct`, `covered` and `total` per metric of its
 * `total` object (`pct` as istanbul wrote it; computed when it wrote none).
 *
 * @throws TaskError('BadReport') when `body` is not JSON, is istanbul's raw
 *   `coverage-final.json`, or has no valid totals.
 */
export function parseIstanbul(body: string, file: string): CoverageSummary {
  let data: unknown
  try {
    data = JSON.parse(body)
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    throw bad(file, `is not valid JSON (${msg}). Regenerate it.`, 'malformed')
  }
  if (!isRecord(data)) throw bad(file, 'is JSON but not an object.', 'unknownFormat')
  const total = data.total
  if (!isRecord(total)) {
    const raw = Object.values(data).some((entry) => isRecord(entry) && 'statementMap' in entry)
    throw bad(
      file,
      raw
        ? "is istanbul's raw coverage-final.json, not a summary. Add the json-summary " +
            'reporter (for example --coverage.reporter=json-summary) and pass ' +
            'coverage/coverage-summary.json.'
        : 'is JSON without a "total" object, so it is not an istanbul coverage-summary.json.',
      'unknownFormat',
    )
  }
  const metrics: CoverageSummary['metrics'] = {}
  for (const metric of COVERAGE_METRICS) {
    const entry = total[metric]
    if (entry === undefined) continue
    if (!isRecord(entry)) {
      throw bad(file, `has a total.${metric} that is not an object.`, 'malformed')
    }
    const covered = entry.covered
    const count = entry.total
    if (!isCount(covered) || !isCount(count) || covered > count) {
      throw bad(
        file,
        `has total.${metric} without valid "covered" and "total" counts ` +
          `(covered=${JSON.stringify(covered)}, total=${JSON.stringify(count)}).`,
        'malformed',
      )
    }
    // Some istanbul versions write "Unknown" for a metric with nothing to cover.
    const pct = typeof entry.pct === 'number' ? entry.pct : percent(covered, count)
    if (!Number.isFinite(pct) || pct < 0 || pct > 100) {
      throw bad(file, `has total.${metric}.pct ${String(entry.pct)}, not 0–100.`, 'malformed')
    }
    metrics[metric] = { pct, covered, total: count }
  }
  if (Object.keys(metrics).length === 0) {
    throw bad(
      file,
      'has a "total" object without lines, statements, functions or branches.',
      'empty',
    )
  }
  return { file, format: 'istanbul', metrics }
}
