/**
 * The GitHub app's bookkeeping in the task database (migration 2): what it
 * last saw and sent for each issue (so it diffs instead of re-reading), the
 * deliveries and comments it processed (so a redelivery changes nothing),
 * and per-repository state (last good config, known labels, permission
 * cache). Plain SQL on the engine's store; every function runs in the
 * caller's transaction when there is one.
 */
import type { Store } from '../core/db/store.js'
import { type IssueRecord, type IssueRow, toRecord, toRowParameters } from './issue-record.js'

// The issue record and its stored form live in ./issue-record.ts; importers
// keep reading them from here.
export { type IssueRecord, packBody, unpackBody } from './issue-record.js'

/** Typed access to the gh_* tables. */
export class AppState {
  /**
   * Comments whose handler is still running in this process: their owed
   * replies are the handler's to post, so a flush leaves them alone. In
   * memory on purpose — a process that stops ends its handlers, and the next
   * process's flush posts what they still owed.
   */
  private readonly inProgress = new Set<number>()

  constructor(private readonly store: Store) {}

  /** The record of task `taskId`, or undefined. */
  issue(taskId: string): IssueRecord | undefined {
    const row = this.store.get<IssueRow>('SELECT * FROM gh_issues WHERE task_id = ?', [taskId])
    return row && toRecord(row)
  }

  /**
   * Insert or replace the record of an issue (all fields). `accepted_body`
   * is stored only when it differs from `body` (NULL otherwise: no room
   * taken in the common case).
   */
  saveIssue(record: IssueRecord): void {
    this.store.run(
      `INSERT INTO gh_issues (task_id, repo, number, issue_id, installation_id, is_task, state, state_reason,
         labels, assignees, body, accepted_body, status_comment_id, status_comment, status_dirty, native_blocked_by, github_updated_at, updated_at,
         etag, etag_body, unjudged_edit, former_holders, native_refused)
       VALUES (@task_id, @repo, @number, @issue_id, @installation_id, @is_task, @state, @state_reason,
         @labels, @assignees, @body, @accepted_body, @status_comment_id, @status_comment, @status_dirty, @native_blocked_by, @github_updated_at, @updated_at,
         @etag, @etag_body, @unjudged_edit, @former_holders, @native_refused)
       ON CONFLICT (task_id) DO UPDATE SET installation_id = excluded.installation_id,
         issue_id = coalesce(excluded.issue_id, issue_id),
         is_task = excluded.is_task, state = excluded.state, state_reason = excluded.state_reason,
         labels = excluded.labels, assignees = excluded.assignees, body = excluded.body,
         accepted_body = excluded.accepted_body,
         status_comment_id = excluded.status_comment_id, status_comment = excluded.status_comment,
         status_dirty = excluded.status_dirty, native_blocked_by = excluded.native_blocked_by,
         github_updated_at = excluded.github_updated_at,
         updated_at = excluded.updated_at, etag = excluded.etag, etag_body = excluded.etag_body,
         unjudged_edit = excluded.unjudged_edit, former_holders = excluded.former_holders,
         native_refused = excluded.native_refused`,
      toRowParameters(record),
    )
  }

  /**
   * Mark the issues of `taskIds` dirty: GitHub may differ from what the task
   * says (labels, body, native dependencies, status comment) until the
   * mirror's writer has reconciled them (`reconcile.ts`). Stored, so the mark
   * survives a crash; the next flush reconciles every dirty issue.
   */
  markStatusDirty(taskIds: Iterable<string>): void {
    for (const id of taskIds) {
      this.store.run('UPDATE gh_issues SET status_dirty = 1 WHERE task_id = ? AND is_task = 1', [
        id,
      ])
    }
  }

  /**
   * Mark the issue of `taskId` dirty (see {@link markStatusDirty}) and
   * remember `holder`, whose lease ended, to be unassigned by the mirror.
   */
  addFormerHolder(taskId: string, holder: string): void {
    this.store.run(
      `UPDATE gh_issues SET status_dirty = 1,
         former_holders = (SELECT json_group_array(value) FROM
           (SELECT value FROM json_each(former_holders) UNION SELECT ?))
       WHERE task_id = ? AND is_task = 1`,
      [holder, taskId],
    )
  }

