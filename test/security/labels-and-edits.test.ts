/**
 * Issue 14, "Labels bypass the gate" and "Issue authors without write control
 * their task": a label, a body edit, a closing or an issue opened by hand may
 * do only what the actor's permission rules allow; anything else is set back
 * with one reply saying why. Real webhook payloads, every GitHub request
 * asserted (and none left pending), permissions from the collaborator
 * permission API.
 */
import { describe, expect, it } from 'vitest'
import { issueRead, KNOWN_LABELS, makeApp, openedTask, R, seedTask } from '../app/helpers.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi, recordedRequests } from '../support/github/nock.js'
import { INSTALLATION, receive, webhookExample } from '../support/github/webhooks.js'

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

/** The collaborator permission API's answer for a role (triage reads as legacy `read`). */
function role(login: string, name: 'read' | 'triage' | 'write' | 'maintain') {
  const legacy = name === 'maintain' ? 'write' : name === 'triage' ? 'read' : name
  return githubApi()
    .get(`${R}/collaborators/${login}/permission`)
    .reply(200, { permission: legacy, role_name: name, user: { login } })
}

function relabel(number: number, labels: string[], added: string, login: string) {
  return webhookExample('issues.labeled', {
    issue: { number, id: 1000 + number, labels: labels.map(label) },
    label: label(added),
    sender: { login, type: 'User' },
    installation: INSTALLATION,
  })
}

function edit(number: number, body: string, from: string, login: string) {
  return webhookExample('issues.edited', {
    issue: {
      number,
      id: 1000 + number,
      title: `Task ${number}`,
      body,
      labels: ['task', 'status: pending', 'priority: medium'].map(label),
    },
    changes: { body: { from } },
    sender: { login, type: 'User' },
    installation: INSTALLATION,
  })
}

/** A real `issues.reopened` payload turned into `closed` (the package has no `issues.closed` example). */
function closed(number: number, reason: 'completed' | 'not_planned', login: string) {
  const payload = webhookExample('issues.reopened', {
    issue: {
      number,
      id: 1000 + number,
      state: 'closed',
      state_reason: reason as never,
      labels: ['task', 'status: pending', 'priority: medium'].map(label),
    },
    sender: { login, type: 'User' },
    installation: INSTALLATION,
  })
  return { ...payload, action: 'closed' } as unknown as typeof payload
}

/** Capture the body of a reply posted on issue `number`. */
function replyOn(number: number, into: { text: string }) {
  return githubApi()
    .post(`${R}/issues/${number}/comments`, (b) => {
      into.text = b.body
      return true
    })
    .reply(201, { id: 77 })
}

const paths = () => recordedRequests.map((q) => `${q.method} ${q.path}`)

const CRITERIA_BODY =
  'Some context.\n\n### Success criteria\n\n- [ ] All tests pass `tests.failed == 0`\n- [ ] Reviewed by a maintainer\n\n### Notes\n\nkeep me\n'
const CRITERIA = [
  { criterion: 'All tests pass', measurable: 'tests.failed == 0' },
  { criterion: 'Reviewed by a maintainer' },
]

