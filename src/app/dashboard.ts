/**
 * The dashboard issue: one per repository, created once, pinned, then edited
 * in place with the report (`src/core/report/`): the board by status, the
 * dependency graph of open tasks (Mermaid), the critical path, stale leases,
 * unanswered questions, and charts of throughput and cycle time.
 *
 * Refreshes are coalesced like the status comments: any change to a
 * repository's tasks marks its dashboard dirty, and the background flush
 * renders it — at most once a minute per repository, and only when the body
 * it would write differs from the last one sent. A refresh costs one request
 * (`PATCH …/issues/{n}`); creating the dashboard costs a search for an
 * existing one (once per database, so a rebuilt app adopts the old issue
 * instead of opening a second), the `POST …/issues`, and one GraphQL
 * `pinIssue` (once; if GitHub refuses, the reason is logged once and the
 * dashboard works unpinned).
 *
 * Where it is remembered: the `settings` table, key `github.dashboard:<owner/repo>`
 * (a JSON {@link DashboardRecord}), so no schema migration is needed. Both
 * the title and the body carry the hidden marker {@link DASHBOARD_MARKER},
 * which is how it is found again — also by a rebuild from GitHub.
 */
import type { Store } from '../core/db/store.js'
import { type MarkdownOptions, renderMarkdown } from '../core/report/markdown.js'
import { buildReport } from '../core/report/model.js'
import type { Config } from '../github/config.js'
import { DASHBOARD_MARKER } from '../github/markers.js'
import type { AppRuntime, Octokit } from './runtime.js'

/** Hidden marker at the top of the dashboard issue's body (defined with the other markers). */
export { DASHBOARD_MARKER }

/** Shortest time between two refreshes of one repository's dashboard. */
export const DASHBOARD_INTERVAL_MS = 60_000

/** What the app remembers of a repository's dashboard. */
export interface DashboardRecord {
  /** Issue number, once created or found. */
  number: number | null
  /** GraphQL node id of the issue (for `pinIssue`). */
  node_id: string | null
  /** Title and body as last sent. */
  title: string | null
  body: string | null
  /** When the body was last sent (ISO-8601), or null. */
  refreshed_at: string | null
  /** `pinned`, or the reason GitHub refused (logged once), or null before trying. */
  pin: string | null
  /** A search for an existing dashboard was made (once per database). */
  searched: boolean
  /** Something changed since the last refresh. */
  dirty: boolean
}

const EMPTY: DashboardRecord = {
  number: null,
  node_id: null,
  title: null,
  body: null,
  refreshed_at: null,
  pin: null,
  searched: false,
  dirty: false,
}

const KEY = 'github.dashboard:'

/** Read and write {@link DashboardRecord}s in the `settings` table. */
export class DashboardState {
  constructor(private readonly store: Store) {}

