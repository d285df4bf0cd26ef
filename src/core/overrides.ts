/**
 * What a person may do outside the lease protocol: close a task by hand
 * (completed or cancelled), reopen it, and revoke someone else's lease. No
 * fencing token is needed — the front door decides who may (on GitHub: a
 * maintainer, or whoever closed the issue by hand; the app never fights a
 * person). Each is one transaction with its events, like every command.
 */
import { TaskError } from './errors.js'
import { appendEvent } from './events.js'
import { dependentsOf, handOver } from './graph.js'
import { endLease } from './leases.js'
import { FINAL_STATUSES } from './model.js'
import { type Ctx, requireTaskRow, settleBlocked, type TaskRow } from './tasks.js'

/** How a person closed a task: done, or not planned. */
export type Closing = 'completed' | 'cancelled'

/**
 * Close task `id` by hand. A live lease ends without counting an attempt.
 * `completed` records the summary, hands it to dependents and unblocks them
 * (success criteria are not evaluated: a person decided); `cancelled` leaves
 * dependents blocked. Closing a task that is already in that status changes
 * nothing and returns false.
 */
export function closeByPerson(
  ctx: Ctx,
  id: string,
  closing: Closing,
  actor: string | null,
  summary?: string,
): boolean {
  const row = requireTaskRow(ctx.store, id)
  if (row.status === closing) return false
  if (row.lease_holder !== null) endLeaseByPerson(ctx, row, actor, `closed as ${closing}`)
  if (closing === 'completed') {
    ctx.store.run(
      `UPDATE tasks SET status = 'completed', completed_at = ?, updated_at = ?,
         completion_summary = coalesce(?, completion_summary), blocked_reason = NULL WHERE id = ?`,
      [ctx.now, ctx.now, summary ?? null, id],
    )
    appendEvent(ctx.store, {
      at: ctx.now,
      type: 'completed',
      task_id: id,
      actor,
      details: { by_person: true, ...(summary ? { summary } : {}) },
    })
    handOver(ctx, id, actor)
  } else {
    ctx.store.run(`UPDATE tasks SET status = 'cancelled', updated_at = ? WHERE id = ?`, [
      ctx.now,
      id,
    ])
    appendEvent(ctx.store, {
      at: ctx.now,
      type: 'task_cancelled',
      task_id: id,
      actor,
      details: { by_person: true },
    })
  }
  return true
}

/**
 * Reopen a completed, failed or cancelled task: it becomes `pending` (or
 * `blocked` while dependencies are unmet) with its attempts reset, out of
 * the archive, its approval withdrawn (the new result needs a new one), and
 * pending dependents of a reopened completed task are blocked again.
 * Reopening an open task changes nothing and returns false.
 */
export function reopen(ctx: Ctx, id: string, actor: string | null): boolean {
  const row = requireTaskRow(ctx.store, id)
  if (!FINAL_STATUSES.includes(row.status)) return false
  ctx.store.run(
    `UPDATE tasks SET status = 'pending', completed_at = NULL, attempts = 0, archived_at = NULL,
       approved_by = NULL, approved_at = NULL, updated_at = ? WHERE id = ?`,
    [ctx.now, id],
  )
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'reopened',
    task_id: id,
    actor,
    details: { was: row.status },
  })
  settleBlocked(ctx, id, actor)
  if (row.status === 'completed') {
    for (const dependent of dependentsOf(ctx.store, id)) {
      // A dependent already being worked on has lost its dependency: its lease
      // ends (no attempt counted) and it is blocked again, with the reason logged.
      const d = requireTaskRow(ctx.store, dependent)
      if (d.lease_holder !== null) endLeaseByPerson(ctx, d, actor, `dependency ${id} was reopened`)
      settleBlocked(ctx, dependent, actor)
    }
  }
  return true
}

/**
 * End another agent's lease without its token (an override): the task
 * returns to the queue and no attempt is counted. Throws `NoLease` when
 * nobody holds it.
 */
export function revokeLease(ctx: Ctx, id: string, actor: string | null, reason: string): string {
  const row = requireTaskRow(ctx.store, id)
  if (row.lease_holder === null) {
    throw new TaskError('NoLease', `Task ${id} is ${row.status} and not leased to anyone.`, {
      task: id,
      status: row.status,
    })
  }
  endLeaseByPerson(ctx, row, actor, reason)
  settleBlocked(ctx, id, actor)
  return row.lease_holder
}

/** End a lease without its token (no attempt counted), with a `released` event naming who revoked it. */
function endLeaseByPerson(ctx: Ctx, row: TaskRow, actor: string | null, reason: string): void {
  const seconds = endLease(ctx, row, 'pending', ctx.now)
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'released',
    task_id: row.id,
    actor,
    details: {
      token: Number(row.lease_token),
      lease_s: seconds,
      revoked_from: row.lease_holder,
      reason,
    },
  })
}
