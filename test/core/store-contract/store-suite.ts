/**
 * The store half of the contract: what `Store`, `openStore` and the engine
 * rely on — transactions, savepoints, locking, WAL, migrations, schema
 * features — on the driver under test, ending with an engine smoke run.
 */
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { expect } from 'vitest'
import { FakeClock } from '../../../src/core/clock.js'
import { migrate, openStore } from '../../../src/core/db/open.js'
import { MIGRATIONS, SCHEMA_VERSION } from '../../../src/core/db/schema.js'
import { Store, storageError } from '../../../src/core/db/store.js'
import { Engine } from '../../../src/core/engine.js'
import { expectTaskError, MINUTE, tempDir } from '../../helpers.js'
import type { Register } from './driver-suite.js'
import { thrown } from './driver-suite.js'
import type { DriverUnderTest } from './driver-under-test.js'

/**
 * A child process that takes the write lock on `path` (BEGIN IMMEDIATE),
 * inserts a row, says "locked", holds the lock for `holdMs`, then commits.
 * It uses whichever library its Node has; only the lock matters.
 */
function holdWriteLock(path: string, holdMs: number): Promise<() => Promise<number>> {
  const script = `
    const sqlite = process.getBuiltinModule?.('node:sqlite')
    const db = sqlite ? new sqlite.DatabaseSync(process.argv[1])
      : new (require(process.argv[2]))(process.argv[1])
    db.exec("BEGIN IMMEDIATE; INSERT INTO log (who) VALUES ('child')")
    process.stdout.write('locked\\n')
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs})
    db.exec('COMMIT')
    db.close()`
  const child = spawn(
    process.execPath,
    ['-e', script, path, createRequire(import.meta.url).resolve('better-sqlite3')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const exited = new Promise<number>((done) => child.on('exit', (code) => done(code ?? -1)))
  return new Promise((ready, fail) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) ready(() => exited)
    })
    child.on('exit', (code) => fail(new Error(`lock holder exited early (${code})`)))
  })
}

