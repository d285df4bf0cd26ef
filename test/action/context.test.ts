/**
 * The gate's context: `tests.*` from JUnit globs (against the oracle in
 * test/fixtures/junit/), `coverage.*`, `metrics.*` nested from JSON/YAML
 * files, inline `context` YAML merged last, and clear errors naming the input
 * and the file.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  buildGateContext,
  type ContextInputs,
  expandPatterns,
  loadMetrics,
  parseInlineContext,
} from '../../src/action/gate/context.js'
import { isTaskError, type TaskError } from '../../src/core/errors.js'
import { tempDir } from '../helpers.js'

const JUNIT = 'test/fixtures/junit'
const none: ContextInputs = { junit: [], coverage: [], metrics: [], context: '' }

function dir(files: Record<string, string>): string {
  const d = tempDir('gate-ctx-')
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text)
  return d
}

async function rejection(promise: Promise<unknown>): Promise<TaskError> {
  try {
    await promise
  } catch (err) {
    if (isTaskError(err)) return err
    throw err
  }
  throw new Error('expected a TaskError')
}

interface OracleStats {
  errors: unknown[]
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

const oracles = readdirSync(JUNIT)
  .filter((f) => f.endsWith('.results.json'))
  .map((f) => ({
    xml: `${JUNIT}/${f.replace(/\.results\.json$/, '.xml')}`,
    stats: (JSON.parse(readFileSync(join(JUNIT, f), 'utf8')) as { stats: OracleStats }).stats,
  }))

describe('tests.* from the junit input', () => {
  it.each(oracles.filter((o) => o.stats.errors.length === 0))(
    '$xml gives exactly the oracle counts',
    async ({ xml, stats }) => {
      const { context } = await buildGateContext({ ...none, junit: [xml] })
      expect(context.tests).toMatchObject({
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
      })
    },
  )

  it.each(['non-junit.xml', 'pytest-corrupt-xml.xml'])(
    '%s is an error naming the input and the file',
    async (name) => {
      const err = await rejection(buildGateContext({ ...none, junit: [`${JUNIT}/${name}`] }))
      expect(err.code).toBe('BadReport')
      expect(err.message).toMatch(new RegExp(`^Input \`junit\`: (JUnit report )?${JUNIT}/${name} `))
      expect(err.details).toMatchObject({ input: 'junit', file: `${JUNIT}/${name}` })
    },
  )

  it('expands globs, sorted, and sums the files', async () => {
    const { context, files } = await buildGateContext({
      ...none,
      junit: [`${JUNIT}/{xunit-xunit,jest-jest-junit}.xml`, `${JUNIT}/jest-jest-junit.xml`],
    })
    expect(files.junit).toEqual([`${JUNIT}/jest-jest-junit.xml`, `${JUNIT}/xunit-xunit.xml`])
    expect((context.tests as { files: number }).files).toBe(2)
  })

  it('a glob that matches nothing is an error naming the input and the pattern', async () => {
    const err = await rejection(buildGateContext({ ...none, junit: ['reports/**/*.xml'] }))
    expect(err.message).toMatch(
      /^Input `junit`: reports\/\*\*\/\*\.xml matches no file \(looked in /,
    )
  })

  it('a missing plain path is an error naming the file', async () => {
    const err = await rejection(buildGateContext({ ...none, junit: ['reports/unit.xml'] }))
    expect(err.message).toMatch(/^Input `junit`: JUnit report reports\/unit\.xml does not exist/)
  })

  it('no junit input: no tests key at all (a criterion naming it errors)', async () => {
    const { context } = await buildGateContext(none)
    expect(context).toEqual({})
  })

  it('expandPatterns keeps plain paths and drops duplicates', async () => {
    expect(await expandPatterns(['a.xml', 'a.xml', 'b.xml'], 'junit')).toEqual(['a.xml', 'b.xml'])
    expect(await expandPatterns([], 'junit')).toEqual([])
  })
})

describe('coverage.* from the coverage input', () => {
  it('reads istanbul, LCOV and Cobertura', async () => {
    const { context } = await buildGateContext({
      ...none,
      coverage: ['test/fixtures/coverage/coverage-summary.json'],
    })
    expect(context.coverage).toMatchObject({ lines: 90.04 })
  })

  it('a malformed report is an error naming the input and the file', async () => {
    const d = dir({ 'coverage.json': '{"total": ' })
    const err = await rejection(buildGateContext({ ...none, coverage: [join(d, 'coverage.json')] }))
    expect(err.message).toMatch(/^Input `coverage`: .*coverage\.json/)
  })
})

describe('metrics.* from the metrics input', () => {
  it("nests each file's top-level keys under metrics, files merged in order", async () => {
    const d = dir({
      'bench.json': JSON.stringify({ p95_ms: 120, sizes: { dist_kb: 530, css_kb: 12 } }),
      'score.yml': 'score: 0.93\nsizes:\n  dist_kb: 540\n',
    })
    const { context } = await buildGateContext({
      ...none,
      metrics: [join(d, 'bench.json'), join(d, 'score.yml')],
    })
    expect(context).toEqual({
      metrics: { p95_ms: 120, score: 0.93, sizes: { dist_kb: 540, css_kb: 12 } },
    })
  })

  it('a file whose top level is not a mapping is an error naming the input and the file', () => {
    const d = dir({ 'list.json': '[1, 2]' })
    expect(() => loadMetrics([join(d, 'list.json')])).toThrow(/list\.json holds a list/)
  })

  it('a malformed file is an error naming the input', async () => {
    const d = dir({ 'bench.json': '{"p95_ms": }' })
    const err = await rejection(buildGateContext({ ...none, metrics: [join(d, 'bench.json')] }))
    expect(err.message).toMatch(/^Input `metrics`: Context file .*bench\.json is not valid JSON/)
  })
})

describe('the inline context input', () => {
  it('is a YAML mapping merged last, over the files', async () => {
    const d = dir({ 'bench.json': JSON.stringify({ p95_ms: 120, p99_ms: 200 }) })
    const { context } = await buildGateContext({
      ...none,
      metrics: [join(d, 'bench.json')],
      context: 'test_suite:\n  exit_code: 0\nmetrics:\n  p95_ms: 99\n',
    })
    expect(context).toEqual({
      metrics: { p95_ms: 99, p99_ms: 200 },
      test_suite: { exit_code: 0 },
    })
  })

  it('accepts JSON too', () => {
    expect(parseInlineContext('{"a": {"b": 1}}')).toEqual({ a: { b: 1 } })
  })

  it.each([
    ['a: [1', /^Input `context`: is not valid YAML/],
    ['- 1\n- 2', /^Input `context`: must be a YAML mapping .* not a list\.$/],
    ['just words', /not a string\.$/],
  ])('%j is an error naming the input', (text, message) => {
    expect(() => parseInlineContext(text)).toThrow(message)
  })
})
