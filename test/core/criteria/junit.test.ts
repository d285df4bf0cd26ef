import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildContext } from '../../../src/core/criteria/context.js'
import {
  type JUnitSummary,
  parseJUnit,
  summariseJUnit,
  type TestsContext,
} from '../../../src/core/criteria/junit.js'
import { isTaskError, type TaskError } from '../../../src/core/errors.js'

const DIR = join(import.meta.dirname, '../../fixtures/junit')
const read = (name: string): string => readFileSync(join(DIR, name), 'utf8')
const summarise = (name: string): TestsContext => summariseJUnit([parseJUnit(read(name), name)])

/** The error `fn` throws; fails the test when it does not throw a TaskError. */
function caught(fn: () => unknown): TaskError {
  try {
    fn()
  } catch (err) {
    if (isTaskError(err)) return err
    throw err
  }
  throw new Error('expected a TaskError, nothing was thrown')
}

interface OracleStats {
  files: number
  errors: unknown[]
  suites: number
  duration: number
  tests: number
  tests_succ: number
  tests_skip: number
  tests_fail: number
  tests_error: number
  runs: number
  runs_succ: number
  runs_skip: number
  runs_fail: number
  runs_error: number
}

const oracleFiles = readdirSync(DIR)
  .filter((name) => name.endsWith('.results.json'))
  .map((name) => name.slice(0, -'.results.json'.length))
  .map((base) => ({
    xml: `${base}.xml`,
    stats: (JSON.parse(read(`${base}.results.json`)) as { stats: OracleStats }).stats,
  }))
const goodOracles = oracleFiles.filter(({ stats }) => stats.errors.length === 0)
const badOracles = oracleFiles.filter(({ stats }) => stats.errors.length > 0)

describe('parseJUnit against the publish-unit-test-result-action oracle', () => {
  it('finds the oracle samples', () => {
    expect(goodOracles.length).toBeGreaterThanOrEqual(8)
    expect(badOracles.map(({ xml }) => xml)).toContain('non-junit.xml')
  })

  /**
   * The oracle's duration is whole seconds of the top-level suites' `time`, except
   * when a suite lacks some count attributes: then junitparser recomputes that
   * suite's statistics, time included, from its testcases. We keep the suite's own
   * `time` (the runner's measurement) in that case.
   */
  const durationExceptions: Record<string, number> = {
    // <testsuite time="2.407" tests="2" failures="0"> without errors/skipped:
    // the oracle says 0 (testcase times 0.454 + 0.004), we say 2.407.
    'xunit-xunit.xml': 2.407,
  }

  it.each(goodOracles)('$xml matches the oracle stats', ({ xml, stats }) => {
    const tests = summarise(xml)
    expect({
      total: tests.total,
      passed: tests.passed,
      failed: tests.failed,
      errors: tests.errors,
      skipped: tests.skipped,
      runs: tests.runs,
      runs_passed: tests.runs_passed,
      runs_failed: tests.runs_failed,
      runs_errors: tests.runs_errors,
      runs_skipped: tests.runs_skipped,
      files: tests.files,
      suites: tests.suites,
      duration: Math.floor(tests.duration_s),
    }).toEqual({
      total: stats.tests,
      passed: stats.tests_succ,
      failed: stats.tests_fail,
      errors: stats.tests_error,
      skipped: stats.tests_skip,
      runs: stats.runs,
      runs_passed: stats.runs_succ,
      runs_failed: stats.runs_fail,
      runs_errors: stats.runs_error,
      runs_skipped: stats.runs_skip,
      files: stats.files,
      suites: stats.suites,
      duration: Math.floor(durationExceptions[xml] ?? stats.duration),
    })
    if (xml in durationExceptions) expect(tests.duration_s).toBe(durationExceptions[xml])
  })

  it.each(badOracles)('$xml, a parse error for the oracle, is a BadReport naming it', ({ xml }) => {
    const err = caught(() => parseJUnit(read(xml), xml))
    expect(err.code).toBe('BadReport')
    expect(err.message).toContain(xml)
  })
})

describe('parseJUnit on reports without an oracle (counted by hand)', () => {
  it('Maven Surefire: bare <testsuite> root, two failures with CDATA', () => {
    expect(summarise('surefire-CalcUtilsTest.xml')).toEqual({
      total: 2,
      passed: 0,
      failed: 2,
      errors: 0,
      skipped: 0,
      runs: 2,
      runs_passed: 0,
      runs_failed: 2,
      runs_errors: 0,
      runs_skipped: 0,
      duration_s: 0.001,
      files: 1,
      suites: 1,
    })
  })

  it('cargo-nextest: one failure, two passes, wall time from the <testsuites> root', () => {
    expect(summarise('nextest-basic.xml')).toEqual({
      total: 3,
      passed: 2,
      failed: 1,
      errors: 0,
      skipped: 0,
      runs: 3,
      runs_passed: 2,
      runs_failed: 1,
      runs_errors: 0,
      runs_skipped: 0,
      duration_s: 0.946,
      files: 1,
      suites: 1,
    })
  })

  it('jest-junit (dorny): two suites, four failures, one skip, empty classnames', () => {
    const tests = summarise('dorny-jest-junit.xml')
    expect(tests).toMatchObject({
      total: 6,
      passed: 1,
      failed: 4,
      errors: 0,
      skipped: 1,
      runs: 6,
      runs_passed: 1,
      runs_failed: 4,
      runs_errors: 0,
      runs_skipped: 1,
      files: 1,
      suites: 2,
    })
    expect(tests.duration_s).toBeCloseTo(0.486 + 0.082, 9)
  })
})

