/**
 * Issue 14, "Issue authors without write control their task" — the baseline
 * that body edits are judged against. Only a body the app accepted may become
 * it: GitHub's copy of a refused edit must not, even when the request that
 * sets the refused parts back fails (GitHub's 65,536-character limit, a 5xx),
 * and a bot's edit on top of such a copy must not either. A failed set-back
 * is sent again by the next flush. Real webhook payloads, every GitHub
 * request asserted (none left pending), permissions from the collaborator
 * permission API.
 */
import { describe, expect, it } from 'vitest'
import { restoreParts } from '../../src/github/body-sections.js'
import { BODY_LIMIT } from '../../src/github/fit.js'
import { issueRead, makeApp, R, seedTask } from '../app/helpers.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi, recordedRequests } from '../support/github/nock.js'
import { INSTALLATION, receive, webhookExample } from '../support/github/webhooks.js'

useGitHubHarness()

const LABELS = ['task', 'status: pending', 'priority: medium'].map((name, i) => ({
  id: i + 1,
  node_id: `L${i}`,
  url: '',
  name,
  color: 'ededed',
  default: false,
  description: null,
}))

const CRITERIA_BODY =
  'Some context.\n\n### Success criteria\n\n- [ ] All tests pass `tests.failed == 0`\n- [ ] Reviewed by a maintainer\n\n### Notes\n\nkeep me\n'
const CRITERIA = [
  { criterion: 'All tests pass', measurable: 'tests.failed == 0' },
  { criterion: 'Reviewed by a maintainer' },
]
const CRITERIA_SECTION =
  '### Success criteria\n\n- [ ] All tests pass `tests.failed == 0`\n- [ ] Reviewed by a maintainer\n'

/** The collaborator permission API's answer for a role. */
function role(login: string, name: 'read' | 'write' | 'maintain') {
  const legacy = name === 'maintain' ? 'write' : name
  return githubApi()
    .get(`${R}/collaborators/${login}/permission`)
    .reply(200, { permission: legacy, role_name: name, user: { login } })
}

/** An `issues.edited` delivery of issue 10, edited at `at` by `login` (`type` User or Bot). */
function edit(body: string, from: string, at: string, login = 'reader', type = 'User') {
  return webhookExample('issues.edited', {
    issue: { number: 10, id: 1010, title: 'Task 10', body, labels: LABELS, updated_at: at },
    changes: { body: { from } },
    sender: { login, type },
    installation: INSTALLATION,
  })
}

/**
 * The issue PATCH as GitHub answers it: 422 "body is too long" for a body
 * over 65,536 characters, `status` otherwise. Records each body sent.
 */
function patchIssue(sent: string[], status = 200) {
  return githubApi()
    .patch(`${R}/issues/10`, (p) => {
      sent.push(p.body)
      return true
    })
    .reply((_uri, request) => {
      const body = (request as { body?: string }).body ?? ''
      if (body.length > BODY_LIMIT)
        return [
          422,
          {
            message: 'Validation Failed',
            errors: [
              {
                resource: 'Issue',
                code: 'custom',
                field: 'body',
                message: 'body is too long (maximum is 65536 characters)',
              },
            ],
          },
        ]
      return status === 200 ? [200, {}] : [status, { message: 'Bad Gateway' }]
    })
}

function replyOn(into: string[]) {
  return githubApi()
    .post(`${R}/issues/10/comments`, (b) => {
      into.push(b.body)
      return true
    })
    .reply(201, { id: 77 })
}

const T1 = '2026-03-01T09:01:00Z'
const T2 = '2026-03-01T09:02:00Z'
const T3 = '2026-03-01T09:03:00Z'

