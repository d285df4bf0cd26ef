import { describe, expect, it } from 'vitest'
import { readMarkers } from '../../src/github/replies.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi, recordedRequests } from '../support/github/nock.js'
import { receive } from '../support/github/webhooks.js'
import { comment, issueRead, makeApp, permission, R, seedTask } from './helpers.js'

useGitHubHarness()

describe('leases on GitHub', () => {
  it('20 /claim comments delivered concurrently: exactly one holder, 19 refusals naming the holder', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 20)
    const agents = Array.from({ length: 20 }, (_, i) => `agent-${i}`)
    for (const a of agents) permission(a, 'write')
    const replies: string[] = []
    githubApi()
      .post(/\/repos\/Codertocat\/Hello-World\/issues\/comments\/\d+\/reactions/)
      .times(20)
      .reply(201, {})
      .patch(`${R}/issues/20`)
      .reply(200, {})
      .post(`${R}/issues/20/comments`, (b) => {
        replies.push(b.body)
        return true
      })
      .times(20)
      .reply(201, { id: 1 })
    await Promise.all(
      agents.map((a, i) =>
        receive(probot, 'issue_comment.created', comment(20, '/claim', a, 7000 + i)),
      ),
    )
    const outcomes = replies.flatMap(readMarkers)
    const granted = outcomes.filter((o) => o.ok)
    expect(granted).toHaveLength(1)
    const holder = rt.engine.get(id).lease!.holder
    expect(granted[0]).toMatchObject({ holder, token: 1 })
    const refused = outcomes.filter((o) => !o.ok)
    expect(refused).toHaveLength(19)
    expect(refused.every((o) => o.code === 'LeaseHeld' && o.holder === holder)).toBe(true)
    expect(rt.engine.events({ task: id, type: 'claimed' })).toHaveLength(1)
  })

  it("a zombie's /done after its lease was taken over is refused and changes nothing", async () => {
    const { probot, rt, clock } = await makeApp()
    const id = seedTask(rt, 21)
    rt.engine.claim(id, 'zombie')
    clock.advance(31 * 60_000)
    rt.engine.claim(id, 'ada') // sweeps the zombie's expired lease; ada now holds token 2
    const record = rt.state.issue(id)!
    rt.state.saveIssue({
      ...record,
      labels: ['task', 'status: in_progress', 'priority: medium'],
      assignees: ['ada'],
    })
    permission('zombie', 'write')
    let reply = ''
    githubApi()
      .post(`${R}/issues/comments/5021/reactions`, { content: '-1' })
      .reply(201, {})
      .post(`${R}/issues/21/comments`, (b) => {
        reply = b.body
        return true
      })
      .reply(201, { id: 1 })
    await receive(probot, 'issue_comment.created', comment(21, '/done all finished', 'zombie'))
    // Acting on ada's lease needs the override permission (maintain), which a writer lacks.
    expect(readMarkers(reply)[0]).toMatchObject({ command: 'done', ok: false })
    expect(rt.engine.get(id)).toMatchObject({
      status: 'in_progress',
      lease: { holder: 'ada', token: 2 },
    })
  })

  it('/done completes, closes the issue, and unblocks dependents with ≤ 3 + k requests', async () => {
    const { probot, rt } = await makeApp()
    const done = seedTask(rt, 30)
    const deps = [31, 32].map((n) =>
      seedTask(rt, n, { dependsOn: [30], body: `### Depends on\n\n- [ ] #30\n` }),
    )
    for (const d of deps) {
      const r = rt.state.issue(d)!
      rt.state.saveIssue({ ...r, labels: ['task', 'status: blocked', 'priority: medium'] })
    }
    rt.engine.claim(done, 'ada')
    // ada's permission was looked up when she claimed (cached for 10 minutes).
    rt.state.savePermission('Codertocat/Hello-World', 'ada', 'write', rt.now())
    const r30 = rt.state.issue(done)!
    rt.state.saveIssue({
      ...r30,
      labels: ['task', 'status: in_progress', 'priority: medium'],
      assignees: ['ada'],
    })
    const patches: Record<
      string,
      {
        state?: string
        state_reason?: string
        labels?: string[]
        body?: string
        assignees?: string[]
      }
    > = {}
    let reply = ''
    githubApi().post(`${R}/issues/comments/5030/reactions`, { content: '+1' }).reply(201, {})
    // Each dependent's body is read before its tick is written (a person's edit is kept).
    for (const n of [31, 32]) issueRead(n, '### Depends on\n\n- [ ] #30\n')
    for (const n of ['30', '31', '32']) {
      githubApi()
        .patch(`${R}/issues/${n}`, (b) => {
          patches[n] = b
          return true
        })
        .reply(200, {})
    }
    githubApi()
      .post(`${R}/issues/30/comments`, (b) => {
        reply = b.body
        return true
      })
      .reply(201, { id: 1 })
    await receive(
      probot,
      'issue_comment.created',
      comment(30, '/done Schema ready: tables tasks and deps', 'ada'),
    )
    expect(readMarkers(reply)[0]).toMatchObject({ command: 'done', ok: true })
    // ≤ 3 + k writes, plus one read of each body before its tick (issue 11: correctness first).
    const reads = recordedRequests.filter((q) => q.method === 'GET')
    expect(recordedRequests.length - reads.length).toBeLessThanOrEqual(3 + deps.length)
    expect(reads.map((q) => q.path)).toEqual([`${R}/issues/31`, `${R}/issues/32`])
    expect(patches['30']).toMatchObject({
      state: 'closed',
      state_reason: 'completed',
      assignees: [],
    })
    for (const n of ['31', '32']) {
      expect(patches[n]!.body).toBe('### Depends on\n\n- [x] #30\n')
      expect(patches[n]!.labels).toContain('status: pending')
    }
    expect(rt.engine.get(deps[0]!).status).toBe('pending')
    expect(rt.engine.show(deps[0]!).context[0]).toMatchObject({
      value: { summary: 'Schema ready: tables tasks and deps' },
    })
  })

  it('an expired lease is swept without anyone watching: unassigned, back to pending, said on the issue', async () => {
    const { probot, rt, clock, app } = await makeApp()
    const id = seedTask(rt, 40)
    rt.engine.claim(id, 'ada')
    const record = rt.state.issue(id)!
    rt.state.saveIssue({
      ...record,
      labels: ['task', 'status: in_progress', 'priority: medium'],
      assignees: ['ada'],
    })
    void probot
    clock.advance(31 * 60_000)
    let patch: { labels?: string[]; assignees?: string[] } = {}
    let note = ''
    githubApi()
      .patch(`${R}/issues/40`, (b) => {
        patch = b
        return true
      })
      .reply(200, {})
      .post(`${R}/issues/40/comments`, (b) => {
        note = b.body
        return true
      })
      .reply(201, { id: 1 })
    expect(await app.sweep()).toBe(1)
    expect(patch.assignees).toEqual([])
    expect(patch.labels).toContain('status: pending')
    expect(note).toContain('expired')
    expect(rt.engine.get(id)).toMatchObject({ status: 'pending', attempts: 1 })
  })
})

