/**
 * Backups of the task database (src/core/db/backup.ts, src/app/backup.ts,
 * `tm backup`): a copy taken while another process keeps writing opens,
 * passes `PRAGMA integrity_check` and holds a prefix of the writer's work;
 * the server's schedule is read from the environment, refuses bad values by
 * name, runs on its timer and keeps the newest copies.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { backupSchedule, prune, startBackups } from '../../src/app/backup.js'
import { checkEnvironment } from '../../src/app/server.js'
import { backupDatabase } from '../../src/core/db/backup.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { expectTaskError, tempDir } from '../helpers.js'

const LIB = resolve('build/lib/index.mjs')
const TM = resolve('build/tm.cjs')

/** Open `path` read-only: integrity_check rows and the number of tasks. */
function inspect(path: string): { integrity: string[]; tasks: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map(
      (r) => r.integrity_check,
    )
    const tasks = (db.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n
    return { integrity, tasks }
  } finally {
    db.close()
  }
}

/** A process that adds tasks (each with a dependency and events) through the engine until killed. */
function startWriter(db: string): ChildProcess {
  const program = `import { Engine, openStore } from ${JSON.stringify(LIB)}
const engine = new Engine(openStore(${JSON.stringify(db)}))
let previous = null
process.stdout.write('ready\\n')
for (let i = 0; ; i++) {
  const task = engine.add({ title: 'task ' + i, description: 'x'.repeat(2000) })
  if (previous) engine.depend(task.id, previous)
  previous = task.id
}`
  return spawn(process.execPath, ['--input-type=module', '-e', program], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

const silentLog = () => ({ info: vi.fn(), error: vi.fn() })

describe('backupDatabase', () => {
  let writer: ChildProcess | undefined

  afterEach(async () => {
    if (writer && writer.exitCode === null && writer.signalCode === null) {
      const exited = new Promise((done) => writer?.once('exit', done))
      writer.kill('SIGKILL')
      await exited
    }
    writer = undefined
  })

  it('copies the database while another process writes; each copy opens, passes integrity_check and grows', async () => {
    const dir = tempDir('tm-backup-')
    const db = join(dir, 'tasks.db')
    new Engine(openStore(db)).store.close()
    writer = startWriter(db)
    await new Promise<void>((done, fail) => {
      writer?.stdout?.once('data', () => done())
      writer?.once('exit', (code) => fail(new Error(`the writer exited (${code})`)))
    })
    const counts: number[] = []
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 150))
      const info = backupDatabase(db, join(dir, 'copies', `copy-${i}.db`))
      expect(info.bytes).toBeGreaterThan(0)
      const { integrity, tasks } = inspect(info.path)
      expect(integrity).toEqual(['ok'])
      counts.push(tasks)
    }
    expect(writer.exitCode).toBe(null) // it was writing all along
    expect(counts[counts.length - 1]).toBeGreaterThan(counts[0]!)
    expect([...counts].sort((a, b) => a - b)).toEqual(counts)
    // Only finished copies carry a final name: no partial file is left behind.
    expect(readdirSync(join(dir, 'copies')).sort()).toEqual(counts.map((_, i) => `copy-${i}.db`))
    // A copy is a task database the engine opens (the app restores by copying it back).
    const restored = new Engine(openStore(join(dir, 'copies', 'copy-5.db'), { create: false }))
    expect(restored.list({ limit: 1_000_000 }).length).toBe(counts[5])
    restored.store.close()
  }, 30_000)

  it('refuses to write over a file, and a source that is not a task database, leaving nothing', () => {
    const dir = tempDir('tm-backup-')
    const db = join(dir, 'tasks.db')
    new Engine(openStore(db)).store.close()
    writeFileSync(join(dir, 'taken.db'), 'keep me')
    expectTaskError(() => backupDatabase(db, join(dir, 'taken.db')), 'InvalidInput')
    writeFileSync(join(dir, 'notes.txt'), 'not a database at all, just text'.repeat(100))
    expectTaskError(
      () => backupDatabase(join(dir, 'notes.txt'), join(dir, 'out.db')),
      'StorageError',
    )
    expectTaskError(
      () => backupDatabase(join(dir, 'missing.db'), join(dir, 'out.db')),
      'StorageError',
    )
    expect(readdirSync(dir).filter((f) => f.startsWith('out.db'))).toEqual([])
    expect(existsSync(join(dir, 'missing.db'))).toBe(false)
  })
})

describe('tm backup', () => {
  it('writes a checked copy and reports it; a second run to the same file is refused', () => {
    const dir = tempDir('tm-backup-cli-')
    const env = { ...process.env, TM_DB: join(dir, 'tasks.db') }
    spawnSync(process.execPath, [TM, 'init'], { env })
    spawnSync(process.execPath, [TM, 'add', 'Keep me'], { env })
    const out = join(dir, 'backups', 'one.db')
    const r = spawnSync(process.execPath, [TM, '--json', 'backup', out], { env, encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, out, source: join(dir, 'tasks.db') })
    expect(inspect(out)).toEqual({ integrity: ['ok'], tasks: 1 })
    const again = spawnSync(process.execPath, [TM, 'backup', out], { env, encoding: 'utf8' })
    expect(again.status).toBe(2)
    expect(again.stderr).toContain('already exists')
  })
})