describe('the body edits are judged against', () => {
  it('a padded deletion whose set-back would pass GitHub’s limit sets the whole edit back; the second edit cannot remove the criteria', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 10, { criteria: CRITERIA, body: CRITERIA_BODY })
    role('reader', 'read')
    const padded = `Some context.\n\n${'x'.repeat(65_496)}\n`
    expect(padded.length).toBeLessThanOrEqual(BODY_LIMIT)
    const sent: string[] = []
    const replies: string[] = []
    issueRead(10, padded) // the mirror reads GitHub's body before writing it
    patchIssue(sent)
    replyOn(replies)
    await receive(probot, 'issues.edited', edit(padded, CRITERIA_BODY, T1))
    // Keeping the padding and adding the criteria back would not fit: the
    // accepted body is sent back whole, and the reply says so.
    expect(sent).toEqual([CRITERIA_BODY])
    expect(rt.engine.get(id).success_criteria).toEqual(CRITERIA)
    expect(replies[0]).toContain('set back as a whole')
    expect(replies[0]).toContain('65,536 characters')
    expect(replies[0]).toContain('changing `### Success criteria` needs write')

    // The reader removes the padding: still judged against the accepted body.
    issueRead(10, 'Some context.\n')
    patchIssue(sent)
    replyOn(replies)
    await receive(probot, 'issues.edited', edit('Some context.\n', padded, T2))
    expect(rt.engine.get(id).success_criteria).toEqual(CRITERIA)
    expect(sent[1]).toBe(`Some context.\n\n${CRITERIA_SECTION}`)
    expect(replies[1]).toContain('changing `### Success criteria` needs write')
    expect(rt.state.issue(id)?.accepted_body).toBe(sent[1])
  })

  it('a set-back that GitHub answers with 502 leaves the accepted body as the baseline', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 10, { criteria: CRITERIA, body: CRITERIA_BODY })
    role('reader', 'read')
    const deleted = 'Some context.\n\n### Notes\n\nkeep me\n'
    const restored = `${deleted}\n${CRITERIA_SECTION}`
    const sent: string[] = []
    const replies: string[] = []
    issueRead(10, deleted)
    patchIssue(sent, 502)
    replyOn(replies)
    await expect(
      receive(probot, 'issues.edited', edit(deleted, CRITERIA_BODY, T1)),
    ).rejects.toThrow()
    expect(sent).toEqual([restored])
    expect(replies[0]).toContain('changing `### Success criteria` needs write')
    // GitHub still shows the reader's edit; the app remembers both, apart.
    expect(rt.state.issue(id)).toMatchObject({
      body: deleted,
      accepted_body: restored,
      status_dirty: true,
    })

    // The second edit (the reader rewrites the prose) is judged against the accepted body.
    issueRead(10, 'Some context.\n')
    patchIssue(sent)
    replyOn(replies)
    await receive(probot, 'issues.edited', edit('Some context.\n', deleted, T2))
    expect(rt.engine.get(id).success_criteria).toEqual(CRITERIA)
    expect(sent[1]).toBe(`Some context.\n\n${CRITERIA_SECTION}`)
    expect(replies[1]).toContain('changing `### Success criteria` needs write')
  })

  it('a bot’s edit on top of an unrestored body does not become the baseline', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 10, { criteria: CRITERIA, body: CRITERIA_BODY })
    role('reader', 'read')
    const deleted = 'Some context.\n\n### Notes\n\nkeep me\n'
    const sent: string[] = []
    const replies: string[] = []
    issueRead(10, deleted)
    patchIssue(sent, 502)
    replyOn(replies)
    await expect(
      receive(probot, 'issues.edited', edit(deleted, CRITERIA_BODY, T1)),
    ).rejects.toThrow()

    // A bot (not a listed agent) edits the prose of GitHub's copy: ignored.
    const byBot = `${deleted}\nEdited by a bot.\n`
    await receive(probot, 'issues.edited', edit(byBot, deleted, T2, 'some-app[bot]', 'Bot'))
    expect(rt.state.issue(id)?.accepted_body).toBe(`${deleted}\n${CRITERIA_SECTION}`)

    issueRead(10, byBot)
    patchIssue(sent)
    replyOn(replies)
    await receive(probot, 'issues.edited', edit(byBot, byBot, T3))
    expect(rt.engine.get(id).success_criteria).toEqual(CRITERIA)
    expect(sent[1]).toBe(`${byBot}\n${CRITERIA_SECTION}`)
  })

  it('a set-back GitHub refused with 502 is sent by the next flush, once', async () => {
    const { probot, rt, app } = await makeApp()
    const id = seedTask(rt, 10, { criteria: CRITERIA, body: CRITERIA_BODY })
    role('reader', 'read')
    const deleted = 'Some context, clarified.\n'
    const restored = `${deleted}\n${CRITERIA_SECTION}`
    const sent: string[] = []
    const replies: string[] = []
    issueRead(10, deleted)
    patchIssue(sent, 502)
    replyOn(replies)
    await expect(
      receive(probot, 'issues.edited', edit(deleted, CRITERIA_BODY, T1)),
    ).rejects.toThrow()

    issueRead(10, deleted) // GitHub still shows the reader's edit
    patchIssue(sent)
    githubApi().patch(`${R}/issues/comments/9010`).reply(200, {})
    await app.flush()
    expect(sent).toEqual([restored, restored])
    expect(rt.state.issue(id)).toMatchObject({
      body: restored,
      accepted_body: restored,
      status_dirty: false,
    })
    expect(rt.engine.get(id).success_criteria).toEqual(CRITERIA)

    // Nothing left to send.
    const before = recordedRequests.length
    await app.flush()
    expect(recordedRequests.length).toBe(before)
  })
})

