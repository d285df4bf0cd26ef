/**
 * Reading a repository's state from GitHub for a rebuild (`./rebuild-plan.ts`),
 * with any Octokit that has the pagination plugin (Probot's, the Actions
 * run's, or `@octokit/core` with `@octokit/plugin-paginate-rest` in `tm`).
 * Listings are paginated 100 to a page and read repository-wide — never one
 * request per issue for what a listing gives.
 *
 * Requests, for a repository with L labels, I task issues (pull requests
 * with the task label included) and C issue comments:
 *
 *     1                    the config file (`GET …/contents/.github/task-orchestrator.yml`)
 *   + ⌈L / 100⌉            `GET /repos/{owner}/{repo}/labels?per_page=100`
 *   + ⌈I / 100⌉            `GET /repos/{owner}/{repo}/issues?state=all&labels=<task label>&per_page=100`
 *   + ⌈C / 100⌉            `GET /repos/{owner}/{repo}/issues/comments?per_page=100`
 *   + 1 per issue a task names that is not a task (`GET …/issues/{n}`)
 *   + 1 per task whose GitHub sub-issues are not all tasks (`GET …/issues/{n}/sub_issues`)
 *   + 1 per task with body dependencies and native `blocked_by` links
 *     (`GET …/issues/{n}/dependencies/blocked_by`)
 *
 * (each listing costs at least one request, even when empty). The three
 * listings run concurrently.
 */
import { CONFIG_PATH } from '../../github/config.js'
import type { RecordedComment } from '../../github/rebuild-status.js'
import type { RecordedIssue, RepositoryState } from './rebuild-state.js'
import { followUps, readConfig, refOfApiUrl, taskIssues } from './rebuild-state.js'

/**
 * The part of an Octokit a rebuild uses: `request` and the pagination
 * plugin's `paginate.iterator`, with route strings.
 */
export interface GitHubClient {
  request(route: string, parameters?: Record<string, unknown>): Promise<{ data: unknown }>
  paginate: {
    iterator(route: string, parameters?: Record<string, unknown>): AsyncIterable<{ data: unknown }>
  }
}

/** A repository. */
export interface RepositoryName {
  owner: string
  repo: string
}

/** What {@link fetchRepositoryState} read, and how many requests it took. */
export interface FetchedState {
  state: RepositoryState
  requests: number
}

/** Statuses that mean "this issue or feature is out of reach", not a failure of the rebuild. */
const OUT_OF_REACH = new Set([403, 404, 410])

function status(err: unknown): number | undefined {
  return (err as { status?: number } | null)?.status
}

/**
 * Read what a rebuild needs from `owner/repo` (see the module comment for
 * the requests). The state names the repository as GitHub spells it (from
 * the issues' `repository_url`), whatever case it was asked for in. `host` is a GitHub Enterprise Server host, for issue URLs
 * in bodies. Errors of the listings (401, 404 for the repository, 5xx,
 * rate limits) propagate as the client raises them; an issue a task names
 * that GitHub will not show (403, 404, 410) is recorded as null, and a
 * sub-issue or dependency listing GitHub does not offer as empty.
 */
export async function fetchRepositoryState(
  client: GitHubClient,
  { owner, repo }: RepositoryName,
  options: { host?: string | undefined } = {},
): Promise<FetchedState> {
  let requests = 0
  const request = async (route: string, parameters: Record<string, unknown>) => {
    requests++
    return (await client.request(route, { owner, repo, ...parameters })).data
  }
  const all = async <T>(route: string, parameters: Record<string, unknown>): Promise<T[]> => {
    const out: T[] = []
    const pages = client.paginate
      .iterator(route, { owner, repo, per_page: 100, ...parameters })
      [Symbol.asyncIterator]()
    // Each step asks for one page; the step after the last page asks for nothing.
    for (;;) {
      requests++
      const page = await pages.next()
      if (page.done) {
        requests--
        return out
      }
      out.push(...(page.value.data as T[]))
    }
  }

  let config = ''
  try {
    const data = (await request('GET /repos/{owner}/{repo}/contents/{path}', {
      path: CONFIG_PATH,
    })) as { type?: string; content?: string; encoding?: string }
    if (data && !Array.isArray(data) && data.type === 'file' && typeof data.content === 'string')
      config = Buffer.from(data.content, 'base64').toString('utf8')
  } catch (err) {
    if (status(err) !== 404) throw err
  }
  const parsed = readConfig(config).config
  const [labels, issues, comments] = await Promise.all([
    all<{ name: string }>('GET /repos/{owner}/{repo}/labels', {}),
    all<RecordedIssue>('GET /repos/{owner}/{repo}/issues', {
      state: 'all',
      labels: parsed.task_label,
    }),
    all<RecordedComment>('GET /repos/{owner}/{repo}/issues/comments', {}),
  ])
  // Task ids use the repository's own spelling (as webhooks carry it), whatever was asked for.
  const spelled = /\/repos\/([^/]+)\/([^/]+)$/.exec(issues[0]?.repository_url ?? '')
  const same =
    spelled && `${spelled[1]}/${spelled[2]}`.toLowerCase() === `${owner}/${repo}`.toLowerCase()
  const state: RepositoryState = {
    owner: same ? spelled[1]! : owner,
    repo: same ? spelled[2]! : repo,
    config,
    labels: labels.map((l) => l.name),
    issues,
    comments,
    referenced: {},
    subIssues: {},
    blockedBy: {},
  }
  const more = followUps(state, parsed, options.host)
  const tasks = new Set(
    taskIssues(issues, parsed).map((i) => `${state.owner}/${state.repo}#${i.number}`),
  )

  for (const parent of more.subIssueParents) {
    try {
      const children = await all<RecordedIssue>(
        'GET /repos/{owner}/{repo}/issues/{issue_number}/sub_issues',
        { issue_number: parent },
      )
      state.subIssues[parent] = children.map((child) => {
        const ref = refOfApiUrl(`${child.repository_url ?? ''}/issues/${child.number}`) ?? {
          owner,
          repo,
          number: child.number,
        }
        const key = `${ref.owner}/${ref.repo}#${ref.number}`
        if (!tasks.has(key)) state.referenced[key] = child
        return key
      })
    } catch (err) {
      if (!OUT_OF_REACH.has(status(err) ?? 0)) throw err
    }
  }
  for (const ref of more.references) {
    const key = `${ref.owner}/${ref.repo}#${ref.number}`
    if (key in state.referenced) continue
    try {
      requests++
      const { data } = await client.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
        owner: ref.owner,
        repo: ref.repo,
        issue_number: ref.number,
      })
      state.referenced[key] = data as RecordedIssue
    } catch (err) {
      if (!OUT_OF_REACH.has(status(err) ?? 0)) throw err
      state.referenced[key] = null
    }
  }
  for (const number of more.blockedBy) {
    try {
      const blocking = await all<{ id: number }>(
        'GET /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by',
        { issue_number: number },
      )
      state.blockedBy[number] = blocking.map((b) => b.id)
    } catch (err) {
      if (!OUT_OF_REACH.has(status(err) ?? 0)) throw err
    }
  }
  return { state, requests }
}
