/**
 * The engine: the only code that changes task state. Each public method is
 * one command and runs in one `BEGIN IMMEDIATE` transaction that also appends
 * its events, with one "now" read from the injected clock. It knows nothing
 * of GitHub, terminals or CI; front doors (CLI, app, Actions) translate.
 *
 * One class in four files: `engine-base.ts` (store, clock, settings,
 * transactions), `engine-collaboration.ts` (participants, progress,
 * feedback, shared context, notes, questions, approval, archive, export),
 * `engine-leases.ts` (claim, next, heartbeat, release, completion, failure,
 * assignment, revocation, the sweep) and this one (tasks, dependencies,
 * overrides, agents, events, metrics, import).
 */
import {
  addTask,
  blockTask,
  cancelTask,
  type TaskPatch,
  unblockTask,
  updateTask,
} from './add-task.js'
import { type Agent, listAgents, registerAgent } from './agents.js'
import { type Participant, participants } from './collaboration.js'
import type { LeasePolicy } from './engine-base.js'
import { LeaseEngine } from './engine-leases.js'
import { type EventFilter, listEvents, type TaskEvent } from './events.js'
import {
  addDependency,
  type CriticalPath,
  criticalPath,
  dependenciesOf,
  dependentsOf,
  type ReadyOptions,
  readyTasks,
  removeDependency,
} from './graph.js'
import { type ImportReport, writeImport } from './import/apply.js'
import type { ImportPlan } from './import/plan.js'
import { prepareImport } from './import/prepare.js'
import { deleteTask } from './maintenance.js'
import { computeMetrics, type Metrics, type MetricsOptions } from './metrics.js'
import { foldRollup, rollupPosition } from './metrics-rollup.js'
import type { NewTask, Status, Task } from './model.js'
import { type Closing, closeByPerson, reopen } from './overrides.js'
import { openQuestionsOf, type Question } from './questions.js'
import { type Ctx, requireTaskRow, rowToTask, TASK_COLUMNS, type TaskRow } from './tasks.js'

/** Filters for {@link Engine.list}; combined with AND. */
export interface ListFilter {
  status?: Status | Status[]
  persona?: string
  holder?: string
  parent?: string
  milestone?: string
  /** Archived tasks only (true); default: the working set, archived tasks left out. */
  archived?: boolean
  limit?: number
}

/** A task with its neighbourhood, for `show`. */
export interface TaskDetail extends Task {
  depends_on: string[]
  dependents: string[]
  subtasks: string[]
  context: { key: string; value: unknown; author: string | null; updated_at: string }[]
  participants: Participant[]
  /** Unanswered questions, oldest first. */
  open_questions: Question[]
}

/** The task engine over one store; see the module comment. */
export class Engine extends LeaseEngine {
  /**
   * Create a task (see `add-task.addTask`); throws InvalidInput,
   * InvalidExpression, TaskNotFound, Duplicate. `policy` (default: the
   * engine's) gives `max_attempts` when `input` has none.
   */
  add(input: NewTask, actor: string | null = null, policy?: LeasePolicy): Task {
    return this.write((ctx) => addTask(ctx, input, actor), policy)
  }

  /** Change fields of an open task (see `add-task.updateTask`). */
  update(id: string, patch: TaskPatch, actor: string | null = null): Task {
    return this.write((ctx) => updateTask(ctx, id, patch, actor))
  }

  /** The task with `id`; throws `TaskNotFound`. */
  get(id: string): Task {
    return this.read((ctx) => rowToTask(requireTaskRow(ctx.store, id)))
  }

  /** The task with dependencies, dependents, subtasks and shared context. */
  show(id: string): TaskDetail {
    return this.read((ctx) => {
      const task = rowToTask(requireTaskRow(ctx.store, id))
      const subtasks = ctx.store
        .all<{ id: string }>('SELECT id FROM tasks WHERE parent_id = ? ORDER BY created_at, id', [
          id,
        ])
        .map((r) => r.id)
      const context = ctx.store
        .all<{ key: string; value: string; author: string | null; updated_at: string }>(
          'SELECT key, value, author, updated_at FROM shared_context WHERE task_id = ? ORDER BY key',
          [id],
        )
        .map((r) => ({ ...r, value: JSON.parse(r.value) as unknown }))
      return {
        ...task,
        depends_on: dependenciesOf(ctx.store, id),
        dependents: dependentsOf(ctx.store, id),
        subtasks,
        context,
        participants: participants(ctx, id),
        open_questions: openQuestionsOf(ctx, id),
      }
    })
  }

  /** Tasks matching `filter`, most urgent first. */
  list(filter: ListFilter = {}): Task[] {
    const where: string[] = []
    const params: Record<string, unknown> = {}
    const statuses = filter.status === undefined ? [] : [filter.status].flat()
    if (statuses.length) {
      where.push(`status IN (${statuses.map((_, i) => `@s${i}`).join(', ')})`)
      statuses.forEach((s, i) => {
        params[`s${i}`] = s
      })
    }
    for (const [key, column] of [
      ['persona', 'persona'],
      ['holder', 'lease_holder'],
      ['parent', 'parent_id'],
      ['milestone', 'milestone'],
    ] as const) {
      if (filter[key]) {
        where.push(`${column} = @${key}`)
        params[key] = filter[key]
      }
    }
    where.push(filter.archived ? 'archived_at IS NOT NULL' : 'archived_at IS NULL')
    const limit = filter.limit ? `LIMIT ${Math.max(1, Math.floor(filter.limit))}` : ''
    return this.read((ctx) =>
      ctx.store
        .all<TaskRow>(
          `SELECT ${TASK_COLUMNS} FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY CASE status WHEN 'in_progress' THEN 0 WHEN 'waiting' THEN 0 WHEN 'pending' THEN 1 WHEN 'blocked' THEN 2
             ELSE 3 END, priority_rank DESC, deadline_key, created_at ${limit}`,
          params,
        )
        .map(rowToTask),
    )
  }

