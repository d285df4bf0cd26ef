/**
 * JUnit XML reports → the `tests.*` numbers a success criterion sees.
 *
 * JUnit XML has no single specification; every runner (pytest, jest-junit,
 * mocha, xunit, Maven Surefire, cargo-nextest …) writes its own dialect. We
 * read only what they share: a `<testsuites>` or `<testsuite>` root,
 * `<testsuite>` elements nested at any depth, and `<testcase>` elements whose
 * `<failure>`, `<error>` and `<skipped>` children say how that run ended.
 *
 * The meaning of the counts follows EnricoMi/publish-unit-test-result-action
 * (python/publish/junit.py and unittestresults.py), whose parses of real
 * reports are our test oracle (`test/fixtures/junit/*.results.json`):
 *
 * - a *run* is one `<testcase>` element;
 * - a *test* is a distinct (classname, name) pair; a test that ran several
 *   times has one outcome, the most severe of its runs:
 *   error > failed > passed > skipped;
 * - a `<testcase>` with neither `classname` nor `name` is still a test, each
 *   one distinct (nothing identifies two of them as the same test), as
 *   dorny/test-reporter and mikepenz/action-junit-report count them. The
 *   oracle drops such elements; its fixtures have none.
 */

import { TaskError } from '../errors.js'
import { lazy } from '../lazy.js'
import type { JUnitCase, JUnitSummary, Outcome } from './junit-types.js'

export { summariseJUnit } from './junit-summary.js'
export type {
  JUnitCase,
  JUnitSummary,
  Outcome,
  SuiteAttributeCounts,
  TestsContext,
} from './junit-types.js'

const fxp = lazy<typeof import('fast-xml-parser')>('fast-xml-parser')

const ATTRS = '$'
const TEXT = '#text'

type XmlNode = Record<string, unknown>

let parserInstance: InstanceType<typeof import('fast-xml-parser').XMLParser> | undefined
const parser = () =>
  (parserInstance ??= new (fxp().XMLParser)({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    attributesGroupName: ATTRS,
    textNodeName: TEXT,
    // Keep every value a string: a test named "1e3" must stay "1e3".
    parseAttributeValue: false,
    parseTagValue: false,
    // Numeric character references (&#x22;) are XML; the option also decodes them.
    htmlEntities: true,
    removeNSPrefix: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    // Every element is a list, so one child and many children read the same way.
    isArray: (tagName, _path, _isLeaf, isAttribute) => !isAttribute && tagName !== ATTRS,
  }))

/** Severity of a result child inside one testcase: the highest one wins. */
const RESULT_CHILDREN: ReadonlyArray<[element: string, outcome: Outcome]> = [
  ['error', 'error'],
  ['failure', 'failed'],
  ['skipped', 'skipped'],
]

/**
 * Parse one JUnit XML report.
 *
 * - `xml`: the file's text (a leading byte-order mark is ignored).
 * - `file`: the name to use in messages and in the result.
 * - Returns a {@link JUnitSummary}: every `<testcase>` with its outcome and
 *   time in seconds, the number of leaf suites, and the top-level suites'
 *   total time in seconds.
 *
 * One testcase's outcome is its most severe result child: `<error>` over
 * `<failure>` over `<skipped>`; none means passed; a testcase with no result
 * child and `status="disabled"` is skipped. Other children (`<system-out>`,
 * Surefire's `<flakyFailure>`/`<rerunFailure>`, `<properties>` …) do not
 * change the outcome. These rules follow
 * EnricoMi/publish-unit-test-result-action (python/publish/junit.py). A
 * testcase with neither `classname` nor `name` is kept, marked `unnamed`, and
 * counts as a test of its own (see {@link summariseJUnit}).
 *
 * A well-formed report that ran nothing (`no-cases.xml`: one `<testsuite
 * tests="0">` and no testcase) is valid and yields 0 tests, 0 runs and 1
 * suite — the oracle agrees ("No tests found", conclusion success). Guard
 * against it with a criterion such as `tests.total > 0`. A report with suites
 * but no testcase elements at all is read from its suites' count attributes
 * (see {@link JUnitSummary.suiteCounts}).
 *
 * @throws TaskError('BadReport') naming `file` when the text is empty, is not
 *   well-formed XML (`pytest-corrupt-xml.xml`, a truncated report), or its root
 *   element is neither `<testsuites>` nor `<testsuite>` (`non-junit.xml`; the
 *   oracle reports it as "Invalid format." and fails the check).
 */
