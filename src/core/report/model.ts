/**
 * The report model: everything the dashboard issue and `tm report` show,
 * read from the engine in one read transaction and rendered elsewhere
 * (`./markdown.ts` for GitHub, `./html.ts` for a standalone file). Pure: no
 * GitHub, no terminal, no formatting.
 *
 * Archived tasks (`tm archive`) are out of the working set, so out of the
 * board, the graph and the critical path, as `engine.list()` leaves them
 * out; the metrics still count them.
 *
 * Contents: the board (tasks per status), the dependency graph of open tasks,
 * the critical path, stale leases, unanswered questions, key metrics over a
 * recent window, and the daily throughput and cycle-time series of that
 * window.
 */
import { iso } from '../clock.js'
import { type CriticalPath, longestPath } from '../critical-path.js'
import { computeMetrics, type Metrics } from '../metrics.js'
import { STATUSES, type Status } from '../model.js'
import { openQuestions, type Question } from '../questions.js'
import type { Ctx } from '../tasks.js'

const DAY = 86_400_000

/** A task as the report shows it. */
export interface ReportTask {
  id: string
  title: string
  status: Status
  priority: string
  persona: string | null
  milestone: string | null
  /** Lease holder, when leased. */
  holder: string | null
  estimated_hours: number | null
  /** Open tasks it depends on (ids). */
  depends_on: string[]
  updated_at: string
}

/** Why a lease is listed as stale. */
export type StaleReason = 'expired' | 'expiring' | 'silent'

/** A lease that needs a look (see {@link buildReport} for the rules). */
export interface StaleLease {
  task: string
  title: string
  holder: string
  token: number
  heartbeat_at: string
  expires_at: string
  reason: StaleReason
  /** Minutes since the last heartbeat (or the claim). */
  silent_min: number
}

/** One column of the board. */
export interface BoardColumn {
  status: Status
  /** All tasks with this status (archived ones excluded from the finished columns). */
  count: number
  /** Open statuses: every task, most urgent first. Finished: the most recent `recentFinished`. */
  tasks: ReportTask[]
}

export interface Report {
  generated_at: string
  /** The window of the metrics and series: `days` days up to `generated_at`. */
  window: { since: string; days: number }
  board: BoardColumn[]
  /** Open tasks (blocked, pending, in progress, waiting) and the edges between them. */
  graph: { nodes: ReportTask[]; edges: { from: string; to: string }[] }
  /** Longest chain of open work (estimated hours, 1 h where missing), first to do first. */
  critical_path: CriticalPath
  stale_leases: StaleLease[]
  questions: Question[]
  metrics: Metrics
  /** Completions per day of the window, every day present (zeros included). */
  throughput: { day: string; completed: number }[]
  /** Cycle time per day of the window (null where nothing completed). */
  cycle_time: { day: string; p50: number | null; p90: number | null }[]
}

export interface ReportOptions {
  /** Days of history for the metrics and the series (default 30). */
  days?: number
  /** Finished tasks listed per finished status, newest first (default 10). */
  recentFinished?: number
  /**
   * A lease is `expiring` when it ends within this many ms (default: a tenth
   * of the lease TTL), and `silent` when its last heartbeat is older than
   * `silentAfterMs` (default: half the lease TTL, so an agent that heartbeats
   * on schedule never shows).
   */
  expiringWithinMs?: number
  silentAfterMs?: number
  /** Only tasks whose id starts with this prefix, e.g. `owner/repo#` (one repository). */
  scope?: string
}

const OPEN: Status[] = ['in_progress', 'waiting', 'pending', 'blocked']

interface Row {
  id: string
  title: string
  status: Status
  priority: string
  persona: string | null
  milestone: string | null
  lease_holder: string | null
  lease_token: number | null
  lease_heartbeat_at: string | null
  lease_expires_at: string | null
  lease_paused_at: string | null
  estimated_hours: number | null
  updated_at: string
}

const COLUMNS = `id, title, status, priority, persona, milestone, lease_holder, lease_token,
  lease_heartbeat_at, lease_expires_at, lease_paused_at, estimated_hours, updated_at`

function toTask(r: Row, deps: string[] = []): ReportTask {
  return {
    id: r.id,
    title: r.title,
    status: r.status,
    priority: r.priority,
    persona: r.persona,
    milestone: r.milestone,
    holder: r.lease_holder,
    estimated_hours: r.estimated_hours,
    depends_on: deps,
    updated_at: r.updated_at,
  }
}

/**
 * Build the {@link Report} from the engine's state at `ctx.now`; call inside
 * `engine.readMetrics`, a read transaction over the metrics rollup brought up
 * to date (inside a plain `engine.read` the metrics fold the missing events
 * themselves, which needs the write lock: see `metrics-rollup.ensureRollup`).
 * Stale leases: `expired` — past
 * `expires_at` but not swept yet; `expiring` — ends within
 * `expiringWithinMs`; `silent` — no heartbeat for `silentAfterMs`. A
 * `waiting` task's lease is paused and never stale.
 */
