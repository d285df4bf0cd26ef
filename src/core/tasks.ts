/**
 * Task records: reading, creating, listing and the status changes that are
 * not about leases (manual block/unblock, cancel, field updates). Functions
 * here run inside a transaction opened by the {@link Engine}; they take a
 * {@link Ctx} carrying the store and the transaction's single "now".
 */
import type { Store } from './db/store.js'
import { TaskError } from './errors.js'
import { appendEvent } from './events.js'
import {
  type Criterion,
  FINAL_STATUSES,
  type Lease,
  normaliseTime,
  type Priority,
  type Status,
  type Task,
} from './model.js'

/** What every engine operation receives: the store, the time, the settings. */
export interface Ctx {
  store: Store
  /** The transaction's time, ms since epoch, from the injected clock. */
  nowMs: number
  /** The same time as ISO-8601 UTC. */
  now: string
  settings: EngineSettings
}

/** Lease and retry policy; durations in milliseconds. */
export interface EngineSettings {
  /** Lease time-to-live granted by claim and heartbeat (default 30 min). */
  leaseTtlMs: number
  /** Largest TTL a claim or heartbeat may ask for (default 4 h). */
  maxLeaseTtlMs: number
  /** After a lease *expires*, the task is unclaimable for this long (default 0). */
  lockDelayMs: number
  /** `max_attempts` for new tasks (default 3). */
  maxAttempts: number
  /** Concurrent leases an unregistered agent may hold (default 1). */
  defaultCapacity: number
  /**
   * Refuse a claim of a task with a persona by an agent not registered with
   * it (`PersonaMismatch`, see `claim-rules.ts`); default false: personas
   * only rank `next`.
   */
  enforcePersonas: boolean
}

export const DEFAULT_SETTINGS: EngineSettings = {
  leaseTtlMs: 30 * 60_000,
  maxLeaseTtlMs: 4 * 3_600_000,
  lockDelayMs: 0,
  maxAttempts: 3,
  defaultCapacity: 1,
  enforcePersonas: false,
}

/** A row of the `tasks` table. */
export interface TaskRow {
  id: string
  title: string
  description: string
  status: Status
  priority: Priority
  persona: string | null
  milestone: string | null
  parent_id: string | null
  success_criteria: string
  deadline: string | null
  estimated_hours: number | null
  actual_hours: number | null
  completion_summary: string | null
  feedback_quality: number | null
  feedback_timeliness: number | null
  feedback_notes: string | null
  attempts: number
  max_attempts: number
  blocked_reason: string | null
  assignee: string | null
  lease_holder: string | null
  lease_token: number | null
  lease_acquired_at: string | null
  lease_heartbeat_at: string | null
  lease_expires_at: string | null
  lease_paused_at: string | null
  lease_remaining_ms: number | null
  fencing_seq: number
  claimable_after: string | null
  lease_seconds: number
  requires_approval: number
  approved_by: string | null
  approved_at: string | null
  archived_at: string | null
  source: string | null
  created_at: string
  updated_at: string
  completed_at: string | null
}

/** Columns selected for a {@link Task} (excludes the generated sort keys). */
export const TASK_COLUMNS = `id, title, description, status, priority, persona, milestone, parent_id,
  success_criteria, deadline, estimated_hours, actual_hours, completion_summary,
  feedback_quality, feedback_timeliness, feedback_notes, attempts, max_attempts,
  blocked_reason, assignee, lease_holder, lease_token, lease_acquired_at,
  lease_heartbeat_at, lease_expires_at, lease_paused_at, lease_remaining_ms, fencing_seq,
  claimable_after, lease_seconds, requires_approval, approved_by, approved_at, archived_at,
  source, created_at, updated_at, completed_at`

