/**
 * Rebuild from GitHub reproduces statuses, dependencies and criteria of a
 * recorded repository state: the real app runs through a scenario on a fake
 * repository (`rebuild-scenario.ts`), then a rebuild reads that repository
 * into a fresh database, which must equal the server's — tasks, statuses,
 * dependencies, criteria, leases (holder and fencing token), bookkeeping —
 * and the app over it must then behave as the server does.
 */
import { describe, expect, it } from 'vitest'
import { taskOrchestrator } from '../../src/app/index.js'
import { rebuildFromGitHub } from '../../src/app/rebuild/rebuild.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { recordedRequests } from '../support/github/nock.js'
import { probotForTests, receive, type WebhookName } from '../support/github/webhooks.js'
import { snapshot, splitLabels } from './rebuild-compare.js'
import { FakeRepository, serveRepository } from './rebuild-recorder.js'
import { OWNER, REPO, recordScenario } from './rebuild-scenario.js'

useGitHubHarness()

const R = `/repos/${OWNER}/${REPO}`

describe('rebuild from GitHub', () => {
  it('reproduces statuses, dependencies, criteria, leases and the bookkeeping of a recorded repository state', async () => {
    const { served, server } = await recordScenario()
    const { clock } = server
    const engine = new Engine(openStore(':memory:'), { clock })
    const octokit = await server.probot.auth(1)
    const from = recordedRequests.length
    const report = await rebuildFromGitHub(octokit, { owner: OWNER, repo: REPO }, engine, {
      installationId: 1,
    })
    served.stop()

    // Every request, in order: three listings, the config, and the follow-ups.
    expect(recordedRequests.slice(from).map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${R}/contents/.github%2Ftask-orchestrator.yml`,
      `GET ${R}/labels?per_page=100`,
      `GET ${R}/issues?per_page=100&state=all&labels=task`,
      `GET ${R}/issues/comments?per_page=100`,
      // #4 has a native sub-issue (#16) that is not a task.
      `GET ${R}/issues/4/sub_issues?per_page=100`,
      // #15 (a subtask) and #9 (a dependency) are plain issues.
      `GET ${R}/issues/15`,
      `GET ${R}/issues/9`,
      // #2, #3 and #8 have native blocked_by links mirroring their bodies
      // (#8's to the plain issue #9, linked by the mirror once #9 was closed
      // and its GitHub id known).
      `GET ${R}/issues/2/dependencies/blocked_by?per_page=100`,
      `GET ${R}/issues/3/dependencies/blocked_by?per_page=100`,
      `GET ${R}/issues/8/dependencies/blocked_by?per_page=100`,
    ])
    expect(report.requests).toBe(10)

    const rebuilt = splitLabels(snapshot(engine))
    const original = splitLabels(snapshot(server.engine))
    expect(rebuilt.state).toEqual(original.state)
    // The app knows the labels it listed once and created since; GitHub has them all.
    expect(rebuilt.labels[0]).toEqual(expect.arrayContaining(original.labels[0]!))
    expect(rebuilt.labels[0]).toContain('priority: critical') // added by a person

    // What a reader of the snapshot may not see at a glance, spelled out.
    const task = (n: number) => engine.get(`${OWNER}/${REPO}#${n}`)
    expect(task(1)).toMatchObject({ status: 'completed', completion_summary: 'tables ready' })
    expect(task(2).success_criteria).toEqual([
      { criterion: 'All tests pass', measurable: 'tests.failed == 0 && tests.total > 0' },
      { criterion: 'Coverage', measurable: 'coverage.lines >= 80' },
    ])
    expect(task(3)).toMatchObject({ status: 'blocked', priority: 'critical', persona: 'writer' })
    expect(task(6).status).toBe('blocked')
    expect(engine.show(`${OWNER}/${REPO}#7`).depends_on).toEqual([]) // the cycle's second edge
    expect(task(10)).toMatchObject({
      attempts: 1,
      fencing_seq: 2,
      lease: { holder: 'dave', token: 2 },
    })
    expect(task(11)).toMatchObject({
      status: 'blocked',
      blocked_reason: 'waiting for the legal team',
    })
    expect(task(12).status).toBe('cancelled')
    expect(task(14)).toMatchObject({ status: 'failed', attempts: 2 })
    expect(engine.show(`${OWNER}/${REPO}#4`).subtasks.sort()).toEqual(
      [5, 15, 16].map((n) => `${OWNER}/${REPO}#${n}`).sort(),
    )

    // Live leases restart with the config's TTL (45 minutes) from the rebuild.
    const expires = new Date(clock.now() + 45 * 60_000).toISOString()
    expect(report.leases).toEqual([
      { task: `${OWNER}/${REPO}#2`, holder: 'grace', token: 1, expires_at: expires },
      { task: `${OWNER}/${REPO}#10`, holder: 'dave', token: 2, expires_at: expires },
    ])
    expect(report).toMatchObject({
      tasks: 12,
      tracked: 3,
      statuses: { blocked: 5, cancelled: 1, completed: 3, failed: 1, in_progress: 2, pending: 3 },
      dependencies: 5,
      parents: 3,
      criteria: 3,
      statusComments: { found: 12, missing: 0 },
      pullRequests: 1,
      replaced: 0,
      configError: null,
    })
    expect(report.skipped.map((s) => [s.item, s.field])).toEqual([
      [`${OWNER}/${REPO}#13`, 'issue'],
      [`${OWNER}/${REPO}#7`, 'dependsOn'],
    ])
    expect(report.skipped[1]!.reason).toContain(
      `would close the cycle ${OWNER}/${REPO}#7 → ${OWNER}/${REPO}#6 → ${OWNER}/${REPO}#7`,
    )
    // The lost /status is left for the catch-up scan; everything answered is recorded.
    expect(report.comments.unanswered).toEqual([
      expect.objectContaining({ issue: 3, author: 'hank' }),
    ])
    expect(report.comments.handled).toBe(original.state.comments.length)
  })

  it('leaves the app behaving as if it had been running all along: the same requests for the next events', async () => {
    const { fake, served, server } = await recordScenario()
    const { clock } = server
    const engine = new Engine(openStore(':memory:'), { clock })
    await rebuildFromGitHub(await server.probot.auth(1), { owner: OWNER, repo: REPO }, engine, {
      installationId: 1,
    })
    served.stop()
    // Past the permission cache of the server, so both look permissions up alike.
    clock.advance(11 * 60_000)
    const rebuiltApp = taskOrchestrator({ engine, clock, timers: false })
    const rebuiltProbot = await probotForTests(rebuiltApp)

    /** Run the next events on a copy of the repository; the requests, and what the events changed. */
    const next = async (
      probot: typeof rebuiltProbot,
      app: typeof rebuiltApp,
      appEngine: Engine,
    ) => {
      const copy = new FakeRepository(fake.data, clock)
      const serving = serveRepository(copy)
      const from = recordedRequests.length
      const events: [WebhookName, unknown][] = [
        ['issue_comment.created', copy.comment(2, '/heartbeat', 'grace')],
        ['issue_comment.created', copy.comment(7, '/claim', 'ada')],
        ['issues.opened', copy.open(17, 'Release notes', '### Depends on\n\n- [ ] #3\n', ['task'])],
        ['issue_comment.created', copy.comment(10, '/done flaky test fixed', 'dave')],
      ]
      for (const [name, payload] of events) {
        await receive(probot, name as never, payload as never)
        await app.flush()
      }
      serving.stop()
      const requests = recordedRequests.slice(from)
      for (const r of requests) r.problem && expect.fail(r.problem)
      return {
        requests: requests.map(
          (r) => `${r.method} ${r.path.replace(/\/comments\/\d+/, '/comments/ID')}`,
        ),
        state: splitLabels(snapshot(appEngine)).state.tasks,
        sent: requests,
      }
    }
    const onServer = await next(server.probot, server.app, server.engine)
    const onRebuilt = await next(rebuiltProbot, rebuiltApp, engine)
    expect(onRebuilt.requests).toEqual(onServer.requests)
    // No second status comment, no label created again.
    const statusPosts = (sent: typeof onServer.sent) =>
      sent.filter(
        (r) =>
          r.method === 'POST' && JSON.stringify(r.body ?? '').includes('task-orchestrator:status'),
      )
    expect(statusPosts(onRebuilt.sent).map((r) => r.path)).toEqual([`${R}/issues/17/comments`])
    expect(onRebuilt.sent.filter((r) => r.path === `${R}/labels`)).toEqual([])
    // What was sent is the same too — the status comments' history included,
    // as the rebuild restored the history they showed — except the expiry of
    // the leases the rebuild restarted (and their start, in the status marker).
    const bodies = (sent: typeof onServer.sent) =>
      sent.map((r) =>
        JSON.stringify(r.body ?? null)
          .replace(/Lease expires \| [^|]*\|/g, '')
          .replace(/\\"(acquired_at|expires_at)\\":\\"[^"\\]*\\"/g, '$1'),
      )
    expect(bodies(onRebuilt.sent)).toEqual(bodies(onServer.sent))
    // And the tasks end the same.
    expect(onRebuilt.state).toEqual(onServer.state)
  })
})
