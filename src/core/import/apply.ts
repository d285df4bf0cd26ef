/**
 * Writing an {@link ImportPlan} into the store, in the caller's single
 * transaction: all of it or none of it. Ids stay traceable — each task's
 * `source` is `<prefix>:<source id>` and local ids are derived from it, so a
 * re-import of the same file skips what is already there. Whatever cannot be
 * mapped (a cycle, a dangling reference, a bad criterion) is reported, never
 * silently dropped.
 */
import { iso } from '../clock.js'
import { checkExpression } from '../criteria/cel.js'
import { TaskError } from '../errors.js'
import { appendEvent } from '../events.js'
import {
  type Criterion,
  FINAL_STATUSES,
  isPersona,
  isTaskId,
  normaliseTime,
  type Status,
} from '../model.js'
import { type Ctx, findTaskRow } from '../tasks.js'
import type { ImportedTask, ImportPlan, Unmapped } from './plan.js'

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
  /** Source id → local id, for every task of the plan. */
  ids: Record<string, string>
  unmapped: Unmapped[]
}

/** Local id for a source reference: kept when valid and free, else derived by hash. */
function localIdFor(ctx: Ctx, prefix: string, t: ImportedTask, taken: Set<string>): string {
  if (
    t.localId &&
    isTaskId(t.localId) &&
    !taken.has(t.localId) &&
    !findTaskRow(ctx.store, t.localId)
  ) {
    return t.localId
  }
  for (let salt = 0; ; salt++) {
    const id = fnv1a64(`${prefix}:${t.sourceId}:${salt}`).toString(36).padStart(8, '0').slice(-8)
    if (!taken.has(id) && !findTaskRow(ctx.store, id)) return id
  }
}

/** 64-bit FNV-1a hash (Fowler–Noll–Vo): stable, fast, good spread for ids. */
function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= BigInt(byte)
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn
  }
  return hash
}

function time(value: string | undefined, fallback: string): string {
  if (!value) return fallback
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? fallback : normaliseTime(value)
}

/** True when adding `from → to` to `graph` would close a cycle (DFS from `to`). */
function closesCycle(graph: Map<string, Set<string>>, from: string, to: string): boolean {
  const seen = new Set<string>()
  const stack = [to]
  while (stack.length) {
    const node = stack.pop()!
    if (node === from) return true
    if (seen.has(node)) continue
    seen.add(node)
    for (const n of graph.get(node) ?? []) stack.push(n)
  }
  return false
}

/**
 * Apply `plan`. Call inside a write transaction (`Engine.import` does).
 * Imported `in_progress` tasks with an assignee get a fresh lease (token 1,
 * default TTL) for that assignee so that the sweep reclaims them if nobody
 * heartbeats; without an assignee they become `pending` (reported).
 * `onProgress(done, total)` is called as tasks are written.
 */
