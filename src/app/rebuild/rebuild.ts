/**
 * Rebuild the app's state from GitHub, for one repository: read it
 * (`./rebuild-fetch.ts`), plan it (`./rebuild-plan.ts`, pure), and write
 * tasks (`src/core/restore.ts`) and the app's bookkeeping
 * (`src/app/state.ts`) in one transaction — a failure leaves the database as it was. Used by the
 * Actions-hosted mode when no usable state artifact exists, and by
 * `tm rebuild --github owner/repo`.
 *
 * A database that already has tasks is refused unless `replace` is set: a
 * rebuild is for a lost state, and must not wipe a live board by accident.
 * With `replace`, the repository's tasks are removed first (tasks of other
 * repositories and local ones stay; the event log and the gate's records
 * stay too, as they are facts about GitHub that still hold).
 */

import { type Clock, iso } from '../../core/clock.js'
import type { Engine } from '../../core/engine.js'
import { TaskError } from '../../core/errors.js'
import type { Unmapped } from '../../core/import/plan.js'
import { type RestartedLease, removeTasks, restoreTasks } from '../../core/restore.js'
import { findTaskRow } from '../../core/tasks.js'
import { AppState } from '../state.js'
import { fetchRepositoryState, type GitHubClient, type RepositoryName } from './rebuild-fetch.js'
import { planRebuild, type UnansweredComment } from './rebuild-plan.js'

export type { GitHubClient, RepositoryName } from './rebuild-fetch.js'

/** Options of {@link rebuildFromGitHub}. */
export interface RebuildOptions {
  /** Time of the rebuild (lease expiries, bookkeeping); default the engine's clock. */
  clock?: Clock
  /** TTL of restarted leases in ms; default the repository config's `lease.ttl`. */
  leaseTtlMs?: number
  /** Replace this repository's tasks when the database has some (`tm rebuild --force`). */
  replace?: boolean
  /** GitHub Enterprise Server host, for issue URLs in bodies. */
  host?: string
  /** The app's login, to tell its comments from people's; default any bot not listed as an agent. */
  appLogin?: string
  /** Installation id the bookkeeping records (a Probot server needs it for background work). */
  installationId?: number | null
  /** Who the log names as doing the rebuild (default `github`). */
  actor?: string
  /** The app's bookkeeping to fill (default: a new view of the engine's store). */
  state?: AppState
}

/**
 * What a rebuild did. Counts are of tasks written; `skipped` lists what was
 * not restored as recorded, each with the reason.
 */
export interface RebuildReport {
  /** `owner/repo`. */
  repository: string
  /** ISO-8601 UTC time of the rebuild. */
  at: string
  /** Task issues rebuilt. */
  tasks: number
  /** Issues tracked because tasks depend on them (not tasks themselves). */
  tracked: number
  /** Tasks (task issues and tracked) by status after the rebuild. */
  statuses: Record<string, number>
  dependencies: number
  parents: number
  /** Success criteria restored, over all tasks. */
  criteria: number
  /** Leases restarted with a fresh TTL. */
  leases: RestartedLease[]
  /** Task issues whose status comment was found (the app edits it) or not (the app posts one). */
  statusComments: { found: number; missing: number }
  /** Command comments recorded as handled, and those left for the catch-up scan. */
  comments: { handled: number; unanswered: UnansweredComment[] }
  /** Tasks of the repository removed first (`replace`). */
  replaced: number
  /** The config file's error, when it is broken (the defaults were used). */
  configError: string | null
  /** Pull requests the issue listing returned (they are not tasks). */
  pullRequests: number
  skipped: Unmapped[]
  /** GitHub API requests made. */
  requests: number
  /** Wall time of the whole rebuild, ms. */
  duration_ms: number
}

/**
 * Rebuild the tasks and the app's bookkeeping of `repository` from GitHub
 * into `engine`'s database (see the module comment and
 * `./rebuild-plan.ts` for what comes from where). `client` is an Octokit
 * with pagination; the requests it takes are listed in
 * `src/app/rebuild/rebuild-fetch.ts`.
 *
 * @throws TaskError('Duplicate') when the database has tasks and `replace`
 *   is not set (nothing is read or written then); client errors (bad token,
 *   unknown repository, rate limit) as the client raises them, with the
 *   database unchanged
 */
