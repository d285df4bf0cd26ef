/**
 * Numbered schema migrations. Migration N brings `PRAGMA user_version` from
 * N-1 to N; they run in order, each in its own `BEGIN IMMEDIATE` transaction,
 * after a backup of the file (see `./migrate.ts`). Never edit a released
 * migration: add a new one.
 *
 * Times are ISO-8601 UTC text (`2026-11-20T23:55:12.740Z`), which sorts
 * correctly as text. JSON columns hold arrays/objects as text.
 */
import { METRICS_ON_READ, METRICS_ROLLUP } from './schema-metrics.js'

export const MIGRATIONS: readonly string[] = [
  // 1: the engine's model (DESIGN.md "Task model").
  `
  CREATE TABLE tasks (
    id                  TEXT PRIMARY KEY,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL CHECK (status IN
                          ('blocked','pending','in_progress','completed','failed','cancelled')),
    priority            TEXT NOT NULL DEFAULT 'medium'
                          CHECK (priority IN ('low','medium','high','critical')),
    priority_rank       INTEGER GENERATED ALWAYS AS (CASE priority
                          WHEN 'critical' THEN 3 WHEN 'high' THEN 2
                          WHEN 'medium' THEN 1 ELSE 0 END) VIRTUAL,
    persona             TEXT,
    parent_id           TEXT REFERENCES tasks(id) ON DELETE SET NULL,
    success_criteria    TEXT NOT NULL DEFAULT '[]',
    deadline            TEXT,
    deadline_key        TEXT GENERATED ALWAYS AS (COALESCE(deadline, '9999')) VIRTUAL,
    estimated_hours     REAL,
    actual_hours        REAL,
    completion_summary  TEXT,
    feedback_quality    INTEGER CHECK (feedback_quality BETWEEN 1 AND 5),
    feedback_timeliness INTEGER CHECK (feedback_timeliness BETWEEN 1 AND 5),
    feedback_notes      TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    max_attempts        INTEGER NOT NULL DEFAULT 3,
    blocked_reason      TEXT,
    assignee            TEXT,
    lease_holder        TEXT,
    lease_token         INTEGER,
    lease_acquired_at   TEXT,
    lease_heartbeat_at  TEXT,
    lease_expires_at    TEXT,
    fencing_seq         INTEGER NOT NULL DEFAULT 0,
    claimable_after     TEXT,
    lease_seconds       REAL NOT NULL DEFAULT 0,
    source              TEXT UNIQUE,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    completed_at        TEXT,
    CHECK ((status = 'in_progress') = (lease_holder IS NOT NULL))
  );
  -- The ready set. Partial indexes: a task enters them when it becomes pending
  -- and leaves when claimed, so lease traffic touches as few pages as possible.
  CREATE INDEX tasks_claimable ON tasks (priority_rank DESC, deadline_key, created_at)
    WHERE status = 'pending';
  CREATE INDEX tasks_persona_claimable ON tasks (persona, priority_rank DESC, deadline_key, created_at)
    WHERE status = 'pending';
  -- Live leases only: serves the sweep (by expiry) and, covering lease_holder,
  -- the per-agent lease count, in one index.
  CREATE INDEX tasks_leases ON tasks (lease_expires_at, lease_holder) WHERE lease_holder IS NOT NULL;
  CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL;

  CREATE TABLE dependencies (
    task_id       TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    depends_on_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (task_id, depends_on_id),
    CHECK (task_id <> depends_on_id)
  ) WITHOUT ROWID;
  CREATE INDEX dependencies_reverse ON dependencies (depends_on_id, task_id);

  CREATE TABLE agents (
    id            TEXT PRIMARY KEY,
    personas      TEXT NOT NULL DEFAULT '[]',
    capacity      INTEGER NOT NULL DEFAULT 1 CHECK (capacity >= 1),
    registered_at TEXT NOT NULL,
    last_seen_at  TEXT
  );

  CREATE TABLE participants (
    task_id   TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    agent     TEXT NOT NULL,
    role      TEXT,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (task_id, agent)
  );

  CREATE TABLE shared_context (
    task_id    TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    author     TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (task_id, key)
  );

  CREATE TABLE notes (
    id      INTEGER PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    agent   TEXT NOT NULL,
    text    TEXT NOT NULL,
    at      TEXT NOT NULL
  );
  CREATE INDEX notes_task ON notes (task_id, agent);

  CREATE TABLE progress (
    id      INTEGER PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    agent   TEXT,
    percent INTEGER CHECK (percent BETWEEN 0 AND 100),
    message TEXT NOT NULL,
    at      TEXT NOT NULL
  );
  CREATE INDEX progress_task ON progress (task_id, at);

  -- Event ids only grow: rows are never deleted, so INTEGER PRIMARY KEY
  -- (max + 1) never reuses one, without AUTOINCREMENT's extra page per insert.
  CREATE TABLE events (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    type    TEXT NOT NULL,
    task_id TEXT,
    actor   TEXT,
    details TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX events_task ON events (task_id, id);
  CREATE INDEX events_type_at ON events (type, at);

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: bookkeeping of the GitHub app (src/app/): what it last saw and sent for
  // each issue, processed deliveries and comments, per-repository state.
  `
  CREATE TABLE gh_issues (
    task_id           TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
    repo              TEXT NOT NULL,
    number            INTEGER NOT NULL,
    issue_id          INTEGER,
    installation_id   INTEGER,
    is_task           INTEGER NOT NULL DEFAULT 1,
    state             TEXT NOT NULL DEFAULT 'open',
    state_reason      TEXT,
    labels            TEXT NOT NULL DEFAULT '[]',
    assignees         TEXT NOT NULL DEFAULT '[]',
    body              TEXT NOT NULL DEFAULT '',
    status_comment_id INTEGER,
    status_comment    TEXT,
    status_dirty      INTEGER NOT NULL DEFAULT 0,
    native_blocked_by TEXT NOT NULL DEFAULT '[]',
    github_updated_at TEXT,
    updated_at        TEXT NOT NULL,
    UNIQUE (repo, number)
  );
  CREATE INDEX gh_issues_dirty ON gh_issues (status_dirty) WHERE status_dirty = 1;

  CREATE TABLE gh_deliveries (
    id          TEXT PRIMARY KEY,
    event       TEXT NOT NULL,
    received_at TEXT NOT NULL
  );

  CREATE TABLE gh_comments (
    comment_id   INTEGER PRIMARY KEY,
    repo         TEXT NOT NULL,
    number       INTEGER NOT NULL,
    commands     INTEGER NOT NULL,
    processed_at TEXT NOT NULL
  );

  CREATE TABLE gh_repos (
    repo                TEXT PRIMARY KEY,
    installation_id     INTEGER,
    config              TEXT,
    config_error        TEXT,
    labels              TEXT NOT NULL DEFAULT '[]',
    native_dependencies TEXT,
    sub_issues          TEXT,
    updated_at          TEXT NOT NULL
  );

  CREATE TABLE gh_permissions (
    repo       TEXT NOT NULL,
    login      TEXT NOT NULL,
    permission TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (repo, login)
  );
  `,
  // 3: the completion gate on GitHub: CI verdicts received, pull requests and
  // the tasks they name, and who ticked each manual criterion.
  `
  CREATE TABLE gh_verdicts (
    check_run_id INTEGER PRIMARY KEY,
    task_id      TEXT NOT NULL,
    head_sha     TEXT NOT NULL,
    digest       TEXT NOT NULL,
    passed       INTEGER NOT NULL,
    results      TEXT NOT NULL,
    url          TEXT,
    completed_at TEXT NOT NULL
  );
  CREATE INDEX gh_verdicts_task ON gh_verdicts (task_id, head_sha, completed_at);

  CREATE TABLE gh_pull_requests (
    repo       TEXT NOT NULL,
    number     INTEGER NOT NULL,
    head_sha   TEXT NOT NULL,
    author     TEXT NOT NULL,
    state      TEXT NOT NULL,
    merged     INTEGER NOT NULL DEFAULT 0,
    merged_by  TEXT,
    closes     TEXT NOT NULL DEFAULT '[]',
    tasks      TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (repo, number)
  );

  CREATE TABLE gh_gate_notices (
    task_id      TEXT NOT NULL,
    pull_request INTEGER NOT NULL,
    at           TEXT NOT NULL,
    PRIMARY KEY (task_id, pull_request)
  );

  CREATE TABLE gh_confirmations (
    task_id      TEXT NOT NULL,
    criterion    TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    allowed      INTEGER NOT NULL,
    at           TEXT NOT NULL,
    PRIMARY KEY (task_id, criterion)
  );
  `,
  // 4: collaboration (issue 6). The tasks table is rebuilt — SQLite cannot
  // alter a CHECK constraint — to add the `waiting` status (a leased task
  // whose holder asked a question; its lease clock is paused), a milestone,
  // approval checkpoints and the archive marker. The procedure is SQLite's
  // "making other kinds of table schema changes" (lang_altertable.html §7):
  // `migrate` turns foreign keys off around it and runs
  // `PRAGMA foreign_key_check` before committing, so dropping the old table
  // deletes nothing in the tables that reference it.
  `
  CREATE TABLE tasks_v4 (
    id                  TEXT PRIMARY KEY,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL CHECK (status IN
                          ('blocked','pending','in_progress','waiting','completed','failed','cancelled')),
    priority            TEXT NOT NULL DEFAULT 'medium'
                          CHECK (priority IN ('low','medium','high','critical')),
    priority_rank       INTEGER GENERATED ALWAYS AS (CASE priority
                          WHEN 'critical' THEN 3 WHEN 'high' THEN 2
                          WHEN 'medium' THEN 1 ELSE 0 END) VIRTUAL,
    persona             TEXT,
    milestone           TEXT,
    parent_id           TEXT REFERENCES tasks(id) ON DELETE SET NULL,
    success_criteria    TEXT NOT NULL DEFAULT '[]',
    deadline            TEXT,
    deadline_key        TEXT GENERATED ALWAYS AS (COALESCE(deadline, '9999')) VIRTUAL,
    estimated_hours     REAL,
    actual_hours        REAL,
    completion_summary  TEXT,
    feedback_quality    INTEGER CHECK (feedback_quality BETWEEN 1 AND 5),
    feedback_timeliness INTEGER CHECK (feedback_timeliness BETWEEN 1 AND 5),
    feedback_notes      TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    max_attempts        INTEGER NOT NULL DEFAULT 3,
    blocked_reason      TEXT,
    assignee            TEXT,
    lease_holder        TEXT,
    lease_token         INTEGER,
    lease_acquired_at   TEXT,
    lease_heartbeat_at  TEXT,
    lease_expires_at    TEXT,
    -- While waiting: when the lease clock stopped and the TTL it had left (ms).
    lease_paused_at     TEXT,
    lease_remaining_ms  INTEGER,
    fencing_seq         INTEGER NOT NULL DEFAULT 0,
    claimable_after     TEXT,
    lease_seconds       REAL NOT NULL DEFAULT 0,
    requires_approval   INTEGER NOT NULL DEFAULT 0 CHECK (requires_approval IN (0, 1)),
    approved_by         TEXT,
    approved_at         TEXT,
    archived_at         TEXT,
    source              TEXT UNIQUE,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    completed_at        TEXT,
    CHECK ((status IN ('in_progress','waiting')) = (lease_holder IS NOT NULL)),
    CHECK ((status = 'waiting') = (lease_paused_at IS NOT NULL)),
    CHECK ((approved_at IS NULL) = (approved_by IS NULL)),
    CHECK (archived_at IS NULL OR status IN ('completed','failed','cancelled'))
  );
  INSERT INTO tasks_v4 (id, title, description, status, priority, persona, parent_id,
    success_criteria, deadline, estimated_hours, actual_hours, completion_summary,
    feedback_quality, feedback_timeliness, feedback_notes, attempts, max_attempts,
    blocked_reason, assignee, lease_holder, lease_token, lease_acquired_at,
    lease_heartbeat_at, lease_expires_at, fencing_seq, claimable_after, lease_seconds,
    source, created_at, updated_at, completed_at)
  SELECT id, title, description, status, priority, persona, parent_id,
    success_criteria, deadline, estimated_hours, actual_hours, completion_summary,
    feedback_quality, feedback_timeliness, feedback_notes, attempts, max_attempts,
    blocked_reason, assignee, lease_holder, lease_token, lease_acquired_at,
    lease_heartbeat_at, lease_expires_at, fencing_seq, claimable_after, lease_seconds,
    source, created_at, updated_at, completed_at
  FROM tasks;
  DROP TABLE tasks;
  ALTER TABLE tasks_v4 RENAME TO tasks;
  CREATE INDEX tasks_claimable ON tasks (priority_rank DESC, deadline_key, created_at)
    WHERE status = 'pending';
  CREATE INDEX tasks_persona_claimable ON tasks (persona, priority_rank DESC, deadline_key, created_at)
    WHERE status = 'pending';
  CREATE INDEX tasks_leases ON tasks (lease_expires_at, lease_holder) WHERE lease_holder IS NOT NULL;
  CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL;
  CREATE INDEX tasks_milestone ON tasks (milestone) WHERE milestone IS NOT NULL;
  CREATE INDEX tasks_archived ON tasks (archived_at) WHERE archived_at IS NOT NULL;

  -- Questions an agent or person asked about a task; open while answered_at is NULL.
  CREATE TABLE questions (
    id          INTEGER PRIMARY KEY,
    task_id     TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    asked_by    TEXT NOT NULL,
    asked_of    TEXT,
    question    TEXT NOT NULL,
    asked_at    TEXT NOT NULL,
    answered_at TEXT,
    answered_by TEXT,
    answer      TEXT,
    CHECK ((answered_at IS NULL) = (answer IS NULL))
  );
  CREATE INDEX questions_task ON questions (task_id, id);
  CREATE INDEX questions_open ON questions (asked_at, id) WHERE answered_at IS NULL;
  `,
  // 5: the metrics rollup (issue 6): per-task facts kept up to date as events
  // and tasks are written, backfilled from the log (see ./schema-metrics.ts).
  METRICS_ROLLUP,
  // 6: the rollup kept up to date on read, from a cursor into the log, instead
  // of by triggers on every write (see ./schema-metrics.ts, ../metrics-rollup.ts).
  METRICS_ON_READ,
  // 7: the reply the app owes for a comment whose commands ran, until GitHub
  // accepted it (a reply that failed is sent by the next flush, never lost).
  `
  ALTER TABLE gh_comments ADD COLUMN reply TEXT;
  CREATE INDEX gh_comments_owed ON gh_comments (processed_at) WHERE reply IS NOT NULL;
  `,
  // 8: the installation an owed reply is posted with (a flush on the server
  // needs its token); replies owed before take their issue's installation.
  `
  ALTER TABLE gh_comments ADD COLUMN installation_id INTEGER;
  UPDATE gh_comments SET installation_id = (
    SELECT i.installation_id FROM gh_issues i
    WHERE i.repo = gh_comments.repo AND i.number = gh_comments.number)
  WHERE reply IS NOT NULL;
  `,
  // 9: the last body the app accepted for each issue, kept apart from GitHub's
  // copy (`body`) so that an edit refused and not yet set back on GitHub never
  // becomes what later edits are judged against (issue 14); NULL while it is
  // the same as `body`, which it is for every issue recorded before.
  `
  ALTER TABLE gh_issues ADD COLUMN accepted_body TEXT;
  `,
  // 10: the mirror's own bookkeeping (issue 11, "one mirror"): the ETag and
  // body of the issue as GitHub last answered the app (a conditional read
  // before writing a body costs no rate limit when nothing changed); whether
  // GitHub holds a body edit whose webhook the app has not judged yet (then
  // the app only ticks on top of it); the lease holders still to unassign
  // (a failed update is retried by the next flush, even after a restart);
  // native dependencies GitHub would not link (not asked again).
  `
  ALTER TABLE gh_issues ADD COLUMN etag TEXT;
  ALTER TABLE gh_issues ADD COLUMN etag_body TEXT;
  ALTER TABLE gh_issues ADD COLUMN unjudged_edit INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE gh_issues ADD COLUMN former_holders TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE gh_issues ADD COLUMN native_refused TEXT NOT NULL DEFAULT '[]';
  `,
]

/** The schema version this build of the engine writes. */
export const SCHEMA_VERSION = MIGRATIONS.length
