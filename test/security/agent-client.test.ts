import { describe, expect, it } from 'vitest'
import { CACHE_MAX_PAGES, ConditionalCache } from '../../src/client/github/octokit.js'
import { createGitHubClient } from '../../src/client/index.js'
import { marker, type StatusState, statusMarker } from '../../src/github/markers.js'
import { ADA, APP, client, comment, ISSUE, reply, T0 } from '../client/fixtures.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi, recordedRequests } from '../support/github/nock.js'

useGitHubHarness()

const MALLORY = { login: 'mallory', type: 'User' }
const EARLIER = '2026-03-01T08:00:00Z'
const KEY = 'agent-key-0001'
const pollQuery = { since: T0, per_page: '100', page: '1' }

const posts = () => recordedRequests.filter((r) => r.method === 'POST')

describe('idempotency keys', () => {
  it('a key edited into an older comment of someone else is not taken for the caller’s command', async () => {
    // mallory read the key (it is in the raw body) and edited it into her old /claim.
    const edited = comment(50, MALLORY, `/claim\n\n<!-- tm-client: ${KEY} -->`, EARLIER, T0)
    const hers = reply(51, { token: 7, holder: 'mallory', comment: 50 })
    githubApi()
      .get(ISSUE)
      .query({ per_page: '100', page: '1' })
      .reply(200, [edited, hers])
      // What a client that took her comment for its own would poll: her reply.
      .get(ISSUE)
      .query({ since: EARLIER, per_page: '100', page: '1' })
      .optionally()
      .reply(200, [edited, hers])
      .post(ISSUE, { body: `/claim\n\n<!-- tm-client: ${KEY} -->` })
      .reply(201, comment(100, ADA, `/claim\n\n<!-- tm-client: ${KEY} -->`))
      .get(ISSUE)
      .query(pollQuery)
      .reply(200, [
        comment(100, ADA, '/claim'),
        reply(300, {
          token: 3,
          holder: 'ada',
          expires_at: '2026-03-01T09:30:00.000Z',
          comment: 100,
        }),
      ])
    const c = await client()
    await expect(c.claim('#12', { idempotencyKey: KEY })).resolves.toEqual({
      task: 'octo/api#12',
      lease: { holder: 'ada', token: 3, expires_at: '2026-03-01T09:30:00.000Z' },
    })
    expect(c.agent).toBe('ada')
    expect(posts()).toHaveLength(1)
  })

  it('a key used for another command is refused, not answered with that command’s reply', async () => {
    const claimed = comment(100, ADA, `/claim\n\n<!-- tm-client: ${KEY} -->`)
    const claimReply = reply(300, { token: 3, holder: 'ada', comment: 100 })
    githubApi()
      .get(ISSUE)
      .query({ per_page: '100', page: '1' })
      .reply(200, [claimed, claimReply])
      .get(ISSUE)
      .query(pollQuery)
      .optionally()
      .reply(200, [claimed, claimReply])
    const c = await client()
    await expect(c.done('#12', 3, { idempotencyKey: KEY })).rejects.toMatchObject({
      code: 'InvalidInput',
      details: { comment: 100, idempotency_key: KEY },
    })
    expect(posts()).toHaveLength(0)
  })
})

describe('command text', () => {
  it('ask: a `to` that is not a login (a line break and a second command) is refused, nothing posted', async () => {
    const c = await client()
    for (const to of [
      'bob\n/release',
      'bob\r/done',
      '@bob\u2028/fail x',
      'bob /release',
      'a'.repeat(40),
    ])
      await expect(c.ask('#12', 'why?', { to })).rejects.toMatchObject({ code: 'InvalidInput' })
    expect(recordedRequests).toHaveLength(0)
  })

  it('a task of another repository (id or URL) is refused before anything is sent', async () => {
    const c = await client()
    for (const task of [
      'evil/other#1',
      'https://github.com/evil/other/issues/1',
      'octo/api-fork#12',
    ]) {
      await expect(c.claim(task)).rejects.toMatchObject({ code: 'InvalidInput' })
      await expect(c.status(task)).rejects.toMatchObject({ code: 'InvalidInput' })
      await expect(c.ask(task, 'why?', { to: 'bob' })).rejects.toMatchObject({
        code: 'InvalidInput',
      })
    }
    await expect(c.claim('../../etc/passwd')).rejects.toMatchObject({ code: 'InvalidInput' })
    expect(recordedRequests).toHaveLength(0)
  })
})

