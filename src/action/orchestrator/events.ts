/**
 * From the event that started a workflow run to the webhook events the app
 * handles. Most are the same payload GitHub would have sent the app
 * (`issues`, `issue_comment`, `pull_request`); `workflow_run` stands in for
 * `check_run`, because check runs created with a `GITHUB_TOKEN` start no
 * workflow: when the CI workflow completes, the `Task criteria` check runs of
 * its commit are read (one request) and delivered as `check_run.completed`.
 * `schedule` and `workflow_dispatch` carry no event of their own: the run
 * only catches up and sweeps.
 *
 * Delivery ids are `actions:<run id>` (and `actions:<run id>:check:<id>`),
 * the same for every attempt of a run: a re-run never handles its event twice.
 */
import type { EmitterWebhookEvent } from '@octokit/webhooks'
import { CHECK_NAME } from '../../app/handlers/gate-events.js'
import type { Octokit } from '../../app/runtime.js'

/** The workflow run's event, as the runner describes it. */
export interface RunEvent {
  /** `GITHUB_EVENT_NAME`. */
  name: string
  /** The parsed `GITHUB_EVENT_PATH` file. */
  payload: Record<string, unknown>
  /** `GITHUB_RUN_ID`. */
  runId: string
}

/** Events the orchestrator hands to the app, by `GITHUB_EVENT_NAME`. */
export const HANDLED_EVENTS = [
  'issues',
  'issue_comment',
  'pull_request',
  'pull_request_target',
  'workflow_run',
  'check_run',
  'push',
] as const

/** Events that only trigger the catch-up scan and the sweep. */
export const MAINTENANCE_EVENTS = ['schedule', 'workflow_dispatch', 'repository_dispatch'] as const

/**
 * The webhook events to deliver for `event`. Throws an `Error` naming the
 * supported events for an event this Action does not know (a workflow file
 * that subscribes to more than the template).
 */
export async function webhookEvents(
  event: RunEvent,
  octokit: Octokit,
): Promise<EmitterWebhookEvent[]> {
  const payload = withoutInstallation(event.payload)
  const id = `actions:${event.runId}`
  switch (event.name) {
    case 'issues':
    case 'issue_comment':
    case 'pull_request':
    case 'check_run':
    case 'push':
      return [{ id, name: event.name, payload } as EmitterWebhookEvent]
    case 'pull_request_target':
      return [{ id, name: 'pull_request', payload } as EmitterWebhookEvent]
    case 'workflow_run':
      return checkRunsOf(event, payload, octokit)
    default:
      if ((MAINTENANCE_EVENTS as readonly string[]).includes(event.name)) return []
      throw new Error(
        `task-orchestrator cannot handle the "${event.name}" event: trigger it on ${[...HANDLED_EVENTS, ...MAINTENANCE_EVENTS].join(', ')} (see docs/actions-hosted.md)`,
      )
  }
}

/** The completed `Task criteria` check runs of a finished CI run's commit, as `check_run.completed` events. */
async function checkRunsOf(
  event: RunEvent,
  payload: Record<string, unknown>,
  octokit: Octokit,
): Promise<EmitterWebhookEvent[]> {
  const run = payload.workflow_run as { head_sha?: string; status?: string } | undefined
  const repository = payload.repository as { owner: { login: string }; name: string } | undefined
  if (!run?.head_sha || !repository || payload.action !== 'completed') return []
  const { data } = await octokit.rest.checks.listForRef({
    owner: repository.owner.login,
    repo: repository.name,
    ref: run.head_sha,
    check_name: CHECK_NAME,
    status: 'completed',
    filter: 'latest',
    per_page: 100,
  })
  return data.check_runs.map(
    (check_run) =>
      ({
        id: `actions:${event.runId}:check:${check_run.id}`,
        name: 'check_run',
        payload: {
          action: 'completed',
          check_run,
          repository: payload.repository,
          sender: payload.sender,
        },
      }) as unknown as EmitterWebhookEvent,
  )
}

/**
 * The payload without `installation`: Probot would otherwise ask for an
 * installation token, which a workflow's `GITHUB_TOKEN` cannot mint; without
 * it, every handler uses the token the Action was given.
 */
function withoutInstallation(payload: Record<string, unknown>): Record<string, unknown> {
  const { installation: _, ...rest } = payload
  return rest
}

/**
 * True for a `pull_request` run of a pull request from a fork (or from a
 * deleted fork). GitHub gives such runs a read-only token, so the
 * orchestrator skips them: tasks a fork's pull request closes are completed
 * when GitHub closes their issues on merge (`issues.closed`, a run of the
 * base repository with a writing token).
 */
export function fromFork(event: RunEvent): boolean {
  if (event.name !== 'pull_request') return false
  const pr = event.payload.pull_request as { head?: { repo?: { id?: number } | null } } | undefined
  const repository = event.payload.repository as { id?: number } | undefined
  if (!pr?.head) return false
  return !pr.head.repo || pr.head.repo.id !== repository?.id
}

/** The job summary of a skipped fork run. */
export const FORK_SUMMARY = `## Task Orchestrator

Skipped: a pull request from a fork. Its workflow token is read-only, so this
run changes nothing on GitHub or in the state. Tasks the pull request closes
are completed when GitHub closes their issues on merge.
`
