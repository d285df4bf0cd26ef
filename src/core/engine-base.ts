/**
 * The engine's foundation: the store, the clock, the settings, and the two
 * ways in — {@link EngineBase.write} (one `BEGIN IMMEDIATE` transaction with
 * one "now") and {@link EngineBase.read}. The commands live in the classes
 * built on it: `engine-collaboration.ts` (participants, progress, feedback,
 * shared context, notes, questions, approval, archive, export) and
 * `engine.ts` (tasks, dependencies, leases, completion, agents, events,
 * metrics, import), which is the `Engine` every front door uses.
 */
import { type Clock, iso, systemClock } from './clock.js'
import type { Store } from './db/store.js'
import { readSettings, writeSettings } from './settings.js'
import { type Ctx, DEFAULT_SETTINGS, type EngineSettings } from './tasks.js'

/** Store, clock, settings and transactions; see the module comment. */
export class EngineBase {
  readonly store: Store
  readonly clock: Clock
  readonly settings: EngineSettings

  /**
   * @param store an open, migrated store (`openStore`)
   * @param options clock (default: system) and settings overriding those
   *   saved in the database by `tm init`
   */
  constructor(store: Store, options: { clock?: Clock; settings?: Partial<EngineSettings> } = {}) {
    this.store = store
    this.clock = options.clock ?? systemClock
    this.settings = { ...DEFAULT_SETTINGS, ...readSettings(store), ...options.settings }
  }

  private ctx(): Ctx {
    const nowMs = this.clock.now()
    return { store: this.store, nowMs, now: iso(nowMs), settings: this.settings }
  }

  /** Run `fn` in one write transaction with a fresh context. */
  write<T>(fn: (ctx: Ctx) => T): T {
    return this.store.write(() => fn(this.ctx()))
  }

  /** Run `fn` in one read transaction with a fresh context. */
  read<T>(fn: (ctx: Ctx) => T): T {
    return this.store.read(() => fn(this.ctx()))
  }

  /** Save lease/retry settings in the database (used by `tm init`). */
  configure(settings: Partial<EngineSettings>): EngineSettings {
    this.write((ctx) => writeSettings(ctx.store, settings))
    Object.assign(this.settings, settings)
    return this.settings
  }
}