export function parseJUnit(xml: string, file: string): JUnitSummary {
  const text = xml.startsWith('\uFEFF') ? xml.slice(1) : xml
  if (text.trim() === '') {
    throw new TaskError(
      'BadReport',
      `JUnit report ${file} is empty. Make sure the test runner wrote its JUnit XML report ` +
        'before this step runs, and that the path points at that report.',
      { file, reason: 'empty' },
    )
  }

  const valid = fxp().XMLValidator.validate(text)
  if (valid !== true) {
    const { msg, line, col } = valid.err
    const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`
    throw new TaskError(
      'BadReport',
      `JUnit report ${file} is not well-formed XML (${where}: ${msg}). Regenerate it; a ` +
        'truncated report usually means the test run was killed before the reporter finished.',
      { file, reason: 'malformed', line, column: col, parserMessage: msg },
    )
  }

  let doc: XmlNode
  try {
    doc = parser().parse(text) as XmlNode
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    throw new TaskError(
      'BadReport',
      `JUnit report ${file} could not be parsed as XML (${msg}). Regenerate it with the test ` +
        "runner's JUnit reporter.",
      { file, reason: 'malformed', parserMessage: msg },
    )
  }

  const rootNames = Object.keys(doc).filter((key) => key !== TEXT && key !== ATTRS)
  const rootName = rootNames[0]
  const roots = rootName === undefined ? [] : elements(doc[rootName])
  const root = roots[0]
  if (rootNames.length !== 1 || rootName === undefined || root === undefined || roots.length > 1) {
    throw new TaskError(
      'BadReport',
      `JUnit report ${file} must have exactly one root element, found ` +
        `${rootNames.length === 1 ? roots.length : rootNames.length}. Regenerate it with the ` +
        "test runner's JUnit reporter, or pass each report as its own file.",
      { file, reason: 'notOneRoot' },
    )
  }
  let topSuites: XmlNode[]
  if (rootName === 'testsuites') topSuites = elements(root.testsuite)
  else if (rootName === 'testsuite') topSuites = [root]
  else {
    throw new TaskError(
      'BadReport',
      `${file} is not a JUnit XML report: its root element is <${rootName}>, expected ` +
        '<testsuites> or <testsuite>. Point the criteria at the file written by your test ' +
        "runner's JUnit reporter (for example pytest --junitxml, jest-junit, " +
        'mocha-junit-reporter, Maven Surefire, cargo nextest).',
      { file, reason: 'notJUnit', root: rootName },
    )
  }

  const cases: JUnitCase[] = []
  let suites = 0
  const walk = (suite: XmlNode): void => {
    const children = elements(suite.testsuite)
    const own = elements(suite.testcase)
    for (const child of children) walk(child)
    if (own.length > 0 || children.length === 0) suites += 1
    for (const testcase of own) cases.push(readCase(testcase))
  }
  for (const suite of topSuites) walk(suite)

  const suiteTimes = topSuites.map((suite) => number(attr(suite, 'time')))
  const rootTime = rootName === 'testsuites' ? number(attr(root, 'time')) : undefined
  let duration_s: number
  if (suiteTimes.every((time) => time === undefined) && rootTime !== undefined) {
    duration_s = rootTime
  } else {
    duration_s = 0
    for (const [index, suite] of topSuites.entries()) {
      duration_s += suiteTimes[index] ?? sumCaseTimes(suite)
    }
  }

  const summary: JUnitSummary = { file, suites, duration_s, cases }
  if (cases.length === 0 && topSuites.length > 0) {
    const count = (name: string): number =>
      topSuites.reduce((sum, suite) => sum + count0(attr(suite, name)), 0)
    summary.suiteCounts = {
      tests: count('tests'),
      failures: count('failures'),
      errors: count('errors'),
      skipped: count('skipped') + count('disabled'),
    }
  }
  return summary
}

function readCase(testcase: XmlNode): JUnitCase {
  const classname = attr(testcase, 'classname')
  const name = attr(testcase, 'name')
  let outcome: Outcome = 'passed'
  const result = RESULT_CHILDREN.find(([element]) => elements(testcase[element]).length > 0)
  if (result !== undefined) outcome = result[1]
  else if (attr(testcase, 'status') === 'disabled') outcome = 'skipped'
  const run: JUnitCase = {
    classname: classname ?? '',
    name: name ?? '',
    outcome,
    time_s: number(attr(testcase, 'time')) ?? 0,
  }
  if (classname === undefined && name === undefined) run.unnamed = true
  return run
}

function sumCaseTimes(suite: XmlNode): number {
  let sum = 0
  for (const testcase of elements(suite.testcase)) sum += number(attr(testcase, 'time')) ?? 0
  for (const child of elements(suite.testsuite)) sum += sumCaseTimes(child)
  return sum
}

/** The element list under one tag; an empty element (`<x/>`) parses as ''. */
function elements(value: unknown): XmlNode[] {
  if (value === undefined) return []
  const list = Array.isArray(value) ? value : [value]
  return list.map((item) => (typeof item === 'object' && item !== null ? (item as XmlNode) : {}))
}

function attr(node: XmlNode, name: string): string | undefined {
  const attrs = node[ATTRS]
  if (typeof attrs !== 'object' || attrs === null) return undefined
  const value = (attrs as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : undefined
}

/** A finite float from an attribute such as `time="1.5"`; undefined otherwise. */
function number(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const parsed = Number(value)
  return Number.isFinite(parsed) ? parsed : undefined
}

/** A non-negative integer count attribute; 0 when absent or not a count. */
function count0(value: string | undefined): number {
  const parsed = number(value)
  return parsed !== undefined && Number.isInteger(parsed) && parsed >= 0 ? parsed : 0
}
