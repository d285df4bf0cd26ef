/**
 * The agent client's interface: one call per step of an agent's loop (DESIGN
 * "Agents: one loop, two transports") — `next` (or `claim`) → `heartbeat`
 * while working → `progress` / `ask` → `complete` (or `fail` / `release`) —
 * with two transports behind it:
 *
 * * **local** (`./local.ts`, {@link LocalClientOptions}): the engine on a
 *   SQLite file, exactly what `tm` does;
 * * **GitHub** (`./github.ts`, {@link GitHubClientOptions}): posts the
 *   command comment on the task's issue and waits for the app's reply whose
 *   marker names that comment.
 *
 * Results have the shapes `tm --json` prints for the same verb (without its
 * `ok: true`): `claim` → {@link Grant}, `next` → `{task, grant}`, `heartbeat`
 * → `{lease}`, `release` → `{task}`, `complete` → `{task, actual_hours,
 * verdict, unblocked}`, `fail` → `{task, status, attempts, max_attempts}`,
 * `progress` → `{task, progress}`, `ask` → `{question, paused}`, `status` →
 * `{task}`, `ready` → `{tasks}`, `share` → `{task, entry}`, `context` →
 * `{context}`. Fields the GitHub transport cannot know from what the app
 * publishes (its reply markers, the status comment's marker, the issue) are
 * **absent** there, never invented: each type below marks them "local
 * only". Refusals throw {@link TaskError} with the engine's codes
 * (`LeaseHeld`, `StaleToken`, `NoLease`, …), on both transports; what only
 * the GitHub transport can meet (the app's own refusals, a timeout, a
 * missing dashboard) throws {@link ClientError}.
 *
 * Times are ISO-8601 UTC strings; durations are milliseconds.
 */

import type { ProgressEntry } from '../core/collaboration.js'
import type { CompleteOutcome } from '../core/completion.js'
import type { ContextEntry, MergedContext } from '../core/context.js'
import type { TaskDetail } from '../core/engine.js'
import type { ErrorCode, TaskError } from '../core/errors.js'
import type { Grant as EngineGrant, FailOutcome } from '../core/leases.js'
import type { Lease, Task } from '../core/model.js'
import type { Question } from '../core/questions.js'

export type { TaskError }

/** Which transport a client uses. */
export type TransportName = 'local' | 'github'

/** Options every call accepts. */
export interface CallOptions {
  /**
   * Abort the call: on GitHub, stop waiting for the reply (a command already
   * posted stays posted and the app still carries it out; call again with
   * the same `idempotencyKey` to pick up its reply). Local calls are
   * synchronous and only check the signal before they start. Throws
   * {@link ClientError} `Aborted`.
   */
  signal?: AbortSignal
  /**
   * GitHub only: how long to wait for the app's reply, in ms (default: the
   * client's `timeoutMs`). Throws {@link ClientError} `Timeout` when it
   * passes; the command may still be carried out later (retry with the same
   * `idempotencyKey`, which never posts it twice).
   */
  timeoutMs?: number
  /**
   * GitHub only: the call's idempotency key (default: a new random UUID per
   * call). Written hidden into the command comment; a call with a key whose
   * comment is already on the issue posts nothing and waits for that
   * comment's reply instead. Pass the same key to retry a call whose outcome
   * you did not see (a timeout, a crash): it acts at most once. Letters,
   * digits, `-` and `_`, 8–64 characters.
   */
  idempotencyKey?: string
}

/**
 * A lease as the client returns it: the engine's {@link Lease}. On GitHub,
 * `acquired_at` and `heartbeat_at` are absent (the reply marker carries
 * `holder`, `token` and `expires_at` only); `status` reads all of them from
 * the status comment's marker.
 */
export type ClientLease = Pick<Lease, 'holder' | 'token' | 'expires_at'> &
  Partial<Pick<Lease, 'acquired_at' | 'heartbeat_at' | 'paused'>>

/** A successful claim: the task id and the lease with its fencing token (`tm claim --json`). */
export interface Grant {
  task: EngineGrant['task']
  lease: ClientLease
}

