/**
 * The mirror's writer (issue 11, "one mirror"): the issue a task should be is
 * computed from the engine's state, and every write — a handler's or the
 * background flush's — goes through one writer that reads GitHub's body
 * before writing one. Real webhook payloads; every GitHub request asserted
 * with nock (none left pending).
 */
import { describe, expect, it } from 'vitest'
import { markDirty } from '../../src/app/reconcile.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi, recordedRequests } from '../support/github/nock.js'
import { INSTALLATION, receive, webhookExample } from '../support/github/webhooks.js'
import { comment, issueRead, makeApp, R, seedTask } from './helpers.js'

useGitHubHarness()

const UNTICKED = '### Depends on\n\n- [ ] #30\n'
const TICKED = '### Depends on\n\n- [x] #30\n'

/** Task 30 held by ada (permission cached), and task 31 that depends on it. */
async function heldWithDependent() {
  const made = await makeApp()
  const { rt } = made
  const done = seedTask(rt, 30)
  const dependent = seedTask(rt, 31, { dependsOn: [30], body: UNTICKED })
  rt.state.saveIssue({
    ...rt.state.issue(dependent)!,
    labels: ['task', 'status: blocked', 'priority: medium'],
  })
  rt.engine.claim(done, 'ada')
  rt.state.savePermission('Codertocat/Hello-World', 'ada', 'write', rt.now())
  rt.state.saveIssue({
    ...rt.state.issue(done)!,
    labels: ['task', 'status: in_progress', 'priority: medium'],
    assignees: ['ada'],
  })
  return { ...made, done, dependent }
}

/** `/done` on task 30: the reaction, task 30's update and the reply. */
function doneOn30() {
  githubApi()
    .post(`${R}/issues/comments/5030/reactions`, { content: '+1' })
    .reply(201, {})
    .patch(`${R}/issues/30`, (p) => p.state === 'closed')
    .reply(200, {})
    .post(`${R}/issues/30/comments`)
    .reply(201, { id: 1 })
}

/** The status comments of tasks 30 and 31, edited by the flush. */
function statusComments() {
  githubApi()
    .patch(`${R}/issues/comments/9030`)
    .reply(200, {})
    .patch(`${R}/issues/comments/9031`)
    .reply(200, {})
}

