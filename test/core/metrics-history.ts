/**
 * Shared by the metrics rollup tests: a seeded, varied history written
 * through the engine's commands, and the rollup tables as folded on read
 * (migration 6) and as migration 5's backfill recomputes them from the log.
 */
import type { FakeClock } from '../../src/core/clock.js'
import { METRICS_BACKFILL } from '../../src/core/db/schema-metrics.js'
import type { Store } from '../../src/core/db/store.js'
import type { Engine } from '../../src/core/engine.js'
import { foldRollup } from '../../src/core/metrics-rollup.js'

const HOUR = 3_600_000
export const TABLES = {
  task_metrics: 'task_id',
  task_metrics_actor: 'task_id, actor',
  metrics_blocked: 'task_id, from_at, until_at',
} as const

/**
 * Every rollup row, ordered, after folding the events not yet in it (as a
 * metrics read does); REAL sums rounded (the order of additions differs).
 */
export function rollup(store: Store, fold = true): Record<string, unknown[]> {
  if (fold) store.write(() => foldRollup(store))
  const out: Record<string, unknown[]> = {}
  for (const [table, order] of Object.entries(TABLES)) {
    out[table] = store
      .all<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY ${order}`)
      .map((row) => {
        const r = { ...row }
        for (const k of ['blocked_h', 'lease_s'])
          if (typeof r[k] === 'number') r[k] = Math.round((r[k] as number) * 1e6) / 1e6
        return r
      })
  }
  return out
}

/** The rollup as the backfill computes it from the current log (rolled back afterwards). */
export function backfilled(store: Store): Record<string, unknown[]> {
  store.write(() => foldRollup(store))
  store.driver.exec('SAVEPOINT backfill')
  try {
    for (const table of Object.keys(TABLES)) store.run(`DELETE FROM ${table}`)
    store.driver.exec(METRICS_BACKFILL)
    return rollup(store, false)
  } finally {
    store.driver.exec('ROLLBACK TO backfill')
    store.driver.exec('RELEASE backfill')
  }
}

/** Deterministic RNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A seeded history through the engine's commands: claims ending in
 * completions, releases, failures with and without retry and expiries;
 * blocks and unblocks by hand and through dependencies; closing by a person,
 * cancelling, reopening and completing again; persona and milestone changed
 * between claims; feedback.
 */
export function busyHistory<E extends { engine: Engine; clock: FakeClock }>(
  { engine, clock }: E,
  seed: number,
): E & { ids: string[] } {
  const random = rng(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!
  const agents = ['ada', 'grace', 'linus']
  const personas = [undefined, 'implementer', 'reviewer']
  const milestones = [undefined, 'v1', 'v2']
  const ids: string[] = []
  for (let i = 0; i < 40; i++) {
    const deps = ids.length && random() < 0.2 ? [pick(ids)] : []
    const t = engine.add({
      title: `t${i}`,
      persona: pick(personas),
      milestone: pick(milestones),
      estimated_hours: random() < 0.5 ? 1 + Math.floor(random() * 4) : undefined,
      depends_on: deps,
    })
    ids.push(t.id)
  }
  for (let step = 0; step < 600; step++) {
    clock.advance(Math.floor(random() * 2 * HOUR))
    const open = ids.filter((i) => ['pending', 'in_progress'].includes(engine.get(i).status))
    const id = open.length && random() < 0.8 ? pick(open) : pick(ids)
    const task = engine.get(id)
    const r = random()
    try {
      if (task.status === 'pending') {
        if (r < 0.1) engine.block(id, 'waiting for a person', 'maint')
        else if (r < 0.14) engine.closeByPerson(id, r < 0.12 ? 'completed' : 'cancelled', 'maint')
        else if (r < 0.2) engine.update(id, { persona: pick(personas) ?? null }, 'maint')
        else if (r < 0.25) engine.update(id, { milestone: pick(milestones) ?? null }, 'maint')
        else engine.claim(id, pick(agents), HOUR)
      } else if (task.status === 'in_progress') {
        const holder = task.lease!.holder
        const token = task.lease!.token
        if (r < 0.5) engine.complete(id, holder, token)
        else if (r < 0.6) engine.release(id, holder, token)
        else if (r < 0.75) engine.fail(id, holder, token, 'tests fail', r < 0.7)
        else {
          clock.advance(2 * HOUR)
          engine.sweep()
        }
      } else if (task.status === 'blocked') {
        if (task.blocked_reason && r < 0.6) engine.unblock(id, 'maint')
      } else if (task.status === 'completed') {
        if (r < 0.1) engine.reopen(id, 'maint')
        else if (r < 0.3) engine.feedback(id, 'maint', { quality: 3, timeliness: 4 })
      } else if (r < 0.3) {
        engine.reopen(id, 'maint')
      }
    } catch (err) {
      // Refusals (e.g. a dependency reopened meanwhile) change nothing; anything else is a bug.
      if (!(err as { code?: string }).code) throw err
    }
  }
  return { engine, clock, ids } as E & { ids: string[] }
}
