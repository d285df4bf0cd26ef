/**
 * Restoring tasks from an outside record of them — the GitHub issues of a
 * repository, when the app's database is lost (see `src/app/rebuild/rebuild-plan.ts`).
 * Unlike an import (`./import/apply.ts`), which gives tasks of another tool
 * new local ids and fresh leases with token 1, a restore keeps what the
 * record says: the task ids, statuses, attempts and, for a live lease, its
 * holder and fencing token, so the holder's token stays valid and no token
 * is ever granted twice. Only the lease clock starts again: a restarted lease
 * expires one TTL after the restore, and the sweep reclaims it if nobody
 * heartbeats.
 *
 * Runs in the caller's write transaction (`engine.write`): all of it or none
 * of it. What cannot be restored as recorded — an edge that would close a
 * cycle, a reference to a task not in the plan, an invalid persona or
 * criterion, a task in progress without a holder — is skipped and reported,
 * never silently dropped, and never aborts the restore. Every row is
 * checked by the task schema, as every writer's rows are (`task-row.ts`,
 * `restore-row.ts`): a field the schema refuses and a task can go without
 * (criteria, priority, persona, deadline, …) is left out and reported in
 * the schema's words; a refused title or time refuses the restore.
 */

import { iso } from './clock.js'
import { TaskError } from './errors.js'
import { appendEvent, type TaskEvent } from './events.js'
import { findPath } from './graph.js'
import type { Unmapped } from './import/plan.js'
import type { Criterion, Priority } from './model.js'
import { replayHistory } from './restore-history.js'
import { insertTask, type RowToRestore, rowOf } from './restore-row.js'
import { type Ctx, findTaskRow, unmetDependencies } from './tasks.js'

/** The statuses a restore writes. */
export const RESTORABLE_STATUSES = [
  'blocked',
  'pending',
  'in_progress',
  'waiting',
  'completed',
  'failed',
  'cancelled',
] as const
export type RestorableStatus = (typeof RESTORABLE_STATUSES)[number]

/** One task as the outside record shows it. Times are ISO-8601. */
export interface RestoredTask {
  id: string
  title: string
  description?: string
  /**
   * `blocked` and `pending` are re-derived from the restored dependencies
   * and `blocked_reason` (blocked while one is unmet or a reason is given).
   */
  status: RestorableStatus
  priority?: Priority
  persona?: string | null
  success_criteria?: Criterion[]
  deadline?: string | null
  estimated_hours?: number | null
  completion_summary?: string | null
  /** A person's reason for blocking it by hand (kept in any status, as the engine keeps it). */
  blocked_reason?: string | null
  attempts?: number
  max_attempts?: number
  /** For `in_progress` and `waiting`: who holds the lease and its fencing token (≥ 1), both kept. */
  lease?: { holder: string; token: number } | null
  /** For `waiting`: when the lease clock paused; it resumes with the restore's TTL once answered. */
  paused_at?: string | null
  /** Questions not answered yet (asked now, as far as the log knows). */
  open_questions?: { asked_by: string; asked_of: string | null; question: string }[]
  participants?: { agent: string; role: string | null }[]
  milestone?: string | null
  requires_approval?: boolean
  /** Who approved it and when (for a task that requires approval). */
  approval?: { by: string; at: string } | null
  /** The highest fencing token ever granted for the task (raised to the lease's token). */
  fencing_seq?: number
  /** Who last worked on it (defaults to the lease holder). */
  assignee?: string | null
  created_at?: string
  updated_at?: string
  /** For finished tasks (default `updated_at`). */
  completed_at?: string | null
  /** Who completed it, when the record says (for the hand-over to dependents). */
  completed_by?: string | null
}

/** Everything to restore. Dependencies, parents, events and progress name task ids. */
export interface RestorePlan {
  /** Where the record is, for the `imported` event (e.g. `github:owner/repo`). */
  source: string
  tasks: RestoredTask[]
  dependencies: { task: string; dependsOn: string }[]
  parents: { task: string; parent: string }[]
  /** Events the record shows (a task's recent history), appended oldest first. */
  events?: Omit<TaskEvent, 'id'>[]
  /** The latest progress report of tasks, as the record shows it (percent 0–100). */
  progress?: { task: string; percent: number; message: string; agent?: string | null }[]
  /** TTL of every restarted lease, in milliseconds. */
  leaseTtlMs: number
}

