/**
 * Migration 5: the metrics rollup (issue 6). `tm metrics` must answer in
 * well under a second over 1,000,000 events, so the per-task facts the
 * metrics need are kept up to date as rows are written instead of being
 * recomputed from the log on every read (`../metrics-queries.ts` reads them).
 *
 * Tables:
 *  - `task_metrics`: one row per task id seen in `tasks` or in a metrics
 *    event. Copies of the task row's figures: whether it is completed
 *    (`task_completed` 1 or 0; NULL while no task has the id — removed by a
 *    rebuild, say), persona, milestone, created/completed times, actual /
 *    estimated hours, feedback. Facts folded from its events: the first claim (min `at` of
 *    `claimed`), the last `completed` event (id and actor), the start of the
 *    open blocked stretch and the hours of the closed ones.
 *  - `task_metrics_actor`: lease-event counters per task and acting agent
 *    (`actor` holds `json_quote(actor)`, so an event without an actor is
 *    the key `null`, never confused with a name): events, claims,
 *    completions, failed tries, expiries, failures for good, lease seconds.
 *  - `metrics_blocked`: every closed blocked span (`from_at` → `until_at`),
 *    for windowed (`--since`) questions; indexed by its end.
 *
 * Kept by triggers, each a few single-row statements chosen by event type
 * (nothing scans): on `events` inserts (every writer — the engine, imports,
 * the rebuild from GitHub — appends through `INSERT INTO events`, so none
 * can bypass them) and on `tasks` inserts, updates of the copied columns and
 * deletes. Heartbeats and other events fire nothing but a `WHEN` test.
 * The block-time rule is the log's (see `blockedTime`): a `blocked` event,
 * or an import of a blocked task, opens a span that the task's next status
 * event (`unblocked`, `completed`, `task_cancelled`, `reopened`, `imported`)
 * closes; successive `blocked` events split one stretch.
 *
 * The backfill below computes the same tables from the existing log and
 * task rows, so an upgraded database gives the figures it gave before.
 * A later migration that rebuilds `tasks` (drop and rename, as migration 4
 * did) drops the three `tasks` triggers with it and must create them again.
 */

/** Status events: each closes an open blocked span; `blocked` (or an import of a blocked task) opens one. */
const STATUS_EVENTS = `'blocked', 'unblocked', 'completed', 'task_cancelled', 'reopened', 'imported'`
/** Events that start or end a lease. */
const LEASE_EVENTS = `'claimed', 'released', 'completed', 'failed', 'retry_scheduled', 'lease_expired'`
/** Whether a status event (alias-free columns, or `NEW.`-prefixed) opens a blocked span. */
const opensBlock = (e: string) =>
  `(${e}type = 'blocked' OR (${e}type = 'imported' AND json_extract(${e}details, '$.status') = 'blocked'))`
const RATIO = (e: string) =>
  `CASE WHEN ${e}actual_hours IS NOT NULL AND ${e}estimated_hours > 0 THEN ${e}actual_hours / ${e}estimated_hours END`

/** Copy the task row `NEW` into its rollup row. */
const COPY_TASK = `INSERT INTO task_metrics (task_id, task_completed, persona, milestone, created_at,
      completed_at, estimate_ratio, quality, timeliness)
    VALUES (NEW.id, NEW.status = 'completed', NEW.persona, NEW.milestone, NEW.created_at,
      NEW.completed_at, ${RATIO('NEW.')}, NEW.feedback_quality, NEW.feedback_timeliness)
    ON CONFLICT (task_id) DO UPDATE SET task_completed = excluded.task_completed,
      persona = excluded.persona, milestone = excluded.milestone,
      created_at = excluded.created_at, completed_at = excluded.completed_at,
      estimate_ratio = excluded.estimate_ratio, quality = excluded.quality,
      timeliness = excluded.timeliness;`
/** Clear the copies of a task no longer there (its log facts stay). */
const FORGET_TASK = (id: string) => `UPDATE task_metrics SET task_completed = NULL, persona = NULL,
      milestone = NULL, created_at = NULL, completed_at = NULL, estimate_ratio = NULL,
      quality = NULL, timeliness = NULL
    WHERE task_id = ${id};`

/** The rollup's tables (empty). */
export const METRICS_TABLES = `
  CREATE TABLE task_metrics (
    task_id        TEXT PRIMARY KEY,
    task_completed INTEGER,
    persona        TEXT,
    milestone      TEXT,
    created_at     TEXT,
    completed_at   TEXT,
    estimate_ratio REAL,
    quality        INTEGER,
    timeliness     INTEGER,
    first_claim_at TEXT,
    completed_id   INTEGER,
    completed_by   TEXT,
    blocked_from   TEXT,
    blocked_h      REAL NOT NULL DEFAULT 0
  ) WITHOUT ROWID;

  CREATE TABLE task_metrics_actor (
    task_id         TEXT NOT NULL,
    actor           TEXT NOT NULL,
    events          INTEGER NOT NULL DEFAULT 0,
    claims          INTEGER NOT NULL DEFAULT 0,
    completed       INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    expiries        INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    lease_s         REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (task_id, actor)
  ) WITHOUT ROWID;

  CREATE TABLE metrics_blocked (
    task_id  TEXT NOT NULL,
    from_at  TEXT NOT NULL,
    until_at TEXT NOT NULL
  );
  CREATE INDEX metrics_blocked_until ON metrics_blocked (until_at);

`

