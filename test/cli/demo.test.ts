/**
 * The main job: `tm demo` runs the core loop with real agent processes on a
 * real plan, kills one agent mid-task, and leaves an inspectable database.
 */
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { expect, it } from 'vitest'
import { tempDir } from '../helpers.js'

it('tm demo finishes under a minute with every open task completed through criteria, after one agent is killed', () => {
  const dir = tempDir('tm-demo-')
  const db = join(dir, 'demo.db')
  const started = Date.now()
  const r = spawnSync(
    process.execPath,
    [resolve('build/tm.cjs'), '--db', db, '--json', 'demo', '--agents', '4'],
    {
      cwd: dir,
      encoding: 'utf8',
      timeout: 90_000,
    },
  )
  const seconds = (Date.now() - started) / 1000
  expect(r.status, r.stderr).toBe(0)
  expect(seconds).toBeLessThan(60)
  const out = JSON.parse(r.stdout)
  expect(out.ok).toBe(true)
  expect(out.killed).toEqual(expect.any(String))
  expect(out.open_left).toEqual([])

  const raw = new Database(db, { readonly: true })
  const count = (sql: string, ...p: unknown[]) => (raw.prepare(sql).get(...p) as { n: number }).n
  // The imported plan: 983 beads issues; the open ones were worked by the agents.
  expect(count('SELECT count(*) AS n FROM tasks')).toBe(983)
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
  expect(expired.some((e) => e.actor === out.killed)).toBe(true)
  const takeover = raw
    .prepare(`SELECT actor, details FROM events WHERE type = 'completed' AND task_id = ?`)
    .get(expired.find((e) => e.actor === out.killed)!.task_id) as { actor: string; details: string }
  expect(takeover.actor).not.toBe(out.killed)
  expect(JSON.parse(takeover.details).token).toBeGreaterThanOrEqual(2)
  // Several agents took part concurrently.
  expect(
    count(`SELECT count(DISTINCT actor) AS n FROM events WHERE type = 'claimed'`),
  ).toBeGreaterThanOrEqual(3)
  raw.close()
}, 120_000)
