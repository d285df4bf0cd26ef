/**
 * One command over GitHub: post the command comment (once), then wait for
 * the app's reply whose marker names it.
 *
 * **Idempotency.** The comment carries a hidden key, an HTML comment of its
 * own paragraph (`<!-- tm-client: KEY -->`, which the app's comment grammar
 * reads as no command and which is none of the app's markers). The key is
 * the caller's `idempotencyKey` or a new UUID. Before posting with a key the
 * caller chose, the issue's comments are searched for an earlier comment
 * with that key (a retry of a call whose outcome was not seen); when one is
 * found nothing is posted and its reply is awaited. Only a comment never
 * edited counts (the key is readable by anyone who can read the issue, and
 * could be edited into an older comment), and it must be the same command
 * (a key used for another one is `InvalidInput`). The one request that
 * creates content (`POST …/comments`) is never retried blindly: Octokit's
 * retries are off for it, and when it fails in a way that may have created
 * the comment (no response, or a 5xx) the comments are searched for the key
 * first, and the POST is repeated only when it is not there.
 *
 * **Waiting.** The reply is looked for in the comments updated since the
 * command comment was created (`since`, paged 100 at a time up to the page
 * that holds it, at most {@link MAX_COMMENT_PAGES}), each page a
 * conditional GET (`If-None-Match`): while nothing changes, GitHub answers
 * 304, which costs no rate limit. Only comments by the app's login with
 * `user.type` `Bot` are read, and only their reply markers
 * (`readMarkers`) whose `comment` is the command comment's id. Polls start
 * `pollIntervalMs` apart and double up to `maxPollIntervalMs`, until the
 * call's deadline (`Timeout`) or its signal (`Aborted`).
 */
import { randomUUID } from 'node:crypto'
import { TaskError } from '../../core/errors.js'
import { type Outcome, readMarkers } from '../../github/markers.js'
import { ClientError } from '../errors.js'
import {
  type ConditionalCache,
  gitHubError,
  hasNextPage,
  type OctokitLike,
  statusOf,
} from './octokit.js'

/** An issue of a repository. */
export interface IssueRef {
  owner: string
  repo: string
  number: number
}

/** A comment as GitHub returns it (the fields the client reads). */
export interface GitHubComment {
  id: number
  body?: string | null
  created_at: string
  updated_at?: string
  user: { login: string; type?: string } | null
}

/** What the exchange needs of its client. */
export interface ExchangeContext {
  octokit: OctokitLike
  cache: ConditionalCache
  /** The app's login (`<slug>[bot]`, `github-actions[bot]`). */
  appLogin: string
  pollIntervalMs: number
  maxPollIntervalMs: number
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Milliseconds since the epoch (`Date.now` by default; follows fake timers). */
  now: () => number
}

/** A command sent and answered. */
export interface Answer {
  outcome: Outcome
  /** The command comment (posted now or found by its key). */
  comment: GitHubComment
}

const KEY_PATTERN = /^[A-Za-z0-9_-]{8,64}$/

/** The hidden line that carries the key (its own paragraph). */
export function keyLine(key: string): string {
  return `<!-- tm-client: ${key} -->`
}

/** A new key, or the caller's after checking it. Throws `InvalidInput`-like ClientError on a bad one. */
export function idempotencyKey(given: string | undefined): { key: string; chosen: boolean } {
  if (given === undefined) return { key: randomUUID(), chosen: false }
  if (!KEY_PATTERN.test(given))
    throw new ClientError(
      'Unsupported',
      `idempotencyKey "${given.slice(0, 80)}" is not 8–64 letters, digits, "-" or "_"; use e.g. crypto.randomUUID().`,
    )
  return { key: given, chosen: true }
}

/** The command comment's body: the command line, a blank line, the key. */
export function commandBody(line: string, key: string): string {
  return `${line}\n\n${keyLine(key)}`
}

/**
 * The longest delay a timer can take, in ms (2^31 − 1, about 24.8 days):
 * Node fires a longer `setTimeout` after 1 ms instead, so every wait of the
 * client is cut to this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** `ms` as a timer can wait it: at most {@link MAX_TIMER_MS}, never negative or NaN. */
export function timerMs(ms: number): number {
  return ms > 0 ? Math.min(ms, MAX_TIMER_MS) : 0
}

/** Sleep that ends early (rejecting) when `signal` aborts; uses the global timers (fakeable). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, timerMs(ms))
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

const COMMENTS = 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments'

/**
 * Pages of 100 comments one listing reads at most (10,000 comments): a
 * busier issue, or an API that always says there is a next page, is a
 * `GitHubError` rather than a wait and a memory without end.
 */
export const MAX_COMMENT_PAGES = 100

/**
 * The comments of the issue updated since `since` (all if undefined),
 * oldest first, paged, conditionally; with `until`, paging stops after the
 * page holding the first comment it accepts. Throws `GitHubError` past
 * {@link MAX_COMMENT_PAGES} pages.
 */
