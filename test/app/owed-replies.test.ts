/**
 * A reply is owed in the transaction that ran its commands: when GitHub
 * refuses it (or the handler dies before sending it), the next flush posts
 * it — once — so an agent never loses the outcome and fencing token of a
 * command that took effect. A redelivery of the comment runs nothing again.
 */
import { describe, expect, it } from 'vitest'
import { readMarkers } from '../../src/github/replies.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi, recordedRequests } from '../support/github/nock.js'
import { receive } from '../support/github/webhooks.js'
import { comment, makeApp, permission, R, seedTask } from './helpers.js'

useGitHubHarness()

describe('owed replies', () => {
  it('a reply GitHub refused is posted by the next flush, once', async () => {
    const { probot, engine, rt, app } = await makeApp()
    const id = seedTask(rt, 3)
    permission('ada', 'write')
    let refused = ''
    githubApi()
      .post(`${R}/issues/comments/5003/reactions`, { content: '+1' })
      .reply(201, {})
      .patch(`${R}/issues/3`)
      .reply(200, {})
      .post(`${R}/issues/3/comments`, (b) => {
        refused = b.body
        return true
      })
      .reply(502, { message: 'Bad Gateway' })
    await expect(receive(probot, 'issue_comment.created', comment(3, '/claim'))).rejects.toThrow()
    // The claim took effect; its reply is owed.
    expect(engine.get(id).lease).toMatchObject({ holder: 'ada', token: 1 })
    expect(rt.state.owedReplies().map((o) => o.comment_id)).toEqual([5003])

    // A redelivery runs nothing again and sends nothing.
    const before = recordedRequests.length
    await receive(probot, 'issue_comment.created', comment(3, '/claim'))
    expect(recordedRequests.length).toBe(before)

    let posted = ''
    githubApi()
      .post(`${R}/issues/3/comments`, (b) => {
        posted = b.body
        return true
      })
      .reply(201, { id: 77 })
      .patch(`${R}/issues/comments/9003`)
      .reply(200, {})
    await app.flush()
    expect(posted).toBe(refused)
    expect(readMarkers(posted)).toMatchObject([
      { command: 'claim', ok: true, token: 1, comment: 5003 },
    ])
    expect(rt.state.owedReplies()).toEqual([])

    // Nothing owed any more: the next flush posts nothing.
    const after = recordedRequests.length
    await app.flush()
    expect(recordedRequests.length).toBe(after)
  })

  it('a reply that fails again stays owed', async () => {
    const { probot, rt, app } = await makeApp()
    seedTask(rt, 4)
    permission('ada', 'write')
    githubApi()
      .post(`${R}/issues/comments/5004/reactions`, { content: '+1' })
      .reply(201, {})
      .patch(`${R}/issues/4`)
      .reply(200, {})
      .post(`${R}/issues/4/comments`)
      .reply(500, { message: 'Server Error' })
    await expect(receive(probot, 'issue_comment.created', comment(4, '/claim'))).rejects.toThrow()
    githubApi()
      .post(`${R}/issues/4/comments`)
      .reply(500, { message: 'Server Error' })
      .patch(`${R}/issues/comments/9004`)
      .reply(200, {})
    await app.flush()
    expect(rt.state.owedReplies().map((o) => o.comment_id)).toEqual([5004])
  })
})
