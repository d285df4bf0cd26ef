#!/usr/bin/env node
/**
 * A small agent on Task Orchestrator's client library
 * (`task-orchestrator/client`, docs/agents.md): it takes a task, keeps the
 * lease alive while it "works", runs its "tests", writes them as a JUnit XML
 * report, and completes the task — or reports what went wrong.
 *
 *   node examples/agent/agent.mjs --agent ada                  # local: tm's database
 *   node examples/agent/agent.mjs --github octo/api            # GitHub: the app answers
 *
 * The loop, one client call per step (docs/agents.md "The loop"):
 *
 *   next (or claim --task) → keepAlive while working → progress at half way
 *   → JUnit report → complete (local: the criteria judged against the
 *   report's counts; GitHub: /done, the CI gate decides) — or fail when the
 *   criteria do not hold, or stop at once when the lease is lost.
 *
 * Exit codes (as tm's): 0 completed, or nothing claimable; 2 bad arguments;
 * 4 the lease was lost (nothing more is sent for the task); 5 the criteria
 * did not hold (the task was reported failed); 130 interrupted (the lease
 * was released); 1 anything else.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createGitHubClient, createLocalClient, keepAlive } from 'task-orchestrator/client'

const USAGE = `Usage: node examples/agent/agent.mjs [options]

  --agent NAME       local: who acts (default $TM_AGENT)
  --db FILE          local: the task database (default $TM_DB, else ./.task-orchestrator/tasks.db)
  --github OWNER/REPO  work on GitHub instead (default $TM_GITHUB); token from $GITHUB_TOKEN or $GH_TOKEN
  --mode MODE        GitHub: server (replies in seconds, default) or actions (after a workflow run)
  --task ID          claim this task instead of asking for the next one
  --ttl-ms MS        lease time-to-live to ask for (local; on GitHub only with --task)
  --work-ms MS       how long the simulated job takes (default 3000)
  --out DIR          where the work and reports/ go (default ./agent-out)
  --break            make one test fail (to see the criteria refuse the completion)
  --json             print one JSON document at the end instead of lines
  -h, --help         this text`

/** Read the command line; throws a usage error (exit 2) with the fix. */
function readOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      agent: { type: 'string' },
      db: { type: 'string' },
      github: { type: 'string' },
      mode: { type: 'string', default: process.env.TM_GITHUB_MODE || 'server' },
      task: { type: 'string' },
      'ttl-ms': { type: 'string' },
      'work-ms': { type: 'string', default: '3000' },
      out: { type: 'string', default: 'agent-out' },
      break: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const ms = (flag) => {
    const text = values[flag]
    if (text === undefined) return undefined
    const n = Number(text)
    if (!Number.isInteger(n) || n < 0) throw usage(`--${flag} takes whole milliseconds, e.g. 3000.`)
    return n
  }
  const github = values.github ?? (process.env.TM_GITHUB?.trim() || undefined)
  if (values.mode !== 'server' && values.mode !== 'actions')
    throw usage(`--mode is server or actions; got "${values.mode}".`)
  const agent = values.agent ?? process.env.TM_AGENT
  if (!github && !values.help && !agent)
    throw usage('Who is acting? Pass --agent NAME (or set TM_AGENT), or --github OWNER/REPO.')
  return {
    ...values,
    agent,
    github,
    ttlMs: ms('ttl-ms'),
    workMs: ms('work-ms'),
    out: resolve(values.out),
  }
}

function usage(message) {
  return Object.assign(new Error(message), { code: 'Usage' })
}

/** The client: GitHub when a repository is named, else the local engine. */
async function connect(o) {
  if (!o.github) return createLocalClient({ agent: o.agent, ...(o.db ? { db: o.db } : {}) })
  const token = process.env.GITHUB_TOKEN || process.env.GH_TOKEN
  if (!token)
    throw usage(
      'Set GITHUB_TOKEN or GH_TOKEN (e.g. GITHUB_TOKEN=$(gh auth token)) to act on GitHub.',
    )
  return createGitHubClient({
    repo: o.github,
    token,
    mode: o.mode, // sets the reply timeout: 2 minutes (server) or 30 (actions)
    ...(process.env.GITHUB_API_URL ? { baseUrl: process.env.GITHUB_API_URL } : {}),
    ...(process.env.TM_GITHUB_APP_LOGIN ? { appLogin: process.env.TM_GITHUB_APP_LOGIN } : {}),
  })
}

