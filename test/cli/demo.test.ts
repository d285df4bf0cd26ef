/**
 * The main job: `tm demo` runs the core loop with real agent processes on a
 * real plan, kills one agent mid-task, and leaves an inspectable database —
 * which the README's follow-up commands, run exactly as written there, read.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, expect, it } from 'vitest'
import { assertReplaceable, inspectCommands } from '../../src/cli/demo/explain.js'
import { readImportPlan } from '../../src/core/import/detect.js'
import { tempDir } from '../helpers.js'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/**
 * A folder laid out like a checkout after `npm ci && npm run build`: `build/`
 * is this checkout's (built by the test setup), so `node build/tm.cjs` works
 * there as it does in the README.
 */
function checkoutLikeDir(prefix: string): string {
  const dir = tempDir(prefix)
  dirs.push(dir)
  symlinkSync(resolve('build'), join(dir, 'build'), 'dir')
  return dir
}

/** The environment of a new user: no TM_DB, no TM_AGENT. */
function userEnv(): NodeJS.ProcessEnv {
  const { TM_DB: _db, TM_AGENT: _agent, ...env } = process.env
  return env
}

/** The README's commands that read the demo's database, verbatim, in order. */
function readmeDemoCommands(): string[] {
  const readme = readFileSync('README.md', 'utf8')
  return [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1]!.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line.includes('.task-orchestrator/demo.db'))
}

const PLAN = resolve('examples/plans/beads-issues.jsonl')

it('tm demo finishes under a minute with every open task completed through criteria, after one agent is killed; the README commands read its database as written', () => {
  const dir = checkoutLikeDir('tm-demo-')
  const env = userEnv()
  const started = Date.now()
  // What `npm run demo` runs after building, in the package folder.
  const r = spawnSync(process.execPath, ['build/tm.cjs', 'demo', '--agents', '4'], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: 90_000,
  })
  const seconds = (Date.now() - started) / 1000
  expect(r.status, r.stderr).toBe(0)
  expect(seconds).toBeLessThan(60)
  const killed = /killed agent (\S+)/.exec(r.stderr)?.[1]
  expect(killed, r.stderr).toEqual(expect.any(String))

  const db = join(dir, '.task-orchestrator', 'demo.db')
  expect(existsSync(db)).toBe(true)
  const raw = new Database(db, { readonly: true })
  const count = (sql: string, ...p: unknown[]) => (raw.prepare(sql).get(...p) as { n: number }).n

  // The import: every record of the file is a task or is named, with the
  // importer's own reason, among those not imported as tasks.
  const plan = readImportPlan(PLAN)
  const taskIds = new Set(plan.tasks.map((t) => t.sourceId))
  const notTasks = new Map<string, Set<string>>()
  for (const u of plan.unmapped) {
    if (taskIds.has(u.item)) continue
    notTasks.set(u.reason, (notTasks.get(u.reason) ?? new Set()).add(u.item))
  }
  const skipped = [...notTasks.values()].reduce((n, items) => n + items.size, 0)
  const records = readFileSync(PLAN, 'utf8')
    .split('\n')
    .filter((l) => l.trim()).length
  expect(plan.tasks.length + skipped).toBe(records)
  expect(count('SELECT count(*) AS n FROM tasks')).toBe(plan.tasks.length)
  expect(r.stderr).toContain(
    `${records} records, ${plan.tasks.length} imported as tasks, ${skipped} not`,
  )
  for (const [reason, items] of notTasks) expect(r.stderr).toContain(`${items.size} × ${reason}`)
  // The README states the same numbers.
  const readme = readFileSync('README.md', 'utf8')
  for (const n of [records, plan.tasks.length, skipped]) {
    expect(readme).toContain(n.toLocaleString('en-US'))
  }

  // The open tasks were worked by the agents.
  expect(
    count(`SELECT count(*) AS n FROM tasks WHERE status IN ('pending','in_progress','blocked')`),
  ).toBe(0)
  const worked = count(`SELECT count(*) AS n FROM events WHERE type = 'completed'`)
  expect(worked).toBeGreaterThanOrEqual(20)
  // Every completion went through criteria validation against a JUnit report.
  const completions = raw.prepare(`SELECT details FROM events WHERE type = 'completed'`).all() as {
    details: string
  }[]
  expect(completions.every((c) => JSON.parse(c.details).criteria?.[0]?.outcome === 'pass')).toBe(
    true,
  )
  // The killed agent's lease expired and another agent took the task over with a newer token.
  const expired = raw
    .prepare(`SELECT task_id, actor FROM events WHERE type = 'lease_expired'`)
    .all() as {
    task_id: string
    actor: string
  }[]
  expect(expired.length).toBeGreaterThanOrEqual(1)
  expect(expired.some((e) => e.actor === killed)).toBe(true)
  const takenOver = expired.find((e) => e.actor === killed)!.task_id
  const takeover = raw
    .prepare(`SELECT actor, details FROM events WHERE type = 'completed' AND task_id = ?`)
    .get(takenOver) as { actor: string; details: string }
  expect(takeover.actor).not.toBe(killed)
  expect(JSON.parse(takeover.details).token).toBeGreaterThanOrEqual(2)
  // Several agents took part concurrently.
  expect(
    count(`SELECT count(DISTINCT actor) AS n FROM events WHERE type = 'claimed'`),
  ).toBeGreaterThanOrEqual(3)

  // Lead time is shown with where it comes from: the creation dates of the
  // imported plan, here those of the tasks worked in this run.
  const created = raw
    .prepare(
      `SELECT min(t.created_at) AS first, max(t.created_at) AS last FROM tasks t
       WHERE t.id IN (SELECT task_id FROM events WHERE type = 'completed')`,
    )
    .get() as { first: string; last: string }
  raw.close()
  const lead = r.stdout.split('\n').findIndex((l) => l.startsWith('Lead time'))
  expect(lead, r.stdout).toBeGreaterThanOrEqual(0)
  const leadNote = r.stdout.slice(r.stdout.indexOf('Lead time')).split('\n\n')[0]!
  expect(leadNote).toContain('beads-issues.jsonl')
  expect(leadNote).toContain(created.first.slice(0, 10))
  expect(leadNote).toContain(created.last.slice(0, 10))

  // The README's follow-up commands are the ones the demo prints, and they
  // work as written, in the folder the demo ran in, with no TM_DB set.
  const commands = readmeDemoCommands()
  expect(commands.some((c) => / list$/.test(c))).toBe(true)
  expect(commands.some((c) => / metrics$/.test(c))).toBe(true)
  const printed = r.stdout
    .slice(r.stdout.indexOf('Inspect the result'))
    .split('\n')
    .slice(1)
    .filter((l) => l.startsWith('  '))
    .map((l) => l.trim())
  expect(printed).toEqual(commands)
  for (const command of commands) {
    const run = spawnSync('sh', ['-c', command], { cwd: dir, env, encoding: 'utf8' })
    expect(run.status, `${command}\n${run.stderr}`).toBe(0)
    if (/ list$/.test(command)) expect(run.stdout).toContain(takenOver)
    if (/ metrics$/.test(command)) expect(run.stdout).toMatch(/^Lead time/m)
  }
  // A second run may replace this database: it is the demo's own.
  expect(() => assertReplaceable(db)).not.toThrow()
}, 120_000)

