/**
 * GitHub API requests per comment command (issue "Figures to reach"):
 * `/claim`, `/heartbeat`, `/release` ≤ 3 requests each, of which ≤ 2 create
 * content; `/done` on a task with k dependents ≤ 3 + k, plus (issue 11) one
 * read of each dependent's body before its tick is written, so a person's
 * edit whose webhook has not arrived is kept; no command lists comments or
 * issues.
 *
 * The real app (`taskOrchestrator`, in-memory engine, fake clock, no timers)
 * receives real `issue_comment.created` payloads through `probot.receive`.
 * nock answers every request to api.github.com, and the test harness
 * (`test/support/github/nock.ts`) validates each one against GitHub's REST API
 * description and logs it in `recordedRequests`, from which the requests of
 * each command are counted (method + path). Steady state: the commenter's
 * permission was looked up once and is cached, the labels exist, the status
 * comment exists. The first command of a user and the deferred status-comment
 * refresh are reported apart.
 */
import nock from 'nock'
import { DashboardState } from '../src/app/dashboard.js'
import { comment, KNOWN_LABELS, makeApp, OWNER, R, REPO, seedTask } from '../test/app/helpers.js'
import {
  disableNetwork,
  drainConformanceProblems,
  githubApi,
  type RecordedRequest,
  recordedRequests,
} from '../test/support/github/nock.js'
import { loadGitHubDescription } from '../test/support/github/openapi.js'
import { receive } from '../test/support/github/webhooks.js'

loadGitHubDescription()
disableNetwork()

// ---------------------------------------------------------------------------
// nock: answer every request the way GitHub would, by route
// ---------------------------------------------------------------------------

let nextId = 100_000
/** The repository's `.github/task-orchestrator.yml` as GitHub serves it ('' → 404). */
let configText = ''
const unexpected: string[] = []
/** Issue bodies as GitHub holds them (the mirror reads a body before writing one). */
const bodies = new Map<number, string>()

function answer(method: string, uri: string, sent?: unknown): [number, unknown] {
  const path = uri.replace(/\?.*$/, '')
  const rest = path.startsWith(R) ? path.slice(R.length) : path
  const id = nextId++
  const user = rest.match(/^\/collaborators\/([^/]+)\/permission$/)?.[1]
  if (method === 'GET' && user)
    return [200, { permission: 'write', role_name: 'write', user: { login: user } }]
  if (method === 'GET' && rest.startsWith('/contents/')) {
    if (!configText) return [404, { message: 'Not Found' }]
    const content = Buffer.from(configText).toString('base64')
    return [200, { type: 'file', encoding: 'base64', content, name: 'task-orchestrator.yml' }]
  }
  if (method === 'GET' && rest === '/labels') return [200, []]
  if (method === 'POST' && rest === '/labels') return [201, { id, name: 'label' }]
  if (method === 'POST' && /^\/issues\/comments\/\d+\/reactions$/.test(rest))
    return [201, { id, content: '+1' }]
  if (method === 'POST' && /^\/issues\/\d+\/comments$/.test(rest)) return [201, { id, body: '' }]
  if (method === 'PATCH' && /^\/issues\/comments\/\d+$/.test(rest)) return [200, { id }]
  const issue = rest.match(/^\/issues\/(\d+)$/)?.[1]
  if (method === 'GET' && issue)
    return [200, { id, number: Number(issue), body: bodies.get(Number(issue)) ?? '' }]
  if (method === 'PATCH' && issue) {
    const body = (sent as { body?: unknown } | undefined)?.body
    if (typeof body === 'string') bodies.set(Number(issue), body)
    return [200, { id, number: Number(issue) }]
  }
  if (method === 'POST' && /^\/issues\/\d+\/dependencies\/blocked_by$/.test(rest))
    return [201, { id }]
  if (method === 'GET' && path === '/search/issues')
    return [200, { total_count: 0, incomplete_results: false, items: [] }]
  if (method === 'POST' && rest === '/issues') return [201, { id, number: 900, node_id: 'I_900' }]
  unexpected.push(`${method} ${uri}`)
  return [404, { message: 'Not Found' }]
}

