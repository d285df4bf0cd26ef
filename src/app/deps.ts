/**
 * What the app's handlers may touch, named (issue 11: "handlers take only
 * what they need"). {@link AppDeps} lists every service the handlers of
 * comments, issues and pushes use — the engine, the app's bookkeeping, the
 * clock, the repository's config and lease policy, the permission lookup,
 * the completion gate and the mirror's writer — and each handler or
 * executor declares the few it reads as a `Pick<AppDeps, …>` in its
 * signature, so a reader sees from the signature what it touches.
 *
 * {@link appDeps} builds them once over the runtime (src/app/runtime.ts);
 * the Probot wiring (src/app/index.ts) hands them to the handlers. The
 * services that live in modules of their own (publish, the status comment,
 * the gate, tracking an issue) are bound here to the runtime they run on.
 */
import type { Clock } from '../core/clock.js'
import type { Engine } from '../core/engine.js'
import type { LeasePolicy } from '../core/engine-base.js'
import type { ExpiredLease } from '../core/leases.js'
import type { Config } from '../github/config.js'
import type { Outcome } from '../github/markers.js'
import type { PermissionLevel } from '../github/permissions.js'
import { answeredOnGitHub } from './answered.js'
import { postExpiryNotice } from './background.js'
import { decideGate, type GateDecision } from './gate.js'
import type { GateState, PullRequestRecord } from './gate-state.js'
import { gateOnClose } from './handlers/gate-events.js'
import { type Changes, markChanges, publish } from './publish.js'
import type { AppRuntime, Octokit, RepoRef } from './runtime.js'
import type { AppState, IssueRecord } from './state.js'
import { readSubIssues } from './sub-issues.js'
import { flushStatus } from './sync.js'
import { type IssuePayload, type SyncResult, syncTaskFromIssue } from './tasks-from-issues.js'

/** The mirror's writer (src/app/reconcile.ts), as handlers reach it. */
export interface Mirror {
  /**
   * Record `changes` for the mirror in the caller's transaction (dirty
   * marks, new accepted bodies); returns the issues marked. See `markChanges`.
   */
  mark(changes: Changes): Set<string>
  /**
   * Mark `changes` and bring the touched issues of `repo` (`owner/repo`) in
   * line now; returns the requests sent, throws the first failure (those
   * issues stay dirty for the flush). See `publish`.
   */
  publish(octokit: Octokit, config: Config, repo: string, changes: Changes): Promise<number>
  /** Create or refresh the task's status comment; true when GitHub was written. See `flushStatus`. */
  statusComment(octokit: Octokit, record: IssueRecord): Promise<boolean>
  /** Tell issue `number` of `r` that `expired` ran out (the ⏰ notice of the sweep). */
  expiryNotice(octokit: Octokit, expired: ExpiredLease, r: RepoRef, number: number): Promise<void>
}

/** Every service the handlers of comments, issues and pushes use; each takes a `Pick` of it. */
export interface AppDeps {
  /** The engine: the only code that changes tasks. */
  engine: Engine
  /** The app's bookkeeping: issue records, comments handled, replies owed, caches. */
  state: AppState
  /** What the completion gate recorded (pull requests, verdicts, confirmations). */
  gate: GateState
  /** The engine's clock. */
  clock: Clock
  /** GitHub Enterprise Server host for issue references, or undefined for github.com. */
  host: string | undefined
  /** The clock's time as ISO-8601 UTC. */
  now(): string
  /** The task id of issue `number` of `r`: `owner/repo#number`. */
  taskId(r: RepoRef, number: number): string
  /** `owner/repo`. */
  repoKey(r: RepoRef): string
  /**
   * The repository's config (cached; read from `.github/task-orchestrator.yml`
   * when unknown or `refresh`), and the error of a broken file (the last
   * good config is returned). See `AppRuntime.config`.
   */
  config(
    octokit: Octokit,
    r: RepoRef,
    refresh?: boolean,
  ): Promise<{ config: Config; error: string | null }>
  /** The repository permission of `login` (collaborator permission API, cached; 404 is `none`). */
  permission(octokit: Octokit, r: RepoRef, login: string): Promise<PermissionLevel>
  /** The lease policy of a repository's config, passed with each engine command. */
  policy(config: Config): LeasePolicy
  /** Comments answered on GitHub that this state has no record of (re-applied quietly). */
  answeredElsewhere: Set<number>
  /** The `/next` outcomes of those answers, by comment id (re-applied, never chosen again). */
  answeredNext: Map<number, Outcome[]>
  /** True when the app's reply to `comment` is on issue `issue` already (one listing request). */
  answeredOnGitHub(
    octokit: Octokit,
    r: RepoRef,
    issue: number,
    comment: { id: number; created_at: string },
  ): Promise<boolean>
  /** The completion gate's decision for a task, from what the app recorded (no request). */
  decideGate(taskId: string, config: Config, canOverride: boolean): GateDecision
  /**
   * A task closed by `closer` (`via`: who or what closed it, for the reply)
   * goes through the completion gate: completed, or set back with a reply.
   * See `gateOnClose` in src/app/handlers/gate-events.ts.
   */
  gateOnClose(
    octokit: Octokit,
    r: RepoRef,
    taskId: string,
    config: Config,
    closer: string,
    via: string,
    pullRequest?: PullRequestRecord,
  ): Promise<void>
  /**
   * Read an issue into its task (create it, or apply the body, labels and
   * state); see `syncTaskFromIssue` in src/app/tasks-from-issues.ts.
   */
  syncTask(
    r: RepoRef,
    issue: IssuePayload,
    config: Config,
    installationId: number | null,
    actor: string,
  ): SyncResult
  /** Read a task's sub-issues into its subtasks; returns the subtasks' ids. */
  readSubIssues(octokit: Octokit, r: RepoRef, taskId: string): Promise<string[]>
  /** The mirror's writer. */
  mirror: Mirror
}

/** The services of {@link AppDeps} over the runtime `rt` (one per app). */
export function appDeps(rt: AppRuntime): AppDeps {
  return {
    engine: rt.engine,
    state: rt.state,
    gate: rt.gate,
    clock: rt.clock,
    host: rt.host,
    now: () => rt.now(),
    taskId: (r, number) => rt.taskId(r, number),
    repoKey: (r) => rt.repoKey(r),
    config: (octokit, r, refresh) => rt.config(octokit, r, refresh),
    permission: (octokit, r, login) => rt.permission(octokit, r, login),
    policy: (config) => rt.policy(config),
    answeredElsewhere: rt.answeredElsewhere,
    answeredNext: rt.answeredNext,
    answeredOnGitHub: (octokit, r, issue, comment) =>
      answeredOnGitHub(rt, octokit, r, issue, comment),
    decideGate: (taskId, config, canOverride) => decideGate(rt, taskId, config, canOverride),
    gateOnClose: (octokit, r, taskId, config, closer, via, pullRequest) =>
      gateOnClose(rt, octokit, r, taskId, config, closer, via, pullRequest),
    syncTask: (r, issue, config, installationId, actor) =>
      syncTaskFromIssue(rt, r, issue, config, installationId, actor),
    readSubIssues: (octokit, r, taskId) => readSubIssues(octokit, rt, r, taskId),
    mirror: {
      mark: (changes) => markChanges(rt, changes),
      publish: (octokit, config, repo, changes) => publish(octokit, rt, config, repo, changes),
      statusComment: (octokit, record) => flushStatus(octokit, rt, record),
      expiryNotice: (octokit, expired, r, number) =>
        postExpiryNotice(octokit, rt, expired, r, number),
    },
  }
}
