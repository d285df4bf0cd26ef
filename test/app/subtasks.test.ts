import { describe, expect, it } from 'vitest'
import { readMarkers } from '../../src/github/replies.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { INSTALLATION, receive, webhookExample } from '../support/github/webhooks.js'
import { comment, issueRead, KNOWN_LABELS, makeApp, permission, R, seedTask } from './helpers.js'

useGitHubHarness()

describe('subtasks', () => {
  it('a parent completes only when its subtasks have; the finished subtask is ticked in the parent', async () => {
    const { probot, rt } = await makeApp()
    const child = seedTask(rt, 91)
    const parentBody = '### Subtasks\n\n- [ ] #91\n'
    const parent = seedTask(rt, 90, { body: parentBody })
    // Claimed before the subtask was linked: a parent with open subtasks cannot be claimed.
    rt.engine.claim(parent, 'ada')
    rt.engine.update(child, { parent_id: parent })
    rt.state.saveRepo('Codertocat/Hello-World', rt.now(), { labels: KNOWN_LABELS })
    rt.state.saveIssue({
      ...rt.state.issue(parent)!,
      labels: ['task', 'status: in_progress', 'priority: medium'],
      assignees: ['ada'],
    })
    rt.state.savePermission('Codertocat/Hello-World', 'ada', 'write', rt.now())
    let reply = ''
    githubApi()
      .post(`${R}/issues/comments/5090/reactions`, { content: '-1' })
      .reply(201, {})
      .post(`${R}/issues/90/comments`, (b) => {
        reply = b.body
        return true
      })
      .reply(201, { id: 1 })
    await receive(probot, 'issue_comment.created', comment(90, '/done', 'ada', 5090))
    expect(readMarkers(reply)[0]).toMatchObject({ ok: false, code: 'SubtasksOpen' })

    // The subtask is closed as completed by a person: the parent's checkbox is ticked.
    let parentPatch: { body?: string } = {}
    permission('maint', 'write')
    issueRead(90, parentBody) // read before the tick is written
    githubApi()
      .patch(`${R}/issues/91`)
      .reply(200, {})
      .patch(`${R}/issues/90`, (p) => {
        parentPatch = p
        return true
      })
      .reply(200, {})
    const closed = webhookExample('issues.reopened', {
      issue: { number: 91, id: 1091, state: 'closed', state_reason: 'completed' as never },
      sender: { login: 'maint', type: 'User' },
      installation: INSTALLATION,
    })
    await receive(probot, 'issues.reopened', {
      ...closed,
      action: 'closed',
    } as unknown as typeof closed)
    expect(parentPatch.body).toBe('### Subtasks\n\n- [x] #91\n')

    githubApi()
      .post(`${R}/issues/comments/5091/reactions`, { content: '+1' })
      .reply(201, {})
      .patch(`${R}/issues/90`, (p) => p.state === 'closed')
      .reply(200, {})
      .post(`${R}/issues/90/comments`)
      .reply(201, { id: 2 })
    await receive(probot, 'issue_comment.created', comment(90, '/done', 'ada', 5091))
    expect(rt.engine.get(parent).status).toBe('completed')
  })
})
