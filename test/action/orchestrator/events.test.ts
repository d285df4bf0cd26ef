/**
 * From a workflow run's event to what the app handles: pull requests from
 * forks are skipped (their token is read-only), maintenance events deliver
 * nothing, and an event the Action cannot handle is a clear error.
 */
import { describe, expect, it } from 'vitest'
import { fromFork, webhookEvents } from '../../../src/action/orchestrator/events.js'
import type { Octokit } from '../../../src/app/runtime.js'

const repository = { id: 7, name: 'r', owner: { login: 'o' } }
const pr = (headRepo: { id: number } | null) => ({
  name: 'pull_request',
  runId: '1',
  payload: { action: 'opened', repository, pull_request: { head: { repo: headRepo } } },
})
const noApi = {} as Octokit

describe('workflow events', () => {
  it('tells pull requests from forks (and deleted forks) from the repository’s own', () => {
    expect(fromFork(pr({ id: 7 }))).toBe(false)
    expect(fromFork(pr({ id: 8 }))).toBe(true)
    expect(fromFork(pr(null))).toBe(true)
    expect(fromFork({ name: 'issues', runId: '1', payload: { repository } })).toBe(false)
  })

  it('delivers webhook events with the run id as delivery id, without the installation', async () => {
    const events = await webhookEvents(
      { name: 'issues', runId: '42', payload: { action: 'opened', installation: { id: 1 } } },
      noApi,
    )
    expect(events).toEqual([{ id: 'actions:42', name: 'issues', payload: { action: 'opened' } }])
  })

  it('delivers nothing for schedule and workflow_dispatch, and refuses unknown events', async () => {
    expect(await webhookEvents({ name: 'schedule', runId: '1', payload: {} }, noApi)).toEqual([])
    expect(
      await webhookEvents({ name: 'workflow_dispatch', runId: '1', payload: {} }, noApi),
    ).toEqual([])
    await expect(
      webhookEvents({ name: 'release', runId: '1', payload: {} }, noApi),
    ).rejects.toThrow(/cannot handle the "release" event: trigger it on issues, issue_comment/)
  })
})
