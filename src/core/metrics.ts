/**
 * Metrics computed from the event log (so history brought in by an import
 * does not count as work done here) and the task table (current counts,
 * estimates, feedback, leases held): throughput, cycle and lead time, time
 * blocked, lease time, expiries, attempts, success rate, estimate accuracy,
 * feedback averages and work in progress — overall and per agent, per
 * persona and per milestone. SQL aggregation (`./metrics-queries.ts`) plus
 * percentiles in memory; no state of its own. Archived tasks count like any
 * other.
 *
 * One definition everywhere (overall, per agent, persona and milestone; in
 * `tm metrics`, `tm report`, the `/metrics` reply and the dashboard): a
 * *failed try* is a `fail` (with or without a retry), an expired lease, or a
 * completion refused because a success criterion did not hold; the *success
 * rate* is completions ÷ (completions + failed tries) — of the tries that
 * ended, the share that completed the task. Releases are not tries.
 *
 * Attribution: lease events and refused completions (claims, completions,
 * failed tries, expiries, lease time) count for the agent that acted and for
 * the task's persona and milestone; task-level figures (cycle, lead and blocked time, estimate
 * accuracy, feedback) count for the agent that completed the task and for
 * its persona and milestone. Tasks without a persona or milestone are
 * grouped under `(none)`.
 */
import {
  attemptsCounted,
  type BlockedRow,
  blockedTime,
  type CounterRow,
  completedTasks,
  type DoneRow,
  leaseCounters,
  type RefusedRow,
  refusedCompletions,
  statusCounts,
  throughputByDay,
  type WipRow,
  workInProgress,
} from './metrics-queries.js'
import { ensureRollup } from './metrics-rollup.js'
import type { Ctx } from './tasks.js'

export interface MetricsOptions {
  /** Only events and completions at or after this ISO-8601 time. */
  since?: string
  /** Only tasks whose id starts with this prefix, e.g. `owner/repo#` (one repository). */
  scope?: string
}

/** Summary of a duration distribution, in hours. */
export interface Distribution {
  count: number
  mean: number | null
  p50: number | null
  p90: number | null
}

/** Mean and median of actual / estimated hours. */
export interface EstimateAccuracy {
  count: number
  mean_ratio: number | null
  median_ratio: number | null
}

/** Feedback averages (ratings 1–5) over completed tasks that have feedback. */
export interface FeedbackAverages {
  count: number
  quality: number | null
  timeliness: number | null
}

/** Counters for one agent, persona or milestone. */
export interface Breakdown {
  claims: number
  completed: number
  /** Failed tries: `fail` calls, expired leases and refused completions. */
  failed_attempts: number
  /** Completions refused because a success criterion did not hold (part of `failed_attempts`). */
  refused_completions: number
  expiries: number
  lease_hours: number
  /** First claim → completion, hours. */
  cycle_time_h: Distribution
  /** Creation → completion, hours. */
  lead_time_h: Distribution
  /** Hours the group's tasks spent blocked in the window (per agent: the tasks it completed). */
  blocked_hours: number
  /** completed / (completed + failed_attempts); null when neither happened. */
  success_rate: number | null
  estimate_accuracy: EstimateAccuracy
  feedback: FeedbackAverages
  /** Tasks under a lease now (`in_progress` or `waiting`). */
  wip: number
}

/** Daily cycle time of the tasks completed that day. */
export interface DailyCycleTime {
  day: string
  count: number
  p50: number | null
  p90: number | null
}

