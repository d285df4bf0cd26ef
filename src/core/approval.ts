/**
 * Approval checkpoints: a task marked `requires_approval` completes only
 * after someone approves it (`tm approve`, `/approve` on GitHub, where the
 * app allows it to people with the `approve` permission — maintain by
 * default), on top of its success criteria. The engine records who approved
 * and when; who *may* approve is the front door's decision, like every
 * permission.
 */
import { TaskError } from './errors.js'
import { appendEvent } from './events.js'
import { type Ctx, requireOpen, requireTaskRow, type TaskRow } from './tasks.js'

/** What {@link approve} did. */
export interface Approval {
  task: string
  approved_by: string
  approved_at: string
  /** False when the task was already approved (nothing changed). */
  changed: boolean
}

/**
 * Approve open task `id` as `actor`. Approving an approved task changes
 * nothing (`changed: false`, the first approval stays). Throws
 * `TaskNotFound`; `InvalidTransition` when the task is finished or does not
 * require approval (mark it with `tm update --requires-approval` first).
 * Appends `approved`.
 */
export function approve(ctx: Ctx, id: string, actor: string): Approval {
  const row = requireTaskRow(ctx.store, id)
  requireOpen(row, 'approve')
  if (row.requires_approval !== 1) {
    throw new TaskError(
      'InvalidTransition',
      `Task ${id} does not require approval; mark it with \`tm update ${id} --requires-approval\` (on GitHub: the "requires approval" label) if it should.`,
      { task: id },
    )
  }
  if (row.approved_at !== null) {
    return { task: id, approved_by: row.approved_by!, approved_at: row.approved_at, changed: false }
  }
  ctx.store.run('UPDATE tasks SET approved_by = ?, approved_at = ?, updated_at = ? WHERE id = ?', [
    actor,
    ctx.now,
    ctx.now,
    id,
  ])
  appendEvent(ctx.store, { at: ctx.now, type: 'approved', task_id: id, actor, details: {} })
  return { task: id, approved_by: actor, approved_at: ctx.now, changed: true }
}

/**
 * Throw `InvalidTransition` (details.missing = `['approval']`) when `row`
 * requires an approval it has not had. Called by every completion path that
 * goes through the engine's checks (`completion.complete`).
 */
export function requireApproval(row: TaskRow): void {
  if (row.requires_approval === 1 && row.approved_at === null) {
    throw new TaskError(
      'InvalidTransition',
      `Task ${row.id} requires approval before it completes: \`tm approve ${row.id}\` (on GitHub: \`/approve\` by a maintainer).`,
      { task: row.id, missing: ['approval'] },
    )
  }
}
