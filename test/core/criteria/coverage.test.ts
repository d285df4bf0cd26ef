import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildContext } from '../../../src/core/criteria/context.js'
import { parseCoverage, percent, summariseCoverage } from '../../../src/core/criteria/coverage.js'
import { isTaskError, type TaskError } from '../../../src/core/errors.js'

const DIR = join(import.meta.dirname, '../../fixtures/coverage')
const read = (name: string): string => readFileSync(join(DIR, name), 'utf8')

function caught(fn: () => unknown): TaskError {
  try {
    fn()
  } catch (err) {
    if (isTaskError(err)) return err
    throw err
  }
  throw new Error('expected a TaskError, nothing was thrown')
}

describe('percent (istanbul rule)', () => {
  it('floors to two decimals and calls nothing-to-cover 100', () => {
    expect(percent(2, 3)).toBe(66.66)
    expect(percent(79_996, 100_000)).toBe(79.99)
    expect(percent(5, 5)).toBe(100)
    expect(percent(0, 0)).toBe(100)
    expect(percent(0, 7)).toBe(0)
  })
})

describe('parseCoverage on the sample reports', () => {
  it('istanbul coverage-summary.json: the total object', () => {
    const summary = parseCoverage(read('coverage-summary.json'), 'coverage-summary.json')
    expect(summary.format).toBe('istanbul')
    expect(summary.metrics).toEqual({
      lines: { pct: 90.04, covered: 371, total: 412 },
      statements: { pct: 89.03, covered: 398, total: 447 },
      functions: { pct: 89.74, covered: 70, total: 78 },
      branches: { pct: 79.87, covered: 131, total: 164 },
    })
  })

  it('LCOV: LF/LH, BRF/BRH, FNF/FNH summed over files, no statements', () => {
    const summary = parseCoverage(read('lcov.info'), 'lcov.info')
    expect(summary.format).toBe('lcov')
    expect(summary.metrics).toEqual({
      lines: { pct: 70.58, covered: 12, total: 17 },
      branches: { pct: 50, covered: 4, total: 8 },
      functions: { pct: 60, covered: 3, total: 5 },
    })
  })

  it('Cobertura (coverage.py --branch): line-rate and branch-rate × 100', () => {
    const summary = parseCoverage(read('cobertura-coveragepy.xml'), 'coverage.xml')
    expect(summary.format).toBe('cobertura')
    expect(summary.metrics).toEqual({
      lines: { pct: 85, covered: 17, total: 20 },
      branches: { pct: 75, covered: 6, total: 8 },
    })
  })

  it('Cobertura without --branch: branches left out, rate without float noise', () => {
    const summary = parseCoverage(read('cobertura-coveragepy-nobranch.xml'), 'coverage.xml')
    expect(summary.metrics).toEqual({ lines: { pct: 57.14, covered: 4, total: 7 } })
  })

  it('Cobertura with a DOCTYPE (gcovr)', () => {
    expect(parseCoverage(read('cobertura-gcovr.xml'), 'gcovr.xml').metrics).toEqual({
      lines: { pct: 90, covered: 9, total: 10 },
      branches: { pct: 50, covered: 2, total: 4 },
    })
  })
})

describe('parseCoverage details', () => {
  it('counts an LCOV section without summary records from its DA/BRDA/FNDA records', () => {
    const lcov = [
      'SF:a.js',
      'FNDA:0,f',
      'FNDA:2,g',
      'DA:1,1',
      'DA:2,0',
      'DA:3,5',
      'BRDA:1,0,0,1',
      'BRDA:1,0,1,-',
      'end_of_record',
    ].join('\n')
    expect(parseCoverage(lcov, 'a.info').metrics).toEqual({
      lines: { pct: 66.66, covered: 2, total: 3 },
      branches: { pct: 50, covered: 1, total: 2 },
      functions: { pct: 50, covered: 1, total: 2 },
    })
  })

  it('leaves out LCOV metrics with no records, and takes BRF:0 as 100 like istanbul', () => {
    const lcov = 'TN:\r\nSF:a.c\r\nLF:4\r\nLH:1\r\nBRF:0\r\nBRH:0\r\nend_of_record\r\n'
    expect(parseCoverage(lcov, 'a.info').metrics).toEqual({
      lines: { pct: 25, covered: 1, total: 4 },
      branches: { pct: 100, covered: 0, total: 0 },
    })
  })

  it('computes istanbul pct when it is "Unknown"', () => {
    const json = JSON.stringify({
      total: {
        lines: { total: 0, covered: 0, skipped: 0, pct: 'Unknown' },
        branches: { total: 4, covered: 1, skipped: 0, pct: 'Unknown' },
      },
    })
    expect(parseCoverage(json, 's.json').metrics).toEqual({
      lines: { pct: 100, covered: 0, total: 0 },
      branches: { pct: 25, covered: 1, total: 4 },
    })
  })
})

