import { describe, expect, it } from 'vitest'
import { readMarkers } from '../../src/github/replies.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi, recordedRequests } from '../support/github/nock.js'
import { INSTALLATION, receive, webhookExample } from '../support/github/webhooks.js'
import { comment, issueRead, makeApp, permission, R, seedTask } from './helpers.js'

useGitHubHarness()

describe('comment commands', () => {
  it('/claim makes the author the holder and assignee, reacts, and replies with a marker', async () => {
    const { probot, engine, rt } = await makeApp()
    const id = seedTask(rt, 3)
    permission('ada', 'write')
    let reply = ''
    let patch: { labels?: string[]; assignees?: string[] } = {}
    githubApi()
      .post(`${R}/issues/comments/5003/reactions`, { content: '+1' })
      .reply(201, {})
      .patch(`${R}/issues/3`, (b) => {
        patch = b
        return true
      })
      .reply(200, {})
      .post(`${R}/issues/3/comments`, (b) => {
        reply = b.body
        return true
      })
      .reply(201, { id: 1 })
    await receive(probot, 'issue_comment.created', comment(3, 'Taking this.\n/claim 45m'))
    expect(engine.get(id).lease).toMatchObject({
      holder: 'ada',
      token: 1,
      expires_at: '2026-03-01T09:45:00.000Z',
    })
    expect(patch.labels?.sort()).toEqual(['priority: medium', 'status: in_progress', 'task'])
    expect(patch.assignees).toEqual(['ada'])
    expect(readMarkers(reply)).toEqual([
      {
        command: 'claim',
        ok: true,
        task: id,
        token: 1,
        reason: null,
        holder: 'ada',
        expires_at: '2026-03-01T09:45:00.000Z',
        comment: 5003,
      },
    ])
    // The status comment waits for the coalesced refresh.
    expect(rt.state.issue(id)?.status_dirty).toBe(true)
    githubApi()
      .patch(`${R}/issues/comments/9003`, (b) => b.body.includes('@ada'))
      .reply(200, {})
    expect(await probot_flush(rt)).toBe(1)
  })

  it('a second claimer is told who holds it and until when; nothing changes', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 4)
    rt.engine.claim(id, 'ada')
    const record = rt.state.issue(id)!
    rt.state.saveIssue({
      ...record,
      labels: ['task', 'status: in_progress', 'priority: medium'],
      assignees: ['ada'],
    })
    permission('grace', 'write')
    let reply = ''
    githubApi()
      .post(`${R}/issues/comments/5004/reactions`, { content: '-1' })
      .reply(201, {})
      .post(`${R}/issues/4/comments`, (b) => {
        reply = b.body
        return true
      })
      .reply(201, { id: 2 })
    await receive(probot, 'issue_comment.created', comment(4, '/claim', 'grace'))
    const [outcome] = readMarkers(reply)
    expect(outcome).toMatchObject({
      command: 'claim',
      ok: false,
      code: 'LeaseHeld',
      holder: 'ada',
      expires_at: '2026-03-01T09:30:00.000Z',
    })
    expect(reply).toContain('held by ada until 2026-03-01T09:30:00.000Z')
    expect(rt.engine.get(id).lease?.holder).toBe('ada')
  })

  it('refuses a reader and says which permission is missing', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 5)
    permission('mallory', 'read')
    let reply = ''
    githubApi()
      .post(`${R}/issues/comments/5005/reactions`, { content: '-1' })
      .reply(201, {})
      .post(`${R}/issues/5/comments`, (b) => {
        reply = b.body
        return true
      })
      .reply(201, { id: 3 })
    await receive(probot, 'issue_comment.created', comment(5, '/claim', 'mallory'))
    expect(readMarkers(reply)[0]).toMatchObject({ ok: false, code: 'Forbidden' })
    expect(reply).toContain('needs write')
    expect(rt.engine.get(id).status).toBe('pending')
  })

  it('ignores commands in code, quotes and edited comments; unknown commands get help', async () => {
    const { probot, rt } = await makeApp()
    seedTask(rt, 6)
    await receive(
      probot,
      'issue_comment.created',
      comment(6, '```\n/claim\n```\n> /claim\nuse `/claim`', 'ada', 6001),
    )
    expect(recordedRequests).toEqual([])
    let reply = ''
    githubApi()
      .post(`${R}/issues/comments/6002/reactions`, { content: 'confused' })
      .reply(201, {})
      .post(`${R}/issues/6/comments`, (b) => {
        reply = b.body
        return true
      })
      .reply(201, { id: 4 })
    await receive(probot, 'issue_comment.created', comment(6, '/clam', 'ada', 6002))
    expect(reply).toContain('/claim')
    expect(readMarkers(reply)[0]).toMatchObject({ ok: false, code: 'UnknownCommand' })
  })

  it('a redelivered comment does not run its commands twice', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 9)
    permission('ada', 'write')
    githubApi()
      .post(`${R}/issues/comments/5009/reactions`)
      .reply(201, {})
      .patch(`${R}/issues/9`)
      .reply(200, {})
      .post(`${R}/issues/9/comments`)
      .reply(201, { id: 5 })
    const payload = comment(9, '/claim')
    await receive(probot, 'issue_comment.created', payload, 'd-1')
    await receive(probot, 'issue_comment.created', payload, 'd-2') // GitHub's redelivery gets a new delivery id
    expect(rt.engine.get(id).lease?.token).toBe(1)
    expect(rt.engine.events({ task: id, type: 'claimed' })).toHaveLength(1)
  })
})

