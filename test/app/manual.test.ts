/**
 * Manual edits are read back into the engine; the app never fights a person.
 */
import { describe, expect, it } from 'vitest'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi, recordedRequests } from '../support/github/nock.js'
import { INSTALLATION, receive, webhookExample } from '../support/github/webhooks.js'
import { issueRead, makeApp, permission, R, seedTask } from './helpers.js'

useGitHubHarness()

const label = (name: string, i = 0) => ({
  id: i + 1,
  node_id: `L${i}`,
  url: '',
  name,
  color: 'ededed',
  default: false,
  description: null,
})
const sender = { login: 'maint', type: 'User' as const }

/** A real `issues.reopened` payload turned into `action` (no `issues.closed` example exists). */
function stateEvent(
  number: number,
  action: 'closed' | 'reopened',
  stateReason: string | null,
  labels: string[],
) {
  const payload = webhookExample('issues.reopened', {
    issue: {
      number,
      id: 1000 + number,
      state: action === 'closed' ? 'closed' : 'open',
      state_reason: stateReason as never,
      labels: labels.map(label),
    },
    sender,
    installation: INSTALLATION,
  })
  return { ...payload, action } as unknown as typeof payload
}

describe('manual edits', () => {
  it('closing by hand as completed completes the task and unblocks dependents; reopening reopens', async () => {
    const { probot, rt } = await makeApp()
    const a = seedTask(rt, 50)
    const b = seedTask(rt, 51, { dependsOn: [50], body: '### Depends on\n\n- [ ] #50\n' })
    rt.state.saveIssue({
      ...rt.state.issue(b)!,
      labels: ['task', 'status: blocked', 'priority: medium'],
    })
    let body = ''
    // Reopening a finished task needs the reopen rule (maintain by default).
    permission('maint', 'maintain')
    issueRead(51, '### Depends on\n\n- [ ] #50\n') // read before the tick is written
    githubApi()
      .patch(
        `${R}/issues/50`,
        (p) => p.state === undefined && p.labels.includes('status: completed'),
      )
      .reply(200, {})
      .patch(`${R}/issues/51`, (p) => {
        body = p.body
        return p.labels.includes('status: pending')
      })
      .reply(200, {})
    await receive(
      probot,
      'issues.reopened',
      stateEvent(50, 'closed', 'completed', ['task', 'status: pending', 'priority: medium']),
    )
    expect(rt.engine.get(a).status).toBe('completed')
    expect(rt.engine.get(b).status).toBe('pending')
    expect(body).toBe('### Depends on\n\n- [x] #50\n')

    githubApi()
      .patch(`${R}/issues/50`, (p) => p.labels.includes('status: pending') && p.state === undefined)
      .reply(200, {})
      .patch(`${R}/issues/51`, (p) => p.labels.includes('status: blocked'))
      .reply(200, {})
    await receive(
      probot,
      'issues.reopened',
      stateEvent(50, 'reopened', null, ['task', 'status: completed', 'priority: medium']),
    )
    expect(rt.engine.get(a).status).toBe('pending')
    expect(rt.engine.get(b).status).toBe('blocked')
  })

  it('closing as not planned cancels the task and releases a lease', async () => {
    const { probot, rt } = await makeApp()
    const a = seedTask(rt, 52)
    rt.engine.claim(a, 'ada')
    rt.state.saveIssue({
      ...rt.state.issue(a)!,
      labels: ['task', 'status: in_progress', 'priority: medium'],
      assignees: ['ada'],
    })
    // Cancelling a lease someone else holds needs the override rule too.
    permission('maint', 'maintain')
    githubApi()
      .patch(`${R}/issues/52`, (p) => p.labels.includes('status: cancelled'))
      .reply(200, {})
    await receive(
      probot,
      'issues.reopened',
      stateEvent(52, 'closed', 'not_planned', ['task', 'status: in_progress', 'priority: medium']),
    )
    expect(rt.engine.get(a)).toMatchObject({ status: 'cancelled', lease: null })
  })

  it('relabelling priority and status is read back; the app does not undo it', async () => {
    const { probot, rt } = await makeApp()
    const a = seedTask(rt, 53)
    const payload = webhookExample('issues.labeled', {
      issue: {
        number: 53,
        id: 1053,
        labels: ['task', 'status: blocked', 'priority: critical'].map(label),
      },
      label: label('priority: critical'),
      sender,
      installation: INSTALLATION,
    })
    permission('maint', 'write')
    await receive(probot, 'issues.labeled', payload)
    expect(rt.engine.get(a)).toMatchObject({
      priority: 'critical',
      status: 'blocked',
      blocked_reason: 'labelled blocked by @maint',
    })
    // The labels already say what the task now is: no request but the permission lookup.
    expect(recordedRequests.map((q) => q.path)).toEqual([
      '/repos/Codertocat/Hello-World/collaborators/maint/permission',
    ])
  })

  it('assigning someone claims for them; unassigning the holder revokes the lease', async () => {
    const { probot, rt } = await makeApp()
    const a = seedTask(rt, 54)
    // Claiming or revoking for someone else needs the override rule (maintain by default).
    permission('maint', 'maintain')
    githubApi()
      .patch(
        `${R}/issues/54`,
        (p) => p.labels.includes('status: in_progress') && p.assignees === undefined,
      )
      .reply(200, {})
    await receive(
      probot,
      'issues.assigned',
      webhookExample('issues.assigned', {
        issue: { number: 54, id: 1054, assignees: [{ login: 'grace' }] as never },
        assignee: { login: 'grace' } as never,
        sender,
        installation: INSTALLATION,
      }),
    )
    expect(rt.engine.get(a).lease?.holder).toBe('grace')
    githubApi()
      .patch(`${R}/issues/54`, (p) => p.labels.includes('status: pending'))
      .reply(200, {})
    await receive(
      probot,
      'issues.unassigned',
      webhookExample('issues.unassigned', {
        issue: { number: 54, id: 1054, assignees: [] },
        assignee: { login: 'grace' } as never,
        sender,
        installation: INSTALLATION,
      }),
    )
    expect(rt.engine.get(a)).toMatchObject({ status: 'pending', lease: null, attempts: 0 })
  })

  it('editing the body re-reads dependencies; one that would close a cycle is refused with the cycle named', async () => {
    const { probot, rt } = await makeApp()
    const a = seedTask(rt, 55)
    seedTask(rt, 56, { dependsOn: [55] })
    let note = ''
    permission('maint', 'write')
    githubApi()
      .patch(`${R}/issues/55`, (p) => p.labels.includes('status: pending'))
      .optionally()
      .reply(200, {})
      .post(`${R}/issues/55/comments`, (b) => {
        note = b.body
        return true
      })
      .reply(201, { id: 1 })
    const payload = webhookExample('issues.edited', {
      issue: {
        number: 55,
        id: 1055,
        title: 'Task 55',
        body: '### Depends on\n\n- [ ] #56\n',
        labels: ['task', 'status: pending', 'priority: medium'].map(label),
      },
      sender,
      installation: INSTALLATION,
    })
    await receive(probot, 'issues.edited', payload)
    expect(note).toContain('cycle')
    expect(note).toContain(
      'Codertocat/Hello-World#55 → Codertocat/Hello-World#56 → Codertocat/Hello-World#55',
    )
    expect(rt.engine.show(a).depends_on).toEqual([])
  })
})

