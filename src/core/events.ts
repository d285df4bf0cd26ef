/**
 * The audit log. Every change the engine makes appends one or more events in
 * the same transaction as the change, so state and history cannot disagree.
 * Metrics (`./metrics.ts`) are computed from this log.
 */
import type { Store } from './db/store.js'

/** Every event type the engine writes. */
export const EVENT_TYPES = [
  'task_created',
  'task_updated',
  'task_cancelled',
  'reopened',
  'dependency_added',
  'dependency_removed',
  'blocked',
  'unblocked',
  'claimed',
  'heartbeat',
  'released',
  'completed',
  'failed',
  'retry_scheduled',
  'lease_expired',
  'criteria_evaluated',
  'context_handed_over',
  'agent_registered',
  'joined',
  'progress',
  'feedback',
  'question_asked',
  'question_answered',
  'resumed',
  'context_shared',
  'note_added',
  'approved',
  'archived',
  'imported',
  'deleted',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** One entry of the log. `at` is ISO-8601 UTC; `details` is free-form JSON. */
export interface TaskEvent {
  id: number
  at: string
  type: EventType
  task_id: string | null
  actor: string | null
  details: Record<string, unknown>
}

/** Append an event; call only inside a write transaction. */
export function appendEvent(
  store: Store,
  event: Omit<TaskEvent, 'id' | 'details'> & { details?: Record<string, unknown> },
): void {
  store.run('INSERT INTO events (at, type, task_id, actor, details) VALUES (?, ?, ?, ?, ?)', [
    event.at,
    event.type,
    event.task_id,
    event.actor,
    JSON.stringify(event.details ?? {}),
  ])
}

/** Filters for {@link listEvents}; all optional and combined with AND. */
export interface EventFilter {
  task?: string
  actor?: string
  type?: string
  /** Only events with id greater than this (for `--follow`). */
  afterId?: number
  /** Only events at or after this ISO-8601 time. */
  since?: string
  /** Newest N (default: all, oldest first). */
  limit?: number
}

/** Read events oldest first. */
export function listEvents(store: Store, filter: EventFilter = {}): TaskEvent[] {
  const where: string[] = []
  const params: unknown[] = []
  if (filter.task) where.push('task_id = ?') && params.push(filter.task)
  if (filter.actor) where.push('actor = ?') && params.push(filter.actor)
  if (filter.type) where.push('type = ?') && params.push(filter.type)
  if (filter.afterId !== undefined) where.push('id > ?') && params.push(filter.afterId)
  if (filter.since) where.push('at >= ?') && params.push(filter.since)
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : ''
  const sql = filter.limit
    ? `SELECT * FROM (SELECT * FROM events ${clause} ORDER BY id DESC LIMIT ${Math.max(1, Math.floor(filter.limit))}) ORDER BY id`
    : `SELECT * FROM events ${clause} ORDER BY id`
  return store
    .all<Omit<TaskEvent, 'details'> & { details: string }>(sql, params)
    .map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }))
}
