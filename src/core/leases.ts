/**
 * Leases — the heart of multi-agent safety (DESIGN.md "Leases").
 *
 * A claim is one conditional UPDATE inside `BEGIN IMMEDIATE`: it succeeds only
 * on a `pending` task and hands out a **fencing token** that grows with every
 * grant of the task and is never reused (Kleppmann, "How to do distributed
 * locking", 2016). Heartbeat, release, complete and fail must present the
 * holder and the current token of a *live* lease; a zombie (expired lease,
 * or a newer grant) is refused and changes nothing.
 *
 * Expiry is judged by the engine's clock only; the sweep of expired leases is
 * in `lease-expiry.ts`, the ending of a lease that every path shares in
 * `lease-end.ts` (both re-exported here).
 */
import { requireNoOpenSubtasks, requirePersona } from './claim-rules.js'
import { iso } from './clock.js'
import { TaskError } from './errors.js'
import { appendEvent } from './events.js'
import { endLease } from './lease-end.js'
import type { Lease } from './model.js'
import { MIN_LEASE_TTL_MS, outOfRange } from './settings.js'
import {
  type Ctx,
  requireOpen,
  requireTaskRow,
  settleBlocked,
  type TaskRow,
  unmetDependencies,
} from './tasks.js'

export { endLease } from './lease-end.js'
export { type ExpiredLease, sweep, sweepDue } from './lease-expiry.js'

/** A successful claim: the lease and its fencing token. */
export interface Grant {
  task: string
  lease: Lease
}

/**
 * Resolve a requested TTL (ms) against the command's policy (`ctx.settings`:
 * the default TTL and the maximum). Throws
 * `TaskError('InvalidInput')` naming the allowed range (`lease TTL must be
 * from 1s to 4h; got 5h.`; details `value_ms`, `min_ms`, `max_ms`) when it is
 * under {@link MIN_LEASE_TTL_MS} or over the maximum lease TTL.
 */
export function leaseTtl(ctx: Ctx, ttlMs?: number): number {
  const ttl = ttlMs ?? ctx.settings.leaseTtlMs
  const max = ctx.settings.maxLeaseTtlMs
  if (!Number.isFinite(ttl) || ttl < MIN_LEASE_TTL_MS || ttl > max) {
    throw outOfRange(
      'lease TTL',
      ttl,
      MIN_LEASE_TTL_MS,
      max,
      ttl > max ? 'Heartbeat instead of asking for a longer lease.' : 'e.g. 90s, 30m, 2h.',
    )
  }
  return ttl
}

/** Number of live leases `agent` holds. */
export function leasesHeld(ctx: Ctx, agent: string): number {
  return Number(
    ctx.store.get<{ n: number }>('SELECT count(*) AS n FROM tasks WHERE lease_holder = ?', [agent])
      ?.n ?? 0,
  )
}

/** The agent's lease capacity: registered capacity or the default. */
export function capacityOf(ctx: Ctx, agent: string): number {
  const row = ctx.store.get<{ capacity: number }>('SELECT capacity FROM agents WHERE id = ?', [
    agent,
  ])
  return row?.capacity ?? ctx.settings.defaultCapacity
}

/**
 * Grant `agent` a lease on task `id` for `ttlMs` (default from settings).
 * Refusals: `TaskNotFound`; `LeaseHeld` (details: holder, expires_at);
 * `InvalidTransition` when blocked or finished; `LockDelay` (details:
 * claimable_after); `SubtasksOpen` (details: subtasks) for a parent whose
 * subtasks are open; `PersonaMismatch` (details: persona) when personas are
 * enforced (see `claim-rules.ts`); `AgentAtCapacity`. Callers sweep expired
 * leases first (in the same transaction) so that an expired task is claimable.
 */
