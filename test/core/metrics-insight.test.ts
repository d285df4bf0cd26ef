/**
 * Metrics on a hand-built history with a fake clock: every figure is worked
 * out by hand below (times are 2026-03-01, UTC).
 *
 *   09:00  a (implementer, v1, est 2 h), b (reviewer, v1, est 1 h, depends on a: blocked),
 *          c (implementer, v2) added; ada claims a
 *   10:00  ada completes a (cycle 1 h, lead 1 h, actual 1 h → ratio 0.5); b unblocked
 *          (blocked 1 h); c blocked by hand
 *   11:00  rev claims b
 *   12:00  c unblocked (blocked 2 h)
 *   13:00  rev completes b (cycle 2 h, lead 4 h, actual 2 h → ratio 2); ada claims c for 1 h
 *   14:00+ c's lease expires, swept (a failed try, 1 h of lease time); grace claims c (in progress)
 *   feedback: a quality 4 / timeliness 5, b quality 2 / timeliness 3
 */
import { describe, expect, it } from 'vitest'
import { makeEngine } from '../helpers.js'

const HOUR = 3_600_000

function history() {
  const { engine, clock } = makeEngine({ maxLeaseTtlMs: 8 * HOUR })
  const a = engine.add({ title: 'a', persona: 'implementer', milestone: 'v1', estimated_hours: 2 })
  const b = engine.add({
    title: 'b',
    persona: 'reviewer',
    milestone: 'v1',
    estimated_hours: 1,
    depends_on: [a.id],
  })
  const c = engine.add({ title: 'c', persona: 'implementer', milestone: 'v2' })
  engine.claim(a.id, 'ada', 4 * HOUR)
  clock.advance(HOUR)
  engine.complete(a.id, 'ada', 1)
  engine.block(c.id, 'waiting for API keys', 'maint')
  clock.advance(HOUR)
  engine.claim(b.id, 'rev', 4 * HOUR)
  clock.advance(HOUR)
  engine.unblock(c.id, 'maint')
  clock.advance(HOUR)
  engine.complete(b.id, 'rev', 1)
  engine.claim(c.id, 'ada', HOUR)
  clock.advance(HOUR + 1000)
  engine.sweep()
  engine.claim(c.id, 'grace', HOUR)
  engine.feedback(a.id, 'maint', { quality: 4, timeliness: 5 })
  engine.feedback(b.id, 'maint', { quality: 2, timeliness: 3 })
  return { engine, clock, a, b, c }
}

