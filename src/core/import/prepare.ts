/**
 * Everything an import decides before it writes: local ids, which tasks an
 * earlier import already brought, which dependencies and parent links are
 * kept (cycles broken in one linear pass, see `cycles.ts`), the status each
 * task lands in, and which criteria compile. It runs in a read transaction,
 * so the write transaction that follows (`apply.ts`) holds the write lock
 * only to insert rows.
 */
import { iso } from '../clock.js'
import { checkExpression } from '../criteria/cel.js'
import { TaskError } from '../errors.js'
import {
  type Criterion,
  FINAL_STATUSES,
  isPersona,
  isTaskId,
  normaliseTime,
  type Status,
} from '../model.js'
import type { CheckedTaskRow, TaskRowInput } from '../task-row.js'
import type { Ctx } from '../tasks.js'
import { breakCycles, parentLinksToDrop } from './cycles.js'
import type { ImportedTask, ImportPlan, Unmapped } from './plan.js'
import { RowRefusals } from './refusals.js'

/**
 * One task of the plan that will be written, with what was decided for it:
 * its row, checked by the task schema — the local id (kept from the source
 * when valid and free, else derived), status, lease (holder for an
 * `in_progress` task with an assignee; times set again at the write),
 * persona, criteria and parent (`parent_id`, when kept).
 */
export interface PreparedTask {
  task: ImportedTask
  row: CheckedTaskRow
}

/** What is decided for a task before its row is built (see {@link PreparedTask}). */
interface Decided {
  task: ImportedTask
  id: string
  status: Status
  holder: string | null
  persona: string | null
  criteria: Criterion[]
  parentId: string | null
}

/** A plan checked against the store, ready for {@link writeImport}. */
export interface PreparedImport {
  plan: ImportPlan
  /**
   * `PRAGMA data_version` when prepared: it changes when another connection
   * commits, and then the write prepares again inside its transaction.
   */
  dataVersion: number
  /** Source id → local id, for every task of the plan. */
  ids: Record<string, string>
  /**
   * Tasks to write: in plan order, except that a parent comes before its
   * subtasks, so each row can be inserted with its `parent_id`.
   */
  fresh: PreparedTask[]
  /** Tasks already present from an earlier import of the same source. */
  skipped: number
  /** Dependency edges to insert, as local ids `[task, depends on]`. */
  edges: [string, string][]
  /** The plan's report plus what preparing found. */
  unmapped: Unmapped[]
}

/** SQLite's count of commits by other connections (see {@link PreparedImport.dataVersion}). */
export function dataVersion(ctx: Ctx): number {
  return Number(ctx.store.get<{ data_version: number }>('PRAGMA data_version')?.data_version ?? 0)
}

/** Local id for a source task: kept when valid and free, else derived by hash. */
function localIdFor(ctx: Ctx, prefix: string, t: ImportedTask, taken: Set<string>): string {
  const free = (id: string) =>
    !taken.has(id) && !ctx.store.get('SELECT 1 FROM tasks WHERE id = ?', [id])
  if (t.localId && isTaskId(t.localId) && free(t.localId)) return t.localId
  for (let salt = 0; ; salt++) {
    const id = fnv1a64(`${prefix}:${t.sourceId}:${salt}`).toString(36).padStart(8, '0').slice(-8)
    if (free(id)) return id
  }
}

/**
 * 64-bit FNV-1a hash (Fowler–Noll–Vo): stable, fast, good spread for ids.
 * Computed in four 16-bit limbs (the prime is 2^40 + 0x1b3, so a multiply
 * is a multiply by 0x1b3 plus a shift by 40), the same value as BigInt
 * arithmetic at a fraction of its cost.
 */
export function fnv1a64(text: string): bigint {
  let h0 = 0x2325
  let h1 = 0x8422
  let h2 = 0x9ce4
  let h3 = 0xcbf2
  for (const byte of Buffer.from(text, 'utf8')) {
    h0 ^= byte
    const t0 = h0 * 0x1b3
    const t1 = h1 * 0x1b3 + (t0 >>> 16)
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16)
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16)
    h0 = t0 & 0xffff
    h1 = t1 & 0xffff
    h2 = t2 & 0xffff
    h3 = t3 & 0xffff
  }
  return (BigInt(h3) << 48n) | (BigInt(h2) << 32n) | (BigInt(h1) << 16n) | BigInt(h0)
}

