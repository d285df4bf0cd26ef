/**
 * The one way a task row enters the `tasks` table. Every writer — `tm add`
 * (`add-task.ts`), the importers (`import/apply.ts`), the import of a
 * `tm export` file (`import/export-write.ts`) and a restore (`restore.ts`) —
 * builds a {@link TaskRowInput}, has it checked by {@link checkTaskRow} (the
 * `TaskRow` schema of `schemas.ts`, where every limit is stated once, then
 * the CEL type check of each measurable criterion) and writes the checked
 * row with {@link insertTaskRow}. Only a checked row can be inserted (the
 * type says so), so no writer can skip or re-encode the rules.
 *
 * The writers differ only in what they do with a refusal: `tm add` throws
 * it, an import collects every refused row into one refusal naming each
 * row's line or record (nothing is written), a restore falls back where its
 * contract says so and reports the refusal's sentence.
 */
import { checkExpression } from './criteria/cel.js'
import { isTaskError, TaskError } from './errors.js'
import type { InputProblem } from './input-problem.js'
import type { Criterion, Task } from './model.js'
import { checkInput, fieldLabel, parseInput, schemas } from './schemas.js'
import type { Ctx } from './tasks.js'

/** Type-check every measurable criterion; throws `InvalidExpression` naming its number. */
export function checkCriteria(criteria: readonly Criterion[]): void {
  criteria.forEach((c, i) => {
    if (!c.measurable) return
    try {
      checkExpression(c.measurable)
    } catch (err) {
      if (isTaskError(err)) {
        throw new TaskError(
          'InvalidExpression',
          `${fieldLabel(['success_criteria', i, 'measurable'])}: ${err.message}`,
          { ...err.details, index: i + 1 },
        )
      }
      throw err
    }
  })
}

/**
 * A task row as a writer builds it (times ISO-8601, `lease` null when none):
 * the input of the `TaskRow` schema in `schemas.ts`: a {@link Task} with its
 * lease as stored. Written out (not inferred from the schema) so that the
 * package's published types name no zod type (zod is bundled, not a
 * dependency). test/core/task-row-type.test.ts checks at compile time that
 * it equals the schema's input and output, so the two cannot drift.
 */
export type TaskRowInput = Flat<
  Omit<Task, 'success_criteria' | 'lease'> & {
    success_criteria: { criterion: string; measurable?: string | undefined }[]
    /** The lease as its columns hold it: a pause is `paused_at` and `remaining_ms`, both null when none. */
    lease: {
      holder: string
      token: number
      acquired_at: string
      heartbeat_at: string
      expires_at: string
      paused_at: string | null
      remaining_ms: number | null
    } | null
  }
>

/** One object type of an intersection's fields (as the schema's types are). */
type Flat<T> = { [K in keyof T]: T[K] }

/** A task row as the schema returned it (texts trimmed where the schema trims): the same shape. */
export type TaskRow = TaskRowInput

declare const checked: unique symbol

/** A row {@link checkTaskRow} accepted: the only kind {@link insertTaskRow} takes. */
export type CheckedTaskRow = TaskRow & { readonly [checked]: true }

/** What {@link checkTaskRow} found. */
export type TaskRowCheck =
  | { ok: true; row: CheckedTaskRow }
  | {
      ok: false
      /**
       * Every refused field, worded as `tm add` words it (`title: at most
       * 300 characters (got 301)`); `code` is `InvalidExpression` for a
       * criterion expression that does not compile, else `InvalidInput`.
       */
      problems: (InputProblem & { code: 'InvalidInput' | 'InvalidExpression' })[]
    }

/**
 * Check `row` against the `TaskRow` schema, then type-check every
 * measurable criterion (only when the schema accepted the row). Pure; never
 * throws for bad input.
 */
export function checkTaskRow(row: TaskRowInput): TaskRowCheck {
  const result = checkInput(schemas().TaskRow, row, 'task')
  if (!result.ok) {
    return { ok: false, problems: result.problems.map((p) => ({ ...p, code: 'InvalidInput' })) }
  }
  try {
    checkCriteria(result.data.success_criteria)
  } catch (err) {
    if (!isTaskError(err)) throw err
    const index = Number(err.details.index ?? 1) - 1
    return {
      ok: false,
      problems: [
        {
          path: ['success_criteria', index, 'measurable'],
          text: err.message,
          code: 'InvalidExpression',
        },
      ],
    }
  }
  return { ok: true, row: result.data as CheckedTaskRow }
}

