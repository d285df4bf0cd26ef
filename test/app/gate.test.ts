/**
 * The /done gate: passed, failed, stale digest, manual criterion unticked,
 * ticked by someone without permission, non-holder pull request; and merged
 * pull requests going through the same gate.
 */
import { describe, expect, it } from 'vitest'
import { criteriaDigest } from '../../src/github/issue-body.js'
import { readMarkers } from '../../src/github/replies.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { INSTALLATION, receive, webhookExample } from '../support/github/webhooks.js'
import { comment, makeApp, permission, R, seedTask } from './helpers.js'

useGitHubHarness()

const SHA = 'a'.repeat(40)
const criteria = [
  { criterion: 'Tests pass', measurable: 'tests.failed == 0' },
  { criterion: 'Reviewed by a maintainer' },
]
const BODY =
  '### Success criteria\n\n- [ ] Tests pass `tests.failed == 0`\n- [ ] Reviewed by a maintainer\n'
const TICKED = BODY.replace('- [ ] Reviewed', '- [x] Reviewed')

function verdictSummary(task: string, digest: string, passed: boolean) {
  const marker = {
    task,
    digest,
    sha: SHA,
    results: [{ index: 1, outcome: passed ? 'pass' : 'fail' }],
  }
  return `<!-- task-orchestrator:verdict ${JSON.stringify(marker)} -->\n| criterion | |\n|---|---|`
}

async function setup(options: { prAuthor?: string } = {}) {
  const made = await makeApp()
  const { rt, probot } = made
  const id = seedTask(rt, 100, { body: BODY, criteria })
  rt.engine.claim(id, 'ada')
  rt.state.saveIssue({
    ...rt.state.issue(id)!,
    labels: ['task', 'status: in_progress', 'priority: medium'],
    assignees: ['ada'],
  })
  rt.state.savePermission('Codertocat/Hello-World', 'ada', 'write', rt.now())
  // The pull request that names the task.
  const pr = webhookExample('pull_request.opened', {
    number: 200,
    pull_request: {
      number: 200,
      body: 'Closes #100',
      head: { sha: SHA, ref: 'feature' },
      user: { login: options.prAuthor ?? 'ada' },
      state: 'open',
      merged: false,
    },
    installation: INSTALLATION,
  })
  await receive(probot, 'pull_request.opened', pr)
  return { ...made, id, pr }
}

async function verdict(
  probot: Parameters<typeof receive>[0],
  id: string,
  digest: string,
  passed: boolean,
  checkId = 300,
) {
  const payload = webhookExample('check_run.completed', {
    check_run: {
      id: checkId,
      name: 'Task criteria',
      head_sha: SHA,
      conclusion: passed ? 'success' : 'failure',
      html_url: `https://github.com/Codertocat/Hello-World/runs/${checkId}`,
      completed_at: '2026-03-01T09:05:00Z',
      output: {
        title: 'Task criteria',
        summary: verdictSummary(id, digest, passed),
        text: null,
        annotations_count: 0,
        annotations_url: '',
      },
    },
    installation: INSTALLATION,
  })
  await receive(probot, 'check_run.completed', payload)
}

