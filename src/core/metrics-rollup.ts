/**
 * Keeping the metrics rollup (migration 5's tables, reshaped by migration 6;
 * see `./db/schema-metrics.ts`) up to date **on read**, incrementally.
 *
 * Writes cost nothing: no trigger fires when a task or an event is written.
 * Instead `metrics_cursor.folded_id` records the last event id folded into
 * the rollup, and before the metrics read it, {@link foldRollup} folds the
 * events after it — `k` new events cost O(k) (a range of the `events` rowid,
 * plus index lookups per task they name), whatever the size of the log.
 * The idea is the materialized view refreshed from a change log ("deferred
 * incremental view maintenance"), here with the event log as the change log.
 *
 * What a fold does with the events `(folded_id, to]`:
 *  - adds the lease events to the per-task, per-agent counters;
 *  - lowers `first_claim_at` to the earliest new claim;
 *  - records the last new `completed` event (id and actor);
 *  - walks each task's new status events after its open blocked stretch:
 *    a status event after a `blocked` one closes a span (kept in
 *    `metrics_blocked`, its hours added to `blocked_h`), the last one leaves
 *    the stretch open (`blocked`, or an import of a blocked task) or closed;
 *  - copies the figures of each task the new events name (status
 *    completed or not, persona, milestone, created/completed times,
 *    estimate ratio, feedback) from its `tasks` row, or clears them when the
 *    row is gone. This relies on the engine's rule that every command that
 *    changes a task appends an event naming it in the same transaction
 *    (DESIGN.md, "Engine"); an event that names no task (a rebuild from
 *    GitHub, which removes and restores tasks) other than
 *    `agent_registered` makes the fold copy every task again.
 *
 * The result equals what migration 5's backfill computes from the whole log
 * (tests: test/core/metrics-rollup.test.ts).
 */
import { type Store, storageError } from './db/store.js'
import { isTaskError, TaskError } from './errors.js'

/** Status events: each closes an open blocked span; `blocked` (or an import of a blocked task) opens one. */
const STATUS_EVENTS = `'blocked', 'unblocked', 'completed', 'task_cancelled', 'reopened', 'imported'`
/** Events that start or end a lease. */
const LEASE_EVENTS = `'claimed', 'released', 'completed', 'failed', 'retry_scheduled', 'lease_expired'`
/** Events that name no task and change none. */
const TASK_FREE_EVENTS = `'agent_registered'`
/** The events being folded (named parameters `@from` exclusive, `@to` inclusive). */
const NEW = `id > @from AND id <= @to`
const opensBlock = (e: string) =>
  `(${e}type = 'blocked' OR (${e}type = 'imported' AND json_extract(${e}details, '$.status') = 'blocked'))`

/**
 * The fold, statement by statement. Order matters: the spans read
 * `blocked_from` before it moves, and their hours are added once every task
 * they belong to has a row.
 */
const FOLD: readonly string[] = [
  `INSERT INTO task_metrics_actor (task_id, actor, events, claims, completed, failed_attempts,
     expiries, failed, lease_s)
   SELECT coalesce(task_id, ''), json_quote(actor), count(*), sum(type = 'claimed'), sum(type = 'completed'),
     sum(type IN ('retry_scheduled', 'lease_expired') OR (type = 'failed' AND actor IS NOT NULL)),
     sum(type = 'lease_expired'), sum(type = 'failed'),
     sum(CASE WHEN type <> 'claimed' THEN coalesce(json_extract(details, '$.lease_s'), 0) ELSE 0 END)
   FROM events WHERE ${NEW} AND type IN (${LEASE_EVENTS})
   GROUP BY 1, 2
   ON CONFLICT (task_id, actor) DO UPDATE SET events = events + excluded.events,
     claims = claims + excluded.claims, completed = completed + excluded.completed,
     failed_attempts = failed_attempts + excluded.failed_attempts,
     expiries = expiries + excluded.expiries, failed = failed + excluded.failed,
     lease_s = lease_s + excluded.lease_s`,

  `INSERT INTO task_metrics (task_id, first_claim_at)
   SELECT task_id, min(at) FROM events
   WHERE ${NEW} AND type = 'claimed' AND task_id IS NOT NULL GROUP BY task_id
   ON CONFLICT (task_id) DO UPDATE
   SET first_claim_at = min(coalesce(first_claim_at, excluded.first_claim_at), excluded.first_claim_at)`,

  `INSERT INTO task_metrics (task_id, completed_id, completed_by)
   SELECT e.task_id, e.id, e.actor FROM events e
   JOIN (SELECT max(id) AS id FROM events
         WHERE ${NEW} AND type = 'completed' AND task_id IS NOT NULL GROUP BY task_id) l ON l.id = e.id
   WHERE true
   ON CONFLICT (task_id) DO UPDATE SET completed_id = excluded.completed_id,
     completed_by = excluded.completed_by`,

  // Blocked spans closed by the new status events: each task's open stretch
  // (as of the last fold) followed by its new status events, in log order.
  `INSERT INTO metrics_blocked (task_id, from_at, until_at)
   WITH s AS (
     SELECT task_id, id, at, ${opensBlock('')} AS b FROM events
     WHERE ${NEW} AND task_id IS NOT NULL AND type IN (${STATUS_EVENTS})
   ),
   walk AS (
     SELECT task_id, at, b, lead(at) OVER (PARTITION BY task_id ORDER BY id) AS until FROM (
       SELECT task_id, id, at, b FROM s
       UNION ALL
       SELECT m.task_id, 0, m.blocked_from, 1 FROM task_metrics m
       WHERE m.blocked_from IS NOT NULL AND m.task_id IN (SELECT task_id FROM s)
     )
   )
   SELECT task_id, at, until FROM walk WHERE b AND until > at`,

  `INSERT INTO task_metrics (task_id, blocked_from)
   SELECT e.task_id, CASE WHEN ${opensBlock('e.')} THEN e.at END FROM events e
   JOIN (SELECT max(id) AS id FROM events
         WHERE ${NEW} AND task_id IS NOT NULL AND type IN (${STATUS_EVENTS}) GROUP BY task_id) l
     ON l.id = e.id
   WHERE true
   ON CONFLICT (task_id) DO UPDATE SET blocked_from = excluded.blocked_from`,

  `UPDATE task_metrics SET blocked_h = blocked_h + n.h
   FROM (SELECT task_id, sum((julianday(until_at) - julianday(from_at)) * 24) AS h
         FROM metrics_blocked WHERE rowid > @spans GROUP BY task_id) AS n
   WHERE n.task_id = task_metrics.task_id`,
]

