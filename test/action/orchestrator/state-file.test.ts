/**
 * The state file checks and writes (src/action/orchestrator/state-file.ts)
 * on real files made by the engine, damaged in the ways downloads and disks
 * damage them. Runs on the driver `TM_TEST_DRIVER` names (default
 * better-sqlite3 on Node 20); its last test reruns the whole file under
 * Node 24 with node:sqlite, the Action's driver (test/core/store-contract/node24.ts).
 */
import { createHash } from 'node:crypto'
import {
  closeSync,
  copyFileSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  inspectStateFile,
  openStateFile,
  readGeneration,
  SNAPSHOT_PAGE_SIZE,
  StateFileError,
  type StateFileProblem,
  writeSnapshot,
} from '../../../src/action/orchestrator/state-file.js'
import { FakeClock } from '../../../src/core/clock.js'
import { migrate, openStore } from '../../../src/core/db/open.js'
import { MIGRATIONS, SCHEMA_VERSION } from '../../../src/core/db/schema.js'
import { Store } from '../../../src/core/db/store.js'
import { Engine } from '../../../src/core/engine.js'
import { DRIVER_ENV, driverUnderTest } from '../../core/store-contract/driver-under-test.js'
import { runUnderNode24 } from '../../core/store-contract/node24.js'
import { expectTaskError, tempDir } from '../../helpers.js'

const d = driverUnderTest()
const suite: string[] = []
const test = (title: string, fn: () => unknown) => {
  suite.push(title)
  it(title, fn)
}

/** A working database with `n` tasks in a chain, some claimed and completed. */
function working(dir: string, n = 40) {
  const clock = new FakeClock('2026-03-01T09:00:00.000Z')
  const engine = new Engine(openStore(join(dir, 'work.db'), { driver: d.open }), { clock })
  let previous: string | undefined
  for (let i = 0; i < n; i++) {
    const t = engine.add({
      title: `task number ${i}`,
      description: `Do part ${i} of the work.`,
      ...(previous && i % 3 ? { depends_on: [previous] } : {}),
    })
    if (t.status === 'pending' && i % 2 === 0) {
      const g = engine.claim(t.id, `agent-${i % 4}`)
      engine.complete(t.id, `agent-${i % 4}`, g.lease.token, { summary: `finished ${i}` })
    }
    previous = t.id
  }
  return { engine, store: engine.store, clock }
}

/** A checked snapshot of a fresh working database, at generation 1. */
function snapshot(dir = tempDir(), n = 40) {
  const { store } = working(dir, n)
  const info = writeSnapshot(store, join(dir, 'state.db'), 1, { driver: d.open })
  store.close()
  return info
}

function refused(fn: () => unknown, reason: StateFileProblem): StateFileError {
  const err = expectTaskError(fn, 'StorageError')
  expect(err).toBeInstanceOf(StateFileError)
  expect([(err as StateFileError).reason, err.details.reason]).toEqual([reason, reason])
  return err as StateFileError
}

const inspect = (path: string, expectedSha256?: string) =>
  inspectStateFile(path, { driver: d.open, ...(expectedSha256 ? { expectedSha256 } : {}) })

function patch(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+')
  writeSync(fd, bytes, 0, bytes.length, offset)
  closeSync(fd)
}

/** Open a file with the driver under test, run `sql`, close (changes the file). */
function edit(path: string, sql: string): void {
  const db = d.open(path, {})
  db.exec(sql)
  db.close()
}

