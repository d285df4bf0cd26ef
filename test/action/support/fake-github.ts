/**
 * A small GitHub REST API for end-to-end runs of the gate Action, served on
 * 127.0.0.1 in the test's own process: the Action runs as a separate OS
 * process (as on a runner), where nock cannot intercept, so it is pointed here
 * with `GITHUB_API_URL`. Answers the three calls the gate makes and records
 * every request. Paths under `/api/v3` (GitHub Enterprise Server's API root)
 * are answered the same.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request the server received; `body` is parsed JSON, or null. */
export interface RecordedRequest {
  method: string
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
  /** Issues by `owner/repo#n`; PATCH updates their body here. */
  issues: Map<string, FakeIssue>
  /** Requests with this method whose path starts with `path`. */
  find(method: string, path: string): RecordedRequest[]
  close(): Promise<void>
}

/**
 * Start the server. `issues` maps `owner/repo#n` to issues. `refuse` maps
 * `METHOD path-prefix` to an HTTP status to answer with instead (for example
 * `{ 'PATCH /repos': 403 }`).
 */
export async function startFakeGitHub(
  issues: Record<string, FakeIssue>,
  refuse: Record<string, number> = {},
): Promise<FakeGitHub> {
  const known = new Map(Object.entries(issues))
  const requests: RecordedRequest[] = []
  let checkRunId = 4000
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let body: unknown = null
      try {
        body = text ? JSON.parse(text) : null
      } catch {
        body = text
      }
      const method = req.method ?? 'GET'
      const path = req.url ?? '/'
      requests.push({ method, path, headers: req.headers, body })
      // GitHub Enterprise Server serves the same API under /api/v3.
      const route = path.replace(/^\/api\/v3(?=\/)/, '')
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
        res.end(JSON.stringify(data))
      }
      for (const [rule, status] of Object.entries(refuse)) {
        const [m, prefix = ''] = rule.split(' ')
        if (m === method && route.startsWith(prefix)) {
          send(status, {
            message: status === 403 ? 'Resource not accessible by integration' : 'Refused',
          })
          return
        }
      }
      const issue = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(route)
      const checks = /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/.exec(route)
      if (issue) {
        const [, owner, repo, number] = issue
        const key = `${owner}/${repo}#${number}`
        const found = known.get(key)
        if (!found) return send(404, { message: 'Not Found' })
        if (method === 'PATCH') {
          found.body = String((body as { body?: string }).body ?? found.body)
        } else if (method !== 'GET') return send(405, { message: 'Method not allowed' })
        return send(200, {
          number: Number(number),
          title: found.title,
          body: found.body,
          state: 'open',
          html_url: `https://github.com/${owner}/${repo}/issues/${number}`,
          ...(found.pullRequest ? { pull_request: { url: 'x' } } : {}),
        })
      }
      if (checks && method === 'POST') {
        const [, owner, repo] = checks
        checkRunId++
        return send(201, {
          id: checkRunId,
          ...(body as object),
          html_url: `https://github.com/${owner}/${repo}/runs/${checkRunId}`,
        })
      }
      send(404, { message: 'Not Found' })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    issues: known,
    find: (method, path) => requests.filter((r) => r.method === method && r.path.startsWith(path)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
