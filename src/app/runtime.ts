/**
 * What every handler of the GitHub app shares: the engine, the app's
 * bookkeeping, the clock, the repository config (cached) and the permission
 * lookup (cached). One instance per app process, serving every repository of
 * every installation: a repository's lease policy is passed to the engine
 * with each command ({@link AppRuntime.policy}, {@link AppRuntime.policyOf}),
 * never stored on the shared engine.
 */
import type { Context } from 'probot'
import { type Clock, iso, systemClock } from '../core/clock.js'
import type { Engine } from '../core/engine.js'
import type { LeasePolicy } from '../core/engine-base.js'
import { isTaskError } from '../core/errors.js'
import { githubTaskId } from '../core/model.js'
import {
  CONFIG_PATH,
  type Config,
  DEFAULT_CONFIG,
  durationMs,
  engineSettings,
  parseConfig,
} from '../github/config.js'
import type { Outcome } from '../github/markers.js'
import { type PermissionLevel, permissionFromApi } from '../github/permissions.js'
import { GateState } from './gate-state.js'
import { AppState } from './state.js'

/** An authenticated Octokit as Probot gives handlers. */
export type Octokit = Context['octokit']

/** The repository an event is about. */
export interface RepoRef {
  owner: string
  repo: string
}

export interface AppOptions {
  engine: Engine
  clock?: Clock
  /** GitHub Enterprise Server host, for issue URLs in bodies and comments. */
  host?: string
  /** How long a looked-up repository permission is trusted (default 10 min). */
  permissionCacheMs?: number
  /**
   * The login the app posts its replies as, when known up front
   * (`github-actions[bot]` with a workflow's token, the default of the
   * catch-up in src/app/catch-up.ts): only reply markers in its comments
   * count as answers.
   */
  appLogin?: string
}

/** Shared state and services of the app. */
export class AppRuntime {
  readonly engine: Engine
  readonly state: AppState
  /** What the completion gate recorded (verdicts, pull requests, confirmations). */
  readonly gate: GateState
  readonly clock: Clock
  readonly host: string | undefined
  private readonly permissionCacheMs: number
  private readonly configs = new Map<string, Config>()
  /** The lease policy of each config object (see {@link AppRuntime.policy}). */
  private readonly policies = new WeakMap<Config, LeasePolicy>()
  /** Tasks whose status comment is being created right now (no second one meanwhile). */
  readonly creatingStatus = new Set<string>()
  private readonly agentsApplied = new Map<string, string>()
  /**
   * Comments the app already answered on GitHub although this database has
   * no record of them (a run whose state was lost: see src/app/catch-up.ts).
   * Their commands are re-applied without a second reaction or reply.
   */
  readonly answeredElsewhere = new Set<number>()
  /**
   * The `/next` outcomes of such answers, by comment id, in the comment's
   * order (read from the app's own replies, src/app/answered.ts): a `/next`
   * answered elsewhere is re-applied as the grant its reply names, never
   * chosen a second time (src/app/next.ts).
   */
  readonly answeredNext = new Map<number, Outcome[]>()
  /** See {@link AppOptions.appLogin}; undefined when not given. */
  readonly appLogin: string | undefined

  constructor(options: AppOptions) {
    this.engine = options.engine
    this.state = new AppState(options.engine.store)
    this.gate = new GateState(options.engine.store)
    this.clock = options.clock ?? systemClock
    this.host = options.host
    this.permissionCacheMs = options.permissionCacheMs ?? 10 * 60_000
    this.appLogin = options.appLogin
  }

  /** The engine's time as ISO-8601. */
  now(): string {
    return iso(this.clock.now())
  }

  /** `owner/repo`. */
  repoKey(r: RepoRef): string {
    return `${r.owner}/${r.repo}`
  }

  /** The task id of an issue. */
  taskId(r: RepoRef, number: number): string {
    return githubTaskId(r.owner, r.repo, number)
  }