describe('redelivery and order', () => {
  it('a redelivered or out-of-order event leaves the same state', async () => {
    const { probot, rt } = await makeApp()
    const a = seedTask(rt, 60)
    const closed = stateEvent(60, 'closed', 'completed', [
      'task',
      'status: pending',
      'priority: medium',
    ])
    closed.issue.updated_at = '2026-03-01T10:00:00Z'
    const olderLabel = webhookExample('issues.labeled', {
      issue: {
        number: 60,
        id: 1060,
        updated_at: '2026-03-01T09:30:00Z',
        labels: ['task', 'status: blocked', 'priority: high'].map(label),
      },
      label: label('status: blocked'),
      sender,
      installation: INSTALLATION,
    })
    permission('maint', 'write')
    githubApi()
      .patch(`${R}/issues/60`, (p) => p.labels.includes('status: completed'))
      .reply(200, { updated_at: '2026-03-01T10:00:05Z' })
    await receive(probot, 'issues.reopened', closed, 'close-1')
    const after = rt.engine.get(a)
    const events = rt.engine.events().length
    // The same close again (GitHub redelivers with a new delivery id), then an older relabel arriving late.
    await receive(probot, 'issues.reopened', closed, 'close-2')
    await receive(probot, 'issues.labeled', olderLabel, 'label-0')
    expect(rt.engine.get(a)).toEqual(after)
    expect(rt.engine.events()).toHaveLength(events)
    expect(after).toMatchObject({ status: 'completed', priority: 'medium' })
  })
})
