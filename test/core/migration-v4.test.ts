import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../src/core/clock.js'
import { migrate, openStore } from '../../src/core/db/open.js'
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/core/db/schema.js'
import { Engine } from '../../src/core/engine.js'
import { tempDir } from '../helpers.js'

const NOW = '2026-03-01T09:00:00.000Z'

/** A version-3 database with rows in every table that references `tasks`. */
function populatedV3(path: string): void {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  for (const m of MIGRATIONS.slice(0, 3)) db.exec(m)
  db.pragma('user_version = 3')
  const task = db.prepare(
    `INSERT INTO tasks (id, title, status, lease_holder, lease_token, lease_acquired_at,
       lease_heartbeat_at, lease_expires_at, fencing_seq, parent_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  task.run('aaaaaaaa', 'Parent', 'completed', null, null, null, null, null, 1, null, NOW, NOW)
  task.run(
    'bbbbbbbb',
    'Held',
    'in_progress',
    'ada',
    2,
    NOW,
    NOW,
    '2026-03-01T09:30:00.000Z',
    2,
    'aaaaaaaa',
    NOW,
    NOW,
  )
  task.run('cccccccc', 'Blocked', 'blocked', null, null, null, null, null, 0, null, NOW, NOW)
  db.prepare('INSERT INTO dependencies VALUES (?, ?, ?)').run('cccccccc', 'bbbbbbbb', NOW)
  db.prepare('INSERT INTO participants VALUES (?, ?, ?, ?)').run(
    'bbbbbbbb',
    'grace',
    'reviewer',
    NOW,
  )
  db.prepare('INSERT INTO shared_context VALUES (?, ?, ?, ?, ?)').run(
    'bbbbbbbb',
    'api',
    '"v2"',
    'ada',
    NOW,
  )
  db.prepare('INSERT INTO notes (task_id, agent, text, at) VALUES (?, ?, ?, ?)').run(
    'bbbbbbbb',
    'ada',
    'private',
    NOW,
  )
  db.prepare(
    'INSERT INTO progress (task_id, agent, percent, message, at) VALUES (?, ?, ?, ?, ?)',
  ).run('bbbbbbbb', 'ada', 40, 'half way', NOW)
  db.prepare(
    `INSERT INTO gh_issues (task_id, repo, number, updated_at) VALUES (?, 'o/r', 7, ?)`,
  ).run('bbbbbbbb', NOW)
  db.close()
}

const count = (db: Database.Database, table: string) =>
  db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number

describe('migration 4 (waiting, milestone, approval, archive, questions)', () => {
  it('rebuilds the tasks table of a populated v3 database without losing a row anywhere, after a backup', () => {
    const path = join(tempDir(), 'tasks.db')
    populatedV3(path)
    const store = openStore(path)
    expect(store.get<{ user_version: number }>('PRAGMA user_version')?.user_version).toBe(
      SCHEMA_VERSION,
    )
    // Foreign keys are back on and nothing dangles.
    expect(store.get<{ foreign_keys: number }>('PRAGMA foreign_keys')?.foreign_keys).toBe(1)
    expect(store.all('PRAGMA foreign_key_check')).toEqual([])
    store.close()

    const db = new Database(path, { readonly: true })
    for (const [table, n] of [
      ['tasks', 3],
      ['dependencies', 1],
      ['participants', 1],
      ['shared_context', 1],
      ['notes', 1],
      ['progress', 1],
      ['gh_issues', 1],
      ['questions', 0],
    ] as const) {
      expect(count(db, table), table).toBe(n)
    }
    expect(
      db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks'`)
        .pluck()
        .all(),
    ).toEqual(
      expect.arrayContaining([
        'tasks_claimable',
        'tasks_persona_claimable',
        'tasks_leases',
        'tasks_parent',
        'tasks_milestone',
        'tasks_archived',
      ]),
    )
    db.close()

    const backup = new Database(`${path}.v3.bak`, { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(3)
    expect(count(backup, 'tasks')).toBe(3)
    expect(count(backup, 'participants')).toBe(1)
    backup.close()

    // The engine reads the migrated rows: the lease, the parent, the new defaults.
    const engine = new Engine(openStore(path), { clock: new FakeClock(NOW) })
    expect(engine.get('bbbbbbbb')).toMatchObject({
      status: 'in_progress',
      parent_id: 'aaaaaaaa',
      lease: { holder: 'ada', token: 2 },
      milestone: null,
      requires_approval: false,
      approved_by: null,
      archived_at: null,
    })
    expect(engine.participants('bbbbbbbb')).toHaveLength(1)
    expect(engine.show('cccccccc').depends_on).toEqual(['bbbbbbbb'])
    engine.store.close()
  })

  it('keeps the status/lease invariant: waiting needs a holder and a paused clock', () => {
    const path = join(tempDir(), 'tasks.db')
    openStore(path).close()
    const db = new Database(path)
    const insert = (status: string, holder: string | null, paused: string | null) =>
      db
        .prepare(
          `INSERT INTO tasks (id, title, status, lease_holder, lease_paused_at, created_at, updated_at)
           VALUES (lower(hex(randomblob(4))), 't', ?, ?, ?, ?, ?)`,
        )
        .run(status, holder, paused, NOW, NOW)
    expect(() => insert('waiting', null, NOW)).toThrow(/CHECK/)
    expect(() => insert('waiting', 'ada', null)).toThrow(/CHECK/)
    expect(() => insert('in_progress', 'ada', NOW)).toThrow(/CHECK/)
    expect(() => insert('waiting', 'ada', NOW)).not.toThrow()
    db.close()
  })

  it('refuses a migration that would leave a dangling reference, changing nothing', () => {
    const path = join(tempDir(), 'tasks.db')
    const engine = new Engine(openStore(path))
    engine.add({ title: 'kept' })
    engine.store.close()
    const store = openStore(path)
    const bad = [
      ...MIGRATIONS,
      `INSERT INTO participants VALUES ('zzzzzzzz', 'ada', NULL, '${NOW}')`,
    ]
    expect(() => migrate(store, bad)).toThrow(/broken reference/)
    expect(store.get<{ user_version: number }>('PRAGMA user_version')?.user_version).toBe(
      SCHEMA_VERSION,
    )
    expect(store.all('SELECT * FROM participants')).toEqual([])
    expect(store.get<{ foreign_keys: number }>('PRAGMA foreign_keys')?.foreign_keys).toBe(1)
    expect(existsSync(`${path}.v${SCHEMA_VERSION}.bak`)).toBe(true)
    store.close()
  })
})
