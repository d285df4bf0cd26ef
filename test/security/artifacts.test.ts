/**
 * Hostile state artifacts (issue 14, "State artifacts are trusted too far").
 * The Actions-hosted mode carries its SQLite state between workflow runs as
 * an artifact; whoever can upload an artifact of that name can hand a run a
 * database of their making. Two holes are closed here:
 *
 * * a database whose schema objects are not exactly the ones our migrations
 *   create at its schema version (a planted trigger, a view, an extra table, a
 *   dropped index, a table whose definition was changed) is refused before
 *   any of its SQL can run, and the run falls back as for a damaged artifact;
 * * an artifact whose origin cannot be established (no workflow run, no head
 *   repository, or a head repository other than this one) is never used.
 *
 * The file-level tests run on the driver `TM_TEST_DRIVER` names and are rerun
 * under Node 24 with node:sqlite, the Action's driver (last test); the runs
 * against the fake repository use better-sqlite3 on the tests' Node 20.
 */
import { createHash } from 'node:crypto'
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { githubArtifactStore } from '../../src/action/orchestrator/artifacts.js'
import {
  inspectStateFile,
  openStateFile,
  StateFileError,
  writeSnapshot,
} from '../../src/action/orchestrator/state-file.js'
import { FakeClock } from '../../src/core/clock.js'
import { migrate, openStore } from '../../src/core/db/open.js'
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/core/db/schema.js'
import { Store } from '../../src/core/db/store.js'
import { Engine } from '../../src/core/engine.js'
import type {
  FakeArtifact,
  FakeRepository,
} from '../action/orchestrator/support/fake-repository.js'
import { say as sayOn, useFakeRepository } from '../action/orchestrator/support/harness.js'
import { openedPayload } from '../action/orchestrator/support/payloads.js'
import { runOnce, STATE_NAME } from '../action/orchestrator/support/runs.js'
import { DRIVER_ENV, driverUnderTest } from '../core/store-contract/driver-under-test.js'
import { runUnderNode24 } from '../core/store-contract/node24.js'
import { expectTaskError, tempDir } from '../helpers.js'

const d = driverUnderTest()
const made: string[] = []
/** A temporary folder, removed after the file's tests. */
const temp = () => {
  const dir = tempDir('tm-artifacts-')
  made.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})
const suite: string[] = []
const test = (title: string, fn: () => unknown) => {
  suite.push(title)
  it(title, fn)
}

/** The exact attack of issue 14: every heartbeat hands the lease to mallory. */
const HIJACK = `CREATE TRIGGER heartbeat_hijack AFTER UPDATE OF lease_expires_at ON tasks
  WHEN NEW.lease_holder IS NOT NULL AND NEW.lease_holder <> 'mallory'
  BEGIN UPDATE tasks SET lease_holder = 'mallory', assignee = 'mallory' WHERE id = NEW.id; END`

/** A checked snapshot (generation 1) of a board of three tasks, one claimed by ada. */
function snapshot(dir = temp()): string {
  const engine = new Engine(openStore(join(dir, 'work.db'), { driver: d.open }), {
    clock: new FakeClock('2026-03-01T09:00:00.000Z'),
  })
  const first = engine.add({ title: 'first' })
  engine.add({ title: 'second', depends_on: [first.id] })
  engine.add({ title: 'third' })
  engine.claim(first.id, 'ada')
  const info = writeSnapshot(engine.store, join(dir, 'state.db'), 1, { driver: d.open })
  engine.store.close()
  return info.path
}

/** A state file at schema version `version`, as a run of that release would have written it. */
function stateAt(version: number, dir = temp()): string {
  const store = new Store(d.open(join(dir, 'old.db'), {}))
  migrate(store, MIGRATIONS.slice(0, version))
  store.run("INSERT INTO settings (key, value) VALUES ('state.generation', '3')")
  store.run(`VACUUM INTO '${join(dir, 'state.db')}'`)
  store.close()
  return join(dir, 'state.db')
}