/**
 * Check `plan` against the store and decide everything the write needs.
 * Reads only; call in a read transaction (or inside the write, as
 * `writeImport` does when the store changed meanwhile).
 *
 * - A task whose `source` (`<prefix>:<source id>`) is already in the store
 *   is skipped (counted in `skipped`).
 * - Dependencies to ids not in the source are reported and dropped; so is
 *   every dependency that would close a cycle, and every parent link that
 *   would make a task its own ancestor (a parent cannot complete before its
 *   subtasks, so such tasks could never complete). Cycles are found among
 *   the tasks written now: a task already in the store has no edge to them.
 * - `pending` with an unfinished dependency becomes `blocked`; `blocked`
 *   with none and no reason becomes `pending`; `in_progress` without an
 *   assignee becomes `pending` (reported).
 * - A criterion expression that does not compile becomes manual, an invalid
 *   persona is dropped (both reported).
 *
 * O(V + E) besides one indexed lookup per task.
 *
 * @throws TaskError('BadImport') when a source id appears twice in the plan.
 */
export function prepareImport(ctx: Ctx, plan: ImportPlan): PreparedImport {
  const unmapped: Unmapped[] = [...plan.unmapped]
  const report = (item: string, field: string, value: unknown, reason: string) =>
    unmapped.push({ item, field, value, reason })
  const ids: Record<string, string> = {}
  const taken = new Set<string>()
  const fresh = new Map<string, ImportedTask>()
  let skipped = 0
  const seenSource = new Set<string>()
  for (const t of plan.tasks) {
    if (seenSource.has(t.sourceId)) {
      throw new TaskError(
        'BadImport',
        `${plan.format}: task ${t.sourceId} appears twice in the source.`,
        { task: t.sourceId },
      )
    }
    seenSource.add(t.sourceId)
    const existing = ctx.store.get<{ id: string }>('SELECT id FROM tasks WHERE source = ?', [
      `${plan.sourcePrefix}:${t.sourceId}`,
    ])
    if (existing) {
      ids[t.sourceId] = existing.id
      skipped++
      continue
    }
    const id = localIdFor(ctx, plan.sourcePrefix, t, taken)
    taken.add(id)
    ids[t.sourceId] = id
    fresh.set(t.sourceId, t)
  }

  // Dependencies between known tasks, duplicates merged, cycles broken.
  const dependsOn = new Map<string, string[]>()
  for (const t of fresh.values()) {
    const targets = new Set<string>()
    for (const dep of t.dependsOn) {
      if (!ids[dep])
        report(t.sourceId, 'dependsOn', dep, 'dependency not found in the source; dropped')
      else targets.add(dep)
    }
    dependsOn.set(t.sourceId, [...targets])
  }
  const droppedDeps = new Set<string>()
  for (const d of breakCycles(fresh.keys(), (s) => dependsOn.get(s) ?? [])) {
    droppedDeps.add(`${d.from}\n${d.to}`)
    report(d.from, 'dependsOn', d.to, `dependency would close a cycle (${d.cycle}); dropped`)
  }
  const edges: [string, string][] = []
  const unmetOf = new Map<string, number>()
  const statusOf = (sourceId: string): Status | undefined =>
    fresh.get(sourceId)?.status ??
    ctx.store.get<{ status: Status }>('SELECT status FROM tasks WHERE id = ?', [ids[sourceId]!])
      ?.status
  for (const [from, targets] of dependsOn) {
    let unmet = 0
    for (const to of targets) {
      if (droppedDeps.has(`${from}\n${to}`)) continue
      edges.push([ids[from]!, ids[to]!])
      if (statusOf(to) !== 'completed') unmet++
    }
    unmetOf.set(from, unmet)
  }

  // Parent links: a task may not become its own ancestor.
  const parentOf = new Map<string, string>()
  for (const t of fresh.values()) {
    if (!t.parentSourceId) continue
    if (!ids[t.parentSourceId]) {
      report(
        t.sourceId,
        'parent',
        t.parentSourceId,
        'parent not found in the source; imported without parent',
      )
    } else parentOf.set(t.sourceId, t.parentSourceId)
  }
  for (const d of parentLinksToDrop(parentOf, (s) => fresh.has(s))) {
    report(
      d.from,
      'parent',
      d.to,
      `parent link would close a cycle (${d.cycle}): a parent cannot complete before its subtasks; imported without parent`,
    )
  }

  const prepared: PreparedTask[] = []
  const refusals = new RowRefusals(plan.format)
  for (const t of fresh.values()) {
    const criteria: Criterion[] = t.success_criteria.map((c, i) => {
      if (!c.measurable) return c
      try {
        checkExpression(c.measurable)
        return c
      } catch (err) {
        report(
          t.sourceId,
          `success_criteria.${i}.measurable`,
          c.measurable,
          `${(err as Error).message} — kept as a manual criterion`,
        )
        return { criterion: c.criterion }
      }
    })
    let persona = t.persona ?? null
    if (persona && !isPersona(persona)) {
      report(t.sourceId, 'persona', persona, 'not a valid persona name; dropped')
      persona = null
    }
    let status: Status = t.status
    let holder: string | null = null
    if (status === 'in_progress') {
      if (t.assignee) holder = t.assignee
      else {
        status = 'pending'
        report(
          t.sourceId,
          'status',
          'in_progress',
          'in progress with no assignee to hold the lease; imported as pending',
        )
      }
    }
    const unmet = unmetOf.get(t.sourceId) ?? 0
    if (status === 'pending' && unmet > 0) status = 'blocked'
    if (status === 'blocked' && unmet === 0 && !t.blocked_reason) status = 'pending'
    const parent = parentOf.get(t.sourceId)
    const id = ids[t.sourceId]!
    const parentId = parent === undefined ? null : ids[parent]!
    const row = refusals.check({
      item: t.sourceId,
      line: t.line,
      row: rowOf(ctx, plan, { task: t, id, status, holder, persona, criteria, parentId }),
    })
    if (row) prepared.push({ task: t, row })
  }
  refusals.throwIfAny()
  return {
    plan,
    dataVersion: dataVersion(ctx),
    ids,
    fresh: parentsFirst(prepared),
    skipped,
    edges,
    unmapped,
  }
}