export function storeLevelContract(d: DriverUnderTest, test: Register): void {
  const open = (path = join(tempDir(), 'tasks.db'), busyTimeoutMs?: number): Store =>
    openStore(path, { driver: d.open, ...(busyTimeoutMs ? { busyTimeoutMs } : {}) })
  const titles = (s: Store) => s.all<{ v: string }>('SELECT v FROM kv ORDER BY k').map((r) => r.v)
  const withKv = (s: Store) => {
    s.driver.exec('CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)')
    return s
  }

  test('openStore creates the schema with WAL, foreign keys, busy_timeout and user_version', () => {
    const path = join(tempDir(), 'nested', 'tasks.db')
    const store = open(path)
    expect(store.driver.name).toBe(d.name)
    expect(store.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' })
    expect(store.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 })
    expect(store.get('PRAGMA busy_timeout')).toEqual({ timeout: 15_000 })
    expect(store.get('PRAGMA synchronous')).toEqual({ synchronous: 1 })
    expect(store.get('PRAGMA user_version')).toEqual({ user_version: SCHEMA_VERSION })
    expect(migrate(store)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION })
    store.close()
    expect(existsSync(path)).toBe(true)
  })

  test('write commits, and a throw inside it rolls back every statement', () => {
    const store = withKv(open(':memory:'))
    store.write(() => store.run('INSERT INTO kv (v) VALUES (?)', ['kept']))
    expect(() =>
      store.write(() => {
        store.run('INSERT INTO kv (v) VALUES (?)', ['undone 1'])
        store.run('INSERT INTO kv (v) VALUES (?)', ['undone 2'])
        throw new Error('refused')
      }),
    ).toThrow('refused')
    const err = thrown(() =>
      store.write(() => {
        store.run('INSERT INTO kv (v) VALUES (?)', ['undone 3'])
        store.run('INSERT INTO kv (v) VALUES (?)', ['kept'])
      }),
    )
    expect(err.code).toBe('SQLITE_CONSTRAINT_UNIQUE')
    expect(titles(store)).toEqual(['kept'])
    // The connection is usable afterwards: no transaction left open.
    store.write(() => store.run('INSERT INTO kv (v) VALUES (?)', ['after']))
    expect(titles(store)).toEqual(['kept', 'after'])
    store.close()
  })

  test('nested writes are savepoints: an inner throw undoes only its own changes', () => {
    const store = withKv(open(':memory:'))
    store.write(() => {
      store.run('INSERT INTO kv (v) VALUES (?)', ['outer'])
      expect(() =>
        store.write(() => {
          store.run('INSERT INTO kv (v) VALUES (?)', ['inner, undone'])
          store.write(() => store.run('INSERT INTO kv (v) VALUES (?)', ['innermost, undone']))
          throw new Error('inner refused')
        }),
      ).toThrow('inner refused')
      store.write(() => store.run('INSERT INTO kv (v) VALUES (?)', ['inner, kept']))
    })
    expect(titles(store)).toEqual(['outer', 'inner, kept'])
    store.close()
  })

  test('write takes the write lock up front (BEGIN IMMEDIATE); the other writer gets StorageError', () => {
    const path = join(tempDir(), 'tasks.db')
    const a = withKv(open(path))
    const b = open(path, 50)
    a.write(() => {
      a.get('SELECT count(*) FROM kv') // reads only: a deferred transaction would hold no lock yet
      const err = expectTaskError(
        () => b.write(() => b.run("INSERT INTO kv (v) VALUES ('b')")),
        'StorageError',
      )
      expect(err.message).toMatch(/retry/)
      expect(err.details.sqlite).toMatch(/^SQLITE_BUSY/)
    })
    b.write(() => b.run("INSERT INTO kv (v) VALUES ('b')"))
    expect(titles(a)).toEqual(['b'])
    a.close()
    b.close()
  })

  test('WAL: a reader keeps its snapshot while another connection commits', () => {
    const path = join(tempDir(), 'tasks.db')
    const reader = withKv(open(path))
    const writer = open(path)
    reader.read(() => {
      expect(titles(reader)).toEqual([])
      writer.write(() => writer.run("INSERT INTO kv (v) VALUES ('new')"))
      expect(titles(reader)).toEqual([])
    })
    expect(titles(reader)).toEqual(['new'])
    reader.close()
    writer.close()
  })

  test('busy_timeout: a writer waits for a lock held by another process, then succeeds', async () => {
    const path = join(tempDir(), 'tasks.db')
    const store = open(path)
    store.driver.exec('CREATE TABLE log (id INTEGER PRIMARY KEY, who TEXT)')
    const exited = await holdWriteLock(path, 400)
    store.write(() => store.run("INSERT INTO log (who) VALUES ('parent')"))
    expect(store.all('SELECT who FROM log ORDER BY id')).toEqual([
      { who: 'child' },
      { who: 'parent' },
    ])
    expect(await exited()).toBe(0)
    store.close()
  })

  test('storageError gives advice by SQLite code: busy, damaged, and keeps the code', () => {
    const dir = tempDir()
    const junk = join(dir, 'junk.db')
    writeFileSync(junk, 'this is not sqlite at all, just text '.repeat(200))
    const notDb = expectTaskError(() => open(junk), 'StorageError')
    expect(notDb.message).toMatch(/not a database.*restore a backup/)
    expect(notDb.details.sqlite).toBe('SQLITE_NOTADB')
    const store = withKv(open(':memory:'))
    store.run("INSERT INTO kv (v) VALUES ('x')")
    const unique = storageError(
      thrown(() => store.run("INSERT INTO kv (v) VALUES ('x')")),
      ':memory:',
    )
    expect(unique.details.sqlite).toBe('SQLITE_CONSTRAINT_UNIQUE')
    expect(unique.message).toMatch(/UNIQUE constraint failed: kv\.v/)
    store.close()
  })

  test('openStore refuses a newer schema and a missing file when not allowed to create', () => {
    const dir = tempDir()
    const newer = join(dir, 'newer.db')
    const raw = d.open(newer, {})
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`)
    raw.close()
    expect(expectTaskError(() => open(newer), 'StorageError').message).toMatch(/newer than this tm/)
    expectTaskError(
      () => openStore(join(dir, 'none.db'), { driver: d.open, create: false }),
      'StorageError',
    )
    expect(
      expectTaskError(() => openStore(newer, { driver: d.open, readonly: true }), 'StorageError')
        .message,
    ).toMatch(/newer than this tm/)
  })

  test('migrations run from an older version, once, after a backup of the file', () => {
    const path = join(tempDir(), 'older.db')
    const old = new Store(d.open(path, {}))
    old.driver.exec('PRAGMA journal_mode = WAL')
    expect(migrate(old, MIGRATIONS.slice(0, SCHEMA_VERSION - 1))).toEqual({
      from: 0,
      to: SCHEMA_VERSION - 1,
    })
    old.run("INSERT INTO settings (key, value) VALUES ('marker', '1')")
    old.close()
    const migrated = openStore(path, { driver: d.open })
    expect(migrated.get('PRAGMA user_version')).toEqual({ user_version: SCHEMA_VERSION })
    expect(migrated.get("SELECT value FROM settings WHERE key = 'marker'")).toEqual({ value: '1' })
    expect(migrated.all('PRAGMA foreign_key_check')).toEqual([])
    const backup = new Store(d.open(`${path}.v${SCHEMA_VERSION - 1}.bak`, { readonly: true }))
    expect(backup.get('PRAGMA user_version')).toEqual({ user_version: SCHEMA_VERSION - 1 })
    expect(backup.get("SELECT value FROM settings WHERE key = 'marker'")).toEqual({ value: '1' })
    backup.close()
    expect(migrate(migrated)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION })
    migrated.close()
  })

  test('generated columns are computed and follow updates', () => {
    const store = open(':memory:')
    const now = '2026-03-01T09:00:00.000Z'
    store.run(
      "INSERT INTO tasks (id, title, status, priority, created_at, updated_at) VALUES ('t1', 'x', 'pending', 'high', ?, ?)",
      [now, now],
    )
    const keys = () => store.get("SELECT priority_rank, deadline_key FROM tasks WHERE id = 't1'")
    expect(keys()).toEqual({ priority_rank: 2, deadline_key: '9999' })
    store.run("UPDATE tasks SET priority = 'critical', deadline = '2026-04-01' WHERE id = 't1'")
    expect(keys()).toEqual({ priority_rank: 3, deadline_key: '2026-04-01' })
    expect(
      store.all(
        "SELECT id FROM tasks INDEXED BY tasks_claimable WHERE status = 'pending' ORDER BY priority_rank DESC",
      ),
    ).toEqual([{ id: 't1' }])
    store.close()
  })

  test('PRAGMA user_version, integrity_check and foreign_key_check', () => {
    const store = open(join(tempDir(), 'tasks.db'))
    expect(store.all('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }])
    expect(store.all('PRAGMA quick_check')).toEqual([{ quick_check: 'ok' }])
    expect(store.all('PRAGMA foreign_key_check')).toEqual([])
    store.driver.exec('PRAGMA foreign_keys = OFF')
    store.run("INSERT INTO dependencies VALUES ('a', 'b', 'now')")
    expect(store.all('PRAGMA foreign_key_check')).toHaveLength(2)
    store.driver.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`)
    expect(store.get('PRAGMA user_version')).toEqual({ user_version: SCHEMA_VERSION + 1 })
    store.close()
  })

  test('engine smoke: dependencies, claim, heartbeat, complete, sweep, ready set and events', () => {
    const clock = new FakeClock('2026-03-01T09:00:00.000Z')
    const engine = new Engine(open(join(tempDir(), 'tasks.db')), { clock })
    const a = engine.add({ title: 'design', success_criteria: [{ criterion: 'reviewed' }] })
    const b = engine.add({ title: 'build', depends_on: [a.id], priority: 'high' })
    const c = engine.add({ title: 'ship', depends_on: [a.id, b.id], description: 'ü'.repeat(500) })
    expect([a.status, b.status, c.status]).toEqual(['pending', 'blocked', 'blocked'])
    expect(engine.ready().map((t) => t.id)).toEqual([a.id])
    const grant = engine.claim(a.id, 'agent-1')
    expect(grant.lease.token).toBe(1)
    clock.advance(10 * MINUTE)
    const lease = engine.heartbeat(a.id, 'agent-1', 1)
    expect(Date.parse(lease.expires_at)).toBe(clock.now() + engine.settings.leaseTtlMs)
    engine.complete(a.id, 'agent-1', 1, { summary: 'done', confirm: [1] })
    expect(engine.get(b.id).status).toBe('pending')
    expect(engine.ready().map((t) => t.id)).toEqual([b.id])
    const g2 = engine.claim(b.id, 'agent-2')
    expect(g2.lease.token).toBe(1)
    clock.advance(engine.settings.leaseTtlMs + MINUTE)
    expect(engine.sweep()).toMatchObject([
      { task: b.id, holder: 'agent-2', token: 1, attempts: 1, status: 'pending' },
    ])
    expectTaskError(() => engine.heartbeat(b.id, 'agent-2', 1), 'NoLease')
    const g3 = engine.claim(b.id, 'agent-3')
    expect(g3.lease.token).toBe(2)
    engine.complete(b.id, 'agent-3', 2)
    expect(engine.get(c.id).status).toBe('pending')
    const types = engine.events().map((e) => e.type)
    expect(types.filter((t) => t === 'completed')).toHaveLength(2)
    expect(types).toContain('claimed')
    expect(types).toContain('unblocked')
    expect(engine.store.all('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }])
    engine.store.close()
  })
}