  /** The record of `repo` (`owner/repo`); an empty one when none was saved. */
  get(repo: string): DashboardRecord {
    const row = this.store.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [
      KEY + repo,
    ])
    return row ? { ...EMPTY, ...(JSON.parse(row.value) as Partial<DashboardRecord>) } : { ...EMPTY }
  }

  save(repo: string, record: DashboardRecord): void {
    this.store.run(
      `INSERT INTO settings (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [KEY + repo, JSON.stringify(record)],
    )
  }

  /** Mark the dashboards of `repos` for the next flush. */
  markDirty(repos: Iterable<string>): void {
    for (const repo of new Set(repos)) {
      const r = this.get(repo)
      if (!r.dirty) this.save(repo, { ...r, dirty: true })
    }
  }

  /**
   * Note activity in `repo` (a webhook about issue `issue`, if any): the
   * dashboard is marked dirty — unless the event is about the dashboard
   * issue itself, so that the app's own edit does not trigger the next one.
   */
  noteActivity(repo: string, issue?: number): void {
    const r = this.get(repo)
    if (r.dirty || (issue !== undefined && issue === r.number)) return
    this.save(repo, { ...r, dirty: true })
  }

  /** Repositories whose dashboard waits for a refresh. */
  dirtyRepos(): string[] {
    return this.store
      .all<{ key: string }>(
        `SELECT key FROM settings WHERE substr(key, 1, ${KEY.length}) = ? AND json_extract(value, '$.dirty') = 1
         ORDER BY key`,
        [KEY],
      )
      .map((r) => r.key.slice(KEY.length))
  }
}

/** `#12` for an issue of `repo`, the full id (`other/repo#3`) otherwise. */
export function issueLink(repo: string): MarkdownOptions['link'] {
  const prefix = `${repo}#`
  return (id) => (id.startsWith(prefix) ? `#${id.slice(prefix.length)}` : id)
}

/**
 * The dashboard body of `repo`, or null when the repository has no task yet
 * (archived ones count: once every task is archived the dashboard says the
 * board is empty rather than keep showing them).
 */
export function dashboardBody(rt: AppRuntime, repo: string, config: Config): string | null {
  const scope = `${repo}#`
  const report = rt.engine.readMetrics(
    (ctx) =>
      ctx.store.get('SELECT 1 AS any FROM tasks WHERE substr(id, 1, length(?)) = ? LIMIT 1', [
        scope,
        scope,
      ])
        ? buildReport(ctx, { scope })
        : null,
    rt.policy(config),
  )
  if (report === null) return null
  return renderMarkdown(report, {
    link: issueLink(repo),
    title: config.dashboard.title,
    header: DASHBOARD_MARKER,
  })
}

/** Equal bodies apart from the "Updated …" line (which alone is no change). */
function sameContent(a: string | null, b: string | null): boolean {
  const strip = (s: string | null) => s?.replace(/<sub>Updated [^<]*<\/sub>/, '') ?? null
  return strip(a) === strip(b)
}

/** The installation of `repo`, from the app's bookkeeping. */
function installationOf(rt: AppRuntime, repo: string): number | null {
  const row = rt.engine.store.get<{ id: number | null }>(
    `SELECT installation_id AS id FROM gh_issues WHERE repo = ? AND installation_id IS NOT NULL
     UNION ALL SELECT installation_id FROM gh_repos WHERE repo = ? AND installation_id IS NOT NULL
     LIMIT 1`,
    [repo, repo],
  )
  return row?.id ?? null
}

const PIN = `mutation($issueId: ID!) { pinIssue(input: { issueId: $issueId }) { issue { number } } }`

/**
 * Bring the dashboard of `repo` up to date: create (or find) it the first
 * time, then edit it in place when its body changed. Skipped — and left
 * dirty — when the last refresh was less than a minute ago. Returns the
 * number of requests sent. Throws what GitHub answered on failure (the
 * record stays dirty, so the next flush tries again).
 */
export async function refreshDashboard(
  octokit: Octokit,
  rt: AppRuntime,
  repo: string,
  config: Config,
  log: (message: string) => void = () => {},
): Promise<number> {
  const state = new DashboardState(rt.engine.store)
  let record = state.get(repo)
  const now = rt.clock.now()
  if (record.refreshed_at && now - Date.parse(record.refreshed_at) < DASHBOARD_INTERVAL_MS) {
    return 0
  }
  if (!config.dashboard.enabled) {
    state.save(repo, { ...record, dirty: false })
    return 0
  }
  const body = dashboardBody(rt, repo, config)
  const title = config.dashboard.title
  const unchanged =
    record.number !== null && sameContent(body, record.body) && title === record.title
  if (body === null || unchanged) {
    state.save(repo, { ...record, dirty: false })
    return 0
  }
  const [owner, name] = repo.split('/') as [string, string]
  let sent = 0
  if (record.number === null && !record.searched) {
    sent++
    const { data } = await octokit.rest.search.issuesAndPullRequests({
      q: `repo:${repo} is:issue in:body "task-orchestrator: dashboard"`,
      per_page: 5,
    })
    // Only an issue the app opened: anyone may open one whose body starts with the marker.
    const found = data.items.find(
      (i) =>
        (i.body ?? '').startsWith(DASHBOARD_MARKER) &&
        !i.pull_request &&
        i.user?.type === 'Bot' &&
        (rt.appLogin === undefined || i.user.login.toLowerCase() === rt.appLogin.toLowerCase()),
    )
    record = {
      ...record,
      searched: true,
      ...(found ? { number: found.number, node_id: found.node_id, pin: 'pinned' } : {}),
    }
    state.save(repo, record)
  }
  const at = rt.now()
  if (record.number === null) {
    sent++
    const { data } = await octokit.rest.issues.create({ owner, repo: name, title, body })
    record = {
      ...record,
      number: data.number,
      node_id: data.node_id,
      title,
      body,
      refreshed_at: at,
      dirty: false,
    }
    state.save(repo, record)
  } else {
    sent++
    // Recorded before the request: a change meanwhile marks it dirty again.
    state.save(repo, { ...record, title, body, refreshed_at: at, dirty: false })
    try {
      await octokit.rest.issues.update({
        owner,
        repo: name,
        issue_number: record.number,
        body,
        ...(title !== record.title ? { title } : {}),
      })
    } catch (err) {
      const status = (err as { status?: number }).status
      // Deleted or transferred: forget it, a new one is created next time.
      const lost = status === 404 || status === 410
      state.save(
        repo,
        lost ? { ...EMPTY, searched: true, dirty: true } : { ...record, dirty: true },
      )
      throw err
    }
    record = state.get(repo)
  }
  if (record.pin === null && record.node_id) {
    sent++
    let pin = 'pinned'
    try {
      await octokit.graphql(PIN, { issueId: record.node_id })
    } catch (err) {
      pin = err instanceof Error ? err.message : String(err)
      log(`The dashboard issue #${record.number} of ${repo} could not be pinned: ${pin}`)
    }
    state.save(repo, { ...state.get(repo), pin })
  }
  return sent
}

/**
 * Refresh every dirty dashboard (see {@link refreshDashboard}); one failing
 * repository does not stop the others. Returns the requests sent.
 */
export async function refreshDashboards(
  rt: AppRuntime,
  octokitFor: (installationId: number | null) => Promise<Octokit>,
  onError: (err: unknown, repo: string) => void = () => {},
  log: (message: string) => void = () => {},
): Promise<number> {
  let sent = 0
  for (const repo of new DashboardState(rt.engine.store).dirtyRepos()) {
    try {
      const octokit = await octokitFor(installationOf(rt, repo))
      const [owner, name] = repo.split('/') as [string, string]
      const { config } = await rt.config(octokit, { owner, repo: name })
      sent += await refreshDashboard(octokit, rt, repo, config, log)
    } catch (err) {
      onError(err, repo)
    }
  }
  return sent
}