export function claim(
  ctx: Ctx,
  id: string,
  agent: string,
  ttlMs?: number,
  /**
   * What the caller already read in this transaction, to skip re-reading it;
   * `assignedBy`: a person granting the lease to `agent` (`maintenance.assign`):
   * recorded on the `claimed` event, and personas are not enforced.
   */
  known: { row?: TaskRow; capacity?: number; assignedBy?: string | null } = {},
): Grant {
  const ttl = leaseTtl(ctx, ttlMs)
  const row = known.row ?? requireTaskRow(ctx.store, id)
  if (row.status === 'in_progress' || row.status === 'waiting') {
    throw new TaskError(
      'LeaseHeld',
      `Task ${id} is held by ${row.lease_holder} until ${row.lease_expires_at}${row.lease_holder === agent ? ' (by you: heartbeat it instead)' : ''}.`,
      { task: id, holder: row.lease_holder, expires_at: row.lease_expires_at },
    )
  }
  requireOpen(row, 'claim')
  if (row.status === 'blocked') {
    const unmet = unmetDependencies(ctx.store, id)
    throw new TaskError(
      'InvalidTransition',
      `Task ${id} is blocked${unmet.length ? ` by unfinished dependencies: ${unmet.join(', ')}` : `: ${row.blocked_reason}`}.`,
      { task: id, dependencies: unmet, reason: row.blocked_reason },
    )
  }
  if (row.claimable_after && row.claimable_after > ctx.now) {
    throw new TaskError(
      'LockDelay',
      `Task ${id}'s last lease expired; it can be claimed again after ${row.claimable_after} (lock-delay).`,
      { task: id, claimable_after: row.claimable_after },
    )
  }
  requireNoOpenSubtasks(ctx, row)
  if (known.assignedBy === undefined) requirePersona(ctx, row, agent)
  const capacity = known.capacity ?? capacityOf(ctx, agent)
  const held = leasesHeld(ctx, agent)
  if (held >= capacity) {
    throw new TaskError(
      'AgentAtCapacity',
      `${agent} already holds ${held} lease(s), its capacity is ${capacity}. Complete or release one first, or register the agent with a larger --capacity.`,
      { agent, held, capacity },
    )
  }
  const expires = iso(ctx.nowMs + ttl)
  const { changes } = ctx.store.run(
    `UPDATE tasks SET status = 'in_progress', lease_holder = @agent,
       lease_token = fencing_seq + 1, fencing_seq = fencing_seq + 1,
       lease_acquired_at = @now, lease_heartbeat_at = @now, lease_expires_at = @expires,
       claimable_after = NULL, assignee = @agent, updated_at = @now
     WHERE id = @id AND status = 'pending'`,
    { agent, now: ctx.now, expires, id },
  )
  if (changes !== 1) throw new TaskError('LeaseHeld', `Task ${id} was claimed concurrently.`)
  const token = row.fencing_seq + 1
  touchAgent(ctx, agent)
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'claimed',
    task_id: id,
    actor: agent,
    details: {
      token,
      expires_at: expires,
      ttl_s: ttl / 1000,
      ...(known.assignedBy !== undefined ? { assigned_by: known.assignedBy } : {}),
    },
  })
  return {
    task: id,
    lease: {
      holder: agent,
      token,
      acquired_at: ctx.now,
      heartbeat_at: ctx.now,
      expires_at: expires,
    },
  }
}

function touchAgent(ctx: Ctx, agent: string): void {
  ctx.store.run('UPDATE agents SET last_seen_at = ? WHERE id = ?', [ctx.now, agent])
}

/** What a lease operation is called in messages: `heartbeat`, `release`, … */
export type LeaseOperation = 'heartbeat' | 'release' | 'complete' | 'fail'

/**
 * The refusal of a lease operation (heartbeat, release, complete, fail — on
 * GitHub also `/done` before the gate is asked) on task `id`, which nobody
 * holds: `NoLease`, details `{ task, status }`. The message fits the status:
 * a finished task (completed, failed, cancelled) has nothing to `operation`
 * (no "claim it first": it cannot be claimed); a blocked one can be claimed
 * once unblocked; a pending one must be claimed first.
 */
export function noLease(id: string, status: string, operation?: LeaseOperation): TaskError {
  const finished = status === 'completed' || status === 'failed' || status === 'cancelled'
  const message = finished
    ? `Task ${id} is ${status}: it has no lease, so there is nothing to ${operation ?? 'do under a lease'}.`
    : status === 'blocked'
      ? `Task ${id} is blocked and not leased to anyone; it can be claimed once it is unblocked.`
      : `Task ${id} is ${status} and not leased to anyone; claim it first.`
  return new TaskError('NoLease', message, { task: id, status })
}

/**
 * Check that `agent` holds a live lease on `id` with fencing token `token`.
 * Throws `NoLease` (nobody holds it), `NotHolder` (someone else does),
 * `UnknownToken` (a token greater than the lease's: never issued for this
 * task — a token from another task or database, not a lost lease),
 * `StaleToken` (a token of an earlier lease: the message names the token of
 * the lease the caller holds now, which is fine — or the lease expired).
 * `operation` words the `NoLease` message. Returns the row.
 */
