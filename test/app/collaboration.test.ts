/**
 * /share, /ask, /answer and /approve through the app: real webhook payloads,
 * every GitHub request asserted with nock (the harness fails on an unexpected
 * or an unused one), and refusals that change nothing.
 */
import { describe, expect, it } from 'vitest'
import { fieldsOf } from '../../src/app/tasks-from-issues.js'
import { DEFAULT_CONFIG } from '../../src/github/config.js'
import { parseIssueBody } from '../../src/github/issue-body.js'
import { readMarkers } from '../../src/github/replies.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { receive } from '../support/github/webhooks.js'
import { comment, makeApp, permission, R, seedTask } from './helpers.js'

useGitHubHarness()

/** Expect a reaction, optionally an issue update, and a reply; returns what was sent. */
function expectReply(
  number: number,
  commentId: number,
  reaction: '+1' | '-1' | 'confused',
  patched = false,
) {
  const sent: { reply: string; patch: { labels?: string[]; assignees?: string[] } | null } = {
    reply: '',
    patch: null,
  }
  const api = githubApi()
    .post(`${R}/issues/comments/${commentId}/reactions`, { content: reaction })
    .reply(201, {})
  if (patched) {
    api
      .patch(`${R}/issues/${number}`, (b) => {
        sent.patch = b
        return true
      })
      .reply(200, {})
  }
  api
    .post(`${R}/issues/${number}/comments`, (b) => {
      sent.reply = b.body
      return true
    })
    .reply(201, { id: 1 })
  return sent
}

describe('/join and /progress', () => {
  it('participants and the progress bar reach the status comment; the lease holder stays single', async () => {
    const { probot, rt, app } = await makeApp()
    const id = seedTask(rt, 29)
    rt.engine.claim(id, 'ada')
    rt.state.saveIssue({
      ...rt.state.issue(id)!,
      labels: ['task', 'status: in_progress', 'priority: medium'],
      assignees: ['ada'],
    })
    permission('grace', 'write')
    const joined = expectReply(29, 6901, '+1')
    await receive(probot, 'issue_comment.created', comment(29, '/join reviewer', 'grace', 6901))
    expect(joined.reply).toContain('@grace joined as reviewer')
    permission('ada', 'write')
    const progressed = expectReply(29, 6902, '+1')
    await receive(
      probot,
      'issue_comment.created',
      comment(29, '/progress 60% endpoint done', 'ada', 6902),
    )
    expect(progressed.reply).toContain('Progress 60 %: endpoint done')
    expect(rt.engine.get(id).lease?.holder).toBe('ada')
    expect(rt.engine.participants(id)).toEqual([
      expect.objectContaining({ agent: 'grace', role: 'reviewer' }),
    ])
    let status = ''
    githubApi()
      .patch(`${R}/issues/comments/9029`, (b) => {
        status = b.body
        return true
      })
      .reply(200, {})
    await app.flush()
    expect(status).toContain('| Participants | @grace (reviewer) |')
    expect(status).toContain('| Progress | ▓▓▓▓▓▓░░░░ 60 % — endpoint done |')
  })

  it('a rating of 6 and progress of 150 % are refused with the rule, and change nothing', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 28)
    const open = seedTask(rt, 27)
    rt.engine.closeByPerson(id, 'completed', 'maint')
    rt.state.saveIssue({
      ...rt.state.issue(id)!,
      state: 'closed',
      state_reason: 'completed',
      labels: ['task', 'status: completed', 'priority: medium'],
    })
    const before = {
      task: rt.engine.get(id),
      open: rt.engine.get(open),
      events: rt.engine.events().length,
    }
    // Malformed commands are refused before any permission look-up or engine call
    // (😕: nothing in the comment could be read as a command).
    const rating = expectReply(28, 6801, 'confused')
    await receive(
      probot,
      'issue_comment.created',
      comment(28, '/feedback quality=6 timeliness=4', 'maint', 6801),
    )
    expect(readMarkers(rating.reply)[0]).toMatchObject({
      command: 'feedback',
      ok: false,
      code: 'InvalidCommand',
    })
    expect(rating.reply).toMatch(/quality=6 is not a rating.*1 to 5/)
    // On an open task (where /progress 50 would be recorded).
    const percent = expectReply(27, 6802, 'confused')
    await receive(probot, 'issue_comment.created', comment(27, '/progress 150 done', 'ada', 6802))
    expect(readMarkers(percent.reply)[0]).toMatchObject({
      command: 'progress',
      ok: false,
      code: 'InvalidCommand',
    })
    expect(percent.reply).toMatch(/"150" is not a percentage from 0 to 100/)
    expect(rt.engine.get(id)).toEqual(before.task)
    expect(rt.engine.get(open)).toEqual(before.open)
    expect(rt.engine.progressHistory(open)).toEqual([])
    expect(rt.engine.events().length).toBe(before.events)
  })
})

