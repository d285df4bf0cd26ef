/**
 * What a rebuild must reproduce, read from a database in a comparable form:
 * tasks (without times of leases and work done, which GitHub does not show),
 * dependency edges, hand-over context, the app's issue records (without the
 * times of its own updates and the HTTP cache validator `etag`, see below),
 * its repository state and handled comments.
 */
import { unpackBody } from '../../src/app/state.js'
import type { Engine } from '../../src/core/engine.js'

const sorted = <T>(xs: T[]) => [...xs].sort()

/** A comparable snapshot of `engine`'s database. */
export function snapshot(engine: Engine) {
  const store = engine.store
  const tasks = engine
    .list()
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((t) => ({
      id: t.id,
      title: t.title,
      // The app re-reads a description when a person edits the body, not when it ticks a box.
      description: t.description.replace(/^(\s*[-*+] )\[[xX]\]/gm, '$1[ ]'),
      status: t.status,
      priority: t.priority,
      persona: t.persona,
      parent_id: t.parent_id,
      success_criteria: t.success_criteria,
      deadline: t.deadline,
      estimated_hours: t.estimated_hours,
      completion_summary: t.completion_summary,
      blocked_reason: t.blocked_reason,
      attempts: t.attempts,
      max_attempts: t.max_attempts,
      fencing_seq: t.fencing_seq,
      lease: t.lease ? { holder: t.lease.holder, token: t.lease.token } : null,
    }))
  const dependencies = store
    .all<{ task_id: string; depends_on_id: string }>(
      'SELECT task_id, depends_on_id FROM dependencies ORDER BY task_id, depends_on_id',
    )
    .map((d) => `${d.task_id} → ${d.depends_on_id}`)
  const context = store.all('SELECT task_id, key, value FROM shared_context ORDER BY task_id, key')
  const issues = store
    .all<Record<string, unknown>>('SELECT * FROM gh_issues ORDER BY task_id')
    // `etag` is left out: it is a pure HTTP cache validator (the `ETag` of
    // GitHub's last answer about the issue, sent back as `If-None-Match` so an
    // unchanged body costs no rate limit). A rebuild reads issues through
    // listings, whose ETags are the pages', so it has none; without one the
    // mirror's next read is unconditional and answers the same body. Whether
    // GitHub sends an ETag with an update's answer decides the server's value,
    // not the app's state. `etag_body`, the body of that answer, is compared.
    .map(({ updated_at: _u, github_updated_at: _g, etag: _e, ...r }) => ({
      ...r,
      body: unpackBody(r.body),
      ...(r.accepted_body != null ? { accepted_body: unpackBody(r.accepted_body) } : {}),
      ...(r.etag_body != null ? { etag_body: unpackBody(r.etag_body) } : {}),
      labels: sorted(JSON.parse(r.labels as string) as string[]),
      assignees: sorted(JSON.parse(r.assignees as string) as string[]),
      native_blocked_by: sorted(JSON.parse(r.native_blocked_by as string) as number[]),
      ...(typeof r.former_holders === 'string'
        ? { former_holders: sorted(JSON.parse(r.former_holders) as string[]) }
        : {}),
      ...(typeof r.native_refused === 'string'
        ? { native_refused: sorted(JSON.parse(r.native_refused) as number[]) }
        : {}),
    }))
  const repos = store
    .all<Record<string, unknown>>(
      'SELECT repo, installation_id, config, config_error, labels, native_dependencies, sub_issues FROM gh_repos',
    )
    .map((r) => ({ ...r, labels: sorted(JSON.parse(r.labels as string) as string[]) }))
  const comments = store.all(
    'SELECT comment_id, repo, number, commands FROM gh_comments ORDER BY comment_id',
  )
  return { tasks, dependencies, context, issues, repos, comments }
}

/**
 * The snapshots without the repositories' known labels, and those labels
 * apart: the app's list of labels is a cache of what it listed once and
 * created since, so a rebuild (which lists them all) may know more.
 */
export function splitLabels(s: ReturnType<typeof snapshot>) {
  return {
    state: { ...s, repos: s.repos.map(({ labels: _l, ...r }) => r) },
    labels: s.repos.map((r) => r.labels as string[]),
  }
}
