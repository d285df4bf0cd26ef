/**
 * Messages at the trust boundary (issue 14, "Messages"): what `tm`, the
 * engine and the app say when the storage fails, input is over a limit, a
 * lease setting is out of range, stored text carries terminal escapes, or a
 * fencing token was never issued. `tm` runs as a user runs it: the built
 * binary (`npm run build`) in a separate process.
 */
import { type SpawnSyncOptions, spawnSync } from 'node:child_process'
import { chmodSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { parseConfig } from '../../src/github/config.js'
import { readMarkers } from '../../src/github/replies.js'
import { comment, makeApp, R, seedTask } from '../app/helpers.js'
import { expectTaskError, makeEngine, tempDir } from '../helpers.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { receive } from '../support/github/webhooks.js'

const TM = resolve('build/tm.cjs')
let dir: string

function tm(args: string[], extra: SpawnSyncOptions = {}) {
  const r = spawnSync(process.execPath, [TM, ...args], {
    cwd: dir,
    env: { ...process.env, TM_DB: '', TM_AGENT: '' },
    encoding: 'utf8',
    ...extra,
  })
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) }
}

function json(args: string[], extra: SpawnSyncOptions = {}) {
  const r = tm(['--json', ...args], extra)
  return { code: r.code, out: JSON.parse(r.stdout), stderr: r.stderr }
}

