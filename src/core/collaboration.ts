/**
 * Working together on a task: participants (agent + role; the lease holder
 * stays single), progress reports (percent and/or message, kept as a
 * history) and shared notes under a generated key.
 */
import { type ContextEntry, share } from './context.js'
import { TaskError } from './errors.js'
import { appendEvent } from './events.js'
import { parseInput, schemas } from './schemas.js'
import { type Ctx, requireOpen, requireTaskRow } from './tasks.js'

/** A participant of a task. */
export interface Participant {
  agent: string
  role: string | null
  joined_at: string
}

/** A progress report. `percent` is 0–100, or null for a note without one. */
export interface ProgressEntry {
  agent: string | null
  percent: number | null
  message: string
  at: string
}

/** Add `agent` as a participant with an optional role (joining again updates the role). */
export function join(ctx: Ctx, id: string, agent: string, role: string | null): Participant {
  const row = requireTaskRow(ctx.store, id)
  requireOpen(row, 'join')
  ctx.store.run(
    `INSERT INTO participants (task_id, agent, role, joined_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (task_id, agent) DO UPDATE SET role = excluded.role`,
    [id, agent, role, ctx.now],
  )
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'joined',
    task_id: id,
    actor: agent,
    details: role ? { role } : {},
  })
  return ctx.store.get<Participant>(
    'SELECT agent, role, joined_at FROM participants WHERE task_id = ? AND agent = ?',
    [id, agent],
  )!
}

/** Participants of a task, earliest first. */
export function participants(ctx: Ctx, id: string): Participant[] {
  return ctx.store.all<Participant>(
    'SELECT agent, role, joined_at FROM participants WHERE task_id = ? ORDER BY joined_at, agent',
    [id],
  )
}

/** Longest progress message accepted, in characters. */
export const PROGRESS_MESSAGE_MAX = 65_536

/**
 * Record progress on an open task. `percent` must be a whole number from 0
 * to 100, or null for a note without a percentage (the original v2.3's
 * `tm progress ID "message"`), which then needs a message. Throws
 * `InvalidInput` (nothing recorded), `TaskNotFound`, `InvalidTransition`
 * (finished task).
 */
export function recordProgress(
  ctx: Ctx,
  id: string,
  agent: string,
  percent: number | null,
  message: string,
): ProgressEntry {
  if (percent !== null && (!Number.isInteger(percent) || percent < 0 || percent > 100)) {
    throw new TaskError(
      'InvalidInput',
      `Progress must be a whole percentage from 0 to 100, not ${percent}.`,
      {
        percent,
      },
    )
  }
  if (percent === null && !message.trim()) {
    throw new TaskError(
      'InvalidInput',
      'Progress needs a percentage or a message, e.g. `tm progress ID 50 "parser done"` or `tm progress ID "parser done"`.',
    )
  }
  if (message.length > PROGRESS_MESSAGE_MAX) {
    throw new TaskError(
      'InvalidInput',
      `A progress message is at most ${PROGRESS_MESSAGE_MAX} characters (got ${message.length}).`,
    )
  }
  const row = requireTaskRow(ctx.store, id)
  requireOpen(row, 'report progress on')
  ctx.store.run(
    'INSERT INTO progress (task_id, agent, percent, message, at) VALUES (?, ?, ?, ?, ?)',
    [id, agent, percent, message, ctx.now],
  )
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'progress',
    task_id: id,
    actor: agent,
    details: { percent, message },
  })
  return { agent, percent, message, at: ctx.now }
}

/** The key prefix of shared notes without a key of their own ({@link shareUpdate}). */
export const SHARED_UPDATE_PREFIX = 'update.'

/**
 * Share a free-text note with everyone on open task `id` under a generated
 * key, `update.<n>` with n one more than the highest `update.<number>` key
 * of the task (from 1) — the original v2.3's `tm share ID "message"`, named
 * as the v2.3 importer names shared updates. The value is the text as given
 * (not parsed as YAML). Throws `InvalidInput` (empty text, value too long),
 * `TaskNotFound`, `InvalidTransition` (finished task); see `context.share`.
 */