/**
 * A task as the client returns it from `next`, `ready` and `status`. Local:
 * the engine's whole {@link Task} ({@link TaskDetail} for `status`). GitHub:
 * what the issue and its status marker say — `id`, `title`, `description`
 * (the issue body), `status`, `priority`, `persona`, `milestone`, `lease`,
 * `attempts`, `max_attempts`, `blocked_reason`, `requires_approval`,
 * `approved_by`, `approved_at`, `completion_summary`, `assignee`,
 * `created_at`, `updated_at`, `completed_at` (the issue's `closed_at` when
 * completed); `ready` on GitHub lists issues by their labels, so its tasks
 * carry only `id`, `title`, `description`, `status`, `priority`, `persona`,
 * `assignee`, `created_at`, `updated_at`. Every other field is absent.
 */
export type ClientTask = Pick<Task, 'id' | 'title' | 'status' | 'priority'> &
  Partial<Omit<Task, 'id' | 'title' | 'status' | 'priority' | 'lease'>> & {
    lease?: ClientLease | null
  }

/**
 * `status`'s task: {@link ClientTask} plus, locally, the neighbourhood of
 * {@link TaskDetail} (`depends_on`, `dependents`, `subtasks`, `context`,
 * `participants`, `open_questions`). GitHub: `participants` and
 * `open_questions` from the status marker (questions without `id`,
 * `task_id` and answer fields), and the rest absent.
 */
export type ClientTaskDetail = ClientTask &
  Partial<
    Pick<TaskDetail, 'depends_on' | 'dependents' | 'subtasks' | 'context' | 'participants'>
  > & {
    open_questions?: (Pick<Question, 'asked_by' | 'asked_of' | 'question'> & Partial<Question>)[]
    /** GitHub only: the latest progress as the status marker carries it, or null. */
    progress?: { percent: number; message: string } | null
  }

/** `next`'s result (`tm next --json`): the best task (or null) and, when claimed, the grant. */
export interface NextResult {
  task: ClientTask | null
  grant: Grant | null
}

/** `heartbeat`'s result (`tm heartbeat --json`). */
export interface HeartbeatResult {
  lease: ClientLease
}

/** `release`'s result (`tm release --json`). */
export interface ReleaseResult {
  task: string
}

/**
 * `complete`'s result (`tm complete --json`, {@link CompleteOutcome}).
 * GitHub: `task` only — `actual_hours`, `verdict` (the CI gate's check run
 * decided it) and `unblocked` are local only.
 */
export type CompleteResult = Pick<CompleteOutcome, 'task'> & Partial<Omit<CompleteOutcome, 'task'>>

/**
 * `fail`'s result (`tm fail --json`). GitHub: `task` only — `status`,
 * `attempts`, `max_attempts` are local only (read them with `status`).
 */
export type FailResult = { task: string } & Partial<FailOutcome>

/**
 * `progress`'s result (`tm progress --json`): the task's progress history,
 * oldest first. GitHub: only the entry just reported, without `at` (the
 * history is not published).
 */
export interface ProgressResult {
  task: string
  progress: (Omit<ProgressEntry, 'at'> & { at?: string })[]
}

/**
 * `ask`'s result (`tm ask --json`). GitHub: `question` carries `task_id`,
 * `asked_by`, `asked_of`, `question` (no `id`, times or answer); `paused`
 * is local only.
 */
export interface AskResult {
  question: Pick<Question, 'task_id' | 'asked_by' | 'asked_of' | 'question'> & Partial<Question>
  paused?: boolean
}

/** `status`'s result (`tm show --json`). */
export interface StatusResult {
  task: ClientTaskDetail
}

/** `ready`'s result (`tm ready --json`): claimable tasks, most urgent first. */
export interface ReadyResult {
  tasks: ClientTask[]
}

/**
 * `share`'s result (`tm share --json`). GitHub: `entry.updated_at` is
 * absent; `value` is the value as the app reads it (the same YAML parse).
 */
export interface ShareResult {
  task: string
  entry: Omit<ContextEntry, 'updated_at'> & { updated_at?: string }
}

/** `context`'s result (`tm context --json`); local only (GitHub publishes no context). */
export interface ContextResult {
  context: MergedContext
}