describe('/share', () => {
  it('shares a YAML value with the task; bad YAML is refused and changes nothing', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 30)
    permission('ada', 'write')
    const ok = expectReply(30, 7001, '+1')
    await receive(
      probot,
      'issue_comment.created',
      comment(30, '/share limits: {rps: 5, burst: [1, 2]}', 'ada', 7001),
    )
    expect(rt.engine.context(id).merged).toEqual({ limits: { rps: 5, burst: [1, 2] } })
    expect(readMarkers(ok.reply)[0]).toMatchObject({ command: 'share', ok: true })
    expect(ok.reply).toContain('Shared `limits`')

    const before = rt.engine.events().length
    const bad = expectReply(30, 7002, '-1')
    await receive(probot, 'issue_comment.created', comment(30, '/share k: [unclosed', 'ada', 7002))
    expect(readMarkers(bad.reply)[0]).toMatchObject({
      command: 'share',
      ok: false,
      code: 'InvalidInput',
    })
    expect(bad.reply).toContain('not valid YAML')
    expect(rt.engine.context(id).own.map((e) => e.key)).toEqual(['limits'])
    expect(rt.engine.events().length).toBe(before)
  })
})

describe('/ask and /answer', () => {
  it('the holder asks: waiting + needs: answer, lease paused; the answer resumes it with the TTL left', async () => {
    const { probot, rt, clock } = await makeApp()
    const id = seedTask(rt, 31)
    rt.engine.claim(id, 'ada') // expires 09:30
    rt.state.saveIssue({
      ...rt.state.issue(id)!,
      labels: ['task', 'status: in_progress', 'priority: medium'],
      assignees: ['ada'],
    })
    clock.advance(10 * 60_000)
    permission('ada', 'write')
    const asked = expectReply(31, 7101, '+1', true)
    await receive(
      probot,
      'issue_comment.created',
      comment(31, '/ask @lin Which endpoint should this call?', 'ada', 7101),
    )
    expect(rt.engine.get(id)).toMatchObject({
      status: 'waiting',
      lease: { holder: 'ada', paused: { remaining_ms: 20 * 60_000 } },
    })
    expect(asked.patch?.labels?.sort()).toEqual([
      'needs: answer',
      'priority: medium',
      'status: waiting',
      'task',
    ])
    expect(asked.patch?.assignees).toBeUndefined()
    expect(asked.reply).toContain('lease clock is paused')
    expect(rt.engine.openQuestions()).toEqual([
      expect.objectContaining({ task_id: id, asked_by: 'ada', asked_of: 'lin' }),
    ])

    clock.advance(2 * 3_600_000) // the sweep must not touch it
    expect(rt.engine.sweep()).toEqual([])

    permission('lin', 'write')
    const answered = expectReply(31, 7102, '+1', true)
    await receive(probot, 'issue_comment.created', comment(31, '/answer Use v2', 'lin', 7102))
    expect(rt.engine.get(id)).toMatchObject({
      status: 'in_progress',
      lease: { holder: 'ada', expires_at: '2026-03-01T11:30:00.000Z' },
    })
    expect(answered.patch?.labels?.sort()).toEqual([
      'priority: medium',
      'status: in_progress',
      'task',
    ])
    expect(readMarkers(answered.reply)[0]).toMatchObject({
      command: 'answer',
      ok: true,
      holder: 'ada',
      expires_at: '2026-03-01T11:30:00.000Z',
    })
  })

  it('/answer with no open question is refused: nothing changes, no issue update', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 32)
    permission('lin', 'write')
    const before = { task: rt.engine.get(id), events: rt.engine.events().length }
    const refused = expectReply(32, 7201, '-1')
    await receive(probot, 'issue_comment.created', comment(32, '/answer Use v2', 'lin', 7201))
    expect(readMarkers(refused.reply)[0]).toMatchObject({
      command: 'answer',
      ok: false,
      code: 'InvalidTransition',
    })
    expect(refused.reply).toContain('no open question')
    expect(rt.engine.get(id)).toEqual(before.task)
    expect(rt.engine.events().length).toBe(before.events)
  })
})

