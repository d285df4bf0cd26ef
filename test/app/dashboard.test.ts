/**
 * The dashboard issue through the real app (`probot.receive`, in-memory
 * engine, fake clock, no timers): created once (search for an old one, create,
 * pin), edited in place, at most once a minute, only when something changed,
 * one request per refresh; a refused pin is reported once. Every REST call is
 * asserted with nock and checked against GitHub's REST API description; the
 * GraphQL `pinIssue` call with a plain nock scope (GraphQL is not in that
 * description).
 */
import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { DASHBOARD_MARKER, DashboardState } from '../../src/app/dashboard.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { GITHUB_API, githubApi, recordedRequests } from '../support/github/nock.js'
import { INSTALLATION, receive, webhookExample } from '../support/github/webhooks.js'
import { comment, makeApp, OWNER, permission, R, REPO, seedTask } from './helpers.js'

useGitHubHarness()

const REPO_KEY = `${OWNER}/${REPO}`
const ENABLED = 'dashboard:\n  enabled: true\n  title: Our board\n'

async function appWithTasks() {
  const made = await makeApp()
  seedTask(made.rt, 1)
  seedTask(made.rt, 2, { dependsOn: [1], body: '### Depends on\n- [ ] #1\n' })
  made.rt.state.saveRepo(REPO_KEY, made.rt.now(), { config: ENABLED })
  return made
}

function pin(issueId: string, reply: object = { data: { pinIssue: { issue: { number: 50 } } } }) {
  return nock(GITHUB_API)
    .post('/graphql', (b) => b.query.includes('pinIssue') && b.variables.issueId === issueId)
    .reply(200, reply)
}