describe('summariseCoverage', () => {
  it('passes a single report through', () => {
    const one = parseCoverage(read('coverage-summary.json'), 's.json')
    expect(summariseCoverage([one])).toEqual({
      lines: 90.04,
      statements: 89.03,
      functions: 89.74,
      branches: 79.87,
    })
  })

  it('pools counts across reports instead of averaging percents', () => {
    const lcov = parseCoverage(read('lcov.info'), 'lcov.info')
    const py = parseCoverage(read('cobertura-coveragepy.xml'), 'coverage.xml')
    // lines (12 + 17) / (17 + 20); branches (4 + 6) / (8 + 8); functions only in LCOV.
    expect(summariseCoverage([lcov, py])).toEqual({
      lines: percent(29, 37),
      branches: percent(10, 16),
      functions: 60,
    })
    expect(percent(29, 37)).toBe(78.37)
  })

  it('refuses to pool a rate without counts, naming the file', () => {
    const rateOnly = parseCoverage('<coverage line-rate="0.5"/>', 'old-cobertura.xml')
    const lcov = parseCoverage(read('lcov.info'), 'lcov.info')
    const err = caught(() => summariseCoverage([lcov, rateOnly]))
    expect(err.code).toBe('BadReport')
    expect(err.message).toContain('old-cobertura.xml')
    expect(summariseCoverage([rateOnly])).toEqual({ lines: 50 })
  })

  it('is wired into buildContext as context.coverage', () => {
    const { context, sources } = buildContext({
      coverage: [join(DIR, 'cobertura-gcovr.xml')],
    })
    expect(context.coverage).toEqual({ lines: 90, branches: 50 })
    expect(sources).toEqual([`coverage:${join(DIR, 'cobertura-gcovr.xml')}`])
  })
})

describe('parseCoverage refuses bad input with BadReport naming the file', () => {
  it.each([
    ['an empty file', ''],
    ['plain text', 'Coverage: 85%'],
    ['broken JSON', '{"total": {"lines": '],
    ['JSON without total', '{"lines": 80}'],
    [
      "istanbul's raw coverage-final.json",
      '{"/src/a.js": {"path": "/src/a.js", "statementMap": {}, "s": {}}}',
    ],
    ['a total with bad counts', '{"total": {"lines": {"total": 3, "covered": 5, "pct": 166}}}'],
    ['a total with no metrics', '{"total": {}}'],
    ['truncated XML', '<coverage line-rate="0.5"><packages>'],
    ['JaCoCo XML', '<report name="app"><counter type="LINE" missed="1" covered="2"/></report>'],
    ['Clover XML', '<coverage generated="1" clover="4.4.1"><project/></coverage>'],
    ['a bad rate', '<coverage line-rate="85"/>'],
    ['LCOV with a bad count', 'SF:a.js\nLF:x\nend_of_record'],
    ['LCOV with no line records', 'TN:\nSF:a.js\nend_of_record'],
    ['LCOV with a stray line', 'SF:a.js\nthis is not lcov\nend_of_record'],
  ])('%s', (_label, text) => {
    const err = caught(() => parseCoverage(text, 'reports/cov.out'))
    expect(err.code).toBe('BadReport')
    expect(err.message).toContain('reports/cov.out')
    expect(err.details.file).toBe('reports/cov.out')
  })

  it('explains what to do with coverage-final.json', () => {
    const err = caught(() => parseCoverage('{"/a.js": {"statementMap": {}}}', 'final.json'))
    expect(err.message).toContain('json-summary')
  })

  it('a missing file (read through buildContext)', () => {
    const missing = join(DIR, 'nope', 'lcov.info')
    const err = caught(() => buildContext({ coverage: [missing] }))
    expect(err.code).toBe('BadReport')
    expect(err.message).toContain(missing)
  })
})
