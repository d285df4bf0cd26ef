/**
 * Rebuilding the app's state from GitHub (issue 5, "Rebuild"): requests and
 * time for a repository of 1,000 task issues and 5,000 comments — a status
 * comment per task as the app renders it (its marker carrying the task's
 * state), a command and the app's reply with its marker, and two comments of
 * people; planning is also timed with the status comments of before status
 * marker v1, read from their prose. The network is mocked: the
 * repository (the one fake GitHub, `test/support/fake-github/`) is served
 * in-process through the nock harness (every request checked against
 * GitHub's REST description), so the time is reading, planning and writing, not
 * GitHub's latency; at GitHub's usual 100–300 ms per request, add
 * requests × that.
 */
import { taskOrchestrator } from '../src/app/index.js'
import { rebuildFromGitHub } from '../src/app/rebuild/rebuild.js'
import { fetchRepositoryState } from '../src/app/rebuild/rebuild-fetch.js'
import { planRebuild } from '../src/app/rebuild/rebuild-plan.js'
import { FakeClock } from '../src/core/clock.js'
import { openStore } from '../src/core/db/open.js'
import { Engine } from '../src/core/engine.js'
import { restoreTasks } from '../src/core/restore.js'
import { marker } from '../src/github/replies.js'
import { renderStatusComment } from '../src/github/status-comment.js'
import { legacyStatusComment } from '../test/github/legacy-status.js'
import { APP_LOGIN, FakeRepository, serveRepository } from '../test/github/rebuild-recorder.js'
import { disableNetwork, recordedRequests } from '../test/support/github/nock.js'
import { loadGitHubDescription } from '../test/support/github/openapi.js'
import { probotForTests } from '../test/support/github/webhooks.js'
import { fmt, median } from './util.js'

loadGitHubDescription()
disableNetwork()

const TASKS = 1000
const O = 'octo'
const R = 'board'
const clock = new FakeClock('2026-05-01T10:00:00.000Z')
const fake = FakeRepository.create(clock, O, R, null, ['task'])
const scratch = new Engine(openStore(':memory:'), { clock })
const bot = { login: APP_LOGIN, type: 'Bot' }
for (let n = 1; n <= TASKS; n++) {
  const id = `${O}/${R}#${n}`
  const held = n % 10 === 0
  const body = [
    n > 1 && n % 3 ? `### Depends on\n\n- [ ] #${n - 1}\n` : '',
    '### Success criteria\n\n- [ ] Tests pass `tests.failed == 0`\n- [ ] Reviewed\n',
  ].join('\n')
  fake.open(n, `Task ${n}`, body, ['task', held ? 'status: in_progress' : 'status: pending'])
  if (held) fake.issue(n).assignees = ['ada']
  const task = scratch.add({ id, title: `Task ${n}` })
  if (held) scratch.claim(id, `agent-${n}`)
  fake.addComment(
    n,
    renderStatusComment({
      task: { ...scratch.get(id), ...(held ? {} : { lease: null }) },
      dependencies: [],
      context: [],
      criteria: [],
      history: scratch.events({ task: task.id, limit: 10 }),
    }),
    bot,
  )
  const command = fake.addComment(n, '/status', { login: 'ada', type: 'User' })
  fake.addComment(
    n,
    marker({
      command: 'status',
      ok: true,
      task: id,
      token: null,
      reason: null,
      comment: command.id,
    }),
    bot,
  )
  fake.addComment(n, 'Looks good.', { login: 'bob', type: 'User' })
  fake.addComment(n, 'Thanks!', { login: 'ada', type: 'User' })
}
void taskOrchestrator // the app is not run here; its modules are what the rebuild reuses

const probot = await probotForTests(() => {})
const octokit = await probot.auth(1)
const times: number[] = []
let requests = 0
let tasks = 0
for (let run = 0; run < 5; run++) {
  const served = serveRepository(fake)
  const engine = new Engine(openStore(':memory:'), { clock })
  const from = recordedRequests.length
  const start = process.hrtime.bigint()
  const report = await rebuildFromGitHub(octokit, { owner: O, repo: R }, engine)
  times.push(Number(process.hrtime.bigint() - start) / 1e6)
  served.stop()
  requests = recordedRequests.length - from
  tasks = report.tasks
  engine.store.close()
}
// The phases of one rebuild apart: reading (mocked network), planning (pure), writing (one transaction).
const served = serveRepository(fake)
let start = process.hrtime.bigint()
const { state } = await fetchRepositoryState(octokit, { owner: O, repo: R })
const readMs = Number(process.hrtime.bigint() - start) / 1e6
served.stop()
const plans: number[] = []
const writes: number[] = []
for (let run = 0; run < 5; run++) {
  start = process.hrtime.bigint()
  const plan = planRebuild(
    JSON.parse(JSON.stringify(state)), // fresh objects: no parse cached from an earlier run
    { now: new Date(clock.now()).toISOString() },
  )
  plans.push(Number(process.hrtime.bigint() - start) / 1e6)
  const engine = new Engine(openStore(':memory:'), { clock })
  start = process.hrtime.bigint()
  engine.write((ctx) => restoreTasks(ctx, plan.restore, 'bench'))
  writes.push(Number(process.hrtime.bigint() - start) / 1e6)
  engine.store.close()
}
// The same repository with status comments as the app wrote them before status marker v1:
// planned from their prose (the fallback for comments already on GitHub).
const legacy = JSON.parse(JSON.stringify(state)) as typeof state
for (const c of legacy.comments)
  if (c.body?.startsWith('<!-- task-orchestrator:status ')) c.body = legacyStatusComment(c.body)
const legacyPlans: number[] = []
for (let run = 0; run < 5; run++) {
  const fresh = JSON.parse(JSON.stringify(legacy))
  start = process.hrtime.bigint()
  planRebuild(fresh, { now: new Date(clock.now()).toISOString() })
  legacyPlans.push(Number(process.hrtime.bigint() - start) / 1e6)
}
const expected = 1 + 1 + Math.ceil(TASKS / 100) + Math.ceil(fake.data.comments.length / 100)
process.stdout.write(`## Rebuild from GitHub

${tasks} task issues, ${fake.data.comments.length} comments (a status comment per task, a command and its reply, two comments of people), one in ten tasks leased; network mocked in-process (every request checked against GitHub's REST description). Median of 5 runs into a fresh in-memory database.

| figure | value | expected | |
|---|---|---|---|
| API requests | ${requests} | 1 + ⌈labels/100⌉ + ⌈issues/100⌉ + ⌈comments/100⌉ = ${expected} | ${requests === expected ? '✅' : '❌'} |
| wall time (read, plan, write) | ${fmt(median(times), 0)} ms | — | |
| reading alone (${requests} pages, mocked; bodies parsed to find what else to read) | ${fmt(readMs, 0)} ms | — | |
| planning alone, bodies parsed afresh (a rebuild parses each body once) | ${fmt(median(plans), 0)} ms | — | |
| the same, status comments of before status marker v1 (read from their prose) | ${fmt(median(legacyPlans), 0)} ms | — | |
| writing alone (one transaction) | ${fmt(median(writes), 0)} ms | — | |
`)
