/**
 * The SQL behind {@link computeMetrics} (`./metrics.ts`): each function is one
 * aggregate query returning narrow rows that the caller folds into overall,
 * per-agent, per-persona and per-milestone figures. Every query takes `since`
 * ('' for the whole log, else ISO-8601 UTC, compared as text) and `scope`
 * ('' for every task, else a task-id prefix such as `owner/repo#`: one
 * repository's tasks) and runs in the caller's read transaction, so all
 * figures come from one snapshot.
 *
 * Where the figures come from (migration 5, `./db/schema-metrics.ts`):
 *  - lifetime facts per task — first claim, last completion and who made it,
 *    closed blocked hours and the open blocked stretch, lease counters per
 *    agent, copies of the task's figures — are kept in the rollup tables as
 *    events and tasks are written, so the whole-log figures read the rollup
 *    and never scan the log;
 *  - windowed figures (`since`) are exact too: lease counters, completions
 *    and throughput come from the `events` rows in the window (a range of the
 *    `events_type_at` index, so the cost follows the window, not the log),
 *    joined to the rollup for the lifetime facts (cycle time counts from the
 *    first claim ever); time blocked clips the closed spans kept in
 *    `metrics_blocked` (ranged by their end) and the open stretches to the
 *    window.
 */
import type { Store } from './db/store.js'

/** Events that end a lease; each carries `lease_s` (seconds the lease ran). */
export const LEASE_ENDS = ['released', 'completed', 'failed', 'retry_scheduled', 'lease_expired']
const LEASE_ENDS_SQL = LEASE_ENDS.map((t) => `'${t}'`).join(', ')

/** `@scope` filter on a task-id column. */
const inScope = (column: string) => `(@scope = '' OR substr(${column}, 1, length(@scope)) = @scope)`

/** Lease-event counters for one (actor, persona, milestone) combination. */
export interface CounterRow {
  actor: string | null
  persona: string | null
  milestone: string | null
  claims: number
  completed: number
  /**
   * Failed lease tries: `fail` by an agent, a retry scheduled, an expired
   * lease (refused completions are counted by {@link refusedCompletions}).
   */
  failed_attempts: number
  expiries: number
  /** `failed` events: tasks that failed for good (attempts exhausted or no retry). */
  failed: number
  lease_s: number | null
}

/**
 * Claims, completions, failed tries, expiries and lease seconds, grouped by
 * acting agent and the task's (current) persona and milestone. Whole log:
 * the per-task, per-agent counters of the rollup; a window: the lease events
 * in it.
 */
export function leaseCounters(store: Store, since: string, scope = ''): CounterRow[] {
  if (since === '') {
    return store.all<CounterRow>(
      `SELECT json_extract(a.actor, '$') AS actor, m.persona, m.milestone,
         sum(a.claims) AS claims, sum(a.completed) AS completed,
         sum(a.failed_attempts) AS failed_attempts, sum(a.expiries) AS expiries,
         sum(a.failed) AS failed, sum(a.lease_s) AS lease_s
       FROM task_metrics_actor a LEFT JOIN task_metrics m ON m.task_id = a.task_id
       WHERE ${inScope('a.task_id')}
       GROUP BY a.actor, m.persona, m.milestone`,
      { scope },
    )
  }
  return store.all<CounterRow>(
    `SELECT e.actor, m.persona, m.milestone,
       sum(e.type = 'claimed') AS claims,
       sum(e.type = 'completed') AS completed,
       sum(e.type IN ('retry_scheduled', 'lease_expired') OR (e.type = 'failed' AND e.actor IS NOT NULL)) AS failed_attempts,
       sum(e.type = 'lease_expired') AS expiries,
       sum(e.type = 'failed') AS failed,
       sum(CASE WHEN e.type IN (${LEASE_ENDS_SQL}) THEN json_extract(e.details, '$.lease_s') END) AS lease_s
     FROM events e LEFT JOIN task_metrics m ON m.task_id = e.task_id
     WHERE e.type IN ('claimed', ${LEASE_ENDS_SQL}) AND e.at >= @since AND ${inScope('e.task_id')}
     GROUP BY e.actor, m.persona, m.milestone`,
    { since, scope },
  )
}

/** Refused completions for one (actor, persona, milestone) combination. */
export interface RefusedRow {
  actor: string | null
  persona: string | null
  milestone: string | null
  refused: number
}

/**
 * Completions refused because a success criterion did not hold, grouped
 * like {@link leaseCounters}: the engine's `criteria_evaluated` events
 * (written when `complete` throws `CriteriaFailed`) with `passed: false`
 * and at least one evaluated result. A refusal that evaluated nothing —
 * measurable criteria but no `--validate` — is a usage mistake, not a try,
 * and is left out. Both paths read one event type through `events_type_at`
 * (from `since`, or from the start), so the cost follows the number of
 * refusals, not the size of the log.
 */
export function refusedCompletions(store: Store, since: string, scope = ''): RefusedRow[] {
  return store.all<RefusedRow>(
    `SELECT e.actor, m.persona, m.milestone, count(*) AS refused
     FROM events e LEFT JOIN task_metrics m ON m.task_id = e.task_id
     WHERE e.type = 'criteria_evaluated' AND e.at >= @since AND ${inScope('e.task_id')}
       AND json_extract(e.details, '$.passed') = 0
       AND json_array_length(e.details, '$.results') > 0
     GROUP BY e.actor, m.persona, m.milestone`,
    { since, scope },
  )
}

