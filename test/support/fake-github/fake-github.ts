/**
 * One stateful fake of GitHub for tests and benchmarks (issue 11): the parts
 * of the REST API the project uses, kept in memory (`./model.ts`), every
 * request checked against GitHub's REST description
 * (`../github/openapi.ts`: a request that breaks it is answered as GitHub
 * would, 422 or 404, and listed in `problems`), logged (`log`, for counting
 * requests), with ETags on GET answers and `304 Not Modified` for a matching
 * `If-None-Match`, and webhook deliveries of every change (`onWebhook`, see
 * `./probot.ts` to deliver them to a Probot app in process).
 *
 * Two transports over the same state (`./transports.ts`): `fake.fetch`, a
 * `fetch` for Octokit's `request.fetch` (no sockets), and `fake.listen()`,
 * an HTTP server on 127.0.0.1 for subprocesses (`tm`, the bundled Actions).
 *
 * Who acts is read from the token (`Authorization: token …`): `tokenFor(login)`
 * makes one, and the app's token (default `test`, as `probotForTests` uses)
 * acts as `appLogin`. Faults: `refuse` answers instead of serving,
 * `dropResponse` applies a request and loses its answer (the caller sees a
 * network error), `holdResponse` delays an answer after applying it.
 *
 * Not modelled: rate limits (the `x-ratelimit-*` headers are informational),
 * permissions of writes (any known token may write), GraphQL beyond
 * `pinIssue`.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import { createHash } from 'node:crypto'
import { apiPath, GitHubConformanceError, validateRequest } from '../github/openapi.js'
import { artifactRoutes } from './artifacts.js'
import { graphql } from './graphql.js'
import { type FakeRepository, FakeState, type Now, type Permission } from './model.js'
import { json, parseBody, rawResponse } from './responses.js'
import type { Call, EmittedEvent, Json, Reply, Route } from './route-kit.js'
import { commentRoutes } from './routes-comments.js'
import { issueRoutes } from './routes-issues.js'
import { globalRoutes, repoRoutes } from './routes-repo.js'
import { type Delivery, deliveryFor } from './webhooks.js'

const ROUTES: Record<string, Route> = {
  ...issueRoutes,
  ...commentRoutes,
  ...repoRoutes,
  ...artifactRoutes,
}

/** A request as a transport received it. */
export interface RawRequest {
  method: string
  /** Absolute URL. */
  url: string
  /** Lower-case header names. */
  headers: Record<string, string | undefined>
  body?: Buffer | string
  /** API root to strip from the path (the HTTP transport's own URL). */
  baseUrl?: string
}

/** The answer, for a transport to send; `drop`: send nothing, fail the connection. */
export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string | Buffer
  drop?: boolean
}

/** One entry of the request log. */
export interface LoggedRequest {
  method: string
  /** Path below the API root, with the query. */
  path: string
  /** The REST description's template (`/repos/{owner}/{repo}/issues`), or the path for non-REST routes. */
  template?: string
  operationId?: string
  status: number
  /** Who the token belongs to; null without one. */
  login: string | null
  /**
   * POST, PATCH, PUT or DELETE: the requests GitHub's secondary rate limits
   * count as content-creating (and as 5 points instead of 1).
   */
  contentCreating: boolean
  /** Answered `304 Not Modified` to `If-None-Match` (costs no rate limit on GitHub). */
  notModified: boolean
  /** Applied, but its answer was dropped. */
  dropped: boolean
  problem?: string
  /** The request's headers (lower-case names) and its body (parsed JSON, the raw text, or undefined). */
  headers: Record<string, string | undefined>
  body: unknown
  /** The URL as the transport received it (with `/api/v3` when it was there). */
  url: string
  /** `performance.now()` when it was answered. */
  at: number
}

/** What the fault hooks see of a request. */
export interface RequestSummary {
  method: string
  path: string
  template?: string
  login: string | null
}

/** A route outside the REST API (the Actions artifact service, blob storage): a reply, or undefined to pass. */
export type ExtraRoute = (
  request: RawRequest,
  path: string,
) => Promise<Reply | undefined> | Reply | undefined

export interface FakeGitHubOptions {
  /** Clock for `created_at`/`updated_at`, ms since the epoch (default `Date.now`). */
  now?: Now
  /** The app's token (default `test`, Probot's `githubToken` in tests). */
  appToken?: string
  /** The login the app's token acts as (default `task-orchestrator[bot]`). */
  appLogin?: string
}