export async function rebuildFromGitHub(
  client: GitHubClient,
  repository: RepositoryName,
  engine: Engine,
  options: RebuildOptions = {},
): Promise<RebuildReport> {
  const clock = options.clock ?? engine.clock
  const started = Date.now()
  refuseNonEmpty(engine, `${repository.owner}/${repository.repo}`, options.replace ?? false)
  const { state, requests } = await fetchRepositoryState(client, repository, {
    host: options.host,
  })
  const repoKey = `${state.owner}/${state.repo}`
  const nowMs = clock.now()
  const now = iso(nowMs)
  const plan = planRebuild(state, {
    now,
    host: options.host,
    appLogin: options.appLogin,
    installationId: options.installationId ?? null,
    leaseTtlMs: options.leaseTtlMs,
  })
  const actor = options.actor ?? 'github'
  const appState = options.state ?? new AppState(engine.store)
  const written = engine.write((engineCtx) => {
    const ctx = { ...engineCtx, nowMs, now }
    refuseNonEmpty(engine, repoKey, options.replace ?? false)
    const { removed, links } = options.replace
      ? removeTasks(ctx, `${repoKey}#`)
      : { removed: 0, links: { dependencies: [], parents: [] } }
    // Tasks of other repositories already here (tracked before) stay as they are.
    const kept = new Set(
      plan.restore.tasks.filter((t) => findTaskRow(ctx.store, t.id)).map((t) => t.id),
    )
    const restore = restoreTasks(
      ctx,
      {
        ...plan.restore,
        tasks: plan.restore.tasks.filter((t) => !kept.has(t.id)),
        dependencies: [...plan.restore.dependencies, ...links.dependencies],
        parents: [...plan.restore.parents, ...links.parents],
      },
      actor,
    )
    for (const record of plan.records) {
      if (!kept.has(record.task_id) || !appState.issue(record.task_id)) appState.saveIssue(record)
    }
    appState.saveRepo(repoKey, now, {
      config: state.config,
      config_error: plan.configError,
      labels: plan.repo.labels,
      ...(plan.repo.native_dependencies
        ? { native_dependencies: plan.repo.native_dependencies }
        : {}),
    })
    for (const c of plan.handled)
      appState.recordComment(c.comment, repoKey, c.issue, c.commands, now)
    for (const agent of plan.config.agents) {
      engine.registerAgent(
        { id: agent.login, personas: agent.personas, capacity: agent.capacity },
        'config',
      )
    }
    const statuses: Record<string, number> = {}
    let criteria = 0
    for (const t of plan.restore.tasks) {
      const row = findTaskRow(ctx.store, t.id)
      if (!row) continue
      statuses[row.status] = (statuses[row.status] ?? 0) + 1
      criteria += (JSON.parse(row.success_criteria) as unknown[]).length
    }
    return { removed, restore, statuses, criteria }
  })
  const found = plan.records.filter((r) => r.is_task && r.status_comment_id !== null).length
  return {
    repository: repoKey,
    at: now,
    tasks: plan.counts.tasks,
    tracked: plan.counts.tracked,
    statuses: written.statuses,
    dependencies: written.restore.dependencies,
    parents: written.restore.parents,
    criteria: written.criteria,
    leases: written.restore.leases,
    statusComments: { found, missing: plan.counts.tasks - found },
    comments: { handled: plan.handled.length, unanswered: plan.unanswered },
    replaced: written.removed,
    configError: plan.configError,
    pullRequests: plan.counts.pullRequests,
    skipped: [...plan.skipped, ...written.restore.skipped],
    requests,
    duration_ms: Date.now() - started,
  }
}

/** Refuse a database that has tasks, unless replacing. */
function refuseNonEmpty(engine: Engine, repoKey: string, replace: boolean): void {
  if (replace) return
  const count = engine.store.get<{ all: number; mine: number }>(
    `SELECT count(*) AS "all",
       coalesce(sum(lower(substr(id, 1, length(@prefix))) = lower(@prefix)), 0) AS mine FROM tasks`,
    { prefix: `${repoKey}#` },
  ) ?? { all: 0, mine: 0 }
  if (count.all === 0) return
  throw new TaskError(
    'Duplicate',
    `The database already has ${count.all} task(s), ${count.mine} of them from ${repoKey}. A rebuild is for a lost state; to replace ${repoKey}'s tasks with what GitHub shows (other tasks are kept), pass --force (replace: true).`,
    { tasks: count.all, repository_tasks: count.mine, repository: repoKey },
  )
}

/**
 * One line for a job summary or a terminal, e.g. `Rebuilt o/r from GitHub:
 * 12 tasks (3 pending, 2 in progress, …), 1 tracked issue, 5 dependencies,
 * 2 leases restarted; 1 item skipped; 9 API requests in 0.4 s.`
 */
export function rebuildSummary(r: RebuildReport): string {
  const statuses = Object.entries(r.statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([s, n]) => `${n} ${s.replace(/_/g, ' ')}`)
    .join(', ')
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  return [
    `Rebuilt ${r.repository} from GitHub: ${plural(r.tasks, 'task')}${statuses ? ` (${statuses})` : ''}`,
    r.tracked ? `, ${plural(r.tracked, 'tracked issue')}` : '',
    `, ${plural(r.dependencies, 'dependency').replace(/ys$/, 'ies')}`,
    `, ${plural(r.leases.length, 'lease')} restarted`,
    r.replaced ? `, ${r.replaced} replaced` : '',
    r.skipped.length ? `; ${plural(r.skipped.length, 'item')} skipped` : '',
    r.comments.unanswered.length
      ? `; ${plural(r.comments.unanswered.length, 'unanswered command comment')}`
      : '',
    `; ${plural(r.requests, 'API request')} in ${(r.duration_ms / 1000).toFixed(1)} s.`,
  ].join('')
}