async function probot_flush(rt: import('../../src/app/runtime.js').AppRuntime): Promise<number> {
  const { flushStatusComments } = await import('../../src/app/background.js')
  const { ProbotOctokit } = await import('probot')
  const octokit = new ProbotOctokit({
    auth: 'test',
    retry: { enabled: false },
    throttle: { enabled: false },
  })
  return flushStatusComments(rt, async () => octokit as never)
}

describe('/depends-on', () => {
  it('adds the dependency, blocks the task, and writes the item into the body in the same update', async () => {
    const { probot, rt } = await makeApp()
    const a = seedTask(rt, 14, { body: 'Intro\n' })
    const b = seedTask(rt, 15)
    permission('ada', 'write')
    let patch: { body?: string; labels?: string[] } = {}
    issueRead(14, 'Intro\n') // the body is read before it is written
    githubApi()
      .post(`${R}/issues/comments/5014/reactions`, { content: '+1' })
      .reply(201, {})
      .patch(`${R}/issues/14`, (p) => {
        patch = p
        return true
      })
      .reply(200, {})
      .post(`${R}/issues/14/dependencies/blocked_by`, { issue_id: 1015 })
      .reply(201, {})
      .post(`${R}/issues/14/comments`)
      .reply(201, { id: 1 })
    await receive(probot, 'issue_comment.created', comment(14, '/depends-on #15'))
    expect(rt.engine.show(a).depends_on).toEqual([b])
    expect(patch.body).toBe('Intro\n\n### Depends on\n\n- [ ] #15\n')
    expect(patch.labels).toContain('status: blocked')
  })
})

describe('/feedback', () => {
  it('a maintainer rates a completed task; a writer is told maintain is needed', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 16)
    rt.engine.closeByPerson(id, 'completed', 'maint')
    rt.state.saveIssue({
      ...rt.state.issue(id)!,
      state: 'closed',
      state_reason: 'completed',
      labels: ['task', 'status: completed', 'priority: medium'],
    })
    permission('writer', 'write')
    let refusal = ''
    githubApi()
      .post(`${R}/issues/comments/6016/reactions`, { content: '-1' })
      .reply(201, {})
      .post(`${R}/issues/16/comments`, (b) => {
        refusal = b.body
        return true
      })
      .reply(201, { id: 1 })
    await receive(
      probot,
      'issue_comment.created',
      comment(16, '/feedback quality=5 timeliness=4', 'writer', 6016),
    )
    expect(refusal).toContain('needs maintain')
    permission('maint', 'maintain')
    githubApi()
      .post(`${R}/issues/comments/6017/reactions`, { content: '+1' })
      .reply(201, {})
      .post(`${R}/issues/16/comments`)
      .reply(201, { id: 2 })
    await receive(
      probot,
      'issue_comment.created',
      comment(16, '/feedback quality=5 timeliness=4 great work', 'maint', 6017),
    )
    expect(rt.engine.get(id)).toMatchObject({
      feedback_quality: 5,
      feedback_timeliness: 4,
      feedback_notes: 'great work',
    })
  })
})

describe('edited comments', () => {
  it('editing a comment never re-runs its commands', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 17)
    const edited = webhookExample('issue_comment.edited', {
      issue: { number: 17, id: 1017 },
      comment: { id: 5017, body: '/claim' },
      sender: { login: 'ada', type: 'User' },
      installation: INSTALLATION,
    })
    await receive(probot, 'issue_comment.edited', edited)
    expect(rt.engine.get(id).status).toBe('pending')
    expect(recordedRequests).toEqual([])
  })
})