// GraphQL (pinning the dashboard issue) is not part of the REST description: a plain scope.
let graphqlRequests = 0
nock('https://api.github.com')
  .persist()
  .post('/graphql')
  .reply(200, () => {
    graphqlRequests++
    return { data: { pinIssue: { issue: { number: 900 } } } }
  })

const api = githubApi().persist()
for (const method of ['get', 'post', 'patch', 'put', 'delete'] as const) {
  api[method](/.*/).reply(function (uri: string, sent: unknown) {
    return answer(this.req.method.toUpperCase(), uri, sent)
  })
}

// ---------------------------------------------------------------------------
// Counting
// ---------------------------------------------------------------------------

/** A read of one issue (its body, before the mirror writes it). */
const bodyRead = (r: RecordedRequest) =>
  r.method === 'GET' && /\/issues\/\d+$/.test(r.path.replace(/\?.*$/, ''))
/** Requests that create content: comments, reactions, labels, native dependencies. */
const creates = (r: RecordedRequest) => r.method === 'POST'
/** Listing comments or issues (or searching issues): what SQLite already knows. */
const lists = (r: RecordedRequest) =>
  r.method === 'GET' &&
  /\/(comments|issues|timeline|events)$|^\/search\/issues$/.test(r.path.replace(/\?.*$/, ''))

const all: RecordedRequest[] = []
const problems: string[] = []

/** The requests `fn` sends, validated against GitHub's REST API description. */
async function requestsOf(fn: () => Promise<unknown>): Promise<RecordedRequest[]> {
  recordedRequests.length = 0
  await fn()
  const sent = [...recordedRequests]
  all.push(...sent)
  problems.push(...drainConformanceProblems())
  return sent
}

/** `PATCH …/issues/{n} ×11, POST …/issues/{n}/comments`: method and route, repeats counted. */
function routes(sent: RecordedRequest[]): string {
  const names = sent.map((r) => {
    const bare = r.path.replace(/\?.*$/, '')
    const path = bare.startsWith(R) ? `…${bare.slice(R.length)}` : bare
    const route = path
      .replace(/\/collaborators\/[^/]+/, '/collaborators/{user}')
      .replace(/\/comments\/\d+/, '/comments/{id}')
      .replace(/\/\d+/g, '/{n}')
    return `${r.method} ${route}`
  })
  const out: [string, number][] = []
  for (const name of names) {
    const last = out.at(-1)
    if (last?.[0] === name) last[1]++
    else out.push([name, 1])
  }
  return `${sent.length}: ${out.map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ')}`
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`github-api bench: ${what}`)
}

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

const { probot, app, rt, engine, clock } = await makeApp()
const task = (n: number) => `${OWNER}/${REPO}#${n}`
let commentId = 70_000
const say = (n: number, body: string, login = 'ada') =>
  requestsOf(() => receive(probot, 'issue_comment.created', comment(n, body, login, commentId++)))
const flush = () => requestsOf(() => app.flush())

/** Tasks `n` and its dependents `n+1 … n+k`, whose bodies list `- [ ] #n`. */
function seedWithDependents(n: number, k: number): void {
  seedTask(rt, n)
  for (let i = 1; i <= k; i++) {
    bodies.set(n + i, `### Depends on\n- [ ] #${n}\n`)
    seedTask(rt, n + i, { dependsOn: [n], body: bodies.get(n + i) })
  }
}

seedTask(rt, 1)
seedTask(rt, 2)
seedTask(rt, 3)
seedTask(rt, 4)
seedWithDependents(10, 1)
seedWithDependents(20, 5)
seedWithDependents(30, 10)
check(rt.state.repo(`${OWNER}/${REPO}`).labels.length === KNOWN_LABELS.length, 'labels are known')

