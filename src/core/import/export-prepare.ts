/**
 * Everything an import of a `tm export` file decides before it writes
 * (the counterpart of `prepare.ts` for the other formats): which tasks are
 * new, which are already here unchanged (skipped), which conflict (refused),
 * which dependencies and parent links are kept, and the status each task
 * lands in. Unlike the other formats, the export is our own record, so the
 * ids, statuses, leases and counters are kept as written; only what the file
 * itself contradicts is corrected, and every correction is reported.
 */
import { isDeepStrictEqual } from 'node:util'
import { checkExpression } from '../criteria/cel.js'
import { TaskError } from '../errors.js'
import { type ExportedTask, exportTasks } from '../export.js'
import type { Criterion, Status } from '../model.js'
import type { CheckedTaskRow, TaskRowInput } from '../task-row.js'
import type { Ctx } from '../tasks.js'
import { breakCycles, parentLinksToDrop } from './cycles.js'
import type { ExportFile } from './export-file.js'
import type { Unmapped } from './plan.js'
import { dataVersion } from './prepare.js'
import { RowRefusals } from './refusals.js'

/** Most conflicting ids named in the refusal's message (`details.conflicts` has all). */
const CONFLICTS_SHOWN = 20

/** A task of the file to write, as decided. */
export interface PreparedExportTask {
  task: ExportedTask
  status: Status
  /** The lease to write (null: none). */
  lease: ExportedTask['lease']
  criteria: Criterion[]
  fencingSeq: number
  /** Parent to link once every task is written, when kept. */
  parentId: string | null
  /**
   * The row to insert (without its parent, linked once every task is
   * written), checked by the task schema.
   */
  row: CheckedTaskRow
}

/** A `tm export` file checked against the store, ready for `writeExportImport`. */
export interface PreparedExportImport {
  file: ExportFile
  /** `PRAGMA data_version` when prepared (see `prepare.ts`). */
  dataVersion: number
  fresh: PreparedExportTask[]
  /** Tasks already in the store exactly as the file has them. */
  skipped: number
  /** Dependency edges to insert `[task, depends on]`. */
  edges: [string, string][]
  unmapped: Unmapped[]
}

/** The fields of two exported tasks that differ (for the conflict message). */
function differing(a: ExportedTask, b: ExportedTask): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].filter(
    (k) =>
      !isDeepStrictEqual(
        (a as unknown as Record<string, unknown>)[k],
        (b as unknown as Record<string, unknown>)[k],
      ),
  )
}

/**
 * Check `file` against the store. Reads only; call in a read transaction
 * (or inside the write, as `writeExportImport` does when the store changed).
 *
 * - A task whose id is already in the store exactly as the file has it
 *   (as `tm export` would write it now) is skipped, so importing a file
 *   twice changes nothing. One whose id is there with other content is a
 *   conflict: nothing is imported.
 * - A dependency or parent naming a task neither in the file nor in the
 *   store is dropped and reported; so is a dependency that would close a
 *   cycle and a parent link that would make a task its own ancestor.
 * - `pending` with an unfinished dependency becomes `blocked`, `blocked`
 *   with neither an unfinished dependency nor a reason becomes `pending`;
 *   `in_progress`/`waiting` without a lease becomes `pending`; `waiting`
 *   without an open question, or without a paused lease clock, becomes
 *   `in_progress` (its lease runs again); a lease on a task in another
 *   status is dropped; `fencing_seq` is raised to the lease's token; a criterion
 *   expression that does not compile becomes manual. Each is reported.
 *
 * @throws TaskError('BadImport') when an id appears twice in the file;
 *   TaskError('Duplicate') when ids of the file are in the store with other
 *   content (`details.conflicts`: `[{task, fields}]`, the fields that
 *   differ), naming them and what to do.
 */