export interface Metrics {
  since: string | null
  /** Tasks per status now (archived included). */
  tasks: Record<string, number>
  /** Completions per UTC day (`YYYY-MM-DD`), oldest first; days without any are absent. */
  throughput: { day: string; completed: number }[]
  /** Completions per calendar day from the first day of the window to today; null with none. */
  throughput_per_day: number | null
  /** First claim → completion, hours. */
  cycle_time_h: Distribution
  /** Cycle time per UTC day of completion, oldest first. */
  cycle_time_daily: DailyCycleTime[]
  /** Creation → completion, hours. */
  lead_time_h: Distribution
  /** Hours blocked per task blocked in the window, and their total. */
  blocked_h: Distribution & { total: number }
  lease_hours: number
  expiries: number
  claims: number
  /** Sum of `attempts` over tasks (the engine's retry accounting: fails and expiries). */
  attempts: number
  /** Failed tries: `fail` calls, expired leases and refused completions. */
  failed_attempts: number
  /** Completions refused because a success criterion did not hold (part of `failed_attempts`). */
  refused_completions: number
  /** completions / (completions + failed_attempts); null when neither happened. */
  success_rate: number | null
  /** Mean and median of actual_hours / estimated_hours over completed tasks with both. */
  estimate_accuracy: EstimateAccuracy
  feedback: FeedbackAverages
  /** Tasks under a lease now (`in_progress` or `waiting`). */
  wip: number
  per_agent: Record<string, Breakdown>
  per_persona: Record<string, Breakdown>
  per_milestone: Record<string, Breakdown>
}

/** The key of tasks without a persona or milestone. */
export const NONE = '(none)'

function round(n: number, digits = 5): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

/** Nearest-rank percentile of a sorted array. */
function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.ceil((p / 100) * sorted.length)
  return round(sorted[Math.max(0, rank - 1)]!)
}

/** Count, mean, p50 and p90 of `values` (hours); nearest-rank percentiles. */
export function distribution(values: number[]): Distribution {
  const sorted = Float64Array.from(values).sort()
  const mean = sorted.length ? round(sum(values) / sorted.length) : null
  return { count: sorted.length, mean, p50: percentile(sorted, 50), p90: percentile(sorted, 90) }
}

function sum(values: Iterable<number>): number {
  let s = 0
  for (const v of values) s += v
  return s
}

function mean(values: number[]): number | null {
  return values.length ? round(sum(values) / values.length) : null
}

/** What is gathered per group before it becomes a {@link Breakdown}. */
class Group {
  claims = 0
  completed = 0
  failed_attempts = 0
  refused = 0
  expiries = 0
  lease_s = 0
  cycle: number[] = []
  lead: number[] = []
  ratios: number[] = []
  quality: number[] = []
  timeliness: number[] = []
  blocked: number[] = []
  wip = 0

  count(r: CounterRow): void {
    this.claims += r.claims
    this.completed += r.completed
    this.failed_attempts += r.failed_attempts
    this.expiries += r.expiries
    this.lease_s += r.lease_s ?? 0
  }

  refuse(r: RefusedRow): void {
    this.refused += r.refused
  }

  done(r: DoneRow): void {
    if (r.cycle_h !== null) this.cycle.push(r.cycle_h)
    this.lead.push(r.lead_h)
    if (r.ratio !== null) this.ratios.push(r.ratio)
    if (r.quality !== null) this.quality.push(r.quality)
    if (r.timeliness !== null) this.timeliness.push(r.timeliness)
  }

  breakdown(): Breakdown {
    const failedTries = this.failed_attempts + this.refused
    const tries = this.completed + failedTries
    const ratios = distribution(this.ratios)
    return {
      claims: this.claims,
      completed: this.completed,
      failed_attempts: failedTries,
      refused_completions: this.refused,
      expiries: this.expiries,
      lease_hours: round(this.lease_s / 3600),
      cycle_time_h: distribution(this.cycle),
      lead_time_h: distribution(this.lead),
      blocked_hours: round(sum(this.blocked)),
      success_rate: tries ? round(this.completed / tries) : null,
      estimate_accuracy: { count: ratios.count, mean_ratio: ratios.mean, median_ratio: ratios.p50 },
      feedback: {
        count: this.quality.length,
        quality: mean(this.quality),
        timeliness: mean(this.timeliness),
      },
      wip: this.wip,
    }
  }
}

/** Groups by key, created on first use. */
class Groups {
  readonly map = new Map<string, Group>()
  of(key: string | null): Group {
    const k = key ?? NONE
    let g = this.map.get(k)
    if (!g) {
      g = new Group()
      this.map.set(k, g)
    }
    return g
  }
  breakdowns(): Record<string, Breakdown> {
    const out: Record<string, Breakdown> = {}
    for (const k of [...this.map.keys()].sort()) out[k] = this.map.get(k)!.breakdown()
    return out
  }
}