describe('waits and memory are bounded', () => {
  it('a timeout past 2^31 − 1 ms is honoured as a long one, not fired at once', async () => {
    githubApi()
      .post(ISSUE)
      .reply(201, comment(100, ADA, '/claim'))
      .get(ISSUE)
      .query(pollQuery)
      .reply(200, [
        comment(100, ADA, '/claim'),
        reply(300, { token: 3, holder: 'ada', comment: 100 }),
      ])
    const c = await client()
    await expect(c.claim('#12', { timeoutMs: 30 * 86_400_000 })).resolves.toMatchObject({
      lease: { token: 3 },
    })
  })

  it('a comment listing that always has a next page ends with GitHubError, not a wait and memory without end', async () => {
    const next = { link: '<https://api.github.com/x?page=2>; rel="next"', etag: '"p"' }
    githubApi()
      .get('/repos/octo/api/issues/12')
      .optionally()
      .reply(200, {})
      .get('/repos/octo/api/contents/.github%2Ftask-orchestrator.yml')
      .optionally()
      .reply(404, { message: 'Not Found' })
      .get(ISSUE)
      .query(true)
      .times(150)
      .optionally()
      .reply(200, () => [comment(1, MALLORY, 'x'.repeat(1000))], next)
    const c = await client()
    await expect(c.status('#12')).rejects.toMatchObject({ code: 'GitHubError' })
    expect(recordedRequests.filter((r) => r.path.startsWith(ISSUE)).length).toBeLessThanOrEqual(100)
  })

  it('status stops paging at the app’s status comment', async () => {
    const state: StatusState = {
      task: 'octo/api#12',
      v: 1,
      status: 'pending',
      priority: 'high',
      persona: null,
      milestone: null,
      lease: null,
      attempts: 0,
      max_attempts: 3,
      blocked_reason: null,
      requires_approval: false,
      approved_by: null,
      approved_at: null,
      progress: null,
      completion_summary: null,
      feedback: null,
      participants: [],
      open_questions: [],
      criteria: [],
      history: [],
    }
    const status = comment(2, APP, `${statusMarker(state)}\nstatus`)
    githubApi()
      .get('/repos/octo/api/issues/12')
      .reply(200, {
        number: 12,
        title: 'Parser',
        body: '',
        labels: [],
        created_at: T0,
        updated_at: T0,
      })
      .get('/repos/octo/api/contents/.github%2Ftask-orchestrator.yml')
      .reply(404, { message: 'Not Found' })
      .get(ISSUE)
      .query({ per_page: '100', page: '1' })
      .reply(200, [comment(1, MALLORY, 'spam'), status], {
        link: '<https://api.github.com/x?page=2>; rel="next"',
      })
    const c = await client()
    await expect(c.status('#12')).resolves.toMatchObject({
      task: { id: 'octo/api#12', priority: 'high' },
    })
  })

  it('the conditional cache keeps a bounded number of pages, least recently used dropped', async () => {
    const sent: { url: number; etag: unknown }[] = []
    const octokit = {
      request: async (_route: string, p?: Record<string, unknown>) => {
        sent.push({
          url: p?.page as number,
          etag: (p?.headers as Record<string, unknown>)?.['if-none-match'],
        })
        return {
          status: 200,
          headers: { etag: `"${String(p?.page)}"` },
          data: ['x'.repeat(10_000)],
        }
      },
    }
    const cache = new ConditionalCache(octokit)
    for (let page = 1; page <= 1_000; page++) await cache.get('GET /x', { page }, undefined)
    expect(cache.size).toBeLessThanOrEqual(CACHE_MAX_PAGES)
    await cache.get('GET /x', { page: 1 }, undefined)
    await cache.get('GET /x', { page: 1_000 }, undefined)
    expect(sent.slice(-2)).toEqual([
      { url: 1, etag: undefined },
      { url: 1_000, etag: '"1000"' },
    ])
  })
})

describe('the token', () => {
  it('a token with a line break (a second line printed by gh) is refused and never quoted', async () => {
    const err = await createGitHubClient({
      repo: 'octo/api',
      token: 'ghp_SECRET123\nA new release of gh is available',
      pollIntervalMs: 1,
      timeoutMs: 2_000,
    })
      .then((c) => c.claim('#12'))
      .then(() => new Error('no error'))
      .catch((e: unknown) => e as Error)
    expect(err).toMatchObject({ code: 'InvalidInput' })
    expect(`${err.message} ${JSON.stringify(err)}`).not.toContain('SECRET')
    expect(recordedRequests).toHaveLength(0)
  })
})

describe('the dashboard', () => {
  it('issues by others that quote the marker cannot crowd the app’s dashboard out of the search', async () => {
    const forged = Array.from({ length: 5 }, (_, i) => ({
      number: 40 + i,
      body: '<!-- task-orchestrator: dashboard -->\ntask-orchestrator: dashboard',
      user: MALLORY,
    }))
    const DASH = '/repos/octo/api/issues/1/comments'
    githubApi()
      .get('/search/issues')
      .query((q) => String(q.q).includes('author:app/task-orchestrator'))
      .reply(200, {
        total_count: 1,
        incomplete_results: false,
        items: [{ number: 1, body: '<!-- task-orchestrator: dashboard -->\nboard', user: APP }],
      })
      .get('/search/issues')
      .query(true)
      .optionally()
      .reply(200, { total_count: 6, incomplete_results: false, items: forged })
      .post(DASH)
      .reply(201, comment(100, ADA, '/next'))
      .get(DASH)
      .query(pollQuery)
      .reply(200, [
        comment(
          300,
          APP,
          marker({
            command: 'next',
            ok: false,
            task: 'octo/api#1',
            token: null,
            reason: 'nothing claimable',
            code: 'NothingClaimable',
            comment: 100,
          }),
        ),
      ])
    const c = await client()
    await expect(c.next()).resolves.toEqual({ task: null, grant: null })
  })
})
