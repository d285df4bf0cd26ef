/**
 * Judging criteria in CI (bounded CEL, absent names are errors), ticking them
 * in the issue body, and the table people read.
 */
import { describe, expect, it } from 'vitest'
import { judgeCriteria } from '../../src/action/gate/judge.js'
import {
  code,
  renderCheckOutput,
  renderCriteriaTable,
  SUMMARY_LIMIT,
} from '../../src/action/gate/render.js'
import { tickCriteria } from '../../src/action/gate/ticks.js'
import { EXPRESSION_LIMITS } from '../../src/core/criteria/cel.js'
import { parseIssueBody } from '../../src/github/issue-body.js'
import { parseVerdictMarker } from '../../src/github/verdict.js'

const repo = { owner: 'octo', repo: 'api' }
const criteriaOf = (body: string) => parseIssueBody(body, repo).criteria
const context = {
  tests: { total: 10, failed: 1, passed: 9, errors: 0, skipped: 0, runs: 10, duration_s: 1.5 },
  coverage: { lines: 91.5 },
  metrics: { p95_ms: 120 },
}

const BODY = [
  '## Success criteria',
  '',
  '- [x] No failures `tests.failed == 0`',
  '- [ ] Coverage `coverage.lines >= 90.0`',
  '- [ ] Someone read it',
  '- [x] Latency `metrics.p95_ms < 100`',
  '',
].join('\n')

describe('judgeCriteria', () => {
  it('evaluates measurable criteria and leaves manual ones to people', () => {
    const { passed, criteria } = judgeCriteria(criteriaOf(BODY), context)
    expect(passed).toBe(false)
    expect(criteria.map((c) => [c.index, c.outcome, c.actual])).toEqual([
      [1, 'fail', { 'tests.failed': 1 }],
      [2, 'pass', { 'coverage.lines': 91.5 }],
      [3, 'unconfirmed', {}],
      [4, 'fail', { 'metrics.p95_ms': 120 }],
    ])
  })

  it('passes when every measurable criterion passes, whatever the manual ones', () => {
    const body = '## Success criteria\n- [ ] Coverage `coverage.lines > 90.0`\n- [ ] Read it\n'
    expect(judgeCriteria(criteriaOf(body), context).passed).toBe(true)
    expect(judgeCriteria([], context).passed).toBe(true)
  })

  it('a name absent from the context is an error saying which input supplies it', () => {
    const body =
      '## Success criteria\n- [ ] `tests.failed == 0`\n- [ ] `test_suite.exit_code == 0 && metrics.size_kb < 10`\n'
    const { passed, criteria } = judgeCriteria(criteriaOf(body), { metrics: {} })
    expect(passed).toBe(false)
    expect(criteria.map((c) => [c.outcome, c.message])).toEqual([
      ['error', 'not in the context: tests.failed (supply it with the `junit` input)'],
      [
        'error',
        'not in the context: test_suite.exit_code, metrics.size_kb (supply it with the `context` or `metrics` input)',
      ],
    ])
  })

  it('is bounded: over-long or too deep expressions are errors and are not evaluated', () => {
    const long = `tests.failed == 0 ${'&& true '.repeat(EXPRESSION_LIMITS.maxLength / 8)}`
    const deep = `${'('.repeat(EXPRESSION_LIMITS.maxDepth + 5)}true${')'.repeat(EXPRESSION_LIMITS.maxDepth + 5)}`
    const body = `## Success criteria\n- [ ] Long \`${long}\`\n- [ ] Deep \`${deep}\`\n`
    const { criteria } = judgeCriteria(criteriaOf(body), context)
    expect(criteria[0]).toMatchObject({ outcome: 'error' })
    expect(criteria[0]!.message).toMatch(/the limit is 2000/)
    expect(criteria[1]).toMatchObject({ outcome: 'error' })
  })

  it('has no access to the environment or the file system', () => {
    const body =
      '## Success criteria\n- [ ] `process.env.HOME != ""`\n- [ ] `readFile("/etc/passwd") != ""`\n'
    const { criteria } = judgeCriteria(criteriaOf(body), context)
    expect(criteria.map((c) => c.outcome)).toEqual(['error', 'error'])
    expect(criteria[0]!.message).toContain('not in the context: process.env.HOME')
  })

  it('a syntax error or a non-boolean is an error, not a crash', () => {
    const body = '## Success criteria\n- [ ] `tests.failed ==`\n- [ ] `tests.failed + 1`\n'
    expect(judgeCriteria(criteriaOf(body), context).criteria.map((c) => c.outcome)).toEqual([
      'error',
      'error',
    ])
  })
})

describe('tickCriteria', () => {
  it('ticks measurable criteria that passed, unticks those that failed, leaves manual ones', () => {
    const judged = judgeCriteria(criteriaOf(BODY), context).criteria
    expect(tickCriteria(BODY, judged)).toBe(
      BODY.replace('- [x] No failures', '- [ ] No failures')
        .replace('- [ ] Coverage', '- [x] Coverage')
        .replace('- [x] Latency', '- [ ] Latency'),
    )
  })

  it('returns the body itself when nothing changes', () => {
    const body = '## Success criteria\n- [X] Coverage `coverage.lines > 90.0`\n- [ ] Read it\n'
    expect(tickCriteria(body, judgeCriteria(criteriaOf(body), context).criteria)).toBe(body)
  })
})

describe('rendering', () => {
  it('one row per criterion: icon, index, criterion, expression, actual values', () => {
    const judged = judgeCriteria(criteriaOf(BODY), context).criteria
    expect(renderCriteriaTable(judged)).toBe(
      [
        '| | # | Criterion | Expression | Actual |',
        '|---|---|---|---|---|',
        '| ❌ | 1 | No failures | `tests.failed == 0` | `tests.failed` = `1` |',
        '| ✅ | 2 | Coverage | `coverage.lines >= 90.0` | `coverage.lines` = `91.5` |',
        '| ⏳ | 3 | Someone read it | — | awaiting a person |',
        '| ❌ | 4 | Latency | `metrics.p95_ms < 100` | `metrics.p95_ms` = `120` |',
      ].join('\n'),
    )
  })

  it('escapes pipes and fences code that holds backticks', () => {
    expect(code('a | b')).toBe('`a \\| b`')
    expect(code('x `y` z')).toBe('``x `y` z``')
    expect(code('`y`')).toBe('`` `y` ``')
  })

  it('keeps the check run summary within GitHub’s limit, the marker first', () => {
    const many = Array.from(
      { length: 400 },
      (_, i) => `- [ ] Criterion ${i} ${'x'.repeat(150)} \`tests.failed == ${i}\``,
    )
    const body = `## Success criteria\n${many.join('\n')}\n`
    const judged = judgeCriteria(criteriaOf(body), context)
    const output = renderCheckOutput(
      {
        task: 'octo/api#1',
        title: 'Big',
        url: 'https://github.com/octo/api/issues/1',
        digest: 'a'.repeat(64),
        sha: 'b'.repeat(40),
        passed: judged.passed,
        criteria: judged.criteria,
        problems: [],
      },
      'Context: test.',
    )
    expect(output.summary.length).toBeLessThanOrEqual(SUMMARY_LIMIT)
    expect(output.summary).toContain('cut to fit the check run')
    expect(parseVerdictMarker(output.summary)?.results).toHaveLength(400)
  })
})
