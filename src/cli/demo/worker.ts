/**
 * One demo agent, a separate OS process that drives `tm` exactly as an AI
 * agent would from a shell: `tm next --claim`, heartbeats while it works,
 * runs its "tests" (writes a real JUnit XML report) and completes with
 * `--validate --junit`. When the criteria refuse completion (a failing test)
 * it "fixes" the work and tries again.
 *
 * Environment: TM_DB, TM_AGENT, DEMO_REPORTS (folder for JUnit files),
 * DEMO_TM (path of tm.cjs), DEMO_SEED.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const agent = process.env.TM_AGENT!
const reports = process.env.DEMO_REPORTS!
const tmPath = process.env.DEMO_TM!
const TTL = process.env.DEMO_TTL ?? '3s'
let seed = Number(process.env.DEMO_SEED ?? 1)

/** Deterministic pseudo-random numbers (mulberry32), so runs are comparable. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** The part of `tm --json` output the worker reads. */
interface TmJson {
  task?: { id: string } | null
  grant?: { lease: { token: number } } | null
  tasks?: unknown[]
}

interface TmResult {
  code: number
  json: TmJson
}

/** Run `tm --json …`; returns the exit code and parsed output. */
async function tm(...args: string[]): Promise<TmResult> {
  try {
    const { stdout } = await run(process.execPath, [tmPath, '--json', ...args], {
      env: process.env,
    })
    return { code: 0, json: JSON.parse(stdout) }
  } catch (err) {
    const e = err as { code?: number; stdout?: string }
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      json: e.stdout ? JSON.parse(e.stdout) : {},
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function junit(task: string, failing: number): string {
  const total = 3 + Math.floor(random() * 6)
  const cases = Array.from({ length: total }, (_, i) => {
    const name = `test_${task}_${i + 1}`
    return i < failing
      ? `<testcase classname="${task}" name="${name}" time="0.01"><failure message="assertion failed">expected 1, got 2</failure></testcase>`
      : `<testcase classname="${task}" name="${name}" time="0.01"/>`
  })
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="${task}" tests="${total}" failures="${failing}" errors="0" skipped="0">${cases.join('')}</testsuite></testsuites>\n`
}

async function work(task: string, token: string): Promise<void> {
  const duration = 400 + random() * 1200
  const started = Date.now()
  while (Date.now() - started < duration) {
    await sleep(Math.min(700, duration - (Date.now() - started)))
    if (Date.now() - started < duration) {
      const hb = await tm('heartbeat', task, '--token', token, '--ttl', TTL)
      if (hb.code !== 0) return // lease lost: stop working on it
    }
  }
  let failing = random() < 0.25 ? 1 : 0
  for (let round = 0; round < 3; round++) {
    const file = join(reports, `${agent}-${task}-${round}.xml`)
    writeFileSync(file, junit(task, failing))
    const done = await tm(
      'complete',
      task,
      '--token',
      token,
      '--validate',
      '--junit',
      file,
      '--summary',
      `${agent}: done in ${round + 1} round(s)`,
    )
    if (done.code === 0) return
    if (done.code !== 5) return // not a criteria refusal (lease lost…): give up on this task
    failing = 0 // "fix the failing test" and re-run
    await tm('heartbeat', task, '--token', token, '--ttl', TTL)
  }
}

async function main(): Promise<void> {
  for (;;) {
    const next = await tm('next', '--claim', '--ttl', TTL)
    if (next.code === 0 && next.json.task && next.json.grant) {
      await work(next.json.task.id, String(next.json.grant.lease.token))
      continue
    }
    // Nothing claimable: stop when no task can become claimable any more.
    const open = await tm('list', '--status', 'pending', 'in_progress')
    if (open.code === 0 && open.json.tasks?.length === 0) return
    await sleep(300)
  }
}

void main()
