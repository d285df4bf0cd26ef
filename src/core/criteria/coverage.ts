/**
 * Coverage reports → the `coverage.*` percentages a success criterion sees.
 *
 * Three formats, detected from the text: istanbul's `coverage-summary.json`
 * (the `json-summary` reporter of nyc, c8, jest, vitest), LCOV tracefiles
 * (`lcov.info`, from geninfo, istanbul, c8, cargo-llvm-cov, grcov …) and
 * Cobertura XML (`coverage.xml`, from Cobertura, coverage.py, gcovr …).
 * Percentages are floats from 0 to 100. A metric a report does not measure is
 * left out, never reported as 0, so a criterion on it fails loudly with a
 * missing-key error instead of silently.
 */

import { parseCobertura } from './coverage-cobertura.js'
import { parseIstanbul } from './coverage-istanbul.js'
import { parseLcov } from './coverage-lcov.js'
import {
  badCoverage as bad,
  COVERAGE_METRICS,
  type CoverageContext,
  type CoverageSummary,
  percent,
} from './coverage-summary.js'

export {
  COVERAGE_METRICS,
  type CoverageContext,
  type CoverageMetric,
  type CoverageSummary,
  type MetricValue,
  percent,
} from './coverage-summary.js'

/**
 * Parse one coverage report, detecting its format from the text.
 *
 * - `text`: the file's text; `file`: the name used in messages and the result.
 * - Returns a {@link CoverageSummary} whose metrics are percents (float
 *   0–100) with counts when the format has them:
 *   - istanbul `coverage-summary.json`: the `total` object's `lines`,
 *     `statements`, `functions`, `branches` (`pct`, `covered`, `total`);
 *     istanbul's own `pct` is used as is (100 when nothing to cover).
 *   - LCOV: `LF/LH` (lines), `BRF/BRH` (branches), `FNF/FNH` (functions)
 *     summed over all `SF:` sections (format of geninfo(1)); a section without
 *     the summary record is counted from its `DA`/`BRDA`/`FNDA` records.
 *     LCOV has no statements. A metric with no record at all is left out;
 *     one whose records sum to 0 found is 100, as istanbul counts it.
 *   - Cobertura: the root `<coverage>` element's `line-rate` and
 *     `branch-rate` × 100 (`lines-covered`/`lines-valid`,
 *     `branches-covered`/`branches-valid` kept as counts). A metric whose
 *     `*-valid` count is 0 was not measured (coverage.py writes
 *     `branch-rate="0" branches-valid="0"` without `--branch`) and is left out.
 *     Cobertura has no functions or statements summary.
 *
 * @throws TaskError('BadReport') naming `file` when the text is empty, is not
 *   one of the three formats (for example istanbul's raw
 *   `coverage-final.json`, JaCoCo or Clover XML), is malformed, or measures
 *   nothing.
 */
export function parseCoverage(text: string, file: string): CoverageSummary {
  const body = (text.startsWith('\uFEFF') ? text.slice(1) : text).trim()
  if (body === '') {
    throw bad(
      file,
      'is empty. Make sure the coverage tool wrote its report before this step runs.',
      'empty',
    )
  }
  if (body.startsWith('{')) return parseIstanbul(body, file)
  if (body.startsWith('<')) return parseCobertura(body, file)
  if (/^(TN|SF):/m.test(body)) return parseLcov(body, file)
  throw bad(
    file,
    'is not a coverage format we read. Supported: istanbul coverage-summary.json ' +
      '(json-summary reporter), LCOV (lcov.info) and Cobertura XML.',
    'unknownFormat',
  )
}

/**
 * Merge several reports into the `coverage` context.
 *
 * - Returns percent (float 0–100) per metric that at least one report measures.
 * - One report for a metric: its percent. Several: pooled counts, floored to
 *   two decimals like istanbul (Σcovered / Σtotal × 100) — never an average of
 *   percents, which would weigh a tiny package like a big one. Pass one report
 *   per package or shard; two reports of the same code would count it twice.
 *
 * @throws TaskError('BadReport') when a metric comes from several reports and
 *   one of them has only a rate, no counts (old Cobertura without
 *   `lines-valid`), so they cannot be pooled honestly.
 */
export function summariseCoverage(reports: CoverageSummary[]): CoverageContext {
  const context: CoverageContext = {}
  for (const metric of COVERAGE_METRICS) {
    const values = reports.flatMap((report) => {
      const value = report.metrics[metric]
      return value === undefined ? [] : [{ file: report.file, value }]
    })
    const only = values[0]
    if (only === undefined) continue
    if (values.length === 1) {
      context[metric] = only.value.pct
      continue
    }
    let covered = 0
    let total = 0
    for (const { file, value } of values) {
      if (value.covered === undefined || value.total === undefined) {
        throw bad(
          file,
          `gives ${metric} coverage as a rate without counts, so it cannot be combined with ` +
            `the other ${values.length - 1} report(s). Pass only this report, or produce one ` +
            'with counts (Cobertura lines-valid/lines-covered, LCOV, istanbul summary).',
          'cannotCombine',
        )
      }
      covered += value.covered
      total += value.total
    }
    context[metric] = percent(covered, total)
  }
  return context
}
