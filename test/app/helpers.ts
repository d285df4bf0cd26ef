/** Building the app for tests: in-memory engine, fake clock, no timers. */

import { taskOrchestrator } from '../../src/app/index.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { githubApi } from '../support/github/nock.js'
import { INSTALLATION, probotForTests, webhookExample } from '../support/github/webhooks.js'

export const OWNER = 'Codertocat'
export const REPO = 'Hello-World'
export const R = `/repos/${OWNER}/${REPO}`

/** A fresh app over an in-memory engine. */
export async function makeApp() {
  const clock = new FakeClock('2026-03-01T09:00:00.000Z')
  const engine = new Engine(openStore(':memory:'), { clock })
  const app = taskOrchestrator({ engine, clock, timers: false })
  const probot = await probotForTests(app)
  return { clock, engine, app, probot, rt: app.runtime }
}

/** The repository has no config file: defaults. */
export function noConfig() {
  return githubApi()
    .get(`${R}/contents/.github%2Ftask-orchestrator.yml`)
    .reply(404, { message: 'Not Found' })
}

/** An `issues.opened` payload for issue `number` with the task label. */
export function openedTask(
  number: number,
  body: string,
  title = `Task ${number}`,
  labels: string[] = ['task'],
) {
  return webhookExample('issues.opened', {
    issue: {
      number,
      id: 1000 + number,
      title,
      body,
      labels: labels.map((name, i) => ({
        id: i + 1,
        node_id: `L${i}`,
        url: '',
        name,
        color: 'ededed',
        default: false,
        description: null,
      })),
      assignees: [],
      state: 'open',
    },
    installation: INSTALLATION,
  })
}

/** An `issue_comment.created` payload: `login` comments `body` on issue `number`. */
export function comment(number: number, body: string, login = 'ada', commentId = 5000 + number) {
  return webhookExample(
    'issue_comment.created',
    {
      issue: { number, id: 1000 + number, pull_request: undefined },
      comment: { id: commentId, body, user: { login } },
      sender: { login, type: 'User' },
      installation: INSTALLATION,
    },
    { variant: 2 },
  )
}

/** Labels the app manages, as if already created in the repository. */
export const KNOWN_LABELS = [
  'task',
  ...['blocked', 'pending', 'in_progress', 'waiting', 'completed', 'failed', 'cancelled'].map(
    (s) => `status: ${s}`,
  ),
  ...['low', 'medium', 'high', 'critical'].map((p) => `priority: ${p}`),
  'needs: person',
  'needs: answer',
  'requires approval',
]

/**
 * A task for issue `number` as if the app had already tracked it: engine task,
 * bookkeeping with the labels it sent, a status comment, known labels.
 */
export function seedTask(
  rt: import('../../src/app/runtime.js').AppRuntime,
  number: number,
  options: {
    body?: string
    dependsOn?: number[]
    criteria?: { criterion: string; measurable?: string }[]
  } = {},
) {
  const id = `${OWNER}/${REPO}#${number}`
  const task = rt.engine.add(
    {
      id,
      title: `Task ${number}`,
      depends_on: (options.dependsOn ?? []).map((n) => `${OWNER}/${REPO}#${n}`),
      success_criteria: options.criteria ?? [],
    },
    'seed',
  )
  rt.state.saveRepo(`${OWNER}/${REPO}`, rt.now(), { config: '', labels: KNOWN_LABELS })
  rt.state.saveIssue({
    task_id: id,
    repo: `${OWNER}/${REPO}`,
    number,
    issue_id: 1000 + number,
    installation_id: 1,
    is_task: true,
    state: 'open',
    state_reason: null,
    labels: ['task', `status: ${task.status}`, 'priority: medium'],
    assignees: [],
    body: options.body ?? '',
    accepted_body: options.body ?? '',
    status_comment_id: 9000 + number,
    status_comment: 'old',
    status_dirty: false,
    // Linked as native `blocked_by` when the app tracked it (issue ids are 1000 + number).
    native_blocked_by: (options.dependsOn ?? []).map((n) => 1000 + n),
    github_updated_at: null,
    updated_at: rt.now(),
  })
  return id
}

/** The collaborator permission API answer for `login`. */
export function permission(login: string, level: 'read' | 'write' | 'maintain' | 'admin') {
  const legacy = level === 'maintain' ? 'write' : level
  return githubApi()
    .get(`${R}/collaborators/${login}/permission`)
    .reply(200, { permission: legacy, role_name: level, user: { login } })
}

/**
 * `GET …/issues/{number}` answered with `body` and an `ETag`: the mirror's
 * writer reads an issue's current body before it writes one (so a person's
 * edit whose webhook has not arrived is kept under a tick).
 */
export function issueRead(
  number: number,
  body: string,
  options: { etag?: string; baseUrl?: string } = {},
) {
  return githubApi(options.baseUrl ? { baseUrl: options.baseUrl } : {})
    .get(`${R}/issues/${number}`)
    .reply(
      200,
      { id: 1000 + number, number, title: `Task ${number}`, body, state: 'open' },
      { ETag: options.etag ?? `W/"issue-${number}-${body.length}"` },
    )
}