/** Open `path` with the driver under test, run `sql`, close. */
function edit(path: string, sql: string): void {
  const db = d.open(path, {})
  db.exec(sql)
  db.close()
}

/**
 * Run `sql` on `path` with SQLite's defensive mode off, as an attacker's own
 * copy of SQLite would: `PRAGMA writable_schema` then edits `sqlite_schema`.
 */
function editSchemaText(path: string, sql: string): void {
  if (d.name === 'better-sqlite3') {
    const db = new Database(path)
    db.unsafeMode(true)
    db.exec(sql)
    db.close()
    return
  }
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule
  const { DatabaseSync } = get!.call(process, 'node:sqlite') as {
    DatabaseSync: new (p: string, o: object) => { exec(s: string): void; close(): void }
  }
  const db = new DatabaseSync(path, { defensive: false })
  db.exec(sql)
  db.close()
}

const inspect = (path: string) => inspectStateFile(path, { driver: d.open })

function refusedSchema(path: string): StateFileError {
  const err = expectTaskError(() => inspect(path), 'StorageError')
  expect(err).toBeInstanceOf(StateFileError)
  expect((err as StateFileError).reason).toBe('untrusted-schema')
  expect(err.message).toMatch(/none of its SQL was run.*falls back to the last good state/s)
  return err as StateFileError
}

describe(`a state file with schema objects of its own, on ${d.name} (Node ${process.versions.node})`, () => {
  test('a planted trigger is refused, named, and never fires (not even when the copy is opened)', () => {
    const path = snapshot()
    edit(path, HIJACK)
    const err = refusedSchema(path)
    expect(err.message).toMatch(/trigger `heartbeat_hijack` on `tasks`/)
    expect(err.details.objects).toEqual([
      { problem: 'unexpected', type: 'trigger', name: 'heartbeat_hijack', table: 'tasks' },
    ])
    // The state file was not changed by the check: the holder is still ada.
    const db = new Store(d.open(path, { readonly: true }))
    expect(db.all('SELECT lease_holder FROM tasks WHERE lease_holder IS NOT NULL')).toEqual([
      { lease_holder: 'ada' },
    ])
    db.close()
  })

  test('a view, an extra table, a virtual table, an extra or dropped index, each refused by name', () => {
    const cases: [string, RegExp][] = [
      [
        "CREATE VIEW open_tasks AS SELECT * FROM tasks WHERE status = 'pending'",
        /view `open_tasks`/,
      ],
      ['CREATE TABLE loot (x TEXT)', /table `loot`/],
      ['CREATE VIRTUAL TABLE probe USING dbstat', /table `probe`/],
      ['CREATE INDEX tasks_by_title ON tasks (title)', /index `tasks_by_title` on `tasks`/],
      ['DROP INDEX tasks_leases', /lacks the index `tasks_leases` on `tasks`/],
    ]
    for (const [sql, message] of cases) {
      const path = snapshot()
      edit(path, sql)
      expect(refusedSchema(path).message, sql).toMatch(message)
    }
  })

  test('a table whose definition was changed is refused: a column added, a CHECK constraint removed', () => {
    const added = snapshot()
    edit(added, 'ALTER TABLE gh_permissions ADD COLUMN granted_by TEXT')
    expect(refusedSchema(added).message).toMatch(/table `gh_permissions` .*differs/)
    // The attacker's way: rewrite the table's SQL in place, keeping every row.
    const check = "CHECK ((status IN ('in_progress','waiting')) = (lease_holder IS NOT NULL))"
    const loosened = snapshot()
    const probe = new Store(d.open(loosened, { readonly: true }))
    expect(
      probe.get<{ sql: string }>("SELECT sql FROM sqlite_schema WHERE name = 'tasks'")!.sql,
    ).toContain(check)
    probe.close()
    editSchemaText(
      loosened,
      `PRAGMA writable_schema = ON;
       UPDATE sqlite_schema SET sql = replace(sql, ${sqlText(check)}, 'CHECK (1)') WHERE name = 'tasks';`,
    )
    const err = refusedSchema(loosened)
    expect(err.message).toMatch(/table `tasks` .*differs/)
    expect(err.details.objects).toEqual([
      { problem: 'altered', type: 'table', name: 'tasks', table: 'tasks' },
    ])
  })

  test('an object of ours with another body is refused: a metrics trigger of schema 5 rewritten', () => {
    const path = stateAt(5)
    expect(inspect(path).schemaVersion).toBe(5) // schema 5 has triggers of its own
    edit(
      path,
      `DROP TRIGGER metrics_claimed;
       CREATE TRIGGER metrics_claimed AFTER INSERT ON events
       BEGIN UPDATE tasks SET lease_holder = 'mallory' WHERE id = NEW.task_id AND lease_holder IS NOT NULL; END`,
    )
    expect(refusedSchema(path).message).toMatch(/trigger `metrics_claimed` on `events` .*differs/)
    // Refused before openStateFile could migrate it (migration 6 would run on it).
    expect(() => openStateFile(path, join(temp(), 'work.db'), { driver: d.open })).toThrow(
      /metrics_claimed/,
    )
  })

  test('a good state is accepted at every schema version, and after migrating run by run', () => {
    for (let v = 1; v <= SCHEMA_VERSION; v++) {
      expect(inspect(stateAt(v)).schemaVersion).toBe(v)
    }
    expect(inspect(snapshot()).tasks).toBe(3)
    // A state that lived through every release: migrated one version per run.
    let path = stateAt(1)
    for (let v = 2; v <= SCHEMA_VERSION; v++) {
      const dir = temp()
      copyFileSync(path, join(dir, 'copy.db'))
      const copy = new Store(d.open(join(dir, 'copy.db'), {}))
      migrate(copy, MIGRATIONS.slice(0, v))
      copy.run(`VACUUM INTO '${join(dir, 'state.db')}'`)
      copy.close()
      path = join(dir, 'state.db')
      expect(inspect(path).schemaVersion).toBe(v)
    }
  })
})

