/**
 * Ending a lease — the one place lease accounting is done, shared by
 * release, complete, fail, overrides and the sweep of expired leases.
 */
import type { Ctx, TaskRow } from './tasks.js'

/** Seconds the current lease has run, until `endIso` (default now). */
function leaseSeconds(row: TaskRow, endIso: string): number {
  return Math.max(0, (Date.parse(endIso) - Date.parse(row.lease_acquired_at!)) / 1000)
}

/**
 * End the lease in the database: clear lease columns, add its duration to
 * `lease_seconds`, and set the next status. Shared by release, complete,
 * fail and sweep so that lease accounting is done in one place.
 */
export function endLease(
  ctx: Ctx,
  row: TaskRow,
  status: 'pending' | 'completed' | 'failed',
  endIso: string,
  extra: {
    attempts?: number
    claimable_after?: string | null
    /** For completions: summary and actual hours, with `completed_at` = now. */
    completion?: { summary: string | null; actual_hours: number }
  } = {},
): number {
  const seconds = leaseSeconds(row, endIso)
  ctx.store.run(
    `UPDATE tasks SET status = @status, lease_holder = NULL, lease_token = NULL,
       lease_acquired_at = NULL, lease_heartbeat_at = NULL, lease_expires_at = NULL,
       lease_paused_at = NULL, lease_remaining_ms = NULL,
       lease_seconds = lease_seconds + @seconds, attempts = @attempts,
       claimable_after = @claimable_after, updated_at = @now,
       completed_at = @completed_at,
       completion_summary = CASE WHEN @completed_at IS NULL THEN completion_summary ELSE @summary END,
       actual_hours = CASE WHEN @completed_at IS NULL THEN actual_hours ELSE @actual_hours END
     WHERE id = @id`,
    {
      status,
      seconds,
      attempts: extra.attempts ?? row.attempts,
      claimable_after: extra.claimable_after ?? null,
      now: ctx.now,
      completed_at: extra.completion ? ctx.now : null,
      summary: extra.completion?.summary ?? null,
      actual_hours: extra.completion?.actual_hours ?? null,
      id: row.id,
    },
  )
  return seconds
}
