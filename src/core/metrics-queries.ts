/**
 * The SQL behind {@link computeMetrics} (`./metrics.ts`): each function is one
 * aggregate query over the event log and the task table, returning narrow
 * rows that the caller folds into overall, per-agent, per-persona and
 * per-milestone figures. Every query takes `since` ('' for the whole log,
 * else ISO-8601 UTC, compared as text) and `scope` ('' for every task, else
 * a task-id prefix such as `owner/repo#`: one repository's tasks) and runs
 * in the caller's read
 * transaction, so all figures come from one snapshot.
 */
import type { Store } from './db/store.js'

/** Events that end a lease; each carries `lease_s` (seconds the lease ran). */
export const LEASE_ENDS = ['released', 'completed', 'failed', 'retry_scheduled', 'lease_expired']
const LEASE_ENDS_SQL = LEASE_ENDS.map((t) => `'${t}'`).join(', ')

/** Lease-event counters for one (actor, persona, milestone) combination. */
export interface CounterRow {
  actor: string | null
  persona: string | null
  milestone: string | null
  claims: number
  completed: number
  /** Failed tries: `fail` by an agent, a retry scheduled, an expired lease. */
  failed_attempts: number
  expiries: number
  /** `failed` events: tasks that failed for good (attempts exhausted or no retry). */
  failed: number
  lease_s: number | null
}

/**
 * Claims, completions, failed tries, expiries and lease seconds from the log,
 * grouped by acting agent and the task's persona and milestone — one pass
 * over the lease events (served by the `events_type_at` index).
 */
export function leaseCounters(store: Store, since: string, scope = ''): CounterRow[] {
  return store.all<CounterRow>(
    `SELECT e.actor, t.persona, t.milestone,
       sum(e.type = 'claimed') AS claims,
       sum(e.type = 'completed') AS completed,
       sum(e.type IN ('retry_scheduled', 'lease_expired') OR (e.type = 'failed' AND e.actor IS NOT NULL)) AS failed_attempts,
       sum(e.type = 'lease_expired') AS expiries,
       sum(e.type = 'failed') AS failed,
       sum(CASE WHEN e.type IN (${LEASE_ENDS_SQL}) THEN json_extract(e.details, '$.lease_s') END) AS lease_s
     FROM events e LEFT JOIN tasks t ON t.id = e.task_id
     WHERE e.type IN ('claimed', ${LEASE_ENDS_SQL}) AND e.at >= @since AND (@scope = '' OR substr(e.task_id, 1, length(@scope)) = @scope)
     GROUP BY e.actor, t.persona, t.milestone`,
    { since, scope },
  )
}

/** One task completed here (a `completed` event in the window) and still completed. */
export interface DoneRow {
  id: string
  /** Who completed it (the last `completed` event's actor). */
  agent: string | null
  persona: string | null
  milestone: string | null
  /** UTC day of completion, `YYYY-MM-DD`. */
  day: string
  /** First claim → completion, hours; null when never claimed (closed by a person). */
  cycle_h: number | null
  /** Creation → completion, hours. */
  lead_h: number
  /** actual / estimated hours; null without both. */
  ratio: number | null
  quality: number | null
  timeliness: number | null
}

/**
 * Tasks completed in the window, with their cycle time (first claim ever →
 * completion), lead time (creation → completion), estimate ratio and
 * feedback. Tasks completed only in imported history have no `completed`
 * event here and are left out; a task completed, reopened and completed
 * again counts once, with its last completion.
 */
export function completedTasks(store: Store, since: string, scope = ''): DoneRow[] {
  return store.all<DoneRow>(
    `WITH done AS (
       SELECT task_id, max(id) AS last_id FROM events
       WHERE type = 'completed' AND at >= @since AND (@scope = '' OR substr(task_id, 1, length(@scope)) = @scope) GROUP BY task_id
     ),
     first_claim AS (
       SELECT task_id, min(at) AS at FROM events
       WHERE type = 'claimed' AND task_id IN (SELECT task_id FROM done) GROUP BY task_id
     )
     SELECT t.id, e.actor AS agent, t.persona, t.milestone, substr(t.completed_at, 1, 10) AS day,
       (julianday(t.completed_at) - julianday(f.at)) * 24 AS cycle_h,
       (julianday(t.completed_at) - julianday(t.created_at)) * 24 AS lead_h,
       CASE WHEN t.actual_hours IS NOT NULL AND t.estimated_hours > 0
         THEN t.actual_hours / t.estimated_hours END AS ratio,
       t.feedback_quality AS quality, t.feedback_timeliness AS timeliness
     FROM done d JOIN events e ON e.id = d.last_id JOIN tasks t ON t.id = d.task_id
     LEFT JOIN first_claim f ON f.task_id = d.task_id
     WHERE t.status = 'completed' AND t.completed_at IS NOT NULL`,
    { since, scope },
  )
}