export function buildReport(ctx: Ctx, options: ReportOptions = {}): Report {
  const { store } = ctx
  const days = Math.max(1, Math.floor(options.days ?? 30))
  const recent = Math.max(0, Math.floor(options.recentFinished ?? 10))
  const ttl = ctx.settings.leaseTtlMs
  const expiringWithin = options.expiringWithinMs ?? ttl / 10
  const silentAfter = options.silentAfterMs ?? ttl / 2
  const firstDay = Date.parse(`${ctx.now.slice(0, 10)}T00:00:00.000Z`) - (days - 1) * DAY
  const since = iso(firstDay)
  const scope = options.scope ?? ''

  const open = store.all<Row>(
    `SELECT ${COLUMNS} FROM tasks WHERE status IN (${OPEN.map((s) => `'${s}'`).join(', ')})
       AND archived_at IS NULL AND (@scope = '' OR substr(id, 1, length(@scope)) = @scope)
     ORDER BY priority_rank DESC, deadline_key, created_at, id`,
    { scope },
  )
  const openIds = new Set(open.map((r) => r.id))
  const edges = store
    .all<{ from: string; to: string }>(
      `SELECT d.depends_on_id AS "from", d.task_id AS "to" FROM dependencies d
       JOIN tasks a ON a.id = d.task_id JOIN tasks b ON b.id = d.depends_on_id
       WHERE a.status IN (${OPEN.map((s) => `'${s}'`).join(', ')})
         AND b.status IN (${OPEN.map((s) => `'${s}'`).join(', ')})
         AND a.archived_at IS NULL AND b.archived_at IS NULL
       ORDER BY d.task_id, d.depends_on_id`,
    )
    .filter((e) => openIds.has(e.from) && openIds.has(e.to))
  const depsOf = new Map<string, string[]>()
  for (const e of edges) {
    const list = depsOf.get(e.to)
    if (list) list.push(e.from)
    else depsOf.set(e.to, [e.from])
  }
  const nodes = open.map((r) => toTask(r, depsOf.get(r.id) ?? []))

  const counts = new Map<string, number>()
  for (const r of store.all<{ status: string; n: number }>(
    `SELECT status, count(*) AS n FROM tasks WHERE archived_at IS NULL AND (@scope = '' OR substr(id, 1, length(@scope)) = @scope)
     GROUP BY status`,
    { scope },
  )) {
    counts.set(r.status, r.n)
  }
  const board: BoardColumn[] = STATUSES.map((status) => ({
    status,
    count: counts.get(status) ?? 0,
    tasks: OPEN.includes(status)
      ? nodes.filter((t) => t.status === status)
      : store
          .all<Row>(
            `SELECT ${COLUMNS} FROM tasks WHERE status = @status AND archived_at IS NULL
               AND (@scope = '' OR substr(id, 1, length(@scope)) = @scope)
             ORDER BY updated_at DESC, id LIMIT @recent`,
            { status, recent, scope },
          )
          .map((r) => toTask(r)),
  }))

  const stale: StaleLease[] = []
  for (const r of open) {
    if (r.lease_holder === null || r.lease_paused_at !== null || r.lease_expires_at === null)
      continue
    const left = Date.parse(r.lease_expires_at) - ctx.nowMs
    const silent = ctx.nowMs - Date.parse(r.lease_heartbeat_at ?? r.lease_expires_at)
    const reason: StaleReason | null =
      left <= 0
        ? 'expired'
        : left <= expiringWithin
          ? 'expiring'
          : silent >= silentAfter
            ? 'silent'
            : null
    if (!reason) continue
    stale.push({
      task: r.id,
      title: r.title,
      holder: r.lease_holder,
      token: Number(r.lease_token),
      heartbeat_at: r.lease_heartbeat_at ?? '',
      expires_at: r.lease_expires_at,
      reason,
      silent_min: Math.round(silent / 60_000),
    })
  }
  stale.sort((a, b) => a.expires_at.localeCompare(b.expires_at) || a.task.localeCompare(b.task))

  const metrics = computeMetrics(ctx, { since, scope })
  const perDay = new Map(metrics.throughput.map((d) => [d.day, d.completed]))
  const cycles = new Map(metrics.cycle_time_daily.map((d) => [d.day, d]))
  const throughput: Report['throughput'] = []
  const cycleTime: Report['cycle_time'] = []
  for (let i = 0; i < days; i++) {
    const day = iso(firstDay + i * DAY).slice(0, 10)
    throughput.push({ day, completed: perDay.get(day) ?? 0 })
    const c = cycles.get(day)
    cycleTime.push({ day, p50: c?.p50 ?? null, p90: c?.p90 ?? null })
  }

  return {
    generated_at: ctx.now,
    window: { since, days },
    board,
    graph: { nodes, edges },
    critical_path: longestPath(nodes, edges),
    stale_leases: stale,
    questions: openQuestions(ctx).filter((q) => q.task_id.startsWith(scope)),
    metrics,
    throughput,
    cycle_time: cycleTime,
  }
}