/**
 * {@link checkTaskRow}, throwing a refusal: `TaskError('InvalidExpression')`
 * for an expression that does not compile, else `TaskError('InvalidInput')`
 * with the message `parseInput` writes (`Invalid task:\n  title: …`).
 */
export function validTaskRow(row: TaskRowInput): CheckedTaskRow {
  const result = checkTaskRow(row)
  if (result.ok) return result.row
  const expression = result.problems.find((p) => p.code === 'InvalidExpression')
  if (expression) {
    throw new TaskError('InvalidExpression', expression.text, {
      index: Number(expression.path[1]) + 1,
    })
  }
  return parseInput(schemas().TaskRow, row, 'task') as CheckedTaskRow
}

/**
 * A checked row with its lease's clock set by the engine (the write
 * transaction's time): `acquired_at` and `heartbeat_at` become `at`,
 * `expires_at` becomes `expires` (ISO-8601 UTC). A row without a lease is
 * returned as it is.
 */
export function leaseFrom(row: CheckedTaskRow, at: string, expires: string): CheckedTaskRow {
  if (!row.lease) return row
  return {
    ...row,
    lease: { ...row.lease, acquired_at: at, heartbeat_at: at, expires_at: expires },
  }
}

/**
 * Insert a checked row into `tasks`, in the caller's write transaction.
 * Appends no event (each writer records its own: `task_created`,
 * `imported`). Throws the store's constraint error for an id or `source`
 * already present — callers check for those first and refuse with
 * `Duplicate`.
 */
export function insertTaskRow(ctx: Ctx, row: CheckedTaskRow): void {
  const lease = row.lease
  // Positional parameters: an import binds 100,000 rows, and names cost more to bind.
  ctx.store.run(INSERT_TASK, [
    row.id,
    row.title,
    row.description,
    row.status,
    row.priority,
    row.persona,
    row.parent_id,
    JSON.stringify(row.success_criteria),
    row.deadline,
    row.estimated_hours,
    row.actual_hours,
    row.completion_summary,
    row.feedback_quality,
    row.feedback_timeliness,
    row.feedback_notes,
    row.attempts,
    row.max_attempts,
    row.blocked_reason,
    row.assignee,
    lease?.holder ?? null,
    lease?.token ?? null,
    lease?.acquired_at ?? null,
    lease?.heartbeat_at ?? null,
    lease?.expires_at ?? null,
    lease?.paused_at ?? null,
    lease?.remaining_ms ?? null,
    row.fencing_seq,
    row.claimable_after,
    row.lease_seconds,
    row.milestone,
    row.requires_approval ? 1 : 0,
    row.approved_by,
    row.approved_at,
    row.archived_at,
    row.source,
    row.created_at,
    row.updated_at,
    row.completed_at,
  ])
}

/** The one INSERT of a task row, columns in the order {@link insertTaskRow} binds them. */
const INSERT_TASK = `INSERT INTO tasks (id, title, description, status, priority, persona, parent_id,
  success_criteria, deadline, estimated_hours, actual_hours, completion_summary,
  feedback_quality, feedback_timeliness, feedback_notes, attempts, max_attempts,
  blocked_reason, assignee, lease_holder, lease_token, lease_acquired_at,
  lease_heartbeat_at, lease_expires_at, lease_paused_at, lease_remaining_ms, fencing_seq,
  claimable_after, lease_seconds, milestone, requires_approval, approved_by, approved_at,
  archived_at, source, created_at, updated_at, completed_at)
  VALUES (${Array.from({ length: 38 }, () => '?').join(', ')})`

/**
 * A row with every optional column at its empty value (no lease, nothing
 * recorded), for writers that set only what they know. `now` is ISO-8601.
 */
export function emptyRow(
  id: string,
  title: string,
  status: TaskRowInput['status'],
  now: string,
  maxAttempts: number,
): TaskRowInput {
  return {
    id,
    title,
    description: '',
    status,
    priority: 'medium',
    persona: null,
    parent_id: null,
    success_criteria: [],
    deadline: null,
    estimated_hours: null,
    actual_hours: null,
    completion_summary: null,
    feedback_quality: null,
    feedback_timeliness: null,
    feedback_notes: null,
    attempts: 0,
    max_attempts: maxAttempts,
    blocked_reason: null,
    assignee: null,
    lease: null,
    fencing_seq: 0,
    claimable_after: null,
    lease_seconds: 0,
    milestone: null,
    requires_approval: false,
    approved_by: null,
    approved_at: null,
    archived_at: null,
    source: null,
    created_at: now,
    updated_at: now,
    completed_at: null,
  }
}
