import { describe, expect, it } from 'vitest'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi, recordedRequests } from '../support/github/nock.js'
import { receive } from '../support/github/webhooks.js'
import { makeApp, noConfig, openedTask, R } from './helpers.js'

useGitHubHarness()

describe('an issue with the task label becomes a task', () => {
  it('records it, applies status and priority labels (creating them), and posts the status comment', async () => {
    const { probot, engine, rt } = await makeApp()
    noConfig()
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
    expect(rt.state.issue(task.id)).toMatchObject({
      status_comment_id: 7007,
      labels: expect.arrayContaining(['status: pending']),
    })
    expect(recordedRequests.every((r) => !r.problem)).toBe(true)
  })

  it('a redelivered event changes nothing and sends nothing', async () => {
    const { probot } = await makeApp()
    noConfig()
    githubApi()
      .get(`${R}/labels`)
      .query({ per_page: 100 })
      .reply(200, [])
      .post(`${R}/labels`)
      .times(3)
      .reply(201, {})
      .patch(`${R}/issues/8`)
      .reply(200, {})
      .post(`${R}/issues/8/comments`)
      .reply(201, { id: 8008 })
    const payload = openedTask(8, 'plain body')
    await receive(probot, 'issues.opened', payload, 'delivery-1')
    const before = recordedRequests.length
    await receive(probot, 'issues.opened', payload, 'delivery-1')
    expect(recordedRequests.length).toBe(before)
  })
})
