/**
 * The HTTP transport of the gate's Octokit: a small `fetch` over `node:http`
 * and `node:https`, which Octokit accepts as `request.fetch`.
 *
 * Why not the global `fetch`: Node loads its internal undici on the first
 * `fetch` or `Response`, which costs 26 ms on Node 20 and 38 ms on Node 24 on
 * the benchmark machine — a tenth of the gate's whole budget (bench/gate.bench.ts),
 * for three small JSON requests. `node:https` is already part of Node's
 * start-up snapshot.
 *
 * What it does: one request per call on a keep-alive agent (the three calls
 * share a connection; idle sockets do not keep the process alive), a string
 * or absent body, redirects followed as `fetch` does (at most 5; the
 * `authorization` header is dropped when the origin changes), a whole-request
 * timeout, and an `AbortSignal`. The response offers what Octokit reads:
 * `status`, `statusText`, `url`, `headers` (`get()`, iteration), `text()`,
 * `arrayBuffer()`. TLS trusts Node's CA store and `NODE_EXTRA_CA_CERTS`, as
 * `fetch` does. Like Node's `fetch`, it does not use `HTTPS_PROXY`.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

/** The part of `RequestInit` Octokit passes. */
export interface FetchInit {
  method?: string
  headers?: Record<string, string>
  body?: string | null
  redirect?: 'follow' | 'manual' | 'error'
  signal?: AbortSignal | null
}

/** Response headers: lower-case names, `get()` and iteration, like `Headers`. */
export class ResponseHeaders implements Iterable<[string, string]> {
  readonly #map = new Map<string, string>()

  constructor(raw: IncomingMessage['headers']) {
    for (const [name, value] of Object.entries(raw)) {
      if (value !== undefined) this.#map.set(name, Array.isArray(value) ? value.join(', ') : value)
    }
  }

  /** The value of header `name` (any case), or null. */
  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#map.entries()
  }
}

/** What {@link createFetch}'s function resolves to. */
export interface NodeResponse {
  status: number
  statusText: string
  ok: boolean
  /** The final URL, after redirects. */
  url: string
  redirected: boolean
  headers: ResponseHeaders
  body: null
  text(): Promise<string>
  json(): Promise<unknown>
  arrayBuffer(): Promise<ArrayBuffer>
}

const MAX_REDIRECTS = 5
const httpAgent = new HttpAgent({ keepAlive: true })
const httpsAgent = new HttpsAgent({ keepAlive: true })

/**
 * A `fetch` for Octokit (`new Octokit({ request: { fetch } })`) whose every
 * call fails with a "timed out" error after `timeoutMs` milliseconds.
 * Rejects with an Error on network failures (the message says what failed;
 * Octokit reports it as a RequestError with status 500).
 */
export function createFetch(timeoutMs: number) {
  return async function nodeFetch(
    input: string | URL,
    init: FetchInit = {},
  ): Promise<NodeResponse> {
    let url = new URL(String(input))
    let method = (init.method ?? 'GET').toUpperCase()
    let body = init.body ?? undefined
    let headers = { ...init.headers }
    const deadline = Date.now() + timeoutMs
    for (let redirects = 0; ; redirects++) {
      const response = await send(url, method, headers, body, deadline, init.signal ?? undefined)
      const location = response.headers.location
      if (
        init.redirect === 'manual' ||
        location === undefined ||
        ![301, 302, 303, 307, 308].includes(response.statusCode ?? 0)
      ) {
        return toResponse(response, url, redirects > 0)
      }
      response.resume()
      if (init.redirect === 'error' || redirects >= MAX_REDIRECTS) {
        throw new Error(`${method} ${url.href}: too many redirects, or redirects refused`)
      }
      const next = new URL(location, url)
      if (next.origin !== url.origin) {
        headers = Object.fromEntries(
          Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'),
        )
      }
      const status = response.statusCode ?? 0
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        method = 'GET'
        body = undefined
      }
      url = next
    }
  }
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const https = url.protocol === 'https:'
    if (!https && url.protocol !== 'http:') {
      reject(new Error(`${url.href}: only http and https URLs are supported`))
      return
    }
    const request = (https ? httpsRequest : httpRequest)(url, {
      method,
      headers:
        body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
      agent: https ? httpsAgent : httpAgent,
    })
    const timer = setTimeout(
      () => request.destroy(new Error(`${method} ${url.href} timed out`)),
      Math.max(0, deadline - Date.now()),
    )
    const onAbort = () => request.destroy(signal?.reason ?? new Error('aborted'))
    signal?.addEventListener('abort', onAbort, { once: true })
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    request.on('response', (response) => {
      response.on('end', done).on('error', done).on('close', done)
      resolve(response)
    })
    request.on('error', (err) => {
      done()
      reject(err)
    })
    request.end(body)
  })
}

function toResponse(message: IncomingMessage, url: URL, redirected: boolean): NodeResponse {
  let buffered: Promise<Buffer> | undefined
  const read = () =>
    (buffered ??= new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = []
      message.on('data', (chunk: Buffer) => chunks.push(chunk))
      message.on('end', () => resolve(Buffer.concat(chunks)))
      message.on('error', reject)
    }))
  const status = message.statusCode ?? 0
  return {
    status,
    statusText: message.statusMessage ?? '',
    ok: status >= 200 && status < 300,
    url: url.href,
    redirected,
    headers: new ResponseHeaders(message.headers),
    body: null,
    text: async () => (await read()).toString('utf8'),
    json: async () => JSON.parse((await read()).toString('utf8')) as unknown,
    arrayBuffer: async () => {
      const bytes = await read()
      return bytes.buffer.slice(
        bytes.byteOffset,
        bytes.byteOffset + bytes.byteLength,
      ) as ArrayBuffer
    },
  }
}