const WRITE = new Set(['POST', 'PATCH', 'PUT', 'DELETE'])
export class FakeGitHub {
  readonly state: FakeState
  readonly log: LoggedRequest[] = []
  /** Requests that broke GitHub's REST description or that no route serves; tests assert it is empty. */
  readonly problems: string[] = []
  /** Every webhook delivered (or, without `onWebhook`, that would have been). */
  readonly deliveries: Delivery[] = []
  /** What `onWebhook` threw or rejected with. */
  readonly deliveryErrors: unknown[] = []
  readonly appLogin: string
  /** Deliver webhooks for the app's own changes too, as GitHub does (default true). */
  selfEvents = true
  /** Where webhooks go; unset: recorded in `deliveries` only. */
  onWebhook: ((delivery: Delivery) => Promise<unknown>) | null = null
  refuse: ((r: RequestSummary) => { status: number; message: string } | undefined) | null = null
  dropResponse: ((r: RequestSummary) => boolean) | null = null
  holdResponse: ((r: RequestSummary) => Promise<void> | undefined) | null = null
  readonly extraRoutes: ExtraRoute[] = []
  readonly #tokens = new Map<string, string>()
  readonly #inflight = new Set<Promise<void>>()
  readonly #used = new Map<string, number>()

  constructor(options: FakeGitHubOptions = {}) {
    this.state = new FakeState(options.now ?? Date.now)
    this.appLogin = options.appLogin ?? 'task-orchestrator[bot]'
    this.#tokens.set(options.appToken ?? 'test', this.appLogin)
    this.state.user(this.appLogin)
  }

  /**
   * Add repository `owner/name` with `files` (path → text, e.g. the config),
   * `labels` and collaborator `permissions` (default for others: write).
   */
  addRepository(
    fullName: string,
    options: {
      files?: Record<string, string>
      labels?: string[]
      permissions?: Record<string, Permission>
      defaultPermission?: Permission
      /** GitHub's id of the repository (webhook payloads name it; default: the next id). */
      id?: number
    } = {},
  ): FakeRepository {
    const [owner = '', name = ''] = fullName.split('/')
    const repo = this.state.addRepository(owner, name, options.id)
    for (const [path, text] of Object.entries(options.files ?? {})) repo.files.set(path, text)
    for (const label of options.labels ?? []) this.state.ensureLabel(repo, label)
    for (const [login, level] of Object.entries(options.permissions ?? {}))
      repo.permissions.set(login, level)
    if (options.defaultPermission) repo.defaultPermission = options.defaultPermission
    return repo
  }

  /** The repository `owner/name`; throws when the fake has none. */
  repository(fullName: string): FakeRepository {
    const [owner = '', name = ''] = fullName.split('/')
    const repo = this.state.repository(owner, name)
    if (!repo) throw new Error(`fake GitHub: no repository ${fullName}`)
    return repo
  }

  /** Accept `token` as `login`'s (a subprocess's `GITHUB_TOKEN`, say). */
  addToken(token: string, login: string): void {
    this.#tokens.set(token, login)
    this.state.user(login)
  }

  /** A token that acts as `login` (made on first use). */
  tokenFor(login: string): string {
    const token = `fake-token-${login}`
    this.#tokens.set(token, login)
    this.state.user(login)
    return token
  }

  /** Requests in the log that `filter` keeps (all by default). */
  requests(filter: (r: LoggedRequest) => boolean = () => true): LoggedRequest[] {
    return this.log.filter(filter)
  }