export function shareUpdate(
  ctx: Ctx,
  id: string,
  text: string,
  author: string | null,
): ContextEntry {
  if (!text.trim()) {
    throw new TaskError(
      'InvalidInput',
      'A shared note needs text, e.g. `tm share ID "API base is /api/v1"` (or `tm share ID KEY VALUE`).',
    )
  }
  requireTaskRow(ctx.store, id)
  const keys = ctx.store.all<{ key: string }>(
    `SELECT key FROM shared_context WHERE task_id = ? AND key GLOB 'update.[0-9]*'`,
    [id],
  )
  let highest = 0
  for (const { key } of keys) {
    const n = key.slice(SHARED_UPDATE_PREFIX.length)
    if (/^\d+$/.test(n)) highest = Math.max(highest, Number(n))
  }
  return share(ctx, id, `${SHARED_UPDATE_PREFIX}${highest + 1}`, text, author)
}

/** The latest progress report of a task, or null. */
export function latestProgress(ctx: Ctx, id: string): ProgressEntry | null {
  return (
    ctx.store.get<ProgressEntry>(
      'SELECT agent, percent, message, at FROM progress WHERE task_id = ? ORDER BY at DESC, id DESC LIMIT 1',
      [id],
    ) ?? null
  )
}

/** Reviewer feedback on a completed task: ratings 1 (poor) to 5 (excellent). */
export interface Feedback {
  quality: number
  timeliness: number
  notes?: string
}

/**
 * Record feedback on a completed task (replacing earlier feedback). Ratings
 * must be whole numbers from 1 to 5 (`InvalidInput` otherwise, nothing
 * recorded); a task that is not completed is refused (`InvalidTransition`).
 */
export function giveFeedback(ctx: Ctx, id: string, actor: string | null, feedback: Feedback): void {
  const f = parseInput(schemas().Feedback, feedback, 'feedback')
  const row = requireTaskRow(ctx.store, id)
  if (row.status !== 'completed') {
    throw new TaskError(
      'InvalidTransition',
      `Feedback is for completed tasks; ${id} is ${row.status}.`,
      {
        task: id,
        status: row.status,
      },
    )
  }
  ctx.store.run(
    'UPDATE tasks SET feedback_quality = ?, feedback_timeliness = ?, feedback_notes = ?, updated_at = ? WHERE id = ?',
    [f.quality, f.timeliness, f.notes ?? null, ctx.now, id],
  )
  appendEvent(ctx.store, { at: ctx.now, type: 'feedback', task_id: id, actor, details: { ...f } })
}

/** A private note; `at` is ISO-8601 UTC. */
export interface Note {
  id: number
  agent: string
  text: string
  at: string
}

/** Longest note accepted, in characters. */
export const NOTE_MAX = 65_536

/**
 * Keep a private note of `agent` on task `id` (any status). Notes are stored
 * only in the database and listed only to their author by {@link notesOf};
 * the `note_added` event carries the note's id, never its text. They are not
 * secret from whoever can read the database file (on GitHub: the state
 * artifact). Throws `TaskNotFound`, `InvalidInput` (empty or too long).
 */
export function addNote(ctx: Ctx, id: string, agent: string, text: string): Note {
  const t = text.trim()
  if (!t || t.length > NOTE_MAX) {
    throw new TaskError(
      'InvalidInput',
      t
        ? `A note is at most ${NOTE_MAX} characters.`
        : 'A note needs text, e.g. `tm note ID "try the v2 API"`.',
    )
  }
  requireTaskRow(ctx.store, id)
  const { lastInsertRowid } = ctx.store.run(
    'INSERT INTO notes (task_id, agent, text, at) VALUES (?, ?, ?, ?)',
    [id, agent, t, ctx.now],
  )
  const noteId = Number(lastInsertRowid)
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'note_added',
    task_id: id,
    actor: agent,
    details: { note: noteId },
  })
  return { id: noteId, agent, text: t, at: ctx.now }
}

/** `agent`'s own notes on task `id`, oldest first; throws `TaskNotFound`. */
export function notesOf(ctx: Ctx, id: string, agent: string): Note[] {
  requireTaskRow(ctx.store, id)
  return ctx.store.all<Note>(
    'SELECT id, agent, text, at FROM notes WHERE task_id = ? AND agent = ? ORDER BY at, id',
    [id, agent],
  )
}

/** The progress history of task `id`, oldest first; throws `TaskNotFound`. */
export function progressHistory(ctx: Ctx, id: string): ProgressEntry[] {
  requireTaskRow(ctx.store, id)
  return ctx.store.all<ProgressEntry>(
    'SELECT agent, percent, message, at FROM progress WHERE task_id = ? ORDER BY at, id',
    [id],
  )
}