/** `next`'s options. */
export interface NextOptions extends CallOptions {
  /**
   * Claim the task in the same transaction (default `true`). GitHub always
   * claims (`/next` is a claim); `claim: false` there throws
   * {@link ClientError} `Unsupported` — use `ready` to look without taking.
   */
  claim?: boolean
  /** Lease TTL in ms (default: the task's policy, 30 minutes unless configured). */
  ttlMs?: number
  /** GitHub only: ask for a task of this persona (`/next persona`). */
  persona?: string
}

/** `complete`'s request. */
export interface CompleteOptions extends CallOptions {
  /** Completion summary, handed to dependent tasks (GitHub: line breaks become spaces). */
  summary?: string
  /**
   * Local only: evaluate measurable criteria against `context` (required
   * when the task has any). On GitHub the CI gate decides; passing these
   * throws {@link ClientError} `Unsupported`.
   */
  validate?: boolean
  context?: Record<string, unknown>
  /** Local only: 1-based indexes of manual criteria the agent confirms. */
  confirm?: number[]
  /** Local only: hours spent (default: summed lease time). */
  actualHours?: number
}

/**
 * One interface for an agent's loop, whatever the transport. `token` is the
 * fencing token `claim`/`next` returned. Every method is asynchronous and
 * rejects with {@link TaskError} (the engine's codes, as `tm --json`) or
 * {@link ClientError}.
 *
 * On GitHub the app identifies a lease by the commenter's login, not by the
 * token (comment commands carry none): the client checks the token in the
 * reply and throws `StaleToken` when the lease acted on is not the one named.
 */
export interface AgentClient {
  /** `local` or `github`. */
  readonly transport: TransportName
  /**
   * The agent's identity: locally the `agent` option; on GitHub the login
   * of the token, known after the first command posted (null before).
   */
  readonly agent: string | null

  /** The best claimable task for this agent, claimed by default (`tm next --claim`, `/next`). */
  next(options?: NextOptions): Promise<NextResult>
  /** Take a lease on `task` (`tm claim`, `/claim [ttl]`); `ttlMs` in ms. Throws LeaseHeld, LockDelay, AgentAtCapacity, … */
  claim(task: string, options?: CallOptions & { ttlMs?: number }): Promise<Grant>
  /**
   * Extend the lease to now + TTL (`tm heartbeat`, `/heartbeat`). Throws
   * StaleToken (lease expired or replaced), NoLease, NotHolder. `ttlMs` is
   * local only (GitHub's `/heartbeat` renews for the configured TTL).
   */
  heartbeat(
    task: string,
    token: number,
    options?: CallOptions & { ttlMs?: number },
  ): Promise<HeartbeatResult>
  /**
   * Report progress: `percent` 0–100 and/or a message (`tm progress`,
   * `/progress`). GitHub needs `percent`.
   */
  progress(
    task: string,
    report: { percent?: number | null; message?: string },
    options?: CallOptions,
  ): Promise<ProgressResult>
  /** Complete the task (`tm complete`, `/done [summary]`). Throws CriteriaFailed, StaleToken, … */
  complete(task: string, token: number, options?: CompleteOptions): Promise<CompleteResult>
  /** Alias of {@link AgentClient.complete}. */
  done(task: string, token: number, options?: CompleteOptions): Promise<CompleteResult>
  /**
   * Report failure (`tm fail`, `/fail reason`): retried while attempts
   * remain. `retry: false` (fail now) is local only.
   */
  fail(
    task: string,
    token: number,
    reason: string,
    options?: CallOptions & { retry?: boolean },
  ): Promise<FailResult>
  /** Give the lease back without counting an attempt (`tm release`, `/release`); `reason` local only. */
  release(
    task: string,
    token: number,
    options?: CallOptions & { reason?: string },
  ): Promise<ReleaseResult>
  /**
   * Ask a question (`tm ask`, `/ask @user question`); when the agent holds
   * the lease the task waits and the lease clock pauses. GitHub needs `to`.
   */
  ask(task: string, question: string, options?: CallOptions & { to?: string }): Promise<AskResult>
  /** The task's state (`tm show`; on GitHub the issue and its status comment, no command posted). */
  status(task: string, options?: CallOptions): Promise<StatusResult>
  /** Alias of {@link AgentClient.status}. */
  show(task: string, options?: CallOptions): Promise<StatusResult>
  /** Claimable tasks, most urgent first (`tm ready`; on GitHub open task issues labelled pending). */
  ready(options?: CallOptions & { persona?: string; limit?: number }): Promise<ReadyResult>
  /** Share a value (any JSON value) with everyone on the task (`tm share`, `/share key: value`). */
  share(task: string, key: string, value: unknown, options?: CallOptions): Promise<ShareResult>
  /** The task's merged shared context (`tm context`); local only. */
  context(task: string, options?: CallOptions): Promise<ContextResult>
  /** Release what the client holds open (the database; timers). Idempotent. */
  close(): void
}

