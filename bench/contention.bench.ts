/**
 * 16 OS processes on one database, each looping `next --claim` → `complete`
 * on the engine until the backlog is empty. Reports aggregate throughput and
 * checks for double grants: every task must be granted exactly once, and the
 * event log must agree (one `claimed` and one `completed` per task).
 */
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import Database from 'better-sqlite3'
import { openStore } from '../src/core/db/open.js'
import { Engine } from '../src/core/engine.js'
import { fmt, tempDb } from './util.js'

const PROCESSES = 16
const TASKS = 8000
const db = tempDb('contention.db')
const setup = new Engine(openStore(db))
setup.write(() => {
  for (let i = 0; i < TASKS; i++) setup.add({ title: `task ${i}` })
})
setup.store.close()

const worker = resolve('build/bench/race-worker.js')
const start = process.hrtime.bigint()
const outputs = await Promise.all(
  Array.from(
    { length: PROCESSES },
    (_, i) =>
      new Promise<string>((done, fail) => {
        const child = spawn(process.execPath, [worker, db, `agent-${i}`], {
          stdio: ['ignore', 'pipe', 'inherit'],
        })
        let out = ''
        child.stdout.on('data', (d) => (out += d))
        child.on('exit', (code) =>
          code === 0 ? done(out) : fail(new Error(`worker ${i} exited ${code}`)),
        )
      }),
  ),
)
const seconds = Number(process.hrtime.bigint() - start) / 1e9
const grants = outputs.flatMap((o) =>
  o
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { task?: string; agent?: string })
    .filter((g) => g.task),
)
const distinct = new Set(grants.map((g) => g.task)).size
const doubles = grants.length - distinct
const raw = new Database(db, { readonly: true })
const n = (sql: string) => (raw.prepare(sql).get() as { n: number }).n
const claimedEvents = n(`SELECT count(DISTINCT task_id) AS n FROM events WHERE type = 'claimed'`)
const completedEvents = n(`SELECT count(*) AS n FROM events WHERE type = 'completed'`)
const completed = n(`SELECT count(*) AS n FROM tasks WHERE status = 'completed'`)
raw.close()
const perAgent = new Map<string, number>()
for (const g of grants) perAgent.set(g.agent!, (perAgent.get(g.agent!) ?? 0) + 1)
const shares = [...perAgent.values()].sort((a, b) => a - b)
process.stdout.write(
  [
    `## ${PROCESSES} processes × claim/complete loop on one database`,
    '',
    `${TASKS.toLocaleString('en')} tasks, ${PROCESSES} OS processes (test/support/race-worker.ts), file database in WAL mode.`,
    '',
    '| figure | result |',
    '|---|---|',
    `| aggregate throughput | ${Math.round(grants.length / seconds).toLocaleString('en')} claim → complete cycles/s (${fmt(seconds)} s) |`,
    `| grants | ${grants.length.toLocaleString('en')} for ${distinct.toLocaleString('en')} distinct tasks |`,
    `| double grants | **${doubles}** ${doubles === 0 ? '✅' : '❌'} |`,
    `| tasks completed / completed events / distinct claimed tasks in the log | ${completed} / ${completedEvents} / ${claimedEvents} ${completed === TASKS && completedEvents === TASKS && claimedEvents === TASKS ? '✅' : '❌'} |`,
    `| tasks per process (min / max) | ${shares[0]} / ${shares.at(-1)} |`,
    '',
  ].join('\n'),
)
if (doubles !== 0 || completed !== TASKS) process.exitCode = 1
