/**
 * The GitHub transport of the agent client: each verb is one command
 * comment on the task's issue (`/next` on the dashboard issue) and the
 * app's reply to it (`./exchange.ts`: idempotency, conditional polling,
 * backoff, timeout); `status` and `ready` only read (`./read.ts`).
 *
 * Comment commands carry no fencing token: the app acts on the lease of the
 * commenter's login. The client checks the token of the reply against the
 * one it was given and throws `StaleToken` when they differ (the command
 * then acted on a newer lease of the same login — two processes sharing a
 * login share its leases on GitHub). Command text is one line on GitHub:
 * line breaks in a summary, reason, message or question become spaces.
 */
import { isTaskError, TaskError } from '../../core/errors.js'
import type { Lease } from '../../core/model.js'
import type { Config } from '../../github/config.js'
import type { Outcome } from '../../github/markers.js'
import { ClientError, isClientError, refusalError } from '../errors.js'
import type {
  AgentClient,
  AskResult,
  CallOptions,
  CompleteOptions,
  CompleteResult,
  ContextResult,
  FailResult,
  GitHubClientOptions,
  Grant,
  HeartbeatResult,
  NextOptions,
  NextResult,
  ProgressResult,
  ReadyResult,
  ReleaseResult,
  ShareResult,
  StatusResult,
} from '../types.js'
import { findDashboard } from './dashboard.js'
import {
  awaitReply,
  type ExchangeContext,
  type IssueRef,
  idempotencyKey,
  postOnce,
  sleep,
  timerMs,
} from './exchange.js'
import { abortable, ConditionalCache, gitHubError, type OctokitLike } from './octokit.js'
import {
  fetchIssue,
  issueOfTask,
  readConfig,
  readStatus,
  readyTasks,
  taskFromIssue,
  taskId,
} from './read.js'
import {
  GITHUB_DEFAULTS,
  gitHubLogin,
  leaseOf,
  NOTHING_CLAIMABLE,
  oneLine,
  unsupported,
} from './verbs.js'

/** {@link AgentClient} over GitHub; see the module comment. */
export class GitHubClient implements AgentClient {
  readonly transport = 'github' as const
  private login: string | null = null
  private readonly ctx: ExchangeContext
  private readonly owner: string
  private readonly repo: string
  private readonly timeoutMs: number
  private config: Config | undefined
  private nextIssue: number | undefined

  /** Build on `octokit` (see `createGitHubClient` for the defaults). Throws `InvalidInput` on a bad `repo`. */
  constructor(octokit: OctokitLike, options: GitHubClientOptions) {
    const m = /^([A-Za-z0-9][A-Za-z0-9_-]*)\/([A-Za-z0-9._-]+)$/.exec(options.repo ?? '')
    if (!m)
      throw new TaskError(
        'InvalidInput',
        `repo "${options.repo}" is not owner/repo, e.g. { repo: "octo/api" }.`,
      )
    this.owner = m[1]!
    this.repo = m[2]!
    const mode = GITHUB_DEFAULTS[options.mode ?? 'server']
    this.timeoutMs = options.timeoutMs ?? mode.timeoutMs
    this.nextIssue = options.nextIssue
    const api = abortable(octokit)
    this.ctx = {
      octokit: api,
      cache: new ConditionalCache(api),
      appLogin: options.appLogin ?? mode.appLogin,
      pollIntervalMs: options.pollIntervalMs ?? GITHUB_DEFAULTS.pollIntervalMs,
      maxPollIntervalMs: options.maxPollIntervalMs ?? mode.maxPollIntervalMs,
      sleep: options.sleep ?? sleep,
      now: () => Date.now(),
    }
  }

  /** The token's login, learned from the first command comment posted (null before). */
  get agent(): string | null {
    return this.login
  }

  /** Conditional GETs answered 200 and 304 so far. */
  get requestCounts(): { fresh: number; notModified: number } {
    return { ...this.ctx.cache.counts }
  }

  /** The issue of a task id of this client's repository ({@link issueOfTask}). */
  private issue(task: string | number): IssueRef {
    return issueOfTask(task, { owner: this.owner, repo: this.repo })
  }

  /** Run `fn` under the call's deadline and signal; errors become TaskError/ClientError. */
  private async call<T>(
    options: CallOptions,
    what: string,
    fn: (signal: AbortSignal, state: { comment?: number; key?: string }) => Promise<T>,
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs
    const timer = new AbortController()
    const handle = setTimeout(() => timer.abort(new Error('timeout')), timerMs(timeoutMs))
    const signal = options.signal ? AbortSignal.any([options.signal, timer.signal]) : timer.signal
    const state: { comment?: number; key?: string } = {}
    try {
      return await fn(signal, state)
    } catch (err) {
      const seen = {
        ...(state.comment ? { comment: state.comment } : {}),
        ...(state.key ? { idempotency_key: state.key } : {}),
      }
      if (options.signal?.aborted)
        throw new ClientError('Aborted', `${what} was aborted.`, {
          ...seen,
          reason: String(options.signal.reason),
        })
      if (timer.signal.aborted)
        throw new ClientError(
          'Timeout',
          `No reply from ${this.ctx.appLogin} to ${what} within ${timeoutMs} ms; the app may still carry it out — call again with idempotencyKey "${state.key ?? ''}" to wait for its reply without posting again.`,
          { ...seen, timeout_ms: timeoutMs },
        )
      if (isTaskError(err) || isClientError(err)) throw err
      throw gitHubError(err, what)
    } finally {
      clearTimeout(handle)
    }
  }

