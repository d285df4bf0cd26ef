/**
 * A large, realistic task database for the metrics and report benchmarks:
 * `tasks` tasks and exactly `events` log entries, written with direct SQL in
 * one transaction (building the fixture is not what is measured). Seeded, so
 * every run measures the same data.
 *
 * Each task's life follows what the engine logs: `task_created`, its
 * `dependency_added` edges (to earlier tasks) with `blocked`/`unblocked`,
 * claims with heartbeats that end in `completed`, `released`,
 * `lease_expired` or `retry_scheduled`/`failed` (each with `lease_s`), the
 * `context_handed_over` to dependents, `progress` and `feedback`.
 * Heartbeats pad the log to exactly `events` entries. Final statuses: about
 * 80 % completed, the rest pending, blocked, in progress, failed, cancelled.
 */
import type { Store } from '../src/core/db/store.js'
import { rng } from './util.js'

export interface FixtureOptions {
  tasks: number
  events: number
  seed?: number
  /** The fixture's "now": the newest event is before it. */
  now?: string
  /** Days of history before `now`. */
  days?: number
}

export const AGENTS = ['ada', 'grace', 'linus', 'barbara', 'ken', 'margaret', 'dennis', 'frances']
const PERSONAS = [null, 'implementer', 'reviewer', 'tester', 'writer']
const MILESTONES = [null, 'v1.0', 'v1.1', 'v2.0']
const H = 3_600_000

