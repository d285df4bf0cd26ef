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

import { TaskError } from '../errors.js'
import { lazy } from '../lazy.js'

const fxp = lazy<typeof import('fast-xml-parser')>('fast-xml-parser')

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

function bad(file: string, problem: string, reason: string, extra: object = {}): TaskError {
  return new TaskError('BadReport', `Coverage report ${file} ${problem}`, {
    file,
    reason,
    ...extra,
  })
}

// ---------------------------------------------------------------- istanbul

function parseIstanbul(body: string, file: string): CoverageSummary {
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

// -------------------------------------------------------------------- LCOV

interface LcovCounts {
  found: number
  hit: number
  seen: boolean
}

function parseLcov(body: string, file: string): CoverageSummary {
  const totals = {
    lines: { found: 0, hit: 0, seen: false },
    branches: { found: 0, hit: 0, seen: false },
    functions: { found: 0, hit: 0, seen: false },
  }
  const lines = body.split(/\r?\n/)
  let section = freshSection()
  let inSection = false
  const close = (): void => {
    addSection(totals.lines, section.LF, section.LH, section.da)
    addSection(totals.branches, section.BRF, section.BRH, section.brda)
    addSection(totals.functions, section.FNF, section.FNH, section.fnda)
    section = freshSection()
    inSection = false
  }
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '') continue
    if (line === 'end_of_record') {
      close()
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) {
      throw bad(
        file,
        `line ${index + 1} is not an LCOV record: ${JSON.stringify(line)}.`,
        'malformed',
        {
          line: index + 1,
        },
      )
    }
    const key = line.slice(0, colon)
    const value = line.slice(colon + 1)
    const fields = value.split(',')
    inSection = true
    const int = (text: string | undefined): number => {
      const parsed = Number(text)
      if (text === undefined || text.trim() === '' || !Number.isInteger(parsed) || parsed < 0) {
        throw bad(
          file,
          `line ${index + 1} has a bad ${key} count: ${JSON.stringify(line)}.`,
          'malformed',
          {
            line: index + 1,
          },
        )
      }
      return parsed
    }
    switch (key) {
      case 'LF':
      case 'LH':
      case 'BRF':
      case 'BRH':
      case 'FNF':
      case 'FNH':
        section[key] = int(value)
        break
      case 'DA':
        section.da.found += 1
        if (int(fields[1]) > 0) section.da.hit += 1
        break
      case 'BRDA': {
        // BRDA:<line>,<block>,<branch>,<taken>; taken is '-' when never reached.
        const taken = fields.length >= 4 ? fields[fields.length - 1] : undefined
        section.brda.found += 1
        if (taken !== '-' && int(taken) > 0) section.brda.hit += 1
        break
      }
      case 'FNDA':
        section.fnda.found += 1
        if (int(fields[0]) > 0) section.fnda.hit += 1
        break
      default:
        // TN, SF, FN, FNL, FNA, VER, … carry names, not counts.
        break
    }
  }
  if (inSection) close()
  const metrics: CoverageSummary['metrics'] = {}
  for (const metric of ['lines', 'branches', 'functions'] as const) {
    const { found, hit, seen } = totals[metric]
    if (!seen) continue
    if (hit > found) {
      throw bad(file, `says more ${metric} hit (${hit}) than found (${found}).`, 'malformed')
    }
    metrics[metric] = { pct: percent(hit, found), covered: hit, total: found }
  }
  if (metrics.lines === undefined) {
    throw bad(
      file,
      'looks like LCOV but has no line records (LF/LH or DA). Regenerate it; an empty ' +
        'tracefile usually means no source file was instrumented.',
      'empty',
    )
  }
  return { file, format: 'lcov', metrics }
}

function freshSection() {
  return {
    LF: undefined as number | undefined,
    LH: undefined as number | undefined,
    BRF: undefined as number | undefined,
    BRH: undefined as number | undefined,
    FNF: undefined as number | undefined,
    FNH: undefined as number | undefined,
    da: { found: 0, hit: 0 },
    brda: { found: 0, hit: 0 },
    fnda: { found: 0, hit: 0 },
  }
}

