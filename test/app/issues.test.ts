import { describe, expect, it } from 'vitest'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi, recordedRequests } from '../support/github/nock.js'
import { INSTALLATION, receive, webhookExample } from '../support/github/webhooks.js'
import { makeApp, noConfig, openedTask, permission, R, seedTask } from './helpers.js'

useGitHubHarness()

describe('an issue with the task label becomes a task', () => {
  it('records it, applies status and priority labels (creating them), and posts the status comment', async () => {
    const { probot, engine, rt } = await makeApp()
    noConfig()
    permission('Codertocat', 'admin')
    const api = githubApi()
      .get(`${R}/labels`)
      .query({ per_page: 100 })
      .reply(200, [
        {
          id: 1,
          node_id: 'x',
          url: '',
          name: 'task',
          color: 'ededed',
          default: false,
          description: null,
        },
      ])
      .post(`${R}/labels`, (b) => b.name === 'status: pending')
      .reply(201, {})
      .post(`${R}/labels`, (b) => b.name === 'priority: high')
      .reply(201, {})
      .patch(`${R}/issues/7`, (b) => {
        expect(b.labels.sort()).toEqual(['priority: high', 'status: pending', 'task'])
        return true
      })
      .reply(200, {})
      .get(`${R}/issues/7/sub_issues`)
      .query({ per_page: 100 })
      .reply(200, [
        { number: 8, repository_url: 'https://api.github.com/repos/Codertocat/Hello-World' },
      ])
      .post(
        `${R}/issues/7/comments`,
        (b) => b.body.includes('<!-- task-orchestrator:status') && b.body.includes('pending'),
      )
      .reply(201, { id: 7007 })
    const body = '### Priority\n\nhigh\n\n### Success criteria\n\n- [ ] Reviewed by a maintainer\n'
    await receive(probot, 'issues.opened', openedTask(7, body, 'Write the parser'))
    expect(api.isDone()).toBe(true)
    const task = engine.get('Codertocat/Hello-World#7')
    expect(task).toMatchObject({ title: 'Write the parser', status: 'pending', priority: 'high' })
    expect(task.success_criteria).toEqual([{ criterion: 'Reviewed by a maintainer' }])
    // GitHub sub-issues make it a parent, like a `### Subtasks` list.
    expect(engine.show(task.id).subtasks).toEqual(['Codertocat/Hello-World#8'])
    expect(rt.state.issue(task.id)).toMatchObject({
      status_comment_id: 7007,
      labels: expect.arrayContaining(['status: pending']),
    })
    expect(recordedRequests.every((r) => !r.problem)).toBe(true)
  })

  it('a redelivered event changes nothing and sends nothing', async () => {
    const { probot } = await makeApp()
    noConfig()
    permission('Codertocat', 'admin')
    githubApi()
      .get(`${R}/labels`)
      .query({ per_page: 100 })
      .reply(200, [])
      .post(`${R}/labels`)
      .times(3)
      .reply(201, {})
      .patch(`${R}/issues/8`)
      .reply(200, {})
      .get(`${R}/issues/8/sub_issues`)
      .query({ per_page: 100 })
      .reply(200, [])
      .post(`${R}/issues/8/comments`)
      .reply(201, { id: 8008 })
    const payload = openedTask(8, 'plain body')
    await receive(probot, 'issues.opened', payload, 'delivery-1')
    const before = recordedRequests.length
    await receive(probot, 'issues.opened', payload, 'delivery-1')
    expect(recordedRequests.length).toBe(before)
  })
})

describe('native issue dependencies', () => {
  it('mirrors Depends on to blocked_by; when GitHub refuses, says so once and carries on', async () => {
    const { probot, rt, engine } = await makeApp()
    seedTask(rt, 10)
    rt.state.saveRepo('Codertocat/Hello-World', rt.now(), { config: '' })
    const body = '### Depends on\n\n- [ ] #10\n'
    permission('Codertocat', 'admin')
    githubApi()
      .patch(`${R}/issues/11`)
      .reply(200, {})
      .get(`${R}/issues/11/sub_issues`)
      .query({ per_page: 100 })
      .reply(200, [])
      .post(`${R}/issues/11/comments`)
      .reply(201, { id: 111 })
      .post(`${R}/issues/11/dependencies/blocked_by`, { issue_id: 1010 })
      .reply(201, {})
    await receive(probot, 'issues.opened', openedTask(11, body))
    expect(engine.get('Codertocat/Hello-World#11').status).toBe('blocked')
    expect(rt.state.issue('Codertocat/Hello-World#11')?.native_blocked_by).toEqual([1010])

    let notice = ''
    githubApi()
      .patch(`${R}/issues/12`)
      .reply(200, {})
      .get(`${R}/issues/12/sub_issues`)
      .query({ per_page: 100 })
      .reply(200, [])
      .post(`${R}/issues/12/comments`, (b) => b.body.includes('task-orchestrator:status'))
      .reply(201, { id: 112 })
      .post(`${R}/issues/12/dependencies/blocked_by`)
      .reply(403, { message: 'Resource not accessible by integration' })
      .post(`${R}/issues/12/comments`, (b) => {
        notice = b.body
        return true
      })
      .reply(201, { id: 113 })
    await receive(probot, 'issues.opened', openedTask(12, body))
    expect(notice).toContain('HTTP 403')
    expect(rt.state.repo('Codertocat/Hello-World').native_dependencies).toBe('refused')
    // Later tasks do not try again.
    githubApi()
      .patch(`${R}/issues/13`)
      .reply(200, {})
      .get(`${R}/issues/13/sub_issues`)
      .query({ per_page: 100 })
      .reply(200, [])
      .post(`${R}/issues/13/comments`)
      .reply(201, { id: 114 })
    await receive(probot, 'issues.opened', openedTask(13, body))
    expect(engine.get('Codertocat/Hello-World#13').status).toBe('blocked')
  })
})

describe('native dependencies follow the body', () => {
  it('a dependency removed from the body loses its blocked_by link', async () => {
    const { probot, rt } = await makeApp()
    seedTask(rt, 20)
    const id = seedTask(rt, 21, { dependsOn: [20], body: '### Depends on\n\n- [ ] #20\n' })
    rt.state.saveIssue({
      ...rt.state.issue(id)!,
      native_blocked_by: [1020],
      labels: ['task', 'status: blocked', 'priority: medium'],
    })
    rt.state.saveRepo('Codertocat/Hello-World', rt.now(), { config: '' })
    permission('maint', 'write')
    githubApi()
      .patch(`${R}/issues/21`, (p) => p.labels.includes('status: pending'))
      .reply(200, {})
      .delete(`${R}/issues/21/dependencies/blocked_by/1020`)
      .reply(200, {})
    const edited = webhookExample('issues.edited', {
      issue: {
        number: 21,
        id: 1021,
        title: 'Task 21',
        body: 'No dependencies any more.',
        labels: [
          {
            id: 1,
            node_id: 'L',
            url: '',
            name: 'task',
            color: 'ededed',
            default: false,
            description: null,
          },
        ],
      },
      changes: { body: { from: '### Depends on\n\n- [ ] #20\n' } },
      sender: { login: 'maint', type: 'User' },
      installation: INSTALLATION,
    })
    await receive(probot, 'issues.edited', edited)
    expect(rt.engine.show(id).depends_on).toEqual([])
    expect(rt.state.issue(id)?.native_blocked_by).toEqual([])
  })
})