export function prepareExportImport(ctx: Ctx, file: ExportFile): PreparedExportImport {
  const unmapped: Unmapped[] = [...file.unmapped]
  const report = (item: string, field: string, value: unknown, reason: string) =>
    unmapped.push({ item, field, value, reason })
  const inFile = new Map<string, ExportedTask>()
  for (const t of file.tasks) {
    if (inFile.has(t.id)) {
      throw new TaskError('BadImport', `tm export: task ${t.id} appears twice in the file.`, {
        task: t.id,
      })
    }
    inFile.set(t.id, t)
  }
  const present = new Set(
    file.tasks
      .filter((t) => ctx.store.get('SELECT 1 FROM tasks WHERE id = ?', [t.id]))
      .map((t) => t.id),
  )
  const conflicts: { task: string; fields: string[] }[] = []
  for (const existing of exportTasks(ctx, 'include', [...present])) {
    const fields = differing(existing, inFile.get(existing.id)!)
    if (fields.length) conflicts.push({ task: existing.id, fields })
  }
  if (conflicts.length) {
    const shown = conflicts
      .slice(0, CONFLICTS_SHOWN)
      .map((c) => `${c.task} (${c.fields.join(', ')})`)
      .join(', ')
    throw new TaskError(
      'Duplicate',
      `${conflicts.length} task(s) of the file are already in this database with other content: ${shown}${
        conflicts.length > CONFLICTS_SHOWN ? `, … ${conflicts.length - CONFLICTS_SHOWN} more` : ''
      }. Nothing was imported. Import into a new database (tm --db other.db init), or delete or archive-export those tasks here first; tasks present unchanged are skipped.`,
      { conflicts },
    )
  }
  const fresh = file.tasks.filter((t) => !present.has(t.id))
  const freshIds = new Set(fresh.map((t) => t.id))
  const stored = (id: string) =>
    ctx.store.get<{ status: Status }>('SELECT status FROM tasks WHERE id = ?', [id])?.status
  const known = (id: string) => inFile.has(id) || stored(id) !== undefined

  // Dependencies: to known tasks, duplicates merged, cycles among the new tasks broken
  // (a task already in the store has no edge to a new one).
  const dependsOn = new Map<string, string[]>()
  for (const t of fresh) {
    const targets = new Set<string>()
    for (const dep of t.depends_on) {
      if (dep === t.id) report(t.id, 'depends_on', dep, 'a task cannot depend on itself; dropped')
      else if (!known(dep))
        report(t.id, 'depends_on', dep, 'no such task in the file or the database; dropped')
      else targets.add(dep)
    }
    dependsOn.set(t.id, [...targets])
  }
  const dropped = new Set<string>()
  for (const d of breakCycles(freshIds, (id) =>
    (dependsOn.get(id) ?? []).filter((to) => freshIds.has(to)),
  )) {
    dropped.add(`${d.from}\n${d.to}`)
    report(d.from, 'depends_on', d.to, `dependency would close a cycle (${d.cycle}); dropped`)
  }
  const statusOf = (id: string) => inFile.get(id)?.status ?? stored(id)
  const edges: [string, string][] = []
  const unmet = new Map<string, number>()
  for (const [from, targets] of dependsOn) {
    let n = 0
    for (const to of targets) {
      if (dropped.has(`${from}\n${to}`)) continue
      edges.push([from, to])
      if (statusOf(to) !== 'completed') n++
    }
    unmet.set(from, n)
  }

  // Parent links: to known tasks, never making a task its own ancestor.
  const parentOf = new Map<string, string>()
  for (const t of fresh) {
    if (t.parent_id === null) continue
    if (t.parent_id === t.id || !known(t.parent_id)) {
      report(
        t.id,
        'parent_id',
        t.parent_id,
        t.parent_id === t.id
          ? 'a task cannot be its own parent; imported without parent'
          : 'no such task in the file or the database; imported without parent',
      )
    } else parentOf.set(t.id, t.parent_id)
  }
  for (const d of parentLinksToDrop(parentOf, (id) => freshIds.has(id))) {
    report(
      d.from,
      'parent_id',
      d.to,
      `parent link would close a cycle (${d.cycle}); imported without parent`,
    )
  }

  const refusals = new RowRefusals('tm export')
  const prepared: PreparedExportTask[] = []
  for (const t of fresh) {
    const decided = decide(t, unmet.get(t.id) ?? 0, parentOf.get(t.id), report)
    const row = refusals.check({ item: t.id, row: rowOf(decided) })
    if (row) prepared.push({ ...decided, row })
  }
  refusals.throwIfAny()
  return {
    file,
    dataVersion: dataVersion(ctx),
    fresh: prepared,
    skipped: present.size,
    edges,
    unmapped,
  }
}

