/**
 * Creating and editing tasks. Input is validated with zod (errors name the
 * field) and every measurable success criterion is compiled and type-checked
 * now — a bad expression is refused at creation, not discovered at
 * completion.
 */
import { TaskError } from './errors.js'
import { appendEvent } from './events.js'
import { addDependency } from './graph.js'
import type { Criterion, NewTask, Task } from './model.js'
import { parseInput, schemas } from './schemas.js'
import { checkCriteria, emptyRow, insertTaskRow, validTaskRow } from './task-row.js'
import {
  type Ctx,
  findTaskRow,
  newTaskId,
  optionalTime,
  requireOpen,
  requireTaskRow,
  rowToTask,
  settleBlocked,
} from './tasks.js'

export { checkCriteria } from './task-row.js'

/**
 * Create a task. `depends_on` edges are added in the same transaction and
 * decide the initial status (`blocked` while any is unfinished). Throws
 * `InvalidInput`, `InvalidExpression`, `TaskNotFound` (parent or dependency),
 * `Duplicate` (explicit id already used).
 */
export function addTask(ctx: Ctx, input: NewTask, actor: string | null, source?: string): Task {
  const t = parseInput(schemas().NewTask, input, 'task')
  checkCriteria(t.success_criteria)
  if (t.id && findTaskRow(ctx.store, t.id)) {
    throw new TaskError('Duplicate', `A task with id ${t.id} already exists.`, { task: t.id })
  }
  if (t.parent_id) requireTaskRow(ctx.store, t.parent_id)
  const id = t.id ?? newTaskId(ctx.store)
  insertTaskRow(
    ctx,
    validTaskRow({
      ...emptyRow(id, t.title, 'pending', ctx.now, t.max_attempts ?? ctx.settings.maxAttempts),
      description: t.description,
      priority: t.priority,
      persona: t.persona ?? null,
      parent_id: t.parent_id ?? null,
      success_criteria: t.success_criteria,
      deadline: optionalTime(t.deadline),
      estimated_hours: t.estimated_hours ?? null,
      milestone: t.milestone ?? null,
      requires_approval: t.requires_approval,
      source: source ?? null,
    }),
  )
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'task_created',
    task_id: id,
    actor,
    details: {
      title: t.title,
      priority: t.priority,
      ...(t.persona ? { persona: t.persona } : {}),
      ...(t.milestone ? { milestone: t.milestone } : {}),
      ...(t.requires_approval ? { requires_approval: true } : {}),
    },
  })
  for (const dep of new Set(t.depends_on)) addDependency(ctx, id, dep, actor)
  return rowToTask(requireTaskRow(ctx.store, id))
}

/** Fields a person may change after creation (null clears). */
export interface TaskPatch {
  title?: string
  description?: string
  priority?: Task['priority']
  persona?: string | null
  deadline?: string | null
  estimated_hours?: number | null
  success_criteria?: Criterion[]
  max_attempts?: number
  /** Make this a subtask of another task (null: no parent). */
  parent_id?: string | null
  /** Release or phase (null clears). */
  milestone?: string | null
  /** Completion needs an approval (see `approval.ts`). */
  requires_approval?: boolean
}