describe('parseJUnit details', () => {
  it('decodes XML entities in names (with-xml-entities.xml, mocha &#x22;)', () => {
    const names = parseJUnit(read('with-xml-entities.xml'), 'e.xml').cases.map((c) => c.name)
    expect(names).toEqual([
      'Test with "quotes" in the test name',
      "Test with 'apostrophe' in the test name",
      'Test with & in the test name',
      'Test with < and > in the test name',
    ])
    const mocha = parseJUnit(read('mocha-latex-utensils.xml'), 'm.xml').cases.map((c) => c.name)
    expect(mocha).toContain('parse \\"\\i')
  })

  it('reads a byte-order mark and a <properties> block (xunit-xunit.xml)', () => {
    expect(read('xunit-xunit.xml').charCodeAt(0)).toBe(0xfeff)
    expect(parseJUnit(read('xunit-xunit.xml'), 'x.xml').cases).toHaveLength(2)
  })

  it('gives each run the most severe result child: error > failure > skipped', () => {
    const xml = `<testsuite>
      <testcase classname="c" name="fail-and-skip"><skipped/><failure/></testcase>
      <testcase classname="c" name="error-and-failure"><failure/><error/></testcase>
      <testcase classname="c" name="disabled" status="disabled"/>
      <testcase classname="c" name="flaky-but-passed"><flakyFailure message="x"/></testcase>
      <testcase classname="c" name="out"><system-out>failure</system-out></testcase>
      <testcase time="1"/>
    </testsuite>`
    const outcomes = parseJUnit(xml, 'r.xml').cases.map((c) => [c.name, c.outcome])
    expect(outcomes).toEqual([
      ['fail-and-skip', 'failed'],
      ['error-and-failure', 'error'],
      ['disabled', 'skipped'],
      ['flaky-but-passed', 'passed'],
      ['out', 'passed'],
      ['', 'passed'],
    ])
  })

  it('counts every testcase without classname and name as a test of its own (issue 13)', () => {
    const xml = `<testsuites><testsuite name="s">
      <testcase/>
      <testcase time="0.5"><failure/></testcase>
      <testcase><skipped/></testcase>
      <testcase></testcase>
    </testsuite></testsuites>`
    const summary = parseJUnit(xml, 'unnamed.xml')
    expect(summary.cases).toHaveLength(4)
    expect(summariseJUnit([summary])).toMatchObject({
      total: 4,
      passed: 2,
      failed: 1,
      errors: 0,
      skipped: 1,
      runs: 4,
      runs_passed: 2,
      runs_failed: 1,
      runs_skipped: 1,
      suites: 1,
    })
    // Unnamed runs in two files are never merged into one test either; named ones still are.
    const named = '<testcase classname="c" name="t"/>'
    const other = parseJUnit(`<testsuite><testcase/>${named}</testsuite>`, 'b.xml')
    const again = parseJUnit(`<testsuite><testcase/>${named}</testsuite>`, 'c.xml')
    expect(summariseJUnit([other, again])).toMatchObject({ total: 3, runs: 4 })
  })

  it('an empty name attribute is still a name: same (classname, name) is one test', () => {
    const xml = '<testsuite><testcase name=""/><testcase name=""><failure/></testcase></testsuite>'
    expect(summariseJUnit([parseJUnit(xml, 'e.xml')])).toMatchObject({
      total: 1,
      failed: 1,
      runs: 2,
    })
  })

  it('gives a test that ran several times its most severe run: error > failed > passed > skipped', () => {
    const xml = `<testsuites><testsuite name="s">
      <testcase classname="c" name="flaky"><failure/></testcase>
      <testcase classname="c" name="flaky"/>
      <testcase classname="c" name="skipped-then-ran"><skipped/></testcase>
      <testcase classname="c" name="skipped-then-ran"/>
      <testcase classname="c" name="errored"><failure/></testcase>
      <testcase classname="c" name="errored"><error/></testcase>
      <testcase classname="c" name="always-skipped"><skipped/></testcase>
      <testcase classname="c" name="always-skipped"><skipped/></testcase>
      <testcase classname="other" name="flaky"/>
    </testsuite></testsuites>`
    expect(summariseJUnit([parseJUnit(xml, 'r.xml')])).toMatchObject({
      total: 5,
      passed: 2,
      failed: 1,
      errors: 1,
      skipped: 1,
      runs: 9,
      runs_passed: 3,
      runs_failed: 2,
      runs_errors: 1,
      runs_skipped: 3,
    })
  })

  it('merges files: the same test in two reports is one test with the worse outcome', () => {
    const first = parseJUnit(
      '<testsuite time="1.5"><testcase classname="c" name="t"><failure/></testcase></testsuite>',
      'a.xml',
    )
    const retry = parseJUnit(
      '<testsuite time="2"><testcase classname="c" name="t"/><testcase classname="c" name="u"/></testsuite>',
      'b.xml',
    )
    expect(summariseJUnit([first, retry])).toEqual({
      total: 2,
      passed: 1,
      failed: 1,
      errors: 0,
      skipped: 0,
      runs: 3,
      runs_passed: 2,
      runs_failed: 1,
      runs_errors: 0,
      runs_skipped: 0,
      duration_s: 3.5,
      files: 2,
      suites: 2,
    })
  })

  it('counts nested suites as leaves and strips namespace prefixes', () => {
    const xml = `<?xml version="1.0"?>
      <!-- generated -->
      <j:testsuites xmlns:j="urn:x">
        <j:testsuite name="outer" time="3">
          <j:testsuite name="inner"><j:testcase classname="c" name="a"/></j:testsuite>
          <j:testsuite name="empty"/>
        </j:testsuite>
      </j:testsuites>`
    const summary: JUnitSummary = parseJUnit(xml, 'ns.xml')
    expect(summary.suites).toBe(2)
    expect(summary.duration_s).toBe(3)
    expect(summary.cases).toEqual([{ classname: 'c', name: 'a', outcome: 'passed', time_s: 0 }])
  })

  it('reads a summary-only report (suites, no testcases) from its suite attributes', () => {
    const xml =
      '<testsuites><testsuite tests="5" failures="1" errors="1" skipped="2"/></testsuites>'
    expect(summariseJUnit([parseJUnit(xml, 's.xml')])).toMatchObject({
      total: 5,
      passed: 1,
      failed: 1,
      errors: 1,
      skipped: 2,
      runs: 5,
      runs_passed: 1,
      runs_failed: 1,
      runs_errors: 1,
      runs_skipped: 2,
      suites: 1,
    })
  })

  it('summarises no reports as zeros', () => {
    expect(summariseJUnit([])).toMatchObject({ total: 0, runs: 0, files: 0, duration_s: 0 })
  })
})

