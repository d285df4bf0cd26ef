/**
 * Writing a prepared import of a `tm export` file (`export-prepare.ts`) in
 * one write transaction: every task row as exported (id, status, lease,
 * fencing sequence, attempts, times, approval, archive), its dependencies,
 * parent, participants, own shared context, questions and progress; then
 * the completion summaries handed over to dependents, as the engine does
 * when a task completes (`restore-history.ts`). One `imported` event per
 * task records where it came from.
 */
import type { EngineBase } from '../engine-base.js'
import { appendEvent } from '../events.js'
import { replayHistory } from '../restore-history.js'
import { insertTaskRow } from '../task-row.js'
import type { Ctx } from '../tasks.js'
import type { ImportReport } from './apply.js'
import type { ExportFile } from './export-file.js'
import { type PreparedExportImport, prepareExportImport } from './export-prepare.js'
import { dataVersion } from './prepare.js'

/** The import format of a `tm export --format json` file. */
export const EXPORT_IMPORT_FORMAT = 'task-orchestrator-export'

/**
 * Write `prepared` in the caller's write transaction. When another
 * connection committed since it was prepared, it is prepared again here
 * first (and may then refuse), so nothing is written on a stale view.
 * Shared context is written with no author, at the task's `updated_at`
 * (the export holds values only). Returns the counts, every id kept
 * (`ids[id] === id`) and everything reported.
 *
 * @throws whatever {@link prepareExportImport} throws when preparing again.
 */
export function writeExportImport(
  ctx: Ctx,
  prepared: PreparedExportImport,
  actor: string | null,
): ImportReport {
  const ready =
    prepared.dataVersion === dataVersion(ctx) ? prepared : prepareExportImport(ctx, prepared.file)
  const { fresh, edges, file } = ready
  for (const p of fresh) {
    const t = p.task
    const lease = p.lease
    insertTaskRow(ctx, p.row)
    appendEvent(ctx.store, {
      at: ctx.now,
      type: 'imported',
      task_id: t.id,
      actor,
      details: {
        source: `${EXPORT_IMPORT_FORMAT}:${t.id}`,
        exported_at: file.exported_at,
        status: p.status,
        ...(lease ? { holder: lease.holder, token: lease.token } : {}),
      },
    })
  }
  let parents = 0
  for (const p of fresh) {
    if (p.parentId === null) continue
    ctx.store.run('UPDATE tasks SET parent_id = ? WHERE id = ?', [p.parentId, p.task.id])
    parents++
  }
  for (const [from, to] of edges) {
    ctx.store.run(
      'INSERT INTO dependencies (task_id, depends_on_id, created_at) VALUES (?, ?, ?)',
      [from, to, ctx.now],
    )
  }
  let participants = 0
  let context = 0
  let progress = 0
  let questions = 0
  for (const { task: t } of fresh) {
    for (const p of t.participants) {
      participants += ctx.store.run(
        'INSERT OR IGNORE INTO participants (task_id, agent, role, joined_at) VALUES (?, ?, ?, ?)',
        [t.id, p.agent, p.role, p.joined_at],
      ).changes
    }
    for (const [key, value] of Object.entries(t.context)) {
      context += ctx.store.run(
        'INSERT INTO shared_context (task_id, key, value, author, updated_at) VALUES (?, ?, ?, NULL, ?)',
        [t.id, key, JSON.stringify(value), t.updated_at],
      ).changes
    }
    for (const q of t.questions) {
      questions += ctx.store.run(
        `INSERT INTO questions (task_id, asked_by, asked_of, question, asked_at, answered_at,
           answered_by, answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          t.id,
          q.asked_by,
          q.asked_of,
          q.question,
          q.asked_at,
          q.answered_at,
          q.answered_by,
          q.answer,
        ],
      ).changes
    }
    for (const e of t.progress) {
      progress += ctx.store.run(
        'INSERT INTO progress (task_id, agent, percent, message, at) VALUES (?, ?, ?, ?, ?)',
        [t.id, e.agent, e.percent, e.message, e.at],
      ).changes
    }
  }
  // Completion summaries reach the new tasks' dependents as `dependency.<id>`
  // context (not exported: it is derived), at completion time, in order.
  replayHistory(ctx, {
    source: EXPORT_IMPORT_FORMAT,
    tasks: fresh.map((p) => ({
      id: p.task.id,
      title: p.task.title,
      status: p.status,
      completed_at: p.task.completed_at,
      updated_at: p.task.updated_at,
      completed_by: p.task.assignee,
    })),
    dependencies: [],
    parents: [],
    events: [],
    leaseTtlMs: ctx.settings.leaseTtlMs,
  })
  return {
    format: EXPORT_IMPORT_FORMAT,
    imported: fresh.length,
    skipped: ready.skipped,
    dependencies: edges.length,
    parents,
    participants,
    context,
    notes: 0,
    progress,
    questions,
    ids: Object.fromEntries(file.tasks.map((t) => [t.id, t.id])),
    unmapped: ready.unmapped,
  }
}

/**
 * Import a checked `tm export` file through `engine`: decided in a read
 * transaction (`prepareExportImport`), then written in one write
 * transaction — all of it or none of it.
 *
 * @throws TaskError('Duplicate') when ids of the file are in the database
 *   with other content; TaskError('BadImport') for an id twice in the file.
 */
export function importExportFile(
  engine: Pick<EngineBase, 'read' | 'write'>,
  file: ExportFile,
  actor: string | null = null,
): ImportReport {
  const prepared = engine.read((ctx) => prepareExportImport(ctx, file))
  return engine.write((ctx) => writeExportImport(ctx, prepared, actor))
}
