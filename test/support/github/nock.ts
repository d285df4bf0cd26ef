/**
 * nock scopes for GitHub's REST API in which every request is checked against
 * GitHub's REST API description (see `openapi.ts`) and logged.
 *
 * - A request that matches an interceptor but breaks the description is
 *   answered the way GitHub would answer it (422 `Validation Failed`, or 404
 *   for a path or method GitHub does not have) instead of the mocked reply,
 *   and the problem is kept for `expectConformingRequests()`: the test fails
 *   even when the app catches the error.
 * - A request to a GitHub host that no interceptor matches is logged as a
 *   problem too (nock already fails it with `ERR_NOCK_NO_MATCH`).
 * - `recordedRequests` lists every request of the current test, in order.
 *
 * Use `useGitHubHarness()` (`hooks.ts`) in vitest files: it resets the log
 * before each test and fails the test on problems or pending mocks after it.
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import type { ClientRequest } from 'node:http'
import { promisify } from 'node:util'
import nock from 'nock'
import { apiPath, GitHubConformanceError, validateRequest } from './openapi.js'

/** The API root of github.com. */
export const GITHUB_API = 'https://api.github.com'

/** One request the app sent to a GitHub host. */
export interface RecordedRequest {
  /** Upper-case method. */
  method: string
  /** Path relative to the API root, with the query string: `/repos/o/r/issues/1/comments`. */
  path: string
  /** The parsed JSON body, the raw string if it was not JSON, or `undefined` for none. */
  body: unknown
  /** The description's operation, e.g. `issues/create-comment`; absent when none matched. */
  operationId?: string
  /** Whether a nock interceptor answered it. */
  matched: boolean
  /** Why it does not conform, or why nothing answered it; absent when all is well. */
  problem?: string
}

/** Every request to a GitHub host since the last `resetGitHubHarness()`, in order. */
export const recordedRequests: RecordedRequest[] = []

const problems: string[] = []
const refusals = new WeakMap<object, readonly [number, Record<string, string>]>()
/** Origins of GHES scopes created by `githubApi`, besides api.github.com. */
const githubHosts = new Set<string>(['api.github.com'])

export interface GitHubApiOptions extends nock.Options {
  /** API root; `https://ghe.example.com/api/v3` for GitHub Enterprise Server. */
  baseUrl?: string
}

/**
 * A nock scope for the GitHub REST API at `baseUrl` (default
 * `https://api.github.com`). Paths are given relative to the API root, also
 * for GHES: `githubApi({ baseUrl: 'https://ghe.example.com/api/v3' })
 * .post('/repos/o/r/issues/1/comments')`. Every request an interceptor of
 * this scope matches is validated before its reply is produced.
 */
export function githubApi(options: GitHubApiOptions = {}): nock.Scope {
  const { baseUrl = GITHUB_API, ...nockOptions } = options
  githubHosts.add(new URL(baseUrl).hostname)
  const scope = nock(baseUrl, nockOptions)
  scope.on('request', (req: ClientRequest, _interceptor: unknown, body: string) => {
    inspect(req, `${new URL(baseUrl).origin}${req.path}`, body, baseUrl, true)
  })
  const intercept = scope.intercept.bind(scope)
  scope.intercept = (...args) => guard(intercept(...args))
  return scope
}

/** Validate, log, and remember a refusal for the reply wrapper to send. */
function inspect(
  req: object | undefined,
  url: string,
  rawBody: string | undefined,
  baseUrl: string | undefined,
  matched: boolean,
): void {
  const method = ((req as { method?: string } | undefined)?.method ?? 'GET').toUpperCase()
  const { path, query } = apiPath(url, baseUrl)
  const search = query.toString()
  const body = parseBody(rawBody)
  const entry: RecordedRequest = {
    method,
    path: search ? `${path}?${search}` : path,
    body,
    matched,
  }
  recordedRequests.push(entry)
  try {
    entry.operationId = validateRequest({ method, url, body: rawBody, baseUrl }).operationId
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    entry.problem = message
    if (err instanceof GitHubConformanceError) entry.operationId = err.operationId
    problems.push(message)
    if (req) {
      const unknownRoute = err instanceof GitHubConformanceError && !err.operationId
      refusals.set(
        req,
        unknownRoute
          ? [404, { message: 'Not Found', harness: message }]
          : [422, { message: 'Validation Failed', harness: message }],
      )
    }
  }
  if (!matched) {
    const line = `no nock interceptor matched ${method} ${entry.path} (nock pending: ${
      nock.pendingMocks().join(', ') || 'none'
    })`
    entry.problem = entry.problem ? `${line}\n${entry.problem}` : line
    problems.push(line)
  }
}

