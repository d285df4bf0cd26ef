/**
 * Questions: an agent that needs a person asks (`tm ask`, `/ask @someone …`).
 * When the asker holds the task's lease, the task goes from `in_progress` to
 * `waiting` and the lease clock pauses: the TTL left is saved
 * (`lease_remaining_ms`), the sweep skips waiting tasks, a heartbeat is a
 * no-op, completion is refused until the question is answered. The answer
 * (`tm answer`, `/answer …`) resumes the task once no question is left open:
 * the lease expires at answer time + the TTL that was left. A question asked
 * by anyone else (or on a task nobody holds) is recorded and listed, and
 * changes no status.
 *
 * The pause is the "suspend the lease timer while blocked on a person" of
 * workflow engines (e.g. Temporal's human-in-the-loop signals); the lease
 * itself, its holder and fencing token, stay.
 */
import { iso } from './clock.js'
import { TaskError } from './errors.js'
import { appendEvent } from './events.js'
import { type Ctx, requireOpen, requireTaskRow } from './tasks.js'

/** A question about a task. Times are ISO-8601 UTC; open while `answered_at` is null. */
export interface Question {
  id: number
  task_id: string
  /** Who asked (agent name or GitHub login). */
  asked_by: string
  /** Whom it is for (a login or agent), or null for anyone. */
  asked_of: string | null
  question: string
  asked_at: string
  answered_at: string | null
  answered_by: string | null
  answer: string | null
}

const COLUMNS =
  'id, task_id, asked_by, asked_of, question, asked_at, answered_at, answered_by, answer'

/** Longest question or answer accepted, in characters. */
export const QUESTION_MAX = 10_000

function text(value: string, what: 'question' | 'answer'): string {
  const t = value.trim()
  if (!t) {
    throw new TaskError(
      'InvalidInput',
      what === 'question'
        ? 'A question needs its text, e.g. `tm ask ID --to ada "Which endpoint?"`.'
        : 'An answer needs its text, e.g. `tm answer ID "Use the v2 endpoint"`.',
    )
  }
  if (t.length > QUESTION_MAX) {
    throw new TaskError(
      'InvalidInput',
      `The ${what} is ${t.length} characters; at most ${QUESTION_MAX} are accepted.`,
    )
  }
  return t
}

/** What {@link ask} did. */
export interface AskOutcome {
  question: Question
  /** True when the task went to `waiting` (the asker holds its lease). */
  paused: boolean
}

/**
 * Record a question by `askedBy` on open task `id`, for `askedOf` (null:
 * anyone). When `askedBy` holds the lease on the `in_progress` task, the
 * task becomes `waiting` and its lease clock pauses with the TTL left saved.
 * Throws `TaskNotFound`, `InvalidInput` (empty or too long), `InvalidTransition`
 * (the task is finished), `StaleToken` (the asker's lease already expired:
 * it has nothing left to pause). Appends `question_asked`.
 */
export function ask(
  ctx: Ctx,
  id: string,
  askedBy: string,
  askedOf: string | null,
  question: string,
): AskOutcome {
  const q = text(question, 'question')
  const row = requireTaskRow(ctx.store, id)
  requireOpen(row, 'ask a question on')
  const holder =
    row.lease_holder !== null && row.lease_holder.toLowerCase() === askedBy.toLowerCase()
  let paused = false
  if (holder && row.status === 'in_progress') {
    if (row.lease_expires_at! <= ctx.now) {
      throw new TaskError(
        'StaleToken',
        `The lease on task ${id} expired at ${row.lease_expires_at}; there is no lease left to pause. Claim it again if it is still pending.`,
        { task: id, expired_at: row.lease_expires_at },
      )
    }
    const remaining = Date.parse(row.lease_expires_at!) - ctx.nowMs
    ctx.store.run(
      `UPDATE tasks SET status = 'waiting', lease_paused_at = ?, lease_remaining_ms = ?, updated_at = ?
       WHERE id = ?`,
      [ctx.now, remaining, ctx.now, id],
    )
    paused = true
  }
  const { lastInsertRowid } = ctx.store.run(
    'INSERT INTO questions (task_id, asked_by, asked_of, question, asked_at) VALUES (?, ?, ?, ?, ?)',
    [id, askedBy, askedOf, q, ctx.now],
  )
  const qid = Number(lastInsertRowid)
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'question_asked',
    task_id: id,
    actor: askedBy,
    details: { question: qid, ...(askedOf ? { to: askedOf } : {}), paused },
  })
  return { question: requireQuestion(ctx, qid), paused }
}

