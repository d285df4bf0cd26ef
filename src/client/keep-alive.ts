/**
 * Keep-alive: heartbeat a lease in the background while the agent works,
 * and tell the agent at once when the lease is lost, so it stops working on
 * a task it no longer holds (DESIGN "Leases"; Kleppmann 2016 on why the
 * holder must stop: a fencing token only protects what checks it).
 *
 * ```ts
 * const grant = await client.claim('octo/api#12')
 * const alive = keepAlive(client, { task: grant.task, token: grant.lease.token, ttlMs: 30 * 60_000 })
 * alive.on('lost', (err) => console.error(`lease lost: ${err.code}`))
 * await doTheWork({ signal: alive.signal })  // aborted the moment the lease is lost
 * await alive.stop()
 * await client.complete(grant.task, grant.lease.token)
 * ```
 *
 * Timers are the global `setTimeout`/`clearTimeout` and time is `Date.now()`,
 * so vitest's fake timers drive it in tests.
 */
import { EventEmitter } from 'node:events'
import { TaskError } from '../core/errors.js'
import { timerMs } from './github/exchange.js'
import type { AgentClient, ClientLease } from './types.js'

/** Refusals of a heartbeat that mean the lease is gone (the agent must stop). */
export const LEASE_LOST_CODES: ReadonlySet<string> = new Set([
  'StaleToken',
  'NoLease',
  'NotHolder',
  'UnknownToken',
  'TaskNotFound',
  'InvalidTransition',
  'Forbidden',
])

/** Options of {@link keepAlive}. */
export interface KeepAliveOptions {
  /** The task id and the fencing token of the lease (from `claim` or `next`). */
  task: string
  token: number
  /** The lease's TTL in ms (the claim's `ttlMs`, or the policy's: 30 minutes by default). */
  ttlMs: number
  /**
   * Heartbeat every `ttlMs × fraction` (default 1/3: two heartbeats may be
   * missed before the lease expires). From 0.05 to 0.9.
   */
  fraction?: number
}

/** Events of a {@link KeepAlive}. */
export interface KeepAliveEvents {
  /** A heartbeat succeeded; the lease as it now stands. */
  heartbeat: [lease: ClientLease]
  /** The lease is lost (fired once; `signal` is aborted with the same error). */
  lost: [error: Error]
  /** A heartbeat failed for a reason that does not end the lease (timeout, GitHub error); retried at the next beat. */
  error: [error: Error]
}

/** A running keep-alive; see {@link keepAlive}. */
export interface KeepAlive extends EventEmitter<KeepAliveEvents> {
  /** Aborted (with the error as its `reason`) the moment the lease is lost; never by `stop()`. */
  readonly signal: AbortSignal
  /** The error that ended the lease, or null. */
  readonly lost: Error | null
  /** The lease after the last successful heartbeat, or null before the first. */
  readonly lease: ClientLease | null
  /** Heartbeats sent and succeeded so far. */
  readonly beats: number
  /** Stop heartbeating (an in-flight heartbeat is abandoned, not undone). Idempotent. */
  stop(): Promise<void>
}

class Runner extends EventEmitter<KeepAliveEvents> implements KeepAlive {
  private readonly controller = new AbortController()
  private readonly inFlight = new AbortController()
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private expiresAtMs: number
  lost: Error | null = null
  lease: ClientLease | null = null
  beats = 0

  constructor(
    private readonly client: AgentClient,
    private readonly options: Required<KeepAliveOptions>,
  ) {
    super()
    // The expiry as this machine's clock sees it: the lease was granted before now.
    this.expiresAtMs = Date.now() + options.ttlMs
    this.schedule()
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  private get intervalMs(): number {
    return Math.max(1, Math.round(this.options.ttlMs * this.options.fraction))
  }

  private schedule(): void {
    if (this.stopped || this.lost) return
    // Never later than the expiry: a lease whose expiry passes is checked then.
    // timerMs: a wait past 2^31 − 1 ms would fire at once (a heartbeat per request).
    const wait = timerMs(Math.min(this.intervalMs, this.expiresAtMs - Date.now()))
    this.timer = setTimeout(() => {
      this.running = this.beat()
    }, wait)
  }

  private async beat(): Promise<void> {
    if (this.stopped || this.lost) return
    if (Date.now() >= this.expiresAtMs) {
      // The expiry passed while heartbeats failed: the lease is gone.
      return this.lose(
        new TaskError(
          'StaleToken',
          `The lease on ${this.options.task} (token ${this.options.token}) expired (${this.options.ttlMs} ms after the last successful heartbeat) without another one; stop working on the task.`,
          { task: this.options.task, token: this.options.token },
        ),
      )
    }
    const startedAt = Date.now()
    try {
      const { lease } = await this.client.heartbeat(this.options.task, this.options.token, {
        signal: this.inFlight.signal,
        timeoutMs: this.intervalMs,
      })
      if (this.stopped) return
      this.beats++
      this.lease = lease
      // Not the server's expires_at: clocks differ. The server extended the
      // lease after this beat started, so this is never later than its expiry.
      this.expiresAtMs = startedAt + this.options.ttlMs
      this.emit('heartbeat', lease)
    } catch (err) {
      if (this.stopped) return
      const code = (err as { code?: unknown }).code
      if (typeof code === 'string' && LEASE_LOST_CODES.has(code)) return this.lose(err as Error)
      if (this.listenerCount('error') > 0) this.emit('error', err as Error)
    }
    this.schedule()
  }

  private lose(err: Error): void {
    if (this.lost) return
    this.lost = err
    clearTimeout(this.timer)
    this.controller.abort(err)
    this.emit('lost', err)
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.timer)
    this.inFlight.abort(new Error('keep-alive stopped'))
    await this.running?.catch(() => undefined)
  }
}

/**
 * Start heartbeating `options.task` with `client` every `ttlMs × fraction`
 * ms (the first one after one interval). A refusal that ends the lease
 * (`StaleToken`, `NoLease`, `NotHolder`, … see {@link LEASE_LOST_CODES}),
 * or the lease's expiry passing without a successful heartbeat, aborts
 * `signal` and emits `lost` at once, and heartbeats stop. Other failures
 * (a timeout, GitHub unavailable) emit `error` and are retried at the next
 * beat. Throws `InvalidInput` on a bad `ttlMs` or `fraction`.
 */
export function keepAlive(client: AgentClient, options: KeepAliveOptions): KeepAlive {
  const fraction = options.fraction ?? 1 / 3
  if (!(options.ttlMs > 0) || !Number.isFinite(options.ttlMs))
    throw new TaskError(
      'InvalidInput',
      `keepAlive: ttlMs must be a positive number of ms; got ${options.ttlMs}.`,
    )
  if (!(fraction >= 0.05 && fraction <= 0.9))
    throw new TaskError(
      'InvalidInput',
      `keepAlive: fraction must be from 0.05 to 0.9; got ${fraction}.`,
    )
  return new Runner(client, { ...options, fraction })
}
