/**
 * The agent client on GitHub (issue 10), against the one fake GitHub
 * (test/support/fake-github) with the real app in process:
 *
 * (a) GitHub requests one agent spends per task (`next` → 3 heartbeats →
 *     `done`), counted from the fake's request log: content-creating (POST,
 *     PATCH, PUT, DELETE) and reads, 304 polls apart; the app's requests
 *     beside them. Target: the agent's content-creating requests = one per
 *     step (5).
 * (b) Time from the agent calling `next()` (posting `/next`) to holding the
 *     token: median ≤ 1.5 s, GitHub's own webhook delivery latency excluded
 *     (the fake delivers at once).
 *
 * The agent is the client as shipped: `createGitHubClient` with a token and
 * a `baseUrl`, so its default Octokit (retry and throttling plugins) and
 * default polling settings (first poll after 1 s, doubling to 10 s) talk
 * HTTP to the fake on 127.0.0.1. The app's status comments are flushed after
 * every step (in the server they are coalesced 5 s after the last change,
 * so this is the most it sends).
 */
import { createGitHubClient } from '../src/client/index.js'
import { agentWorld, REPO } from '../test/e2e/agent-world.js'
import type { LoggedRequest } from '../test/support/fake-github/index.js'
import { listen } from '../test/support/fake-github/index.js'
import { loadGitHubDescription } from '../test/support/github/openapi.js'
import { fmt, median } from './util.js'

const TASKS = 6
/** Pause between tasks: an agent works between two `next`s; also lets the throttling plugin's queue for content creation (3 s) go idle. */
const BETWEEN_TASKS_MS = 3_500

loadGitHubDescription()
const world = await agentWorld({ tasks: TASKS })
const server = await listen(world.fake)
const client = await createGitHubClient({
  repo: REPO,
  token: world.fake.tokenFor('agent-1'),
  baseUrl: server.url,
})
const mark = (ok: boolean) => (ok ? '✅' : '❌')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Counts {
  writes: number
  reads: number
  notModified: number
}
const count = (log: LoggedRequest[]): Counts => ({
  writes: log.filter((r) => r.contentCreating).length,
  reads: log.filter((r) => !r.contentCreating && !r.notModified).length,
  notModified: log.filter((r) => r.notModified).length,
})

const perTask: { agent: Counts; app: Counts }[] = []
/** The app's requests of the last task, by route. */
let appRoutes = new Map<string, number>()
const nextMs: number[] = []
const failures: string[] = []
for (let t = 0; t < TASKS; t++) {
  const from = world.fake.log.length
  const started = performance.now()
  const { grant } = await client.next()
  nextMs.push(performance.now() - started)
  if (!grant) {
    failures.push(`task ${t + 1}: next() found nothing claimable`)
    break
  }
  const step = async () => {
    await world.fake.settled()
    await world.app.flush()
    await world.fake.settled()
  }
  await step()
  for (let h = 0; h < 3; h++) {
    await client.heartbeat(grant.task, grant.lease.token)
    await step()
  }
  await client.done(grant.task, grant.lease.token, { summary: 'bench' })
  await step()
  const log = world.fake.log.slice(from)
  // The first task also pays the one-time reads: the dashboard search and the config.
  if (t > 0)
    perTask.push({
      agent: count(log.filter((r) => r.login === 'agent-1')),
      app: count(log.filter((r) => r.login === world.fake.appLogin)),
    })
  appRoutes = new Map()
  for (const r of log.filter((x) => x.login === world.fake.appLogin)) {
    const route = `${r.method} ${(r.template ?? r.path).replace('/repos/{owner}/{repo}', '')}`
    appRoutes.set(route, (appRoutes.get(route) ?? 0) + 1)
  }
  await sleep(BETWEEN_TASKS_MS)
}
const problems = [...world.fake.problems, ...world.fake.deliveryErrors.map(String), ...failures]
await server.close()
world.close()

const avg = (pick: (c: { agent: Counts; app: Counts }) => number) =>
  perTask.length ? perTask.reduce((s, c) => s + pick(c), 0) / perTask.length : Number.NaN
const maxAgentWrites = Math.max(...perTask.map((c) => c.agent.writes))
const med = median(nextMs)
const lines = [
  '## The agent client on GitHub (bench/agent-github.bench.ts)',
  '',
  `One agent, ${TASKS} tasks, each \`next\` → 3 × \`heartbeat\` → \`done\`, through \`createGitHubClient\` as shipped`,
  '(default Octokit with the retry and throttling plugins, default polling: first poll after 1 s, doubling',
  'to 10 s) over HTTP to the one fake GitHub (test/support/fake-github) on 127.0.0.1, with the real app in',
  "process receiving the fake's webhooks at once (GitHub's delivery latency excluded). Every request is",
  "checked against GitHub's REST description. Requests counted from the fake's log, per task, tasks 2 to",
  `${TASKS} (the first also pays the one-time dashboard search and config read); the app's status comments`,
  'flushed after every step (the most the server sends; it coalesces them 5 s after the last change).',
  `The agent pauses ${BETWEEN_TASKS_MS / 1000} s between tasks (the throttling plugin spaces content creation 3 s apart).`,
  '',
  '| figure | value | target | |',
  '|---|---|---|---|',
  `| agent: content-creating requests per task (POST/PATCH/PUT/DELETE) | ${fmt(
    avg((c) => c.agent.writes),
    1,
  )} (max ${maxAgentWrites}) | = 5, one per step | ${mark(maxAgentWrites === 5 && avg((c) => c.agent.writes) === 5)} |`,
  `| agent: reads per task answered 200 | ${fmt(
    avg((c) => c.agent.reads),
    1,
  )} | — | |`,
  `| agent: polls answered 304 (no rate limit) per task | ${fmt(
    avg((c) => c.agent.notModified),
    1,
  )} | — | |`,
  `| app: content-creating requests per task | ${fmt(
    avg((c) => c.app.writes),
    1,
  )} | — | |`,
  `| app: reads per task (200) | ${fmt(
    avg((c) => c.app.reads),
    1,
  )} | — | |`,
  `| \`next()\` to holding the token, median of ${nextMs.length} (min–max) | ${fmt(med / 1000)} s (${fmt(Math.min(...nextMs) / 1000)}–${fmt(Math.max(...nextMs) / 1000)} s) | ≤ 1.5 s | ${mark(med <= 1500)} |`,
  `| requests not conforming to GitHub's REST description, delivery errors, failures | ${problems.length} | 0 | ${mark(problems.length === 0)} |`,
  '',
  `The app's requests for one task: ${[...appRoutes].map(([route, n]) => `${n} × \`${route}\``).join(', ')}.`,
  '',
]
for (const p of problems) lines.push(`- ${String(p).split('\n').join(' ')}`)
process.stdout.write(`${lines.join('\n')}\n`)