  /** Issues whose status comment waits for an edit. */
  dirtyIssues(limit = 100): IssueRecord[] {
    return this.store
      .all<IssueRow>('SELECT * FROM gh_issues WHERE status_dirty = 1 ORDER BY updated_at LIMIT ?', [
        limit,
      ])
      .map(toRecord)
  }

  /** True when a delivery with this id was handled before. */
  seenDelivery(id: string): boolean {
    return this.store.get('SELECT 1 FROM gh_deliveries WHERE id = ?', [id]) !== undefined
  }

  /** Record a webhook delivery; false when it was seen before (a redelivery). */
  recordDelivery(id: string, event: string, at: string): boolean {
    return (
      this.store.run(
        'INSERT OR IGNORE INTO gh_deliveries (id, event, received_at) VALUES (?, ?, ?)',
        [id, event, at],
      ).changes === 1
    )
  }

  /** Record that a comment's commands were handled; false when they already were. */
  recordComment(
    commentId: number,
    repo: string,
    number: number,
    commands: number,
    at: string,
  ): boolean {
    return (
      this.store.run(
        `INSERT OR IGNORE INTO gh_comments (comment_id, repo, number, commands, processed_at)
         VALUES (?, ?, ?, ?, ?)`,
        [commentId, repo, number, commands, at],
      ).changes === 1
    )
  }

  /**
   * Owe the reply `body` to comment `commentId` (call in the transaction that
   * ran its commands): it stays owed until {@link replySent}, so a reply that
   * GitHub refused or never got is posted by the next flush.
   * `installationId` is the GitHub App installation the comment's delivery
   * came from (`payload.installation.id`; null in the Actions-hosted mode,
   * whose token is the workflow's): the flush posts with its token.
   */
  oweReply(commentId: number, body: string, installationId: number | null): void {
    this.store.run('UPDATE gh_comments SET reply = ?, installation_id = ? WHERE comment_id = ?', [
      body,
      installationId,
      commentId,
    ])
  }

  /**
   * The handler of comment `commentId` starts: until {@link handlingDone},
   * {@link owedReplies} leaves its reply out, so a flush running meanwhile
   * cannot post it a second time.
   */
  handlingStarted(commentId: number): void {
    this.inProgress.add(commentId)
  }

  /** The handler of comment `commentId` ended (returned or threw): a reply it still owes is the flush's. */
  handlingDone(commentId: number): void {
    this.inProgress.delete(commentId)
  }

  /** The reply to `commentId` was posted. */
  replySent(commentId: number): void {
    this.store.run('UPDATE gh_comments SET reply = NULL WHERE comment_id = ?', [commentId])
  }

  /**
   * Replies still owed by finished handlers (not those of comments still
   * being handled, see {@link handlingStarted}), oldest first, with where to post
   * them: `installation_id` is the one stored with the reply, else the
   * issue's, else the repository's (null when none is known).
   */
  owedReplies(limit = 100): {
    comment_id: number
    repo: string
    number: number
    reply: string
    installation_id: number | null
  }[] {
    return this.store.all(
      `SELECT c.comment_id, c.repo, c.number, c.reply,
         coalesce(c.installation_id,
           (SELECT i.installation_id FROM gh_issues i WHERE i.repo = c.repo AND i.number = c.number),
           (SELECT r.installation_id FROM gh_repos r WHERE r.repo = c.repo)) AS installation_id
       FROM gh_comments c
       WHERE c.reply IS NOT NULL AND c.comment_id NOT IN (SELECT value FROM json_each(?))
       ORDER BY c.processed_at, c.comment_id LIMIT ?`,
      [JSON.stringify([...this.inProgress]), limit],
    )
  }

  /** True when the commands of comment `commentId` were handled (by any run). */
  commentRecorded(commentId: number): boolean {
    return (
      this.store.get('SELECT 1 FROM gh_comments WHERE comment_id = ?', [commentId]) !== undefined
    )
  }

