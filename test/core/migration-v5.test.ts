/**
 * Migration 5 (the metrics rollup) on a populated version-4 database: the
 * backfill gives the figures the database gave before, and they stay right
 * from then on (since migration 6 the rollup is folded on read).
 *
 * The v4 database is made the way a v4 build made it: the engine writes the
 * same task and event rows at v4 and later (the rollup is extra tables), so
 * a history written through the engine with the rollup then dropped, and
 * `user_version` set back to 4, is exactly what v4 left behind.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { SCHEMA_VERSION } from '../../src/core/db/schema.js'
import { Engine } from '../../src/core/engine.js'
import { tempDir } from '../helpers.js'
import { backfilled, busyHistory, rollup, TABLES } from './metrics-history.js'

const HOUR = 3_600_000

function engineAt(path: string, now: string | number) {
  const clock = new FakeClock(now)
  const engine = new Engine(openStore(path), { clock, settings: { maxLeaseTtlMs: 8 * HOUR } })
  return { engine, clock }
}

describe('migration 5 (metrics rollup)', () => {
  it('backfills a populated v4 database to the same figures, and keeps them up to date after', () => {
    const path = join(tempDir(), 'tasks.db')
    const { engine, clock } = busyHistory(engineAt(path, '2026-03-01T09:00:00.000Z'), 7)
    const now = clock.now()
    const figures = engine.metrics()
    const windowed = engine.metrics({ since: '2026-03-10T00:00:00.000Z' })
    const kept = rollup(engine.store)
    expect(figures.cycle_time_h.count).toBeGreaterThan(5)
    expect(figures.blocked_h.count).toBeGreaterThan(0)
    engine.store.close()

    // Back to what a v4 build left: no rollup tables, no triggers, version 4.
    const db = new Database(path)
    for (const { name } of db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger'`)
      .all() as { name: string }[])
      db.exec(`DROP TRIGGER ${name}`)
    for (const table of [...Object.keys(TABLES), 'metrics_cursor']) db.exec(`DROP TABLE ${table}`)
    // … and without migration 7's owed replies, migration 8's installation,
    // migration 9's accepted body and migration 10's mirror bookkeeping.
    db.exec('DROP INDEX gh_comments_owed')
    db.exec('ALTER TABLE gh_comments DROP COLUMN reply')
    db.exec('ALTER TABLE gh_comments DROP COLUMN installation_id')
    db.exec('ALTER TABLE gh_issues DROP COLUMN accepted_body')
    for (const column of ['etag', 'etag_body', 'unjudged_edit', 'former_holders', 'native_refused'])
      db.exec(`ALTER TABLE gh_issues DROP COLUMN ${column}`)
    db.pragma('user_version = 4')
    db.close()

    const after = engineAt(path, now)
    expect(
      after.engine.store.get<{ user_version: number }>('PRAGMA user_version')?.user_version,
    ).toBe(SCHEMA_VERSION)
    expect(existsSync(`${path}.v4.bak`)).toBe(true)
    expect(rollup(after.engine.store)).toEqual(kept)
    expect(after.engine.metrics()).toEqual(figures)
    expect(after.engine.metrics({ since: '2026-03-10T00:00:00.000Z' })).toEqual(windowed)

    // The rollup keeps up (migrations 5 and 6): more work is counted.
    const t = after.engine.add({ title: 'after the upgrade', persona: 'reviewer' })
    const grant = after.engine.claim(t.id, 'ada', HOUR)
    after.clock.advance(HOUR / 2)
    after.engine.complete(t.id, 'ada', grant.lease.token)
    const later = after.engine.metrics()
    expect(later.claims).toBe(figures.claims + 1)
    expect(later.cycle_time_h.count).toBe(figures.cycle_time_h.count + 1)
    expect(rollup(after.engine.store)).toEqual(backfilled(after.engine.store))
    after.engine.store.close()
  })
})
