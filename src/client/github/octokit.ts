/**
 * The HTTP side of the GitHub transport: the smallest Octokit surface it
 * uses (`request`), the default client (`@octokit/rest` with the retry and
 * throttling plugins, loaded on first use), conditional GETs that cost no
 * rate limit when nothing changed, and the errors GitHub's answers become.
 */
import { TaskError } from '../../core/errors.js'
import { ClientError } from '../errors.js'

/** A response as Octokit's `request` resolves it. */
export interface OctokitResponse {
  status: number
  headers: Record<string, string | number | undefined>
  data: unknown
}

/**
 * What the client needs of an Octokit: `request(route, parameters)` —
 * `@octokit/rest`, `@octokit/core`, Probot's and `@actions/github`'s
 * clients all have it. Errors carry GitHub's HTTP `status` (304 included, as
 * Octokit throws on "not modified").
 */
export interface OctokitLike {
  // biome-ignore lint/suspicious/noExplicitAny: Octokit's request is generic over every route.
  request: (route: string, parameters?: Record<string, any>) => Promise<OctokitResponse>
}

/** Options of {@link defaultOctokit}. */
export interface DefaultOctokitOptions {
  token?: string | undefined
  baseUrl?: string | undefined
  /** Longest wait for a primary rate limit's reset, in seconds, before giving up. */
  maxRateLimitWaitS: number
}

/**
 * True when `token` can be sent as a GitHub token: printable ASCII without
 * spaces, as every kind is (`ghp_…`, `github_pat_…`, `ghs_…`, `gho_…`).
 * Anything else — a second line printed by `gh`, a pasted line break — makes
 * the request fail with an error whose message quotes the whole header,
 * token included; such a token is refused before any request, unquoted.
 */
export function isTokenShaped(token: string): boolean {
  return /^[\x21-\x7e]+$/.test(token)
}

/**
 * `@octokit/rest` with `@octokit/plugin-retry` (server errors retried up to
 * 3 times; the client turns it off for the one request that creates
 * content) and `@octokit/plugin-throttling` (requests queued per GitHub's
 * best practices; a secondary rate limit waits and retries once; a primary
 * one waits for its reset when that is within `maxRateLimitWaitS`).
 */
export async function defaultOctokit(options: DefaultOctokitOptions): Promise<OctokitLike> {
  const [{ Octokit }, { retry }, { throttling }] = await Promise.all([
    import('@octokit/rest'),
    import('@octokit/plugin-retry'),
    import('@octokit/plugin-throttling'),
  ])
  if (options.token !== undefined && !isTokenShaped(options.token))
    throw new TaskError(
      'InvalidInput',
      'The GitHub token has a space, a line break or another character no GitHub token has; give the token alone (it is not shown here).',
    )
  const Client = Octokit.plugin(retry, throttling)
  return new Client({
    ...(options.token ? { auth: options.token } : {}),
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
    userAgent: 'task-orchestrator-client',
    // Octokit logs every answer of 400 and up, and each 304 of a poll, with
    // console.error; the client reports failures itself, as errors with codes.
    log: { debug: () => {}, info: () => {}, warn: console.warn, error: () => {} },
    throttle: {
      onRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) =>
        retryCount < 1 && retryAfter <= options.maxRateLimitWaitS,
      onSecondaryRateLimit: (
        _retryAfter: number,
        _options: unknown,
        _octokit: unknown,
        retryCount: number,
      ) => retryCount < 1,
    },
  }) as unknown as OctokitLike
}

/**
 * `octokit` whose requests reject the moment their `request.signal` aborts.
 * Octokit reports an aborted request as a server error, which the retry
 * plugin would retry for seconds (1 + 4 + 9 s) before the caller heard of
 * its timeout; the request itself is still aborted through the signal.
 */
export function abortable(octokit: OctokitLike): OctokitLike {
  return {
    request: (route, parameters) => {
      const signal = (parameters?.request as { signal?: AbortSignal } | undefined)?.signal
      const sent = octokit.request(route, parameters)
      if (!signal) return sent
      return new Promise((resolve, reject) => {
        const onAbort = () => reject(signal.reason)
        if (signal.aborted) onAbort()
        signal.addEventListener('abort', onAbort, { once: true })
        sent.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
      })
    },
  }
}

/** The HTTP status of an Octokit error, or undefined (a network error). */
export function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}

/** GitHub's failure as a {@link ClientError} `GitHubError` naming what was asked and what came back. */
export function gitHubError(err: unknown, what: string): ClientError {
  const status = statusOf(err)
  const message = err instanceof Error ? err.message : String(err)
  return new ClientError(
    'GitHubError',
    `GitHub refused ${what}${status ? ` (HTTP ${status})` : ''}: ${message}`,
    { status: status ?? null },
  )
}

/** One cached page: its ETag and what it held. */
interface Cached {
  etag: string
  data: unknown
  link: string | undefined
}

/**
 * Pages a {@link ConditionalCache} keeps, the least recently used dropped
 * first: each command polls pages of its own (`since` its comment), so a
 * long-lived client (a keep-alive, `tm mcp`) would otherwise keep every
 * page it ever read.
 */
export const CACHE_MAX_PAGES = 64

/**
 * GETs with `If-None-Match`: the ETag of each URL's last answer is kept
 * (at most {@link CACHE_MAX_PAGES} URLs), and a 304 ("not modified" — free
 * of rate limit) answers from the cache. One instance per client; entries
 * are dropped with {@link ConditionalCache.forget}.
 */
export class ConditionalCache {
  private readonly pages = new Map<string, Cached>()

  /** URLs whose last answer is kept. */
  get size(): number {
    return this.pages.size
  }
  /** Requests answered 200 and 304 so far (for benchmarks and tests). */
  readonly counts = { fresh: 0, notModified: 0 }

  constructor(private readonly octokit: OctokitLike) {}

  /**
   * GET `route` with `parameters`; returns the data and the `link` header.
   * Throws Octokit's error for anything but 2xx and 304.
   */
  async get(
    route: string,
    parameters: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<{ data: unknown; link: string | undefined }> {
    const key = `${route} ${JSON.stringify(parameters)}`
    const cached = this.pages.get(key)
    try {
      const r = await this.octokit.request(route, {
        ...parameters,
        headers: cached ? { 'if-none-match': cached.etag } : {},
        ...(signal ? { request: { signal } } : {}),
      })
      this.counts.fresh++
      const link = r.headers.link === undefined ? undefined : String(r.headers.link)
      const etag = r.headers.etag
      this.pages.delete(key)
      if (typeof etag === 'string') this.keep(key, { etag, data: r.data, link })
      return { data: r.data, link }
    } catch (err) {
      if (statusOf(err) !== 304 || !cached) throw err
      this.counts.notModified++
      this.keep(key, cached)
      return { data: cached.data, link: cached.link }
    }
  }

  /** Keep `page` as the most recently used, dropping the least recently used past the bound. */
  private keep(key: string, page: Cached): void {
    this.pages.delete(key)
    this.pages.set(key, page)
    for (const oldest of this.pages.keys()) {
      if (this.pages.size <= CACHE_MAX_PAGES) break
      this.pages.delete(oldest)
    }
  }

  /** Drop the cached pages whose route and parameters start with `prefix`. */
  forget(prefix: string): void {
    for (const key of this.pages.keys()) if (key.startsWith(prefix)) this.pages.delete(key)
  }
}

/** True when a `link` header has a `rel="next"` page. */
export function hasNextPage(link: string | undefined): boolean {
  return link !== undefined && /rel="next"/.test(link)
}
