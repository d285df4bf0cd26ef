/**
 * examples/agent/agent.mjs as a user runs it: a subprocess of plain Node
 * importing `task-orchestrator/client` (the package's own name, resolved
 * through its `exports` to build/lib/client.mjs, built by the global setup),
 * against a database set up with the built `tm` (`tm init`, `tm add`). It
 * takes the task, heartbeats while it "works", writes a JUnit report and
 * completes with the criteria judged against the report's counts; a failing
 * test is refused by the criteria and reported as a failure; a lease lost
 * while the agent was paused makes it stop and send nothing more. On GitHub
 * (`--github`): the example against the one fake GitHub served over HTTP,
 * whose comments reach the real app in this process (test/e2e/agent-world.ts),
 * every request checked against GitHub's REST description — /next, /progress,
 * /done complete a task without criteria; a task with a measurable criterion
 * and no gate verdict is refused (the CI gate decides) and reported with /fail.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildContext } from '../../src/core/criteria/context.js'
import { type AgentWorld, agentWorld, REPO } from '../e2e/agent-world.js'
import { tempDir } from '../helpers.js'
import { type FakeServer, listen } from '../support/fake-github/index.js'
import { loadGitHubDescription } from '../support/github/openapi.js'

const TM = resolve('build/tm.cjs')
const AGENT = resolve('examples/agent/agent.mjs')
let dir: string
let db: string
const running = new Set<ReturnType<typeof spawn>>()

/** `tm --json …` on the test's database, as `agent`; returns the parsed document. */
function tm(args: string[], agent = ''): Record<string, unknown> {
  const r = spawnSync(process.execPath, [TM, '--json', ...args], {
    cwd: dir,
    env: { ...process.env, TM_DB: db, TM_AGENT: agent },
    encoding: 'utf8',
  })
  return JSON.parse(r.stdout) as Record<string, unknown>
}

