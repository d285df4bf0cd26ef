/**
 * Hostile check runs: a `Task criteria` check run with a hand-written passing
 * verdict marker, created by an app other than the one the config trusts
 * (`gate.app`, default `github-actions`), must not vouch for a task — neither
 * delivered as a webhook (server) nor read back from the API and delivered by
 * the Actions-hosted orchestrator. Real `check_run.completed` payloads
 * (@octokit/webhooks-examples), every GitHub call answered by nock.
 */
import { describe, expect, it } from 'vitest'
import { webhookEvents } from '../../src/action/orchestrator/events.js'
import type { Octokit } from '../../src/app/runtime.js'
import { parseConfig } from '../../src/github/config.js'
import { criteriaDigest } from '../../src/github/issue-body.js'
import { readMarkers } from '../../src/github/replies.js'
import { untrustedVerdictReason } from '../../src/github/verdict.js'
import { comment, makeApp, R, seedTask } from '../app/helpers.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { INSTALLATION, receive, webhookExample } from '../support/github/webhooks.js'

useGitHubHarness()

const SHA = 'b'.repeat(40)
const criteria = [{ criterion: 'Tests pass', measurable: 'tests.failed == 0' }]
const BODY = '### Success criteria\n\n- [ ] Tests pass `tests.failed == 0`\n'
const GITHUB_ACTIONS = { id: 15368, slug: 'github-actions' }
const OTHER_APP = { id: 999, slug: 'helpful-linter' }

/** A summary with a well-formed, passing verdict marker for `task`. */
function forgedSummary(task: string) {
  const marker = {
    task,
    digest: criteriaDigest(criteria),
    sha: SHA,
    results: [{ index: 1, outcome: 'pass' }],
  }
  return `<!-- task-orchestrator:verdict ${JSON.stringify(marker)} -->\nAll criteria pass.`
}

/** A completed, successful `Task criteria` check run on SHA, created by `app`. */
function checkRun(id: number, task: string, app: Record<string, unknown> | null) {
  const payload = webhookExample('check_run.completed', {
    check_run: {
      id,
      name: 'Task criteria',
      head_sha: SHA,
      status: 'completed',
      conclusion: 'success',
      html_url: `https://github.com/Codertocat/Hello-World/runs/${id}`,
      completed_at: '2026-03-01T09:05:00Z',
      output: {
        title: 'Task criteria',
        summary: forgedSummary(task),
        text: null,
        annotations_count: 0,
        annotations_url: '',
      },
    },
    installation: INSTALLATION,
  })
  // Replace `app` whole: the example's app has other fields we do not want to keep.
  ;(payload.check_run as { app: unknown }).app = app
    ? { ...payload.check_run.app, ...app }
    : (null as never)
  if (app && !('slug' in app)) delete (payload.check_run.app as { slug?: string }).slug
  return payload
}

/** A task held by ada, named by open pull request #200 whose head is SHA. */
async function setup(config = '') {
  const made = await makeApp()
  const { rt, probot } = made
  const id = seedTask(rt, 100, { body: BODY, criteria })
  rt.state.saveRepo('Codertocat/Hello-World', rt.now(), { config })
  rt.engine.claim(id, 'ada')
  rt.state.saveIssue({
    ...rt.state.issue(id)!,
    labels: ['task', 'status: in_progress', 'priority: medium'],
    assignees: ['ada'],
  })
  rt.state.savePermission('Codertocat/Hello-World', 'ada', 'write', rt.now())
  const pr = webhookExample('pull_request.opened', {
    number: 200,
    pull_request: {
      number: 200,
      body: 'Closes #100',
      head: { sha: SHA, ref: 'feature' },
      user: { login: 'ada' },
      state: 'open',
      merged: false,
    },
    installation: INSTALLATION,
  })
  await receive(probot, 'pull_request.opened', pr)
  return { ...made, id }
}

