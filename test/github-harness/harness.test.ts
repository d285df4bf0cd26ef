import type { ApplicationFunction } from 'probot'
import { describe, expect, it } from 'vitest'
import { useGitHubHarness } from '../support/github/hooks.js'
import {
  drainConformanceProblems,
  expectConformingRequests,
  expectNoPendingMocks,
  githubApi,
  recordedRequests,
  resetGitHubHarness,
} from '../support/github/nock.js'
import {
  GitHubConformanceError,
  loadGitHubDescription,
  validateRequest,
} from '../support/github/openapi.js'
import {
  INSTALLATION,
  probotForTests,
  receive,
  webhookExample,
  webhookExampleNames,
} from '../support/github/webhooks.js'

useGitHubHarness()

const REPO = '/repos/Codertocat/Hello-World'

/** Comments "hi" on every opened issue. */
const greeter: ApplicationFunction = (app) => {
  app.on('issues.opened', async (context) => {
    await context.octokit.rest.issues.createComment(context.issue({ body: 'hi' }))
  })
}

/** Sends a comment with the wrong field name; lets the error escape. */
const misspelt: ApplicationFunction = (app) => {
  app.on('issues.opened', async (context) => {
    const wrong = Object.assign(context.issue(), { text: 'x' })
    await context.octokit.request(
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      wrong as never,
    )
  })
}