describe('metrics: cycle and lead time, time blocked, feedback, work in progress', () => {
  it('computes the overall figures exactly', () => {
    const { engine } = history()
    const m = engine.metrics()
    expect(m.tasks).toEqual({ completed: 2, in_progress: 1 })
    expect(m.throughput).toEqual([{ day: '2026-03-01', completed: 2 }])
    expect(m.throughput_per_day).toBe(2)
    expect(m.cycle_time_h).toEqual({ count: 2, mean: 1.5, p50: 1, p90: 2 })
    expect(m.cycle_time_daily).toEqual([{ day: '2026-03-01', count: 2, p50: 1, p90: 2 }])
    expect(m.lead_time_h).toEqual({ count: 2, mean: 2.5, p50: 1, p90: 4 })
    expect(m.blocked_h).toEqual({ count: 2, mean: 1.5, p50: 1, p90: 2, total: 3 })
    expect(m.lease_hours).toBeCloseTo(4, 5)
    expect(m.claims).toBe(4)
    expect(m.expiries).toBe(1)
    // 2 completions, 1 failed try (c's expired lease): the per-group rule, overall too.
    expect(m.success_rate).toBe(0.66667)
    expect(m.failed_attempts).toBe(1)
    expect(m.estimate_accuracy).toEqual({ count: 2, mean_ratio: 1.25, median_ratio: 0.5 })
    expect(m.feedback).toEqual({ count: 2, quality: 3, timeliness: 4 })
    expect(m.wip).toBe(1)
  })

  it('breaks them down per agent, persona and milestone', () => {
    const { engine } = history()
    const m = engine.metrics()
    expect(Object.keys(m.per_agent)).toEqual(['ada', 'grace', 'rev'])
    expect(m.per_agent.ada).toMatchObject({
      claims: 2,
      completed: 1,
      failed_attempts: 1,
      expiries: 1,
      success_rate: 0.5,
      cycle_time_h: { count: 1, p50: 1 },
      lead_time_h: { count: 1, p50: 1 },
      blocked_hours: 0,
      estimate_accuracy: { count: 1, median_ratio: 0.5 },
      feedback: { count: 1, quality: 4, timeliness: 5 },
      wip: 0,
    })
    expect(m.per_agent.rev).toMatchObject({
      claims: 1,
      completed: 1,
      lease_hours: 2,
      blocked_hours: 1, // b, which rev completed, was blocked 1 h
      lead_time_h: { p50: 4 },
    })
    expect(m.per_agent.grace).toMatchObject({ claims: 1, completed: 0, wip: 1, success_rate: null })
    expect(Object.keys(m.per_milestone)).toEqual(['v1', 'v2'])
    expect(m.per_milestone.v1).toMatchObject({
      claims: 2,
      completed: 2,
      failed_attempts: 0,
      cycle_time_h: { count: 2, mean: 1.5, p50: 1, p90: 2 },
      lead_time_h: { p90: 4 },
      blocked_hours: 1,
      success_rate: 1,
      feedback: { count: 2, quality: 3, timeliness: 4 },
      wip: 0,
    })
    expect(m.per_milestone.v2).toMatchObject({
      claims: 2,
      completed: 0,
      expiries: 1,
      failed_attempts: 1,
      blocked_hours: 2,
      success_rate: 0,
      cycle_time_h: { count: 0, p50: null },
      wip: 1,
    })
    expect(m.per_persona.implementer).toMatchObject({
      claims: 3,
      completed: 1,
      blocked_hours: 2,
      wip: 1,
    })
    expect(m.per_persona.reviewer).toMatchObject({ claims: 1, completed: 1, blocked_hours: 1 })
  })

  it('--since narrows every figure to the window and clips blocked time to it', () => {
    const { engine } = history()
    const m = engine.metrics({ since: '2026-03-01T11:30:00.000Z' })
    expect(m.throughput).toEqual([{ day: '2026-03-01', completed: 1 }])
    expect(m.cycle_time_h).toMatchObject({ count: 1, p50: 2 })
    expect(m.lead_time_h).toMatchObject({ count: 1, p50: 4 })
    // c was blocked 10:00–12:00: half an hour of it falls in the window.
    expect(m.blocked_h).toEqual({ count: 1, mean: 0.5, p50: 0.5, p90: 0.5, total: 0.5 })
    expect(m.claims).toBe(2) // ada and grace on c
    expect(m.per_milestone.v1?.claims).toBe(0)
    expect(m.per_milestone.v1?.completed).toBe(1)
  })

  it('counts a task still blocked up to now', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ title: 'stuck', milestone: 'v3' })
    engine.block(t.id, 'needs a decision', 'maint')
    clock.advance(3 * HOUR)
    const m = engine.metrics()
    expect(m.blocked_h.total).toBe(3)
    expect(m.per_milestone.v3?.blocked_hours).toBe(3)
  })

  it('archived tasks still count', () => {
    const { engine, clock } = history()
    const before = engine.metrics()
    clock.advance(40 * 24 * HOUR)
    const archived = engine.archive(30, 'maint')
    expect(archived.archived.length).toBe(2)
    const after = engine.metrics({ since: '2026-03-01T00:00:00.000Z' })
    expect(after.tasks.completed).toBe(2)
    expect(after.cycle_time_h).toEqual(before.cycle_time_h)
    expect(after.per_milestone.v1?.completed).toBe(2)
  })

  it('keeps to one repository with scope', () => {
    const { engine, clock } = makeEngine()
    const mine = engine.add({ id: 'octo/api#1', title: 'mine' })
    const theirs = engine.add({ id: 'octo/web#1', title: 'theirs' })
    engine.claim(mine.id, 'ada', 2 * HOUR)
    engine.claim(theirs.id, 'bob', 2 * HOUR)
    clock.advance(HOUR)
    engine.complete(mine.id, 'ada', 1)
    const m = engine.metrics({ scope: 'octo/api#' })
    expect(m.claims).toBe(1)
    expect(m.tasks).toEqual({ completed: 1 })
    expect(Object.keys(m.per_agent)).toEqual(['ada'])
    expect(m.wip).toBe(0)
    expect(engine.metrics().wip).toBe(1)
  })
})