  /** Add the edge `taskId` depends on `dependsOn`; false when it existed. Throws DependencyCycle with the cycle. */
  depend(taskId: string, dependsOn: string, actor: string | null = null): boolean {
    return this.write((ctx) => addDependency(ctx, taskId, dependsOn, actor))
  }

  /** Remove a dependency edge; false when there was none. */
  undepend(taskId: string, dependsOn: string, actor: string | null = null): boolean {
    return this.write((ctx) => removeDependency(ctx, taskId, dependsOn, actor))
  }

  /** Block an unleased open task by hand, with a reason. */
  block(id: string, reason: string, actor: string | null = null): Task {
    return this.write((ctx) => blockTask(ctx, id, reason, actor))
  }

  /** Lift a manual block; the task stays blocked while dependencies are unmet. */
  unblock(id: string, actor: string | null = null): Task {
    return this.write((ctx) => unblockTask(ctx, id, actor))
  }

  /** Cancel an open task nobody holds. */
  cancel(id: string, reason?: string, actor: string | null = null): Task {
    return this.write((ctx) => cancelTask(ctx, id, reason, actor))
  }

  /** The ready set (sweeping expired leases first when any are due, under the engine's policy). */
  ready(options: ReadyOptions = {}): Task[] {
    this.sweepIfDue()
    return this.read((ctx) => readyTasks(ctx, options))
  }

  /** The chain of open tasks with the most estimated work (see `graph.criticalPath`). */
  criticalPath(): CriticalPath {
    return this.read((ctx) => criticalPath(ctx.store))
  }

  /** Close a task by hand as completed or cancelled (see `overrides.closeByPerson`). */
  closeByPerson(
    id: string,
    closing: Closing,
    actor: string | null = null,
    summary?: string,
  ): boolean {
    return this.write((ctx) => closeByPerson(ctx, id, closing, actor, summary))
  }

  /** Reopen a finished task (see `overrides.reopen`). */
  reopen(id: string, actor: string | null = null): boolean {
    return this.write((ctx) => reopen(ctx, id, actor))
  }

  /**
   * Delete a task nobody depends on (see `maintenance.deleteTask`); its events
   * stay, with a `deleted` event. Throws HasDependents, HasSubtasks, LeaseHeld.
   */
  delete(id: string, actor: string | null = null): Task {
    return this.write((ctx) => deleteTask(ctx, id, actor))
  }

  /** Register or update an agent: personas and lease capacity. */
  registerAgent(
    input: { id: string; personas?: string[]; capacity?: number },
    actor: string | null = null,
  ): Agent {
    return this.write((ctx) => registerAgent(ctx, input, actor))
  }

  /** Registered agents with the number of leases each holds. */
  agents(): Agent[] {
    return this.read((ctx) => listAgents(ctx))
  }

  /** The event log, oldest first (see `events.listEvents`). */
  events(filter: EventFilter = {}): TaskEvent[] {
    return this.read((ctx) => listEvents(ctx.store, filter))
  }

  /**
   * Metrics computed from the event log (see `metrics.computeMetrics`), over
   * the rollup brought up to date first ({@link Engine.readMetrics}).
   */
  metrics(options: MetricsOptions = {}): Metrics {
    return this.readMetrics((ctx) => computeMetrics(ctx, options))
  }

  /**
   * Run `fn` in a read transaction in which the metrics rollup covers every
   * event (for `computeMetrics` and `report/model.buildReport`): first the
   * events written since the last fold are folded in, in a short write
   * transaction of their own (`metrics-rollup.foldRollup`; none when there
   * are none), then `fn` reads. Should another process write in between, the
   * fold is repeated (twice at most); after that `fn` runs in the write
   * transaction of the fold itself, so the answer is always exact. `fn`'s
   * context carries `policy` (default: the engine's; the report reads its
   * lease TTL).
   */
  readMetrics<T>(fn: (ctx: Ctx) => T, policy?: LeasePolicy): T {
    const stale = Symbol('stale')
    for (let attempt = 0; attempt < 3; attempt++) {
      const { folded, last } = rollupPosition(this.store)
      if (last > folded) this.write((ctx) => foldRollup(ctx.store))
      const out = this.read((ctx) => {
        const now = rollupPosition(ctx.store)
        return now.last > now.folded ? stale : fn(ctx)
      }, policy)
      if (out !== stale) return out as T
    }
    return this.write((ctx) => {
      foldRollup(ctx.store)
      return fn(ctx)
    }, policy)
  }

  /**
   * Write an importer's plan in one transaction: decided in a read
   * transaction first (`import/prepare.ts`), so that the write lock is held
   * only to insert (`import/apply.ts`).
   */
  import(
    plan: ImportPlan,
    actor: string | null = null,
    onProgress?: (done: number, total: number) => void,
  ): ImportReport {
    const prepared = this.read((ctx) => prepareImport(ctx, plan))
    return this.write((ctx) => writeImport(ctx, prepared, actor, onProgress))
  }
}