/** Status, lease, criteria and counters of one new task (see {@link prepareExportImport}). */
/** The row of an exported task as decided: every column as the file has it. */
function rowOf(p: Omit<PreparedExportTask, 'row'>): TaskRowInput {
  const { task: t, lease } = p
  return {
    id: t.id,
    title: t.title,
    description: t.description,
    status: p.status,
    priority: t.priority,
    persona: t.persona,
    parent_id: null,
    success_criteria: p.criteria,
    deadline: t.deadline,
    estimated_hours: t.estimated_hours,
    actual_hours: t.actual_hours,
    completion_summary: t.completion_summary,
    feedback_quality: t.feedback_quality,
    feedback_timeliness: t.feedback_timeliness,
    feedback_notes: t.feedback_notes,
    attempts: t.attempts,
    max_attempts: t.max_attempts,
    blocked_reason: t.blocked_reason,
    assignee: t.assignee,
    lease: lease
      ? {
          holder: lease.holder,
          token: lease.token,
          acquired_at: lease.acquired_at,
          heartbeat_at: lease.heartbeat_at,
          expires_at: lease.expires_at,
          paused_at: lease.paused?.at ?? null,
          remaining_ms: lease.paused?.remaining_ms ?? null,
        }
      : null,
    fencing_seq: p.fencingSeq,
    claimable_after: t.claimable_after,
    lease_seconds: t.lease_seconds,
    milestone: t.milestone,
    requires_approval: t.requires_approval,
    approved_by: t.approved_by,
    approved_at: t.approved_at,
    archived_at: t.archived_at,
    source: t.source,
    created_at: t.created_at,
    updated_at: t.updated_at,
    completed_at: t.completed_at,
  }
}

function decide(
  t: ExportedTask,
  unmet: number,
  parent: string | undefined,
  report: (item: string, field: string, value: unknown, reason: string) => void,
): Omit<PreparedExportTask, 'row'> {
  const criteria = t.success_criteria.map((c, i) => {
    if (!c.measurable) return c
    try {
      checkExpression(c.measurable)
      return c
    } catch (err) {
      report(
        t.id,
        `success_criteria[${i}].measurable`,
        c.measurable,
        `${(err as Error).message} — kept as a manual criterion`,
      )
      return { criterion: c.criterion }
    }
  })
  let status: Status = t.status
  let lease = t.lease
  const leased = status === 'in_progress' || status === 'waiting'
  if (lease && !leased) {
    report(t.id, 'lease', lease, `a ${status} task holds no lease; dropped`)
    lease = null
  }
  if (leased && !lease) {
    report(t.id, 'status', status, `${status} with no lease to hold it; imported as pending`)
    status = 'pending'
  }
  if (status === 'waiting' && lease) {
    const open = t.questions.some((q) => q.answer === null)
    if (!open || !lease.paused) {
      report(
        t.id,
        'status',
        'waiting',
        `${open ? 'waiting without a paused lease clock' : 'waiting on no open question'}; imported as in_progress, the lease running from its expiry`,
      )
      status = 'in_progress'
      lease = { ...lease, paused: undefined }
      delete lease.paused
    }
  }
  if (status === 'in_progress' && lease?.paused) {
    report(t.id, 'lease.paused', lease.paused, 'only a waiting task has a paused lease; dropped')
    lease = { ...lease }
    delete lease.paused
  }
  if (status === 'pending' && unmet > 0) {
    report(t.id, 'status', status, 'a dependency is not completed; imported as blocked')
    status = 'blocked'
  } else if (status === 'blocked' && unmet === 0 && !t.blocked_reason) {
    report(t.id, 'status', status, 'no unfinished dependency and no reason; imported as pending')
    status = 'pending'
  }
  let fencingSeq = t.fencing_seq
  if (lease && lease.token > fencingSeq) {
    report(t.id, 'fencing_seq', fencingSeq, `below the lease's token; raised to ${lease.token}`)
    fencingSeq = lease.token
  }
  return { task: t, status, lease, criteria, fencingSeq, parentId: parent ?? null }
}