describe('status labels set by hand', () => {
  it('status: completed from a triager is put back with the permission it needs; the task and its dependents stay', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 1, { criteria: CRITERIA, body: CRITERIA_BODY })
    const dependent = seedTask(rt, 2, { dependsOn: [1] })
    role('tri', 'triage')
    const reply = { text: '' }
    githubApi()
      .patch(`${R}/issues/1`, (p) => {
        expect(p.labels.sort()).toEqual(['priority: medium', 'status: pending', 'task'])
        expect(p.state).toBeUndefined()
        return true
      })
      .reply(200, {})
    replyOn(1, reply)
    await receive(
      probot,
      'issues.labeled',
      relabel(1, ['task', 'status: completed', 'priority: medium'], 'status: completed', 'tri'),
    )
    expect(rt.engine.get(id).status).toBe('pending')
    expect(rt.engine.get(dependent).status).toBe('blocked')
    expect(reply.text).toContain(
      'the label `status: completed` (completing the task) needs write (the `close` rule, or a listing under agents in the config); @tri has triage',
    )
    expect(paths()).toEqual([
      'GET /repos/Codertocat/Hello-World/collaborators/tri/permission',
      'PATCH /repos/Codertocat/Hello-World/issues/1',
      'POST /repos/Codertocat/Hello-World/issues/1/comments',
    ])
  })

  it('status: completed from a writer goes through the completion gate: unticked criteria keep the task open', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 3, { criteria: CRITERIA, body: CRITERIA_BODY })
    role('wri', 'write')
    const reply = { text: '' }
    githubApi()
      .patch(`${R}/issues/3`, (p) => p.labels.includes('status: pending'))
      .reply(200, {})
    replyOn(3, reply)
    await receive(
      probot,
      'issues.labeled',
      relabel(3, ['task', 'status: completed', 'priority: medium'], 'status: completed', 'wri'),
    )
    expect(rt.engine.get(id).status).toBe('pending')
    expect(reply.text).toContain('completion gate has not passed')
    expect(reply.text).toContain('no pull request names this task')
    expect(reply.text).toContain('manual criterion "Reviewed by a maintainer" is not ticked')
    expect(paths()).toHaveLength(3)
  })

  it('status: cancelled and a priority from a triager are put back, both in one reply', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 4)
    role('tri', 'triage')
    const reply = { text: '' }
    githubApi()
      .patch(`${R}/issues/4`, (p) => {
        expect(p.labels.sort()).toEqual(['priority: medium', 'status: pending', 'task'])
        return true
      })
      .reply(200, {})
    replyOn(4, reply)
    await receive(
      probot,
      'issues.labeled',
      relabel(4, ['task', 'status: cancelled', 'priority: critical'], 'status: cancelled', 'tri'),
    )
    expect(rt.engine.get(id)).toMatchObject({ status: 'pending', priority: 'medium' })
    expect(reply.text).toContain('`priority: critical` (changing the priority) needs write')
    expect(reply.text).toContain('`status: cancelled` (cancelling the task) needs write')
    expect(paths()).toHaveLength(3)
  })

  it('status: pending on a lease someone else holds needs the override rule', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 5)
    rt.engine.claim(id, 'ada')
    rt.state.saveIssue({
      ...rt.state.issue(id)!,
      labels: ['task', 'status: in_progress', 'priority: medium'],
      assignees: ['ada'],
    })
    role('wri', 'write')
    const reply = { text: '' }
    githubApi()
      .patch(`${R}/issues/5`, (p) => p.labels.includes('status: in_progress'))
      .reply(200, {})
    replyOn(5, reply)
    await receive(
      probot,
      'issues.labeled',
      relabel(5, ['task', 'status: pending', 'priority: medium'], 'status: pending', 'wri'),
    )
    expect(rt.engine.get(id).lease?.holder).toBe('ada')
    expect(reply.text).toContain(
      'on a lease held by @ada needs maintain (the `release` and `override` rules',
    )
  })
})

describe('closing and editing by an issue author without write', () => {
  it('deleting the criteria is set back (prose kept), closing as completed is reopened; dependents stay blocked', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 10, { criteria: CRITERIA, body: CRITERIA_BODY })
    const dependent = seedTask(rt, 11, { dependsOn: [10] })
    role('reader', 'read')
    const edited = 'Some context, clarified.\n\n### Notes\n\nkeep me\n'
    const restored = `Some context, clarified.\n\n### Notes\n\nkeep me\n\n### Success criteria\n\n- [ ] All tests pass \`tests.failed == 0\`\n- [ ] Reviewed by a maintainer\n`
    const reply = { text: '' }
    issueRead(10, edited) // the mirror reads GitHub's body before writing it
    githubApi()
      .patch(`${R}/issues/10`, (p) => {
        expect(p).toEqual({ body: restored })
        return true
      })
      .reply(200, {})
    replyOn(10, reply)
    await receive(probot, 'issues.edited', edit(10, edited, CRITERIA_BODY, 'reader'))
    expect(rt.engine.get(id).success_criteria).toEqual(CRITERIA)
    expect(rt.engine.get(id).description).toBe(restored)
    expect(reply.text).toContain(
      "Parts of @reader's edit were set back to their last accepted version (the rest of the edit stays): changing `### Success criteria` needs write (the `edit_criteria` rule); @reader has read.",
    )

    // Then the author closes the issue as completed: reopened, the task unchanged.
    const closeReply = { text: '' }
    githubApi()
      .patch(`${R}/issues/10`, (p) => {
        expect(p).toEqual({ state: 'open' })
        return true
      })
      .reply(200, {})
    replyOn(10, closeReply)
    await receive(probot, 'issues.reopened', closed(10, 'completed', 'reader'))
    expect(rt.engine.get(id).status).toBe('pending')
    expect(rt.engine.get(dependent).status).toBe('blocked')
    expect(closeReply.text).toBe(
      '↩️ Reopened: closing this issue as completed needs write (the `close` rule, or a listing under agents in the config); @reader has read.',
    )
    // The permission was looked up once (cached for the second event).
    expect(paths().filter((p) => p.includes('/permission'))).toHaveLength(1)
  })

  it('closing as not planned by a reader is reopened; a task without criteria is not completed either', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 12)
    role('reader', 'read')
    const reply = { text: '' }
    githubApi().patch(`${R}/issues/12`, { state: 'open' }).reply(200, {})
    replyOn(12, reply)
    await receive(probot, 'issues.reopened', closed(12, 'not_planned', 'reader'))
    expect(rt.engine.get(id).status).toBe('pending')
    expect(reply.text).toContain('closing this issue as not planned needs write (the `cancel` rule')

    const again = { text: '' }
    githubApi().patch(`${R}/issues/12`, { state: 'open' }).reply(200, {})
    replyOn(12, again)
    await receive(probot, 'issues.reopened', closed(12, 'completed', 'reader'))
    expect(rt.engine.get(id).status).toBe('pending')
    expect(again.text).toContain('the `close` rule')
  })

  it('dependencies and subtasks added by a reader are set back; a writer’s prose edit alongside is kept', async () => {
    const { probot, rt } = await makeApp()
    seedTask(rt, 20)
    const id = seedTask(rt, 21, { body: 'Plan.\n' })
    role('reader', 'read')
    const edited = 'Plan, longer.\n\n### Depends on\n\n- [ ] #20\n\n### Subtasks\n\n- [ ] #20\n'
    const reply = { text: '' }
    issueRead(21, edited) // the mirror reads GitHub's body before writing it
    githubApi()
      .patch(`${R}/issues/21`, (p) => {
        expect(p).toEqual({ body: 'Plan, longer.\n' })
        return true
      })
      .reply(200, {})
    replyOn(21, reply)
    await receive(probot, 'issues.edited', edit(21, edited, 'Plan.\n', 'reader'))
    expect(rt.engine.show(id)).toMatchObject({ depends_on: [], subtasks: [] })
    expect(rt.engine.get(id).status).toBe('pending')
    expect(reply.text).toContain(
      'changing `### Depends on` needs write (the `edit_dependencies` rule',
    )
    expect(reply.text).toContain('changing `### Subtasks` needs write (the `edit_subtasks` rule')
  })
})

