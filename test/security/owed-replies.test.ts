/**
 * Owed replies on the server, behind a fake GitHub that refuses for a while:
 * the reply a command earned is posted exactly once — with the token of the
 * installation the comment came from (an App authenticates per installation;
 * without it the post would go out with the App's JWT and be refused
 * forever), and never by a flush while the comment's handler is still
 * running (it would be posted twice).
 */
import { generateKeyPairSync } from 'node:crypto'
import { Probot, ProbotOctokit } from 'probot'
import { describe, expect, it } from 'vitest'
import { taskOrchestrator } from '../../src/app/index.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { readMarkers } from '../../src/github/replies.js'
import { comment, R, seedTask } from '../app/helpers.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { receive } from '../support/github/webhooks.js'

useGitHubHarness()

const INSTALLATION_ID = 1 // the installation `comment()` payloads carry
const TOKEN = 'ghs_installation1token'
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
})

/**
 * The app under a Probot authenticated as a GitHub App (id and private key,
 * as on the server): each installation's requests carry that installation's
 * token, minted by `POST /app/installations/{id}/access_tokens`.
 */
async function makeServerApp() {
  const clock = new FakeClock('2026-03-01T09:00:00.000Z')
  const engine = new Engine(openStore(':memory:'), { clock })
  const app = taskOrchestrator({ engine, clock, timers: false })
  const probot = new Probot({
    appId: 4242,
    privateKey,
    logLevel: 'fatal',
    logFormat: 'json',
    Octokit: ProbotOctokit.defaults((options: { throttle?: object }) => ({
      ...options,
      retry: { enabled: false },
      throttle: { ...options.throttle, enabled: false },
    })),
  })
  await probot.load(app)
  githubApi()
    .persist()
    .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .reply(201, { token: TOKEN, expires_at: '2026-03-01T10:00:00Z', permissions: {} })
  return { clock, engine, app, probot, rt: app.runtime }
}

/** The installation's requests that are not under test: reaction, mirror, status comment. */
function incidental(number: number, statusComment = true) {
  const api = githubApi().persist()
  api.patch(`${R}/issues/${number}`).reply(200, {})
  if (statusComment) api.patch(`${R}/issues/comments/${9000 + number}`).reply(200, {})
  api.post(`${R}/issues/comments/${5000 + number}/reactions`).reply(201, {})
}

/**
 * `POST …/issues/{number}/comments` answered 502 (Bad Gateway) the first
 * `failures` times, then 201. Keeps each accepted body and the
 * `authorization` header of every call (`token …` of an installation, or
 * `bearer …`: the App's own JWT, which GitHub refuses for this).
 */
function flakyComments(number: number, failures: number) {
  const accepted: string[] = []
  const auth: string[] = []
  githubApi()
    .persist()
    .post(`${R}/issues/${number}/comments`)
    .reply(function (_uri, body) {
      auth.push(String(this.req.headers.authorization))
      if (auth.length <= failures) return [502, { message: 'Bad Gateway' }]
      accepted.push((body as { body: string }).body)
      return [201, { id: 70_000 + auth.length }]
    })
  return { accepted, auth, calls: () => auth.length }
}

describe('owed replies on the server', () => {
  it('GitHub answers 502 for a while: each flush retries with the installation token, and the reply arrives once', async () => {
    const { probot, engine, rt, app } = await makeServerApp()
    const id = seedTask(rt, 3)
    // As on a server whose records predate the installation: nothing but the reply knows it.
    rt.state.saveIssue({ ...rt.state.issue(id)!, installation_id: null })
    rt.state.savePermission('Codertocat/Hello-World', 'ada', 'write', rt.now())
    incidental(3, false)
    const posts = flakyComments(3, 3)

    // The handler's own post is refused (1 of 3): the claim took effect, the reply is owed.
    await expect(receive(probot, 'issue_comment.created', comment(3, '/claim'))).rejects.toThrow()
    expect(engine.get(id).lease).toMatchObject({ holder: 'ada', token: 1 })
    await app.flush() // refused (2 of 3)
    await app.flush() // refused (3 of 3)
    expect(posts.accepted).toEqual([])
    expect(rt.state.owedReplies().map((o) => o.comment_id)).toEqual([5003])
    await app.flush() // accepted
    await app.flush() // nothing owed any more
    await app.flush()
    expect(posts.calls()).toBe(4)
    expect(posts.auth).toEqual(Array(4).fill(`token ${TOKEN}`))
    expect(posts.accepted).toHaveLength(1)
    expect(readMarkers(posts.accepted[0]!)).toMatchObject([
      { command: 'claim', ok: true, token: 1, comment: 5003 },
    ])
    expect(rt.state.owedReplies()).toEqual([])
  })

  it('a flush while the handler is still running leaves its reply alone: posted once, by the handler', async () => {
    const { probot, rt, app } = await makeServerApp()
    seedTask(rt, 4)
    // The installation is known every way, so only "is its handler running?" holds the flush back.
    rt.state.saveRepo('Codertocat/Hello-World', rt.now(), { installation_id: INSTALLATION_ID })
    rt.state.savePermission('Codertocat/Hello-World', 'ada', 'write', rt.now())
    githubApi()
      .persist()
      .patch(`${R}/issues/4`)
      .reply(200, {})
      .patch(`${R}/issues/comments/9004`)
      .reply(200, {})
    // The reaction (sent after the commands ran and the reply was owed) hangs
    // until the test lets it go: the handler is suspended mid-way.
    let reacted!: () => void
    const reacting = new Promise<void>((resolve) => {
      reacted = resolve
    })
    let letGo!: () => void
    const released = new Promise<void>((resolve) => {
      letGo = resolve
    })
    githubApi()
      .post(`${R}/issues/comments/5004/reactions`)
      .reply(async () => {
        reacted()
        await released
        return [201, {}]
      })
    const posts = flakyComments(4, 0)

    const handled = receive(probot, 'issue_comment.created', comment(4, '/claim'))
    await reacting
    // The reply is owed (its transaction committed), but its handler is running.
    await app.flush()
    expect(posts.calls()).toBe(0)
    letGo()
    await handled
    await app.flush()
    expect(posts.accepted).toHaveLength(1)
    expect(readMarkers(posts.accepted[0]!)).toMatchObject([
      { command: 'claim', ok: true, comment: 5004 },
    ])
    expect(rt.state.owedReplies()).toEqual([])
  })

  it('a reply owed by a handler that threw is the flush’s', async () => {
    const { probot, rt, app } = await makeServerApp()
    seedTask(rt, 5)
    rt.state.savePermission('Codertocat/Hello-World', 'ada', 'write', rt.now())
    incidental(5)
    const posts = flakyComments(5, 1)
    await expect(receive(probot, 'issue_comment.created', comment(5, '/claim'))).rejects.toThrow()
    expect(rt.state.owedReplies().map((o) => o.comment_id)).toEqual([5005])
    await app.flush()
    expect(posts.auth).toEqual([`token ${TOKEN}`, `token ${TOKEN}`])
    expect(posts.accepted).toHaveLength(1)
  })
})