/** A lease restarted by the restore. */
export interface RestartedLease {
  task: string
  holder: string
  token: number
  /** ISO-8601 UTC: restore time + TTL. */
  expires_at: string
}

/** What a restore wrote, and what it skipped and why. */
export interface RestoreReport {
  tasks: number
  dependencies: number
  parents: number
  leases: RestartedLease[]
  skipped: Unmapped[]
}

/**
 * Write `plan` (see the module comment). Dependency edges are added in plan
 * order; one that would close a cycle (or names a task that is neither in
 * the plan nor in the database) is skipped with the reason, e.g.
 * `would close the cycle a → b → a`. Parent links that would make a task its
 * own ancestor are skipped likewise. The plan's events are appended as
 * recorded, oldest first (an event of a task not restored is skipped), and
 * each completed task's summary is handed to its dependents where it
 * happened (see `replayHistory`); then one `imported` event without a task:
 * `{ source, rebuilt: true, tasks, leases }`.
 *
 * @throws TaskError('Duplicate') when a task of the plan already exists (the
 *   caller removes what it replaces first), TaskError('InvalidInput') for a
 *   task without id or title or with an unknown status, and when a task's
 *   row breaks the task schema in a field it cannot go without (the message
 *   and `details.problems` name each as `<id>: <the schema's sentence>`,
 *   e.g. `o/r#1: title: at most 300 characters (got 301)`); nothing is written
 */
export function restoreTasks(ctx: Ctx, plan: RestorePlan, actor: string | null): RestoreReport {
  const skipped: Unmapped[] = []
  const skip = (item: string, field: string, value: unknown, reason: string) =>
    skipped.push({ item, field, value, reason })
  const ids = new Set<string>()
  for (const t of plan.tasks) {
    if (!t.id || !t.title?.trim()) {
      throw new TaskError('InvalidInput', `Restore: every task needs an id and a title (${t.id}).`)
    }
    if (!(RESTORABLE_STATUSES as readonly string[]).includes(t.status)) {
      throw new TaskError('InvalidInput', `Restore: task ${t.id} has unknown status "${t.status}".`)
    }
    if (ids.has(t.id) || findTaskRow(ctx.store, t.id)) {
      throw new TaskError('Duplicate', `Restore: task ${t.id} already exists.`, { task: t.id })
    }
    ids.add(t.id)
  }
  const exists = (id: string) => ids.has(id) || findTaskRow(ctx.store, id) !== undefined
  const leases: RestartedLease[] = []
  const expires = iso(ctx.nowMs + plan.leaseTtlMs)
  const rows: RowToRestore[] = []
  const refused: string[] = []
  for (const t of plan.tasks) {
    const result = rowOf(ctx, t, expires, skip)
    if ('row' in result) rows.push({ task: t, row: result.row })
    else refused.push(...result.refused.map((text) => `${t.id}: ${text}`))
  }
  if (refused.length) {
    throw new TaskError(
      'InvalidInput',
      `Restore: ${refused.length === 1 ? 'a task breaks' : 'tasks break'} the rules every task follows; nothing was restored:\n  ${refused.join('\n  ')}`,
      { problems: refused },
    )
  }
  for (const r of rows) insertTask(ctx, r, leases)

  let dependencies = 0
  for (const { task, dependsOn } of plan.dependencies) {
    const missing = [task, dependsOn].find((id) => !exists(id))
    if (missing) {
      skip(task, 'dependsOn', dependsOn, `task ${missing} is not known; dependency skipped`)
      continue
    }
    if (task === dependsOn) {
      skip(task, 'dependsOn', dependsOn, 'a task cannot depend on itself; dependency skipped')
      continue
    }
    const present = ctx.store.get(
      'SELECT 1 FROM dependencies WHERE task_id = ? AND depends_on_id = ?',
      [task, dependsOn],
    )
    if (present) continue
    const back = findPath(ctx.store, dependsOn, task)
    if (back) {
      skip(
        task,
        'dependsOn',
        dependsOn,
        `would close the cycle ${[task, ...back].join(' → ')}; dependency skipped`,
      )
      continue
    }
    ctx.store.run(
      'INSERT INTO dependencies (task_id, depends_on_id, created_at) VALUES (?, ?, ?)',
      [task, dependsOn, ctx.now],
    )
    dependencies++
  }

  let parents = 0
  for (const { task, parent } of plan.parents) {
    const missing = [task, parent].find((id) => !exists(id))
    if (missing) {
      skip(task, 'parent', parent, `task ${missing} is not known; parent link skipped`)
      continue
    }
    if (ancestors(ctx, parent).includes(task)) {
      skip(task, 'parent', parent, `${task} would become its own ancestor; parent link skipped`)
      continue
    }
    ctx.store.run('UPDATE tasks SET parent_id = ? WHERE id = ?', [parent, task])
    parents++
  }

  // Blocked ↔ pending from the restored edges, as the engine keeps it.
  for (const t of plan.tasks) {
    if (t.status !== 'blocked' && t.status !== 'pending') continue
    const reason = t.blocked_reason ?? null
    const status = unmetDependencies(ctx.store, t.id).length > 0 || reason ? 'blocked' : 'pending'
    if (status !== t.status) {
      skip(
        t.id,
        'status',
        t.status,
        status === 'blocked'
          ? 'a dependency is not completed; restored as blocked'
          : 'no unmet dependency and no reason to block it; restored as pending',
      )
    }
    ctx.store.run('UPDATE tasks SET status = ? WHERE id = ?', [status, t.id])
  }
  replayHistory(ctx, plan)
  for (const p of plan.progress ?? []) {
    if (!ids.has(p.task) || !(p.percent >= 0 && p.percent <= 100)) {
      skip(p.task, 'progress', p.percent, 'not a restored task or not 0–100 %; skipped')
      continue
    }
    ctx.store.run(
      'INSERT INTO progress (task_id, agent, percent, message, at) VALUES (?, ?, ?, ?, ?)',
      [p.task, p.agent ?? null, Math.round(p.percent), p.message, ctx.now],
    )
  }
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'imported',
    task_id: null,
    actor,
    details: {
      source: plan.source,
      rebuilt: true,
      tasks: plan.tasks.length,
      leases: leases.length,
    },
  })
  return { tasks: plan.tasks.length, dependencies, parents, leases, skipped }
}

