/**
 * The gate Action's view of the one fake GitHub (`test/support/fake-github/`),
 * served over HTTP on 127.0.0.1 for end-to-end runs: the Action runs as a
 * separate OS process (as on a runner), where nock cannot intercept, so it is
 * pointed here with `GITHUB_API_URL`. Every request is checked against
 * GitHub's REST description; `close()` throws listing any that broke it (or
 * that the fake has no route for), so a test fails on a non-conforming call
 * even when the Action tolerated GitHub's 422. Paths under `/api/v3` (GitHub
 * Enterprise Server's API root) are answered the same.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { listen, FakeGitHub as OneFake } from '../../support/fake-github/index.js'

/** One request the server received; `body` is parsed JSON, or null. */
export interface RecordedRequest {
  method: string
  /** The path as received, with `/api/v3` when it was there, and the query. */
  path: string
  headers: IncomingHttpHeaders
  body: unknown
}

/** An issue the server knows: `owner/repo#n` → title and body. */
export interface FakeIssue {
  title: string
  body: string
  /** Answer GET with a pull request instead of an issue. */
  pullRequest?: boolean
}

/** The running server. */
export interface FakeGitHub {
  /** API root to put in `GITHUB_API_URL` (`http://127.0.0.1:PORT`). */
  url: string
  requests: RecordedRequest[]
  /** Issues by `owner/repo#n`, as the fake holds them now (PATCHes included). */
  issues: Map<string, FakeIssue>
  /** Requests with this method whose path starts with `path`. */
  find(method: string, path: string): RecordedRequest[]
  /** The one fake underneath. */
  fake: OneFake
  /** Stop the server; throws when a request broke GitHub's REST description. */
  close(): Promise<void>
}

/** The tokens the gate's tests give the Action. */
const TOKENS = ['test-token', 'ghs_test']

/**
 * Start the server. `issues` maps `owner/repo#n` to issues. `refuse` maps
 * `METHOD path-prefix` to an HTTP status to answer with instead (for example
 * `{ 'PATCH /repos': 403 }`).
 */
export async function startFakeGitHub(
  issues: Record<string, FakeIssue>,
  refuse: Record<string, number> = {},
): Promise<FakeGitHub> {
  const fake = new OneFake()
  for (const token of TOKENS) fake.addToken(token, 'github-actions[bot]')
  for (const [key, issue] of Object.entries(issues)) {
    const [, owner = '', name = '', number = ''] = /^([^/]+)\/([^#]+)#(\d+)$/.exec(key) ?? []
    const repo = fake.state.repository(owner, name) ?? fake.addRepository(`${owner}/${name}`)
    fake.state.addIssue(repo, {
      number: Number(number),
      title: issue.title,
      body: issue.body,
      user: 'ada',
      ...(issue.pullRequest ? { pull_request: {} } : {}),
    })
  }
  // Check runs are numbered from 4001, as the tests name them.
  fake.state.setLastCheckRunId(4000)
  fake.refuse = ({ method, path }) => {
    for (const [rule, status] of Object.entries(refuse)) {
      const [m, prefix = ''] = rule.split(' ')
      if (m === method && path.startsWith(prefix))
        return {
          status,
          message: status === 403 ? 'Resource not accessible by integration' : 'Refused',
        }
    }
    return undefined
  }
  const server = await listen(fake)
  const recorded = (): RecordedRequest[] =>
    fake.log.map((r) => {
      const url = new URL(r.url)
      return {
        method: r.method,
        path: `${url.pathname}${url.search}`,
        headers: r.headers as IncomingHttpHeaders,
        body: r.body ?? null,
      }
    })
  return {
    url: server.url,
    fake,
    get requests() {
      return recorded()
    },
    get issues() {
      const view = new Map<string, FakeIssue>()
      for (const repo of fake.state.repositories.values())
        for (const i of repo.issues.values())
          view.set(`${repo.owner}/${repo.name}#${i.number}`, {
            title: i.title,
            body: i.body ?? '',
            ...(i.pull_request ? { pullRequest: true } : {}),
          })
      return view
    },
    find: (method, path) =>
      recorded().filter((r) => r.method === method && r.path.startsWith(path)),
    close: async () => {
      await server.close()
      if (fake.problems.length)
        throw new Error(
          `fake GitHub: requests that broke GitHub's REST description:\n${fake.problems.join('\n')}`,
        )
    },
  }
}