describe('the dashboard issue', () => {
  it('is created once and pinned after a command; later changes edit it in place, at most once a minute', async () => {
    const { probot, app, rt, clock } = await appWithTasks()
    permission('ada', 'write')
    githubApi()
      .post(`${R}/issues/comments/5001/reactions`)
      .reply(201, {})
      .patch(`${R}/issues/1`)
      .reply(200, {})
      .post(`${R}/issues/1/comments`)
      .reply(201, { id: 1 })
    await receive(probot, 'issue_comment.created', comment(1, '/claim'))
    expect(new DashboardState(rt.engine.store).dirtyRepos()).toEqual([REPO_KEY])

    let created = ''
    githubApi()
      .patch(`${R}/issues/comments/9001`)
      .reply(200, {})
      .get('/search/issues')
      .query((q) => String(q.q).includes(`repo:${REPO_KEY}`))
      .reply(200, { total_count: 0, incomplete_results: false, items: [] })
      .post(`${R}/issues`, (b) => {
        created = b.body
        return b.title === 'Our board'
      })
      .reply(201, { number: 50, node_id: 'I_50' })
    const pinned = pin('I_50')
    recordedRequests.length = 0
    await app.flush()
    expect(pinned.isDone()).toBe(true)
    expect(recordedRequests.map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`)).toEqual([
      `PATCH ${R}/issues/comments/9001`,
      'GET /search/issues',
      `POST ${R}/issues`,
    ])
    expect(created.startsWith(DASHBOARD_MARKER)).toBe(true)
    expect(created).toContain('# Our board')
    expect(created).toContain('| #1 | Task 1 | ada |')
    expect(created).toContain('```mermaid\nflowchart LR')
    expect(new DashboardState(rt.engine.store).get(REPO_KEY)).toMatchObject({
      number: 50,
      pin: 'pinned',
      dirty: false,
    })

    // A change within the minute: nothing is sent (nock would refuse it), it stays dirty.
    clock.advance(20_000)
    rt.engine.heartbeat(`${REPO_KEY}#1`, 'ada', 1)
    rt.engine.add({ id: `${REPO_KEY}#3`, title: 'Task 3' })
    new DashboardState(rt.engine.store).markDirty([REPO_KEY])
    recordedRequests.length = 0
    expect(await app.flush()).toBe(0)
    expect(recordedRequests).toEqual([])
    expect(new DashboardState(rt.engine.store).dirtyRepos()).toEqual([REPO_KEY])

    // A minute after the last refresh: one edit in place.
    clock.advance(41_000)
    let edited = ''
    githubApi()
      .patch(`${R}/issues/50`, (b) => {
        edited = b.body
        return b.title === undefined
      })
      .reply(200, {})
    expect(await app.flush()).toBe(1)
    expect(recordedRequests.map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH ${R}/issues/50`])
    expect(edited).toContain('| #3 | Task 3 |')

    // The app's own edit comes back as an `issues.edited` webhook: not a change.
    await receive(
      probot,
      'issues.edited',
      webhookExample('issues.edited', {
        issue: { number: 50, id: 1050, title: 'Our board', body: edited, labels: [] },
        changes: { body: { from: created } },
        sender: { login: 'task-orchestrator[bot]', type: 'Bot' },
        installation: INSTALLATION,
      }),
    )
    expect(new DashboardState(rt.engine.store).dirtyRepos()).toEqual([])

    // #1 completes (nothing left blocked or leased), a minute later: one edit.
    rt.engine.complete(`${REPO_KEY}#1`, 'ada', 1)
    new DashboardState(rt.engine.store).markDirty([REPO_KEY])
    clock.advance(61_000)
    githubApi().patch(`${R}/issues/50`).reply(200, {})
    expect(await app.flush()).toBe(1)
    // Dirty again a minute later, but the body would be the same apart from its time: no request.
    clock.advance(61_000)
    new DashboardState(rt.engine.store).markDirty([REPO_KEY])
    recordedRequests.length = 0
    expect(await app.flush()).toBe(0)
    expect(recordedRequests).toEqual([])
    expect(new DashboardState(rt.engine.store).dirtyRepos()).toEqual([])
  })

  it('adopts an existing dashboard found by its marker instead of opening a second', async () => {
    const { app, rt } = await appWithTasks()
    new DashboardState(rt.engine.store).markDirty([REPO_KEY])
    githubApi()
      .get('/search/issues')
      .query(true)
      .reply(200, {
        total_count: 1,
        incomplete_results: false,
        items: [
          {
            number: 7,
            node_id: 'I_7',
            body: `${DASHBOARD_MARKER}\n# Task board`,
            user: { login: 'task-orchestrator[bot]', type: 'Bot' },
          },
        ],
      })
      .patch(`${R}/issues/7`, (b) => b.title === 'Our board' && b.body.includes('| #2 |'))
      .reply(200, {})
    expect(await app.flush()).toBe(2)
    expect(new DashboardState(rt.engine.store).get(REPO_KEY)).toMatchObject({
      number: 7,
      searched: true,
    })
  })

  it('says once that pinning was refused, and works unpinned', async () => {
    const { app, rt, probot, clock } = await appWithTasks()
    const warnings: string[] = []
    probot.log.warn = ((m: string) => warnings.push(m)) as typeof probot.log.warn
    new DashboardState(rt.engine.store).markDirty([REPO_KEY])
    githubApi()
      .get('/search/issues')
      .query(true)
      .reply(200, { total_count: 0, incomplete_results: false, items: [] })
      .post(`${R}/issues`)
      .reply(201, { number: 51, node_id: 'I_51' })
    pin('I_51', {
      data: null,
      errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }],
    })
    await app.flush()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/#51 of Codertocat\/Hello-World could not be pinned/)
    const record = new DashboardState(rt.engine.store).get(REPO_KEY)
    expect(record.pin).toMatch(/Resource not accessible/)
    // The next refresh edits in place and does not try to pin again.
    clock.advance(61_000)
    rt.engine.add({ id: `${REPO_KEY}#4`, title: 'Task 4' })
    new DashboardState(rt.engine.store).markDirty([REPO_KEY])
    githubApi().patch(`${R}/issues/51`).reply(200, {})
    expect(await app.flush()).toBe(1)
    expect(warnings).toHaveLength(1)
  })

  it('says the board is empty once every task is archived, instead of keeping the old board', async () => {
    const { app, rt, clock } = await appWithTasks()
    new DashboardState(rt.engine.store).save(REPO_KEY, {
      number: 7,
      node_id: 'I_7',
      title: 'Our board',
      body: `${DASHBOARD_MARKER}\n# Our board\n\n| #1 | Task 1 |`,
      refreshed_at: rt.now(),
      pin: 'pinned',
      searched: true,
      dirty: true,
    })
    for (const n of [1, 2]) rt.engine.cancel(`${REPO_KEY}#${n}`, 'dropped', 'maint')
    clock.advance(2 * 86_400_000)
    rt.engine.archive(1, 'maint')
    let edited = ''
    githubApi()
      .patch(`${R}/issues/7`, (b) => {
        edited = b.body
        return true
      })
      .reply(200, {})
    expect(await app.flush()).toBe(1)
    expect(edited).toContain('No tasks in the working set')
    expect(edited).not.toContain('Task 1')
  })

  it('is off by default: no request at all', async () => {
    const { app, rt } = await makeApp()
    seedTask(rt, 1)
    new DashboardState(rt.engine.store).markDirty([REPO_KEY])
    expect(await app.flush()).toBe(0)
    expect(recordedRequests).toEqual([])
    expect(new DashboardState(rt.engine.store).dirtyRepos()).toEqual([])
  })
})

describe('/metrics', () => {
  it("replies with the repository's figures and the commenter's own line, and mirrors nothing (like /status)", async () => {
    const { probot, rt, clock } = await appWithTasks()
    rt.engine.claim(`${REPO_KEY}#1`, 'ada')
    clock.advance(2 * 3_600_000)
    rt.engine.claim(`${REPO_KEY}#1`, 'ada', 2 * 3_600_000) // the first lease expired: a failed try
    clock.advance(3_600_000)
    rt.engine.complete(`${REPO_KEY}#1`, 'ada', 2)
    permission('ada', 'write')
    let reply = ''
    githubApi()
      .post(`${R}/issues/comments/5001/reactions`, { content: '+1' })
      .reply(201, {})
      .post(`${R}/issues/1/comments`, (b) => {
        reply = b.body
        return true
      })
      .reply(201, { id: 2 })
    recordedRequests.length = 0
    await receive(probot, 'issue_comment.created', comment(1, '/metrics'))
    // A reaction and the reply, nothing else: no mirror pass (no issue edit) follows a read.
    expect(recordedRequests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${R}/collaborators/ada/permission`,
      `POST ${R}/issues/comments/5001/reactions`,
      `POST ${R}/issues/1/comments`,
    ])
    expect(reply).toContain('Metrics of the last 30 days')
    expect(reply).toMatch(/\| all \| 1 \| 2 \| 1 \| 3 h \/ 3 h \|/)
    expect(reply).toMatch(/\| ada \| 1 \| 2 \| 1 \| 3 h \/ 3 h \|/)
  })
})