/** A task id made with `tm add`. */
function add(title: string, ...flags: string[]): string {
  return (tm(['add', title, ...flags]).task as { id: string }).id
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Start the example as `agent` in the test's folder; `onLine` sees each
 * stdout line as it comes. Resolves when it exits.
 */
function agent(
  args: string[],
  onLine?: (line: string, pid: number) => void,
  env: Record<string, string> = {},
): Promise<Run> {
  const child = spawn(process.execPath, [AGENT, ...args], {
    cwd: dir,
    env: {
      ...process.env,
      TM_DB: db,
      TM_AGENT: '',
      TM_GITHUB: '',
      TM_GITHUB_MODE: '',
      TM_GITHUB_APP_LOGIN: '',
      GITHUB_TOKEN: '',
      GH_TOKEN: '',
      GITHUB_API_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  let stdout = ''
  let stderr = ''
  let partial = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) onLine?.(line, child.pid!)
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  return new Promise((done) =>
    child.on('close', (code) => {
      running.delete(child)
      done({ code, stdout, stderr })
    }),
  )
}

/** The one JSON document the agent's `--json` prints. */
interface Outcome {
  ok: boolean
  outcome: string
  task?: string
  token?: number
  heartbeats?: number
  report?: string
  tests?: Record<string, number>
  result?: { verdict: { passed: boolean; results: Record<string, unknown>[] } | null }
  error?: { code: string; message: string }
}
const outcome = (run: Run) => JSON.parse(run.stdout) as Outcome

beforeEach(() => {
  dir = tempDir('tm-example-agent-')
  db = join(dir, 'tasks.db')
})

afterEach(() => {
  for (const child of running) child.kill('SIGKILL')
  running.clear()
})

describe('examples/agent', () => {
  it('takes the task, heartbeats while working, writes a JUnit report and completes with the criteria judged against it', async () => {
    tm(['init'])
    const id = add(
      'Write the parser',
      '-c',
      'All tests pass `tests.failed == 0 && tests.total >= 3`',
    )
    const run = await agent(['--agent', 'ada', '--ttl-ms', '3000', '--work-ms', '2500', '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const out = outcome(run)
    expect(out).toMatchObject({ ok: true, outcome: 'completed', task: id, token: 1 })
    expect(out.heartbeats).toBeGreaterThanOrEqual(1)
    // The report exists, in the folder asked for, and says what the context the agent passed says.
    const report = join(dir, 'agent-out', 'reports', `${id}.xml`)
    expect(out.report).toBe(report)
    expect(existsSync(report)).toBe(true)
    expect(readFileSync(report, 'utf8')).toContain('<testcase classname="agent"')
    expect(out.tests).toEqual(buildContext({ junit: [report] }).context.tests)
    // The criteria were evaluated, against those counts.
    expect(out.result?.verdict).toMatchObject({
      passed: true,
      results: [
        {
          index: 1,
          outcome: 'pass',
          measurable: 'tests.failed == 0 && tests.total >= 3',
          actual: { 'tests.failed': 0, 'tests.total': 3 },
        },
      ],
    })
    const shown = (tm(['show', id]) as { task: Record<string, unknown> }).task
    expect(shown).toMatchObject({
      status: 'completed',
      lease: null,
      completion_summary: 'Example agent: 3/3 tests passed.',
    })
    const events = (tm(['events', '--task', id]) as { events: { type: string; actor: string }[] })
      .events
    expect(events.filter((e) => e.type === 'heartbeat').length).toBe(out.heartbeats)
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['claimed', 'progress', 'completed']),
    )
  })

  it('a failing test: the criteria refuse the completion, the agent reports the failure and the task is retried', async () => {
    tm(['init'])
    const id = add('Write the lexer', '-c', 'All tests pass `tests.failed == 0`')
    const run = await agent(['--agent', 'bob', '--work-ms', '50', '--break', '--json'])
    expect(run.code).toBe(5)
    const out = outcome(run)
    expect(out).toMatchObject({
      ok: false,
      outcome: 'failed',
      task: id,
      tests: { total: 3, passed: 2, failed: 1 },
      error: { code: 'CriteriaFailed' },
    })
    const report = readFileSync(join(dir, 'agent-out', 'reports', `${id}.xml`), 'utf8')
    expect(report).toContain('<failure message="the work file does not name the task title')
    expect((tm(['show', id]) as { task: Record<string, unknown> }).task).toMatchObject({
      status: 'pending',
      attempts: 1,
      lease: null,
    })
  })

  it.skipIf(process.platform === 'win32')(
    'a lease lost while the agent was paused: it stops at once and sends nothing more for the task',
    async () => {
      tm(['init', '--lease-ttl', '2s'])
      const id = add('Write the emitter')
      let paused = false
      const run = agent(['--agent', 'carl', '--work-ms', '8000'], (line, pid) => {
        if (paused || !line.startsWith('Took ')) return
        paused = true
        // A zombie: the process stops past its lease's expiry; the sweep
        // ends the lease and dana takes the task, then carl wakes up.
        process.kill(pid, 'SIGSTOP')
        setTimeout(() => {
          tm(['sweep'])
          tm(['claim', id], 'dana')
          process.kill(pid, 'SIGCONT')
        }, 2_500)
      })
      const done = await run
      expect(done.code).toBe(4)
      expect(done.stdout).toMatch(/Lease lost \((StaleToken|NotHolder)\): stopped working on/)
      expect(existsSync(join(dir, 'agent-out', 'reports'))).toBe(false)
      expect((tm(['show', id]) as { task: Record<string, unknown> }).task).toMatchObject({
        status: 'in_progress',
        lease: { holder: 'dana', token: 2 },
      })
      const events = (tm(['events', '--task', id]) as { events: { type: string; actor: string }[] })
        .events
      const expiry = events.findIndex((e) => e.type === 'lease_expired')
      expect(expiry).toBeGreaterThan(0)
      expect(events.slice(expiry + 1).filter((e) => e.actor === 'carl')).toEqual([])
    },
  )
})

/** Each call waits for the app's reply; Octokit's throttling spaces the agent's comments. */
describe('examples/agent --github', () => {
  let world: AgentWorld | undefined
  let server: FakeServer | undefined
  beforeAll(() => {
    loadGitHubDescription()
  })
  afterEach(async () => {
    await server?.close()
    server = undefined
    if (!world) return
    const { fake } = world
    await fake.settled()
    world.close()
    world = undefined
    expect(fake.problems).toEqual([])
    expect(fake.deliveryErrors).toEqual([])
  })

  /** The world (the real app in this process) served over HTTP; env for the agent acting as `login`. */
  async function github(login: string) {
    world = await agentWorld({ tasks: 0 })
    server = await listen(world.fake)
    return { GITHUB_API_URL: server.url, GITHUB_TOKEN: world.fake.tokenFor(login) }
  }

  /** A task issue opened by a maintainer, delivered to the app; its task id. */
  async function issue(title: string, body: string): Promise<string> {
    const { data } = await world!.fake.send('maint', 'POST', `/repos/${REPO}/issues`, {
      title,
      body,
      labels: ['task'],
    })
    await world!.fake.settled()
    // The flush opens the dashboard issue, where the agent's /next goes.
    await world!.app.flush()
    await world!.fake.settled()
    return `${REPO}#${(data as { number: number }).number}`
  }

  /** First lines of the comments `login` posted, oldest first. */
  const commands = (login: string) =>
    world!.fake
      .repository(REPO)
      .comments.filter((c) => c.user === login)
      .map((c) => c.body.split('\n')[0])

  it('on GitHub: /next on the dashboard, /progress, the JUnit report, /done — the app completes the task', async () => {
    const env = await github('agent-1')
    const id = await issue('Write the parser', 'Do the work.')
    const run = await agent(['--github', REPO, '--work-ms', '200', '--json'], undefined, env)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(outcome(run)).toMatchObject({
      ok: true,
      outcome: 'completed',
      task: id,
      token: 1,
      result: { task: id },
    })
    expect(
      existsSync(
        join(dir, 'agent-out', 'reports', `${REPO.replace('/', '-')}-${id.split('#')[1]}.xml`),
      ),
    ).toBe(true)
    expect(commands('agent-1')).toEqual([
      '/next',
      '/progress 50 half way',
      '/done Example agent: 3/3 tests passed.',
    ])
    expect(world!.engine.get(id)).toMatchObject({ status: 'completed', lease: null })
  }, 60_000)

  it('on GitHub the CI gate decides: /done of a task with a measurable criterion and no gate is refused, the agent reports /fail', async () => {
    const env = await github('agent-1')
    const id = await issue(
      'Write the lexer',
      'Do the work.\n\n### Success criteria\n\n- [ ] Tests pass `tests.failed == 0`\n',
    )
    const run = await agent(['--github', REPO, '--work-ms', '200', '--json'], undefined, env)
    expect(run.code).toBe(5)
    expect(outcome(run)).toMatchObject({
      outcome: 'failed',
      task: id,
      error: { code: 'CriteriaFailed' },
    })
    expect(commands('agent-1').map((c) => c?.split(' ')[0])).toEqual([
      '/next',
      '/progress',
      '/done',
      '/fail',
    ])
    expect(world!.engine.get(id)).toMatchObject({ status: 'pending', attempts: 1, lease: null })
  }, 60_000)
})
