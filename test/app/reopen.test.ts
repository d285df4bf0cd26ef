/**
 * Issue 13 on GitHub: `/reopen` brings a failed task back (the `reopen` rule,
 * the same as reopening the issue by hand); with `lease.enforce_personas` a
 * `/claim` without the task's persona is refused, naming it; a parent with
 * open subtasks cannot be claimed.
 */
import { describe, expect, it } from 'vitest'
import { readMarkers } from '../../src/github/replies.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { receive } from '../support/github/webhooks.js'
import { comment, KNOWN_LABELS, makeApp, OWNER, permission, R, REPO, seedTask } from './helpers.js'

useGitHubHarness()

/** Expect one reaction and one reply on issue `number`; returns a getter for the reply. */
function expectReply(number: number, commentId: number, reaction: '+1' | '-1') {
  let reply = ''
  githubApi()
    .post(`${R}/issues/comments/${commentId}/reactions`, { content: reaction })
    .reply(201, {})
    .post(`${R}/issues/${number}/comments`, (b) => {
      reply = b.body
      return true
    })
    .reply(201, { id: 1 })
  return () => reply
}

describe('/reopen', () => {
  it('brings a failed task back to pending, attempts reset, and mirrors it', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 60)
    rt.engine.claim(id, 'ada')
    rt.engine.fail(id, 'ada', 1, 'gave up', false)
    rt.state.saveIssue({
      ...rt.state.issue(id)!,
      labels: ['task', 'status: failed', 'priority: medium', 'needs: person'],
    })
    permission('maint', 'maintain')
    let labels: string[] = []
    githubApi()
      .patch(`${R}/issues/60`, (b) => {
        labels = b.labels
        return true
      })
      .reply(200, {})
    const reply = expectReply(60, 6060, '+1')
    await receive(probot, 'issue_comment.created', comment(60, '/reopen', 'maint', 6060))
    expect(readMarkers(reply())[0]).toMatchObject({ command: 'reopen', ok: true, task: id })
    expect(reply()).toContain('Reopened (was failed)')
    expect(rt.engine.get(id)).toMatchObject({ status: 'pending', attempts: 0, lease: null })
    expect(labels).toContain('status: pending')
    expect(labels).not.toContain('needs: person')
    expect(rt.engine.events({ task: id }).map((e) => e.type)).toEqual([
      'task_created',
      'claimed',
      'failed',
      'reopened',
    ])
  })

  it('needs the reopen rule: a reader is refused and the task stays failed', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 61)
    rt.engine.claim(id, 'ada')
    rt.engine.fail(id, 'ada', 1, 'gave up', false)
    permission('reader', 'read')
    const reply = expectReply(61, 6061, '-1')
    await receive(probot, 'issue_comment.created', comment(61, '/reopen', 'reader', 6061))
    expect(readMarkers(reply())[0]).toMatchObject({
      command: 'reopen',
      ok: false,
      code: 'Forbidden',
    })
    expect(reply()).toContain('/reopen needs maintain')
    expect(rt.engine.get(id)).toMatchObject({ status: 'failed', attempts: 1 })
  })
})

describe('claims refused for what the task needs', () => {
  it('with lease.enforce_personas, /claim without the persona is refused naming it', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 62)
    rt.engine.update(id, { persona: 'reviewer' })
    rt.state.saveRepo(`${OWNER}/${REPO}`, rt.now(), {
      config: 'lease:\n  enforce_personas: true\n',
      labels: KNOWN_LABELS,
    })
    permission('ada', 'write')
    const reply = expectReply(62, 6062, '-1')
    await receive(probot, 'issue_comment.created', comment(62, '/claim', 'ada', 6062))
    expect(readMarkers(reply())[0]).toMatchObject({
      command: 'claim',
      ok: false,
      code: 'PersonaMismatch',
    })
    expect(reply()).toContain('needs the persona reviewer')
    expect(rt.engine.get(id).status).toBe('pending')
  })

  it('/claim of a parent whose subtasks are open is refused with SubtasksOpen', async () => {
    const { probot, rt } = await makeApp()
    const parent = seedTask(rt, 63, { body: '### Subtasks\n\n- [ ] #64\n' })
    const child = seedTask(rt, 64)
    rt.engine.update(child, { parent_id: parent })
    permission('ada', 'write')
    const reply = expectReply(63, 6063, '-1')
    await receive(probot, 'issue_comment.created', comment(63, '/claim', 'ada', 6063))
    expect(readMarkers(reply())[0]).toMatchObject({
      command: 'claim',
      ok: false,
      code: 'SubtasksOpen',
    })
    expect(reply()).toContain(child)
    expect(rt.engine.get(parent).status).toBe('pending')
  })
})