/**
 * Fill the (empty) rollup tables from the task rows and the log: the same
 * figures the triggers below would have kept had they always existed.
 */
export const METRICS_BACKFILL = `
  INSERT INTO task_metrics (task_id, task_completed, persona, milestone, created_at,
    completed_at, estimate_ratio, quality, timeliness)
  SELECT id, status = 'completed', persona, milestone, created_at, completed_at, ${RATIO('')},
    feedback_quality, feedback_timeliness
  FROM tasks;

  INSERT OR IGNORE INTO task_metrics (task_id)
  SELECT DISTINCT task_id FROM events
  WHERE task_id IS NOT NULL AND type IN ('claimed', ${STATUS_EVENTS});

  INSERT INTO task_metrics (task_id, first_claim_at)
  SELECT task_id, min(at) FROM events WHERE type = 'claimed' AND task_id IS NOT NULL GROUP BY task_id
  ON CONFLICT (task_id) DO UPDATE SET first_claim_at = excluded.first_claim_at;

  INSERT INTO task_metrics (task_id, completed_id, completed_by)
  SELECT e.task_id, e.id, e.actor FROM events e
  JOIN (SELECT max(id) AS id FROM events WHERE type = 'completed' AND task_id IS NOT NULL GROUP BY task_id) l
    ON l.id = e.id
  WHERE true
  ON CONFLICT (task_id) DO UPDATE SET completed_id = excluded.completed_id, completed_by = excluded.completed_by;

  INSERT INTO metrics_blocked (task_id, from_at, until_at)
  SELECT task_id, at, until FROM (
    SELECT task_id, at, b, lead(at) OVER (PARTITION BY task_id ORDER BY id) AS until
    FROM (SELECT task_id, id, at, ${opensBlock('')} AS b FROM events
          WHERE task_id IS NOT NULL AND type IN (${STATUS_EVENTS}))
  )
  WHERE b AND until > at;

  INSERT INTO task_metrics (task_id, blocked_from)
  SELECT e.task_id, e.at FROM events e
  JOIN (SELECT max(id) AS id FROM events WHERE task_id IS NOT NULL AND type IN (${STATUS_EVENTS}) GROUP BY task_id) l
    ON l.id = e.id
  WHERE ${opensBlock('e.')}
  ON CONFLICT (task_id) DO UPDATE SET blocked_from = excluded.blocked_from;

  UPDATE task_metrics SET blocked_h = s.h
  FROM (SELECT task_id, sum((julianday(until_at) - julianday(from_at)) * 24) AS h
        FROM metrics_blocked GROUP BY task_id) AS s
  WHERE s.task_id = task_metrics.task_id;

  INSERT INTO task_metrics_actor (task_id, actor, events, claims, completed, failed_attempts,
    expiries, failed, lease_s)
  SELECT coalesce(task_id, ''), json_quote(actor), count(*), sum(type = 'claimed'), sum(type = 'completed'),
    sum(type IN ('retry_scheduled', 'lease_expired') OR (type = 'failed' AND actor IS NOT NULL)),
    sum(type = 'lease_expired'), sum(type = 'failed'),
    sum(CASE WHEN type <> 'claimed' THEN coalesce(json_extract(details, '$.lease_s'), 0) ELSE 0 END)
  FROM events WHERE type IN (${LEASE_EVENTS})
  GROUP BY 1, 2;

`