describe('check runs that may vouch for a task', () => {
  it('a passing verdict from another app is ignored: /done still refuses', async () => {
    const { probot, rt, id } = await setup()
    await receive(probot, 'check_run.completed', checkRun(301, id, OTHER_APP))
    expect(rt.gate.latestVerdict(id, SHA)).toBeUndefined()

    let reply = ''
    githubApi()
      .post(`${R}/issues/comments/5100/reactions`)
      .reply(201, {})
      .post(`${R}/issues/100/comments`, (b) => {
        reply = b.body
        return true
      })
      .reply(201, { id: 1 })
    await receive(probot, 'issue_comment.created', comment(100, '/done', 'ada', 5100))
    expect(readMarkers(reply)[0]).toMatchObject({ command: 'done', ok: false })
    // In the marker's reason (its JSON writes a backtick as \u0060, so read it decoded).
    expect(readMarkers(reply)[0]?.reason).toContain('no `Task criteria` check has finished')
    expect(rt.engine.get(id).status).toBe('in_progress')
  })

  it('a verdict of GitHub Actions (the default gate.app) is stored', async () => {
    const { probot, rt, id } = await setup()
    await receive(probot, 'check_run.completed', checkRun(302, id, GITHUB_ACTIONS))
    expect(rt.gate.latestVerdict(id, SHA)).toMatchObject({ check_run_id: 302, passed: true })
  })

  it('a check run whose app is unknown (no slug, or no app) is ignored', async () => {
    const { probot, rt, id } = await setup()
    await receive(probot, 'check_run.completed', checkRun(303, id, { id: 15368 }))
    await receive(probot, 'check_run.completed', checkRun(304, id, null))
    expect(rt.gate.latestVerdict(id, SHA)).toBeUndefined()
  })

  it('gate.app names the trusted app: then GitHub Actions no longer vouches', async () => {
    const { probot, rt, id } = await setup('gate:\n  app: helpful-linter\n')
    await receive(probot, 'check_run.completed', checkRun(305, id, GITHUB_ACTIONS))
    expect(rt.gate.latestVerdict(id, SHA)).toBeUndefined()
    await receive(probot, 'check_run.completed', checkRun(306, id, OTHER_APP))
    expect(rt.gate.latestVerdict(id, SHA)).toMatchObject({ check_run_id: 306 })
  })

  it('Actions-hosted mode: check runs read back from the API count only from the trusted app', async () => {
    const { probot, rt, id } = await setup()
    const forged = checkRun(307, id, OTHER_APP).check_run
    const genuine = checkRun(308, id, GITHUB_ACTIONS).check_run
    githubApi()
      .get(`${R}/commits/${SHA}/check-runs`)
      .query(true)
      .reply(200, { total_count: 2, check_runs: [forged, genuine] })
    const octokit = (await probot.auth()) as unknown as Octokit
    const events = await webhookEvents(
      {
        name: 'workflow_run',
        runId: '77',
        payload: {
          action: 'completed',
          workflow_run: { head_sha: SHA, status: 'completed' },
          repository: webhookExample('check_run.completed').repository,
          sender: { login: 'ada' },
        },
      },
      octokit,
    )
    expect(events).toHaveLength(2)
    // The forged one alone stores nothing …
    await probot.receive(events[0] as Parameters<typeof probot.receive>[0])
    expect(rt.gate.latestVerdict(id, SHA)).toBeUndefined()
    // … the genuine one is the verdict.
    await probot.receive(events[1] as Parameters<typeof probot.receive>[0])
    expect(rt.gate.latestVerdict(id, SHA)).toMatchObject({ check_run_id: 308 })
  })
})

describe('untrustedVerdictReason', () => {
  it('accepts only the named app (case-insensitively) and says why otherwise', () => {
    expect(untrustedVerdictReason(GITHUB_ACTIONS, 'github-actions')).toBeNull()
    expect(untrustedVerdictReason({ slug: 'GitHub-Actions' }, 'github-actions')).toBeNull()
    expect(untrustedVerdictReason(OTHER_APP, 'github-actions')).toBe(
      'the check run was created by the app `helpful-linter` (id 999), not by `github-actions` (config `gate.app`)',
    )
    expect(untrustedVerdictReason(null, 'github-actions')).toMatch(/does not say which app/)
    expect(untrustedVerdictReason({ id: 15368 }, 'github-actions')).toMatch(/does not say/)
  })
})

describe('gate.app in the config', () => {
  it('defaults to github-actions and refuses what is not an app slug, naming the key', () => {
    expect(parseConfig('').gate.app).toBe('github-actions')
    expect(parseConfig('gate:\n  app: my-ci-app\n').gate.app).toBe('my-ci-app')
    for (const bad of ['"github actions"', 'My_App', '-x', '42x--y', '[a]']) {
      expect(() => parseConfig(`gate:\n  app: ${bad}\n`)).toThrow(/gate\.app/)
    }
  })
})