/** An ISO-8601 time as found, normalised; absent or unreadable: `fallback`. */
function time(value: string | undefined, fallback: string): string {
  if (!value) return fallback
  return Number.isNaN(Date.parse(value)) ? fallback : normaliseTime(value)
}

/**
 * The row an imported task is written as: its fields as the plan has them
 * and as decided (status, lease, persona, criteria, parent); an `in_progress`
 * task with a holder gets a fresh lease (token 1, the default TTL). The task
 * schema judges the result (see `refusals.ts`).
 */
function rowOf(ctx: Ctx, plan: ImportPlan, p: Decided): TaskRowInput {
  const t = p.task
  const created = time(t.created_at, ctx.now)
  const updated = time(t.updated_at, created)
  // Every column written out (no spread of `emptyRow`): one shape for 100,000 rows.
  return {
    id: p.id,
    title: t.title.trim() || `(untitled ${t.sourceId})`,
    description: t.description,
    status: p.status,
    // A priority the source named that is not ours: the schema refuses it.
    priority: t.priority as TaskRowInput['priority'],
    persona: p.persona,
    parent_id: p.parentId,
    success_criteria: p.criteria,
    deadline: t.deadline ? time(t.deadline, '') || null : null,
    estimated_hours: t.estimated_hours && t.estimated_hours > 0 ? t.estimated_hours : null,
    actual_hours: t.actual_hours ?? null,
    completion_summary: t.completion_summary ?? null,
    feedback_quality: t.feedback_quality ?? null,
    feedback_timeliness: t.feedback_timeliness ?? null,
    feedback_notes: t.feedback_notes ?? null,
    blocked_reason: p.status === 'blocked' ? (t.blocked_reason ?? null) : null,
    attempts: 0,
    max_attempts: ctx.settings.maxAttempts,
    assignee: t.assignee ?? null,
    lease: p.holder
      ? {
          holder: p.holder,
          token: 1,
          acquired_at: ctx.now,
          heartbeat_at: ctx.now,
          expires_at: iso(ctx.nowMs + ctx.settings.leaseTtlMs),
          paused_at: null,
          remaining_ms: null,
        }
      : null,
    fencing_seq: p.holder ? 1 : 0,
    claimable_after: null,
    lease_seconds: 0,
    milestone: null,
    requires_approval: false,
    approved_by: null,
    approved_at: null,
    archived_at: null,
    source: `${plan.sourcePrefix}:${t.sourceId}`,
    created_at: created,
    updated_at: updated,
    completed_at: FINAL_STATUSES.includes(p.status) ? time(t.completed_at, updated) : null,
  }
}

/**
 * `tasks` reordered so that a parent among them comes before its subtasks
 * (otherwise in the given order). The parent links must form a forest
 * (cycles broken first). O(n), iterative.
 */
function parentsFirst(tasks: PreparedTask[]): PreparedTask[] {
  const byId = new Map(tasks.map((t) => [t.row.id, t]))
  const placed = new Set<string>()
  const order: PreparedTask[] = []
  for (const task of tasks) {
    const chain: PreparedTask[] = []
    for (let t: PreparedTask | undefined = task; t && !placed.has(t.row.id); ) {
      placed.add(t.row.id)
      chain.push(t)
      t = t.row.parent_id === null ? undefined : byId.get(t.row.parent_id)
    }
    for (let i = chain.length - 1; i >= 0; i--) order.push(chain[i]!)
  }
  return order
}