/** Add one section: its summary record when present, else its detail records. */
function addSection(
  into: LcovCounts,
  found: number | undefined,
  hit: number | undefined,
  detail: { found: number; hit: number },
): void {
  if (found !== undefined || hit !== undefined) {
    into.found += found ?? 0
    into.hit += hit ?? 0
    into.seen = true
  } else if (detail.found > 0) {
    into.found += detail.found
    into.hit += detail.hit
    into.seen = true
  }
}

// --------------------------------------------------------------- Cobertura

let xmlParserInstance: InstanceType<typeof import('fast-xml-parser').XMLParser> | undefined
const xmlParser = () =>
  (xmlParserInstance ??= new (fxp().XMLParser)({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    attributesGroupName: '$',
    parseAttributeValue: false,
    parseTagValue: false,
    removeNSPrefix: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    // Only the root's attributes matter; do not build the per-line tree.
    stopNodes: ['*.packages', '*.sources', '*.project', '*.package', '*.sessioninfo'],
  }))

function parseCobertura(body: string, file: string): CoverageSummary {
  const valid = fxp().XMLValidator.validate(body)
  if (valid !== true) {
    const { msg, line, col } = valid.err
    throw bad(
      file,
      `is not well-formed XML (line ${line}, column ${col}: ${msg}). Regenerate it.`,
      'malformed',
      { line, column: col },
    )
  }
  let doc: Record<string, unknown>
  try {
    doc = xmlParser().parse(body) as Record<string, unknown>
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    throw bad(file, `could not be parsed as XML (${msg}). Regenerate it.`, 'malformed')
  }
  const rootName = Object.keys(doc).find((key) => key !== '#text')
  const root = rootName === undefined ? undefined : doc[rootName]
  const attrs = isRecord(root) && isRecord(root.$) ? root.$ : {}
  if (rootName !== 'coverage' || attrs['line-rate'] === undefined) {
    const what =
      rootName === 'report'
        ? 'is JaCoCo XML, which we do not read; convert it to Cobertura (for example with ' +
          'cover2cover) or export LCOV.'
        : rootName === 'coverage' && attrs.clover !== undefined
          ? 'is Clover XML, which we do not read; export Cobertura, LCOV or an istanbul summary.'
          : `is XML with root <${rootName ?? '?'}> but not Cobertura (expected <coverage ` +
            'line-rate="…">).'
    throw bad(file, what, 'unknownFormat', { root: rootName })
  }
  const metrics: CoverageSummary['metrics'] = {}
  const pairs = [
    ['lines', 'line-rate', 'lines-covered', 'lines-valid'],
    ['branches', 'branch-rate', 'branches-covered', 'branches-valid'],
  ] as const
  for (const [metric, rateName, coveredName, validName] of pairs) {
    const rateText = attrs[rateName]
    if (rateText === undefined) continue
    const rate = Number(rateText)
    if (typeof rateText !== 'string' || rateText.trim() === '' || !(rate >= 0 && rate <= 1)) {
      throw bad(file, `has ${rateName}="${String(rateText)}", not a rate from 0 to 1.`, 'malformed')
    }
    const covered = optionalCount(attrs[coveredName])
    const total = optionalCount(attrs[validName])
    if (total === 0) continue
    // Decimal rate × 100 without binary noise: 0.57 → 57, not 56.99999999999999.
    const value: MetricValue = { pct: Number((rate * 100).toFixed(8)) }
    if (covered !== undefined && total !== undefined && covered <= total) {
      value.covered = covered
      value.total = total
    }
    metrics[metric] = value
  }
  if (Object.keys(metrics).length === 0) {
    throw bad(file, 'measured no lines (lines-valid="0").', 'empty')
  }
  return { file, format: 'cobertura', metrics }
}

function optionalCount(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined
  const parsed = Number(value)
  return Number.isInteger(parsed) && parsed >= 0 ? parsed : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}
