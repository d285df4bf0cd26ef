import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  buildContext,
  loadContextFile,
  parseInlineValue,
} from '../../../src/core/criteria/context.js'
import { isTaskError, type TaskError } from '../../../src/core/errors.js'

const JUNIT = join(import.meta.dirname, '../../fixtures/junit')
const COVERAGE = join(import.meta.dirname, '../../fixtures/coverage')
const tmp = mkdtempSync(join(tmpdir(), 'criteria-context-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** Write `text` to a fresh file in the temporary directory and return its path. */
function file(name: string, text: string): string {
  const path = join(tmp, name)
  writeFileSync(path, text)
  return path
}

function caught(fn: () => unknown): TaskError {
  try {
    fn()
  } catch (err) {
    if (isTaskError(err)) return err
    throw err
  }
  throw new Error('expected a TaskError, nothing was thrown')
}

describe('parseInlineValue', () => {
  it.each([
    ['a.b=3', 3],
    ['a.b=2.5', 2.5],
    ['a.b=-1', -1],
    ['a.b=true', true],
    ['a.b=false', false],
    ['a.b=null', null],
    ['a.b=~', null],
    ['a.b="x"', 'x'],
    ["a.b='3'", '3'],
    ['a.b=hello world', 'hello world'],
    ['a.b=yes', 'yes'],
    ['a.b=2024-01-31', '2024-01-31'],
    ['a.b=', ''],
    ['a.b=x=y', 'x=y'],
    ['a.b=[1, "two"]', [1, 'two']],
    ['a.b={k: 1}', { k: 1 }],
    ['a.b=k: v', 'k: v'],
    ['a.b=- item', '- item'],
  ])('%s', (setter, value) => {
    expect(parseInlineValue(setter)).toEqual({ key: 'a.b', path: ['a', 'b'], value })
  })

  it('takes a single-segment key', () => {
    expect(parseInlineValue('ok=1')).toEqual({ key: 'ok', path: ['ok'], value: 1 })
  })

  it.each(['no-equals-sign', '=3', 'a..b=3', '.a=3', 'a.=3', 'a="unterminated'])(
    'refuses %s with InvalidInput',
    (setter) => {
      const err = caught(() => parseInlineValue(setter))
      expect(err.code).toBe('InvalidInput')
      expect(err.message).toContain(JSON.stringify(setter))
    },
  )
})

describe('loadContextFile', () => {
  it('reads JSON by extension', () => {
    const path = file('bench.json', '{"metrics": {"p95_ms": 120, "ok": true}}')
    expect(loadContextFile(path)).toEqual({ metrics: { p95_ms: 120, ok: true } })
  })

  it.each(['sizes.yml', 'sizes.yaml'])('reads YAML by extension (%s)', (name) => {
    const path = file(name, 'metrics:\n  bundle_kb: 412.5\n  label: "3"\n  flag: yes\n')
    expect(loadContextFile(path)).toEqual({
      metrics: { bundle_kb: 412.5, label: '3', flag: 'yes' },
    })
  })

  it('tries JSON then YAML for other extensions', () => {
    expect(loadContextFile(file('a.out', '{"x": 1}'))).toEqual({ x: 1 })
    expect(loadContextFile(file('b.txt', 'x: 2\n'))).toEqual({ x: 2 })
    expect(loadContextFile(file('c', '\uFEFF{"x": 3}'))).toEqual({ x: 3 })
  })

  it.each([
    ['missing.json', null, 'does not exist'],
    ['empty.json', '', 'is empty'],
    ['blank.yml', '  \n', 'is empty'],
    ['comment.yml', '# nothing\n', 'holds no value'],
    ['bad.json', '{"x": 1,}', 'not valid JSON'],
    ['bad.yaml', 'a: [1, 2\n', 'not valid YAML'],
    ['dup.yaml', 'a: 1\na: 2\n', 'not valid YAML'],
    ['bad.cfg', '{x: [}', 'neither valid JSON nor valid YAML'],
    ['list.json', '[1, 2]', 'a list'],
    ['scalar.yml', '42\n', 'a number'],
  ])('%s → BadReport naming the file', (name, text, problem) => {
    const path = text === null ? join(tmp, name) : file(name, text)
    const err = caught(() => loadContextFile(path))
    expect(err.code).toBe('BadReport')
    expect(err.message).toContain(path)
    expect(err.message).toContain(problem)
  })

  it('a directory → BadReport naming it', () => {
    const dir = join(tmp, 'a-dir.json')
    mkdirSync(dir, { recursive: true })
    const err = caught(() => loadContextFile(dir))
    expect(err.code).toBe('BadReport')
    expect(err.message).toContain(dir)
    expect(err.message).toContain('directory')
  })
})

describe('buildContext', () => {
  it('puts JUnit counts under tests as plain numbers', () => {
    const report = join(JUNIT, 'pytest-junit.fail.xml')
    const { context, sources } = buildContext({ junit: [report] })
    expect(context.tests).toMatchObject({ total: 5, passed: 3, failed: 1, skipped: 1, errors: 0 })
    expect(typeof (context.tests as { total: unknown }).total).toBe('number')
    expect(sources).toEqual([`junit:${report}`])
  })

  it('merges several JUnit files into one tests object', () => {
    const { context } = buildContext({
      junit: [join(JUNIT, 'pytest-junit.fail.xml'), join(JUNIT, 'jest-jest-junit.xml')],
    })
    expect(context.tests).toMatchObject({ total: 7, passed: 5, files: 2, suites: 2 })
  })

  it('has no tests or coverage key without reports (never silent zeros)', () => {
    expect(buildContext({}).context).toEqual({})
    expect(buildContext({ junit: [], coverage: [] }).context).toEqual({})
  })

  it('deep-merges files in order, then applies setters last', () => {
    const base = file('base.yaml', 'metrics:\n  p95_ms: 120\n  sizes: [1, 2]\nbranch: main\n')
    const over = file('over.json', '{"metrics": {"p95_ms": 95, "sizes": [3]}, "extra": {"a": 1}}')
    const { context, sources } = buildContext({
      junit: [join(JUNIT, 'jest-jest-junit.xml')],
      coverage: [join(COVERAGE, 'lcov.info')],
      files: [base, over],
      set: ['test_suite.exit_code=0', 'metrics.p95_ms=80', 'tests.total=99'],
    })
    expect(context).toMatchObject({
      metrics: { p95_ms: 80, sizes: [3] },
      branch: 'main',
      extra: { a: 1 },
      test_suite: { exit_code: 0 },
      coverage: { lines: 70.58, branches: 50, functions: 60 },
      tests: { total: 99, passed: 2, runs: 2 },
    })
    expect(sources).toEqual([
      `junit:${join(JUNIT, 'jest-jest-junit.xml')}`,
      `coverage:${join(COVERAGE, 'lcov.info')}`,
      `file:${base}`,
      `file:${over}`,
      'set:test_suite.exit_code',
      'set:metrics.p95_ms',
      'set:tests.total',
    ])
  })

  it('lets a later file replace a mapping with a scalar and back', () => {
    const a = file('m1.json', '{"x": {"y": 1}}')
    const b = file('m2.json', '{"x": 2}')
    const c = file('m3.json', '{"x": {"z": 3}}')
    expect(buildContext({ files: [a, b] }).context).toEqual({ x: 2 })
    expect(buildContext({ files: [a, b, c] }).context).toEqual({ x: { z: 3 } })
  })

  it('does not let a __proto__ key pollute prototypes', () => {
    const evil = file(
      'evil.json',
      '{"__proto__": {"polluted": true}, "a": {"__proto__": {"p": 1}}}',
    )
    const { context } = buildContext({ files: [evil], set: ['__proto__.q=1'] })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).q).toBeUndefined()
    expect(Object.hasOwn(context, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(context)).toBe(Object.prototype)
  })

  it('refuses a setter that would go through a scalar', () => {
    const f = file('scalar-in-way.json', '{"a": 3}')
    const err = caught(() => buildContext({ files: [f], set: ['a.b=1'] }))
    expect(err.code).toBe('InvalidInput')
    expect(err.message).toContain('a.b')
  })

  it.each([
    ['junit', { junit: [join(tmp, 'none.xml')] }],
    ['coverage', { coverage: [join(tmp, 'none.info')] }],
    ['files', { files: [join(tmp, 'none.yml')] }],
  ])('a missing %s file → BadReport naming it', (_kind, inputs) => {
    const err = caught(() => buildContext(inputs))
    expect(err.code).toBe('BadReport')
    expect(err.details.reason).toBe('missing')
    expect(err.message).toContain(join(tmp, 'none.'))
    expect(err.message).toContain('does not exist')
  })

  it('a bad JUnit report → BadReport naming it', () => {
    const report = join(JUNIT, 'non-junit.xml')
    const err = caught(() => buildContext({ junit: [join(JUNIT, 'jest-jest-junit.xml'), report] }))
    expect(err.code).toBe('BadReport')
    expect(err.message).toContain(report)
  })
})