/** What {@link answer} did. */
export interface AnswerOutcome {
  question: Question
  /** True when the task went back to `in_progress` (no open question left). */
  resumed: boolean
  /** The resumed lease's new expiry (answer time + TTL left), when resumed. */
  expires_at: string | null
}

/**
 * Answer the oldest open question of task `id` (or question `questionId`).
 * When the task is `waiting` and no open question is left, it returns to
 * `in_progress` and its lease expires at now + the TTL it had left. Throws
 * `TaskNotFound`, `InvalidInput` (empty, too long, or `questionId` is not an
 * open question of this task), `InvalidTransition` when the task has no open
 * question (nothing changes). Appends `question_answered` (and `resumed`).
 */
export function answer(
  ctx: Ctx,
  id: string,
  answeredBy: string,
  reply: string,
  questionId?: number,
): AnswerOutcome {
  const a = text(reply, 'answer')
  const row = requireTaskRow(ctx.store, id)
  const open = openQuestionsOf(ctx, id)
  if (open.length === 0) {
    throw new TaskError(
      'InvalidTransition',
      `Task ${id} has no open question to answer. \`tm questions\` lists the open ones.`,
      { task: id, status: row.status },
    )
  }
  const q = questionId === undefined ? open[0]! : open.find((x) => x.id === questionId)
  if (!q) {
    throw new TaskError(
      'InvalidInput',
      `Question ${questionId} is not an open question of task ${id}; open ones: ${open.map((x) => x.id).join(', ')}.`,
      { task: id, open: open.map((x) => x.id) },
    )
  }
  ctx.store.run('UPDATE questions SET answered_at = ?, answered_by = ?, answer = ? WHERE id = ?', [
    ctx.now,
    answeredBy,
    a,
    q.id,
  ])
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'question_answered',
    task_id: id,
    actor: answeredBy,
    details: { question: q.id },
  })
  let expires: string | null = null
  if (row.status === 'waiting' && open.length === 1) {
    expires = iso(ctx.nowMs + Number(row.lease_remaining_ms ?? 0))
    ctx.store.run(
      `UPDATE tasks SET status = 'in_progress', lease_expires_at = ?, lease_paused_at = NULL,
         lease_remaining_ms = NULL, updated_at = ? WHERE id = ?`,
      [expires, ctx.now, id],
    )
    appendEvent(ctx.store, {
      at: ctx.now,
      type: 'resumed',
      task_id: id,
      actor: answeredBy,
      details: {
        expires_at: expires,
        waited_s: (ctx.nowMs - Date.parse(row.lease_paused_at!)) / 1000,
      },
    })
  }
  return { question: requireQuestion(ctx, q.id), resumed: expires !== null, expires_at: expires }
}

function requireQuestion(ctx: Ctx, id: number): Question {
  return ctx.store.get<Question>(`SELECT ${COLUMNS} FROM questions WHERE id = ?`, [id])!
}

/** Open questions of one task, oldest first. */
export function openQuestionsOf(ctx: Ctx, id: string): Question[] {
  return ctx.store.all<Question>(
    `SELECT ${COLUMNS} FROM questions WHERE task_id = ? AND answered_at IS NULL ORDER BY id`,
    [id],
  )
}

/** Every question of one task, answered or not, oldest first. */
export function questionsOf(ctx: Ctx, id: string): Question[] {
  return ctx.store.all<Question>(`SELECT ${COLUMNS} FROM questions WHERE task_id = ? ORDER BY id`, [
    id,
  ])
}

/**
 * Every unanswered question of an open task (not completed, failed or
 * cancelled), oldest first; served by the partial index `questions_open`.
 * Used by `tm questions` and the dashboard.
 */
export function openQuestions(ctx: Ctx): Question[] {
  return ctx.store.all<Question>(
    `SELECT ${COLUMNS.split(', ')
      .map((c) => `q.${c}`)
      .join(', ')} FROM questions q JOIN tasks t ON t.id = q.task_id
     WHERE q.answered_at IS NULL AND t.status NOT IN ('completed','failed','cancelled')
     ORDER BY q.asked_at, q.id`,
  )
}