describe('validateRequest', () => {
  it('loads the description once and reports what it loaded', () => {
    const stats = loadGitHubDescription()
    expect(loadGitHubDescription()).toBe(stats)
    expect(stats.paths).toBeGreaterThan(700)
    expect(stats.operations).toBeGreaterThan(1000)
    console.info(
      `GitHub REST description ${stats.version}: parse ${stats.parseMs} ms, index ${stats.indexMs} ms`,
    )
  })

  it.each([
    [
      'GET',
      '/repos/o/r/collaborators/alice/permission',
      undefined,
      'repos/get-collaborator-permission-level',
    ],
    ['POST', '/repos/o/r/issues/1/labels', { labels: ['status: pending'] }, 'issues/add-labels'],
    ['PATCH', '/repos/o/r/issues/comments/7', { body: 'edited' }, 'issues/update-comment'],
    [
      'POST',
      '/repos/o/r/issues/comments/7/reactions',
      { content: 'eyes' },
      'reactions/create-for-issue-comment',
    ],
    [
      'POST',
      '/repos/o/r/issues/3/dependencies/blocked_by',
      { issue_id: 44 },
      'issues/add-blocked-by-dependency',
    ],
    [
      'DELETE',
      '/repos/o/r/issues/3/dependencies/blocked_by/44',
      undefined,
      'issues/remove-dependency-blocked-by',
    ],
    ['GET', '/repos/o/r/issues/comments', undefined, 'issues/list-comments-for-repo'],
    ['GET', '/repos/o/r/issues/12', undefined, 'issues/get'],
    [
      'PATCH',
      '/repos/o/r/issues/12',
      { state: 'closed', state_reason: 'completed', milestone: null },
      'issues/update',
    ],
    ['DELETE', '/repos/o/r/issues/1/labels/status%3A%20blocked', undefined, 'issues/remove-label'],
    [
      'GET',
      '/repos/o/r/contents/.github/task-orchestrator.yml?ref=main',
      undefined,
      'repos/get-content',
    ],
    [
      'GET',
      'https://ghe.example.com/api/v3/repos/o/r/issues?state=open&per_page=100',
      undefined,
      'issues/list-for-repo',
    ],
  ])('%s %s is %s', (method, url, body, operationId) => {
    expect(validateRequest({ method, url, body }).operationId).toBe(operationId)
  })

  it('prefers literal segments and lets multi-segment parameters span slashes', () => {
    const branch = validateRequest({ method: 'GET', url: '/repos/o/r/branches/feat/x/protection' })
    expect(branch).toMatchObject({
      operationId: 'repos/get-branch-protection',
      params: { owner: 'o', repo: 'r', branch: 'feat/x' },
    })
    const label = validateRequest({ method: 'DELETE', url: '/repos/o/r/issues/1/labels/a%2Fb' })
    expect(label.params.name).toBe('a/b')
  })

  it('strips a GHES API root given as baseUrl', () => {
    const result = validateRequest({
      method: 'POST',
      url: 'https://ghe.example.com/api/v3/repos/o/r/issues/1/comments',
      body: '{"body":"hi"}',
      baseUrl: 'https://ghe.example.com/api/v3',
    })
    expect(result).toMatchObject({
      operationId: 'issues/create-comment',
      path: '/repos/o/r/issues/1/comments',
    })
  })

  it.each([
    [
      'POST',
      '/repos/o/r/issues/1/comments',
      { text: 'x' },
      [/body must have required property 'body'/, /body has unknown property 'text'/],
    ],
    [
      'POST',
      '/repos/o/r/nonsense',
      {},
      [/no path in the description matches \/repos\/o\/r\/nonsense/],
    ],
    [
      'PUT',
      '/repos/o/r/issues/1/comments',
      { body: 'x' },
      [/has no PUT operation \(it has GET, POST\)/],
    ],
    [
      'POST',
      '/repos/o/r/issues/undefined/comments',
      { body: 'x' },
      [/path parameter 'issue_number' \("undefined"\) must be integer/],
    ],
    [
      'POST',
      '/repos/o/r/issues/comments/7/reactions',
      { content: 'smile' },
      [/body\/content must be equal to one of the allowed values \("\+1"/],
    ],
    [
      'POST',
      '/repos/o/r/issues/3/dependencies/blocked_by',
      { issue_number: 4 },
      [/required property 'issue_id'/],
    ],
    ['GET', '/search/issues', undefined, [/query parameter 'q' is required/]],
    [
      'GET',
      '/repos/o/r/issues?state=done',
      undefined,
      [/query parameter 'state' \("done"\) must be equal to one of/],
    ],
    ['GET', '/repos/o/r/issues/1', { body: 'x' }, [/takes no request body/]],
    [
      'PATCH',
      '/repos/o/r/issues/comments/7',
      undefined,
      [/a request body is required/, /required property 'body'/],
    ],
  ])('refuses %s %s', (method, url, body, messages) => {
    let error: unknown
    try {
      validateRequest({ method, url, body })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(GitHubConformanceError)
    const message = (error as Error).message
    expect(message).toContain(`${method} ${url.split('?')[0]}`)
    for (const m of messages) expect(message).toMatch(m)
  })
})

describe('webhookExample', () => {
  it('returns the real issue_comment.created shape', () => {
    const payload = webhookExample('issue_comment.created')
    expect(payload.action).toBe('created')
    expect(typeof payload.comment.body).toBe('string')
    expect(payload.issue.number).toBe(1)
    expect(payload.repository.full_name).toBe('Codertocat/Hello-World')
    expect(payload.sender.login).toBe('Codertocat')
    expect(payload.installation).toBeUndefined()
    expect(webhookExample('issue_comment.created', {}, { variant: 3 }).installation).toEqual(
      INSTALLATION,
    )
  })

  it('patches deeply, replaces arrays, and never shares state between calls', () => {
    const payload = webhookExample('issue_comment.created', {
      comment: { id: 9001, body: '/claim 30m' },
      issue: { number: 12, labels: [{ name: 'task' }] },
      installation: INSTALLATION,
    })
    expect(payload.comment).toMatchObject({
      id: 9001,
      body: '/claim 30m',
      user: { login: 'Codertocat' },
    })
    expect(payload.issue.number).toBe(12)
    expect(payload.issue.labels).toEqual([{ name: 'task' }])
    expect(payload.installation?.id).toBe(1)
    payload.repository.name = 'changed'
    expect(webhookExample('issue_comment.created').repository.name).toBe('Hello-World')
  })

  it('names what exists when an example is missing', () => {
    expect(webhookExampleNames()).toContain('issues.opened')
    expect(() => webhookExample('issues.typed')).toThrow(
      /no example of issues.typed \(has: .*issues.opened/,
    )
  })
})

describe('githubApi with Probot', () => {
  it('passes a conforming app with nothing pending', async () => {
    const probot = await probotForTests(greeter)
    githubApi().post(`${REPO}/issues/1/comments`, { body: 'hi' }).reply(201, { id: 1, body: 'hi' })
    await receive(probot, 'issues.opened', webhookExample('issues.opened'))
    expectNoPendingMocks()
    expect(recordedRequests).toEqual([
      {
        method: 'POST',
        path: `${REPO}/issues/1/comments`,
        body: { body: 'hi' },
        operationId: 'issues/create-comment',
        matched: true,
      },
    ])
  })

  it('answers a non-conforming body with 422 even though the interceptor matches', async () => {
    const probot = await probotForTests(misspelt)
    githubApi().post(`${REPO}/issues/1/comments`).reply(201, { id: 1 })
    await expect(receive(probot, 'issues.opened', webhookExample('issues.opened'))).rejects.toThrow(
      /Validation Failed/,
    )
    const problems = drainConformanceProblems()
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/POST \/repos\/Codertocat\/Hello-World\/issues\/1\/comments/)
    expect(problems[0]).toMatch(/body must have required property 'body'/)
    expect(problems[0]).toMatch(/body has unknown property 'text'/)
    expect(recordedRequests[0]).toMatchObject({
      operationId: 'issues/create-comment',
      matched: true,
    })
    expectNoPendingMocks()
  })

  it('fails the test (via the afterEach check) when the app swallows the error', async () => {
    const probot = await probotForTests((app) => {
      app.on('issues.opened', async (context) => {
        await context.octokit.rest.reactions
          .createForIssue(context.issue({ content: 'smile' as 'eyes' }))
          .catch(() => undefined)
      })
    })
    githubApi().post(`${REPO}/issues/1/reactions`).reply(201, {})
    await receive(probot, 'issues.opened', webhookExample('issues.opened'))
    // useGitHubHarness's afterEach runs exactly this check; here it is asserted and consumed.
    expect(() => expectConformingRequests()).toThrow(
      /1 GitHub API request problem\(s\):\n• POST \/repos\/Codertocat\/Hello-World\/issues\/1\/reactions .*\n {2}- body\/content must be equal to one of the allowed values/,
    )
    expect(drainConformanceProblems()).toEqual([])
  })

  it('catches a path GitHub does not have, answering 404', async () => {
    const probot = await probotForTests((app) => {
      app.on('issues.opened', async (context) => {
        await context.octokit.request('POST /repos/{owner}/{repo}/nonsense', context.repo())
      })
    })
    githubApi().post(`${REPO}/nonsense`).reply(200, {})
    await expect(receive(probot, 'issues.opened', webhookExample('issues.opened'))).rejects.toThrow(
      /Not Found/,
    )
    expect(drainConformanceProblems()).toEqual([
      expect.stringMatching(
        /no path in the description matches \/repos\/Codertocat\/Hello-World\/nonsense/,
      ),
    ])
  })

  it('records a request no interceptor answered', async () => {
    const probot = await probotForTests(greeter)
    githubApi().post(`${REPO}/issues/2/comments`).reply(201, {})
    await expect(
      receive(probot, 'issues.opened', webhookExample('issues.opened')),
    ).rejects.toThrow()
    expect(drainConformanceProblems()).toEqual([
      expect.stringMatching(
        /no nock interceptor matched POST \/repos\/Codertocat\/Hello-World\/issues\/1\/comments/,
      ),
    ])
    expect(recordedRequests[0]).toMatchObject({
      matched: false,
      operationId: 'issues/create-comment',
    })
    expect(() => expectNoPendingMocks()).toThrow(
      /1 expected GitHub request\(s\) were not made:\n• POST https:\/\/api.github.com:443\/repos\/Codertocat\/Hello-World\/issues\/2\/comments/,
    )
    resetGitHubHarness()
  })

  it('handles issue_comment.created with an installation: reaction, then reply', async () => {
    const probot = await probotForTests((app) => {
      app.on('issue_comment.created', async (context) => {
        await context.octokit.rest.reactions.createForIssueComment(
          context.repo({ comment_id: context.payload.comment.id, content: 'eyes' as const }),
        )
        await context.octokit.rest.issues.createComment(
          context.issue({ body: `seen ${context.payload.comment.body}` }),
        )
      })
    })
    githubApi({ reqheaders: { authorization: 'token test' } })
      .post(`${REPO}/issues/comments/9001/reactions`, { content: 'eyes' })
      .reply(201, { id: 1, content: 'eyes' })
      .post(`${REPO}/issues/7/comments`, { body: 'seen /claim' })
      .reply((_uri, body) => [201, { id: 2, ...(body as object) }])
    const payload = webhookExample('issue_comment.created', {
      comment: { id: 9001, body: '/claim' },
      issue: { number: 7 },
      installation: INSTALLATION,
    })
    await receive(probot, 'issue_comment.created', payload)
    expect(recordedRequests.map((r) => `${r.method} ${r.operationId}`)).toEqual([
      'POST reactions/create-for-issue-comment',
      'POST issues/create-comment',
    ])
  })

  it('validates against a GHES API root', async () => {
    const baseUrl = 'https://ghe.example.com/api/v3'
    const probot = await probotForTests(greeter, { baseUrl })
    githubApi({ baseUrl })
      .post(`${REPO}/issues/1/comments`, { body: 'hi' })
      .reply(201, (_uri, body) => ({ id: 3, ...(body as object) }))
    await receive(probot, 'issues.opened', webhookExample('issues.opened'))
    expect(recordedRequests).toMatchObject([
      { path: `${REPO}/issues/1/comments`, operationId: 'issues/create-comment', matched: true },
    ])
  })

  it('lets a reply function use the callback form', async () => {
    const probot = await probotForTests(greeter)
    githubApi()
      .post(`${REPO}/issues/1/comments`)
      .reply(201, (_uri, _body, callback) => callback(null, { id: 4 }))
    await receive(probot, 'issues.opened', webhookExample('issues.opened'))
    expect(recordedRequests).toHaveLength(1)
  })
})