/** Whole days from `from` (YYYY-MM-DD) through `to` (YYYY-MM-DD), inclusive. */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1
}

/**
 * Compute {@link Metrics} over the whole log, or over activity at or after
 * `options.since` (ISO-8601 UTC). Call inside a transaction so every figure
 * comes from one snapshot: `Engine.metrics` / `Engine.readMetrics` fold the
 * events not yet in the rollup first, so this only reads; otherwise the
 * missing events are folded here (`metrics-rollup.ensureRollup`), which
 * needs the write lock.
 */
export function computeMetrics(ctx: Ctx, options: MetricsOptions = {}): Metrics {
  const since = options.since ?? ''
  const scope = options.scope ?? ''
  const { store } = ctx
  ensureRollup(store)
  const total = new Group()
  const agents = new Groups()
  const personas = new Groups()
  const milestones = new Groups()

  for (const r of leaseCounters(store, since, scope)) {
    total.count(r)
    if (r.actor !== null) agents.of(r.actor).count(r)
    personas.of(r.persona).count(r)
    milestones.of(r.milestone).count(r)
  }

  for (const r of refusedCompletions(store, since, scope)) {
    total.refuse(r)
    if (r.actor !== null) agents.of(r.actor).refuse(r)
    personas.of(r.persona).refuse(r)
    milestones.of(r.milestone).refuse(r)
  }

  const byDay = new Map<string, number[]>()
  for (const r of completedTasks(store, since, scope)) {
    total.done(r)
    if (r.agent !== null) agents.of(r.agent).done(r)
    personas.of(r.persona).done(r)
    milestones.of(r.milestone).done(r)
    if (r.cycle_h !== null) {
      const list = byDay.get(r.day)
      if (list) list.push(r.cycle_h)
      else byDay.set(r.day, [r.cycle_h])
    }
  }

  for (const r of blockedTime(store, since, ctx.now, scope) as BlockedRow[]) {
    total.blocked.push(r.hours)
    if (r.agent) agents.of(r.agent).blocked.push(r.hours)
    personas.of(r.persona).blocked.push(r.hours)
    milestones.of(r.milestone).blocked.push(r.hours)
  }

  for (const r of workInProgress(store, scope) as WipRow[]) {
    total.wip += r.n
    agents.of(r.holder).wip += r.n
    personas.of(r.persona).wip += r.n
    milestones.of(r.milestone).wip += r.n
  }

  const throughput = throughputByDay(store, since, scope)
  const completions = sum(throughput.map((d) => d.completed))
  const today = ctx.now.slice(0, 10)
  const firstDay = since ? since.slice(0, 10) : throughput[0]?.day
  const overall = total.breakdown()
  const blocked = distribution(total.blocked)
  return {
    since: options.since ?? null,
    tasks: statusCounts(store, scope),
    throughput,
    throughput_per_day:
      completions && firstDay ? round(completions / daysBetween(firstDay, today), 3) : null,
    cycle_time_h: overall.cycle_time_h,
    cycle_time_daily: [...byDay.keys()].sort().map((day) => {
      const d = distribution(byDay.get(day)!)
      return { day, count: d.count, p50: d.p50, p90: d.p90 }
    }),
    lead_time_h: overall.lead_time_h,
    blocked_h: { ...blocked, total: overall.blocked_hours },
    lease_hours: overall.lease_hours,
    expiries: overall.expiries,
    claims: overall.claims,
    attempts: attemptsCounted(store, scope),
    failed_attempts: overall.failed_attempts,
    refused_completions: overall.refused_completions,
    success_rate: overall.success_rate,
    estimate_accuracy: overall.estimate_accuracy,
    feedback: overall.feedback,
    wip: total.wip,
    per_agent: agents.breakdowns(),
    per_persona: personas.breakdowns(),
    per_milestone: milestones.breakdowns(),
  }
}