/** Turn a database row into the engine's {@link Task} shape. */
export function rowToTask(row: TaskRow): Task {
  const lease: Lease | null =
    row.lease_holder !== null
      ? {
          holder: row.lease_holder,
          token: Number(row.lease_token),
          acquired_at: row.lease_acquired_at!,
          heartbeat_at: row.lease_heartbeat_at!,
          expires_at: row.lease_expires_at!,
          ...(row.lease_paused_at !== null
            ? {
                paused: {
                  at: row.lease_paused_at,
                  remaining_ms: Number(row.lease_remaining_ms ?? 0),
                },
              }
            : {}),
        }
      : null
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    persona: row.persona,
    milestone: row.milestone,
    parent_id: row.parent_id,
    success_criteria: JSON.parse(row.success_criteria) as Criterion[],
    deadline: row.deadline,
    estimated_hours: row.estimated_hours,
    actual_hours: row.actual_hours,
    completion_summary: row.completion_summary,
    feedback_quality: row.feedback_quality,
    feedback_timeliness: row.feedback_timeliness,
    feedback_notes: row.feedback_notes,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    blocked_reason: row.blocked_reason,
    assignee: row.assignee,
    lease,
    fencing_seq: row.fencing_seq,
    claimable_after: row.claimable_after,
    lease_seconds: row.lease_seconds,
    requires_approval: row.requires_approval === 1,
    approved_by: row.approved_by,
    approved_at: row.approved_at,
    archived_at: row.archived_at,
    source: row.source,
    created_at: row.created_at,
    updated_at: row.updated_at,
    completed_at: row.completed_at,
  }
}

/** The task row with `id`, or undefined. */
export function findTaskRow(store: Store, id: string): TaskRow | undefined {
  return store.get<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?`, [id])
}

/** The task row with `id`; throws `TaskError('TaskNotFound')` when there is none. */
export function requireTaskRow(store: Store, id: string): TaskRow {
  const row = findTaskRow(store, id)
  if (!row) {
    throw new TaskError('TaskNotFound', `No task with id "${id}". \`tm list\` shows the tasks.`, {
      task: id,
    })
  }
  return row
}

/** A fresh random task id: 8 lowercase alphanumerics not yet in use. */
export function newTaskId(store: Store): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  for (;;) {
    const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8))
    let id = ''
    for (const b of bytes) id += alphabet[b % alphabet.length]
    if (!findTaskRow(store, id)) return id
  }
}

/** Ids of the direct dependencies of `id` that are not completed yet. */
export function unmetDependencies(store: Store, id: string): string[] {
  return store
    .all<{ id: string }>(
      `SELECT t.id FROM dependencies d JOIN tasks t ON t.id = d.depends_on_id
       WHERE d.task_id = ? AND t.status <> 'completed' ORDER BY t.id`,
      [id],
    )
    .map((r) => r.id)
}

/**
 * Re-derive `blocked` ↔ `pending` for a task that is in one of those two
 * states: blocked while a dependency is unmet or a person blocked it with a
 * reason; pending otherwise. Appends `blocked`/`unblocked` on a change.
 * Tasks in any other status are left alone. Returns the new status.
 */
export function settleBlocked(ctx: Ctx, id: string, actor: string | null): Status {
  const row = requireTaskRow(ctx.store, id)
  if (row.status !== 'blocked' && row.status !== 'pending') return row.status
  const unmet = unmetDependencies(ctx.store, id)
  const next: Status = unmet.length > 0 || row.blocked_reason !== null ? 'blocked' : 'pending'
  if (next !== row.status) {
    ctx.store.run('UPDATE tasks SET status = ?, updated_at = ? WHERE id = ?', [next, ctx.now, id])
    appendEvent(ctx.store, {
      at: ctx.now,
      type: next === 'blocked' ? 'blocked' : 'unblocked',
      task_id: id,
      actor,
      details:
        next === 'blocked'
          ? { dependencies: unmet, reason: row.blocked_reason }
          : { reason: 'dependencies completed' },
    })
  }
  return next
}

/** Throw `InvalidTransition` when the task is completed, failed or cancelled. */
export function requireOpen(row: TaskRow, action: string): void {
  if (FINAL_STATUSES.includes(row.status)) {
    throw new TaskError(
      'InvalidTransition',
      `Cannot ${action} task ${row.id}: it is ${row.status}.`,
      { task: row.id, status: row.status },
    )
  }
}

/** Normalise an optional ISO-8601 input time, or null. */
export function optionalTime(value: string | undefined | null): string | null {
  return value ? normaliseTime(value) : null
}