async function tick(probot: Parameters<typeof receive>[0], login: string) {
  const edited = webhookExample('issues.edited', {
    issue: {
      number: 100,
      id: 1100,
      title: 'Task 100',
      body: TICKED,
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
    changes: { body: { from: BODY } },
    sender: { login, type: 'User' },
    installation: INSTALLATION,
  })
  await receive(probot, 'issues.edited', edited)
}

async function done(probot: Parameters<typeof receive>[0], login = 'ada', commentId = 5100) {
  let reply = ''
  githubApi()
    .post(`${R}/issues/comments/${commentId}/reactions`)
    .reply(201, {})
    .post(`${R}/issues/100/comments`, (b) => {
      reply = b.body
      return true
    })
    .reply(201, { id: 1 })
  return {
    run: () => receive(probot, 'issue_comment.created', comment(100, '/done', login, commentId)),
    reply: () => readMarkers(reply)[0]!,
    text: () => reply,
  }
}

describe('the /done gate', () => {
  it('completes when the check passed for the current criteria and the manual one is ticked by a writer', async () => {
    const { probot, rt, id } = await setup()
    await verdict(probot, id, criteriaDigest(criteria), true)
    permission('maint', 'maintain')
    githubApi().patch(`${R}/issues/100`).optionally().reply(200, {})
    await tick(probot, 'maint')
    const d = await done(probot)
    githubApi()
      .patch(`${R}/issues/100`, (p) => p.state === 'closed')
      .reply(200, {})
    await d.run()
    expect(d.reply()).toMatchObject({ command: 'done', ok: true })
    expect(rt.engine.get(id).status).toBe('completed')
    const event = rt.engine.events({ task: id, type: 'completed' })[0]!
    expect(event.details.verified).toMatchObject({ evidence: { check_run: 300, head_sha: SHA } })
  })

  it('refuses when the check failed, with a link to it', async () => {
    const { probot, rt, id } = await setup()
    await verdict(probot, id, criteriaDigest(criteria), false)
    const d = await done(probot)
    await d.run()
    expect(d.reply()).toMatchObject({ ok: false, code: 'CriteriaFailed' })
    expect(d.text()).toContain('failed: #1 Tests pass (fail)')
    expect(d.text()).toContain('https://github.com/Codertocat/Hello-World/runs/300')
    expect(rt.engine.get(id).status).toBe('in_progress')
  })

  it('refuses a stale verdict: the criteria changed since the check ran', async () => {
    const { probot, rt, id } = await setup()
    await verdict(probot, id, criteriaDigest([{ criterion: 'older criteria' }]), true)
    const d = await done(probot)
    await d.run()
    expect(d.text()).toContain('evaluated other criteria')
    expect(rt.engine.get(id).status).toBe('in_progress')
  })

  it('refuses while a manual criterion is unticked, or ticked by someone without permission', async () => {
    const { probot, rt, id } = await setup()
    await verdict(probot, id, criteriaDigest(criteria), true)
    const first = await done(probot, 'ada', 5101)
    await first.run()
    expect(first.text()).toContain('"Reviewed by a maintainer" is not ticked')
    permission('reader', 'read')
    githubApi().patch(`${R}/issues/100`).optionally().reply(200, {})
    await tick(probot, 'reader')
    const second = await done(probot, 'ada', 5102)
    await second.run()
    // Echoed text is neutralised: the login does not ping, the backticks show as typed.
    expect(second.text()).toContain(
      'ticked by @\u200breader, who lacks the \\`confirm\\` permission (write)',
    )
    expect(rt.engine.get(id).status).toBe('in_progress')
  })

  it('refuses a pull request by someone who is not the lease holder, unless a maintainer completes it', async () => {
    const { probot, rt, id } = await setup({ prAuthor: 'mallory' })
    await verdict(probot, id, criteriaDigest(criteria), true)
    permission('maint', 'maintain')
    githubApi().patch(`${R}/issues/100`).optionally().reply(200, {})
    await tick(probot, 'maint')
    const d = await done(probot)
    await d.run()
    expect(d.text()).toContain(
      'pull request #200 is by @\u200bmallory, not the lease holder @\u200bada',
    )
    expect(rt.engine.get(id).status).toBe('in_progress')
  })
})

describe('merged pull requests go through the same gate', () => {
  it('reopens the issue and says why when the gate has not passed', async () => {
    const { probot, rt, id, pr } = await setup()
    await verdict(probot, id, criteriaDigest(criteria), false)
    let note = ''
    permission('maint', 'maintain')
    githubApi()
      .post(`${R}/issues/100/comments`, (b) => {
        note = b.body
        return true
      })
      .reply(201, { id: 9 })
      .patch(`${R}/issues/100`)
      .optionally()
      .reply(200, {})
    const merged = { ...pr, action: 'closed' as const }
    merged.pull_request = {
      ...pr.pull_request,
      state: 'closed',
      merged: true,
      merged_by: { login: 'maint' } as never,
    }
    await receive(probot, 'pull_request.closed', merged as never)
    expect(note).toContain('Reopened')
    expect(note).toContain('failed')
    expect(rt.engine.get(id).status).not.toBe('completed')
  })
})

describe('bodies edited by bots', () => {
  it('the gate Action ticking criteria changes no task, but the app remembers the body for its own edits', async () => {
    const { probot, rt, id } = await setup()
    const before = rt.engine.events().length
    const ticked = BODY.replace('- [ ] Tests pass', '- [x] Tests pass')
    const edited = webhookExample('issues.edited', {
      issue: {
        number: 100,
        id: 1100,
        title: 'Task 100',
        body: ticked,
        updated_at: '2030-01-01T00:00:00Z',
      },
      changes: { body: { from: BODY } },
      sender: { login: 'github-actions[bot]', type: 'Bot' },
      installation: INSTALLATION,
    })
    await receive(probot, 'issues.edited', edited)
    expect(rt.state.issue(id)?.body).toBe(ticked)
    expect(rt.engine.events()).toHaveLength(before)
  })
})

describe('maintainer override', () => {
  it('a maintainer completes a task whose pull request is not by the lease holder', async () => {
    const { probot, rt, id } = await setup({ prAuthor: 'mallory' })
    await verdict(probot, id, criteriaDigest(criteria), true)
    permission('maint', 'maintain')
    githubApi().patch(`${R}/issues/100`).optionally().reply(200, {})
    await tick(probot, 'maint')
    const d = await done(probot, 'maint', 5103)
    githubApi()
      .patch(`${R}/issues/100`, (p) => p.state === 'closed')
      .reply(200, {})
    await d.run()
    expect(d.reply()).toMatchObject({ command: 'done', ok: true })
    expect(rt.engine.get(id).status).toBe('completed')
  })
})