/** The lease's TTL in ms: exact locally; on GitHub (no `acquired_at` in the reply) the time left. */
function leaseTtlMs(lease) {
  const from = lease.acquired_at ? Date.parse(lease.acquired_at) : Date.now()
  return Math.max(1000, Date.parse(lease.expires_at) - from)
}

/** Wait `ms`, or reject at once with the signal's reason when it aborts. */
function sleep(ms, signal) {
  return new Promise((done, fail) => {
    if (signal.aborted) return fail(signal.reason)
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop)
      done()
    }, ms)
    const stop = () => {
      clearTimeout(timer)
      fail(signal.reason)
    }
    signal.addEventListener('abort', stop, { once: true })
  })
}

/** A file name from a task id (`octo/api#12` → `octo-api-12`). */
const slug = (id) => id.replace(/[^A-Za-z0-9_-]+/g, '-')

/** The simulated job: two halves of `workMs`, progress between, a file as its product. */
async function work({ client, task, token, o, signal }) {
  await sleep(o.workMs / 2, signal)
  await client.progress(task.id, { percent: 50, message: 'half way' }, { signal })
  await sleep(o.workMs / 2, signal)
  const file = join(o.out, 'work', `${slug(task.id)}.md`)
  await mkdir(join(o.out, 'work'), { recursive: true })
  const title = o.break ? '(title forgotten)' : task.title
  await writeFile(file, `# ${title}\n\nDone by ${client.agent} under lease token ${token}.\n`)
  return file
}

/** The agent's "tests" of its product: each run, timed, passed or failed with a message. */
async function runTests({ file, task, token }) {
  const read = () => readFile(file, 'utf8')
  const checks = [
    ['writes its work file', async () => (await read()).length > 0, 'the work file is empty'],
    [
      'names the task title',
      async () => (await read()).includes(task.title),
      `the work file does not name the task title "${task.title}"`,
    ],
    [
      'records the fencing token',
      async () => (await read()).includes(`token ${token}`),
      `the work file does not record lease token ${token}`,
    ],
  ]
  const results = []
  for (const [name, check, message] of checks) {
    const started = performance.now()
    let failure = null
    try {
      if (!(await check())) failure = message
    } catch (err) {
      failure = err.message
    }
    results.push({ name, seconds: (performance.now() - started) / 1000, failure })
  }
  return results
}