describe('parseJUnit refuses bad input with BadReport naming the file', () => {
  it('non-junit.xml: names the root element it found', () => {
    const err = caught(() => parseJUnit(read('non-junit.xml'), 'reports/non-junit.xml'))
    expect(err.code).toBe('BadReport')
    expect(err.message).toContain('reports/non-junit.xml')
    expect(err.message).toContain('<suites>')
    expect(err.details).toMatchObject({ file: 'reports/non-junit.xml', root: 'suites' })
  })

  it('pytest-corrupt-xml.xml: not well-formed, with a position', () => {
    const err = caught(() => parseJUnit(read('pytest-corrupt-xml.xml'), 'pytest-corrupt-xml.xml'))
    expect(err.code).toBe('BadReport')
    expect(err.message).toContain('pytest-corrupt-xml.xml')
    expect(err.message).toMatch(/not well-formed XML \(line \d+/)
    expect(err.details.reason).toBe('malformed')
  })

  it.each([
    ['an empty file', ''],
    ['whitespace only', '  \n\t'],
    ['a byte-order mark only', '\uFEFF'],
  ])('%s', (_label, text) => {
    const err = caught(() => parseJUnit(text, 'empty.xml'))
    expect(err.code).toBe('BadReport')
    expect(err.message).toContain('empty.xml')
    expect(err.message).toContain('is empty')
  })

  it.each([
    ['plain text', 'all tests passed'],
    ['HTML', '<html><body>Report</body></html>'],
    ['two roots', '<testsuite/><testsuite/>'],
    ['a name that would pollute prototypes', '<testsuite><__proto__/></testsuite>'],
  ])('%s', (_label, text) => {
    const err = caught(() => parseJUnit(text, 'weird.xml'))
    expect(err.code).toBe('BadReport')
    expect(err.message).toContain('weird.xml')
  })

  it('a missing file (read through buildContext)', () => {
    const missing = join(DIR, 'does-not-exist.xml')
    const err = caught(() => buildContext({ junit: [missing] }))
    expect(err.code).toBe('BadReport')
    expect(err.message).toContain(missing)
    expect(err.message).toContain('does not exist')
  })
})