describe('/approve', () => {
  it('a writer is refused (maintain needed), nothing changes; a maintainer approves; /done then passes the gate', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 33)
    rt.engine.update(id, { requires_approval: true }, 'seed')
    rt.engine.claim(id, 'ada')
    rt.state.saveIssue({
      ...rt.state.issue(id)!,
      labels: ['task', 'status: in_progress', 'priority: medium', 'requires approval'],
      assignees: ['ada'],
    })
    permission('writer', 'write')
    const before = { task: rt.engine.get(id), events: rt.engine.events().length }
    const refused = expectReply(33, 7301, '-1')
    await receive(probot, 'issue_comment.created', comment(33, '/approve', 'writer', 7301))
    expect(readMarkers(refused.reply)[0]).toMatchObject({
      command: 'approve',
      ok: false,
      code: 'Forbidden',
    })
    expect(refused.reply).toContain('maintain')
    expect(rt.engine.get(id)).toEqual(before.task)
    expect(rt.engine.events().length).toBe(before.events)

    // /done before the approval: refused, the gate lists what is missing.
    permission('ada', 'write')
    const early = expectReply(33, 7302, '-1')
    await receive(probot, 'issue_comment.created', comment(33, '/done shipped', 'ada', 7302))
    expect(early.reply).toContain('approval')
    expect(rt.engine.get(id).status).toBe('in_progress')

    permission('maint', 'maintain')
    const approved = expectReply(33, 7303, '+1')
    await receive(probot, 'issue_comment.created', comment(33, '/approve', 'maint', 7303))
    expect(rt.engine.get(id)).toMatchObject({ approved_by: 'maint' })
    expect(approved.reply).toContain('Approved by @maint')

    const done = expectReply(33, 7304, '+1', true)
    await receive(probot, 'issue_comment.created', comment(33, '/done shipped', 'ada', 7304))
    expect(rt.engine.get(id).status).toBe('completed')
    expect(done.patch?.labels).toContain('requires approval')
  })
})

describe('requires approval from the issue', () => {
  it('is read from the label or the form’s ticked checkbox', () => {
    const ctx = { owner: 'o', repo: 'r' }
    const ticked = parseIssueBody(
      '### Requires approval\n\n- [X] A maintainer must approve the result before this task completes.\n',
      ctx,
    )
    const unticked = parseIssueBody(
      '### Requires approval\n\n- [ ] A maintainer must approve the result before this task completes.\n',
      ctx,
    )
    expect(fieldsOf(ticked, [], DEFAULT_CONFIG).requires_approval).toBe(true)
    expect(fieldsOf(unticked, [], DEFAULT_CONFIG).requires_approval).toBeUndefined()
    expect(fieldsOf(unticked, ['requires approval'], DEFAULT_CONFIG).requires_approval).toBe(true)
  })
})
