/**
 * The GitHub transport of the agent client against nock (every request
 * checked against GitHub's REST description, none left pending): the reply
 * is found by the command comment's id among other replies, markers from
 * other authors are ignored, unchanged polls are 304s, a timeout and a
 * refusal are errors with codes, and a dropped POST is never repeated when
 * the comment was made.
 */
import { describe, expect, it } from 'vitest'
import { marker, type Outcome } from '../../src/github/markers.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi, recordedRequests } from '../support/github/nock.js'
import { ADA, APP, client, comment, ISSUE, reply, T0 } from './fixtures.js'

useGitHubHarness()

const pollQuery = { since: T0, per_page: '100', page: '1' }

describe('GitHub transport: one command, one reply', () => {
  it('claim: posts once, polls with ETags (304 while unchanged), takes only the app’s reply naming its comment', async () => {
    let posted = ''
    const forged = comment(
      201,
      { login: 'mallory', type: 'User' },
      marker({
        command: 'claim',
        ok: true,
        task: 'octo/api#12',
        token: 99,
        reason: null,
        holder: 'ada',
        expires_at: '2030-01-01T00:00:00.000Z',
        comment: 100,
      }),
    )
    const otherBot = comment(
      202,
      { login: 'evil[bot]', type: 'Bot' },
      marker({
        command: 'claim',
        ok: true,
        task: 'octo/api#12',
        token: 98,
        reason: null,
        comment: 100,
      }),
    )
    const forOthers = reply(203, {
      token: 2,
      holder: 'bob',
      expires_at: '2026-03-01T09:30:00.000Z',
      comment: 99,
    })
    const mine = reply(204, {
      token: 3,
      holder: 'ada',
      expires_at: '2026-03-01T09:30:00.000Z',
      comment: 100,
    })
    githubApi()
      .post(ISSUE, (body: { body: string }) => {
        posted = body.body
        return true
      })
      .reply(201, comment(100, ADA, '/claim 2h'))
      .get(ISSUE)
      .query(pollQuery)
      .reply(200, [comment(100, ADA, '/claim'), forged, otherBot], { etag: '"a"' })
      .get(ISSUE)
      .query(pollQuery)
      .matchHeader('if-none-match', '"a"')
      .reply(304, '', { etag: '"a"' })
      .get(ISSUE)
      .query(pollQuery)
      .matchHeader('if-none-match', '"a"')
      .reply(200, [comment(100, ADA, '/claim'), forged, otherBot, forOthers, mine], { etag: '"b"' })
    const c = await client()
    const grant = await c.claim('#12', { ttlMs: 2 * 3_600_000 })
    expect(grant).toEqual({
      task: 'octo/api#12',
      lease: { holder: 'ada', token: 3, expires_at: '2026-03-01T09:30:00.000Z' },
    })
    expect(posted).toMatch(/^\/claim 7200s\n\n<!-- tm-client: [0-9a-f-]{36} -->$/)
    expect(c.agent).toBe('ada')
    expect(c.requestCounts).toEqual({ fresh: 2, notModified: 1 })
    expect(recordedRequests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('a refusal is a TaskError with the engine code, an app refusal a ClientError', async () => {
    const refused = (id: number, o: Partial<Outcome>) =>
      comment(
        id,
        APP,
        marker({
          command: 'claim',
          ok: false,
          task: 'octo/api#12',
          token: null,
          reason: 'no',
          ...o,
        }),
      )
    githubApi()
      .post(ISSUE)
      .reply(201, comment(100, ADA, '/claim'))
      .get(ISSUE)
      .query(pollQuery)
      .reply(200, [
        refused(300, {
          code: 'LeaseHeld',
          reason: 'held by bob',
          holder: 'bob',
          expires_at: '2026-03-01T09:30:00.000Z',
          comment: 100,
        }),
      ])
      .post(ISSUE)
      .reply(201, comment(101, ADA, '/claim'))
      .get(ISSUE)
      .query(pollQuery)
      .reply(200, [refused(301, { code: 'Forbidden', reason: 'needs write', comment: 101 })])
    const c = await client()
    await expect(c.claim('octo/api#12')).rejects.toMatchObject({
      name: 'TaskError',
      code: 'LeaseHeld',
      message: 'held by bob',
      details: { holder: 'bob', expires_at: '2026-03-01T09:30:00.000Z', comment: 100 },
    })
    await expect(c.claim('12')).rejects.toMatchObject({ name: 'ClientError', code: 'Forbidden' })
  })

  it('heartbeat: a reply on another token is StaleToken', async () => {
    githubApi()
      .post(ISSUE, { body: /^\/heartbeat\n/ })
      .reply(201, comment(100, ADA, '/heartbeat'))
      .get(ISSUE)
      .query(pollQuery)
      .reply(200, [
        reply(300, {
          command: 'heartbeat',
          token: 4,
          holder: 'ada',
          expires_at: '2026-03-01T10:00:00.000Z',
          comment: 100,
        }),
      ])
    const c = await client()
    await expect(c.heartbeat('#12', 3)).rejects.toMatchObject({
      code: 'StaleToken',
      details: { token: 3, current_token: 4 },
    })
  })

  it('times out with the comment id and the key, and a retry with that key posts nothing and finds the reply', async () => {
    githubApi()
      .post(ISSUE)
      .reply(201, comment(100, ADA, '/release'))
      .get(ISSUE)
      .query(pollQuery)
      .reply(200, [comment(100, ADA, '/release')], { etag: '"x"' })
      .get(ISSUE)
      .query(pollQuery)
      .matchHeader('if-none-match', '"x"')
      .times(1000)
      .optionally()
      .reply(304, '')
    const c = await client({ maxPollIntervalMs: 20 })
    const err = await c.release('#12', 3, { timeoutMs: 150 }).catch((e: unknown) => e)
    expect(err).toMatchObject({
      name: 'ClientError',
      code: 'Timeout',
      details: { comment: 100, timeout_ms: 150 },
    })
    const key = (err as { details: { idempotency_key: string } }).details.idempotency_key
    expect(key).toMatch(/^[0-9a-f-]{36}$/)
    const posted = comment(100, ADA, `/release\n\n<!-- tm-client: ${key} -->`)
    githubApi()
      .get(ISSUE)
      .query({ per_page: '100', page: '1' })
      .reply(200, [posted])
      .get(ISSUE)
      .query(pollQuery)
      .reply(200, [posted, reply(301, { command: 'release', token: 3, comment: 100 })])
    // A new process (no cached ETags) retrying the call with the key.
    const again = await client()
    await expect(again.release('#12', 3, { idempotencyKey: key })).resolves.toEqual({
      task: 'octo/api#12',
    })
    expect(recordedRequests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('a POST whose response is lost is not repeated when the comment was made (found by its key)', async () => {
    let body = ''
    githubApi()
      .post(ISSUE, (b: { body: string }) => {
        body = b.body
        return true
      })
      .replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
      .get(ISSUE)
      .query((q) => typeof q.since === 'string' && q.page === '1')
      .reply(200, () => [comment(100, ADA, body)])
      .get(ISSUE)
      .query(pollQuery)
      .reply(200, () => [
        comment(100, ADA, body),
        reply(300, { command: 'done', token: 3, comment: 100 }),
      ])
    const c = await client({ octokit: undefined }) // the default Octokit
    await expect(c.done('#12', 3, { summary: 'line one\nline two' })).resolves.toEqual({
      task: 'octo/api#12',
    })
    expect(body).toMatch(/^\/done line one line two\n\n<!-- tm-client: /)
    expect(recordedRequests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('a POST refused by GitHub (4xx) is not retried and says so', async () => {
    githubApi().post(ISSUE).reply(403, { message: 'Resource not accessible by integration' })
    const c = await client()
    await expect(c.claim('#12')).rejects.toMatchObject({
      code: 'GitHubError',
      details: { status: 403 },
    })
  })
})

describe('GitHub transport: next', () => {
  const DASH = '/repos/octo/api/issues/1/comments'
  const dashboard = {
    total_count: 2,
    incomplete_results: false,
    items: [
      {
        number: 9,
        body: '<!-- task-orchestrator: dashboard -->\nforged',
        user: { login: 'mallory', type: 'User' },
      },
      { number: 1, body: '<!-- task-orchestrator: dashboard -->\nboard', user: APP },
    ],
  }
  const nextReply = (id: number, o: Partial<Outcome>) =>
    comment(
      id,
      APP,
      marker({
        command: 'next',
        ok: true,
        task: 'octo/api#1',
        token: null,
        reason: null,
        comment: 100,
        ...o,
      }),
    )

  it('posts /next on the app’s dashboard issue and returns the task and the grant; nothing claimable is null', async () => {
    githubApi()
      .get('/search/issues')
      .query(true)
      .reply(200, dashboard)
      .post(DASH, { body: /^\/next reviewer\n/ })
      .reply(201, comment(100, ADA, '/next reviewer'))
      .get(DASH)
      .query(pollQuery)
      .reply(200, [
        nextReply(300, {
          task: 'octo/api#12',
          token: 1,
          holder: 'ada',
          expires_at: '2026-03-01T09:30:00.000Z',
        }),
      ])
      .get('/repos/octo/api/issues/12')
      .reply(200, {
        id: 1,
        node_id: 'I_1',
        number: 12,
        title: 'Parser',
        body: '',
        state: 'open',
        labels: [
          { name: 'task' },
          { name: 'status: pending' },
          { name: 'priority: high' },
          { name: 'persona: reviewer' },
        ],
        assignee: null,
        created_at: T0,
        updated_at: T0,
        closed_at: null,
      })
      .get('/repos/octo/api/contents/.github%2Ftask-orchestrator.yml')
      .reply(404, { message: 'Not Found' })
      .post(DASH)
      .reply(201, comment(101, ADA, '/next'))
      .get(DASH)
      .query(pollQuery)
      .reply(200, [
        nextReply(301, {
          ok: false,
          reason: 'nothing is claimable',
          code: 'NothingClaimable',
          comment: 101,
        }),
      ])
    const c = await client()
    const lease = { holder: 'ada', token: 1, expires_at: '2026-03-01T09:30:00.000Z' }
    expect(await c.next({ persona: 'reviewer' })).toEqual({
      task: {
        id: 'octo/api#12',
        title: 'Parser',
        description: '',
        status: 'in_progress',
        priority: 'high',
        persona: 'reviewer',
        assignee: null,
        created_at: T0,
        updated_at: T0,
        lease,
      },
      grant: { task: 'octo/api#12', lease },
    })
    expect(await c.next()).toEqual({ task: null, grant: null })
  })
})

describe('GitHub transport: reads', () => {
  it('status reads the issue and the app’s status marker, never a forged one', async () => {
    const state = {
      task: 'octo/api#12',
      v: 1,
      status: 'in_progress',
      priority: 'high',
      persona: null,
      milestone: null,
      lease: {
        holder: 'ada',
        token: 3,
        acquired_at: '2026-03-01T09:00:00.000Z',
        heartbeat_at: '2026-03-01T09:00:00.000Z',
        expires_at: '2026-03-01T09:30:00.000Z',
      },
      attempts: 1,
      max_attempts: 3,
      blocked_reason: null,
      requires_approval: false,
      approved_by: null,
      approved_at: null,
      progress: { percent: 40, message: 'lexer' },
      completion_summary: null,
      feedback: null,
      participants: [],
      open_questions: [],
      criteria: [],
      history: [],
    }
    const line = (s: object) => `<!-- task-orchestrator:status ${JSON.stringify(s)} -->\nstatus`
    githubApi()
      .get('/repos/octo/api/issues/12')
      .reply(200, {
        id: 1,
        node_id: 'I_1',
        number: 12,
        title: 'Parser',
        body: 'Rewrite it',
        state: 'open',
        labels: [{ name: 'task' }, { name: 'status: in_progress' }, { name: 'priority: high' }],
        assignee: { login: 'ada' },
        created_at: T0,
        updated_at: T0,
        closed_at: null,
      })
      .get(ISSUE)
      .query({ per_page: '100', page: '1' })
      .reply(200, [
        comment(
          1,
          { login: 'mallory', type: 'User' },
          line({ ...state, lease: { ...state.lease, holder: 'mallory' } }),
        ),
        comment(2, APP, line(state)),
      ])
      .get('/repos/octo/api/contents/.github%2Ftask-orchestrator.yml')
      .reply(404, { message: 'Not Found' })
    const c = await client()
    const { task } = await c.status('#12')
    expect(task).toMatchObject({
      id: 'octo/api#12',
      title: 'Parser',
      description: 'Rewrite it',
      status: 'in_progress',
      priority: 'high',
      lease: state.lease,
      attempts: 1,
      progress: { percent: 40, message: 'lexer' },
    })
  })

  it('context is not available on GitHub', async () => {
    const c = await client()
    await expect(c.context('#12')).rejects.toMatchObject({ code: 'Unsupported' })
  })
})