/** Codes of {@link ClientError}: the app's own refusals and the transport's failures. */
export const CLIENT_ERROR_CODES = [
  /** The commenter lacks the permission the command needs (the app's refusal). */
  'Forbidden',
  /** The issue is not a task (the app's refusal). */
  'NotATask',
  /** The app did not know the command, or refused its arguments, or could not read the comment. */
  'UnknownCommand',
  'InvalidCommand',
  'UnreadableComment',
  /** Not possible on this transport (e.g. `context` on GitHub), or not carried out by this app. */
  'Unsupported',
  /** No reply within the timeout; the command may still be carried out (retry with the same key). */
  'Timeout',
  /** The caller's signal aborted the call. */
  'Aborted',
  /** GitHub refused a request (HTTP status in `details.status`), or the reply could not be read. */
  'GitHubError',
] as const

/** A {@link ClientError}'s code. */
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number]

/** Every code a client call can reject with. */
export type AnyErrorCode = ErrorCode | ClientErrorCode

/** Options of the local transport (`createLocalClient`). */
export interface LocalClientOptions {
  /** The agent's name: the lease holder (what `--agent` / `TM_AGENT` is to `tm`). */
  agent: string
  /**
   * The task database (default: as `tm` resolves it, `resolveDbPath` —
   * `TM_DB`, else `./.task-orchestrator/tasks.db`). A missing file is `StorageError` (run `tm init`),
   * as in `tm`.
   */
  db?: string
  /** The clock (default: the system's); tests pass a `FakeClock`. */
  clock?: import('../core/clock.js').Clock
}

/** Where the app runs: sets the defaults of the app's login and of the reply timing. */
export type HostingMode = 'server' | 'actions'

/** Options of the GitHub transport (`createGitHubClient`). */
export interface GitHubClientOptions {
  /** The repository, `owner/repo`. Task ids are `owner/repo#number` (or `#number`, this repository). */
  repo: string
  /** A token (`GITHUB_TOKEN`, `gh auth token`); ignored when `octokit` is given. */
  token?: string
  /** GitHub's REST API root (default `https://api.github.com`; GitHub Enterprise: `GITHUB_API_URL`). */
  baseUrl?: string
  /**
   * An Octokit of your own (`@octokit/rest` with `paginate`; tests pass one
   * without retries). Default: `@octokit/rest` with the retry and throttling
   * plugins (a secondary rate limit waits and retries once; a primary one
   * waits up to `timeoutMs`).
   */
  octokit?: unknown
  /**
   * `server` (a GitHub App answering in seconds; default) or `actions` (the
   * Actions-hosted mode, answering after a workflow run: minutes). Sets the
   * defaults of `appLogin`, `maxPollIntervalMs` and `timeoutMs`.
   */
  mode?: HostingMode
  /**
   * The app's login: replies and status comments are read only from
   * comments by this account (with `user.type` `Bot`). Default:
   * `task-orchestrator[bot]` (server; set your app's `<slug>[bot]`),
   * `github-actions[bot]` (actions).
   */
  appLogin?: string
  /** First wait between two polls for a reply, in ms (default 1,000); doubles up to the cap. */
  pollIntervalMs?: number
  /** Longest wait between two polls, in ms (default 10,000 server, 60,000 actions). */
  maxPollIntervalMs?: number
  /** How long a call waits for its reply, in ms (default 120,000 server, 1,800,000 actions). */
  timeoutMs?: number
  /**
   * The issue `/next` is posted on. Default: the dashboard issue (found once
   * by the app's hidden marker, `dashboard.enabled` in the config); without
   * a dashboard, pass one (any task issue works).
   */
  nextIssue?: number
  /** The label marking task issues, for `ready` (default `task`, as the app's config). */
  taskLabel?: string
  /** Wait function for the poll loop (default: timers); tests may pass their own. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}