describe('backups of the app server (TM_BACKUP_DIR)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('reads the schedule from the environment and names each bad variable', () => {
    expect(backupSchedule({}, '/srv')).toEqual({ schedule: null, problems: [] })
    expect(backupSchedule({ TM_BACKUP_DIR: 'backups' }, '/srv').schedule).toEqual({
      dir: '/srv/backups',
      intervalMs: 3_600_000,
      keep: 24,
    })
    expect(
      backupSchedule({ TM_BACKUP_DIR: '/b', TM_BACKUP_INTERVAL: '15m', TM_BACKUP_KEEP: '7' })
        .schedule,
    ).toEqual({ dir: '/b', intervalMs: 900_000, keep: 7 })
    expect(backupSchedule({ TM_BACKUP_INTERVAL: '1h' }).problems).toEqual([
      'TM_BACKUP_INTERVAL is set but TM_BACKUP_DIR is not: set the folder for the backups',
    ])
    expect(
      backupSchedule({ TM_BACKUP_DIR: '/b', TM_BACKUP_INTERVAL: 'hourly', TM_BACKUP_KEEP: '0' })
        .problems,
    ).toEqual([
      'TM_BACKUP_INTERVAL must be a duration such as 30m, 1h or 1d; got "hourly"',
      'TM_BACKUP_KEEP must be a whole number from 1 to 10000; got "0"',
    ])
    expect(backupSchedule({ TM_BACKUP_DIR: '/b', TM_BACKUP_INTERVAL: '5s' }).problems).toEqual([
      'TM_BACKUP_INTERVAL must be at least 1m; got "5s"',
    ])
    // The server refuses to start on them, like on a missing APP_ID.
    expect(checkEnvironment({ TM_BACKUP_DIR: '/b', TM_BACKUP_KEEP: 'many' })).toContain(
      'TM_BACKUP_KEEP must be a whole number from 1 to 10000; got "many"',
    )
  })

  it('backs up on its timer, keeps the newest copies, and logs a failure without throwing', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const dir = tempDir('tm-backup-timer-')
    const db = join(dir, 'tasks.db')
    const engine = new Engine(openStore(db))
    let now = Date.parse('2026-05-01T12:00:00Z')
    const log = silentLog()
    const backups = startBackups(
      db,
      { dir: join(dir, 'b'), intervalMs: 60_000, keep: 2 },
      log,
      () => now,
    )
    for (let i = 0; i < 3; i++) {
      engine.add({ title: `task ${i}` })
      now += 60_000
      vi.advanceTimersByTime(60_000)
    }
    expect(readdirSync(join(dir, 'b')).sort()).toEqual([
      'tasks-2026-05-01T12-02-00-000Z.db',
      'tasks-2026-05-01T12-03-00-000Z.db',
    ])
    expect(inspect(join(dir, 'b', 'tasks-2026-05-01T12-03-00-000Z.db')).tasks).toBe(3)
    expect(log.info).toHaveBeenCalledTimes(3)
    expect(log.error).not.toHaveBeenCalled()

    // The database disappears (disk lost): logged, retried next time, the server lives on.
    engine.store.close()
    const broken = startBackups(
      join(dir, 'gone', 'tasks.db'),
      { dir: join(dir, 'b'), intervalMs: 60_000, keep: 2 },
      log,
      () => now,
    )
    expect(broken.runOnce()).toBe(null)
    expect(log.error).toHaveBeenCalledTimes(1)
    expect(String(log.error.mock.calls[0]?.[1])).toContain('the backup of')
    backups.stop()
    broken.stop()
    vi.advanceTimersByTime(600_000)
    expect(log.info).toHaveBeenCalledTimes(3)
  })

  it('prunes only files named as its own copies', () => {
    const dir = tempDir('tm-backup-prune-')
    for (const name of [
      'tasks-2026-01-01T00-00-00-000Z.db',
      'tasks-2026-01-02T00-00-00-000Z.db',
      'tasks-2026-01-03T00-00-00-000Z.db',
      'tasks.db',
      'my-own-copy.db',
    ])
      writeFileSync(join(dir, name), '')
    expect(prune(dir, 1)).toEqual([
      'tasks-2026-01-01T00-00-00-000Z.db',
      'tasks-2026-01-02T00-00-00-000Z.db',
    ])
    expect(readdirSync(dir).sort()).toEqual([
      'my-own-copy.db',
      'tasks-2026-01-03T00-00-00-000Z.db',
      'tasks.db',
    ])
  })
})