export function requireLease(
  ctx: Ctx,
  id: string,
  agent: string,
  token: number,
  operation?: LeaseOperation,
): TaskRow {
  const row = requireTaskRow(ctx.store, id)
  if (row.lease_holder === null) throw noLease(id, row.status, operation)
  if (row.lease_holder !== agent) {
    throw new TaskError('NotHolder', `Task ${id} is leased to ${row.lease_holder}, not ${agent}.`, {
      task: id,
      holder: row.lease_holder,
    })
  }
  // Tokens grow with every grant, and the live lease holds the newest one.
  if (token > Number(row.lease_token)) {
    throw new TaskError(
      'UnknownToken',
      `Fencing token ${token} was never issued for task ${id}; the lease's token is ${row.lease_token}. Use the token your claim printed for this task (\`tm show ${id}\` shows the lease).`,
      { task: id, token, current: Number(row.lease_token) },
    )
  }
  // An older token, from the holder itself (another agent got `NotHolder`):
  // the lease it names ended, but the caller holds the task now under a newer
  // grant — a mistyped or outdated token, not a lost lease.
  if (Number(row.lease_token) !== token) {
    throw new TaskError(
      'StaleToken',
      `Fencing token ${token} is from an earlier lease on task ${id}; the lease you (${agent}) hold now has token ${row.lease_token}, granted at ${row.lease_acquired_at}. Use token ${row.lease_token}; only a process still working under token ${token} should stop.`,
      {
        task: id,
        token,
        current: Number(row.lease_token),
        holder: agent,
        acquired_at: row.lease_acquired_at,
      },
    )
  }
  // A paused lease (the task is `waiting`) does not expire: its clock stopped.
  if (row.lease_paused_at === null && row.lease_expires_at! <= ctx.now) {
    throw new TaskError(
      'StaleToken',
      `The lease on task ${id} (token ${token}) expired at ${row.lease_expires_at}; it will be returned to the queue. Claim it again if it is still pending.`,
      { task: id, token, expired_at: row.lease_expires_at },
    )
  }
  return row
}

/**
 * Extend a live lease to now + TTL. Returns the renewed lease. On a
 * `waiting` task the lease clock is paused: the heartbeat is a no-op (no
 * change, no event) returning the lease with `paused` set, so an agent's
 * heartbeat loop keeps running while it waits for an answer.
 */
export function heartbeat(
  ctx: Ctx,
  id: string,
  agent: string,
  token: number,
  ttlMs?: number,
): Lease {
  const ttl = leaseTtl(ctx, ttlMs)
  const row = requireLease(ctx, id, agent, token, 'heartbeat')
  if (row.lease_paused_at !== null) {
    return {
      holder: agent,
      token,
      acquired_at: row.lease_acquired_at!,
      heartbeat_at: row.lease_heartbeat_at!,
      expires_at: row.lease_expires_at!,
      paused: { at: row.lease_paused_at, remaining_ms: Number(row.lease_remaining_ms ?? 0) },
    }
  }
  const expires = iso(ctx.nowMs + ttl)
  ctx.store.run(
    'UPDATE tasks SET lease_heartbeat_at = ?, lease_expires_at = ?, updated_at = ? WHERE id = ?',
    [ctx.now, expires, ctx.now, id],
  )
  touchAgent(ctx, agent)
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'heartbeat',
    task_id: id,
    actor: agent,
    details: { token, expires_at: expires },
  })
  return {
    holder: agent,
    token,
    acquired_at: row.lease_acquired_at!,
    heartbeat_at: ctx.now,
    expires_at: expires,
  }
}

/** Give a lease back without counting an attempt; the task returns to the queue. */
export function release(ctx: Ctx, id: string, agent: string, token: number, reason?: string): void {
  const row = requireLease(ctx, id, agent, token, 'release')
  const seconds = endLease(ctx, row, 'pending', ctx.now)
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'released',
    task_id: id,
    actor: agent,
    details: { token, lease_s: seconds, ...(reason ? { reason } : {}) },
  })
  settleBlocked(ctx, id, agent)
}

/** Outcome of {@link fail}: whether the task will be retried. */
export interface FailOutcome {
  status: 'pending' | 'failed'
  attempts: number
  max_attempts: number
}

/**
 * The holder reports failure. Counts an attempt; the task returns to
 * `pending` for another try while `attempts < max_attempts` (and `retry` is
 * not false), else becomes `failed` and needs a person.
 */
export function fail(
  ctx: Ctx,
  id: string,
  agent: string,
  token: number,
  reason: string,
  retry = true,
): FailOutcome {
  const row = requireLease(ctx, id, agent, token, 'fail')
  const attempts = row.attempts + 1
  const status = retry && attempts < row.max_attempts ? 'pending' : 'failed'
  const seconds = endLease(ctx, row, status, ctx.now, { attempts })
  appendEvent(ctx.store, {
    at: ctx.now,
    type: status === 'failed' ? 'failed' : 'retry_scheduled',
    task_id: id,
    actor: agent,
    details: { token, reason, attempts, max_attempts: row.max_attempts, lease_s: seconds },
  })
  if (status === 'pending') settleBlocked(ctx, id, agent)
  return { status, attempts, max_attempts: row.max_attempts }
}