/** The triggers that keep the rollup up to date from here on. */
export const METRICS_TRIGGERS = `
  CREATE TRIGGER metrics_task_added AFTER INSERT ON tasks BEGIN
    ${COPY_TASK}
  END;

  -- Fires only when a copied figure changes: a claim, a heartbeat or a
  -- release leaves the rollup alone.
  CREATE TRIGGER metrics_task_changed AFTER UPDATE OF id, status, persona, milestone,
    created_at, completed_at, estimated_hours, actual_hours, feedback_quality,
    feedback_timeliness ON tasks
  WHEN OLD.id IS NOT NEW.id OR (OLD.status = 'completed') IS NOT (NEW.status = 'completed')
    OR OLD.persona IS NOT NEW.persona OR OLD.milestone IS NOT NEW.milestone
    OR OLD.created_at IS NOT NEW.created_at OR OLD.completed_at IS NOT NEW.completed_at
    OR OLD.estimated_hours IS NOT NEW.estimated_hours OR OLD.actual_hours IS NOT NEW.actual_hours
    OR OLD.feedback_quality IS NOT NEW.feedback_quality
    OR OLD.feedback_timeliness IS NOT NEW.feedback_timeliness
  BEGIN
    ${FORGET_TASK('OLD.id AND OLD.id IS NOT NEW.id')}
    ${COPY_TASK}
  END;

  CREATE TRIGGER metrics_task_removed AFTER DELETE ON tasks BEGIN
    ${FORGET_TASK('OLD.id')}
  END;

  CREATE TRIGGER metrics_lease_event AFTER INSERT ON events
  WHEN NEW.type IN (${LEASE_EVENTS})
  BEGIN
    INSERT INTO task_metrics_actor (task_id, actor, events, claims, completed, failed_attempts,
      expiries, failed, lease_s)
    VALUES (coalesce(NEW.task_id, ''), json_quote(NEW.actor), 1, NEW.type = 'claimed',
      NEW.type = 'completed',
      NEW.type IN ('retry_scheduled', 'lease_expired') OR (NEW.type = 'failed' AND NEW.actor IS NOT NULL),
      NEW.type = 'lease_expired', NEW.type = 'failed',
      CASE WHEN NEW.type <> 'claimed' THEN coalesce(json_extract(NEW.details, '$.lease_s'), 0) ELSE 0 END)
    ON CONFLICT (task_id, actor) DO UPDATE SET events = events + 1,
      claims = claims + excluded.claims, completed = completed + excluded.completed,
      failed_attempts = failed_attempts + excluded.failed_attempts,
      expiries = expiries + excluded.expiries, failed = failed + excluded.failed,
      lease_s = lease_s + excluded.lease_s;
  END;

  CREATE TRIGGER metrics_claimed AFTER INSERT ON events
  WHEN NEW.type = 'claimed' AND NEW.task_id IS NOT NULL
  BEGIN
    INSERT INTO task_metrics (task_id, first_claim_at) VALUES (NEW.task_id, NEW.at)
    ON CONFLICT (task_id) DO UPDATE
    SET first_claim_at = min(coalesce(first_claim_at, excluded.first_claim_at), excluded.first_claim_at);
  END;

  CREATE TRIGGER metrics_status_event AFTER INSERT ON events
  WHEN NEW.task_id IS NOT NULL AND NEW.type IN (${STATUS_EVENTS})
  BEGIN
    INSERT INTO metrics_blocked (task_id, from_at, until_at)
    SELECT task_id, blocked_from, NEW.at FROM task_metrics
    WHERE task_id = NEW.task_id AND blocked_from < NEW.at;
    INSERT INTO task_metrics (task_id, blocked_from, completed_id, completed_by)
    VALUES (NEW.task_id, CASE WHEN ${opensBlock('NEW.')} THEN NEW.at END,
      CASE WHEN NEW.type = 'completed' THEN NEW.id END,
      CASE WHEN NEW.type = 'completed' THEN NEW.actor END)
    ON CONFLICT (task_id) DO UPDATE SET
      blocked_h = blocked_h + CASE WHEN blocked_from < NEW.at
        THEN (julianday(NEW.at) - julianday(blocked_from)) * 24 ELSE 0 END,
      blocked_from = excluded.blocked_from,
      completed_id = CASE WHEN NEW.type = 'completed' THEN NEW.id ELSE completed_id END,
      completed_by = CASE WHEN NEW.type = 'completed' THEN NEW.actor ELSE completed_by END;
  END;
`

/** Migration 5: the tables, filled from the log, then kept up to date. */
export const METRICS_ROLLUP = METRICS_TABLES + METRICS_BACKFILL + METRICS_TRIGGERS

/**
 * Migration 6: the rollup is kept up to date on read instead (issue 6: the
 * triggers made every write about a third slower). The triggers go; a
 * cursor records the last event folded into the rollup, and the metrics fold
 * the events after it before reading (`../metrics-rollup.ts`). The triggers
 * kept the rollup current up to this migration, so the cursor starts at the
 * last event: nothing is recomputed, and the first read after the upgrade
 * costs what any other does.
 */
export const METRICS_ON_READ = `
  DROP TRIGGER IF EXISTS metrics_task_added;
  DROP TRIGGER IF EXISTS metrics_task_changed;
  DROP TRIGGER IF EXISTS metrics_task_removed;
  DROP TRIGGER IF EXISTS metrics_lease_event;
  DROP TRIGGER IF EXISTS metrics_claimed;
  DROP TRIGGER IF EXISTS metrics_status_event;

  CREATE TABLE metrics_cursor (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    folded_id INTEGER NOT NULL
  );
  INSERT INTO metrics_cursor (id, folded_id) SELECT 1, coalesce(max(id), 0) FROM events;
`
