/**
 * The bundled orchestrator Action (dist/orchestrator/index.js) run as the
 * runner runs it — a Node 24 process (`runs.using: node24`) with the runner's
 * environment, node:sqlite for the state — against the fake repository and
 * artifact service: two runs in sequence carry the state through an
 * artifact, outputs and the job summary are written, and a failing handler
 * fails the step (exit code 1) while the state is still saved.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../../../src/core/clock.js'
import { loadGitHubDescription } from '../../support/github/openapi.js'
import { webhookExample } from '../../support/github/webhooks.js'
import { node24 } from '../support/node24.js'
import { runAction } from '../support/run-action.js'
import {
  type FakeRepository,
  runtimeToken,
  startFakeRepository,
} from './support/fake-repository.js'
import { repositoryOf } from './support/runs.js'

const ENTRY = 'dist/orchestrator/index.js'
let fake: FakeRepository
let clock: FakeClock

beforeAll(() => {
  loadGitHubDescription()
})
beforeEach(async () => {
  clock = new FakeClock('2026-03-01T09:00:00.000Z')
  fake = await startFakeRepository({ now: () => new Date(clock.now()).toISOString() })
})
afterEach(async () => {
  await fake.close()
})

function run(name: string, payload: Record<string, unknown>, runId: number) {
  fake.runId = runId
  return runAction({
    node: node24(),
    entry: ENTRY,
    actionYml: 'orchestrator/action.yml',
    inputs: { 'retention-days': '7' },
    event: { name, payload: { ...payload, repository: repositoryOf(fake) } },
    apiUrl: fake.url,
    env: {
      GITHUB_RUN_ID: String(runId),
      ACTIONS_RUNTIME_TOKEN: runtimeToken(),
      ACTIONS_RESULTS_URL: `${fake.url}/`,
    },
  })
}

describe('the bundled orchestrator on Node 24', () => {
  it('carries the state from run to run through the artifact', async () => {
    fake.openIssue({ number: 1, title: 'Schema' })
    const opened = webhookExample('issues.opened', {
      issue: {
        number: 1,
        id: 100_001,
        title: 'Schema',
        body: '',
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
        assignees: [],
        state: 'open',
      },
    }) as unknown as Record<string, unknown>
    const first = await run('issues', opened, 11)
    expect(first.stderr).not.toMatch(/ExperimentalWarning/)
    expect(first.code, first.stdout).toBe(0)
    expect(first.outputs).toMatchObject({ generation: '1', tasks: '1', rebuilt: 'true' })
    expect(first.summary).toContain('rebuilt from GitHub')
    const c = fake.addComment(1, '/claim', 'ada')
    const claim = webhookExample(
      'issue_comment.created',
      {
        issue: { number: 1, id: 100_001, pull_request: undefined },
        comment: { id: c.id, body: '/claim', user: { login: 'ada', type: 'User' } },
        sender: { login: 'ada', type: 'User' },
      },
      { variant: 2 },
    ) as unknown as Record<string, unknown>
    const second = await run('issue_comment', claim, 12)
    expect(second.code, second.stdout).toBe(0)
    expect(second.outputs).toMatchObject({ tasks: '1', rebuilt: 'false' })
    // Generations grow past every listed artifact's (docs/actions-hosted.md): above the first
    // run's, and above the id of the artifact it uploaded.
    const generation = Number(second.outputs.generation)
    expect(generation).toBeGreaterThan(Number(first.outputs.generation))
    expect(generation).toBeGreaterThan(fake.artifacts[0]?.id ?? Number.POSITIVE_INFINITY)
    expect(second.summary).toContain('claimed × 1')
    expect(fake.artifacts.map((a) => a.run_id)).toEqual([11, 12])
    expect(fake.comments.filter((x) => x.body.includes(`"comment":${c.id}`))).toHaveLength(1)
    expect(fake.problems).toEqual([])
  }, 120_000)

  it('fails the step when a handler fails, after saving the state', async () => {
    fake.openIssue({ number: 1 })
    const c = fake.addComment(1, '/claim', 'ada')
    // The workflow forgot `issues: write`: GitHub refuses every write the app makes.
    const payload = webhookExample(
      'issue_comment.created',
      {
        issue: { number: 1, id: 100_001, pull_request: undefined },
        comment: { id: c.id, body: '/claim', user: { login: 'ada', type: 'User' } },
        sender: { login: 'ada', type: 'User' },
      },
      { variant: 2 },
    ) as unknown as Record<string, unknown>
    fake.failWrites = true
    const result = await run('issue_comment', payload, 21)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/::error::Task Orchestrator: \d+ error/)
    expect(result.summary).toContain('**Errors:**')
    expect(fake.artifacts).toHaveLength(1) // saved all the same
  }, 120_000)

  it('a run that stops before handling anything still says why in the job summary', async () => {
    const result = await runAction({
      node: node24(),
      entry: ENTRY,
      actionYml: 'orchestrator/action.yml',
      event: { name: 'schedule', payload: { repository: repositoryOf(fake) } },
      apiUrl: fake.url,
      env: { GITHUB_RUN_ID: '' },
    })
    expect(result.code).toBe(1)
    expect(result.summary).toContain('❌ The run stopped: GITHUB_RUN_ID is not set')
    expect(result.summary).toContain('the state artifact is unchanged')
    expect(fake.artifacts).toEqual([])
  }, 120_000)

  it('skips a pull request from a fork: nothing read, nothing written', async () => {
    const result = await runAction({
      node: node24(),
      entry: ENTRY,
      actionYml: 'orchestrator/action.yml',
      event: {
        name: 'pull_request',
        payload: {
          action: 'opened',
          repository: repositoryOf(fake),
          pull_request: { number: 9, head: { repo: { id: 424242 } } },
        },
      },
      apiUrl: fake.url,
      env: { GITHUB_RUN_ID: '31' },
    })
    expect(result.code).toBe(0)
    expect(result.summary).toContain('Skipped: a pull request from a fork')
    expect(fake.requests).toEqual([])
    expect(fake.artifacts).toEqual([])
  }, 120_000)
})