  /** Post `line` on `issue` (once, by its key) and return the app's outcome; a refusal throws. */
  private command(issue: IssueRef, line: string, options: CallOptions): Promise<Outcome> {
    const what = `${line.split(' ')[0]} on ${taskId(issue)}`
    return this.call(options, what, async (signal, state) => {
      const key = idempotencyKey(options.idempotencyKey)
      state.key = key.key
      const comment = await postOnce(this.ctx, issue, line, key, this.login, signal)
      state.comment = comment.id
      if (comment.user?.login) this.login = comment.user.login
      const outcome = await awaitReply(
        this.ctx,
        issue,
        comment,
        signal,
        key.chosen ? 'now' : 'later',
      )
      if (!outcome.ok)
        throw refusalError(outcome.code, outcome.reason, {
          task: outcome.task,
          comment: comment.id,
          ...(outcome.holder ? { holder: outcome.holder } : {}),
          ...(outcome.expires_at ? { expires_at: outcome.expires_at } : {}),
        })
      return outcome
    })
  }

  /** Throw `StaleToken` when the reply's lease is not the caller's. */
  private sameLease(o: Outcome, token: number, verb: string): void {
    if (
      o.token === token &&
      (o.holder === undefined || o.holder.toLowerCase() === this.login?.toLowerCase())
    )
      return
    throw new TaskError(
      'StaleToken',
      `${verb} on ${o.task} acted on lease token ${o.token ?? 'none'}${o.holder ? ` of ${o.holder}` : ''}, not on token ${token}: your lease expired or was replaced; stop working on the task.`,
      { task: o.task, token, current_token: o.token, ...(o.holder ? { holder: o.holder } : {}) },
    )
  }

  private async repoConfig(signal?: AbortSignal): Promise<Config> {
    this.config ??= await readConfig(this.ctx, { owner: this.owner, repo: this.repo }, signal)
    return this.config
  }

  async next(options: NextOptions = {}): Promise<NextResult> {
    if (options.claim === false)
      throw unsupported('next({ claim: false })', 'use ready() to look without claiming.')
    if (options.ttlMs !== undefined)
      throw unsupported('next({ ttlMs })', '/next claims for the configured lease TTL.')
    const number = await this.call(options, '/next', async (signal) => {
      this.nextIssue ??= await findDashboard(
        this.ctx,
        { owner: this.owner, repo: this.repo },
        signal,
      )
      return this.nextIssue
    })
    const issue = { owner: this.owner, repo: this.repo, number }
    let outcome: Outcome
    try {
      outcome = await this.command(
        issue,
        `/next${options.persona ? ` ${oneLine(options.persona, 'persona')}` : ''}`,
        options,
      )
    } catch (err) {
      const code = (err as { code?: string; details?: { code?: unknown } }).code
      const appCode = (err as { details?: { code?: unknown } }).details?.code
      if (NOTHING_CLAIMABLE.has(String(code)) || NOTHING_CLAIMABLE.has(String(appCode)))
        return { task: null, grant: null }
      throw err
    }
    const grant: Grant = { task: outcome.task, lease: leaseOf(outcome, this.login) }
    const ref = this.issue(outcome.task)
    const task = await this.call(options, `reading ${outcome.task}`, async (signal) =>
      taskFromIssue(
        ref,
        await fetchIssue(this.ctx, ref, signal),
        null,
        await this.repoConfig(signal),
      ),
    )
    return { task: { ...task, id: outcome.task, status: 'in_progress', lease: grant.lease }, grant }
  }

  async claim(task: string, options: CallOptions & { ttlMs?: number } = {}): Promise<Grant> {
    const ttl =
      options.ttlMs === undefined ? '' : ` ${Math.max(1, Math.ceil(options.ttlMs / 1000))}s`
    const o = await this.command(this.issue(task), `/claim${ttl}`, options)
    return { task: o.task, lease: leaseOf(o, this.login) }
  }

  async heartbeat(
    task: string,
    token: number,
    options: CallOptions & { ttlMs?: number } = {},
  ): Promise<HeartbeatResult> {
    if (options.ttlMs !== undefined)
      throw unsupported('heartbeat({ ttlMs })', '/heartbeat renews for the configured lease TTL.')
    const o = await this.command(this.issue(task), '/heartbeat', options)
    this.sameLease(o, token, '/heartbeat')
    return { lease: leaseOf(o, this.login) as Lease }
  }