  /**
   * Act as `login` through the fake (validated, logged, webhooks delivered),
   * as a person or another tool would: `send('ada', 'POST',
   * '/repos/o/r/issues/1/comments', { body: '/claim' })`. Returns the status
   * and parsed answer.
   */
  async send(
    login: string,
    method: string,
    path: string,
    body?: Json,
  ): Promise<{ status: number; data: unknown }> {
    const res = await this.handle({
      method,
      url: `https://api.github.com${path}`,
      headers: { authorization: `token ${this.tokenFor(login)}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = res.body.toString()
    return { status: res.status, data: text ? JSON.parse(text) : undefined }
  }

  /** Resolves when no webhook delivery is running or queued (deliveries may cause more). */
  async settled(): Promise<void> {
    while (this.#inflight.size) await Promise.allSettled([...this.#inflight])
  }

  /** Answer one request: the core both transports call. */
  async handle(request: RawRequest): Promise<RawResponse> {
    const method = request.method.toUpperCase()
    const { path, query } = apiPath(request.url, request.baseUrl)
    const search = query.toString()
    const entry: LoggedRequest = {
      method,
      path: search ? `${path}?${search}` : path,
      status: 0,
      login: null,
      contentCreating: WRITE.has(method),
      notModified: false,
      dropped: false,
      headers: request.headers,
      // Parsed below, for the REST API only: artifact blobs are megabytes of binary.
      body: undefined,
      url: request.url,
      at: 0,
    }
    const done = (res: RawResponse): RawResponse => {
      entry.status = res.status
      entry.at = performance.now()
      this.log.push(entry)
      return res
    }
    for (const extra of this.extraRoutes) {
      const reply = await extra(request, path)
      if (reply) {
        entry.template = path
        return done(reply.raw ? rawResponse(reply) : json(reply.status, reply.data, reply.headers))
      }
    }
    entry.body = parseBody(request.body)
    const auth = /^(?:token|bearer)\s+(.+)$/i.exec(request.headers.authorization ?? '')
    if (auth) {
      const login = this.#tokens.get(auth[1] ?? '')
      if (!login) return done(json(401, { message: 'Bad credentials' }))
      entry.login = login
    } else if (WRITE.has(method)) {
      return done(json(401, { message: 'Requires authentication' }))
    }
    const text = request.body === undefined ? '' : request.body.toString()
    if (path === '/graphql' && method === 'POST') {
      entry.template = '/graphql'
      return done(json(200, graphql(this.state, text, this.problems)))
    }
    let matched: ReturnType<typeof validateRequest>
    try {
      matched = validateRequest({ method, url: request.url, body: text, baseUrl: request.baseUrl })
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      entry.problem = message
      this.problems.push(message)
      const unknown = err instanceof GitHubConformanceError && !err.operationId
      return done(
        unknown
          ? json(404, { message: 'Not Found', fake: message })
          : json(422, { message: 'Validation Failed', fake: message }),
      )
    }
    entry.template = matched.template
    entry.operationId = matched.operationId
    const summary = { method, path, template: matched.template, login: entry.login }
    const refused = this.refuse?.(summary)
    if (refused) return done(json(refused.status, { message: refused.message }))
    const events: EmittedEvent[] = []
    let reply: Reply & { problem?: string }
    try {
      reply = this.#route(method, matched, query, request, text, entry.login, events)
    } catch (err) {
      const problem = `fake GitHub crashed on ${method} ${entry.path}: ${(err as Error).stack ?? String(err)}`
      reply = { status: 500, data: { message: 'Server Error' }, problem }
    }
    if (reply.problem) {
      entry.problem = reply.problem
      this.problems.push(reply.problem)
    }
    let res = reply.raw ? rawResponse(reply) : json(reply.status, reply.data, reply.headers)
    if (method === 'GET' && reply.status === 200) {
      const etag = `W/"${createHash('sha1')
        .update(`${res.body}\n${reply.headers?.link ?? ''}`)
        .digest('hex')}"`
      res.headers.etag = etag
      const wanted = request.headers['if-none-match']
      if (wanted?.split(',').some((t) => t.trim() === etag)) {
        entry.notModified = true
        res = { status: 304, headers: { etag }, body: '' }
      }
    }
    Object.assign(res.headers, this.#rateHeaders(entry))
    for (const event of events) this.#deliver(event, entry.login ?? this.appLogin)
    if (this.dropResponse?.(summary)) {
      entry.dropped = true
      return done({ ...res, drop: true })
    }
    await this.holdResponse?.(summary)
    return done(res)
  }

  #route(
    method: string,
    matched: ReturnType<typeof validateRequest>,
    query: URLSearchParams,
    request: RawRequest,
    text: string,
    login: string | null,
    events: EmittedEvent[],
  ): Reply & { problem?: string } {
    const key = `${method} ${matched.template}`
    const global = globalRoutes[key]
    if (global) return global(this.state, query)
    const route = ROUTES[key]
    if (!route) {
      return {
        status: 404,
        data: { message: 'Not Found' },
        problem: `fake GitHub: no route for ${key} (${matched.operationId})`,
      }
    }
    const repo = this.state.repository(matched.params.owner ?? '', matched.params.repo ?? '')
    if (!repo) return { status: 404, data: { message: 'Not Found' } }
    const actor = this.state.user(login ?? 'ghost')
    const call: Call = {
      state: this.state,
      repo,
      params: matched.params,
      query,
      url: new URL(request.url),
      headers: request.headers,
      body: text ? (JSON.parse(text) as Json) : {},
      actor,
      emit: (name, fields) => events.push({ name, repo, fields }),
    }
    return route(call)
  }

  #deliver(event: EmittedEvent, sender: string): void {
    if (!this.selfEvents && sender === this.appLogin) return
    const delivery = deliveryFor(this.state, event, sender)
    this.deliveries.push(delivery)
    const sink = this.onWebhook
    if (!sink) return
    // After the answer is sent, as GitHub delivers: the caller never waits for the app.
    const running: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => sink(delivery))
      .then(
        () => undefined,
        (err: unknown) => {
          this.deliveryErrors.push(err)
        },
      )
      .finally(() => this.#inflight.delete(running))
    this.#inflight.add(running)
  }

  #rateHeaders(entry: LoggedRequest): Record<string, string> {
    const who = entry.login ?? 'anonymous'
    const used = (this.#used.get(who) ?? 0) + (entry.notModified ? 0 : 1)
    this.#used.set(who, used)
    return {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-used': String(used),
      'x-ratelimit-remaining': String(Math.max(0, 5000 - used)),
      'x-ratelimit-reset': String(Math.floor(this.state.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
    }
  }
}
