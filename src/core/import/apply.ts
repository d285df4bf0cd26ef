/**
 * Writing an {@link ImportPlan} into the store, in the caller's single
 * transaction: all of it or none of it. What to write is decided first, in
 * `prepare.ts`; this module only inserts. Ids stay traceable — each task's
 * `source` is `<prefix>:<source id>` and local ids are derived from it, so a
 * re-import of the same file skips what is already there. Whatever cannot be
 * mapped (a cycle, a dangling reference, a bad criterion) is reported, never
 * silently dropped.
 */
import { iso } from '../clock.js'
import { appendEvent } from '../events.js'
import { normaliseTime } from '../model.js'
import { insertTaskRow, leaseFrom } from '../task-row.js'
import type { Ctx } from '../tasks.js'
import type { ImportPlan, Unmapped } from './plan.js'
import { dataVersion, type PreparedImport, prepareImport } from './prepare.js'

/** What an import did. */
export interface ImportReport {
  format: string
  /** Tasks written. */
  imported: number
  /** Tasks already present from an earlier import of the same source. */
  skipped: number
  dependencies: number
  parents: number
  participants: number
  context: number
  notes: number
  progress: number
  /** Questions written (an import of a `tm export` file only). */
  questions?: number
  /** Source id → local id, for every task of the plan. */
  ids: Record<string, string>
  unmapped: Unmapped[]
}

function time(value: string | undefined, fallback: string): string {
  if (!value) return fallback
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? fallback : normaliseTime(value)
}

/**
 * Apply `plan`: {@link prepareImport} then {@link writeImport}, both in the
 * caller's transaction. `Engine.import` instead prepares in a read
 * transaction first, so that its write transaction only inserts.
 */
export function applyImport(
  ctx: Ctx,
  plan: ImportPlan,
  actor: string | null,
  onProgress?: (done: number, total: number) => void,
): ImportReport {
  return writeImport(ctx, prepareImport(ctx, plan), actor, onProgress)
}

/**
 * Write a prepared import. Call inside a write transaction (`Engine.import`
 * does). When another connection committed since `prepared` was made (its
 * `dataVersion` differs), the plan is prepared again here first, so an
 * import never writes decisions taken on a stale view of the store.
 * Imported `in_progress` tasks with an assignee get a fresh lease (token 1,
 * default TTL) for that assignee so that the sweep reclaims them if nobody
 * heartbeats. `onProgress(done, total)` is called as tasks are written.
 */
export function writeImport(
  ctx: Ctx,
  prepared: PreparedImport,
  actor: string | null,
  onProgress?: (done: number, total: number) => void,
): ImportReport {
  const ready =
    prepared.dataVersion === dataVersion(ctx) ? prepared : prepareImport(ctx, prepared.plan)
  const { plan, ids, fresh, edges, skipped } = ready
  const unmapped = [...ready.unmapped]
  const report = (item: string, what: string, value: unknown, reason: string) =>
    unmapped.push({ item, field: what, value, reason })

  const expires = iso(ctx.nowMs + ctx.settings.leaseTtlMs)
  let done = 0
  for (const { task: t, row } of fresh) {
    const holder = row.lease?.holder
    // The lease's clock starts with the write, not with the preparation.
    insertTaskRow(ctx, leaseFrom(row, ctx.now, expires))
    appendEvent(ctx.store, {
      at: ctx.now,
      type: 'imported',
      task_id: row.id,
      actor,
      details: {
        source: `${plan.sourcePrefix}:${t.sourceId}`,
        status: row.status,
        ...(holder ? { holder, token: 1 } : {}),
      },
    })
    done++
    if (onProgress && (done % 100 === 0 || done === fresh.length)) onProgress(done, fresh.length)
  }

  const parents = fresh.filter((t) => t.row.parent_id !== null).length
  for (const [from, to] of edges) {
    ctx.store.run(
      'INSERT INTO dependencies (task_id, depends_on_id, created_at) VALUES (?, ?, ?)',
      [from, to, ctx.now],
    )
  }

  // Participants, context, notes and progress come with their task: for a task
  // skipped because an earlier import brought it, they are already there.
  const freshSources = new Set(fresh.map((t) => t.task.sourceId))
  const local = (sourceId: string, what: string) => {
    const id = ids[sourceId]
    if (!id) report(sourceId, what, sourceId, `${what} for a task not in the source; dropped`)
    return id && freshSources.has(sourceId) ? id : undefined
  }
  let participants = 0
  for (const p of plan.participants) {
    const id = local(p.taskSourceId, 'participant')
    if (!id) continue
    participants += ctx.store.run(
      `INSERT OR IGNORE INTO participants (task_id, agent, role, joined_at) VALUES (?, ?, ?, ?)`,
      [id, p.agent, p.role ?? null, time(p.joined_at, ctx.now)],
    ).changes
  }
  let context = 0
  for (const c of plan.context) {
    const id = local(c.taskSourceId, 'context')
    if (!id) continue
    context += ctx.store.run(
      `INSERT INTO shared_context (task_id, key, value, author, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (task_id, key) DO UPDATE SET value = excluded.value`,
      [id, c.key, JSON.stringify(c.value ?? null), c.author ?? null, time(c.at, ctx.now)],
    ).changes
  }
  let notes = 0
  for (const n of plan.notes) {
    const id = local(n.taskSourceId, 'note')
    if (!id) continue
    notes += ctx.store.run('INSERT INTO notes (task_id, agent, text, at) VALUES (?, ?, ?, ?)', [
      id,
      n.agent,
      n.text,
      time(n.at, ctx.now),
    ]).changes
  }
  let progress = 0
  for (const p of plan.progress) {
    const id = local(p.taskSourceId, 'progress')
    if (!id) continue
    const percent =
      p.percent !== undefined && p.percent >= 0 && p.percent <= 100 ? Math.round(p.percent) : null
    progress += ctx.store.run(
      'INSERT INTO progress (task_id, agent, percent, message, at) VALUES (?, ?, ?, ?, ?)',
      [id, p.agent ?? null, percent, p.message, time(p.at, ctx.now)],
    ).changes
  }
  return {
    format: plan.format,
    imported: fresh.length,
    skipped,
    dependencies: edges.length,
    parents,
    participants,
    context,
    notes,
    progress,
    ids,
    unmapped,
  }
}