interface Row {
  command: string
  sent: RecordedRequest[]
  /** Request budget (body reads apart), or null when the issue sets none. */
  budget: number | null
  createBudget: number | null
  /** Reads of an issue's body before writing it (`GET …/issues/{n}`) allowed on top. */
  readBudget?: number
}
const rows: Row[] = []
const apart: { what: string; sent: RecordedRequest[]; note: string }[] = []

// The first command of a user: the permission is looked up once (cached for 10 minutes).
const first = await say(1, '/claim')
check(engine.get(task(1)).lease?.holder === 'ada', 'first /claim granted')
apart.push({
  what: "`/claim`, ada's first command (permission looked up)",
  sent: first,
  note: 'one `GET …/collaborators/ada/permission`, then cached for 10 minutes',
})
const firstFlush = await flush()
apart.push({
  what: '`app.flush()` after that `/claim`',
  sent: firstFlush,
  note: 'the status comment of the task, edited in place',
})
await say(1, '/release') // an agent holds one lease at a time (default capacity 1)
await flush()

// Steady state from here on: permission cached, labels known, status comments exist.
rows.push({ command: '`/claim`', sent: await say(2, '/claim'), budget: 3, createBudget: 2 })
check(engine.get(task(2)).lease?.holder === 'ada', '/claim granted')
await flush()
await say(3, '/status', 'grace') // grace's first command: her permission is looked up
rows.push({
  command: '`/claim` on a task someone holds (refused)',
  sent: await say(2, '/claim', 'grace'),
  budget: 3,
  createBudget: 2,
})
check(engine.get(task(2)).lease?.holder === 'ada', 'second /claim refused')
rows.push({ command: '`/heartbeat`', sent: await say(2, '/heartbeat'), budget: 3, createBudget: 2 })
await flush()
rows.push({
  command: '`/progress 50`',
  sent: await say(2, '/progress 50'),
  budget: null,
  createBudget: null,
})
await flush()
rows.push({ command: '`/status`', sent: await say(2, '/status'), budget: null, createBudget: null })
rows.push({ command: '`/release`', sent: await say(2, '/release'), budget: 3, createBudget: 2 })
check(engine.get(task(2)).lease === null && engine.get(task(2)).status === 'pending', 'released')
await flush()

const doneFlushes: { k: number; sent: RecordedRequest[] }[] = []
for (const [n, k] of [
  [3, 0],
  [10, 1],
  [20, 5],
  [30, 10],
] as const) {
  await say(n, '/claim')
  await flush()
  const sent = await say(n, `/done finished task ${n}`)
  check(engine.get(task(n)).status === 'completed', `/done completed #${n}`)
  for (let i = 1; i <= k; i++) {
    check(engine.get(task(n + i)).status === 'pending', `#${n + i} unblocked`)
    check(rt.state.issue(task(n + i))?.body === `### Depends on\n- [x] #${n}\n`, 'box ticked')
  }
  rows.push({
    command: `\`/done\`, k = ${k} dependent${k === 1 ? '' : 's'}`,
    sent,
    budget: 3 + k,
    createBudget: null,
    readBudget: k,
  })
  doneFlushes.push({ k, sent: await flush() })
}
const lastDone = doneFlushes.at(-1)!
apart.push({
  what: `\`app.flush()\` after \`/done\` with k = ${lastDone.k}`,
  sent: lastDone.sent,
  note: `one edit per status comment that changed: the task's and its ${lastDone.k} dependents'`,
})

// Coalescing: several commands on one task, one refresh.
await say(4, '/claim')
await say(4, '/progress 20')
await say(4, '/heartbeat')
await say(4, '/progress 80')
const coalesced = await flush()
apart.push({
  what: '`app.flush()` after `/claim`, `/progress 20`, `/heartbeat`, `/progress 80` on one task',
  sent: coalesced,
  note: 'four commands, one status-comment edit',
})

