/**
 * The archive: finished tasks older than N days leave the working set
 * (`tm list`, the board, ready/next, the critical path) but stay in the
 * database, so metrics, export (`--archived`) and `tm show` still see them.
 * Archiving sets `archived_at`; it is idempotent (an archived task is never
 * archived again) and undone by reopening the task.
 */
import { iso } from './clock.js'
import { TaskError } from './errors.js'
import { appendEvent } from './events.js'
import type { Ctx } from './tasks.js'

/** Statuses `archive` takes by default: completed and cancelled. */
export const ARCHIVABLE = ['completed', 'cancelled'] as const

/** What {@link archive} did. */
export interface ArchiveOutcome {
  /** Ids archived now, oldest first. */
  archived: string[]
  /** The cut-off: tasks finished before this time (ISO-8601 UTC) were taken. */
  before: string
}

/**
 * Archive tasks in `statuses` (default completed and cancelled; `failed` may
 * be added) whose last change (`completed_at`, else `updated_at`) is more than
 * `olderThanDays` days before now. Throws `InvalidInput` for a negative or
 * non-finite number of days or a status that is not final. Appends one
 * `archived` event per task.
 */
export function archive(
  ctx: Ctx,
  olderThanDays: number,
  actor: string | null,
  statuses: readonly string[] = ARCHIVABLE,
): ArchiveOutcome {
  if (!Number.isFinite(olderThanDays) || olderThanDays < 0) {
    throw new TaskError(
      'InvalidInput',
      `--older-than must be a number of days, 0 or more (e.g. 30), not ${olderThanDays}.`,
    )
  }
  const bad = statuses.filter((s) => !['completed', 'cancelled', 'failed'].includes(s))
  if (bad.length || statuses.length === 0) {
    throw new TaskError(
      'InvalidInput',
      `Only finished tasks can be archived (completed, cancelled, failed); not ${bad.join(', ') || 'nothing'}.`,
    )
  }
  const before = iso(ctx.nowMs - olderThanDays * 86_400_000)
  const ids = ctx.store
    .all<{ id: string }>(
      `SELECT id FROM tasks WHERE archived_at IS NULL
         AND status IN (${statuses.map(() => '?').join(', ')})
         AND coalesce(completed_at, updated_at) < ?
       ORDER BY coalesce(completed_at, updated_at), id`,
      [...statuses, before],
    )
    .map((r) => r.id)
  for (const id of ids) {
    ctx.store.run('UPDATE tasks SET archived_at = ? WHERE id = ?', [ctx.now, id])
    appendEvent(ctx.store, {
      at: ctx.now,
      type: 'archived',
      task_id: id,
      actor,
      details: { older_than_days: olderThanDays },
    })
  }
  return { archived: ids, before }
}