export async function listComments(
  ctx: ExchangeContext,
  issue: IssueRef,
  since: string | undefined,
  signal: AbortSignal | undefined,
  until?: (comment: GitHubComment) => boolean,
): Promise<GitHubComment[]> {
  const out: GitHubComment[] = []
  for (let page = 1; page <= MAX_COMMENT_PAGES; page++) {
    const { data, link } = await ctx.cache.get(
      COMMENTS,
      {
        owner: issue.owner,
        repo: issue.repo,
        issue_number: issue.number,
        ...(since ? { since } : {}),
        per_page: 100,
        page,
      },
      signal,
    )
    const comments = Array.isArray(data) ? (data as GitHubComment[]) : []
    out.push(...comments)
    if (!hasNextPage(link) || (until && comments.some(until))) return out
  }
  throw new ClientError(
    'GitHubError',
    `${issue.owner}/${issue.repo}#${issue.number} has more than ${MAX_COMMENT_PAGES * 100} comments${since ? ` since ${since}` : ''}; the client reads at most that many.`,
    { status: null },
  )
}

/** The app's outcome answering `commentId` among `comments`, if there is one. */
export function replyTo(
  comments: GitHubComment[],
  commentId: number,
  appLogin: string,
): Outcome | undefined {
  for (const c of comments) {
    const outcome = replyIn(c, commentId, appLogin)
    if (outcome) return outcome
  }
  return undefined
}

/** The outcome answering `commentId` in `c`, when `c` is by the app's login and a bot. */
function replyIn(c: GitHubComment, commentId: number, appLogin: string): Outcome | undefined {
  if (c.user?.login.toLowerCase() !== appLogin.toLowerCase() || c.user.type !== 'Bot') return
  return readMarkers(c.body ?? '').find((o) => o.comment === commentId)
}

/**
 * The oldest comment carrying `key` (by `login` when known), if any. Only a
 * comment never edited counts (`updated_at` = `created_at`): anyone can
 * edit a key they read into a comment of their own, older than the
 * caller's. Throws `InvalidInput` when that comment is not `line` (the key
 * was used for another command: its reply would answer the wrong one).
 */
async function findByKey(
  ctx: ExchangeContext,
  issue: IssueRef,
  line: string,
  key: string,
  login: string | null,
  since: string | undefined,
  signal: AbortSignal | undefined,
): Promise<GitHubComment | undefined> {
  const hidden = keyLine(key)
  const carries = (c: GitHubComment) =>
    (c.body ?? '').includes(hidden) &&
    (c.updated_at === undefined || c.updated_at === c.created_at) &&
    (login === null || c.user?.login.toLowerCase() === login.toLowerCase())
  const found = (await listComments(ctx, issue, since, signal, carries))
    .filter(carries)
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id)[0]
  if (found && found.body !== commandBody(line, key))
    throw new TaskError(
      'InvalidInput',
      `idempotencyKey "${key}" was used for another command on ${issue.owner}/${issue.repo}#${issue.number} (comment ${found.id}); use a new key for a new command.`,
      { comment: found.id, idempotency_key: key },
    )
  return found
}

/** Could a failed POST have created the comment? No response at all, or a server error. */
function mayHaveCreated(err: unknown): boolean {
  const status = statusOf(err)
  return status === undefined || status >= 500
}

/** How far back the search for a dropped POST's comment looks, for clocks that disagree. */
const CLOCK_SKEW_MS = 10 * 60_000
/** POST attempts when each one may have been dropped. */
const POST_ATTEMPTS = 3

/**
 * Post `line` on `issue` unless a comment with the key exists (see the
 * module comment); returns the command comment.
 */
export async function postOnce(
  ctx: ExchangeContext,
  issue: IssueRef,
  line: string,
  key: { key: string; chosen: boolean },
  login: string | null,
  signal: AbortSignal | undefined,
): Promise<GitHubComment> {
  if (key.chosen) {
    const earlier = await findByKey(ctx, issue, line, key.key, login, undefined, signal)
    if (earlier) return earlier
  }
  const startedAt = new Date(ctx.now() - CLOCK_SKEW_MS).toISOString()
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await ctx.octokit.request(
        'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
        {
          owner: issue.owner,
          repo: issue.repo,
          issue_number: issue.number,
          body: commandBody(line, key.key),
          // Never retried by Octokit: a retry could post the command twice.
          request: { retries: 0, ...(signal ? { signal } : {}) },
        },
      )
      return r.data as GitHubComment
    } catch (err) {
      if (signal?.aborted) throw err
      if (!mayHaveCreated(err) || attempt >= POST_ATTEMPTS)
        throw gitHubError(err, `the comment on ${issue.owner}/${issue.repo}#${issue.number}`)
      await ctx.sleep(ctx.pollIntervalMs * attempt, signal)
      const created = await findByKey(ctx, issue, line, key.key, login, startedAt, signal)
      if (created) return created
    }
  }
}

/**
 * Wait for the app's reply to `comment` (see the module comment); `first`
 * says whether to look at once (a comment found by its key may be answered
 * already) or after the first interval.
 */
export async function awaitReply(
  ctx: ExchangeContext,
  issue: IssueRef,
  comment: GitHubComment,
  signal: AbortSignal | undefined,
  first: 'now' | 'later',
): Promise<Outcome> {
  let delay = ctx.pollIntervalMs
  if (first === 'later') await ctx.sleep(delay, signal)
  for (;;) {
    const comments = await listComments(ctx, issue, comment.created_at, signal, (c) =>
      Boolean(replyIn(c, comment.id, ctx.appLogin)),
    )
    const outcome = replyTo(comments, comment.id, ctx.appLogin)
    if (outcome) return outcome
    delay = Math.min(delay * 2, ctx.maxPollIntervalMs)
    await ctx.sleep(delay, signal)
  }
}