export function applyImport(
  ctx: Ctx,
  plan: ImportPlan,
  actor: string | null,
  onProgress?: (done: number, total: number) => void,
): ImportReport {
  const unmapped: Unmapped[] = [...plan.unmapped]
  const report = (item: string, field: string, value: unknown, reason: string) =>
    unmapped.push({ item, field, value, reason })
  const ids: Record<string, string> = {}
  const taken = new Set<string>()
  const fresh: ImportedTask[] = []
  let skipped = 0
  const seenSource = new Set<string>()
  for (const t of plan.tasks) {
    if (seenSource.has(t.sourceId)) {
      throw new TaskError(
        'BadImport',
        `${plan.format}: task ${t.sourceId} appears twice in the source.`,
      )
    }
    seenSource.add(t.sourceId)
    const source = `${plan.sourcePrefix}:${t.sourceId}`
    const existing = ctx.store.get<{ id: string }>('SELECT id FROM tasks WHERE source = ?', [
      source,
    ])
    if (existing) {
      ids[t.sourceId] = existing.id
      skipped++
      continue
    }
    const id = localIdFor(ctx, plan.sourcePrefix, t, taken)
    taken.add(id)
    ids[t.sourceId] = id
    fresh.push(t)
  }

  // Dependencies: keep edges between known tasks that do not close a cycle.
  const graph = new Map<string, Set<string>>()
  const edges: [string, string][] = []
  for (const t of fresh) {
    for (const dep of t.dependsOn) {
      const to = ids[dep]
      const from = ids[t.sourceId]!
      if (!to) {
        report(t.sourceId, 'dependsOn', dep, 'dependency not found in the source; dropped')
        continue
      }
      if (to === from || closesCycle(graph, from, to)) {
        report(t.sourceId, 'dependsOn', dep, 'dependency would close a cycle; dropped')
        continue
      }
      if (graph.get(from)?.has(to)) continue
      if (!graph.has(from)) graph.set(from, new Set())
      graph.get(from)!.add(to)
      edges.push([from, to])
    }
  }

  const statusOf = new Map<string, Status>()
  for (const t of fresh) statusOf.set(ids[t.sourceId]!, t.status)
  const completed = (id: string) =>
    (statusOf.get(id) ??
      ctx.store.get<{ status: Status }>('SELECT status FROM tasks WHERE id = ?', [id])?.status) ===
    'completed'

  const ttl = ctx.settings.leaseTtlMs
  let done = 0
  for (const t of fresh) {
    const id = ids[t.sourceId]!
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
    const unmet = (graph.get(id) ? [...graph.get(id)!] : []).filter((d) => !completed(d))
    if (status === 'pending' && unmet.length) status = 'blocked'
    if (status === 'blocked' && !unmet.length && !t.blocked_reason) status = 'pending'
    const created = time(t.created_at, ctx.now)
    const final = FINAL_STATUSES.includes(status)
    ctx.store.run(
      `INSERT INTO tasks (id, title, description, status, priority, persona, success_criteria,
         deadline, estimated_hours, actual_hours, completion_summary, feedback_quality,
         feedback_timeliness, feedback_notes, max_attempts, blocked_reason, assignee,
         lease_holder, lease_token, lease_acquired_at, lease_heartbeat_at, lease_expires_at,
         fencing_seq, source, created_at, updated_at, completed_at)
       VALUES (@id, @title, @description, @status, @priority, @persona, @criteria, @deadline,
         @estimated, @actual, @summary, @fq, @ft, @fn, @max_attempts, @blocked_reason, @assignee,
         @holder, @token, @lease_at, @lease_at, @expires, @fencing, @source, @created, @updated, @completed)`,
      {
        id,
        title: t.title.trim() || `(untitled ${t.sourceId})`,
        description: t.description,
        status,
        priority: t.priority,
        persona,
        criteria: JSON.stringify(criteria),
        deadline: t.deadline ? time(t.deadline, '') || null : null,
        estimated: t.estimated_hours && t.estimated_hours > 0 ? t.estimated_hours : null,
        actual: t.actual_hours ?? null,
        summary: t.completion_summary ?? null,
        fq: t.feedback_quality ?? null,
        ft: t.feedback_timeliness ?? null,
        fn: t.feedback_notes ?? null,
        max_attempts: ctx.settings.maxAttempts,
        blocked_reason: status === 'blocked' ? (t.blocked_reason ?? null) : null,
        assignee: t.assignee ?? null,
        holder,
        token: holder ? 1 : null,
        lease_at: holder ? ctx.now : null,
        expires: holder ? iso(ctx.nowMs + ttl) : null,
        fencing: holder ? 1 : 0,
        source: `${plan.sourcePrefix}:${t.sourceId}`,
        created,
        updated: time(t.updated_at, created),
        completed: final ? time(t.completed_at, time(t.updated_at, created)) : null,
      },
    )
    appendEvent(ctx.store, {
      at: ctx.now,
      type: 'imported',
      task_id: id,
      actor,
      details: {
        source: `${plan.sourcePrefix}:${t.sourceId}`,
        status,
        ...(holder ? { holder, token: 1 } : {}),
      },
    })
    done++
    if (onProgress && (done % 100 === 0 || done === fresh.length)) onProgress(done, fresh.length)
  }

  let parents = 0
  for (const t of fresh) {
    if (!t.parentSourceId) continue
    const parent = ids[t.parentSourceId]
    if (!parent) {
      report(
        t.sourceId,
        'parent',
        t.parentSourceId,
        'parent not found in the source; imported without parent',
      )
      continue
    }
    ctx.store.run('UPDATE tasks SET parent_id = ? WHERE id = ?', [parent, ids[t.sourceId]!])
    parents++
  }
  for (const [from, to] of edges) {
    ctx.store.run(
      'INSERT INTO dependencies (task_id, depends_on_id, created_at) VALUES (?, ?, ?)',
      [from, to, ctx.now],
    )
  }

  // Participants, context, notes and progress come with their task: for a task
  // skipped because an earlier import brought it, they are already there.
  const freshSources = new Set(fresh.map((t) => t.sourceId))
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
