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

const fxp = lazy<typeof import('fast-xml-parser')>('fast-xml-parser')

/** How one run (one `<testcase>` element) ended. */
export type Outcome = 'passed' | 'failed' | 'error' | 'skipped'

/** One `<testcase>` element: one run of one test. */
export interface JUnitCase {
  /** `classname` attribute; '' when absent. */
  classname: string
  /** `name` attribute; '' when absent. */
  name: string
  /**
   * Present (true) only when the element has neither `classname` nor `name`:
   * such a run is a test of its own, never merged with another run.
   */
  unnamed?: true
  outcome: Outcome
  /** `time` attribute in seconds; 0 when absent or not a number. */
  time_s: number
}

/** Counts read from `<testsuite>` attributes, for reports without testcases. */
export interface SuiteAttributeCounts {
  tests: number
  failures: number
  errors: number
  skipped: number
}

/** What one JUnit XML file says. Merge several with {@link summariseJUnit}. */
export interface JUnitSummary {
  /** The file name the caller gave, used in messages. */
  file: string
  /** Leaf suites: `<testsuite>` elements that hold testcases or no other suite. */
  suites: number
  /**
   * Seconds (float): the sum of the top-level suites' `time` (the oracle's
   * meaning); a suite without `time` counts the sum of its testcases' times,
   * unless no top-level suite has one and the `<testsuites>` root has a `time`
   * (cargo-nextest), which is then used.
   */
  duration_s: number
  /** Every `<testcase>` element, in document order. */
  cases: JUnitCase[]
  /**
   * Only when the file has suites but not one `<testcase>` element: the
   * top-level suites' `tests`/`failures`/`errors`/`skipped` attributes, so a
   * summary-only report still counts (as the oracle does). Otherwise absent.
   */
  suiteCounts?: SuiteAttributeCounts
}

/**
 * The `tests` object a criterion expression sees. Every field is a number.
 * `total`/`passed`/`failed`/`errors`/`skipped` count distinct tests;
 * `runs`/`runs_*` count executions; `duration_s` is seconds (float);
 * `files` is the number of report files, `suites` the number of leaf suites.
 */
export interface TestsContext {
  total: number
  passed: number
  failed: number
  errors: number
  skipped: number
  runs: number
  runs_passed: number
  runs_failed: number
  runs_errors: number
  runs_skipped: number
  duration_s: number
  files: number
  suites: number
}

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

/** Severity of a run when a test ran several times: the highest one wins. */
const TEST_SEVERITY: Record<Outcome, number> = { error: 3, failed: 2, passed: 1, skipped: 0 }

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

/**
 * Merge the summaries of several JUnit files into the `tests` context.
 *
 * - `reports`: one {@link JUnitSummary} per file, from {@link parseJUnit}.
 * - Returns a {@link TestsContext}. Tests are keyed by (classname, name)
 *   across all files, so a test retried in a second report is still one
 *   test. Its outcome is the most severe of its runs: error > failed >
 *   passed > skipped — a flaky test that failed once and then passed counts
 *   as failed, and a test skipped in one shard but run in another counts as
 *   passed (rule of EnricoMi/publish-unit-test-result-action,
 *   `aggregate_states` in python/publish/unittestresults.py). An `unnamed`
 *   run (no `classname`, no `name`) is one test with its own outcome.
 *   `runs_*` count every run's own outcome. `duration_s` is the sum of the
 *   files' durations in seconds (for parallel shards that is more than the
 *   wall-clock time). Files read from suite attributes (no testcases) add
 *   their counts to both tests and runs.
 * - An empty list gives all zeros; callers that have no report should not
 *   call this (see `buildContext`, which then leaves `tests` out).
 * - Never throws.
 */
export function summariseJUnit(reports: JUnitSummary[]): TestsContext {
  const result: TestsContext = {
    total: 0,
    passed: 0,
    failed: 0,
    errors: 0,
    skipped: 0,
    runs: 0,
    runs_passed: 0,
    runs_failed: 0,
    runs_errors: 0,
    runs_skipped: 0,
    duration_s: 0,
    files: reports.length,
    suites: 0,
  }
  const tests = new Map<string, Outcome>()
  for (const report of reports) {
    result.suites += report.suites
    result.duration_s += report.duration_s
    for (const run of report.cases) {
      result.runs += 1
      addOutcome(result, run.outcome, 'runs')
      if (run.unnamed) {
        result.total += 1
        addOutcome(result, run.outcome, 'tests')
        continue
      }
      const key = JSON.stringify([run.classname, run.name])
      const seen = tests.get(key)
      if (seen === undefined || TEST_SEVERITY[run.outcome] > TEST_SEVERITY[seen]) {
        tests.set(key, run.outcome)
      }
    }
    const counts = report.suiteCounts
    if (counts !== undefined) {
      const passed = Math.max(0, counts.tests - counts.failures - counts.errors - counts.skipped)
      result.total += counts.tests
      result.runs += counts.tests
      for (const prefix of ['tests', 'runs'] as const) {
        addOutcome(result, 'passed', prefix, passed)
        addOutcome(result, 'failed', prefix, counts.failures)
        addOutcome(result, 'error', prefix, counts.errors)
        addOutcome(result, 'skipped', prefix, counts.skipped)
      }
    }
  }
  result.total += tests.size
  for (const outcome of tests.values()) addOutcome(result, outcome, 'tests')
  return result
}

function addOutcome(
  result: TestsContext,
  outcome: Outcome,
  prefix: 'tests' | 'runs',
  by = 1,
): void {
  if (prefix === 'tests') {
    if (outcome === 'passed') result.passed += by
    else if (outcome === 'failed') result.failed += by
    else if (outcome === 'error') result.errors += by
    else result.skipped += by
  } else {
    if (outcome === 'passed') result.runs_passed += by
    else if (outcome === 'failed') result.runs_failed += by
    else if (outcome === 'error') result.runs_errors += by
    else result.runs_skipped += by
  }
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
