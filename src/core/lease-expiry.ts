/**
 * Expired leases (DESIGN.md "Leases"): expiry is judged by the engine's clock
 * only. A sweep returns expired tasks to `pending`, counts an attempt and,
 * after `max_attempts`, marks the task `failed`. With a lock-delay, a task
 * whose lease *expired* stays unclaimable for a grace period (Chubby's
 * lock-delay, Burrows 2006), because a zombie agent may still be pushing
 * work nothing can fence.
 */
import { iso } from './clock.js'
import { appendEvent } from './events.js'
import { endLease } from './lease-end.js'
import { type Ctx, type EngineSettings, settleBlocked, type TaskRow } from './tasks.js'

/** One lease the sweep ended. */
export interface ExpiredLease {
  task: string
  holder: string
  token: number
  expired_at: string
  attempts: number
  status: 'pending' | 'blocked' | 'failed'
}

/**
 * Return every task whose lease expired (by the engine's clock) to the queue,
 * counting an attempt; after `max_attempts` the task becomes `failed`; `only`
 * limits the sweep to one task (its id), or to the tasks whose id starts
 * with `{ scope }` (`owner/repo#`: one repository's on GitHub). Waiting tasks are skipped: their lease clock
 * is paused. With a lock-delay the task stays unclaimable for `lockDelayMs`
 * after the sweep that noticed the expiry: the task's policy's, from
 * `policyOf(task id)` (default: `ctx.settings`), so one sweep over tasks of
 * several policies gives each its own. The lease's time is counted up to its
 * expiry.
 */
export function sweep(
  ctx: Ctx,
  only?: string | { scope: string },
  policyOf?: (task: string) => Pick<EngineSettings, 'lockDelayMs'>,
): ExpiredLease[] {
  const expired =
    typeof only === 'string'
      ? ctx.store.all<TaskRow>(
          `SELECT * FROM tasks WHERE id = ? AND lease_holder IS NOT NULL AND lease_expires_at <= ?
           AND status = 'in_progress'`,
          [only, ctx.now],
        )
      : only
        ? ctx.store.all<TaskRow>(
            `SELECT * FROM tasks WHERE substr(id, 1, length(?)) = ? AND lease_holder IS NOT NULL
           AND lease_expires_at <= ? AND status = 'in_progress' ORDER BY lease_expires_at`,
            [only.scope, only.scope, ctx.now],
          )
        : ctx.store.all<TaskRow>(
            `SELECT * FROM tasks WHERE lease_holder IS NOT NULL AND lease_expires_at <= ?
           AND status = 'in_progress' ORDER BY lease_expires_at`,
            [ctx.now],
          )
  const out: ExpiredLease[] = []
  for (const row of expired) {
    const attempts = row.attempts + 1
    const exhausted = attempts >= row.max_attempts
    const delay = (policyOf?.(row.id) ?? ctx.settings).lockDelayMs
    const seconds = endLease(ctx, row, exhausted ? 'failed' : 'pending', row.lease_expires_at!, {
      attempts,
      claimable_after: !exhausted && delay > 0 ? iso(ctx.nowMs + delay) : null,
    })
    appendEvent(ctx.store, {
      at: ctx.now,
      type: 'lease_expired',
      task_id: row.id,
      actor: row.lease_holder,
      details: {
        token: Number(row.lease_token),
        expired_at: row.lease_expires_at,
        attempts,
        max_attempts: row.max_attempts,
        lease_s: seconds,
      },
    })
    let status: ExpiredLease['status'] = 'failed'
    if (exhausted) {
      appendEvent(ctx.store, {
        at: ctx.now,
        type: 'failed',
        task_id: row.id,
        actor: null,
        details: {
          reason: `lease expired ${attempts} time(s); attempts exhausted — needs a person`,
          attempts,
          max_attempts: row.max_attempts,
        },
      })
    } else {
      status = settleBlocked(ctx, row.id, null) === 'blocked' ? 'blocked' : 'pending'
    }
    out.push({
      task: row.id,
      holder: row.lease_holder!,
      token: Number(row.lease_token),
      expired_at: row.lease_expires_at!,
      attempts,
      status,
    })
  }
  return out
}

/** True when some lease has expired and a sweep would change something. */
export function sweepDue(ctx: Ctx): boolean {
  return (
    ctx.store.get(
      `SELECT 1 FROM tasks WHERE lease_holder IS NOT NULL AND lease_expires_at <= ?
         AND status = 'in_progress' LIMIT 1`,
      [ctx.now],
    ) !== undefined
  )
}