/** `text` as an SQL string literal. */
function sqlText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

if (!process.env[DRIVER_ENV]) {
  describe('hostile artifacts in a run (fake repository, real artifact client)', () => {
    let fake: FakeRepository
    let clock: FakeClock
    useFakeRepository((f, c) => {
      fake = f
      clock = c
    })
    const say = (number: number, body: string, login = 'ada') =>
      sayOn(fake, clock, number, body, login)

    /** Holder of each task in `bytes` (a state file). */
    function holders(bytes: Buffer): (string | null)[] {
      const file = join(temp(), STATE_NAME)
      writeFileSync(file, bytes)
      const engine = new Engine(openStore(file))
      try {
        return engine.list().map((t) => t.lease?.holder ?? null)
      } finally {
        engine.store.close()
      }
    }

    /** Upload, as someone else, a copy of `good` changed by `change`, newer than every artifact. */
    function plant(
      good: FakeArtifact,
      id: number,
      change: ((file: string) => void) | null,
      extra: Partial<FakeArtifact> = {},
    ): FakeArtifact {
      const file = join(temp(), STATE_NAME)
      writeFileSync(file, good.bytes)
      change?.(file)
      const bytes = readFileSync(file)
      const a: FakeArtifact = {
        ...good,
        id,
        bytes,
        digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
        created_at: `2030-01-0${id % 10}T00:00:00Z`,
        ...extra,
      }
      fake.artifacts.push(a)
      return a
    }

    it('a trigger planted to steal leases is refused and never fires; the run falls back to the last good state', async () => {
      fake.openIssue({ number: 1 })
      await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
      await runOnce(fake, clock, 'issue_comment', say(1, '/claim', 'ada'))
      const good = fake.artifacts.at(-1)!
      expect(holders(good.bytes)).toEqual(['ada'])
      plant(good, 99_001, (file) => {
        const db = new Database(file)
        db.exec(HIJACK)
        db.close()
      })
      const report = await runOnce(fake, clock, 'issue_comment', say(1, '/heartbeat', 'ada'))
      expect(report.errors).toEqual([])
      expect(report.rebuilt).toBeNull()
      expect(report.source.artifact?.id).toBe(good.id)
      expect(report.source.rejected).toEqual([
        {
          id: 99_001,
          created_at: '2030-01-01T00:00:00Z',
          reason: expect.stringMatching(/trigger `heartbeat_hijack` on `tasks`/),
        },
      ])
      const saved = fake.artifacts.at(-1)!
      expect(saved.id).not.toBe(99_001)
      expect(holders(saved.bytes)).toEqual(['ada'])
      expect(fake.issues.get(1)!.assignees).toEqual(['ada'])
    }, 60_000)

    it('an artifact whose run or head repository is not named, or is a fork, is never used', async () => {
      fake.openIssue({ number: 1 })
      await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
      const good = fake.artifacts.at(-1)!
      // Each holds a lease for mallory that no command ever granted.
      const forged = (file: string) => {
        const db = new Database(file)
        db.exec(
          `UPDATE tasks SET status = 'in_progress', lease_holder = 'mallory', lease_token = 1,
             fencing_seq = 1, lease_acquired_at = '2026-03-01T09:00:00.000Z',
             lease_heartbeat_at = '2026-03-01T09:00:00.000Z',
             lease_expires_at = '2030-01-01T00:00:00.000Z', assignee = 'mallory'`,
        )
        db.close()
      }
      plant(good, 99_001, forged, { head_repository_id: null })
      plant(good, 99_002, forged, { no_workflow_run: true })
      plant(good, 99_003, forged, { head_repository_id: 4242 })
      const report = await runOnce(fake, clock, 'schedule', {})
      expect(report.errors).toEqual([])
      expect(report.source.artifact?.id).toBe(good.id)
      expect(report.source.rejected.map((r) => [r.id, r.reason])).toEqual([
        [99_003, expect.stringMatching(/uploaded by a run of repository 4242, not this one/)],
        [99_002, expect.stringMatching(/names no workflow run/)],
        [99_001, expect.stringMatching(/names no head repository/)],
      ])
      expect(holders(fake.artifacts.at(-1)!.bytes)).toEqual([null])
    }, 60_000)

    it('an artifact of unknown origin uploaded during a run is not taken for a newer state', async () => {
      fake.openIssue({ number: 1 })
      await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
      const good = fake.artifacts.at(-1)!
      const report = await runOnce(fake, clock, 'issue_comment', say(1, '/claim', 'ada'), {
        beforeCheck: async () => {
          plant(good, 99_001, null, { head_repository_id: null })
        },
      })
      expect(report.errors).toEqual([])
      expect(report.reapplied).toBe(0)
      expect(holders(fake.artifacts.at(-1)!.bytes)).toEqual(['ada'])
    }, 60_000)

    it('a run that does not know its repository id refuses to list any state', () => {
      for (const id of [0, -1, Number.NaN, undefined]) {
        expect(() =>
          githubArtifactStore(
            {} as never,
            { owner: 'o', repo: 'r', id: id as number },
            't',
            'https://github.com',
          ),
        ).toThrow(/id of o\/r is unknown.*origin of its state artifacts cannot be checked/)
      }
    })
  })

  it('passes the same file-level tests under Node 24 with node:sqlite', async () => {
    const run = await runUnderNode24('test/security/artifacts.test.ts')
    expect(run.node).toMatch(/^v24\./)
    const failed = run.tests.filter((t) => t.status !== 'passed')
    expect(
      failed.map((t) => `${t.fullName}: ${t.failureMessages.join('\n')}`),
      run.output,
    ).toEqual([])
    expect(run.tests.map((t) => t.title).sort()).toEqual([...suite].sort())
    expect(run.tests[0]?.fullName).toContain('on node:sqlite (Node 24.')
  }, 300_000)
}
