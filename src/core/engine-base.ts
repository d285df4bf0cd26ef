/**
 * The engine's foundation: the store, the clock, the default lease policy,
 * and the two ways in — {@link EngineBase.write} (one `BEGIN IMMEDIATE`
 * transaction with one "now") and {@link EngineBase.read}. The commands live
 * in the classes built on it: `engine-collaboration.ts` (participants,
 * progress, feedback, shared context, notes, questions, approval, archive,
 * export) and `engine.ts` (tasks, dependencies, leases, completion, agents,
 * events, metrics, import), which is the `Engine` every front door uses.
 *
 * The lease policy travels with each command: a command that depends on it
 * (claim, heartbeat, sweep, add …) takes a `policy` argument and runs its
 * transaction with it, so one engine serves several policies at once (the
 * GitHub app: one per repository) and nothing a command passes outlives it.
 * Without one, the engine's own {@link EngineBase.settings} apply (`tm`: the
 * policy `tm init` saved in the database).
 */
import { type Clock, iso, systemClock } from './clock.js'
import type { Store } from './db/store.js'
import { readSettings, writeSettings } from './settings.js'
import { type Ctx, DEFAULT_SETTINGS, type EngineSettings } from './tasks.js'

/** A lease and retry policy as a command receives it; never changed by the engine. */
export type LeasePolicy = Readonly<EngineSettings>

/** Store, clock, default policy and transactions; see the module comment. */
export class EngineBase {
  readonly store: Store
  readonly clock: Clock
  private policy: LeasePolicy

  /**
   * @param store an open, migrated store (`openStore`)
   * @param options clock (default: system) and settings overriding those
   *   saved in the database by `tm init`
   */
  constructor(store: Store, options: { clock?: Clock; settings?: Partial<EngineSettings> } = {}) {
    this.store = store
    this.clock = options.clock ?? systemClock
    this.policy = Object.freeze({
      ...DEFAULT_SETTINGS,
      ...readSettings(store),
      ...options.settings,
    })
  }

  /**
   * The default lease policy: for commands given none (frozen; durations in
   * ms). Only {@link EngineBase.configure} replaces it.
   */
  get settings(): LeasePolicy {
    return this.policy
  }

  private ctx(policy: LeasePolicy): Ctx {
    const nowMs = this.clock.now()
    return { store: this.store, nowMs, now: iso(nowMs), settings: policy }
  }

  /**
   * Run `fn` in one write transaction with a fresh context; `policy` (default
   * {@link EngineBase.settings}) is the context's `settings`.
   */
  write<T>(fn: (ctx: Ctx) => T, policy: LeasePolicy = this.policy): T {
    return this.store.write(() => fn(this.ctx(policy)))
  }

  /** Run `fn` in one read transaction with a fresh context (`policy` as for {@link write}). */
  read<T>(fn: (ctx: Ctx) => T, policy: LeasePolicy = this.policy): T {
    return this.store.read(() => fn(this.ctx(policy)))
  }

  /**
   * Save lease/retry settings in the database (used by `tm init`) and make
   * them the default policy; returns a copy of it. Throws
   * `TaskError('InvalidInput')` (see `settings.checkSettings`) and changes
   * nothing when the policy they make is out of range.
   */
  configure(settings: Partial<EngineSettings>): EngineSettings {
    this.write((ctx) => writeSettings(ctx.store, settings))
    const defined = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined))
    this.policy = Object.freeze({ ...this.policy, ...defined })
    return { ...this.policy }
  }
}
