/**
 * The two ways to reach a {@link FakeGitHub}:
 *
 * - {@link fakeFetch}: a WHATWG `fetch` answered in process (no socket), for
 *   Octokit's `request.fetch` option (Probot's too). A dropped answer is a
 *   network error, as undici reports one (`TypeError: fetch failed`).
 * - {@link listen}: an HTTP server on 127.0.0.1 with an ephemeral port, for
 *   subprocesses (`tm`, the bundled Actions) pointed at it with
 *   `GITHUB_API_URL`. Paths under `/api/v3` (GitHub Enterprise Server's
 *   root) are answered the same. A dropped answer destroys the socket.
 *   `close()` ends open connections too, so a test never waits on keep-alive.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FakeGitHub } from './fake-github.js'

/** Statuses whose responses have no body (the Fetch standard refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304])

/** A `fetch` that `fake` answers in process. */
export function fakeFetch(fake: FakeGitHub): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init)
    const method = request.method.toUpperCase()
    const body =
      method === 'GET' || method === 'HEAD' ? undefined : Buffer.from(await request.arrayBuffer())
    const headers: Record<string, string> = {}
    request.headers.forEach((value, key) => {
      headers[key] = value
    })
    const res = await fake.handle({ method, url: request.url, headers, body })
    if (res.drop) {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
      })
    }
    return new Response(NULL_BODY.has(res.status) ? null : res.body, {
      status: res.status,
      headers: res.headers,
    })
  }
}

/** A running HTTP transport. */
export interface FakeServer {
  /** `http://127.0.0.1:PORT`: the API root for `GITHUB_API_URL` / Octokit's `baseUrl`. */
  url: string
  close(): Promise<void>
}

/** Serve `fake` over HTTP on 127.0.0.1 (ephemeral port) until `close()`. */
export async function listen(fake: FakeGitHub): Promise<FakeServer> {
  let base = ''
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers: Record<string, string | undefined> = {}
      for (const [key, value] of Object.entries(req.headers))
        headers[key] = Array.isArray(value) ? value.join(', ') : value
      const url = `${base}${req.url ?? '/'}`
      fake
        .handle({
          method: req.method ?? 'GET',
          url,
          headers,
          body: chunks.length ? Buffer.concat(chunks) : undefined,
          baseUrl: new URL(url).pathname.startsWith('/api/v3/') ? `${base}/api/v3` : base,
        })
        .then((answer) => {
          if (answer.drop) {
            req.socket.destroy()
            return
          }
          res.writeHead(answer.status, answer.headers)
          res.end(answer.body)
        })
        .catch((err: unknown) => {
          fake.problems.push(`fake GitHub crashed on ${req.method} ${req.url}: ${String(err)}`)
          res.writeHead(500, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ message: String(err) }))
        })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
}