// The dashboard issue (opt-in): created once, then edited in place.
configText = 'dashboard:\n  enabled: true\n'
await requestsOf(async () =>
  rt.config(
    (await probot.auth(1)) as Parameters<typeof rt.config>[0],
    { owner: OWNER, repo: REPO },
    true,
  ),
)
const dashboards = new DashboardState(engine.store)
dashboards.markDirty([`${OWNER}/${REPO}`])
const createdDashboard = await flush()
check(dashboards.get(`${OWNER}/${REPO}`).number === 900, 'dashboard created')
check(graphqlRequests === 1, 'dashboard pinned with one GraphQL request')
apart.push({
  what: 'the dashboard issue, first refresh (once per repository)',
  sent: createdDashboard,
  note: 'a search for an existing dashboard, its creation, and one GraphQL `pinIssue` (not listed: GraphQL)',
})
clock.advance(61_000)
await say(4, '/release') // the board changes: task 4 is no longer in progress
const dashboardRefresh = await flush()
const dashboardOnly = dashboardRefresh.filter((r) => r.path.startsWith(`${R}/issues/900`))
rows.push({
  command: 'dashboard refresh after a change (coalesced, ≤ 1 a minute)',
  sent: dashboardOnly,
  budget: 2,
  createBudget: 0,
})

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

const listing = all.filter(lists).filter((r) => !createdDashboard.includes(r))
const mark = (ok: boolean) => (ok ? '✅' : '❌')
const lines = [
  '## GitHub API requests per command',
  '',
  'The real app receives `issue_comment.created` payloads through `probot.receive`; nock answers',
  "every request, each validated against GitHub's REST API description by the test harness, and",
  'the requests of each command are counted from its log (method + path). Content-creating = a',
  'POST (reply comment, reaction, label, native `blocked_by`). Steady state: the commenter’s',
  'permission is cached, the labels exist, the status comment exists.',
  '',
  '| command | requests | of which create content | target | |',
  '|---|---|---|---|---|',
  ...rows.map((r) => {
    const reads = r.sent.filter(bodyRead).length
    const n = r.sent.length - reads
    const c = r.sent.filter(creates).length
    const target =
      r.budget === null
        ? '—'
        : r.createBudget === null
          ? `≤ 3 + k = ${r.budget}${r.readBudget ? `, + k = ${r.readBudget} body reads` : ''}`
          : `≤ ${r.budget}, ≤ ${r.createBudget} create`
    const ok =
      r.budget === null
        ? ''
        : mark(
            n <= r.budget &&
              reads <= (r.readBudget ?? 0) &&
              (r.createBudget === null || c <= r.createBudget),
          )
    return `| ${r.command} | ${routes(r.sent)} | ${c} | ${target} | ${ok} |`
  }),
  `| requests listing comments or issues (\`GET …/comments\`, \`GET …/issues\`), all ${all.length} requests of this run but the dashboard's one-time search | ${listing.length}${listing.length ? ` (${routes(listing)})` : ''} | — | 0 | ${mark(listing.length === 0)} |`,
  `| requests not conforming to GitHub's REST API description, or unanswered | ${problems.length + unexpected.length} | — | 0 | ${mark(problems.length + unexpected.length === 0)} |`,
  '',
  'Not counted against a command:',
  '',
  '| what | requests | |',
  '|---|---|---|',
  ...apart.map((a) => `| ${a.what} | ${routes(a.sent)} | ${a.note} |`),
  '',
  "A command does not touch the status comment: it marks the task's status comment for refresh,",
  'and a coalesced flush (`app.flush()`, on a timer 5 s after the last change in the server)',
  'edits each changed status comment once, however many commands changed it meanwhile.',
  'A user’s first command (or the first after the 10-minute permission cache expires) adds one',
  '`GET …/collaborators/{user}/permission`.',
  'Writing a body (a dependent’s tick) costs one `GET …/issues/{n}` first (issue 11): the mirror',
  'applies the tick to the body GitHub has now, so a person’s edit whose webhook has not arrived',
  'yet is kept. It is conditional (`If-None-Match` with the last `ETag`): when nothing changed',
  'since the app’s last read, GitHub answers `304` and no rate limit is spent.',
  '',
]
for (const p of [...problems, ...unexpected]) lines.push(`- ${p.split('\n').join(' ')}`)
process.stdout.write(`${lines.join('\n')}\n`)
