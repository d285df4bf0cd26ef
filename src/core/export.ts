/**
 * Export: every task in one of three stable shapes (documented in
 * docs/cli.md, "tm export"). `json` is the complete record — each task as
 * `tm show --json` returns it minus handed-over context, with its
 * dependencies, participants, own shared context, questions and progress
 * history — and `tm import` reads it back unchanged (`import/export-file.ts`);
 * `csv` is one row per task with fixed columns (RFC 4180 quoting) for
 * spreadsheets; `md` is a Markdown table for reports. Private notes are never
 * exported.
 */
import {
  type Participant,
  type ProgressEntry,
  participants as participantsOf,
} from './collaboration.js'
import { ownContext } from './context.js'
import { TaskError } from './errors.js'
import type { Task } from './model.js'
import { type Ctx, rowToTask, TASK_COLUMNS, type TaskRow } from './tasks.js'

/** Export formats. */
export const EXPORT_FORMATS = ['json', 'csv', 'md'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** The `format` field of a JSON export: how `tm import` recognises one. */
export const EXPORT_FORMAT_NAME = 'task-orchestrator-export'

/**
 * Version of the JSON export's shape; grows only on incompatible changes
 * (fields are added without a new version: `questions` and `progress` came
 * later, and a reader takes their absence as none).
 */
export const EXPORT_VERSION = 1

/** A question on a task as exported (its database id is not: ids are per database). */
export interface ExportedQuestion {
  asked_by: string
  asked_of: string | null
  question: string
  /** ISO-8601 UTC. */
  asked_at: string
  /** Null until answered; then `answer`, `answered_by` and `answered_at` are set. */
  answer: string | null
  answered_by: string | null
  answered_at: string | null
}

/** A task as exported. */
export interface ExportedTask extends Task {
  depends_on: string[]
  participants: Participant[]
  /** The task's own shared context (key → value). */
  context: Record<string, unknown>
  /** Every question asked on the task, oldest first. */
  questions: ExportedQuestion[]
  /** Progress reports, oldest first (`percent` null: a note without a percentage). */
  progress: ProgressEntry[]
}

/** Which tasks to export with respect to the archive. */
export type ArchiveScope = 'exclude' | 'include' | 'only'

/**
 * The tasks to export, oldest first (by creation, then id). `ids`: only
 * those tasks (any archive state), e.g. to compare with a file being imported.
 */
export function exportTasks(
  ctx: Ctx,
  scope: ArchiveScope = 'include',
  ids?: readonly string[],
): ExportedTask[] {
  if (ids) return ids.flatMap((id) => exportTasksWhere(ctx, 'WHERE id = ?', [id]))
  const where =
    scope === 'exclude'
      ? 'WHERE archived_at IS NULL'
      : scope === 'only'
        ? 'WHERE archived_at IS NOT NULL'
        : ''
  return exportTasksWhere(ctx, where, [])
}

function exportTasksWhere(ctx: Ctx, where: string, params: unknown[]): ExportedTask[] {
  const one = params.length === 1
  const byTask = <T extends { task_id: string }>(sql: string) => {
    const out = new Map<string, Omit<T, 'task_id'>[]>()
    for (const { task_id, ...rest } of ctx.store.all<T>(
      sql.replace('$WHERE', one ? 'WHERE task_id = ?' : ''),
      one ? params : [],
    )) {
      const list = out.get(task_id)
      if (list) list.push(rest)
      else out.set(task_id, [rest])
    }
    return out
  }
  const deps = byTask<{ task_id: string; depends_on_id: string }>(
    'SELECT task_id, depends_on_id FROM dependencies $WHERE ORDER BY task_id, depends_on_id',
  )
  const questions = byTask<ExportedQuestion & { task_id: string }>(
    `SELECT task_id, asked_by, asked_of, question, asked_at, answer, answered_by, answered_at
     FROM questions $WHERE ORDER BY task_id, id`,
  )
  const progress = byTask<ProgressEntry & { task_id: string }>(
    'SELECT task_id, agent, percent, message, at FROM progress $WHERE ORDER BY task_id, at, id',
  )
  return ctx.store
    .all<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks ${where} ORDER BY created_at, id`, params)
    .map((row) => ({
      ...rowToTask(row),
      depends_on: (deps.get(row.id) ?? []).map((d) => d.depends_on_id),
      participants: participantsOf(ctx, row.id),
      context: ownContext(ctx, row.id),
      questions: (questions.get(row.id) as ExportedQuestion[] | undefined) ?? [],
      progress: (progress.get(row.id) as ProgressEntry[] | undefined) ?? [],
    }))
}

/** The columns of the CSV export, in order. */
export const CSV_COLUMNS = [
  'id',
  'title',
  'status',
  'priority',
  'persona',
  'milestone',
  'parent_id',
  'depends_on',
  'assignee',
  'participants',
  'deadline',
  'estimated_hours',
  'actual_hours',
  'attempts',
  'requires_approval',
  'approved_by',
  'feedback_quality',
  'feedback_timeliness',
  'completion_summary',
  'created_at',
  'updated_at',
  'completed_at',
  'archived_at',
] as const

function csvCell(value: unknown): string {
  const text =
    value === null || value === undefined ? '' : typeof value === 'string' ? value : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

function csvValue(t: ExportedTask, column: (typeof CSV_COLUMNS)[number]): unknown {
  switch (column) {
    case 'depends_on':
      return t.depends_on.join(';')
    case 'participants':
      return t.participants.map((p) => (p.role ? `${p.agent}:${p.role}` : p.agent)).join(';')
    case 'requires_approval':
      return t.requires_approval ? 'true' : 'false'
    default:
      return t[column]
  }
}

function markdownCell(value: unknown): string {
  const text = value === null || value === undefined || value === '' ? '–' : String(value)
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

/**
 * Render tasks in `format`. `json`: `{ format: "task-orchestrator-export",
 * version, exported_at, tasks }`; `csv`: a header row of {@link CSV_COLUMNS}
 * then one row per task, lists joined with `;`, CRLF line ends (RFC 4180);
 * `md`: a heading, a count per status and a table. `exportedAt` is ISO-8601 UTC.
 */
export function renderExport(
  tasks: ExportedTask[],
  format: ExportFormat,
  exportedAt: string,
): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(
        {
          format: EXPORT_FORMAT_NAME,
          version: EXPORT_VERSION,
          exported_at: exportedAt,
          tasks,
        },
        null,
        2,
      )}\n`
    case 'csv':
      return [
        CSV_COLUMNS.join(','),
        ...tasks.map((t) => CSV_COLUMNS.map((c) => csvCell(csvValue(t, c))).join(',')),
      ]
        .map((line) => `${line}\r\n`)
        .join('')
    case 'md': {
      const counts = new Map<string, number>()
      for (const t of tasks) counts.set(t.status, (counts.get(t.status) ?? 0) + 1)
      const lines = [
        '# Tasks',
        '',
        `Exported ${exportedAt} · ${tasks.length} task(s)${
          counts.size
            ? `: ${[...counts].map(([s, n]) => `${n} ${s.replace('_', ' ')}`).join(', ')}`
            : ''
        }`,
        '',
        '| ID | Status | Priority | Milestone | Title | Depends on | Assignee |',
        '|---|---|---|---|---|---|---|',
        ...tasks.map(
          (t) =>
            `| ${[
              t.id,
              t.status,
              t.priority,
              t.milestone,
              t.title,
              t.depends_on.join(', '),
              t.assignee,
            ]
              .map(markdownCell)
              .join(' | ')} |`,
        ),
      ]
      return `${lines.join('\n')}\n`
    }
    default:
      throw new TaskError(
        'InvalidInput',
        `--format must be one of ${EXPORT_FORMATS.join(', ')}, not "${format as string}".`,
      )
  }
}
