/**
 * The dependency graph: a directed acyclic graph of "task depends on task".
 * Edges that would close a cycle are refused with the cycle in the message;
 * every edge change re-derives `blocked`/`pending` in the same transaction.
 * Also: the ready set, hand-over of completion summaries to dependents, and
 * the critical path of the store (computed by `critical-path.ts`).
 */
import { CLAIMABLE_SQL } from './claim-rules.js'
import { ownContext } from './context.js'
import { type CriticalPath, longestPath, type WeighedTask, type WorkEdge } from './critical-path.js'
import type { Store } from './db/store.js'
import { TaskError } from './errors.js'
import { appendEvent } from './events.js'
import type { Task } from './model.js'
import {
  type Ctx,
  requireOpen,
  requireTaskRow,
  rowToTask,
  settleBlocked,
  TASK_COLUMNS,
  type TaskRow,
} from './tasks.js'

/**
 * The path `from → … → to` following "depends on" edges, or null. Used to
 * find the cycle that an edge `to → from` would close. Iterative DFS.
 */
export function findPath(store: Store, from: string, to: string): string[] | null {
  const parent = new Map<string, string | null>([[from, null]])
  const stack = [from]
  while (stack.length) {
    const node = stack.pop()!
    if (node === to) {
      const path: string[] = []
      for (let n: string | null = node; n !== null; n = parent.get(n) ?? null) path.push(n)
      return path.reverse()
    }
    for (const { depends_on_id } of store.all<{ depends_on_id: string }>(
      'SELECT depends_on_id FROM dependencies WHERE task_id = ?',
      [node],
    )) {
      if (!parent.has(depends_on_id)) {
        parent.set(depends_on_id, node)
        stack.push(depends_on_id)
      }
    }
  }
  return null
}

/**
 * Record that `taskId` depends on `dependsOnId`. Refuses self-dependencies and
 * cycles (`DependencyCycle`, with `details.cycle` = [taskId, …, taskId]),
 * and dependencies of finished tasks. Adding an existing edge changes nothing.
 * A pending task with a new unmet dependency becomes `blocked`.
 */
export function addDependency(
  ctx: Ctx,
  taskId: string,
  dependsOnId: string,
  actor: string | null,
): boolean {
  const task = requireTaskRow(ctx.store, taskId)
  requireTaskRow(ctx.store, dependsOnId)
  requireOpen(task, 'add a dependency to')
  if (taskId === dependsOnId) {
    throw new TaskError('DependencyCycle', `Task ${taskId} cannot depend on itself.`, {
      cycle: [taskId, taskId],
    })
  }
  const exists = ctx.store.get(
    'SELECT 1 FROM dependencies WHERE task_id = ? AND depends_on_id = ?',
    [taskId, dependsOnId],
  )
  if (exists) return false
  const back = findPath(ctx.store, dependsOnId, taskId)
  if (back) {
    const cycle = [taskId, ...back]
    throw new TaskError(
      'DependencyCycle',
      `Refused: ${taskId} depending on ${dependsOnId} would close the cycle ${cycle.join(' → ')}.`,
      { cycle },
    )
  }
  ctx.store.run('INSERT INTO dependencies (task_id, depends_on_id, created_at) VALUES (?, ?, ?)', [
    taskId,
    dependsOnId,
    ctx.now,
  ])
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'dependency_added',
    task_id: taskId,
    actor,
    details: { depends_on: dependsOnId },
  })
  settleBlocked(ctx, taskId, actor)
  return true
}

/** Remove an edge; a blocked task whose last unmet dependency goes becomes `pending`. */
export function removeDependency(
  ctx: Ctx,
  taskId: string,
  dependsOnId: string,
  actor: string | null,
): boolean {
  requireTaskRow(ctx.store, taskId)
  const { changes } = ctx.store.run(
    'DELETE FROM dependencies WHERE task_id = ? AND depends_on_id = ?',
    [taskId, dependsOnId],
  )
  if (changes === 0) return false
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'dependency_removed',
    task_id: taskId,
    actor,
    details: { depends_on: dependsOnId },
  })
  settleBlocked(ctx, taskId, actor)
  return true
}