beforeEach(() => {
  dir = tempDir('tm-messages-')
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** A stack trace line (`    at f (file:1:2)`), which a user should never see. */
const STACK = /\n\s+at .+:\d+:\d+/

describe('storage failures are StorageError (exit 6), never an internal error', () => {
  it('a read-only database file: the cause, the path, exit 6, in text and --json', () => {
    expect(tm(['init']).code).toBe(0)
    expect(tm(['add', 'Existing task']).code).toBe(0)
    const db = join(dir, '.task-orchestrator', 'tasks.db')
    // A real read-only file (chmod 444). root ignores file modes, so as root
    // tm runs as `nobody`, for whom the root-owned file is read-only too; the
    // folder stays writable so SQLite can open the file and fail on the write.
    chmodSync(db, 0o444)
    const asUser: SpawnSyncOptions = {}
    if (process.getuid?.() === 0) {
      chmodSync(dir, 0o755)
      chmodSync(join(dir, '.task-orchestrator'), 0o777)
      Object.assign(asUser, { uid: 65534, gid: 65534 })
    }
    const text = tm(['add', 'New task'], asUser)
    expect(text.code).toBe(6)
    expect(text.stderr).toContain(`The database file is read-only: ${db} (SQLITE_READONLY)`)
    expect(text.stderr).not.toContain('internal error')
    expect(text.stderr).not.toMatch(STACK)

    const out = json(['add', 'New task'], asUser)
    expect(out.code).toBe(6)
    expect(out.out).toEqual({
      ok: false,
      error: {
        code: 'StorageError',
        message: expect.stringContaining(`The database file is read-only: ${db} (SQLITE_READONLY)`),
        details: { sqlite: 'SQLITE_READONLY', path: db },
      },
    })
    expect(out.out.error.message).not.toMatch(STACK)
    // Reading still works, and nothing was written.
    const list = json(['list'], asUser)
    expect(list.code).toBe(0)
    expect(list.out.tasks.map((t: { title: string }) => t.title)).toEqual(['Existing task'])
  })

  it('a full disk (PRAGMA max_page_count on a real database file): StorageError, nothing half-applied', () => {
    const path = join(dir, 'tasks.db')
    const engine = new Engine(openStore(path), { clock: new FakeClock('2026-03-01T09:00:00Z') })
    try {
      engine.add({ title: 'Fits' })
      const pages = Number(
        engine.store.get<{ page_count: number }>('PRAGMA page_count')?.page_count,
      )
      // The file may not grow by a single page from now on: SQLite answers
      // SQLITE_FULL exactly as when the disk is full.
      engine.store.driver.exec(`PRAGMA max_page_count = ${pages}`)
      const err = expectTaskError(
        () =>
          engine.add({
            title: 'Does not fit',
            description: 'x'.repeat(60_000),
            success_criteria: [{ criterion: 'c' }],
          }),
        'StorageError',
      )
      expect(err.message).toContain('the disk is full (SQLITE_FULL)')
      expect(err.details).toMatchObject({ sqlite: 'SQLITE_FULL', path })
      expect(engine.list({}).map((t) => t.title)).toEqual(['Fits'])
    } finally {
      engine.store.close()
    }
  })
})

describe('"Invalid input" names the limit', () => {
  it('an over-long title: the field, the limit and the length', () => {
    expect(tm(['init']).code).toBe(0)
    const r = tm(['add', 'a'.repeat(301)])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('title: at most 300 characters (got 301)')
  })

  it('an over-long expression: "success criterion 1 expression", not a zod path', () => {
    expect(tm(['init']).code).toBe(0)
    const out = json(['add', 'T', '-c', 'Fine', '-c', `Fast \`${'1'.repeat(2001)} > 0\``])
    expect(out.code).toBe(2)
    expect(out.out.error.code).toBe('InvalidInput')
    expect(out.out.error.message).toContain(
      'success criterion 2 expression: at most 2000 characters (got 2005)',
    )
    expect(out.out.error.message).not.toContain('success_criteria.')
  })

  it('the engine says it the same way to every front door', () => {
    const { engine } = makeEngine()
    const err = expectTaskError(
      () =>
        engine.add({
          title: 'T',
          description: 'd'.repeat(65_537),
          success_criteria: [{ criterion: 'c'.repeat(501) }],
        }),
      'InvalidInput',
    )
    expect(err.message).toContain('description: at most 65536 characters (got 65537)')
    expect(err.message).toContain('success criterion 1: at most 500 characters (got 501)')
  })
})

describe('lease TTLs out of range are refused, naming the range', () => {
  it('tm init --lease-ttl 0s, or above the maximum, changes nothing', () => {
    const zero = tm(['init', '--lease-ttl', '0s'])
    expect(zero.code).toBe(2)
    expect(zero.stderr).toContain('lease TTL must be from 1s to 4h; got 0s')
    const over = json(['init', '--lease-ttl', '5h'])
    expect(over.code).toBe(2)
    expect(over.out.error.message).toContain('lease TTL must be from 1s to 4h; got 5h')
    const huge = tm(['init', '--max-lease-ttl', '1000000d'])
    expect(huge.code).toBe(2)
    expect(huge.stderr).toContain('maximum lease TTL must be from 1s to 30d; got 1000000d')
    const lockDelay = tm(['init', '--lock-delay', '1000000d'])
    expect(lockDelay.code).toBe(2)
    expect(lockDelay.stderr).toContain('lock-delay must be from 0s to 30d')
    // Raising the maximum with it is fine; the refused settings were never saved.
    const ok = json(['init', '--lease-ttl', '5h', '--max-lease-ttl', '8h'])
    expect(ok.out.settings).toMatchObject({
      leaseTtlMs: 5 * 3_600_000,
      maxLeaseTtlMs: 8 * 3_600_000,
    })
    expect(json(['init']).out.settings.lockDelayMs).toBe(0)
  })

  it('a claim asking for more than the maximum names the range', () => {
    const { engine } = makeEngine()
    const task = engine.add({ title: 'T' })
    const err = expectTaskError(() => engine.claim(task.id, 'ada', 5 * 3_600_000), 'InvalidInput')
    expect(err.message).toContain('lease TTL must be from 1s to 4h; got 5h')
  })

  it('the repository config refuses a lease TTL beyond the 30-day ceiling', () => {
    expect(() => parseConfig('lease:\n  max_ttl: 400d\n')).toThrow(/lease\.max_ttl.*at most 30d/)
    expect(() => parseConfig('lease:\n  lock_delay: 400d\n')).toThrow(
      /lease\.lock_delay.*at most 30d/,
    )
  })
})

describe('text output escapes control characters from stored text; JSON stays exact', () => {
  const TITLE = 'Evil\x1b[2J\x1b]0;pwned\x07 \r\u009b31m \u202egnp.exe\u2066 zero\u200bwidth'
  const DESCRIPTION = 'First line\nSecond line\x1b[31m red\r\n\ttabbed'

  it('list, show, events and error messages show escapes instead of acting on them', () => {
    expect(tm(['init']).code).toBe(0)
    const task = json(['add', TITLE, '-d', DESCRIPTION]).out.task
    expect(task.title).toBe(TITLE)
    expect(json(['show', task.id]).out.task).toMatchObject({
      title: TITLE,
      description: DESCRIPTION,
    })
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
    const raw = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/
    const list = tm(['list'])
    expect(list.code).toBe(0)
    expect(list.stdout).not.toMatch(raw)
    expect(list.stdout).toContain(
      'Evil\\x1b[2J\\x1b]0;pwned\\x07 \\r\\x9b31m \\u202egnp.exe\\u2066',
    )
    const show = tm(['show', task.id])
    expect(show.stdout).not.toMatch(raw)
    expect(show.stdout).toContain('zero\\u200bwidth')
    // The description keeps its line breaks (the layout allows them) but not its escapes.
    expect(show.stdout).toContain('  First line\n  Second line\\x1b[31m red\\r\n  \ttabbed')
    expect(tm(['events']).stdout).not.toMatch(raw)

    json(['block', task.id, `held\x1b[2J\u202e`])
    const refused = tm(['claim', task.id, '--agent', 'ada'])
    expect(refused.code).toBe(4)
    expect(refused.stderr).toContain('held\\x1b[2J\\u202e')
    expect(refused.stderr).not.toMatch(raw)
  })
})

describe('fencing tokens: never issued is not stale; nothing to complete before a claim', () => {
  it('a token higher than the lease’s was never issued: UnknownToken', () => {
    const { engine } = makeEngine()
    const task = engine.add({ title: 'T' })
    engine.claim(task.id, 'ada')
    const err = expectTaskError(() => engine.heartbeat(task.id, 'ada', 7), 'UnknownToken')
    expect(err.message).toContain(
      `token 7 was never issued for task ${task.id}; the lease's token is 1`,
    )
    expect(err.details).toMatchObject({ task: task.id, token: 7, current: 1 })
    expectTaskError(() => engine.complete(task.id, 'ada', 2), 'UnknownToken')
    // An older token is still stale.
    engine.release(task.id, 'ada', 1)
    engine.claim(task.id, 'ada')
    expectTaskError(() => engine.heartbeat(task.id, 'ada', 1), 'StaleToken')
  })

  it('tm complete before any claim says NoLease, with or without --token', () => {
    expect(tm(['init']).code).toBe(0)
    const task = json(['add', 'T']).out.task
    for (const token of [[], ['--token', '1']]) {
      const out = json(['complete', task.id, '--agent', 'ada', ...token])
      expect(out.code).toBe(4)
      expect(out.out.error.code).toBe('NoLease')
    }
    const heartbeat = json(['heartbeat', task.id, '--agent', 'ada', '--token', '3'])
    expect(heartbeat.out.error.code).toBe('NoLease')
  })

  describe('on GitHub', () => {
    useGitHubHarness()

    it('/done before /claim on a task with criteria says NoLease, not CriteriaFailed', async () => {
      const { probot, rt } = await makeApp()
      const id = seedTask(rt, 100, {
        body: '### Success criteria\n\n- [ ] Tests pass `tests.failed == 0`\n',
        criteria: [{ criterion: 'Tests pass', measurable: 'tests.failed == 0' }],
      })
      rt.state.savePermission('Codertocat/Hello-World', 'ada', 'write', rt.now())
      let reply = ''
      githubApi()
        .post(`${R}/issues/comments/5100/reactions`)
        .reply(201, {})
        .post(`${R}/issues/100/comments`, (b) => {
          reply = b.body
          return true
        })
        .reply(201, { id: 1 })
      await receive(probot, 'issue_comment.created', comment(100, '/done', 'ada', 5100))
      expect(readMarkers(reply)[0]).toMatchObject({ command: 'done', ok: false, code: 'NoLease' })
      expect(rt.engine.get(id).status).toBe('pending')
    })
  })
})