/** Fill an empty, migrated store. Returns the number of events written. */
export function buildMetricsFixture(store: Store, o: FixtureOptions): number {
  const random = rng(o.seed ?? 7)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!
  const nowMs = Date.parse(o.now ?? '2026-11-01T00:00:00.000Z')
  const start = nowMs - (o.days ?? 180) * 24 * H
  const hasMilestone = store
    .all<{ name: string }>('PRAGMA table_info(tasks)')
    .some((c) => c.name === 'milestone')
  const iso = (ms: number) => new Date(Math.min(ms, nowMs - 1000)).toISOString()
  let written = 0
  const budget = o.events
  const event = (at: number, type: string, task: string, actor: string | null, details = {}) => {
    if (written >= budget) return
    store.run('INSERT INTO events (at, type, task_id, actor, details) VALUES (?, ?, ?, ?, ?)', [
      iso(at),
      type,
      task,
      actor,
      JSON.stringify(details),
    ])
    written++
  }
  const ids: string[] = []
  const completedAt: (number | null)[] = []
  const heartbeatSlots: [string, string, number][] = []
  const edges: [string, string, string][] = []
  // Keep about 4 % of the budget for heartbeats that pad the log to `events`.
  const perTask = (budget * 0.96) / o.tasks
  const hbPerClaim = Math.max(0, Math.round(perTask - 8))
  store.write(() => {
    for (let i = 0; i < o.tasks; i++) {
      const id = `t${i.toString(36).padStart(7, '0')}`
      ids.push(id)
      const created = start + (i / o.tasks) * (nowMs - start - 7 * 24 * H)
      const persona = pick(PERSONAS)
      const milestone = pick(MILESTONES)
      const estimate = random() < 0.6 ? 1 + Math.floor(random() * 8) : null
      const r = random()
      const fate =
        r < 0.8
          ? 'completed'
          : r < 0.88
            ? 'pending'
            : r < 0.93
              ? 'blocked'
              : r < 0.97
                ? 'in_progress'
                : r < 0.99
                  ? 'failed'
                  : 'cancelled'
      let t = created
      event(t, 'task_created', id, null, { title: `task ${i}`, priority: 'medium' })
      const depIndexes: number[] = []
      const nDeps = i > 10 ? Math.floor(random() * 3) : 0
      for (let d = 0; d < nDeps; d++) {
        const dep = Math.max(0, i - 1 - Math.floor(random() * 200))
        // Mostly finished work: an unfinished dependency is kept one time in ten.
        if (completedAt[dep] === null && random() < 0.9) continue
        if (!depIndexes.includes(dep)) depIndexes.push(dep)
      }
      const deps = depIndexes.map((d) => ids[d]!)
      for (const dep of deps) {
        edges.push([id, dep, iso(t)])
        event(t, 'dependency_added', id, null, { depends_on: dep })
      }
      // Blocked until the last dependency completes (or for good).
      const depsDone = depIndexes.map((d) => completedAt[d] ?? null)
      const waiting = deps.length > 0
      if (waiting) event(t, 'blocked', id, null, { dependencies: deps, reason: null })
      if (fate === 'blocked' || (waiting && depsDone.some((x) => x === null))) {
        completedAt.push(null)
        insertTask(i, id, 'blocked', persona, milestone, estimate, created, null, 0, 0, null)
        continue
      }
      if (waiting) {
        t = Math.max(t, ...(depsDone as number[])) + random() * 2 * H
        event(t, 'unblocked', id, null, { reason: 'dependencies completed' })
      }
      if (fate === 'pending' || fate === 'cancelled') {
        completedAt.push(null)
        if (fate === 'cancelled') event(t + H, 'task_cancelled', id, null, {})
        insertTask(i, id, fate, persona, milestone, estimate, created, null, 0, 0, null)
        continue
      }
      t += random() * 24 * H // waits in the queue
      let attempts = 0
      let leaseTotal = 0
      let agent = pick(AGENTS)
      const claimOnce = (end: string, extra: Record<string, unknown> = {}) => {
        agent = pick(AGENTS)
        event(t, 'claimed', id, agent, { token: attempts + 1, ttl_s: 1800 })
        const seconds = 600 + random() * 6 * 3600
        for (let h = 0; h < hbPerClaim; h++) {
          event(t + ((h + 1) * seconds * 1000) / (hbPerClaim + 1), 'heartbeat', id, agent, {})
        }
        heartbeatSlots.push([id, agent, t + 1000])
        t += seconds * 1000
        leaseTotal += seconds
        if (end !== 'none')
          event(t, end, id, agent, { token: attempts + 1, lease_s: seconds, ...extra })
      }
      const trouble = random()
      if (trouble < 0.08) {
        claimOnce('lease_expired', { attempts: 1, max_attempts: 3 })
        attempts++
        t += random() * 4 * H
      } else if (trouble < 0.12) {
        claimOnce('retry_scheduled', { reason: 'tests fail', attempts: 1, max_attempts: 3 })
        attempts++
        t += random() * 4 * H
      } else if (trouble < 0.16) {
        claimOnce('released', {})
        t += random() * 4 * H
      }
      if (fate === 'failed') {
        claimOnce('failed', { reason: 'cannot be done', attempts: attempts + 1, max_attempts: 3 })
        attempts++
        completedAt.push(null)
        insertTask(
          i,
          id,
          'failed',
          persona,
          milestone,
          estimate,
          created,
          null,
          attempts,
          leaseTotal,
          null,
        )
        continue
      }
      if (fate === 'in_progress') {
        claimOnce('none')
        completedAt.push(null)
        insertTask(
          i,
          id,
          'in_progress',
          persona,
          milestone,
          estimate,
          created,
          null,
          attempts,
          leaseTotal,
          agent,
        )
        continue
      }
      claimOnce('completed', { actual_hours: 0 })
      completedAt.push(t)
      for (const dep of deps) event(t, 'progress', id, agent, { percent: 50, message: dep })
      if (random() < 0.3) event(t + H, 'feedback', id, 'maintainer', { quality: 4, timeliness: 3 })
      insertTask(
        i,
        id,
        'completed',
        persona,
        milestone,
        estimate,
        created,
        t,
        attempts,
        leaseTotal,
        agent,
      )
    }
    for (const edge of edges) {
      store.run(
        'INSERT INTO dependencies (task_id, depends_on_id, created_at) VALUES (?, ?, ?)',
        edge,
      )
    }
    // Hand-overs to dependents, as the engine logs them at completion.
    const index = new Map(ids.map((id, n) => [id, n]))
    for (const row of store.all<{ task_id: string; depends_on_id: string }>(
      `SELECT d.task_id, d.depends_on_id FROM dependencies d
       JOIN tasks t ON t.id = d.depends_on_id AND t.status = 'completed'`,
    )) {
      const done = completedAt[index.get(row.depends_on_id)!] ?? nowMs
      event(done, 'context_handed_over', row.task_id, null, { from: row.depends_on_id })
    }
    for (let k = 0; written < budget; k++) {
      const [id, agent, at] = heartbeatSlots[k % heartbeatSlots.length]!
      event(at, 'heartbeat', id, agent, {})
    }
  })
  return written

  function insertTask(
    i: number,
    id: string,
    status: string,
    persona: string | null,
    milestone: string | null,
    estimate: number | null,
    created: number,
    completed: number | null,
    attempts: number,
    leaseSeconds: number,
    holder: string | null,
  ): void {
    const leased = status === 'in_progress'
    const actual = completed ? Math.round((leaseSeconds / 3600) * 1000) / 1000 : null
    const quality = completed && random() < 0.3 ? 1 + Math.floor(random() * 5) : null
    store.run(
      `INSERT INTO tasks (id, title, status, persona, estimated_hours, actual_hours,
         feedback_quality, feedback_timeliness, attempts, assignee, lease_holder, lease_token,
         lease_acquired_at, lease_heartbeat_at, lease_expires_at, fencing_seq, lease_seconds,
         created_at, updated_at, completed_at${hasMilestone ? ', milestone' : ''})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?${hasMilestone ? ', ?' : ''})`,
      [
        id,
        `task ${i}`,
        status,
        persona,
        estimate,
        actual,
        quality,
        quality ? 1 + Math.floor(random() * 5) : null,
        attempts,
        holder,
        leased ? holder : null,
        leased ? attempts + 1 : null,
        leased ? iso(nowMs - H) : null,
        leased ? iso(nowMs - H / 2) : null,
        leased ? iso(nowMs + (random() < 0.5 ? -H / 4 : H / 4)) : null,
        attempts + (holder ? 1 : 0),
        leaseSeconds,
        iso(created),
        iso(completed ?? created),
        completed ? iso(completed) : null,
        ...(hasMilestone ? [milestone] : []),
      ],
    )
  }
}