/** Direct dependencies of a task (ids, sorted). */
export function dependenciesOf(store: Store, id: string): string[] {
  return store
    .all<{ depends_on_id: string }>(
      'SELECT depends_on_id FROM dependencies WHERE task_id = ? ORDER BY depends_on_id',
      [id],
    )
    .map((r) => r.depends_on_id)
}

/** Direct dependents of a task (ids, sorted). */
export function dependentsOf(store: Store, id: string): string[] {
  return store
    .all<{ task_id: string }>(
      'SELECT task_id FROM dependencies WHERE depends_on_id = ? ORDER BY task_id',
      [id],
    )
    .map((r) => r.task_id)
}

/**
 * After `id` completed: give each dependent the completion summary as shared
 * context (key `dependency.<id>`, value `{title, summary, context}` — `context` is the
 * finished task's own shared context, see `context.ts`), then unblock
 * those whose last dependency this was. Returns the ids that became pending.
 */
export function handOver(
  ctx: Ctx,
  id: string,
  actor: string | null,
  done: { title: string; completion_summary: string | null } = requireTaskRow(ctx.store, id),
): string[] {
  const unblocked: string[] = []
  for (const dependent of dependentsOf(ctx.store, id)) {
    const value = JSON.stringify({
      title: done.title,
      summary: done.completion_summary ?? '',
      context: ownContext(ctx, id),
    })
    ctx.store.run(
      `INSERT INTO shared_context (task_id, key, value, author, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (task_id, key) DO UPDATE SET value = excluded.value, author = excluded.author,
         updated_at = excluded.updated_at`,
      [dependent, `dependency.${id}`, value, actor, ctx.now],
    )
    appendEvent(ctx.store, {
      at: ctx.now,
      type: 'context_handed_over',
      task_id: dependent,
      actor,
      details: { from: id },
    })
    const before = requireTaskRow(ctx.store, dependent).status
    if (before === 'blocked' && settleBlocked(ctx, dependent, actor) === 'pending') {
      unblocked.push(dependent)
    }
  }
  return unblocked
}

/** Options for {@link readyTasks}. */
export interface ReadyOptions {
  /** Only tasks for this persona (or with none when `includeUnassigned`). */
  persona?: string
  /** Most tasks to return (default 50). */
  limit?: number
}

/**
 * The ready set: claimable tasks (`pending`, not in lock-delay, no open
 * subtask — see `claim-rules.ts`), most urgent first — priority, then
 * deadline (none last), then age. Served by the `tasks_claimable` index (and
 * one `tasks_parent` probe per row): cost grows with `limit`, not with the
 * backlog.
 */
export function readyTasks(ctx: Ctx, options: ReadyOptions = {}): Task[] {
  const limit = Math.max(1, Math.min(options.limit ?? 50, 10_000))
  const persona = options.persona
  const rows = ctx.store.all<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM tasks
     WHERE ${CLAIMABLE_SQL} ${persona ? 'AND persona = @persona' : ''}
     ORDER BY priority_rank DESC, deadline_key, created_at LIMIT @limit`,
    persona ? { persona, now: ctx.now, limit } : { now: ctx.now, limit },
  )
  return rows.map(rowToTask)
}

/** Open statuses, as SQL: a `waiting` task (a question pending) is still work ahead. */
const OPEN_SQL = `'blocked','pending','in_progress','waiting'`

/**
 * The critical path of the whole store: {@link longestPath} over open tasks
 * (blocked, pending, in progress, waiting), archived ones left out, weighted
 * by `estimated_hours` (default 1 h). O(V + E) over the open subgraph.
 */
export function criticalPath(store: Store): CriticalPath {
  const nodes = store.all<WeighedTask>(
    `SELECT id, estimated_hours FROM tasks
     WHERE status IN (${OPEN_SQL}) AND archived_at IS NULL`,
  )
  const edges = store.all<WorkEdge>(
    `SELECT d.depends_on_id AS "from", d.task_id AS "to" FROM dependencies d
     JOIN tasks a ON a.id = d.task_id JOIN tasks b ON b.id = d.depends_on_id
     WHERE a.status IN (${OPEN_SQL}) AND b.status IN (${OPEN_SQL})
       AND a.archived_at IS NULL AND b.archived_at IS NULL`,
  )
  return longestPath(nodes, edges)
}

export type { CriticalPath } from './critical-path.js'