describe(`the state file on ${d.name} (Node ${process.versions.node})`, () => {
  test('a good snapshot passes every check and says what it holds', () => {
    const info = snapshot()
    const bytes = readFileSync(info.path)
    const hex = createHash('sha256').update(bytes).digest('hex')
    expect(info).toEqual({
      path: info.path,
      bytes: bytes.length,
      sha256: hex,
      schemaVersion: SCHEMA_VERSION,
      generation: 1,
      tasks: 40,
    })
    for (const digest of [`sha256:${hex}`, hex, `SHA256:${hex.toUpperCase()}`]) {
      expect(inspect(info.path, digest)).toEqual(info)
    }
    expectTaskError(() => inspect(info.path, 'md5:abc'), 'InvalidInput')
  })

  test('inspection changes nothing, not even beside the file, also for a WAL-mode file', () => {
    const info = snapshot()
    const wal = join(tempDir(), 'wal-mode.db')
    copyFileSync(info.path, wal)
    edit(wal, 'PRAGMA journal_mode = WAL')
    expect(readFileSync(wal)[18]).toBe(2)
    for (const path of [info.path, wal]) {
      const dir = join(path, '..')
      const before = { files: readdirSync(dir).sort(), stat: statSync(path) }
      const sha = createHash('sha256').update(readFileSync(path)).digest('hex')
      expect(inspect(path)).toMatchObject({ sha256: sha, generation: 1, tasks: 40 })
      expect(readdirSync(dir).sort()).toEqual(before.files)
      expect(statSync(path).mtimeMs).toBe(before.stat.mtimeMs)
      expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(sha)
    }
  })

  test('a wrong digest is refused first', () => {
    const info = snapshot()
    const err = refused(() => inspect(info.path, `sha256:${'0'.repeat(64)}`), 'digest')
    expect(err.message).toMatch(/does not match its digest.*falls back to the last good state/)
    writeFileSync(info.path, 'not even a database')
    refused(() => inspect(info.path, info.sha256!), 'digest')
  })

  test('a truncated file is refused wherever it is cut', () => {
    const info = snapshot()
    const page = readFileSync(info.path).readUInt16BE(16)
    const cuts: [number, StateFileProblem][] = [
      [0, 'not-a-database'],
      [10, 'truncated'],
      [99, 'truncated'],
      [100, 'truncated'],
      [page, 'truncated'],
      [2 * page + 17, 'truncated'],
      [info.bytes - page, 'truncated'],
      [info.bytes - 1, 'truncated'],
    ]
    for (const [at, reason] of cuts) {
      const cut = join(tempDir(), 'cut.db')
      copyFileSync(info.path, cut)
      truncateSync(cut, at)
      refused(() => inspect(cut), reason)
      refused(() => inspect(cut, info.sha256!), 'digest')
    }
  })

  test('flipped bytes in b-tree pages are caught by integrity_check (and quick_check)', () => {
    const info = snapshot()
    const page = readFileSync(info.path).readUInt16BE(16)
    const db = new Store(d.open(info.path, { readonly: true }))
    const pageOf = (name: string) =>
      db.get<{ p: number }>(
        "SELECT max(pageno) AS p FROM dbstat WHERE name = ? AND pagetype = 'leaf'",
        [name],
      )!.p
    const index = pageOf('events_task')
    const table = db.get<{ p: number }>(
      "SELECT rootpage AS p FROM sqlite_schema WHERE name = 'tasks'",
    )!.p
    db.close()
    const flips: [string, number, Buffer][] = [
      ['index entries', index * page - 24, Buffer.alloc(16, 0x5a)],
      ['table page header', (table - 1) * page, Buffer.from([0x07, 0xff, 0xff])],
      ['schema page', 100, Buffer.from([0x00, 0x42, 0x42, 0x42])],
    ]
    for (const [what, offset, bytes] of flips) {
      const bad = join(tempDir(), 'flipped.db')
      copyFileSync(info.path, bad)
      patch(bad, offset, bytes)
      const err = refused(() => inspect(bad), 'integrity')
      expect(err.message, what).toMatch(/damaged|malformed/)
      refused(() => inspect(bad, info.sha256!), 'digest')
      refused(() => inspectStateFile(bad, { driver: d.open, check: 'quick' }), 'integrity')
    }
  })

  test('a changed title passes integrity_check (no content checksums); the digest catches it', () => {
    const info = snapshot()
    const at = readFileSync(info.path).indexOf('task number 17')
    expect(at).toBeGreaterThan(0)
    const bad = join(tempDir(), 'edited.db')
    copyFileSync(info.path, bad)
    patch(bad, at, Buffer.from('T'))
    expect(inspect(bad).tasks).toBe(40)
    refused(() => inspect(bad, info.sha256!), 'digest')
  })

  test('a file that is not a Task Orchestrator database is refused', () => {
    const dir = tempDir()
    const text = join(dir, 'text.db')
    writeFileSync(text, 'SQLite is great, but this is text.\n'.repeat(300))
    refused(() => inspect(text), 'not-a-database')
    const noise = join(dir, 'noise.db')
    writeFileSync(
      noise,
      Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) & 0xff)),
    )
    refused(() => inspect(noise), 'not-a-database')
    const other = join(dir, 'other.db')
    edit(other, 'CREATE TABLE photos (id INTEGER PRIMARY KEY, url TEXT)')
    expect(refused(() => inspect(other), 'schema').message).toMatch(/not a Task Orchestrator state/)
    refused(() => inspect(join(dir, 'absent.db')), 'missing')
  })

  test('a newer schema is refused with advice to upgrade the Action', () => {
    const info = snapshot()
    edit(info.path, `PRAGMA user_version = ${SCHEMA_VERSION + 1}`)
    const err = refused(() => inspect(info.path), 'schema')
    expect(err.message).toMatch(/newer Task Orchestrator.*Upgrade the orchestrator Action/)
    expect(err.details).toMatchObject({ version: SCHEMA_VERSION + 1, supported: SCHEMA_VERSION })
  })

  test('a missing, negative or malformed generation is refused', () => {
    const cases: [string, RegExp][] = [
      ["DELETE FROM settings WHERE key = 'state.generation'", /has no generation/],
      ["UPDATE settings SET value = '-1' WHERE key = 'state.generation'", /invalid generation/],
      ["UPDATE settings SET value = '1.5' WHERE key = 'state.generation'", /invalid generation/],
      ["UPDATE settings SET value = 'two' WHERE key = 'state.generation'", /invalid generation/],
    ]
    for (const [sql, message] of cases) {
      const info = snapshot(tempDir(), 3)
      edit(info.path, sql)
      expect(refused(() => inspect(info.path), 'generation').message).toMatch(message)
    }
  })

  test('references to missing rows are refused', () => {
    const info = snapshot(tempDir(), 3)
    edit(
      info.path,
      "PRAGMA foreign_keys = OFF; INSERT INTO dependencies VALUES ('nope', 'gone', 'x')",
    )
    refused(() => inspect(info.path), 'foreign-keys')
  })

  test('a live database with a write-ahead log beside it is not a snapshot', () => {
    const { store } = working(tempDir(), 5)
    expect(statSync(`${store.driver.path}-wal`).size).toBeGreaterThan(0)
    refused(() => inspect(store.driver.path), 'not-a-snapshot')
    store.close()
  })

  test('writeSnapshot copies the committed state into one file and records the generation', () => {
    const dir = tempDir()
    const { engine, store } = working(dir, 30)
    const out = writeSnapshot(store, join(dir, 'out', 'state.db'), 5, { driver: d.open })
    expect(out).toMatchObject({ generation: 5, tasks: 30, schemaVersion: SCHEMA_VERSION })
    expect(readGeneration(store)).toBe(5)
    const header = readFileSync(out.path)
    expect([...header.subarray(18, 20)]).toEqual([1, 1]) // rollback journal: one file
    expect(header.readUInt16BE(16)).toBe(SNAPSHOT_PAGE_SIZE)
    // The working connection keeps its own settings.
    expect(store.get('PRAGMA page_size')).toEqual({ page_size: 4096 })
    expect(store.get('PRAGMA mmap_size')).toEqual({ mmap_size: 0 })
    expect(readdirSync(join(dir, 'out'))).toEqual(['state.db'])
    const copy = openStateFile(out.path, join(dir, 'copy', 'work.db'), { driver: d.open })
    const again = new Engine(copy)
    expect(again.list().map((t) => [t.id, t.status])).toEqual(
      engine.list().map((t) => [t.id, t.status]),
    )
    expect(again.events().length).toBe(engine.events().length)
    copy.close()
    store.close()
  })

  test('writeSnapshot refuses an existing file, a lower or malformed generation, changing nothing', () => {
    const dir = tempDir()
    const { store } = working(dir, 3)
    writeSnapshot(store, join(dir, 'g4.db'), 4, { driver: d.open })
    const taken = join(dir, 'taken.db')
    writeFileSync(taken, 'keep me')
    refused(() => writeSnapshot(store, taken, 5), 'exists')
    expect(readFileSync(taken, 'utf8')).toBe('keep me')
    refused(() => writeSnapshot(store, join(dir, 'g3.db'), 3), 'generation')
    for (const bad of [-1, 1.5, Number.NaN]) {
      expectTaskError(() => writeSnapshot(store, join(dir, 'bad.db'), bad), 'InvalidInput')
    }
    expect(readGeneration(store)).toBe(4)
    expect(readdirSync(dir).filter((f) => /^(g3|bad)/.test(f))).toEqual([])
    expect(writeSnapshot(store, join(dir, 'g4-again.db'), 4).generation).toBe(4)
    store.close()
  })

  test('openStateFile migrates a copy of an older state and leaves the download as it was', () => {
    const dir = tempDir()
    const old = new Store(d.open(join(dir, 'old.db'), {}))
    migrate(old, MIGRATIONS.slice(0, SCHEMA_VERSION - 1))
    old.run("INSERT INTO settings (key, value) VALUES ('state.generation', '7')")
    old.run(`VACUUM INTO '${join(dir, 'state.db')}'`)
    old.close()
    const before = inspect(join(dir, 'state.db'))
    expect(before).toMatchObject({ schemaVersion: SCHEMA_VERSION - 1, generation: 7 })
    const store = openStateFile(before.path, join(dir, 'work', 'work.db'), { driver: d.open })
    expect(store.get('PRAGMA user_version')).toEqual({ user_version: SCHEMA_VERSION })
    expect(readGeneration(store)).toBe(7)
    expect(inspect(before.path)).toEqual(before)
    refused(
      () => openStateFile(before.path, join(dir, 'work', 'work.db'), { driver: d.open }),
      'exists',
    )
    store.close()
    writeFileSync(join(dir, 'other-wal'), 'stale')
    refused(() => openStateFile(before.path, join(dir, 'other'), { driver: d.open }), 'exists')
  })

  test('a run: inspect → open → work → writeSnapshot(generation + 1), twice', () => {
    const dir = tempDir()
    let state = snapshot(join(dir, 'first'), 4).path
    for (let run = 1; run <= 2; run++) {
      const info = inspect(state, createHash('sha256').update(readFileSync(state)).digest('hex'))
      const store = openStateFile(state, join(dir, `run${run}`, 'work.db'), { driver: d.open })
      const engine = new Engine(store, { clock: new FakeClock('2026-03-02T09:00:00.000Z') })
      engine.add({ title: `added by run ${run}` })
      const out = writeSnapshot(store, join(dir, `run${run}`, 'state.db'), info.generation + 1)
      store.close()
      expect(out).toMatchObject({ generation: run + 1, tasks: 4 + run })
      state = out.path
    }
    const last = openStateFile(state, join(dir, 'check', 'work.db'), { driver: d.open })
    expect(new Engine(last).list().map((t) => t.title)).toContain('added by run 2')
    last.close()
  })
})

if (!process.env[DRIVER_ENV]) {
  it('passes the same tests under Node 24 with node:sqlite', async () => {
    const run = await runUnderNode24('test/action/orchestrator/state-file.test.ts')
    expect(run.node).toMatch(/^v24\./)
    const failed = run.tests.filter((t) => t.status !== 'passed')
    expect(
      failed.map((t) => `${t.fullName}: ${t.failureMessages.join('\n')}`),
      run.output,
    ).toEqual([])
    expect(run.tests.map((t) => t.title).sort()).toEqual([...suite].sort())
    expect(run.tests[0]?.fullName).toContain('the state file on node:sqlite (Node 24.')
  }, 300_000)
}
