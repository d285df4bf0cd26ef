/**
 * Cobertura XML (`coverage.xml`, from Cobertura, coverage.py, gcovr …): the
 * root `<coverage>` element's rates and counts. The XML is read with
 * fast-xml-parser, loaded on first use.
 */
import { lazy } from '../lazy.js'
import {
  badCoverage as bad,
  type CoverageSummary,
  isRecord,
  type MetricValue,
} from './coverage-summary.js'

const fxp = lazy<typeof import('fast-xml-parser')>('fast-xml-parser')

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

/**
 * Read a Cobertura report: `line-rate` and `branch-rate` × 100, with
 * `lines-covered`/`lines-valid` and `branches-covered`/`branches-valid` as
 * counts; a metric whose `*-valid` is 0 was not measured and is left out.
 *
 * @throws TaskError('BadReport') when the XML is not well-formed, is JaCoCo,
 *   Clover or another root, has a rate outside 0–1, or measures nothing.
 */
export function parseCobertura(body: string, file: string): CoverageSummary {
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