/** Ids of the ancestors of `id` (parent, grandparent, …), nearest first. */
function ancestors(ctx: Ctx, id: string): string[] {
  const out: string[] = [id]
  for (let p = findTaskRow(ctx.store, id)?.parent_id; p && !out.includes(p); ) {
    out.push(p)
    p = findTaskRow(ctx.store, p)?.parent_id
  }
  return out
}

/** Links from tasks that stay to tasks that {@link removeTasks} removed. */
export interface RemovedLinks {
  dependencies: { task: string; dependsOn: string }[]
  parents: { task: string; parent: string }[]
}

/**
 * Remove every task whose id starts with `prefix` (e.g. `owner/repo#`), with
 * what hangs off them (dependency edges, participants, shared context,
 * notes, progress and the app's issue records go with them; the event log
 * stays). Returns how many were removed and the links other tasks had to
 * them, for the caller to put back once the tasks are restored. Runs in the
 * caller's write transaction.
 */
export function removeTasks(ctx: Ctx, prefix: string): { removed: number; links: RemovedLinks } {
  const mine = 'substr(id, 1, length(@prefix)) = @prefix'
  const dependencies = ctx.store.all<{ task: string; dependsOn: string }>(
    `SELECT task_id AS task, depends_on_id AS dependsOn FROM dependencies
     WHERE substr(depends_on_id, 1, length(@prefix)) = @prefix
       AND substr(task_id, 1, length(@prefix)) <> @prefix`,
    { prefix },
  )
  const parents = ctx.store.all<{ task: string; parent: string }>(
    `SELECT id AS task, parent_id AS parent FROM tasks
     WHERE substr(parent_id, 1, length(@prefix)) = @prefix AND NOT (${mine})`,
    { prefix },
  )
  const { changes } = ctx.store.run(`DELETE FROM tasks WHERE ${mine}`, { prefix })
  return { removed: changes, links: { dependencies, parents } }
}