  /**
   * The repository's config. Read from `.github/task-orchestrator.yml` once
   * and cached (in memory and in the database) until a push changes it, so a
   * command costs no extra API call. A broken file keeps the last good config
   * (or the defaults) and returns the error for the caller to report.
   */
  async config(
    octokit: Octokit,
    r: RepoRef,
    refresh = false,
  ): Promise<{ config: Config; error: string | null }> {
    const key = this.repoKey(r)
    const known = refresh ? null : this.knownConfig(key)
    if (known) {
      this.registerAgents(known)
      return { config: known, error: this.state.repo(key).config_error }
    }
    const saved = this.state.repo(key)
    let text = ''
    try {
      const { data } = await octokit.rest.repos.getContent({
        owner: r.owner,
        repo: r.repo,
        path: CONFIG_PATH,
      })
      if (!Array.isArray(data) && data.type === 'file' && 'content' in data) {
        text = Buffer.from(data.content, 'base64').toString('utf8')
      }
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err
    }
    try {
      const config = parseConfig(text)
      this.configs.set(key, config)
      this.state.saveRepo(key, this.now(), { config: text, config_error: null })
      this.registerAgents(config)
      return { config, error: null }
    } catch (err) {
      if (!isTaskError(err)) throw err
      const last =
        saved.config !== null ? parseConfig(saved.config) : structuredClone(DEFAULT_CONFIG)
      this.configs.set(key, last)
      this.registerAgents(last)
      this.state.saveRepo(key, this.now(), { config_error: err.message })
      return { config: last, error: err.message }
    }
  }

  /**
   * The config of repository `key` (`owner/repo`) known without a request:
   * cached in memory, or saved in the database (then cached); null when the
   * app has not read it yet.
   */
  private knownConfig(key: string): Config | null {
    const cached = this.configs.get(key)
    if (cached) return cached
    const saved = this.state.repo(key).config
    if (saved === null) return null
    const config = parseConfig(saved)
    this.configs.set(key, config)
    return config
  }

  /**
   * The lease policy of `config` for the engine: its `lease` section (TTL,
   * maximum TTL, lock-delay, max attempts, personas enforced; durations in
   * ms) over the engine's defaults (the default capacity). Pass it with every
   * engine command that depends on it (claim, heartbeat, add …); the same
   * object for the same config (frozen).
   */
  policy(config: Config): LeasePolicy {
    let policy = this.policies.get(config)
    if (!policy) {
      policy = Object.freeze({ ...this.engine.settings, ...engineSettings(config) })
      this.policies.set(config, policy)
    }
    return policy
  }

  /**
   * The lease policy of task `taskId` (`owner/repo#number`): its
   * repository's config as far as known without a request (see
   * {@link AppRuntime.config}), else the defaults of an absent config. For
   * work that spans repositories — the sweep — and tasks of another
   * repository than the event's. Never throws: a saved config that no longer
   * parses counts as absent.
   */
  policyOf(taskId: string): LeasePolicy {
    const hash = taskId.lastIndexOf('#')
    let config: Config | null = null
    if (hash > 0) {
      try {
        config = this.knownConfig(taskId.slice(0, hash))
      } catch (err) {
        if (!isTaskError(err)) throw err
      }
    }
    return this.policy(config ?? DEFAULT_CONFIG)
  }

  /**
   * Register the agents `config` lists with their personas and capacity
   * (only those changed since the last registration).
   */
  private registerAgents(config: Config): void {
    for (const agent of config.agents) {
      const known = this.agentsApplied.get(agent.login.toLowerCase())
      const wanted = JSON.stringify([agent.personas, agent.capacity])
      if (known === wanted) continue
      this.engine.registerAgent(
        { id: agent.login, personas: agent.personas, capacity: agent.capacity },
        'config',
      )
      this.agentsApplied.set(agent.login.toLowerCase(), wanted)
    }
  }

  /** The shortest `lease.sweep_interval` among the repositories seen (default one minute). */
  sweepIntervalMs(): number {
    const intervals = [...this.configs.values()].map((c) => durationMs(c.lease.sweep_interval))
    return Math.max(1000, Math.min(60_000, ...intervals))
  }

  /**
   * The repository permission of `login`, from the collaborator permission API
   * (never from `author_association`), cached for a while.
   */
  async permission(octokit: Octokit, r: RepoRef, login: string): Promise<PermissionLevel> {
    const key = this.repoKey(r)
    const since = iso(this.clock.now() - this.permissionCacheMs)
    const cached = this.state.cachedPermission(key, login, since)
    if (cached) return cached as PermissionLevel
    let level: PermissionLevel = 'none'
    try {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
        owner: r.owner,
        repo: r.repo,
        username: login,
      })
      level = permissionFromApi(data)
    } catch (err) {
      // 404: not a collaborator (or a bot that cannot be looked up): no permission.
      if ((err as { status?: number }).status !== 404) throw err
    }
    this.state.savePermission(key, login, level, this.now())
    return level
  }
}