  async progress(
    task: string,
    report: { percent?: number | null; message?: string },
    options: CallOptions = {},
  ): Promise<ProgressResult> {
    const { percent } = report
    if (percent === undefined || percent === null)
      throw unsupported(
        'progress without a percent',
        '/progress needs a whole percent from 0 to 100.',
      )
    if (!Number.isInteger(percent) || percent < 0 || percent > 100)
      throw new TaskError(
        'InvalidInput',
        `percent must be a whole number from 0 to 100; got ${percent}.`,
      )
    const message = report.message ? oneLine(report.message, 'message') : ''
    const o = await this.command(
      this.issue(task),
      `/progress ${percent}${message ? ` ${message}` : ''}`,
      options,
    )
    return { task: o.task, progress: [{ agent: this.login, percent, message }] }
  }

  async complete(
    task: string,
    token: number,
    options: CompleteOptions = {},
  ): Promise<CompleteResult> {
    if (
      options.validate ||
      options.context ||
      options.confirm?.length ||
      options.actualHours !== undefined
    )
      throw unsupported(
        'complete({ validate, context, confirm, actualHours })',
        'the CI gate checks the success criteria; /done only asks for completion.',
      )
    const summary = options.summary ? ` ${oneLine(options.summary, 'summary')}` : ''
    const o = await this.command(this.issue(task), `/done${summary}`, options)
    this.sameLease(o, token, '/done')
    return { task: o.task }
  }

  done(task: string, token: number, options?: CompleteOptions): Promise<CompleteResult> {
    return this.complete(task, token, options)
  }

  async fail(
    task: string,
    token: number,
    reason: string,
    options: CallOptions & { retry?: boolean } = {},
  ): Promise<FailResult> {
    if (options.retry === false)
      throw unsupported('fail({ retry: false })', '/fail retries while attempts remain.')
    const o = await this.command(
      this.issue(task),
      `/fail ${oneLine(reason, 'reason')}`.trimEnd(),
      options,
    )
    this.sameLease(o, token, '/fail')
    return { task: o.task }
  }

  async release(
    task: string,
    token: number,
    options: CallOptions & { reason?: string } = {},
  ): Promise<ReleaseResult> {
    const o = await this.command(this.issue(task), '/release', options)
    this.sameLease(o, token, '/release')
    return { task: o.task }
  }

  async ask(
    task: string,
    question: string,
    options: CallOptions & { to?: string } = {},
  ): Promise<AskResult> {
    const to = options.to?.replace(/^@/, '')
    if (!to) throw unsupported('ask without `to`', '/ask needs the @login the question is for.')
    gitHubLogin(to, 'to')
    const text = oneLine(question, 'question')
    const o = await this.command(this.issue(task), `/ask @${to} ${text}`, options)
    return {
      question: { task_id: o.task, asked_by: this.login ?? '', asked_of: to, question: text },
    }
  }

  async status(task: string, options: CallOptions = {}): Promise<StatusResult> {
    const ref = this.issue(task)
    return this.call(options, `reading ${taskId(ref)}`, async (signal) => {
      const [issue, state, config] = await Promise.all([
        fetchIssue(this.ctx, ref, signal),
        readStatus(this.ctx, ref, signal),
        this.repoConfig(signal),
      ])
      return { task: taskFromIssue(ref, issue, state, config) }
    })
  }

  show(task: string, options?: CallOptions): Promise<StatusResult> {
    return this.status(task, options)
  }

  ready(options: CallOptions & { persona?: string; limit?: number } = {}): Promise<ReadyResult> {
    return this.call(options, 'reading the ready tasks', async (signal) => ({
      tasks: await readyTasks(
        this.ctx,
        { owner: this.owner, repo: this.repo },
        await this.repoConfig(signal),
        {
          ...(options.persona ? { persona: options.persona } : {}),
          ...(options.limit ? { limit: options.limit } : {}),
        },
        signal,
      ),
    }))
  }

  async share(
    task: string,
    key: string,
    value: unknown,
    options: CallOptions = {},
  ): Promise<ShareResult> {
    const json = JSON.stringify(value)
    if (json === undefined)
      throw new TaskError('InvalidInput', 'share: the value must be a JSON value.')
    const o = await this.command(
      this.issue(task),
      `/share ${oneLine(key, 'key')}: ${oneLine(json, 'value')}`,
      options,
    )
    return { task: o.task, entry: { key, value: JSON.parse(json) as unknown, author: this.login } }
  }

  async context(_task: string, _options?: CallOptions): Promise<ContextResult> {
    throw unsupported(
      'context',
      'the app publishes no shared context; read it from the task with tm locally.',
    )
  }

  close(): void {}
}
