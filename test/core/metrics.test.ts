import { describe, expect, it } from 'vitest'
import { distribution } from '../../src/core/metrics.js'
import { makeEngine } from '../helpers.js'

const HOUR = 3_600_000

describe('metrics from the event log', () => {
  it('computes throughput, cycle time, lease time, expiries, attempts, success rate and estimate accuracy', () => {
    const { engine, clock } = makeEngine({ maxAttempts: 2, maxLeaseTtlMs: 8 * HOUR })
    engine.registerAgent({ id: 'ada', personas: ['implementer'] })
    engine.registerAgent({ id: 'rev', personas: ['reviewer'] })
    const a = engine.add({ title: 'a', persona: 'implementer', estimated_hours: 2 })
    const b = engine.add({ title: 'b', persona: 'reviewer', estimated_hours: 1 })
    const c = engine.add({ title: 'c', persona: 'implementer' })

    engine.claim(a.id, 'ada', 4 * HOUR)
    clock.advance(1 * HOUR)
    engine.complete(a.id, 'ada', 1) // 1 h: ratio 0.5

    engine.claim(b.id, 'rev', 4 * HOUR)
    clock.advance(3 * HOUR)
    engine.complete(b.id, 'rev', 1) // 3 h: ratio 3

    engine.claim(c.id, 'ada', HOUR)
    clock.advance(HOUR + 1)
    engine.sweep() // expiry: attempt 1
    clock.set('2026-03-02T10:00:00.000Z')
    engine.claim(c.id, 'ada', HOUR)
    engine.fail(c.id, 'ada', 2, 'cannot do it') // attempt 2 = max: failed

    const m = engine.metrics()
    expect(m.tasks).toEqual({ completed: 2, failed: 1 })
    expect(m.throughput).toEqual([{ day: '2026-03-01', completed: 2 }])
    expect(m.cycle_time_h).toEqual({ count: 2, mean: 2, p50: 1, p90: 3 })
    expect(m.lease_hours).toBe(5)
    expect(m.expiries).toBe(1)
    expect(m.claims).toBe(4)
    expect(m.attempts).toBe(2)
    // 2 completions, 2 failed tries (an expiry and a fail): 2 / 4.
    expect(m.success_rate).toBe(0.5)
    expect(m.failed_attempts).toBe(2)
    expect(m.estimate_accuracy).toEqual({ count: 2, mean_ratio: 1.75, median_ratio: 0.5 })
    expect(m.per_agent.ada).toMatchObject({
      claims: 3,
      completed: 1,
      failed_attempts: 2,
      expiries: 1,
      lease_hours: 2,
    })
    expect(m.per_agent.rev).toMatchObject({
      claims: 1,
      completed: 1,
      failed_attempts: 0,
      lease_hours: 3,
    })
    expect(m.per_persona.implementer).toMatchObject({ claims: 3, completed: 1, expiries: 1 })
    expect(m.per_persona.reviewer?.cycle_time_h.p50).toBe(3)
    // --since narrows to later activity.
    const later = engine.metrics({ since: '2026-03-02T00:00:00.000Z' })
    expect(later.claims).toBe(1)
    expect(later.throughput).toEqual([])
  })

  it('every change appends an event in the same transaction', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'a' })
    engine.claim(t.id, 'ada')
    engine.heartbeat(t.id, 'ada', 1)
    engine.complete(t.id, 'ada', 1, { summary: 's' })
    expect(engine.events({ task: t.id }).map((e) => [e.type, e.actor])).toEqual([
      ['task_created', null],
      ['claimed', 'ada'],
      ['heartbeat', 'ada'],
      ['completed', 'ada'],
    ])
    expect(engine.events({ limit: 1 })[0]?.type).toBe('completed')
  })

  it('percentiles use the nearest-rank method', () => {
    expect(distribution([])).toEqual({ count: 0, mean: null, p50: null, p90: null })
    expect(distribution([5, 1, 3, 2, 4])).toEqual({ count: 5, mean: 3, p50: 3, p90: 5 })
  })
})
