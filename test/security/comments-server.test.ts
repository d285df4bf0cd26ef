/**
 * The server and a hostile comment: a read-only user's comment nested far
 * beyond the limit, holding a command line, is answered with one reply
 * saying it was not read (no marker of a command run, nothing changed), and
 * the handler neither throws nor blocks (before: micromark's stack
 * overflowed, or the event loop stalled for minutes).
 */
import { describe, expect, it } from 'vitest'
import { MAX_NESTING } from '../../src/github/commands.js'
import { readMarkers } from '../../src/github/replies.js'
import { comment, makeApp, R, seedTask } from '../app/helpers.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { receive } from '../support/github/webhooks.js'

useGitHubHarness()

describe('a hostile comment on the server', () => {
  it('is refused in one reply, and nothing changes', async () => {
    const { probot, engine, rt } = await makeApp()
    const id = seedTask(rt, 3)
    const before = engine.get(id)
    let reply = ''
    githubApi()
      .post(`${R}/issues/comments/5003/reactions`, { content: 'confused' })
      .reply(201, {})
      .post(`${R}/issues/3/comments`, (b) => {
        reply = b.body
        return true
      })
      .reply(201, { id: 1 })
    const body = `${'- '.repeat(30000)}x\n\n/claim`
    await receive(probot, 'issue_comment.created', comment(3, body, 'mallory'))
    expect(readMarkers(reply)).toEqual([
      expect.objectContaining({ ok: false, code: 'UnreadableComment', comment: 5003 }),
    ])
    expect(reply).toContain(`more than ${MAX_NESTING} levels`)
    expect(engine.get(id)).toEqual(before)
  })
})
