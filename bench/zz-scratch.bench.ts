/**
 * Handler latency of the GitHub app, in-process (issue "Figures to reach"):
 * p50 ≤ 5 ms, p99 ≤ 25 ms per `issue_comment.created` event; a burst of 1,000
 * comment events handled without an error.
 *
 * The real app (`taskOrchestrator`, in-memory engine, fake clock, `timers:
 * false`) runs in a Probot whose Octokit is given a `fetch` that answers from
 * recorded responses — the example responses of GitHub's REST API description
 * (`@octokit/openapi`), picked by route — so what is measured is Probot, the
 * app and Octokit's request pipeline, without HTTP mocking. For comparison the
 * same events are also run with the network stubbed by plain nock replies (no
 * OpenAPI validation, which the test harness adds and which is not the app's
 * cost).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import nock from 'nock'
import { pino } from 'pino'
import { Probot, ProbotOctokit } from 'probot'
import { taskOrchestrator } from '../src/app/index.js'
import { FakeClock } from '../src/core/clock.js'
import { openStore } from '../src/core/db/open.js'
import { Engine } from '../src/core/engine.js'
import { comment, OWNER, REPO, seedTask } from '../test/app/helpers.js'
import { receive } from '../test/support/github/webhooks.js'
import { fmt, median, percentile, rng } from './util.js'

import { readMarkers } from "../src/github/replies.js"
export const codes = new Map<string, number>()
const TASKS = 200
const AGENTS = 20
const WARMUP = 500
const MEASURED = 2_000
const BURST = 1_000
const COMMANDS = ['/claim', '/heartbeat', '/release', '/progress 50', '/status'] as const

// ---------------------------------------------------------------------------
// Recorded responses: GitHub's documented example responses, by route
// ---------------------------------------------------------------------------

type Json = Record<string, unknown>
const description = JSON.parse(
  readFileSync(
    createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json'),
    'utf8',
  ),
) as { components: { examples: Record<string, { value: unknown }> } }
const example = (name: string): Json => {
  const value = description.components.examples[name]?.value
  if (!value) throw new Error(`no example response ${name} in @octokit/openapi`)
  return value as Json
}
const permissionExample = example(
  'repository-collaborator-permission-response-if-user-has-admin-permissions',
)
const notFound = {
  message: 'Not Found',
  documentation_url: 'https://docs.github.com/rest',
  status: '404',
}

/** A route: method, path pattern below `/repos/{owner}/{repo}`, status and JSON body. */
const ROUTES: [string, RegExp, number, string][] = [
  ['POST', /^\/issues\/comments\/\d+\/reactions$/, 201, JSON.stringify(example('reaction'))],
  ['POST', /^\/issues\/\d+\/comments$/, 201, JSON.stringify(example('issue-comment'))],
  ['PATCH', /^\/issues\/comments\/\d+$/, 200, JSON.stringify(example('issue-comment'))],
  ['PATCH', /^\/issues\/\d+$/, 200, JSON.stringify(example('issue'))],
  [
    'GET',
    /^\/collaborators\/[^/]+\/permission$/,
    200,
    JSON.stringify({ ...permissionExample, permission: 'write', role_name: 'write' }),
  ],
  ['GET', /^\/contents\//, 404, JSON.stringify(notFound)],
  ['GET', /^\/labels$/, 200, JSON.stringify(example('label-items'))],
  ['POST', /^\/labels$/, 201, JSON.stringify(example('label'))],
]
const REPO_PREFIX = `/repos/${OWNER}/${REPO}`

/** What the fake network saw. */
const seen = { requests: 0, unrouted: [] as string[], reactions: { ok: 0, refused: 0 } }

function route(method: string, url: string, body: unknown): [number, string] {
  seen.requests++; if (method === "POST" && /\/comments$/.test(url) && typeof body === "string") for (const m of readMarkers(JSON.parse(body).body)) { const k = `${m.command} ${m.ok} ${m.code ?? ""} ${(m.reason ?? "").slice(0, 60)}`; codes.set(k, (codes.get(k) ?? 0) + 1) }
  const path = new URL(url).pathname
  const rest = path.startsWith(REPO_PREFIX) ? path.slice(REPO_PREFIX.length) : path
  for (const [m, pattern, status, json] of ROUTES) {
    if (m !== method || !pattern.test(rest)) continue
    if (status === 201 && rest.endsWith('/reactions') && typeof body === 'string') {
      if (body.includes('"+1"')) seen.reactions.ok++
      else seen.reactions.refused++
    }
    return [status, json]
  }
  seen.unrouted.push(`${method} ${path}`)
  return [404, JSON.stringify(notFound)]
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }

/** `fetch` for Octokit that answers from the recorded responses. */
const recordedFetch = async (input: string | URL | Request, init?: RequestInit) => {
  const url = input instanceof Request ? input.url : String(input)
  const method = (init?.method ?? 'GET').toUpperCase()
  const [status, json] = route(method, url, init?.body)
  return new Response(json, { status, headers: JSON_HEADERS })
}

// ---------------------------------------------------------------------------
// The app and the events
// ---------------------------------------------------------------------------

/** Errors Probot and the app logged (pino level ≥ 50), counted from the log stream. */
const logged = { errors: 0, first: '' }
const log = pino(
  { level: 'error' },
  {
    write(line: string) {
      const entry = JSON.parse(line) as { level: number; msg?: string; err?: { message?: string } }
      if (entry.level >= 50) {
        logged.errors++
        logged.first ||= entry.err?.message ?? entry.msg ?? line
      }
    },
  },
)

async function makeApp(network: 'recorded' | 'nock') {
  const clock = new FakeClock('2026-03-01T09:00:00.000Z')
  const engine = new Engine(openStore(':memory:'), { clock })
  const app = taskOrchestrator({ engine, clock, timers: false })
  const probot = new Probot({
    githubToken: 'test',
    log,
    Octokit: ProbotOctokit.defaults((options: { throttle?: object }) => ({
      ...options,
      retry: { enabled: false },
      throttle: { ...options.throttle, enabled: false },
    })),
    ...(network === 'recorded' ? { request: { fetch: recordedFetch } } : {}),
  })
  await probot.load(app)
  const rt = app.runtime
  for (let i = 0; i < AGENTS; i++) engine.registerAgent({ id: `agent-${i}`, capacity: TASKS })
  for (let n = 1; n <= TASKS; n++) seedTask(rt, n)
  return { probot, app, rt, engine }
}

/**
 * `count` comment events from a seeded RNG: a random task, a random command,
 * written by the task's own agent (85 %) or another one (refusals happen).
 */
function events(seed: number, count: number, firstCommentId: number) {
  const random = rng(seed)
  return Array.from({ length: count }, (_, i) => {
    const n = 1 + Math.floor(random() * TASKS)
    const own = random() < 0.85
    const agent = own ? n % AGENTS : Math.floor(random() * AGENTS)
    const command = COMMANDS[Math.floor(random() * COMMANDS.length)]!
    return comment(n, command, `agent-${agent}`, firstCommentId + i)
  })
}

const deliver = (probot: Probot, payload: ReturnType<typeof comment>) =>
  receive(probot, 'issue_comment.created', payload)

/** Errors thrown by `probot.receive`, with the first one's message. */
const thrown = { count: 0, first: '' }

/** Deliver one at a time; milliseconds per event. */
async function sequential(probot: Probot, payloads: ReturnType<typeof comment>[]) {
  const times: number[] = []
  for (const p of payloads) {
    const start = process.hrtime.bigint()
    try {
      await deliver(probot, p)
    } catch (err) {
      thrown.count++
      thrown.first ||= String(err)
    }
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return times
}

// ---------------------------------------------------------------------------
// Run: recorded responses
// ---------------------------------------------------------------------------

const { probot, app, rt } = await makeApp('recorded')
await sequential(probot, events(1, WARMUP, 1_000_000))
const warmRequests = seen.requests
Object.assign(seen.reactions, { ok: 0, refused: 0 })
const measured = await sequential(probot, events(2, MEASURED, 2_000_000))
const perEvent = (seen.requests - warmRequests) / MEASURED
const outcomes = { ...seen.reactions }
const sequentialErrors = { thrown: thrown.count, logged: logged.errors }

// The burst: 1,000 comment events delivered at once.
const burst = events(3, BURST, 3_000_000)
const burstStart = process.hrtime.bigint()
const settled = await Promise.allSettled(burst.map((p) => deliver(probot, p)))
const burstMs = Number(process.hrtime.bigint() - burstStart) / 1e6
const rejected = settled.filter((s) => s.status === 'rejected')
const burstLogged = logged.errors - sequentialErrors.logged
const handled = rt.engine.store.get<{ n: number }>(
  'SELECT count(*) AS n FROM gh_comments WHERE comment_id >= 3000000',
)!.n
const dirty = rt.engine.store.get<{ n: number }>(
  'SELECT count(*) AS n FROM gh_issues WHERE status_dirty = 1',
)!.n
const flushes: number[] = []
for (let sent = -1; sent !== 0; ) {
  sent = await app.flush()
  flushes.push(sent)
}

// ---------------------------------------------------------------------------
// Run: the same events through plain nock replies
// ---------------------------------------------------------------------------

nock.disableNetConnect()
const scope = nock('https://api.github.com').persist()
for (const method of ['get', 'post', 'patch'] as const) {
  scope[method](/.*/).reply(function (uri: string, body: unknown) {
    return route(
      this.req.method.toUpperCase(),
      `https://api.github.com${uri}`,
      JSON.stringify(body),
    )
  })
}
const viaNock = await makeApp('nock')
await sequential(viaNock.probot, events(1, WARMUP, 1_000_000))
const nockTimes = await sequential(viaNock.probot, events(2, MEASURED, 2_000_000))
nock.cleanAll()
nock.enableNetConnect()

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

const mark = (ok: boolean) => (ok ? '✅' : '❌')
const p50 = percentile(measured, 50)
const p99 = percentile(measured, 99)
const lines = [
  '## GitHub app handler latency (in-process)',
  '',
  `${MEASURED.toLocaleString('en')} \`issue_comment.created\` events after ${WARMUP} of warm-up, delivered one at a`,
  `time, mixing ${COMMANDS.map((c) => `\`${c}\``).join(', ')} by ${AGENTS} agents on`,
  `${TASKS} seeded tasks (seeded RNG; ${outcomes.ok} commands accepted, ${outcomes.refused} refused — e.g. \`/heartbeat\` on a`,
  'task nobody holds); time from `probot.receive` to its promise settling. In-memory engine, fake clock, `timers: false`. Octokit gets a `fetch` that',
  "answers from recorded responses (GitHub's documented example responses, `@octokit/openapi`):",
  `${fmt(perEvent)} requests per event on average, no HTTP mocking in the measurement.`,
  '',
  '| figure | result | target | |',
  '|---|---|---|---|',
  `| latency per event, p50 | ${fmt(p50)} ms | ≤ 5 ms | ${mark(p50 <= 5)} |`,
  `| latency per event, p99 | ${fmt(p99)} ms | ≤ 25 ms | ${mark(p99 <= 25)} |`,
  `| errors in those ${MEASURED.toLocaleString('en')} events | ${sequentialErrors.thrown} thrown, ${sequentialErrors.logged} logged | 0 | ${mark(sequentialErrors.thrown + sequentialErrors.logged === 0)} |`,
  `| burst of ${BURST.toLocaleString('en')} comment events delivered at once (\`Promise.all\`) | ${rejected.length} thrown, ${burstLogged} logged errors; ${handled} comments recorded; ${fmt(burstMs, 0)} ms (${Math.round(BURST / (burstMs / 1000)).toLocaleString('en')} events/s) | 0 errors | ${mark(rejected.length === 0 && burstLogged === 0 && handled === BURST)} |`,
  '',
  `Median ${fmt(median(measured))} ms, max ${fmt(Math.max(...measured))} ms. After the burst ${dirty} status comments`,
  `waited for the coalesced refresh; calling \`app.flush()\` until it sent nothing edited them in`,
  `${flushes.join(' + ')}: one call handles at most 100 (\`AppState.dirtyIssues\`).`,
  `For comparison, the same ${MEASURED.toLocaleString('en')} events with the network stubbed by plain nock replies`,
  `(no OpenAPI validation): p50 ${fmt(percentile(nockTimes, 50))} ms, p99 ${fmt(percentile(nockTimes, 99))} ms — the difference is`,
  "the cost of Node's `fetch` under nock's interception, not the app's.",
  '',
]
if (thrown.first) lines.push(`First thrown error: ${thrown.first}`, '')
if (rejected.length)
  lines.push(
    `First error of the burst: ${String((rejected[0] as PromiseRejectedResult).reason)}`,
    '',
  )
if (logged.first) lines.push(`First logged error: ${logged.first}`, '')
if (seen.unrouted.length)
  lines.push(`Requests without a recorded response: ${[...new Set(seen.unrouted)].join(', ')}`, '')
console.log(codes); process.stdout.write(`${lines.join('\n')}\n`)
