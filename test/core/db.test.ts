import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { migrate, openStore, resolveDbPath } from '../../src/core/db/open.js'
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/core/db/schema.js'
import { Engine } from '../../src/core/engine.js'
import { expectTaskError, tempDir } from '../helpers.js'

describe('opening the database', () => {
  it('creates the file with WAL, foreign keys, busy_timeout and the current schema version', () => {
    const path = join(tempDir(), 'nested', 'tasks.db')
    const store = openStore(path)
    expect(store.get<{ journal_mode: string }>('PRAGMA journal_mode')?.journal_mode).toBe('wal')
    expect(store.get<{ foreign_keys: number }>('PRAGMA foreign_keys')?.foreign_keys).toBe(1)
    expect(store.get<{ timeout: number }>('PRAGMA busy_timeout')?.timeout).toBe(15_000)
    expect(store.get<{ user_version: number }>('PRAGMA user_version')?.user_version).toBe(
      SCHEMA_VERSION,
    )
    store.close()
  })

  it('resolves --db, then TM_DB, then the default path', () => {
    expect(resolveDbPath('/x/a.db', { TM_DB: '/y/b.db' })).toBe('/x/a.db')
    expect(resolveDbPath(undefined, { TM_DB: '/y/b.db' })).toBe('/y/b.db')
    expect(resolveDbPath(undefined, {})).toBe(join(process.cwd(), '.task-orchestrator/tasks.db'))
  })

  it('refuses a missing file when not allowed to create, a non-database and a newer schema', () => {
    const dir = tempDir()
    expect(
      expectTaskError(() => openStore(join(dir, 'none.db'), { create: false }), 'StorageError')
        .message,
    ).toContain('tm init')
    const junk = join(dir, 'junk.db')
    writeFileSync(junk, 'this is not sqlite at all, just text '.repeat(200))
    expectTaskError(() => openStore(junk), 'StorageError')
    const newer = join(dir, 'newer.db')
    const raw = new Database(newer)
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`)
    raw.close()
    expect(expectTaskError(() => openStore(newer), 'StorageError').message).toContain(
      'newer than this tm',
    )
  })

  it('backs the file up before migrating a database that has data, then migrates', () => {
    const path = join(tempDir(), 'old.db')
    const engine = new Engine(openStore(path))
    const task = engine.add({ title: 'survives the migration' })
    engine.store.close()
    const store = openStore(path)
    const next = [...MIGRATIONS, 'ALTER TABLE tasks ADD COLUMN labels TEXT']
    expect(migrate(store, next)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION + 1 })
    store.close()
    const backup = new Database(`${path}.v${SCHEMA_VERSION}.bak`, { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(backup.prepare('SELECT title FROM tasks WHERE id = ?').get(task.id)).toEqual({
      title: 'survives the migration',
    })
    backup.close()
    const migrated = new Database(path, { readonly: true })
    expect(migrated.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1)
    expect(migrated.prepare('SELECT title, labels FROM tasks').get()).toEqual({
      title: 'survives the migration',
      labels: null,
    })
    migrated.close()
  })

  it('migrates exactly once and is a no-op afterwards', () => {
    const path = join(tempDir(), 't.db')
    const store = openStore(path)
    expect(migrate(store)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION })
    store.close()
  })

  it('keeps settings in the database for every later invocation', () => {
    const path = join(tempDir(), 't.db')
    const first = new Engine(openStore(path))
    first.configure({ leaseTtlMs: 90_000, lockDelayMs: 5_000 })
    first.store.close()
    const second = new Engine(openStore(path))
    expect(second.settings).toMatchObject({
      leaseTtlMs: 90_000,
      lockDelayMs: 5_000,
      maxAttempts: 3,
    })
    second.store.close()
  })
})

describe('nested transactions', () => {
  it('roll back only their own changes when they throw (savepoints)', () => {
    const engine = new Engine(openStore(':memory:'))
    const kept = engine.write(() => {
      const a = engine.add({ title: 'kept' })
      expect(() =>
        engine.write(() => {
          engine.add({ title: 'undone' })
          throw new Error('refused')
        }),
      ).toThrow('refused')
      return a
    })
    expect(engine.list().map((t) => t.title)).toEqual(['kept'])
    expect(engine.events().map((e) => e.task_id)).toEqual([kept.id])
  })
})