describe('criteria of a claimed task', () => {
  it('the lease holder (write) cannot weaken them; a maintainer can; ticks by a writer still confirm', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 30, { criteria: CRITERIA, body: CRITERIA_BODY })
    rt.engine.claim(id, 'ada')
    rt.state.saveIssue({
      ...rt.state.issue(id)!,
      labels: ['task', 'status: in_progress', 'priority: medium'],
      assignees: ['ada'],
    })
    role('ada', 'write')
    const weakened = CRITERIA_BODY.replace('`tests.failed == 0`', '`true`')
    const reply = { text: '' }
    issueRead(30, weakened) // the mirror reads GitHub's body before writing it
    githubApi()
      .patch(`${R}/issues/30`, (p) => {
        expect(p).toEqual({ body: CRITERIA_BODY })
        return true
      })
      .reply(200, {})
    replyOn(30, reply)
    const payload = edit(30, weakened, CRITERIA_BODY, 'ada')
    payload.issue.labels = ['task', 'status: in_progress', 'priority: medium'].map(label) as never
    await receive(probot, 'issues.edited', payload)
    expect(rt.engine.get(id).success_criteria).toEqual(CRITERIA)
    expect(reply.text).toContain(
      'changing `### Success criteria` of a task held under a lease needs maintain (the `edit_claimed_criteria` rule); @ada has write',
    )

    // The holder ticks the manual criterion: not a change of the criteria; the tick counts (confirm: write).
    const ticked = CRITERIA_BODY.replace('- [ ] Reviewed', '- [x] Reviewed')
    const tick = edit(30, ticked, CRITERIA_BODY, 'ada')
    tick.issue.labels = payload.issue.labels
    await receive(probot, 'issues.edited', tick)
    expect(rt.gate.confirmations(id)).toMatchObject([
      { criterion: 'Reviewed by a maintainer', confirmed_by: 'ada', allowed: true },
    ])

    // A maintainer may change them.
    role('maint', 'maintain')
    const stricter = ticked.replace('`tests.failed == 0`', '`tests.failed == 0 && tests.total > 0`')
    const change = edit(30, stricter, ticked, 'maint')
    change.issue.labels = payload.issue.labels
    await receive(probot, 'issues.edited', change)
    expect(rt.engine.get(id).success_criteria[0]?.measurable).toBe(
      'tests.failed == 0 && tests.total > 0',
    )
    expect(rt.state.issue(id)?.body).toBe(stricter)
  })
})

