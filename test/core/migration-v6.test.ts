/**
 * Migration 6 (the metrics rollup kept on read) on a populated version-5
 * database, whose rollup the triggers of migration 5 kept: the triggers go,
 * the cursor starts at the last event (nothing is recomputed), the figures
 * are the ones version 5 gave, and later work is folded in on read.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../src/core/clock.js'
import { openBetterSqlite3 } from '../../src/core/db/better-sqlite3.js'
import { migrate, openStore } from '../../src/core/db/open.js'
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/core/db/schema.js'
import { Store } from '../../src/core/db/store.js'
import { Engine } from '../../src/core/engine.js'
import { rollupPosition } from '../../src/core/metrics-rollup.js'
import { tempDir } from '../helpers.js'
import { backfilled, busyHistory, rollup } from './metrics-history.js'

const HOUR = 3_600_000
const SETTINGS = { maxLeaseTtlMs: 8 * HOUR }

const triggers = (e: Engine) =>
  e.store.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'trigger'`)

describe('migration 6 (metrics rollup kept on read)', () => {
  it('drops the triggers, starts the cursor at the last event and gives the v5 figures', () => {
    const path = join(tempDir(), 'tasks.db')
    // A version-5 database written by the engine's commands (the triggers keep the rollup).
    const clock = new FakeClock('2026-03-01T09:00:00.000Z')
    const { engine: old } = busyHistory(
      { engine: new Engine(openV5(path), { clock, settings: SETTINGS }), clock },
      5,
    )
    expect(triggers(old).length).toBe(6)
    const kept = old.store.all('SELECT * FROM task_metrics ORDER BY task_id')
    const lastEvent = old.store.get<{ n: number }>('SELECT max(id) AS n FROM events')!.n
    old.store.close()

    const engine = new Engine(openStore(path), { clock, settings: SETTINGS })
    expect(engine.store.get<{ user_version: number }>('PRAGMA user_version')?.user_version).toBe(
      SCHEMA_VERSION,
    )
    expect(triggers(engine)).toEqual([])
    expect(rollupPosition(engine.store)).toEqual({ folded: lastEvent, last: lastEvent })
    expect(engine.store.all('SELECT * FROM task_metrics ORDER BY task_id')).toEqual(kept)
    expect(rollup(engine.store)).toEqual(backfilled(engine.store))
    const figures = engine.metrics()
    expect(figures.cycle_time_h.count).toBeGreaterThan(5)
    expect(figures.blocked_h.count).toBeGreaterThan(0)

    // Work after the upgrade writes no rollup row; the next read folds it in.
    const t = engine.add({ title: 'after the upgrade', persona: 'reviewer' })
    const grant = engine.claim(t.id, 'zed', HOUR)
    clock.advance(HOUR / 2)
    engine.complete(t.id, 'zed', grant.lease.token)
    expect(engine.store.get('SELECT * FROM task_metrics WHERE task_id = ?', [t.id])).toBeUndefined()
    expect(rollupPosition(engine.store).folded).toBe(lastEvent)
    const later = engine.metrics()
    expect(later.claims).toBe(figures.claims + 1)
    expect(later.cycle_time_h.count).toBe(figures.cycle_time_h.count + 1)
    expect(later.per_persona.reviewer!.completed).toBe(figures.per_persona.reviewer!.completed + 1)
    expect(rollupPosition(engine.store).folded).toBe(
      engine.store.get<{ n: number }>('SELECT max(id) AS n FROM events')!.n,
    )
    expect(rollup(engine.store)).toEqual(backfilled(engine.store))
    engine.store.close()
  })
})

/** Open `path` migrated to version 5 only (what a v5 build wrote). */
function openV5(path: string): Store {
  const store = new Store(openBetterSqlite3(path, {}))
  store.driver.exec('PRAGMA journal_mode = WAL')
  store.driver.exec('PRAGMA foreign_keys = ON')
  expect(migrate(store, MIGRATIONS.slice(0, 5))).toEqual({ from: 0, to: 5 })
  return store
}