const xml = (s) => String(s).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The results as JUnit XML (one suite); times in seconds with 3 decimals. */
function junitXml(results) {
  const time = (s) => s.toFixed(3)
  const total = results.reduce((sum, r) => sum + Number(time(r.seconds)), 0)
  const failures = results.filter((r) => r.failure).length
  const cases = results.map((r) =>
    r.failure
      ? `    <testcase classname="agent" name="${xml(r.name)}" time="${time(r.seconds)}">\n      <failure message="${xml(r.failure)}"/>\n    </testcase>`
      : `    <testcase classname="agent" name="${xml(r.name)}" time="${time(r.seconds)}"/>`,
  )
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="example-agent" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${total.toFixed(3)}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`
}

/**
 * The `tests.*` context criteria read, counted from the same results the
 * report holds, as `tm complete --validate --junit` counts a report (one
 * file, one suite, each test run once). The client takes a context, not
 * report files: `tm complete --junit` and the MCP `complete` tool read files.
 */
function testsContext(results) {
  const failed = results.filter((r) => r.failure).length
  const passed = results.length - failed
  const duration = results.reduce((sum, r) => sum + Number(r.seconds.toFixed(3)), 0)
  return {
    total: results.length,
    passed,
    failed,
    errors: 0,
    skipped: 0,
    runs: results.length,
    runs_passed: passed,
    runs_failed: failed,
    runs_errors: 0,
    runs_skipped: 0,
    duration_s: Number(duration.toFixed(3)),
    files: 1,
    suites: 1,
  }
}

/** Take a task: the one named (`claim`) or the best claimable one (`next`). Null when none. */
async function take(client, o) {
  const ttl = o.ttlMs ? { ttlMs: o.ttlMs } : {}
  if (o.task) {
    const grant = await client.claim(o.task, ttl)
    return { grant, task: (await client.status(grant.task)).task }
  }
  const { task, grant } = await client.next(ttl)
  return grant ? { grant, task } : null
}

/** One run of the agent; returns the exit code and what happened (for --json). */
async function run(o, say) {
  const client = await connect(o)
  try {
    const taken = await take(client, o)
    if (!taken) {
      say('Nothing is claimable for me right now.')
      return [0, { outcome: 'nothing' }]
    }
    const { task, grant } = taken
    const token = grant.lease.token
    say(`Took ${task.id} "${task.title}" (token ${token}, expires ${grant.lease.expires_at}).`)
    const alive = keepAlive(client, { task: task.id, token, ttlMs: leaseTtlMs(grant.lease) })
    alive.on('error', (err) => say(`heartbeat failed, retrying at the next beat: ${err.message}`))
    const interrupt = new AbortController()
    const onSignal = () => interrupt.abort(new Error('interrupted'))
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
    const signal = AbortSignal.any([alive.signal, interrupt.signal])
    let file
    try {
      file = await work({ client, task, token, o, signal })
    } catch (err) {
      await alive.stop()
      if (alive.lost) {
        // The lease is gone: someone else may hold the task. Send nothing more for it.
        say(`Lease lost (${alive.lost.code}): stopped working on ${task.id}.`)
        return [4, { outcome: 'lost', task: task.id, token, code: alive.lost.code }]
      }
      if (interrupt.signal.aborted) {
        // A reason is recorded locally; /release on GitHub takes none.
        const why = client.transport === 'local' ? { reason: 'agent interrupted' } : {}
        await client.release(task.id, token, why)
        say(`Interrupted: released ${task.id}.`)
        return [130, { outcome: 'released', task: task.id, token }]
      }
      throw err
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
    }
    const results = await runTests({ file, task, token })
    const report = join(o.out, 'reports', `${slug(task.id)}.xml`)
    await mkdir(join(o.out, 'reports'), { recursive: true })
    await writeFile(report, junitXml(results))
    const tests = testsContext(results)
    say(`Tests: ${tests.passed} passed, ${tests.failed} failed → ${report}`)
    await alive.stop()
    const beats = alive.beats
    const summary = `Example agent: ${tests.passed}/${tests.total} tests passed.`
    try {
      const result = await client.complete(
        task.id,
        token,
        // Locally the engine judges the criteria against the context; on
        // GitHub /done is posted and the CI gate's check run decides.
        client.transport === 'local'
          ? { summary, validate: true, context: { tests } }
          : { summary },
      )
      say(`Completed ${task.id} after ${beats} heartbeat(s).`)
      return [
        0,
        { outcome: 'completed', task: task.id, token, heartbeats: beats, report, tests, result },
      ]
    } catch (err) {
      if (err.code !== 'CriteriaFailed') throw err
      say(`Not complete: ${err.message}`)
      const failed = await client.fail(
        task.id,
        token,
        `success criteria do not hold: ${err.message}`,
      )
      say(
        `Reported ${task.id} failed; ${failed.status ? `it is ${failed.status} again` : 'see its issue'}.`,
      )
      return [
        5,
        { outcome: 'failed', task: task.id, token, heartbeats: beats, report, tests, error: err },
      ]
    }
  } finally {
    client.close()
  }
}

async function main() {
  let o
  try {
    o = readOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`agent: ${err.message}\n${USAGE}\n`)
    return 2
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const say = o.json ? () => {} : (line) => process.stdout.write(`${line}\n`)
  try {
    const [code, outcome] = await run(o, say)
    if (o.json) process.stdout.write(`${JSON.stringify({ ok: code === 0, ...outcome })}\n`)
    return code
  } catch (err) {
    const code = err.code === 'Usage' ? 2 : 1
    if (o.json)
      process.stdout.write(
        `${JSON.stringify({ ok: false, error: { code: err.code ?? 'Error', message: err.message } })}\n`,
      )
    else process.stderr.write(`agent: ${err.code ? `${err.code}: ` : ''}${err.message}\n`)
    return code
  }
}

process.exitCode = await main()
