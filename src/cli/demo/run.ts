/**
 * `tm demo`: the core loop, for real, on this machine. Imports a real plan,
 * gives its open tasks a measurable success criterion, registers agents with
 * personas, starts each as its own OS process (`worker.ts`), kills one while
 * it holds a lease, shows live progress, and ends with the metrics. The
 * database is left behind — `./.task-orchestrator/demo.db` unless `--db`
 * names another (never `TM_DB` or the default `tasks.db`, so a backlog of
 * the user's is never replaced) — and the run ends with the exact commands
 * that open it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { openStore } from '../../core/db/open.js'
import { Engine } from '../../core/engine.js'
import { readImportPlan } from '../../core/import/detect.js'
import { packageRoot } from '../package-root.js'
import {
  assertReplaceable,
  DEMO_ACTOR,
  demoMetricsText,
  importSummary,
  inspectCommands,
  tmOnDemoDb,
} from './explain.js'

export interface DemoOptions {
  agents: number
  plan?: string
  db?: string
  kill: boolean
  json: boolean
}

const AGENTS = [
  { id: 'ada', personas: ['implementer'] },
  { id: 'grace', personas: ['tester', 'implementer'] },
  { id: 'linus', personas: ['implementer'] },
  { id: 'margaret', personas: ['writer', 'reviewer'] },
  { id: 'ken', personas: ['implementer', 'tester'] },
  { id: 'barbara', personas: ['reviewer', 'implementer'] },
]

/** The persona a task wants, from its title (the demo's stand-in for triage). */
function personaFor(title: string): string {
  if (/\b(docs?|readme|documentation|guide)\b/i.test(title)) return 'writer'
  if (/\b(tests?|bug|fix|flaky|crash)\b/i.test(title)) return 'tester'
  return 'implementer'
}

const log = (line: string) => process.stderr.write(`${line}\n`)

/**
 * Run the demo; resolves with a summary once every agent process has exited.
 *
 * @throws TaskError('InvalidInput') when `options.db` (default
 *   `./.task-orchestrator/demo.db`) exists and is not an earlier demo's database.
 */
export async function runDemo(options: DemoOptions) {
  const started = Date.now()
  const root = packageRoot()
  const db = resolve(options.db ?? './.task-orchestrator/demo.db')
  const plan = resolve(options.plan ?? join(root, 'examples/plans/beads-issues.jsonl'))
  assertReplaceable(db)
  for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true })
  const reports = join(dirname(db), 'demo-reports')
  rmSync(reports, { recursive: true, force: true })
  mkdirSync(reports, { recursive: true })

  const engine = new Engine(openStore(db))
  engine.configure({ leaseTtlMs: 3000, lockDelayMs: 500, maxLeaseTtlMs: 60_000 })
  const report = engine.import(readImportPlan(plan), DEMO_ACTOR)
  log(importSummary(relative(process.cwd(), plan), report))

  const open = engine.list({ status: ['pending', 'blocked'] })
  engine.write(() => {
    for (const t of open) {
      engine.update(
        t.id,
        {
          persona: personaFor(t.title),
          success_criteria: [
            ...t.success_criteria,
            {
              criterion: 'Tests pass',
              measurable: 'tests.failed == 0 && tests.errors == 0 && tests.total > 0',
            },
          ],
        },
        DEMO_ACTOR,
      )
    }
  })
  const agents = AGENTS.slice(0, options.agents)
  for (const a of agents) engine.registerAgent({ ...a, capacity: 1 }, DEMO_ACTOR)
  log(
    `== ${open.length} open tasks, each needing "tests.failed == 0 && tests.errors == 0 && tests.total > 0"; ${agents.length} agents: ${agents.map((a) => `${a.id} (${a.personas.join('/')})`).join(', ')}`,
  )

  const tmPath = join(root, 'build', 'tm.cjs')
  const workerPath = join(root, 'build', 'tm-worker.cjs')
  if (!existsSync(workerPath))
    throw new Error(`${workerPath} is missing: run \`npm run build\` first.`)
  const children = new Map<string, ChildProcess>()
  const exited = agents.map(
    (a, i) =>
      new Promise<void>((done) => {
        const child = spawn(process.execPath, [workerPath], {
          env: {
            ...process.env,
            TM_DB: db,
            TM_AGENT: a.id,
            DEMO_REPORTS: reports,
            DEMO_TM: tmPath,
            DEMO_SEED: String(i + 1),
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        })
        children.set(a.id, child)
        child.on('exit', () => done())
      }),
  )
  log(
    `== Started ${agents.length} agent processes (pids ${[...children.values()].map((c) => c.pid).join(', ')})`,
  )

  let lastEvent = engine.events({ limit: 1 }).at(-1)?.id ?? 0
  let victim: string | null = null
  const deadline = started + 55_000
  const allDone = Promise.all(exited)
  let finished = false
  void allDone.then(() => {
    finished = true
  })
  while (!finished && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250))
    for (const e of engine.events({ afterId: lastEvent })) {
      lastEvent = e.id
      const at = ((Date.parse(e.at) - started) / 1000).toFixed(1).padStart(5)
      if (e.type === 'claimed')
        log(`${at}s  ${e.actor} claimed ${e.task_id} (token ${e.details.token})`)
      else if (e.type === 'completed') log(`${at}s  ${e.actor} completed ${e.task_id} ✅`)
      else if (e.type === 'criteria_evaluated')
        log(
          `${at}s  ${e.actor} tried to complete ${e.task_id}: criteria failed ❌ (a test failed) — fixing`,
        )
      else if (e.type === 'lease_expired')
        log(
          `${at}s  lease of ${e.actor} on ${e.task_id} (token ${e.details.token}) EXPIRED → back to the queue`,
        )
      else if (e.type === 'unblocked') log(`${at}s  ${e.task_id} unblocked`)
      if (options.kill && !victim && e.type === 'claimed' && Date.now() - started > 2000) {
        victim = e.actor!
        children.get(victim)?.kill('SIGKILL')
        log(
          `${at}s  💀 killed agent ${victim} (pid ${children.get(victim)?.pid}) while it holds ${e.task_id}`,
        )
      }
    }
    const counts = engine.metrics().tasks
    if (process.stderr.isTTY) {
      process.stderr.write(
        `\r   pending ${counts.pending ?? 0} · in progress ${counts.in_progress ?? 0} · blocked ${counts.blocked ?? 0} · completed ${counts.completed ?? 0}   \r`,
      )
    }
  }
  for (const child of children.values()) if (child.exitCode === null) child.kill('SIGTERM')
  const metrics = engine.metrics()
  const left = engine.list({ status: ['pending', 'in_progress', 'blocked'] })
  const created = engine.events({ type: 'completed' }).map((e) => engine.get(e.task_id!).created_at)
  engine.store.close()
  const seconds = Math.round((Date.now() - started) / 100) / 10
  if (!options.json) {
    const script = process.argv[1] ?? tmPath
    process.stdout.write(`\n== Metrics\n${demoMetricsText(metrics, plan, created)}\n`)
    if (left.length) {
      process.stdout.write(
        `\n${left.length} tasks left open (blocked by dependencies that were never completed in the source plan): ${tmOnDemoDb(script, db, process.cwd())} list --status blocked\n`,
      )
    }
    const commands = inspectCommands(script, db, process.cwd())
    process.stdout.write(
      `\nDone in ${seconds} s. Inspect the result:\n${commands.map((c) => `  ${c}\n`).join('')}`,
    )
  }
  return { db, seconds, killed: victim, metrics, open_left: left.map((t) => t.id) }
}
