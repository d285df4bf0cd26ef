/**
 * Issue 13, "Misleading words" and "Compatibility with the original tm", as a
 * user meets them: the built `tm` in a separate process. What the holder of a
 * lease is told about a wrong token; lease commands on a finished task; one
 * behaviour for every command when there is no database; criteria errors and
 * the warning for an expression without backticks; a closed pipe; and the
 * original v2.3's `tm progress ID "message"` and `tm share ID "message"`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.js'

const TM = resolve('build/tm.cjs')
const PLAN = resolve('examples/plans/beads-issues.jsonl')
let dir: string

function tm(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [TM, ...args], {
    cwd: dir,
    env: { ...process.env, TM_DB: '', TM_AGENT: '', ...env },
    encoding: 'utf8',
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function json(args: string[], env: Record<string, string> = {}) {
  const r = tm(['--json', ...args], env)
  return { code: r.code, out: JSON.parse(r.stdout), stderr: r.stderr }
}

beforeEach(() => {
  dir = tempDir('tm-words-')
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('lease words', () => {
  it('the holder with an older token is told the lease’s token, not that its lease was lost', () => {
    expect(tm(['init']).code).toBe(0)
    const id = json(['add', 'T']).out.task.id
    const ada = { TM_AGENT: 'ada' }
    json(['claim', id], ada)
    json(['release', id, '--token', '1'], ada)
    expect(json(['claim', id], ada).out.lease.token).toBe(2)

    const r = tm(['heartbeat', id, '--token', '1'], ada)
    expect(r.code).toBe(4)
    expect(r.stderr).toContain('the lease you (ada) hold now has token 2')
    expect(r.stderr).not.toMatch(/lease was lost/i)
    const out = json(['heartbeat', id, '--token', '1'], ada).out
    expect(out.error).toMatchObject({
      code: 'StaleToken',
      details: { token: 1, current: 2, holder: 'ada' },
    })
    // A token above the lease's: never issued (UnknownToken), also naming token 2.
    expect(json(['heartbeat', id, '--token', '7'], ada).out.error).toMatchObject({
      code: 'UnknownToken',
      details: { current: 2 },
    })
    expect(json(['heartbeat', id, '--token', '2'], ada).out.lease.token).toBe(2)
  })

  it('heartbeat, release, fail and complete on a completed task say so, not "claim it first"', () => {
    expect(tm(['init']).code).toBe(0)
    const id = json(['add', 'T']).out.task.id
    const ada = { TM_AGENT: 'ada' }
    json(['claim', id], ada)
    expect(json(['complete', id, '--token', '1'], ada).code).toBe(0)
    for (const op of ['heartbeat', 'release', 'complete']) {
      for (const token of [[], ['--token', '1']]) {
        const r = tm([op, id, ...token], ada)
        expect(r.code).toBe(4)
        expect(r.stderr).toBe(
          `tm: Task ${id} is completed: it has no lease, so there is nothing to ${op}.\n`,
        )
      }
    }
    const fail = json(['fail', id, 'broken'], ada)
    expect(fail.out.error).toMatchObject({ code: 'NoLease', details: { status: 'completed' } })
    expect(fail.out.error.message).toContain('nothing to fail')
  })
})

describe('no database: one behaviour for every command', () => {
  it('add, agent register and list refuse alike (exit 6, "run tm init") and create nothing', () => {
    const db = join(dir, '.task-orchestrator', 'tasks.db')
    const expected = `tm: No task database at ${db}. Run \`tm init\` first, or point --db / TM_DB at an existing file.\n`
    for (const args of [['add', 'T'], ['agent', 'register', 'ada'], ['list'], ['ready']]) {
      const r = tm(args)
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 6, stderr: expected })
    }
    expect(json(['add', 'T']).out.error).toMatchObject({ code: 'StorageError' })
    expect(existsSync(db)).toBe(false)
    expect(existsSync(join(dir, '.task-orchestrator'))).toBe(false)
  })

  it('init and import create the database', () => {
    expect(tm(['--db', 'a.db', 'init']).code).toBe(0)
    expect(tm(['--db', 'b.db', 'import', PLAN]).code).toBe(0)
    expect(json(['--db', 'a.db', 'add', 'T']).code).toBe(0)
    expect(json(['--db', 'b.db', 'list', '-n', '1']).out.tasks).toHaveLength(1)
  })
})

describe('criteria words', () => {
  it('a broken expression names "success criterion N expression", not an internal path', () => {
    expect(tm(['init']).code).toBe(0)
    const r = tm(['add', 'T', '-c', 'Fine', '-c', 'Tests pass `tests.failed ==`'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^tm: success criterion 2 expression: /)
    expect(r.stderr).not.toContain('success_criteria')
    const out = json(['add', 'T', '-c', 'Tests pass `tests.failed ==`']).out
    expect(out.error.code).toBe('InvalidExpression')
    expect(out.error.message).toMatch(/^success criterion 1 expression: /)
  })

  it('an expression without backticks is manual, with a warning that says how to make it measurable', () => {
    expect(tm(['init']).code).toBe(0)
    const text = tm(['add', 'T', '-c', 'tests.failed == 0', '-c', 'Docs reviewed'])
    expect(text.code).toBe(0)
    expect(text.stderr).toBe(
      "tm: warning: success criterion 1 \"tests.failed == 0\" has no expression in backticks, so it is manual (a person must confirm it). To make it measurable, wrap the expression in backticks, in single quotes for the shell: -c '`tests.failed == 0`' (text may come first: -c 'All tests pass `tests.failed == 0`').\n",
    )
    const out = json([
      'add',
      'T',
      '-c',
      'Coverage `coverage.lines >= 80`',
      '-c',
      'tests.failed == 0',
    ])
    expect(out.code).toBe(0)
    expect(out.out.task.success_criteria).toEqual([
      { criterion: 'Coverage', measurable: 'coverage.lines >= 80' },
      { criterion: 'tests.failed == 0' },
    ])
    expect(out.out.warnings).toEqual([
      expect.stringContaining('success criterion 2 "tests.failed == 0"'),
    ])
    expect(out.out.warnings[0]).toContain('wrap the expression in backticks')
    expect(out.stderr).toBe('')
    // Prose is not taken for an expression.
    const prose = json(['add', 'T', '-c', 'Reviewed', '-c', 'Docs are up to date.'])
    expect(prose.out.warnings).toEqual([])
    // The same on update, and for a criteria file without `measurable`.
    const id = prose.out.task.id
    expect(json(['update', id, '-c', 'tests.total > 0']).out.warnings).toHaveLength(1)
    writeFileSync(join(dir, 'criteria.yml'), '- criterion: "coverage.lines >= 80"\n')
    const file = json(['add', 'T', '--criteria-file', 'criteria.yml']).out
    expect(file.task.success_criteria).toEqual([{ criterion: 'coverage.lines >= 80' }])
    expect(file.warnings).toEqual([
      expect.stringContaining(
        'put the expression under measurable: {criterion: "All tests pass", measurable: "coverage.lines >= 80"}',
      ),
    ])
  })
})

describe('a closed pipe', () => {
  it('`tm list | head` ends quietly: exit 0, no stack trace', async () => {
    expect(tm(['init']).code).toBe(0)
    expect(tm(['import', PLAN]).code).toBe(0)
    for (const args of [['list'], ['--json', 'list']]) {
      const child = spawn(process.execPath, [TM, ...args], {
        cwd: dir,
        env: { ...process.env, TM_DB: '', TM_AGENT: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (d) => (stderr += d))
      // Like `head`: read the first chunk, then close the pipe.
      child.stdout.once('data', () => child.stdout.destroy())
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)))
      expect({ args, code, stderr }).toEqual({ args, code: 0, stderr: '' })
    }
  })
})

describe('the original v2.3’s free-text progress and share', () => {
  it('tm progress ID "message" records a note without a percentage', () => {
    expect(tm(['init']).code).toBe(0)
    const id = json(['add', 'T']).out.task.id
    const ada = { TM_AGENT: 'ada' }
    expect(tm(['progress', id, 'Reproduced bug, investigating cause'], ada).code).toBe(0)
    expect(tm(['progress', id, '50% - Found race condition'], ada).code).toBe(0)
    expect(tm(['progress', id, '75', 'tests', 'green'], ada).code).toBe(0)
    expect(json(['progress', id]).out.progress).toMatchObject([
      { agent: 'ada', percent: null, message: 'Reproduced bug, investigating cause' },
      { agent: 'ada', percent: null, message: '50% - Found race condition' },
      { agent: 'ada', percent: 75, message: 'tests green' },
    ])
    // A bare number is still a percentage and still checked.
    expect(tm(['progress', id, '150'], ada).code).toBe(2)
    expect(json(['progress', id]).out.progress).toHaveLength(3)
  })

  it('tm share ID "message" shares it under a generated key; KEY VALUE still sets a value', () => {
    expect(tm(['init']).code).toBe(0)
    const id = json(['add', 'T']).out.task.id
    const ada = { TM_AGENT: 'ada' }
    const shared = json(['share', id, 'Database schema updated, ready for backend work'], ada)
    expect(shared.out).toMatchObject({
      ok: true,
      entry: { key: 'update.1', value: 'Database schema updated, ready for backend work' },
    })
    expect(tm(['share', id, 'rps', '5'], ada).code).toBe(0)
    const text = tm(['share', id, 'done'], ada)
    expect(text.stdout).toContain('update.2')
    expect(json(['context', id]).out.context.merged).toEqual({
      'update.1': 'Database schema updated, ready for backend work',
      'update.2': 'done',
      rps: 5,
    })
  })
})
