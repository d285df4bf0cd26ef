/**
 * The metrics rollup (migration 5, src/core/db/schema-metrics.ts): what the
 * triggers keep as events and tasks are written must equal what the backfill
 * computes from the log and the task rows — after every kind of writer (the
 * engine's commands, an import, a rebuild that removes and restores tasks) —
 * and the whole-log figures read from it must equal the windowed path, which
 * reads the log itself.
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Engine } from '../../src/core/engine.js'
import { parseV23 } from '../../src/core/import/v23.js'
import type { Metrics } from '../../src/core/metrics.js'
import { removeTasks, restoreTasks } from '../../src/core/restore.js'
import { makeEngine } from '../helpers.js'
import { backfilled, busyHistory, rollup } from './metrics-history.js'

const HOUR = 3_600_000
const V23 = fileURLToPath(new URL('../fixtures/task-orchestrator-v2.3', import.meta.url))
/** The figures that do not depend on how `since` is spelled. */
function comparable(m: Metrics): Omit<Metrics, 'since' | 'throughput_per_day'> {
  const { since: _since, throughput_per_day: _perDay, ...rest } = m
  return rest
}

describe('metrics rollup (migration 5)', () => {
  it.each([1, 2, 3])(
    'what the triggers keep equals the backfill from the log (seeded history %i)',
    (seed) => {
      const { engine } = busyHistory(makeEngine({ maxLeaseTtlMs: 8 * HOUR }), seed)
      const store = engine.store
      const live = rollup(store)
      expect(live.task_metrics!.length).toBe(40)
      expect(live.metrics_blocked!.length).toBeGreaterThan(0)
      expect(live.task_metrics_actor!.length).toBeGreaterThan(0)
      expect(live).toEqual(backfilled(store))
    },
  )

  it('whole-log figures read from the rollup equal the windowed path over the log', () => {
    for (const seed of [1, 2, 3]) {
      const { engine } = busyHistory(makeEngine({ maxLeaseTtlMs: 8 * HOUR }), seed)
      const whole = engine.metrics()
      expect(whole.claims).toBeGreaterThan(20)
      expect(whole.cycle_time_h.count).toBeGreaterThan(5)
      expect(whole.blocked_h.count).toBeGreaterThan(0)
      expect(Object.keys(whole.per_persona).length).toBeGreaterThan(1)
      expect(comparable(engine.metrics({ since: '2000-01-01T00:00:00.000Z' }))).toEqual(
        comparable(whole),
      )
    }
  })

  it('a persona or milestone changed between claims moves all the task’s figures with it', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'a', persona: 'implementer', milestone: 'v1' })
    const first = engine.claim(t.id, 'ada')
    engine.release(t.id, 'ada', first.lease.token)
    engine.update(t.id, { persona: 'reviewer', milestone: null }, 'maint')
    const second = engine.claim(t.id, 'ada')
    engine.complete(t.id, 'ada', second.lease.token)
    const m = engine.metrics()
    expect(Object.keys(m.per_persona)).toEqual(['reviewer'])
    expect(Object.keys(m.per_milestone)).toEqual(['(none)'])
    expect(m.per_persona.reviewer).toMatchObject({ claims: 2, completed: 1 })
    expect(rollup(engine.store)).toEqual(backfilled(engine.store))
  })

  it('stays right through an import (imported blocked tasks open a blocked stretch)', () => {
    const { engine, clock } = makeEngine()
    engine.import(parseV23(V23), 'importer')
    clock.advance(3 * HOUR)
    const m = engine.metrics()
    // Completed in imported history: not work done here.
    expect(m.throughput).toEqual([])
    expect(m.cycle_time_h.count).toBe(0)
    // The two imported blocked tasks have been blocked for the 3 hours since.
    expect(m.blocked_h).toMatchObject({ count: 2, total: 6 })
    expect(m.tasks).toEqual({ completed: 1, pending: 2, blocked: 2 })
    expect(rollup(engine.store)).toEqual(backfilled(engine.store))
  })

  it('stays right through a rebuild that removes tasks and restores them with their history', () => {
    const { engine, clock } = busyHistory(makeEngine({ maxLeaseTtlMs: 8 * HOUR }), 4)
    const before = engine.metrics()
    const restore = (e: Engine) =>
      e.write((ctx) => {
        removeTasks(ctx, '')
        return restoreTasks(
          ctx,
          {
            source: 'test',
            leaseTtlMs: HOUR,
            dependencies: [],
            parents: [],
            tasks: [
              { id: 'r1', title: 'R1', status: 'completed', persona: 'reviewer', milestone: 'v3' },
              { id: 'r2', title: 'R2', status: 'blocked', blocked_reason: 'legal' },
            ],
            events: [
              {
                at: '2026-03-01T08:00:00.000Z',
                type: 'claimed',
                task_id: 'r1',
                actor: 'ada',
                details: {},
              },
              {
                at: '2026-03-01T08:30:00.000Z',
                type: 'completed',
                task_id: 'r1',
                actor: 'ada',
                details: { lease_s: 1800 },
              },
            ],
          },
          'test',
        )
      })
    restore(engine)
    clock.advance(HOUR)
    const after = engine.metrics()
    expect(after.tasks).toEqual({ completed: 1, blocked: 1 })
    // The removed tasks' lease events stay in the log, under no persona or milestone.
    expect(after.claims).toBe(before.claims + 1)
    expect(after.per_persona.reviewer).toMatchObject({ completed: 1, claims: 1 })
    expect(after.per_milestone.v3).toMatchObject({ completed: 1 })
    expect(rollup(engine.store)).toEqual(backfilled(engine.store))
  })
})