describe('a set-back that GitHub would refuse', () => {
  const context = { owner: 'Codertocat', repo: 'Hello-World' }

  it('restoreParts sets the whole edit back when keeping the rest would pass the limit', () => {
    const padded = `Some context.\n\n${'x'.repeat(65_496)}\n`
    expect(restoreParts(padded, CRITERIA_BODY, ['criteria'], context)).toEqual({
      body: CRITERIA_BODY,
      whole: 'size',
    })
    // Under the limit, only the part is set back.
    expect(restoreParts('Short.\n', CRITERIA_BODY, ['criteria'], context)).toEqual({
      body: `Short.\n\n${CRITERIA_SECTION}`,
      whole: null,
    })
    // Exactly at the limit still fits.
    const restored = `Short.\n\n${CRITERIA_SECTION}`
    expect(
      restoreParts('Short.\n', CRITERIA_BODY, ['criteria'], context, restored.length).whole,
    ).toBeNull()
    expect(
      restoreParts('Short.\n', CRITERIA_BODY, ['criteria'], context, restored.length - 1),
    ).toEqual({ body: CRITERIA_BODY, whole: 'size' })
  })

  it('the lease holder cannot weaken its criteria through a set-back that failed', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 10, { criteria: CRITERIA, body: CRITERIA_BODY })
    rt.engine.claim(id, 'ada')
    const held = ['task', 'status: in_progress', 'priority: medium']
    rt.state.saveIssue({ ...rt.state.issue(id)!, labels: held, assignees: ['ada'] })
    role('ada', 'write')
    const weakened = CRITERIA_BODY.replace('`tests.failed == 0`', '`true`')
    const sent: string[] = []
    const replies: string[] = []
    issueRead(10, weakened)
    patchIssue(sent, 502)
    replyOn(replies)
    const first = edit(weakened, CRITERIA_BODY, T1, 'ada')
    first.issue.labels = LABELS.map((l, i) => ({ ...l, name: held[i]! }))
    await expect(receive(probot, 'issues.edited', first)).rejects.toThrow()
    expect(replies[0]).toContain('needs maintain (the `edit_claimed_criteria` rule)')

    // The holder's next edit (prose only, over the weakened criteria) is judged
    // against the accepted body: the weakening is refused again.
    const prose = weakened.replace('Some context.', 'Some context, and more.')
    issueRead(10, prose)
    patchIssue(sent)
    replyOn(replies)
    const second = edit(prose, weakened, T2, 'ada')
    second.issue.labels = first.issue.labels
    await receive(probot, 'issues.edited', second)
    expect(rt.engine.get(id).success_criteria).toEqual(CRITERIA)
    expect(sent).toEqual([
      CRITERIA_BODY,
      CRITERIA_BODY.replace('Some context.', 'Some context, and more.'),
    ])
    expect(replies[1]).toContain('needs maintain (the `edit_claimed_criteria` rule)')
  })
})