  /**
   * Where the last catch-up scan of `repo` got to: the `created_at` of the
   * newest comment it saw (ISO-8601), or null before the first scan. Kept in
   * the settings table (`app.catch_up.<repo>`), so no migration is needed.
   */
  catchUpCursor(repo: string): string | null {
    return (
      this.store.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [
        `app.catch_up.${repo}`,
      ])?.value ?? null
    )
  }

  /**
   * Count one more failed catch-up of comment `commentId` (its handler threw
   * `error`) and return how many there have been. Kept in the settings table
   * (`app.catch_up_failed.<id>` → `{ attempts, error, at }`, `at` ISO-8601),
   * so no migration is needed.
   */
  catchUpFailed(commentId: number, error: string, at: string): number {
    const key = `app.catch_up_failed.${commentId}`
    const before = this.store.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [
      key,
    ])
    let attempts = 1
    try {
      const prev = (JSON.parse(before?.value ?? '{}') as { attempts?: unknown }).attempts
      if (typeof prev === 'number' && Number.isSafeInteger(prev) && prev > 0) attempts += prev
    } catch {
      // an unreadable record counts as none
    }
    this.store.run(
      `INSERT INTO settings (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [key, JSON.stringify({ attempts, error, at })],
    )
    return attempts
  }

  /** Move the catch-up cursor of `repo` to `at` (never backwards). */
  saveCatchUpCursor(repo: string, at: string): void {
    this.store.run(
      `INSERT INTO settings (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)`,
      [`app.catch_up.${repo}`, at],
    )
  }

  /** A cached repository permission of `login`, if fetched after `since` (ISO-8601). */
  cachedPermission(repo: string, login: string, since: string): string | undefined {
    return this.store.get<{ permission: string }>(
      'SELECT permission FROM gh_permissions WHERE repo = ? AND login = ? AND fetched_at >= ?',
      [repo, login.toLowerCase(), since],
    )?.permission
  }

  /** Cache a permission read from the collaborator permission API. */
  savePermission(repo: string, login: string, permission: string, at: string): void {
    this.store.run(
      `INSERT INTO gh_permissions (repo, login, permission, fetched_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (repo, login) DO UPDATE SET permission = excluded.permission, fetched_at = excluded.fetched_at`,
      [repo, login.toLowerCase(), permission, at],
    )
  }

  /**
   * Per-repository state: last good config (YAML text), last config error,
   * known labels, and whether GitHub refused native dependencies or
   * sub-issues (`refused`/`unsupported`, else null).
   */
  repo(repo: string): RepoState {
    const row = this.store.get<Omit<RepoState, 'labels'> & { labels: string }>(
      'SELECT config, config_error, labels, native_dependencies, sub_issues FROM gh_repos WHERE repo = ?',
      [repo],
    )
    return {
      config: row?.config ?? null,
      config_error: row?.config_error ?? null,
      labels: row ? (JSON.parse(row.labels) as string[]) : [],
      native_dependencies: row?.native_dependencies ?? null,
      sub_issues: row?.sub_issues ?? null,
    }
  }

  /** Update per-repository state; fields left undefined keep their value. */
  saveRepo(
    repo: string,
    at: string,
    patch: {
      installation_id?: number
      config?: string | null
      config_error?: string | null
      labels?: string[]
      native_dependencies?: string
      sub_issues?: string
    },
  ): void {
    this.store.run(
      `INSERT INTO gh_repos (repo, installation_id, config, config_error, labels, native_dependencies, sub_issues, updated_at)
       VALUES (@repo, @installation_id, @config, @config_error, coalesce(@labels, '[]'), @native, @sub, @at)
       ON CONFLICT (repo) DO UPDATE SET
         installation_id = coalesce(@installation_id, installation_id),
         config = CASE WHEN @set_config THEN @config ELSE config END,
         config_error = CASE WHEN @set_error THEN @config_error ELSE config_error END,
         labels = coalesce(@labels, labels),
         native_dependencies = coalesce(@native, native_dependencies),
         sub_issues = coalesce(@sub, sub_issues),
         updated_at = @at`,
      {
        repo,
        at,
        installation_id: patch.installation_id ?? null,
        config: patch.config ?? null,
        set_config: patch.config !== undefined ? 1 : 0,
        config_error: patch.config_error ?? null,
        set_error: patch.config_error !== undefined ? 1 : 0,
        labels: patch.labels ? JSON.stringify(patch.labels) : null,
        native: patch.native_dependencies ?? null,
        sub: patch.sub_issues ?? null,
      },
    )
  }
}

/** What the app remembers per repository. */
export interface RepoState {
  config: string | null
  config_error: string | null
  labels: string[]
  native_dependencies: string | null
  sub_issues: string | null
}