describe('an issue opened with the task label by someone without write', () => {
  it('is not a task until a writer adds the label again; one reply says so', async () => {
    const { probot, rt } = await makeApp()
    rt.state.saveRepo('Codertocat/Hello-World', rt.now(), { config: '', labels: KNOWN_LABELS })
    role('reader', 'read')
    const reply = { text: '' }
    replyOn(40, reply)
    const opened = openedTask(40, '### Success criteria\n\n- [ ] Trust me\n')
    opened.sender = { ...opened.sender, login: 'reader' }
    opened.issue.user = { ...opened.issue.user, login: 'reader' } as never
    await receive(probot, 'issues.opened', opened)
    expect(() => rt.engine.get('Codertocat/Hello-World#40')).toThrow(/No task with id/)
    expect(reply.text).toContain(
      'This issue is not a task yet: making this issue a task needs write (the `track` rule, or a listing under agents in the config); @reader has read.',
    )
    // GitHub's `labeled` event for the form's label, from the same author: no second reply.
    const own = relabel(40, ['task'], 'task', 'reader')
    own.issue.user = opened.issue.user as never
    await receive(probot, 'issues.labeled', own)
    expect(paths()).toEqual([
      'GET /repos/Codertocat/Hello-World/collaborators/reader/permission',
      'POST /repos/Codertocat/Hello-World/issues/40/comments',
    ])

    // A writer adds the label again: now it is a task.
    role('maint', 'write')
    githubApi()
      .patch(`${R}/issues/40`)
      .reply(200, {})
      .get(`${R}/issues/40/sub_issues`)
      .query({ per_page: 100 })
      .reply(200, [])
      .post(`${R}/issues/40/comments`, (b) => b.body.includes('task-orchestrator:status'))
      .reply(201, { id: 4040 })
    const accepted = relabel(40, ['task'], 'task', 'maint')
    accepted.issue.body = '### Success criteria\n\n- [ ] Trust me\n'
    accepted.issue.title = 'Task 40'
    await receive(probot, 'issues.labeled', accepted)
    expect(rt.engine.get('Codertocat/Hello-World#40').success_criteria).toEqual([
      { criterion: 'Trust me' },
    ])
  })
})

describe('reopening and bots', () => {
  it('reopening a completed task by a reader closes the issue again; dependents stay unblocked', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 50)
    const dependent = seedTask(rt, 51, { dependsOn: [50] })
    rt.engine.closeByPerson(id, 'completed', 'maint')
    rt.state.saveIssue({
      ...rt.state.issue(id)!,
      state: 'closed',
      state_reason: 'completed',
      labels: ['task', 'status: completed', 'priority: medium'],
    })
    role('reader', 'read')
    const reply = { text: '' }
    githubApi()
      .patch(`${R}/issues/50`, { state: 'closed', state_reason: 'completed' })
      .reply(200, {})
    replyOn(50, reply)
    const reopened = webhookExample('issues.reopened', {
      issue: {
        number: 50,
        id: 1050,
        labels: ['task', 'status: completed', 'priority: medium'].map(label),
      },
      sender: { login: 'reader', type: 'User' },
      installation: INSTALLATION,
    })
    await receive(probot, 'issues.reopened', reopened)
    expect(rt.engine.get(id).status).toBe('completed')
    expect(rt.engine.get(dependent).status).toBe('pending')
    expect(reply.text).toBe(
      '↩️ Closed again: reopening this completed task needs maintain (the `reopen` rule); @reader has read.',
    )
  })

  it("a bot's change of the criteria is not taken as the accepted body (its ticks are)", async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 60, { criteria: CRITERIA, body: CRITERIA_BODY })
    const bot = (body: string) =>
      webhookExample('issues.edited', {
        issue: { number: 60, id: 1060, title: 'Task 60', body },
        changes: { body: { from: CRITERIA_BODY } },
        sender: { login: 'some-app[bot]', type: 'Bot' },
        installation: INSTALLATION,
      })
    const changed = CRITERIA_BODY.replace('`tests.failed == 0`', '`true`')
    await receive(probot, 'issues.edited', bot(changed))
    // Recorded as GitHub's copy only: the next mirror of the task sets it back.
    expect(rt.state.issue(id)).toMatchObject({ body: changed, accepted_body: CRITERIA_BODY })
    expect(rt.engine.get(id).success_criteria).toEqual(CRITERIA)
    const ticked = CRITERIA_BODY.replace('- [ ] All tests', '- [x] All tests')
    await receive(probot, 'issues.edited', bot(ticked))
    expect(rt.state.issue(id)).toMatchObject({ body: ticked, accepted_body: ticked })
    expect(recordedRequests).toEqual([])
  })
})
