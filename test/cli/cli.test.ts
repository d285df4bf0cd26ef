/**
 * `tm` as a user runs it: the built binary in a separate process, with
 * --json output and documented exit codes.
 */
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.js'

const TM = resolve('build/tm.cjs')
const JUNIT = resolve('test/fixtures/junit')
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
  return { code: r.code, out: JSON.parse(r.stdout) }
}

beforeEach(() => {
  dir = tempDir('tm-cli-')
})

describe('tm', () => {
  it('runs the core loop with --json and documented exit codes', () => {
    expect(tm(['init']).code).toBe(0)
    const a = json(['add', 'Design schema', '-p', 'high', '--estimate', '2']).out.task
    const b = json([
      'add',
      'API',
      '--depends-on',
      a.id,
      '-c',
      'Tests pass `tests.failed == 0 && tests.total > 0`',
      '-c',
      'Docs reviewed',
    ]).out.task
    expect(b).toMatchObject({
      status: 'blocked',
      success_criteria: [
        { criterion: 'Tests pass', measurable: 'tests.failed == 0 && tests.total > 0' },
        { criterion: 'Docs reviewed' },
      ],
    })

    // Cycle: conflict (4), with the cycle in the error.
    const cycle = json(['depend', a.id, b.id])
    expect(cycle.code).toBe(4)
    expect(cycle.out).toMatchObject({
      ok: false,
      error: { code: 'DependencyCycle', details: { cycle: [a.id, b.id, a.id] } },
    })

    // Who is acting must be said.
    expect(tm(['claim', a.id]).code).toBe(2)
    const claim = json(['claim', a.id], { TM_AGENT: 'ada' })
    expect(claim.out).toMatchObject({ ok: true, task: a.id, lease: { holder: 'ada', token: 1 } })
    expect(json(['claim', a.id], { TM_AGENT: 'grace' }).code).toBe(4)
    expect(json(['heartbeat', a.id, '--token', '7', '--agent', 'ada']).code).toBe(4)
    expect(json(['heartbeat', a.id, '--token', '1', '--agent', 'ada']).out.lease.token).toBe(1)
    const done = json(['complete', a.id, '--token', '1', '--agent', 'ada', '-m', 'tables ready'])
    expect(done.out).toMatchObject({ ok: true, task: a.id, unblocked: [b.id] })

    // Criteria: a failing JUnit report refuses completion with exit 5 and the actual values.
    json(['claim', b.id, '--agent', 'grace'])
    const failing = json([
      'complete',
      b.id,
      '--token',
      '1',
      '--agent',
      'grace',
      '--validate',
      '--junit',
      join(JUNIT, 'pytest-junit.fail.xml'),
      '--confirm',
      '2',
    ])
    expect(failing.code).toBe(5)
    expect(failing.out.error.code).toBe('CriteriaFailed')
    expect(failing.out.error.details.results[0]).toMatchObject({
      outcome: 'fail',
      actual: { 'tests.failed': 1 },
    })
    // A corrupt report is a usage error naming the file.
    const corrupt = json([
      'complete',
      b.id,
      '--token',
      '1',
      '--agent',
      'grace',
      '--validate',
      '--junit',
      join(JUNIT, 'pytest-corrupt-xml.xml'),
    ])
    expect(corrupt.code).toBe(2)
    expect(corrupt.out.error.message).toContain('pytest-corrupt-xml.xml')
    // Globs are expanded; passing reports complete the task.
    const ok = json([
      'complete',
      b.id,
      '--token',
      '1',
      '--agent',
      'grace',
      '--validate',
      '--junit',
      `${JUNIT}/jest-*.xml`,
      '--confirm',
      '2',
    ])
    expect(ok.out).toMatchObject({ ok: true, verdict: { passed: true } })

    expect(json(['show', b.id]).out.task).toMatchObject({
      status: 'completed',
      depends_on: [a.id],
      context: [{ key: `dependency.${a.id}` }],
    })
    expect(json(['show', 'nosuch00']).code).toBe(3)
    const types = json(['events']).out.events.map((e: { type: string }) => e.type)
    expect(types).toEqual(
      expect.arrayContaining([
        'task_created',
        'claimed',
        'completed',
        'unblocked',
        'criteria_evaluated',
      ]),
    )
    const metrics = json(['metrics']).out.metrics
    expect(metrics.tasks).toEqual({ completed: 2 })
    expect(metrics.per_agent.ada.completed).toBe(1)
  })

  it('prints readable tables and complete help', () => {
    tm(['init'])
    tm(['add', 'first task'])
    const list = tm(['list'])
    expect(list.stdout).toMatch(/^ID\s+STATUS\s+PRIORITY\s+PERSONA\s+HOLDER\s+TITLE/m)
    expect(list.stdout).toContain('first task')
    const help = tm(['--help']).stdout
    for (const cmd of [
      'init',
      'add',
      'list',
      'show',
      'ready',
      'next',
      'claim',
      'heartbeat',
      'release',
      'complete',
      'fail',
      'block',
      'unblock',
      'depend',
      'undepend',
      'sweep',
      'agent',
      'events',
      'metrics',
      'import',
      'demo',
    ]) {
      expect(help).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'))
    }
    expect(tm(['complete', '--help']).stdout).toContain('--junit <glob>')
    expect(tm(['--nope']).code).toBe(2)
    // Usage errors in subcommands too, and as JSON with --json.
    expect(tm(['add']).code).toBe(2)
    expect(tm(['complete', 'x', '--bogus']).code).toBe(2)
    const bad = tm(['--json', 'add', 'x', '--priority', 'urgent'])
    expect(bad.code).toBe(2)
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { code: 'InvalidInput' } })
  })

  it('refuses bad input clearly and changes nothing', () => {
    tm(['init'])
    const bad = json(['add', 'x', '-c', 'broken `tests.failed ==`'])
    expect(bad.code).toBe(2)
    expect(bad.out.error.code).toBe('InvalidExpression')
    expect(json(['add', 'x', '--deadline', 'tomorrow']).out.error.message).toContain('deadline')
    expect(json(['claim', 'abcdefgh', '--agent', 'a', '--ttl', 'forever']).code).toBe(2)
    expect(json(['list']).out.tasks).toEqual([])
    // A missing database is not silently created by a reading command.
    expect(tm(['list'], { TM_DB: join(dir, 'typo.db') }).stderr).toContain('tm init')
  })

  it('reads the database from --db or TM_DB', () => {
    const db = join(dir, 'elsewhere.db')
    tm(['--db', db, 'init'])
    tm(['--db', db, 'add', 'here'])
    expect(json(['list'], { TM_DB: db }).out.tasks).toHaveLength(1)
  })

  it('next --claim picks by persona and sweep reports expired leases', () => {
    tm(['init'])
    json(['agent', 'register', 'rev', '--persona', 'reviewer'])
    json(['add', 'implement', '-p', 'critical'])
    const review = json(['add', 'review it', '--persona', 'reviewer']).out.task
    const next = json(['next', '--claim', '--agent', 'rev', '--ttl', '1s'])
    expect(next.out).toMatchObject({ task: { id: review.id }, grant: { lease: { token: 1 } } })
    expect(json(['agent', 'list']).out.agents[0]).toMatchObject({ id: 'rev', leases: 1 })
    spawnSync('sleep', ['1.2'])
    expect(json(['sweep']).out.expired).toEqual([
      expect.objectContaining({ task: review.id, holder: 'rev', attempts: 1 }),
    ])
  })

  it('events --follow streams new events as JSON lines', async () => {
    tm(['init'])
    const { spawn } = await import('node:child_process')
    const child = spawn(
      process.execPath,
      [TM, '--json', 'events', '--follow', '--interval', '50ms'],
      { cwd: dir },
    )
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    await new Promise((r) => setTimeout(r, 600))
    tm(['add', 'followed'])
    await new Promise((r) => setTimeout(r, 600))
    child.kill('SIGINT')
    await new Promise((r) => child.on('exit', r))
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.at(-1)).toMatchObject({ type: 'task_created', details: { title: 'followed' } })
  })
})
