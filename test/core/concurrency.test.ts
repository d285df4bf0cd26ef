/**
 * Real concurrency: several OS processes on one SQLite file.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { tempDir } from '../helpers.js'

function runWorker(
  script: string,
  args: string[],
): { child: ChildProcess; output: Promise<string> } {
  const child = spawn(process.execPath, [join('build/test', script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  const output = new Promise<string>((resolve, reject) =>
    child.on('exit', (code, signal) =>
      code === 0 || signal === 'SIGKILL'
        ? resolve(out)
        : reject(new Error(`${script} exited ${code}: ${err}`)),
    ),
  )
  return { child, output }
}

describe('8 processes racing to claim', () => {
  it('never grant the same task twice; every task completes exactly once; the log agrees with the state', async () => {
    const db = join(tempDir(), 'race.db')
    const setup = new Engine(openStore(db))
    const TASKS = 400
    setup.write(() => {
      for (let i = 0; i < TASKS; i++)
        setup.add({ title: `task ${i}`, priority: (['low', 'medium', 'high'] as const)[i % 3] })
    })
    setup.store.close()

    const workers = Array.from({ length: 8 }, (_, i) =>
      runWorker('race-worker.js', [db, `agent-${i}`]),
    )
    const outputs = await Promise.all(workers.map((w) => w.output))
    const grants = outputs.flatMap((o) =>
      o
        .trim()
        .split('\n')
        .map(
          (l) => JSON.parse(l) as { task?: string; token?: number; agent?: string; done?: number },
        )
        .filter((g) => g.task),
    )
    // No task granted twice, across all processes.
    expect(grants).toHaveLength(TASKS)
    expect(new Set(grants.map((g) => g.task)).size).toBe(TASKS)
    expect(grants.every((g) => g.token === 1)).toBe(true)
    // Work really was shared between processes.
    const perAgent = new Set(grants.map((g) => g.agent))
    expect(perAgent.size).toBeGreaterThan(1)

    const raw = new Database(db, { readonly: true })
    expect(raw.prepare(`SELECT status, count(*) AS n FROM tasks GROUP BY status`).all()).toEqual([
      { status: 'completed', n: TASKS },
    ])
    // Exactly one claim and one completion event per task, by the agent the worker reported.
    const events = raw
      .prepare(
        `SELECT task_id, type, actor FROM events WHERE type IN ('claimed','completed') ORDER BY id`,
      )
      .all() as { task_id: string; type: string; actor: string }[]
    const holder = new Map(grants.map((g) => [g.task, g.agent]))
    for (const type of ['claimed', 'completed']) {
      const ofType = events.filter((e) => e.type === type)
      expect(ofType).toHaveLength(TASKS)
      expect(new Set(ofType.map((e) => e.task_id)).size).toBe(TASKS)
      expect(ofType.every((e) => holder.get(e.task_id) === e.actor)).toBe(true)
    }
    const assignees = raw.prepare('SELECT id, assignee, fencing_seq FROM tasks').all() as {
      id: string
      assignee: string
      fencing_seq: number
    }[]
    expect(assignees.every((t) => t.assignee === holder.get(t.id) && t.fencing_seq === 1)).toBe(
      true,
    )
    raw.close()
  }, 120_000)
})

describe('SIGKILL in the middle of writes', () => {
  it('leaves a database that passes integrity_check, with every command all-or-nothing', async () => {
    const db = join(tempDir(), 'crash.db')
    new Engine(openStore(db)).store.close()
    for (let round = 0; round < 6; round++) {
      const writers = ['a', 'b'].map((name) =>
        runWorker('crash-writer.js', [db, `${name}${round}`]),
      )
      // Let them write for a while, then kill both without warning.
      await new Promise((r) => setTimeout(r, 300 + round * 97))
      for (const w of writers) w.child.kill('SIGKILL')
      await Promise.all(writers.map((w) => w.output))
    }
    const raw = new Database(db)
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(raw.pragma('foreign_key_check')).toEqual([])
    const tasks = raw
      .prepare('SELECT id, status, lease_holder, completion_summary FROM tasks')
      .all() as {
      id: string
      status: string
      lease_holder: string | null
      completion_summary: string | null
    }[]
    expect(tasks.length).toBeGreaterThan(20)
    const count = (type: string, id: string) =>
      (
        raw
          .prepare('SELECT count(*) AS n FROM events WHERE type = ? AND task_id = ?')
          .get(type, id) as { n: number }
      ).n
    for (const t of tasks) {
      // Each command's state change and its event landed together or not at all.
      expect(count('task_created', t.id)).toBe(1)
      expect(count('completed', t.id)).toBe(t.status === 'completed' ? 1 : 0)
      expect(count('claimed', t.id)).toBe(t.status === 'pending' ? 0 : 1)
      expect(t.lease_holder !== null).toBe(t.status === 'in_progress')
      expect(t.completion_summary !== null).toBe(t.status === 'completed')
    }
    // Interrupted chains are consistent too: every edge has its event.
    const edges = (raw.prepare('SELECT count(*) AS n FROM dependencies').get() as { n: number }).n
    const edgeEvents = (
      raw.prepare(`SELECT count(*) AS n FROM events WHERE type = 'dependency_added'`).get() as {
        n: number
      }
    ).n
    expect(edges).toBe(edgeEvents)
    raw.close()
    // And the engine opens it and carries on.
    const engine = new Engine(openStore(db))
    expect(engine.add({ title: 'after the crash' }).status).toBe('pending')
    engine.store.close()
  }, 120_000)
})