/** Hours one task spent `blocked` within the window. */
export interface BlockedRow {
  id: string
  persona: string | null
  milestone: string | null
  hours: number
}

/**
 * Time blocked per task, from the status events: a `blocked` event (or an
 * import of a blocked task) starts blocked time that lasts until the task's
 * next status event — `unblocked`, `completed` (closed by a person),
 * `task_cancelled`, `reopened` — or until `now` while it is still blocked.
 * Successive `blocked` events (a manual block on top of unmet dependencies)
 * just split one stretch. Clipped to the window `[since, now]`.
 */
export function blockedTime(store: Store, since: string, now: string, scope = ''): BlockedRow[] {
  return store.all<BlockedRow>(
    `WITH s AS (
       SELECT task_id, id, at,
         type = 'blocked' OR (type = 'imported' AND json_extract(details, '$.status') = 'blocked') AS b
       FROM events
       WHERE type IN ('blocked', 'unblocked', 'completed', 'task_cancelled', 'reopened', 'imported')
         AND (@scope = '' OR substr(task_id, 1, length(@scope)) = @scope)
     ),
     spans AS (
       SELECT task_id, b, at, lead(at, 1, @now) OVER (PARTITION BY task_id ORDER BY id) AS until
       FROM s
     ),
     per_task AS (
       SELECT task_id, sum(julianday(until) - julianday(max(at, @since))) * 24 AS hours
       FROM spans WHERE b AND until > @since AND until > at GROUP BY task_id
     )
     SELECT t.id, t.persona, t.milestone, p.hours FROM per_task p JOIN tasks t ON t.id = p.task_id`,
    { since, now, scope },
  )
}

/** Leased tasks now (work in progress), per holder, persona and milestone. */
export interface WipRow {
  holder: string
  persona: string | null
  milestone: string | null
  n: number
}

/** Work in progress: tasks under a lease (`in_progress`, or `waiting` on an answer). */
export function workInProgress(store: Store, scope = ''): WipRow[] {
  return store.all<WipRow>(
    `SELECT lease_holder AS holder, persona, milestone, count(*) AS n FROM tasks
     WHERE lease_holder IS NOT NULL AND (@scope = '' OR substr(id, 1, length(@scope)) = @scope)
     GROUP BY lease_holder, persona, milestone`,
    { scope },
  )
}

/** Completions per UTC day in the window, oldest first. */
export function throughputByDay(
  store: Store,
  since: string,
  scope = '',
): { day: string; completed: number }[] {
  return store.all<{ day: string; completed: number }>(
    `SELECT substr(at, 1, 10) AS day, count(*) AS completed FROM events
     WHERE type = 'completed' AND at >= @since AND (@scope = '' OR substr(task_id, 1, length(@scope)) = @scope)
     GROUP BY day ORDER BY day`,
    { since, scope },
  )
}

/** Tasks per status (archived tasks included). */
export function statusCounts(store: Store, scope = ''): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of store.all<{ status: string; n: number }>(
    `SELECT status, count(*) AS n FROM tasks WHERE (@scope = '' OR substr(id, 1, length(@scope)) = @scope) GROUP BY status`,
    { scope },
  )) {
    out[r.status] = r.n
  }
  return out
}

/** Sum of `attempts` over all tasks (failed tries the engine counted). */
export function attemptsCounted(store: Store, scope = ''): number {
  return (
    store.get<{ n: number }>(
      `SELECT coalesce(sum(attempts), 0) AS n FROM tasks WHERE (@scope = '' OR substr(id, 1, length(@scope)) = @scope)`,
      { scope },
    )?.n ?? 0
  )
}
