/**
 * The metrics rollup (migration 5's tables, src/core/db/schema-metrics.ts,
 * kept on read since migration 6, src/core/metrics-rollup.ts): what the
 * folds keep — one fold at the end, or many at any points in between — must
 * equal what migration 5's backfill computes from the log and the task rows,
 * after every kind of writer (the engine's commands, an import, a rebuild
 * that removes and restores tasks); the whole-log figures read from it must
 * equal the windowed path, which reads the log itself; and a read never sees
 * a rollup behind its snapshot, whoever writes meanwhile.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { parseV23 } from '../../src/core/import/v23.js'
import { computeMetrics, type Metrics } from '../../src/core/metrics.js'
import { foldRollup, rollupPosition } from '../../src/core/metrics-rollup.js'
import { removeTasks, restoreTasks } from '../../src/core/restore.js'
import type { Ctx } from '../../src/core/tasks.js'
import { expectTaskError, makeEngine, tempDir } from '../helpers.js'
import { backfilled, busyHistory, rollup } from './metrics-history.js'

const HOUR = 3_600_000
const V23 = fileURLToPath(new URL('../fixtures/task-orchestrator-v2.3', import.meta.url))
/** The figures that do not depend on how `since` is spelled. */
function comparable(m: Metrics): Omit<Metrics, 'since' | 'throughput_per_day'> {
  const { since: _since, throughput_per_day: _perDay, ...rest } = m
  return rest
}

describe('metrics rollup (migrations 5 and 6)', () => {
  it.each([1, 2, 3])(
    'one fold of the whole history equals the backfill from the log (seeded history %i)',
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

  it.each([1, 2, 3])(
    'folds at random points between commands equal the backfill (seeded history %i)',
    (seed) => {
      const made = makeEngine({ maxLeaseTtlMs: 8 * HOUR })
      let n = 0
      // Fold after every third engine call, reads included: many small folds.
      const folding = new Proxy(made.engine, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver)
          if (typeof value !== 'function' || key === 'write' || key === 'read') return value
          return (...args: unknown[]) => {
            try {
              return value.apply(target, args)
            } finally {
              if (++n % 3 === 0) target.write((ctx) => foldRollup(ctx.store))
            }
          }
        },
      })
      busyHistory({ engine: folding, clock: made.clock }, seed)
      expect(n).toBeGreaterThan(600)
      const store = made.engine.store
      expect(rollupPosition(store).folded).toBeGreaterThan(0)
      expect(rollup(store)).toEqual(backfilled(store))
    },
  )

  it('writes touch no rollup table; a read folds only the events since the last one', () => {
    const { engine, clock } = makeEngine()
    const a = engine.add({ title: 'a', persona: 'implementer' })
    expect(engine.metrics().tasks).toEqual({ pending: 1 })
    const folded = rollupPosition(engine.store)
    expect(folded.folded).toBe(folded.last)
    const before = engine.store.all('SELECT * FROM task_metrics')
    const grant = engine.claim(a.id, 'ada', 2 * HOUR)
    clock.advance(HOUR)
    engine.complete(a.id, 'ada', grant.lease.token)
    expect(engine.store.all('SELECT * FROM task_metrics')).toEqual(before)
    expect(engine.store.all('SELECT * FROM task_metrics_actor')).toEqual([])
    expect(engine.metrics().cycle_time_h).toEqual({ count: 1, mean: 1, p50: 1, p90: 1 })
    expect(rollupPosition(engine.store).folded).toBe(folded.last + 2)
  })

  it('another process writing between the fold and the read is folded too (exact figures)', () => {
    const path = join(tempDir(), 'tasks.db')
    const other = new Engine(openStore(path))
    const reader = new Engine(openStore(path))
    let inject = 0
    // Each read transaction of `reader` begins with another process's write:
    // after the fold, before the read's snapshot (taken at its first query).
    const read = reader.read.bind(reader)
    reader.read = <T>(fn: (ctx: Ctx) => T): T =>
      read((ctx) => {
        if (inject > 0) other.add({ title: `written meanwhile ${inject--}` })
        return fn(ctx)
      })
    reader.add({ title: 'first' })
    inject = 1 // the first read is stale, the second is not
    expect(reader.metrics().tasks).toEqual({ pending: 2 })
    inject = 20 // every read stale: after three, the figures are read in the fold's transaction
    expect(reader.metrics().tasks).toEqual({ pending: 5 })
    expect(inject).toBe(17)
    const { folded, last } = rollupPosition(reader.store)
    expect(folded).toBe(last)
    other.store.close()
    reader.store.close()
  })

  it('a report read in a plain read transaction folds in place, or says why it cannot', () => {
    const path = join(tempDir(), 'tasks.db')
    const { engine } = { engine: new Engine(openStore(path)) }
    engine.add({ title: 'a' })
    // Nobody else writing: the read takes the write lock for the fold.
    expect(engine.read((ctx) => computeMetrics(ctx).tasks)).toEqual({ pending: 1 })
    engine.add({ title: 'b' })
    const other = openStore(path, { busyTimeoutMs: 50 })
    other.driver.exec('BEGIN IMMEDIATE')
    const err = expectTaskError(() => engine.read((ctx) => computeMetrics(ctx)), 'StorageError')
    expect(err.message).toMatch(/1 event\(s\) behind the log.*Engine\.readMetrics/)
    // Engine.readMetrics waits for the lock like any write, then reads.
    other.driver.exec('COMMIT')
    expect(engine.readMetrics((ctx) => computeMetrics(ctx).tasks)).toEqual({ pending: 2 })
    other.close()
    engine.store.close()
  })

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
