/**
 * One task of a restore (`./restore.ts`) as a row of the task schema: the
 * record's fields with the restore's corrections (lease, status), checked
 * by `task-row.ts` like every other writer's rows, with the fields a
 * restore may go without dropped and reported in the schema's own words.
 */
import { isTaskError } from './errors.js'
import type { RestartedLease, RestoredTask } from './restore.js'
import {
  type CheckedTaskRow,
  checkCriteria,
  checkTaskRow,
  emptyRow,
  insertTaskRow,
  type TaskRowInput,
} from './task-row.js'
import type { Ctx } from './tasks.js'

/** A restored task's row, checked, with what hangs off it. */
export interface RowToRestore {
  task: RestoredTask
  row: CheckedTaskRow
}

/**
 * Fields a restore may write without, when the task schema refuses what the
 * record shows: the value written instead, and what the report says after
 * the schema's sentence. Any other refused field refuses the restore.
 */
const FALLBACKS: Partial<
  Record<keyof TaskRowInput, { value: unknown; done: string; reason?: string }>
> = {
  success_criteria: { value: [], done: ' — criteria not restored' },
  persona: { value: null, done: '', reason: 'not a valid persona name; dropped' },
  priority: { value: 'medium', done: '; restored as medium' },
  deadline: { value: null, done: '; dropped' },
  estimated_hours: { value: null, done: '; dropped' },
  milestone: { value: null, done: '; dropped' },
  completion_summary: { value: null, done: '; dropped' },
  blocked_reason: { value: null, done: '; dropped' },
  approved_by: { value: null, done: '; dropped' },
  approved_at: { value: null, done: '; dropped' },
}

/**
 * The row of one restored task, as the record shows it with the restore's
 * corrections (lease, status, persona), checked by the task schema. A field
 * the schema refuses that has a fallback ({@link FALLBACKS}) is written
 * without it and reported with the schema's sentence; any other refusal is
 * returned as `refused` (the schema's sentences).
 */
export function rowOf(
  ctx: Ctx,
  t: RestoredTask,
  expires: string,
  skip: (item: string, field: string, value: unknown, reason: string) => void,
): { row: CheckedTaskRow } | { refused: string[] } {
  // Expressions first, so a task's report names its criteria before its other fields.
  let criteria = t.success_criteria ?? []
  try {
    checkCriteria(criteria)
  } catch (err) {
    if (!isTaskError(err)) throw err
    skip(t.id, 'success_criteria', criteria, `${err.message}${FALLBACKS.success_criteria!.done}`)
    criteria = []
  }
  let status = t.status
  const leased = status === 'in_progress' || status === 'waiting'
  let lease = leased ? (t.lease ?? null) : null
  if (lease && !(Number.isInteger(lease.token) && lease.token >= 1 && lease.holder)) {
    skip(t.id, 'lease', lease, 'not a holder with a fencing token ≥ 1; lease not restored')
    lease = null
  }
  if (leased && !lease) {
    skip(t.id, 'status', status, `${status} with nobody to hold the lease; now pending`)
    status = 'pending'
  }
  if (status === 'waiting' && !t.paused_at) {
    skip(t.id, 'status', status, 'waiting, but not when the lease paused; now in progress')
    status = 'in_progress'
  }
  const approval = t.requires_approval ? (t.approval ?? null) : null
  const created = t.created_at ?? ctx.now
  const updated = t.updated_at ?? created
  const finished = status === 'completed' || status === 'failed' || status === 'cancelled'
  const maxAttempts =
    t.max_attempts && Number.isInteger(t.max_attempts) && t.max_attempts >= 1
      ? t.max_attempts
      : ctx.settings.maxAttempts
  const waiting = status === 'waiting'
  const row: TaskRowInput = {
    ...emptyRow(t.id, t.title, status, created, maxAttempts),
    description: t.description ?? '',
    // A priority the record names that is not ours: the schema refuses it (fallback medium).
    priority: (t.priority ?? 'medium') as TaskRowInput['priority'],
    persona: t.persona ?? null,
    success_criteria: criteria,
    deadline: t.deadline ?? null,
    estimated_hours: t.estimated_hours && t.estimated_hours > 0 ? t.estimated_hours : null,
    completion_summary: t.completion_summary ?? null,
    attempts: Math.max(0, Math.trunc(t.attempts ?? 0)),
    blocked_reason: t.blocked_reason ?? null,
    assignee: t.assignee ?? lease?.holder ?? null,
    lease: lease
      ? {
          holder: lease.holder,
          token: lease.token,
          acquired_at: ctx.now,
          heartbeat_at: ctx.now,
          expires_at: expires,
          paused_at: waiting ? (t.paused_at ?? null) : null,
          remaining_ms: waiting ? Date.parse(expires) - ctx.nowMs : null,
        }
      : null,
    fencing_seq: Math.max(t.fencing_seq ?? 0, lease?.token ?? 0),
    milestone: t.milestone ?? null,
    requires_approval: t.requires_approval ?? false,
    approved_by: approval?.by ?? null,
    approved_at: approval?.at ?? null,
    updated_at: updated,
    completed_at: finished ? (t.completed_at ?? updated) : null,
  }
  for (;;) {
    const result = checkTaskRow(row)
    if (result.ok) return { row: result.row }
    const fields = new Set(result.problems.map((p) => String(p.path[0]) as keyof TaskRowInput))
    if (![...fields].every((f) => FALLBACKS[f])) {
      return {
        refused: result.problems
          .filter((p) => !FALLBACKS[p.path[0] as keyof TaskRowInput])
          .map((p) => p.text),
      }
    }
    // In the order of FALLBACKS, so a task's report reads criteria first.
    for (const [field, fallback] of Object.entries(FALLBACKS)) {
      const problems = result.problems.filter((p) => p.path[0] === field)
      if (problems.length === 0) continue
      const value = row[field as keyof TaskRowInput]
      const said = problems.map((p) => p.text).join('; ')
      skip(t.id, field, value, fallback.reason ?? `${said}${fallback.done}`)
      ;(row as unknown as Record<string, unknown>)[field] = fallback.value
    }
  }
}

/** Write one checked row with its participants and open questions. */
export function insertTask(
  ctx: Ctx,
  { task: t, row }: RowToRestore,
  leases: RestartedLease[],
): void {
  insertTaskRow(ctx, row)
  if (row.lease) {
    leases.push({
      task: t.id,
      holder: row.lease.holder,
      token: row.lease.token,
      expires_at: row.lease.expires_at,
    })
  }
  for (const p of t.participants ?? []) {
    ctx.store.run(
      'INSERT OR IGNORE INTO participants (task_id, agent, role, joined_at) VALUES (?, ?, ?, ?)',
      [t.id, p.agent, p.role, ctx.now],
    )
  }
  if (row.status !== 'completed' && row.status !== 'failed' && row.status !== 'cancelled') {
    for (const q of t.open_questions ?? []) {
      ctx.store.run(
        'INSERT INTO questions (task_id, asked_by, asked_of, question, asked_at) VALUES (?, ?, ?, ?, ?)',
        [t.id, q.asked_by, q.asked_of, q.question, t.paused_at ?? ctx.now],
      )
    }
  }
}
