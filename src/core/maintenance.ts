/**
 * What a maintainer does to the backlog besides closing and reopening
 * (`overrides.ts`): assign a task to a named agent (a lease granted on its
 * behalf) and delete a task nobody depends on. Both exist in the original
 * Task Orchestrator v2.3 `tm` (`tm assign ID AGENT`, `tm delete ID`); here
 * assigning is a real lease with a fencing token, and deleting keeps the
 * task's history in the audit log. The front door decides who may (the CLI:
 * whoever runs `tm`).
 */
import { TaskError } from './errors.js'
import { appendEvent } from './events.js'
import { dependenciesOf, dependentsOf } from './graph.js'
import { claim, type Grant } from './leases.js'
import type { Task } from './model.js'
import { type Ctx, requireTaskRow, rowToTask } from './tasks.js'

/**
 * Grant `agent` a lease on task `id` on behalf of `actor` (a maintainer), as
 * if `agent` had claimed it: the same refusals as `leases.claim` (held,
 * blocked, finished, lock-delay, open subtasks, the agent's capacity) except
 * the persona rule — a person chose the agent. The `claimed` event has
 * `agent` as its actor and `details.assigned_by` = `actor`. Returns the grant;
 * `agent` works with its token like any holder. `ttlMs` in ms.
 */
export function assign(
  ctx: Ctx,
  id: string,
  agent: string,
  actor: string | null,
  ttlMs?: number,
): Grant {
  return claim(ctx, id, agent, ttlMs, { assignedBy: actor })
}

/**
 * Delete task `id`: its row, its own dependency edges, shared context,
 * notes, progress, participants and questions (foreign keys cascade). The
 * audit log keeps every event of the task and gains a `deleted` event
 * (details: title, status, priority, persona, parent, depends_on) so
 * history and metrics stay explainable. Refusals, changing nothing:
 * `HasDependents` (details `{ task, dependents }`) while any task depends on
 * it — remove those edges first (`tm undepend`); `HasSubtasks` (details
 * `{ task, subtasks }`) while any task has it as parent, finished or not;
 * `LeaseHeld` while someone holds it; `TaskNotFound`. Returns the task as it
 * was.
 */
export function deleteTask(ctx: Ctx, id: string, actor: string | null): Task {
  const row = requireTaskRow(ctx.store, id)
  const dependents = dependentsOf(ctx.store, id)
  if (dependents.length) {
    throw new TaskError(
      'HasDependents',
      `Task ${id} cannot be deleted: ${dependents.join(', ')} depend${dependents.length === 1 ? 's' : ''} on it. Remove those dependencies first (\`tm undepend <task> ${id}\`) or cancel it instead.`,
      { task: id, dependents },
    )
  }
  const subtasks = ctx.store
    .all<{ id: string }>('SELECT id FROM tasks WHERE parent_id = ? ORDER BY id', [id])
    .map((r) => r.id)
  if (subtasks.length) {
    throw new TaskError(
      'HasSubtasks',
      `Task ${id} cannot be deleted: it is the parent of ${subtasks.join(', ')}. Delete those first, or cancel it instead.`,
      { task: id, subtasks },
    )
  }
  if (row.lease_holder !== null) {
    throw new TaskError(
      'LeaseHeld',
      `Task ${id} is held by ${row.lease_holder} until ${row.lease_expires_at}; it cannot be deleted while someone works on it. Revoke or release the lease first.`,
      { task: id, holder: row.lease_holder, expires_at: row.lease_expires_at },
    )
  }
  const dependsOn = dependenciesOf(ctx.store, id)
  ctx.store.run('DELETE FROM tasks WHERE id = ?', [id])
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'deleted',
    task_id: id,
    actor,
    details: {
      title: row.title,
      status: row.status,
      priority: row.priority,
      persona: row.persona,
      parent: row.parent_id,
      depends_on: dependsOn,
    },
  })
  return rowToTask(row)
}
