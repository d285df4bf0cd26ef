import { Octokit } from '@octokit/rest'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { taskOrchestrator } from '../../../src/app/index.js'
import { FakeClock } from '../../../src/core/clock.js'
import { openStore } from '../../../src/core/db/open.js'
import { Engine } from '../../../src/core/engine.js'
import { readMarkers } from '../../../src/github/replies.js'
import { loadGitHubDescription } from '../github/openapi.js'
import { FakeGitHub, type FakeServer, fakeFetch, listen, probotOnFake } from './index.js'

const REPO = 'Codertocat/Hello-World'
const R = `/repos/${REPO}`

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

function octokitAs(fake: FakeGitHub, login: string, baseUrl?: string) {
  return new Octokit({
    log: quiet,
    auth: fake.tokenFor(login),
    ...(baseUrl ? { baseUrl } : { request: { fetch: fakeFetch(fake) } }),
  })
}

let servers: FakeServer[] = []
beforeAll(() => {
  loadGitHubDescription()
})
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()))
  servers = []
})

describe('the fake GitHub', () => {
  it('keeps issues, labels and comments, and answers as GitHub does', async () => {
    const fake = new FakeGitHub({ now: () => Date.parse('2026-03-01T09:00:00Z') })
    fake.addRepository(REPO, { labels: ['task'] })
    const ada = octokitAs(fake, 'ada')
    const { data: issue } = await ada.rest.issues.create({
      owner: 'Codertocat',
      repo: 'Hello-World',
      title: 'Write the parser',
      labels: ['task', 'priority: high'],
    })
    expect(issue).toMatchObject({ number: 1, state: 'open', user: { login: 'ada', type: 'User' } })
    await ada.rest.issues.update({
      owner: 'Codertocat',
      repo: 'Hello-World',
      issue_number: 1,
      state: 'closed',
      state_reason: 'not_planned',
      assignees: ['ada'],
    })
    const { data: got } = await ada.rest.issues.get({
      owner: 'Codertocat',
      repo: 'Hello-World',
      issue_number: 1,
    })
    expect(got).toMatchObject({
      state: 'closed',
      state_reason: 'not_planned',
      closed_by: { login: 'ada' },
      assignees: [{ login: 'ada' }],
      labels: [{ name: 'task' }, { name: 'priority: high' }],
    })
    // A label that exists is refused as GitHub refuses it.
    await expect(
      ada.rest.issues.createLabel({
        owner: 'Codertocat',
        repo: 'Hello-World',
        name: 'TASK',
        color: 'ff0000',
      }),
    ).rejects.toMatchObject({ status: 422 })
    await expect(
      ada.rest.issues.get({ owner: 'Codertocat', repo: 'Hello-World', issue_number: 9 }),
    ).rejects.toMatchObject({ status: 404 })
    expect(fake.problems).toEqual([])
    expect(fake.deliveries.map((d) => `${d.name}.${d.payload.action}`)).toEqual([
      'issues.opened',
      'issues.assigned',
      'issues.closed',
    ])
  })

  it('pages comment listings with Link headers and filters them by since (updated at or after)', async () => {
    let now = Date.parse('2026-03-01T09:00:00Z')
    const fake = new FakeGitHub({ now: () => now })
    const repo = fake.addRepository(REPO)
    const issue = fake.state.addIssue(repo, { title: 'T', user: 'ada' })
    for (let i = 0; i < 5; i++) {
      fake.state.addComment(repo, issue, `c${i}`, 'ada')
      now += 60_000
    }
    const ada = octokitAs(fake, 'ada')
    const all = await ada.paginate(ada.rest.issues.listComments, {
      owner: 'Codertocat',
      repo: 'Hello-World',
      issue_number: 1,
      per_page: 2,
    })
    expect(all.map((c) => c.body)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4'])
    expect(fake.requests((r) => r.template?.endsWith('/comments') === true)).toHaveLength(3)
    const { data } = await ada.rest.issues.listComments({
      owner: 'Codertocat',
      repo: 'Hello-World',
      issue_number: 1,
      since: '2026-03-01T09:03:00Z',
    })
    expect(data.map((c) => c.body)).toEqual(['c3', 'c4'])
  })

  it('answers an unchanged GET with 304 to If-None-Match, and logs it apart', async () => {
    const fake = new FakeGitHub()
    const repo = fake.addRepository(REPO)
    const issue = fake.state.addIssue(repo, { title: 'T', user: 'ada' })
    const ada = octokitAs(fake, 'ada')
    const params = { owner: 'Codertocat', repo: 'Hello-World', issue_number: 1 }
    const first = await ada.rest.issues.listComments(params)
    const etag = first.headers.etag as string
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/)
    await expect(
      ada.rest.issues.listComments({ ...params, headers: { 'if-none-match': etag } }),
    ).rejects.toMatchObject({ status: 304 })
    fake.state.addComment(repo, issue, 'new', 'bob')
    const changed = await ada.rest.issues.listComments({
      ...params,
      headers: { 'if-none-match': etag },
    })
    expect(changed.data.map((c) => c.body)).toEqual(['new'])
    const polls = fake.requests((r) => r.method === 'GET')
    expect(polls.map((r) => [r.status, r.notModified])).toEqual([
      [200, false],
      [304, true],
      [200, false],
    ])
    // 304s cost no rate limit.
    expect(changed.headers['x-ratelimit-used']).toBe('2')
  })

  it('checks every request against the REST description and answers a bad one with 422', async () => {
    const fake = new FakeGitHub()
    fake.addRepository(REPO)
    await fake.send('ada', 'POST', `${R}/issues`, { title: 'T' })
    const bad = await fake.send('ada', 'PATCH', `${R}/issues/1`, { state: 'done' })
    expect(bad.status).toBe(422)
    const unknown = await fake.send('ada', 'GET', `${R}/no-such-thing`)
    expect(unknown.status).toBe(404)
    expect(fake.problems).toHaveLength(2)
    expect(fake.problems[0]).toMatch(/body\/state must be equal to one of the allowed values/)
    expect(fake.repository(REPO).issues.get(1)?.state).toBe('open')
  })

  it('refuses writes without a token and tokens it does not know', async () => {
    const fake = new FakeGitHub()
    fake.addRepository(REPO)
    const anonymous = new Octokit({ log: quiet, request: { fetch: fakeFetch(fake) } })
    await expect(
      anonymous.rest.issues.create({ owner: 'Codertocat', repo: 'Hello-World', title: 'T' }),
    ).rejects.toMatchObject({ status: 401 })
    const stranger = new Octokit({ log: quiet, auth: 'nope', request: { fetch: fakeFetch(fake) } })
    await expect(
      stranger.rest.issues.listForRepo({ owner: 'Codertocat', repo: 'Hello-World' }),
    ).rejects.toMatchObject({ status: 401 })
    expect(fake.repository(REPO).issues.size).toBe(0)
  })

  it('drops the answer of a request after applying it (in process: a network error)', async () => {
    const fake = new FakeGitHub()
    const repo = fake.addRepository(REPO)
    fake.state.addIssue(repo, { title: 'T', user: 'ada' })
    let drops = 1
    fake.dropResponse = (r) => r.method === 'POST' && drops-- > 0
    const ada = octokitAs(fake, 'ada')
    const params = { owner: 'Codertocat', repo: 'Hello-World', issue_number: 1, body: 'hi' }
    // Octokit turns the network error into a RequestError with status 500.
    await expect(ada.rest.issues.createComment(params)).rejects.toMatchObject({
      status: 500,
      message: expect.stringMatching(/other side closed/),
    })
    expect(repo.comments.map((c) => c.body)).toEqual(['hi'])
    expect(fake.log.map((r) => r.dropped)).toEqual([true])
  })

  it('serves the same state over HTTP on 127.0.0.1, also under /api/v3, and drops by closing the socket', async () => {
    const fake = new FakeGitHub()
    const repo = fake.addRepository(REPO)
    fake.state.addIssue(repo, { title: 'T', user: 'ada' })
    const server = await listen(fake)
    servers.push(server)
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const ada = octokitAs(fake, 'ada', server.url)
    await ada.rest.issues.createComment({
      owner: 'Codertocat',
      repo: 'Hello-World',
      issue_number: 1,
      body: 'over http',
    })
    const ghes = octokitAs(fake, 'ada', `${server.url}/api/v3`)
    const { data } = await ghes.rest.issues.listComments({
      owner: 'Codertocat',
      repo: 'Hello-World',
      issue_number: 1,
    })
    expect(data.map((c) => c.body)).toEqual(['over http'])
    fake.dropResponse = (r) => r.method === 'POST'
    await expect(
      ada.rest.issues.createComment({
        owner: 'Codertocat',
        repo: 'Hello-World',
        issue_number: 1,
        body: 'lost answer',
      }),
    ).rejects.toThrow()
    expect(repo.comments.map((c) => c.body)).toEqual(['over http', 'lost answer'])
    expect(fake.problems).toEqual([])
  })

  it('delivers webhooks to the real app in process: a /claim comment is answered through the fake', async () => {
    const clock = new FakeClock('2026-03-01T09:00:00.000Z')
    const fake = new FakeGitHub({ now: () => clock.now() })
    const repo = fake.addRepository(REPO)
    const engine = new Engine(openStore(':memory:'), { clock })
    const app = taskOrchestrator({ engine, clock, timers: false })
    await probotOnFake(fake, app)
    await fake.send('maint', 'POST', `${R}/issues`, { title: 'Parser', labels: ['task'] })
    await fake.settled()
    expect(engine.get(`${REPO}#1`).status).toBe('pending')
    await fake.send('ada', 'POST', `${R}/issues/1/comments`, { body: '/claim' })
    await fake.settled()
    const replies = repo.comments
      .filter((c) => c.user === fake.appLogin)
      .flatMap((c) => readMarkers(c.body))
    expect(replies).toContainEqual(
      expect.objectContaining({ command: 'claim', ok: true, token: 1 }),
    )
    expect(repo.issues.get(1)).toMatchObject({ assignees: ['ada'] })
    expect(repo.issues.get(1)?.labels).toContain('status: in_progress')
    // The app's own comments and edits were delivered too, as GitHub does, and changed nothing.
    expect(fake.deliveries.some((d) => d.sender === fake.appLogin)).toBe(true)
    expect(engine.events({ task: `${REPO}#1`, type: 'claimed' })).toHaveLength(1)
    expect(fake.deliveryErrors).toEqual([])
    expect(fake.problems).toEqual([])
    app.stop()
  })
})
