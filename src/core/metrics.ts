/**
 * Metrics computed from the event log (so history brought in by an import
 * does not count as work done here) and the task table (current counts,
 * estimates): throughput, cycle time, lease time, expiries, attempts, success
 * rate and estimate accuracy,
 * overall and per agent and per persona. Pure SQL aggregation plus
 * percentiles in memory; no state of its own.
 */
import type { Ctx } from './tasks.js'

export interface MetricsOptions {
  /** Only events and completions at or after this ISO-8601 time. */
  since?: string
}

/** Summary of a duration distribution, in hours. */
export interface Distribution {
  count: number
  mean: number | null
  p50: number | null
  p90: number | null
}

/** Counters for one agent or persona. */
export interface Breakdown {
  claims: number
  completed: number
  /** Failed tries: `fail` calls plus expired leases. */
  failed_attempts: number
  expiries: number
  lease_hours: number
  cycle_time_h: Distribution
}

export interface Metrics {
  since: string | null
  tasks: Record<string, number>
  /** Completions per UTC day (`YYYY-MM-DD`), oldest first. */
  throughput: { day: string; completed: number }[]
  /** First claim → completion, hours. */
  cycle_time_h: Distribution
  lease_hours: number
  expiries: number
  claims: number
  /** Sum of `attempts` over tasks (failed tries counted by the engine). */
  attempts: number
  /** completed / (completed + failed); null when neither happened. */
  success_rate: number | null
  /** Mean and median of actual_hours / estimated_hours over completed tasks with both. */
  estimate_accuracy: { count: number; mean_ratio: number | null; median_ratio: number | null }
  per_agent: Record<string, Breakdown>
  per_persona: Record<string, Breakdown>
}

function round(n: number, digits = 5): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

/** Nearest-rank percentile of a sorted array. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.ceil((p / 100) * sorted.length)
  return round(sorted[Math.max(0, rank - 1)]!)
}

/** Count, mean, p50 and p90 of `values` (hours). */
export function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b)
  const mean = sorted.length ? round(sorted.reduce((a, b) => a + b, 0) / sorted.length) : null
  return { count: sorted.length, mean, p50: percentile(sorted, 50), p90: percentile(sorted, 90) }
}

const LEASE_ENDS = `('released','completed','failed','retry_scheduled','lease_expired')`

interface GroupRow {
  key: string | null
  claims: number
  completed: number
  failed_attempts: number
  expiries: number
  lease_s: number | null
}

/** Compute {@link Metrics} over the whole log or since `options.since`. */
export function computeMetrics(ctx: Ctx, options: MetricsOptions = {}): Metrics {
  const since = options.since ?? ''
  const { store } = ctx
  const tasks: Record<string, number> = {}
  for (const r of store.all<{ status: string; n: number }>(
    'SELECT status, count(*) AS n FROM tasks GROUP BY status',
  )) {
    tasks[r.status] = r.n
  }
  const throughput = store.all<{ day: string; completed: number }>(
    `SELECT substr(at, 1, 10) AS day, count(*) AS completed FROM events
     WHERE type = 'completed' AND at >= @since GROUP BY day ORDER BY day`,
    { since },
  )
  const cycles = store.all<{ persona: string | null; holder: string | null; hours: number }>(
    `SELECT t.persona, t.assignee AS holder,
       (julianday(t.completed_at) - julianday(min(e.at))) * 24 AS hours
     FROM tasks t JOIN events e ON e.task_id = t.id AND e.type = 'claimed'
     WHERE t.status = 'completed' AND t.completed_at >= @since GROUP BY t.id`,
    { since },
  )
  const aggregate = (groupBy: string, join: string) =>
    store.all<GroupRow>(
      `SELECT ${groupBy} AS key,
         sum(e.type = 'claimed') AS claims,
         sum(e.type = 'completed') AS completed,
         sum(e.type IN ('retry_scheduled','lease_expired') OR (e.type = 'failed' AND e.actor IS NOT NULL)) AS failed_attempts,
         sum(e.type = 'lease_expired') AS expiries,
         sum(CASE WHEN e.type IN ${LEASE_ENDS} THEN json_extract(e.details, '$.lease_s') END) AS lease_s
       FROM events e ${join}
       WHERE e.at >= @since AND e.type IN ('claimed', ${LEASE_ENDS.slice(1, -1)})
       GROUP BY key`,
      { since },
    )
  const breakdown = (rows: GroupRow[], cycleKey: 'holder' | 'persona') => {
    const out: Record<string, Breakdown> = {}
    for (const r of rows) {
      const key = r.key ?? '(none)'
      out[key] = {
        claims: r.claims,
        completed: r.completed,
        failed_attempts: r.failed_attempts,
        expiries: r.expiries,
        lease_hours: round((r.lease_s ?? 0) / 3600),
        cycle_time_h: distribution(
          cycles.filter((c) => (c[cycleKey] ?? '(none)') === key).map((c) => c.hours),
        ),
      }
    }
    return out
  }
  const perAgent = breakdown(
    aggregate('e.actor', '').filter((r) => r.key !== null),
    'holder',
  )
  const perPersona = breakdown(
    aggregate('t.persona', 'JOIN tasks t ON t.id = e.task_id'),
    'persona',
  )
  const totals = Object.values(breakdown(aggregate(`'all'`, ''), 'holder'))[0]
  const finished = store.get<{ completed: number; failed: number }>(
    `SELECT coalesce(sum(type = 'completed'), 0) AS completed, coalesce(sum(type = 'failed'), 0) AS failed
     FROM events WHERE type IN ('completed', 'failed') AND at >= @since`,
    { since },
  )
  const done = (finished?.completed ?? 0) + (finished?.failed ?? 0)
  const ratios = store
    .all<{ r: number }>(
      `SELECT actual_hours / estimated_hours AS r FROM tasks WHERE status = 'completed'
       AND actual_hours IS NOT NULL AND estimated_hours > 0 AND completed_at >= @since`,
      { since },
    )
    .map((x) => x.r)
  const ratioDist = distribution(ratios)
  const attempts =
    store.get<{ n: number }>('SELECT coalesce(sum(attempts), 0) AS n FROM tasks')?.n ?? 0
  return {
    since: options.since ?? null,
    tasks,
    throughput,
    cycle_time_h: distribution(cycles.map((c) => c.hours)),
    lease_hours: totals?.lease_hours ?? 0,
    expiries: totals?.expiries ?? 0,
    claims: totals?.claims ?? 0,
    attempts,
    success_rate: done ? round((finished?.completed ?? 0) / done) : null,
    estimate_accuracy: {
      count: ratioDist.count,
      mean_ratio: ratioDist.mean,
      median_ratio: ratioDist.p50,
    },
    per_agent: perAgent,
    per_persona: perPersona,
  }
}