/** Change fields of an open task; appends `task_updated` with the changed fields. */
export function updateTask(ctx: Ctx, id: string, patch: TaskPatch, actor: string | null): Task {
  const p = parseInput(schemas().TaskPatch, patch, 'update')
  const row = requireTaskRow(ctx.store, id)
  requireOpen(row, 'update')
  if (p.success_criteria) checkCriteria(p.success_criteria)
  const columns: Record<string, unknown> = {}
  if (p.title !== undefined) columns.title = p.title
  if (p.description !== undefined) columns.description = p.description
  if (p.priority !== undefined) columns.priority = p.priority
  if (p.persona !== undefined) columns.persona = p.persona
  if (p.deadline !== undefined) columns.deadline = optionalTime(p.deadline)
  if (p.estimated_hours !== undefined) columns.estimated_hours = p.estimated_hours
  if (p.max_attempts !== undefined) columns.max_attempts = p.max_attempts
  if (p.milestone !== undefined) columns.milestone = p.milestone
  if (p.requires_approval !== undefined) columns.requires_approval = p.requires_approval ? 1 : 0
  if (p.success_criteria !== undefined)
    columns.success_criteria = JSON.stringify(p.success_criteria)
  if (p.parent_id !== undefined) {
    if (p.parent_id === id) {
      throw new TaskError('InvalidInput', `Task ${id} cannot be its own parent.`, { task: id })
    }
    if (p.parent_id !== null) {
      requireTaskRow(ctx.store, p.parent_id)
      // Walk up from the new parent: meeting this task would close a loop.
      const chain = [id, p.parent_id]
      for (let up = p.parent_id; ; ) {
        const parent = ctx.store.get<{ parent_id: string | null }>(
          'SELECT parent_id FROM tasks WHERE id = ?',
          [up],
        )?.parent_id
        if (!parent) break
        chain.push(parent)
        if (parent === id) {
          throw new TaskError(
            'DependencyCycle',
            `Task ${p.parent_id} cannot become the parent of ${id}: the parents would loop ${chain.join(' → ')}.`,
            { cycle: chain },
          )
        }
        up = parent
      }
    }
    columns.parent_id = p.parent_id
  }
  const names = Object.keys(columns)
  if (names.length === 0) return rowToTask(row)
  ctx.store.run(
    `UPDATE tasks SET ${names.map((n) => `${n} = @${n}`).join(', ')}, updated_at = @now WHERE id = @id`,
    { ...columns, now: ctx.now, id },
  )
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'task_updated',
    task_id: id,
    actor,
    details: { fields: names },
  })
  return rowToTask(requireTaskRow(ctx.store, id))
}

/**
 * Block a task by hand with a reason. Allowed on `pending`/`blocked` tasks;
 * a leased task must be released by its holder first.
 */
export function blockTask(ctx: Ctx, id: string, reason: string, actor: string | null): Task {
  const text = reason.trim()
  if (!text)
    throw new TaskError(
      'InvalidInput',
      'A block needs a reason, e.g. `tm block ID "waiting for API keys"`.',
    )
  const row = requireTaskRow(ctx.store, id)
  requireOpen(row, 'block')
  if (row.lease_holder !== null) {
    throw new TaskError(
      'InvalidTransition',
      `Task ${id} is leased to ${row.lease_holder}; it must release it before the task can be blocked.`,
      { task: id, holder: row.lease_holder },
    )
  }
  ctx.store.run('UPDATE tasks SET blocked_reason = ?, updated_at = ? WHERE id = ?', [
    text,
    ctx.now,
    id,
  ])
  if (row.status === 'blocked') {
    appendEvent(ctx.store, {
      at: ctx.now,
      type: 'blocked',
      task_id: id,
      actor,
      details: { reason: text },
    })
  } else settleBlocked(ctx, id, actor)
  return rowToTask(requireTaskRow(ctx.store, id))
}

/** Lift a manual block; the task stays blocked if dependencies are still unmet. */
export function unblockTask(ctx: Ctx, id: string, actor: string | null): Task {
  const row = requireTaskRow(ctx.store, id)
  requireOpen(row, 'unblock')
  if (row.blocked_reason === null) {
    throw new TaskError(
      'InvalidTransition',
      `Task ${id} was not blocked by hand (status ${row.status}).`,
      {
        task: id,
        status: row.status,
      },
    )
  }
  ctx.store.run('UPDATE tasks SET blocked_reason = NULL, updated_at = ? WHERE id = ?', [
    ctx.now,
    id,
  ])
  settleBlocked(ctx, id, actor)
  return rowToTask(requireTaskRow(ctx.store, id))
}

/** Cancel an open task that nobody holds. Dependents stay blocked until edited. */
export function cancelTask(
  ctx: Ctx,
  id: string,
  reason: string | undefined,
  actor: string | null,
): Task {
  const row = requireTaskRow(ctx.store, id)
  requireOpen(row, 'cancel')
  if (row.lease_holder !== null) {
    throw new TaskError(
      'InvalidTransition',
      `Task ${id} is leased to ${row.lease_holder}; it must release it before the task can be cancelled.`,
      { task: id, holder: row.lease_holder },
    )
  }
  ctx.store.run(`UPDATE tasks SET status = 'cancelled', updated_at = ? WHERE id = ?`, [ctx.now, id])
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'task_cancelled',
    task_id: id,
    actor,
    details: reason ? { reason } : {},
  })
  return rowToTask(requireTaskRow(ctx.store, id))
}
