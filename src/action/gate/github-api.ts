/**
 * The three REST calls the gate makes, through `@octokit/core` (the API root
 * from `GITHUB_API_URL`, so GitHub Enterprise Server works the same):
 *
 * - `GET /repos/{owner}/{repo}/issues/{n}` — the task issue and its criteria;
 * - `POST /repos/{owner}/{repo}/check-runs` — the `Task criteria` verdict;
 * - `PATCH /repos/{owner}/{repo}/issues/{n}` — ticks in the issue body.
 *
 * Failures become errors whose message says which call failed and what the
 * token needs (`issues: read`, `checks: write`, `issues: write`).
 */
import { Octokit } from '@octokit/core'
import type { IssueRef, RepoContext } from '../../github/references.js'
import { taskId } from './find-tasks.js'
import { createFetch } from './http.js'

/** The client the gate talks to GitHub with. */
export type GitHub = InstanceType<typeof Octokit>

/** No API call may hang a job: each one fails after this many milliseconds. */
export const REQUEST_TIMEOUT_MS = 30_000

/**
 * A GitHub client for `token` on the API at `apiUrl` (`https://api.github.com`,
 * or `https://ghe.example.com/api/v3`), over `node:https` (./http.ts).
 */
export function createGitHub(token: string, apiUrl: string): GitHub {
  return new Octokit({
    auth: token,
    baseUrl: apiUrl,
    userAgent: 'task-orchestrator-gate',
    request: { fetch: createFetch(REQUEST_TIMEOUT_MS) },
  })
}

/** The parts of a task issue the gate reads. */
export interface TaskIssue {
  title: string
  /** Markdown body; '' when empty. */
  body: string
  /** Web URL of the issue. */
  url: string
}

/**
 * Read the task issue `ref`.
 *
 * @throws Error naming the task when the issue does not exist or cannot be
 *   read with the token (with what the token needs), or when the number is a
 *   pull request rather than an issue.
 */
export async function readTaskIssue(github: GitHub, ref: IssueRef): Promise<TaskIssue> {
  const id = taskId(ref)
  let data: { title?: string; body?: string | null; html_url?: string; pull_request?: unknown }
  try {
    const response = await github.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.number,
    })
    data = response.data
  } catch (err) {
    throw apiError(err, `Reading task ${id}`, {
      404:
        'the issue does not exist, or the token cannot see it (the default GITHUB_TOKEN reaches ' +
        'only this repository; pass a token that can read the other one in `token`)',
      403: 'the token needs `issues: read`',
    })
  }
  if (data.pull_request) {
    throw new Error(`Task ${id} is a pull request, not an issue; name the task issue instead.`)
  }
  return { title: data.title ?? '', body: data.body ?? '', url: data.html_url ?? '' }
}

/** What {@link createCheckRun} posts. */
export interface CheckRunRequest {
  headSha: string
  conclusion: 'success' | 'failure' | 'neutral'
  title: string
  summary: string
  /** Link shown as "Details"; the workflow run. */
  detailsUrl: string | null
  /** Free text the app can match on; the task id. */
  externalId: string | null
}

/**
 * Create a completed check run named `name` on `request.headSha` in
 * `repository`. Returns its id and web URL.
 *
 * @throws Error saying the token needs `checks: write` when refused.
 */
export async function createCheckRun(
  github: GitHub,
  repository: RepoContext,
  name: string,
  request: CheckRunRequest,
): Promise<{ id: number; url: string }> {
  try {
    const { data } = await github.request('POST /repos/{owner}/{repo}/check-runs', {
      owner: repository.owner,
      repo: repository.repo,
      name,
      head_sha: request.headSha,
      status: 'completed',
      conclusion: request.conclusion,
      completed_at: new Date().toISOString(),
      ...(request.detailsUrl ? { details_url: request.detailsUrl } : {}),
      ...(request.externalId ? { external_id: request.externalId } : {}),
      output: { title: request.title, summary: request.summary },
    })
    return { id: Number(data.id), url: data.html_url ?? '' }
  } catch (err) {
    throw apiError(err, `Creating the "${name}" check run on ${request.headSha.slice(0, 7)}`, {
      403:
        'the token needs `checks: write` (add `permissions: checks: write` to the job; pull ' +
        'requests from forks get a read-only token)',
      404: 'the repository or the commit was not found with this token',
      422: 'GitHub refused the check run (is the commit in this repository?)',
    })
  }
}

/**
 * Replace the body of issue `ref` with `body`.
 *
 * @throws Error saying the token needs `issues: write` when refused.
 */
export async function updateIssueBody(github: GitHub, ref: IssueRef, body: string): Promise<void> {
  try {
    await github.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.number,
      body,
    })
  } catch (err) {
    throw apiError(err, `Ticking the criteria in ${taskId(ref)}`, {
      403: 'the token needs `issues: write`',
      404: 'the issue was not found with this token',
    })
  }
}

/** An Error for a failed call: what was attempted, the status, GitHub's message, and advice. */
function apiError(err: unknown, what: string, advice: Record<number, string>): Error {
  const status = (err as { status?: unknown }).status
  const message = err instanceof Error ? err.message : String(err)
  if (typeof status !== 'number') return new Error(`${what} failed: ${message}`)
  const hint =
    status === 401
      ? 'the `token` input was refused; check that it is set and valid'
      : (advice[status] ?? null)
  return new Error(`${what} failed (HTTP ${status}: ${message})${hint ? `: ${hint}` : ''}.`)
}