const RATIO = `CASE WHEN actual_hours IS NOT NULL AND estimated_hours > 0 THEN actual_hours / estimated_hours END`

/** Copy the task rows whose ids `which` selects (a subquery) into their rollup rows. */
const copyTasks = (which: string) => `
  INSERT INTO task_metrics (task_id, task_completed, persona, milestone, created_at,
    completed_at, estimate_ratio, quality, timeliness)
  SELECT id, status = 'completed', persona, milestone, created_at, completed_at, ${RATIO},
    feedback_quality, feedback_timeliness
  FROM tasks WHERE ${which}
  ON CONFLICT (task_id) DO UPDATE SET task_completed = excluded.task_completed,
    persona = excluded.persona, milestone = excluded.milestone,
    created_at = excluded.created_at, completed_at = excluded.completed_at,
    estimate_ratio = excluded.estimate_ratio, quality = excluded.quality,
    timeliness = excluded.timeliness`

/** Clear the copies of the rollup rows `which` selects whose task is gone (its log facts stay). */
const forgetTasks = (which: string) => `
  UPDATE task_metrics SET task_completed = NULL, persona = NULL, milestone = NULL,
    created_at = NULL, completed_at = NULL, estimate_ratio = NULL, quality = NULL, timeliness = NULL
  WHERE ${which} AND task_completed IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = task_metrics.task_id)`

const NAMED = `id IN (SELECT task_id FROM events WHERE ${NEW} AND task_id IS NOT NULL)`
const NAMED_ROWS = `task_id IN (SELECT task_id FROM events WHERE ${NEW} AND task_id IS NOT NULL)`
const ANY_TASK_MAY_HAVE_CHANGED = `SELECT EXISTS (SELECT 1 FROM events
  WHERE ${NEW} AND task_id IS NULL AND type NOT IN (${TASK_FREE_EVENTS})) AS all_tasks`

/** Where the rollup stands against the log: the last event folded and the last event. */
export function rollupPosition(store: Store): { folded: number; last: number } {
  const row = store.get<{ folded: number; last: number | null }>(
    `SELECT (SELECT folded_id FROM metrics_cursor WHERE id = 1) AS folded,
       (SELECT max(id) FROM events) AS last`,
  )
  return { folded: row?.folded ?? 0, last: row?.last ?? 0 }
}

/**
 * Fold the events written since the last fold into the rollup and move the
 * cursor to the last of them. Call inside a write transaction (the engine's
 * `write`, or a nested one). Returns how many event ids were folded (0 when
 * the rollup was already up to date, in which case nothing is written).
 */
export function foldRollup(store: Store): number {
  const { folded, last } = rollupPosition(store)
  if (last <= folded) return 0
  const range = { from: folded, to: last }
  const spans = store.get<{ n: number }>('SELECT coalesce(max(rowid), 0) AS n FROM metrics_blocked')
  for (const sql of FOLD) store.run(sql, { ...range, spans: spans?.n ?? 0 })
  const all = store.get<{ all_tasks: number }>(ANY_TASK_MAY_HAVE_CHANGED, range)?.all_tasks === 1
  if (all) {
    store.run(copyTasks('true'))
    store.run(forgetTasks('true'))
  } else {
    store.run(copyTasks(NAMED), range)
    store.run(forgetTasks(NAMED_ROWS), range)
  }
  store.run('UPDATE metrics_cursor SET folded_id = @to WHERE id = 1', range)
  return last - folded
}

/**
 * Make sure the rollup covers every event the current transaction sees,
 * folding what is missing. Inside a write transaction this always succeeds;
 * inside a read transaction the fold needs the write lock, which SQLite
 * grants a reader only when no other connection has written since its
 * snapshot began and none holds the lock now — otherwise this throws
 * `TaskError('StorageError')` (SQLITE_BUSY), leaving the read as it was.
 * Callers that start their own transaction should fold first in a write
 * transaction (`Engine.metrics`, `Engine.refreshMetrics`), so that this
 * finds nothing to do.
 */
export function ensureRollup(store: Store): void {
  const { folded, last } = rollupPosition(store)
  if (last <= folded) return
  try {
    store.write(() => foldRollup(store))
  } catch (err) {
    if (isTaskError(err)) throw err
    const e = storageError(err, store.driver.path)
    throw new TaskError(
      'StorageError',
      `The metrics rollup is ${last - folded} event(s) behind the log and could not be brought up to date inside this read (${e.message}) Read the metrics through Engine.metrics or Engine.readMetrics, which fold first, or retry.`,
      { ...e.details, behind: last - folded },
    )
  }
}