/** One task completed here (a `completed` event in the window) and still completed. */
export interface DoneRow {
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

const DONE_COLUMNS = `m.persona, m.milestone, substr(m.completed_at, 1, 10) AS day,
  (julianday(m.completed_at) - julianday(m.first_claim_at)) * 24 AS cycle_h,
  (julianday(m.completed_at) - julianday(m.created_at)) * 24 AS lead_h,
  m.estimate_ratio AS ratio, m.quality, m.timeliness`
const STILL_DONE = `m.task_completed = 1 AND m.completed_at IS NOT NULL`

/**
 * Tasks completed in the window, with their cycle time (first claim ever →
 * completion), lead time (creation → completion), estimate ratio and
 * feedback. Tasks completed only in imported history have no `completed`
 * event here and are left out; a task completed, reopened and completed
 * again counts once, with its last completion (in the window).
 */
export function completedTasks(store: Store, since: string, scope = ''): DoneRow[] {
  if (since === '') {
    return store.all<DoneRow>(
      `SELECT m.completed_by AS agent, ${DONE_COLUMNS} FROM task_metrics m
       WHERE m.completed_id IS NOT NULL AND ${STILL_DONE} AND ${inScope('m.task_id')}`,
      { scope },
    )
  }
  return store.all<DoneRow>(
    `WITH done AS (${DONE_IN_WINDOW})
     SELECT e.actor AS agent, ${DONE_COLUMNS}
     FROM done d JOIN events e ON e.id = d.last_id JOIN task_metrics m ON m.task_id = d.task_id
     WHERE ${STILL_DONE}`,
    { since, scope },
  )
}

/** The last `completed` event of each task in the window. */
const DONE_IN_WINDOW = `SELECT task_id, max(id) AS last_id FROM events
  WHERE type = 'completed' AND at >= @since AND ${inScope('task_id')} GROUP BY task_id`

/** Hours one task spent `blocked` within the window. */
export interface BlockedRow {
  /** Who completed the task in the window (as in {@link completedTasks}), else null. */
  agent: string | null
  persona: string | null
  milestone: string | null
  hours: number
}

/**
 * Time blocked per task: a `blocked` event (or an import of a blocked task)
 * starts blocked time that lasts until the task's next status event —
 * `unblocked`, `completed` (closed by a person), `task_cancelled`,
 * `reopened` — or until `now` while it is still blocked. Successive
 * `blocked` events just split one stretch. Clipped to the window
 * `[since, now]`. Whole log: the closed hours kept per task plus the open
 * stretch; a window: the closed spans ending in it plus the open stretches.
 */
export function blockedTime(store: Store, since: string, now: string, scope = ''): BlockedRow[] {
  if (since === '') {
    return store.all<BlockedRow>(
      `SELECT CASE WHEN m.completed_id IS NOT NULL AND ${STILL_DONE} THEN m.completed_by END AS agent,
         m.persona, m.milestone,
         m.blocked_h + CASE WHEN m.blocked_from < @now
           THEN (julianday(@now) - julianday(m.blocked_from)) * 24 ELSE 0 END AS hours
       FROM task_metrics m
       WHERE m.task_completed IS NOT NULL AND (m.blocked_h > 0 OR m.blocked_from < @now) AND ${inScope('m.task_id')}`,
      { now, scope },
    )
  }
  return store.all<BlockedRow>(
    `WITH spans AS (
       SELECT task_id, from_at, until_at FROM metrics_blocked
       WHERE until_at > @since AND ${inScope('task_id')}
       UNION ALL
       SELECT task_id, blocked_from, @now FROM task_metrics
       WHERE blocked_from < @now AND @now > @since AND ${inScope('task_id')}
     ),
     per_task AS (
       SELECT task_id, sum(julianday(until_at) - julianday(max(from_at, @since))) * 24 AS hours
       FROM spans GROUP BY task_id
     ),
     done AS (${DONE_IN_WINDOW})
     SELECT CASE WHEN ${STILL_DONE} THEN e.actor END AS agent, m.persona, m.milestone, p.hours
     FROM per_task p JOIN task_metrics m ON m.task_id = p.task_id
     LEFT JOIN done d ON d.task_id = p.task_id LEFT JOIN events e ON e.id = d.last_id
     WHERE m.task_completed IS NOT NULL`,
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
     WHERE lease_holder IS NOT NULL AND ${inScope('id')}
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
     WHERE type = 'completed' AND at >= @since AND ${inScope('task_id')}
     GROUP BY day ORDER BY day`,
    { since, scope },
  )
}

/** Tasks per status (archived tasks included). */
export function statusCounts(store: Store, scope = ''): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of store.all<{ status: string; n: number }>(
    `SELECT status, count(*) AS n FROM tasks WHERE ${inScope('id')} GROUP BY status`,
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
      `SELECT coalesce(sum(attempts), 0) AS n FROM tasks WHERE ${inScope('id')}`,
      { scope },
    )?.n ?? 0
  )
}
