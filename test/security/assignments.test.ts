/**
 * Assigning an issue is a claim for the assignee, unassigning the holder the
 * end of their lease. Like labels and closing, an assignment by hand may do
 * only what the matching command may do for that person (`claim`, `release`;
 * `override` when the assignee is someone else); otherwise nothing is claimed
 * or revoked (the holder is assigned again), with one reply. Real payloads, every request asserted.
 */
import { describe, expect, it } from 'vitest'
import { makeApp, R, seedTask } from '../app/helpers.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { INSTALLATION, receive, webhookExample } from '../support/github/webhooks.js'

useGitHubHarness()

function role(login: string, name: 'read' | 'triage' | 'write' | 'maintain') {
  const legacy = name === 'maintain' ? 'write' : name === 'triage' ? 'read' : name
  return githubApi()
    .get(`${R}/collaborators/${login}/permission`)
    .reply(200, { permission: legacy, role_name: name, user: { login } })
}

function assignment(
  action: 'assigned' | 'unassigned',
  number: number,
  assignee: string,
  sender: string,
  assignees: string[],
) {
  const user = (login: string) => ({ login, id: login.length, type: 'User' })
  const payload = webhookExample('issues.assigned', {
    issue: { number, id: 1000 + number, assignees: assignees.map(user) as never },
    assignee: user(assignee) as never,
    sender: { login: sender, type: 'User' },
    installation: INSTALLATION,
  })
  return { ...payload, action } as never
}

describe('assignments by hand', () => {
  it('a triage user assigning someone does not claim for them: one reply says why', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 70)
    role('tom', 'triage')
    let reply = ''
    githubApi()
      .post(`${R}/issues/70/comments`, (b) => {
        reply = b.body
        return true
      })
      .reply(201, { id: 1 })
    await receive(probot, 'issues.assigned', assignment('assigned', 70, 'ada', 'tom', ['ada']))
    expect(rt.engine.get(id)).toMatchObject({ status: 'pending', lease: null })
    expect(reply).toMatch(/^⚠️ Not claimed: assigning this task .*needs maintain/)
  })

  it('a writer assigning themself claims the task', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 71)
    role('wes', 'write')
    githubApi().patch(`${R}/issues/71`).reply(200, {})
    await receive(probot, 'issues.assigned', assignment('assigned', 71, 'wes', 'wes', ['wes']))
    expect(rt.engine.get(id)).toMatchObject({ status: 'in_progress', lease: { holder: 'wes' } })
  })

  it("a writer unassigning another agent's lease is refused: the lease stays", async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 72)
    rt.engine.claim(id, 'ada')
    rt.state.saveIssue({ ...rt.state.issue(id)!, assignees: ['ada'] })
    role('wes', 'write')
    let patch: { assignees?: string[] } = {}
    githubApi()
      .patch(`${R}/issues/72`, (b) => {
        patch = b
        return true
      })
      .reply(200, {})
      .post(`${R}/issues/72/comments`)
      .reply(201, { id: 2 })
    await receive(probot, 'issues.unassigned', assignment('unassigned', 72, 'ada', 'wes', []))
    expect(rt.engine.get(id)).toMatchObject({ status: 'in_progress', lease: { holder: 'ada' } })
    expect(patch.assignees).toEqual(['ada'])
  })
})