describe('failures', () => {
  it('a failed GitHub update leaves the engine consistent and is retried by the next flush', async () => {
    const { probot, rt, app } = await makeApp()
    const id = seedTask(rt, 80)
    permission('ada', 'write')
    githubApi()
      .post(`${R}/issues/comments/5080/reactions`)
      .reply(201, {})
      .patch(`${R}/issues/80`)
      .reply(502, { message: 'Bad Gateway' })
      .post(`${R}/issues/80/comments`, (b) => b.body.includes('"ok":true'))
      .reply(201, { id: 1 })
    await expect(receive(probot, 'issue_comment.created', comment(80, '/claim'))).rejects.toThrow()
    expect(rt.engine.get(id).lease?.holder).toBe('ada')
    expect(rt.state.issue(id)).toMatchObject({
      status_dirty: true,
      labels: expect.arrayContaining(['status: pending']),
    })
    githubApi()
      .patch(
        `${R}/issues/80`,
        (p) => p.labels.includes('status: in_progress') && p.assignees[0] === 'ada',
      )
      .reply(200, {})
      .patch(`${R}/issues/comments/9080`)
      .reply(200, {})
    expect(await app.flush()).toBe(2)
    expect(rt.state.issue(id)?.status_dirty).toBe(false)
  })
})
