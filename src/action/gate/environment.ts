/**
 * What the Actions runner tells a step about its run, in environment
 * variables (https://docs.github.com/en/actions/reference/variables-reference):
 * the repository, the commit, the API and web URLs (GitHub Enterprise Server
 * sets its own), and the event payload in the file `GITHUB_EVENT_PATH`.
 */
import { readFileSync } from 'node:fs'
import { TaskError } from '../../core/errors.js'
import type { RepoContext } from '../../github/references.js'

/** The pull request that triggered the run, as far as the gate needs it. */
export interface PullRequestInfo {
  number: number
  body: string
  /** Head branch name (`task/12-login`). */
  headRef: string
  /** Head commit: the commit the verdict is about. */
  headSha: string
}

/** The run's surroundings, read from the environment. */
export interface GateEnvironment {
  /** This repository; `host` is set on GitHub Enterprise Server. */
  repository: RepoContext
  /** REST API root: `GITHUB_API_URL`, `https://api.github.com` when unset. */
  apiUrl: string
  /** Web root: `GITHUB_SERVER_URL`, `https://github.com` when unset. */
  serverUrl: string
  /** `GITHUB_EVENT_NAME` (`pull_request`, `push`, …); '' when unset. */
  eventName: string
  /** The pull request of a `pull_request`/`pull_request_target` event, else null. */
  pullRequest: PullRequestInfo | null
  /** The commit to report on: the pull request's head, else `GITHUB_SHA`. */
  sha: string
  /** Branch name: the pull request's head, else `GITHUB_HEAD_REF`/`GITHUB_REF_NAME`. */
  refName: string
  /** Link to this workflow run, when the runner says which run it is. */
  runUrl: string | null
}

/**
 * Read the run's environment from `env` (normally `process.env`).
 *
 * @throws TaskError('InvalidInput') when `GITHUB_REPOSITORY` is missing or
 *   not `owner/repo`, when no commit is known (`GITHUB_SHA` unset outside a
 *   pull request), or when `GITHUB_EVENT_PATH` names a file that cannot be
 *   read or is not JSON — each message names the variable or file.
 */
export function readEnvironment(env: NodeJS.ProcessEnv): GateEnvironment {
  const slug = env.GITHUB_REPOSITORY ?? ''
  const [owner = '', repo = '', extra] = slug.split('/')
  if (!owner || !repo || extra !== undefined) {
    throw new TaskError(
      'InvalidInput',
      `GITHUB_REPOSITORY is ${slug ? `"${slug}"` : 'not set'}; it must be owner/repo. ` +
        'The Actions runner sets it; when running the Action locally, set it yourself.',
    )
  }
  const serverUrl = trimSlash(env.GITHUB_SERVER_URL || 'https://github.com')
  const apiUrl = trimSlash(env.GITHUB_API_URL || 'https://api.github.com')
  const host = hostOf(serverUrl)
  const repository: RepoContext = {
    owner,
    repo,
    ...(host !== 'github.com' ? { host } : {}),
  }
  const event = readEvent(env.GITHUB_EVENT_PATH)
  const pullRequest = pullRequestOf(event)
  const sha = pullRequest?.headSha || env.GITHUB_SHA || ''
  if (!sha) {
    throw new TaskError(
      'InvalidInput',
      'No commit to report on: GITHUB_SHA is not set and the event is not a pull request.',
    )
  }
  const runUrl = env.GITHUB_RUN_ID
    ? `${serverUrl}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}`
    : null
  return {
    repository,
    apiUrl,
    serverUrl,
    eventName: env.GITHUB_EVENT_NAME ?? '',
    pullRequest,
    sha,
    refName: pullRequest?.headRef || env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || '',
    runUrl,
  }
}

/** The event payload at `path`; `{}` when no path is given (a local run). */
function readEvent(path: string | undefined): Record<string, unknown> {
  if (!path) return {}
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new TaskError(
      'InvalidInput',
      `The event file ${path} (GITHUB_EVENT_PATH) cannot be read: ${(err as Error).message}`,
      { file: path },
    )
  }
  try {
    const data: unknown = JSON.parse(text)
    return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {}
  } catch (err) {
    throw new TaskError(
      'InvalidInput',
      `The event file ${path} (GITHUB_EVENT_PATH) is not valid JSON: ${(err as Error).message}`,
      { file: path },
    )
  }
}

function pullRequestOf(event: Record<string, unknown>): PullRequestInfo | null {
  const pr = event.pull_request as Record<string, unknown> | undefined
  if (typeof pr !== 'object' || pr === null) return null
  const head = (pr.head ?? {}) as Record<string, unknown>
  return {
    number: typeof pr.number === 'number' ? pr.number : 0,
    body: typeof pr.body === 'string' ? pr.body : '',
    headRef: typeof head.ref === 'string' ? head.ref : '',
    headSha: typeof head.sha === 'string' ? head.sha : '',
  }
}

function hostOf(serverUrl: string): string {
  try {
    return new URL(serverUrl).host.toLowerCase()
  } catch {
    throw new TaskError(
      'InvalidInput',
      `GITHUB_SERVER_URL is "${serverUrl}", which is not a URL (expected https://github.com or your server's).`,
    )
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '')
}