function parseBody(raw: string | undefined): unknown {
  if (raw === undefined || raw === '') return undefined
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

type AnyFn = (this: nock.ReplyFnContext, ...args: unknown[]) => unknown

/**
 * Make every reply of `interceptor` first answer a non-conforming request
 * with GitHub's error instead of the mocked response. All reply forms keep
 * their meaning: `(status, body, headers)`, `(status, bodyFn)`, `(fullFn)`,
 * with or without callbacks.
 */
function guard(interceptor: nock.Interceptor): nock.Interceptor {
  const reply = interceptor.reply.bind(interceptor) as (fn: unknown) => nock.Scope
  const call = async (fn: AnyFn, ctx: nock.ReplyFnContext, uri: string, body: unknown) =>
    fn.length >= 3
      ? (promisify(fn) as (this: unknown, ...args: unknown[]) => Promise<unknown>).call(
          ctx,
          uri,
          body,
        )
      : fn.call(ctx, uri, body)
  interceptor.reply = ((...args: unknown[]) => {
    const [status, body, headers] = args
    return reply(async function (this: nock.ReplyFnContext, uri: string, requestBody: unknown) {
      const refusal = refusals.get(this.req)
      if (refusal) return refusal
      if (typeof status === 'function') return call(status as AnyFn, this, uri, requestBody)
      const value =
        typeof body === 'function' ? await call(body as AnyFn, this, uri, requestBody) : body
      const code = (status as number | undefined) ?? 200
      return headers === undefined ? [code, value] : [code, value, headers]
    })
  }) as nock.Interceptor['reply']
  return interceptor
}

nock.emitter.on('no match', (req: unknown, options?: unknown, body?: unknown) => {
  const r = (req ?? {}) as Record<string, unknown>
  const o = (options ?? r) as Record<string, unknown>
  const host = String(o.hostname ?? o.host ?? r.host ?? '').replace(/:\d+$/, '')
  if (!githubHosts.has(host)) return
  const proto = String(o.proto ?? String(o.protocol ?? 'https').replace(/:$/, ''))
  const path = String(o.path ?? r.path ?? '/')
  const method = String(o.method ?? r.method ?? 'GET')
  const baseUrl = host === 'api.github.com' ? GITHUB_API : `${proto}://${host}/api/v3`
  inspect({ method }, `${proto}://${host}${path}`, body as string | undefined, baseUrl, false)
})

/**
 * Throw when any request so far broke GitHub's REST API description or was
 * not answered by an interceptor; the message lists each problem. Clears them.
 */
export function expectConformingRequests(): void {
  const found = drainConformanceProblems()
  if (found.length) {
    throw new Error(
      `${found.length} GitHub API request problem(s):\n${found.map((p) => `• ${p}`).join('\n')}`,
    )
  }
}

/** The problems recorded so far, removed from the harness (for tests of failure cases). */
export function drainConformanceProblems(): string[] {
  return problems.splice(0)
}

/** Throw listing `nock.pendingMocks()` when an expected GitHub call was not made. */
export function expectNoPendingMocks(): void {
  const pending = nock.pendingMocks()
  if (pending.length) {
    throw new Error(
      `${pending.length} expected GitHub request(s) were not made:\n${pending.map((p) => `• ${p}`).join('\n')}`,
    )
  }
}

/** No real network: only 127.0.0.1/localhost (Probot's own server) may be reached. */
export function disableNetwork(): void {
  nock.disableNetConnect()
  nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host))
}

/** Forget all interceptors, recorded requests and problems. */
export function resetGitHubHarness(): void {
  nock.cleanAll()
  recordedRequests.length = 0
  problems.length = 0
}
