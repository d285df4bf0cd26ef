/**
 * One definition of a failed try and of the success rate (issue 13), the
 * same overall, per agent, per persona, per milestone, over the whole log
 * and over a window, and in every rendering (`tm metrics`, `tm report`
 * Markdown and HTML, the `/metrics` reply, the dashboard):
 *
 *   failed try   = a `fail`, an expired lease, or a completion refused
 *                  because a success criterion did not hold;
 *   success rate = completions ÷ (completions + failed tries).
 *
 * History (fake clock, 2026-03-01, one milestone `v1`):
 *   ada: claims a, completion refused (tests.failed = 1), completes a  → 1 done, 1 failed try
 *   rev: claims b, fails it (retry), claims again, completes b        → 1 done, 1 failed try
 *   ken: claims c, its lease expires                                    → 0 done, 1 failed try
 *   ada: completes d without criteria                                   → 1 done
 *   overall: 3 completions, 3 failed tries → 50 %
 */
import { describe, expect, it } from 'vitest'
import { metricsText } from '../../src/cli/commands/events.js'
import { renderHtml } from '../../src/core/report/html.js'
import { metricsSummary, renderMarkdown } from '../../src/core/report/markdown.js'
import { buildReport } from '../../src/core/report/model.js'
import { makeEngine } from '../helpers.js'

const HOUR = 3_600_000
const FAILING = { tests: { total: 5, failed: 1 } }
const PASSING = { tests: { total: 5, failed: 0 } }

function history() {
  const { engine, clock } = makeEngine({ maxLeaseTtlMs: 8 * HOUR })
  const criteria = [{ criterion: 'Tests pass', measurable: 'tests.failed == 0 && tests.total > 0' }]
  const add = (title: string, persona: string, withCriteria = true) =>
    engine.add({
      title,
      persona,
      milestone: 'v1',
      ...(withCriteria ? { success_criteria: criteria } : {}),
    })
  const a = add('a', 'implementer')
  const b = add('b', 'reviewer')
  const c = add('c', 'implementer')
  const d = add('d', 'implementer', false)
  engine.claim(a.id, 'ada', HOUR)
  clock.advance(60_000)
  expect(() => engine.complete(a.id, 'ada', 1, { validate: true, context: FAILING })).toThrow(
    /not completed/,
  )
  engine.complete(a.id, 'ada', 1, { validate: true, context: PASSING })
  engine.claim(b.id, 'rev', HOUR)
  engine.fail(b.id, 'rev', 1, 'flaky environment')
  engine.claim(b.id, 'rev', HOUR)
  engine.complete(b.id, 'rev', 2, { validate: true, context: PASSING })
  engine.claim(c.id, 'ken', HOUR)
  engine.claim(d.id, 'ada', HOUR)
  engine.complete(d.id, 'ada', 1)
  clock.advance(HOUR + 1000)
  engine.sweep()
  return { engine, clock }
}

describe('success rate and failed tries: one definition', () => {
  it('counts refused completions as failed tries, per agent and overall', () => {
    const { engine } = history()
    const m = engine.metrics()
    expect(m.per_agent.ada).toMatchObject({
      completed: 2,
      failed_attempts: 1,
      refused_completions: 1,
      success_rate: 0.66667,
    })
    expect(m.per_agent.rev).toMatchObject({ completed: 1, failed_attempts: 1, success_rate: 0.5 })
    expect(m.per_agent.ken).toMatchObject({ completed: 0, failed_attempts: 1, success_rate: 0 })
    expect(m).toMatchObject({ failed_attempts: 3, refused_completions: 1, success_rate: 0.5 })
  })

  it('gives the same rate overall and for the one milestone holding every task', () => {
    const { engine } = history()
    const m = engine.metrics()
    expect(Object.keys(m.per_milestone)).toEqual(['v1'])
    expect(m.per_milestone.v1!.success_rate).toBe(m.success_rate)
    expect(m.per_milestone.v1!.failed_attempts).toBe(m.failed_attempts)
    const perAgent = Object.values(m.per_agent)
    expect(perAgent.reduce((n, b) => n + b.failed_attempts, 0)).toBe(m.failed_attempts)
    const perPersona = Object.values(m.per_persona)
    expect(perPersona.reduce((n, b) => n + b.failed_attempts, 0)).toBe(m.failed_attempts)
  })

  it('a window gives the same figures as the whole log when it holds the whole history', () => {
    const { engine } = history()
    const whole = engine.metrics()
    const windowed = engine.metrics({ since: '2026-01-01T00:00:00.000Z' })
    expect(windowed.success_rate).toBe(whole.success_rate)
    expect(windowed.failed_attempts).toBe(whole.failed_attempts)
    expect(windowed.per_agent).toEqual(whole.per_agent)
    const later = engine.metrics({ since: '2026-03-01T12:00:00.000Z' })
    expect(later).toMatchObject({ refused_completions: 0, failed_attempts: 0, success_rate: null })
  })

  it('a completion refused only for a missing --validate is not a failed try', () => {
    const { engine } = makeEngine()
    const t = engine.add({
      title: 't',
      success_criteria: [{ criterion: 'Tests pass', measurable: 'tests.failed == 0' }],
    })
    engine.claim(t.id, 'ada')
    expect(() => engine.complete(t.id, 'ada', 1)).toThrow(/--validate/)
    expect(engine.metrics().per_agent.ada).toMatchObject({ failed_attempts: 0, success_rate: null })
  })

  it('every rendering shows the same rate and failed tries', () => {
    const { engine } = history()
    const m = engine.metrics()
    const text = metricsText(m)
    expect(text).toContain('Success rate: 50 %')
    expect(text).toMatch(/^v1\s+5\s+3\s+3\s+1\s+50 %/m)
    expect(text).toMatch(/^ada\s+2\s+2\s+1\s+0\s+66\.7 %/m)
    const report = engine.read((ctx) => buildReport(ctx, { days: 7 }))
    const md = renderMarkdown(report, { link: (id) => id })
    expect(md).toContain('| Success rate | 50 % |')
    expect(md).toContain('| Failed tries (failed, expired, refused completions) | 3 (1, 1, 1) |')
    const html = renderHtml(report)
    expect(html).toContain('<tr><th>Success rate</th><td>50 %</td></tr>')
    expect(html).toContain(
      '<tr><th>Failed tries (failed, expired, refused completions)</th><td>3 (1, 1, 1)</td></tr>',
    )
    const reply = metricsSummary(m, 'ada', 30)
    expect(reply).toContain('| all | 3 | 5 | 3 |')
    expect(reply).toMatch(/\| all \|.*\| 50 % \|/)
    expect(reply).toMatch(/\| ada \| 2 \| 2 \| 1 \|.*\| 66\.7 % \|/)
  })
})