it('tm demo leaves a database it did not make alone (--db pointing at a backlog)', () => {
  const dir = checkoutLikeDir('tm-demo-keep-')
  const env = userEnv()
  const tm = (...args: string[]) =>
    spawnSync(process.execPath, ['build/tm.cjs', '--db', 'tasks.db', ...args], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    })
  expect(tm('init').status).toBe(0)
  expect(tm('add', 'Keep me').status).toBe(0)
  const r = tm('demo')
  expect(r.status).toBe(2)
  expect(r.stderr).toContain('is not a database made by `tm demo`')
  expect(r.stderr).toContain('--db')
  const list = tm('list')
  expect(list.status).toBe(0)
  expect(list.stdout).toContain('Keep me')
  expect(existsSync(join(dir, 'demo-reports'))).toBe(false)
})

it('the demo names tm as it was started: installed tm, or node and the script, and quotes odd paths', () => {
  expect(
    inspectCommands('/usr/local/bin/tm', '/home/u/p/.task-orchestrator/demo.db', '/home/u/p'),
  ).toEqual([
    'tm --db .task-orchestrator/demo.db list',
    'tm --db .task-orchestrator/demo.db metrics',
    'tm --db .task-orchestrator/demo.db events --type lease_expired',
  ])
  expect(inspectCommands('/repo/build/tm.cjs', "/tmp/ada's demo/x.db", '/repo')[0]).toBe(
    `node build/tm.cjs --db '/tmp/ada'\\''s demo/x.db' list`,
  )
})