describe('the mirror writer', () => {
  it('a tick lost to a failed request is sent again by the next flush', async () => {
    const { probot, rt, app, dependent } = await heldWithDependent()
    doneOn30()
    issueRead(31, UNTICKED)
    githubApi().patch(`${R}/issues/31`).reply(502, { message: 'Bad Gateway' })
    await expect(
      receive(probot, 'issue_comment.created', comment(30, '/done', 'ada')),
    ).rejects.toThrow()
    expect(rt.engine.get(dependent).status).toBe('pending')
    expect(rt.state.issue(dependent)).toMatchObject({ body: UNTICKED, status_dirty: true })

    const sent: { body?: string; labels?: string[] }[] = []
    issueRead(31, UNTICKED)
    githubApi()
      .patch(`${R}/issues/31`, (p) => {
        sent.push(p)
        return true
      })
      .reply(200, {})
    statusComments()
    await app.flush()
    expect(sent).toHaveLength(1)
    expect(sent[0]!.body).toBe(TICKED)
    expect(sent[0]!.labels).toContain('status: pending')
    expect(rt.state.issue(dependent)).toMatchObject({
      body: TICKED,
      accepted_body: TICKED,
      status_dirty: false,
    })
    // Nothing left to send.
    const before = recordedRequests.length
    await app.flush()
    expect(recordedRequests.length).toBe(before)
  })

  it('the background flush mirrors the body too (a tick never sent before a crash)', async () => {
    const { rt, app, done, dependent } = await heldWithDependent()
    // The engine completed task 30 and marked the issues dirty in the same
    // transaction, but the process stopped before mirroring: only the marks
    // (stored in the database) remain.
    rt.engine.write(() => {
      rt.engine.complete(done, 'ada', rt.engine.get(done).lease!.token)
      markDirty(rt, [done, dependent], new Map([[done, 'ada']]))
    })
    let body: string | undefined
    githubApi()
      .patch(`${R}/issues/30`, (p) => p.state === 'closed' && p.assignees.length === 0)
      .reply(200, {})
    issueRead(31, UNTICKED)
    githubApi()
      .patch(`${R}/issues/31`, (p) => {
        body = p.body
        return true
      })
      .reply(200, {})
    statusComments()
    await app.flush()
    expect(body).toBe(TICKED)
  })

  it("a person's edit on GitHub whose webhook has not been processed is kept under the tick", async () => {
    const { probot, rt, app, dependent } = await heldWithDependent()
    const edited = `Grace's notes: run the migration first.\n\n${UNTICKED}`
    const editedTicked = `Grace's notes: run the migration first.\n\n${TICKED}`
    doneOn30()
    issueRead(31, edited, { etag: 'W/"edited"' }) // GitHub has the edit; the app has not seen it
    let body: string | undefined
    githubApi()
      .patch(`${R}/issues/31`, (p) => {
        body = p.body
        return true
      })
      .reply(200, { updated_at: '2026-03-01T09:05:00Z', body: editedTicked }, { ETag: 'W/"ours"' })
    await receive(probot, 'issue_comment.created', comment(30, '/done', 'ada'))
    expect(body).toBe(editedTicked)
    // The edit is not accepted unjudged: only the tick joins the accepted body.
    expect(rt.state.issue(dependent)).toMatchObject({
      accepted_body: TICKED,
      unjudged_edit: true,
    })

    // The flush before the webhook arrives does not write the accepted body over it.
    statusComments()
    await app.flush()
    const patches31 = () =>
      recordedRequests.filter((q) => q.method === 'PATCH' && q.path === `${R}/issues/31`)
    expect(patches31()).toHaveLength(1)

    // The edit's delivery (older than the app's update) is judged and accepted;
    // GitHub already has it with the tick: read (304, nothing changed), nothing sent.
    githubApi().get(`${R}/issues/31`).matchHeader('if-none-match', 'W/"ours"').reply(304, '')
    await receive(
      probot,
      'issues.edited',
      webhookExample('issues.edited', {
        issue: {
          number: 31,
          id: 1031,
          title: 'Task 31',
          body: edited,
          labels: ['task', 'status: pending', 'priority: medium'].map((name, i) => ({
            id: i + 1,
            node_id: `L${i}`,
            url: '',
            name,
            color: 'ededed',
            default: false,
            description: null,
          })),
          updated_at: '2026-03-01T09:04:00Z',
        },
        changes: { body: { from: UNTICKED } },
        sender: { login: 'grace', type: 'User' },
        installation: INSTALLATION,
      }),
    )
    expect(rt.state.issue(dependent)).toMatchObject({
      accepted_body: editedTicked,
      body: editedTicked,
      unjudged_edit: false,
    })
    expect(patches31()).toHaveLength(1)
  })

  it('reads the body with If-None-Match: a 304 stands for the body of the last answer', async () => {
    const { probot, rt, app, dependent } = await heldWithDependent()
    doneOn30()
    issueRead(31, UNTICKED, { etag: 'W/"v1"' })
    githubApi().patch(`${R}/issues/31`).reply(502, { message: 'Bad Gateway' })
    await expect(
      receive(probot, 'issue_comment.created', comment(30, '/done', 'ada')),
    ).rejects.toThrow()
    expect(rt.state.issue(dependent)).toMatchObject({ etag: 'W/"v1"', etag_body: UNTICKED })

    // The next flush reads again, conditionally: 304, so the tick goes on that body.
    let body: string | undefined
    githubApi()
      .get(`${R}/issues/31`)
      .matchHeader('if-none-match', 'W/"v1"')
      .reply(304, '')
      .patch(`${R}/issues/31`, (p) => {
        body = p.body
        return true
      })
      .reply(200, {})
    statusComments()
    await app.flush()
    expect(body).toBe(TICKED)
  })

  it('a lease holder whose unassignment failed is unassigned by the next flush', async () => {
    const { probot, rt, app, done } = await heldWithDependent()
    githubApi()
      .post(`${R}/issues/comments/5030/reactions`, { content: '+1' })
      .reply(201, {})
      .patch(`${R}/issues/30`)
      .reply(502, { message: 'Bad Gateway' })
      .post(`${R}/issues/30/comments`)
      .reply(201, { id: 1 })
    await expect(
      receive(probot, 'issue_comment.created', comment(30, '/release', 'ada')),
    ).rejects.toThrow()
    expect(rt.state.issue(done)).toMatchObject({ former_holders: ['ada'], status_dirty: true })
    let assignees: string[] | undefined
    githubApi()
      .patch(`${R}/issues/30`, (p) => {
        assignees = p.assignees
        return true
      })
      .reply(200, {})
      .patch(`${R}/issues/comments/9030`)
      .reply(200, {})
    await app.flush()
    expect(assignees).toEqual([])
    expect(rt.state.issue(done)?.former_holders).toEqual([])
  })
})
