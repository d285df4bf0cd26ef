/**
 * One insert path, one schema (issue 11): a task row breaking a limit gets
 * the same sentence whichever writer meets it — `tm add`, an import of each
 * format (task-master, beads, Task Orchestrator v2.3, our own export) and a
 * restore — because every writer checks its rows with the `TaskRow` schema
 * (`src/core/task-row.ts`) before it writes. An import with a refused row
 * writes nothing and names the row by its line (beads) or record.
 */
import { cpSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { TaskError } from '../../src/core/errors.js'
import { renderExport } from '../../src/core/export.js'
import { readImportPlan, readImportSource } from '../../src/core/import/detect.js'
import { importExportFile } from '../../src/core/import/export-write.js'
import type { NewTask } from '../../src/core/model.js'
import { restoreTasks } from '../../src/core/restore.js'
import { makeEngine, tempDir } from '../helpers.js'

const V23 = fileURLToPath(new URL('../fixtures/task-orchestrator-v2.3', import.meta.url))

/** One bad field, as each source writes it. */
interface Case {
  name: string
  /** What `tm add` is given. */
  add: Record<string, unknown>
  /** The schema's sentence every writer must say (as `tm add` says it). */
  said: string
  beads?: Record<string, unknown>
  taskmaster: Record<string, unknown>
  /** Columns of the v2.3 `tasks` row. */
  v23: Record<string, unknown>
  /** Fields of the exported task. */
  exported: Record<string, unknown>
  /** What the export import says (its places are `tasks[0].field`). */
  exportSaid: string
  /** Fields of the restored task. */
  restored: Record<string, unknown>
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `check ${i + 1}`)

const CASES: Case[] = [
  {
    name: 'an over-long title',
    add: { title: 'x'.repeat(301) },
    said: 'title: at most 300 characters (got 301)',
    beads: { title: 'x'.repeat(301) },
    taskmaster: { title: 'x'.repeat(301) },
    v23: { title: 'x'.repeat(301) },
    exported: { title: 'x'.repeat(301) },
    exportSaid: 'tasks[0].title: at most 300 characters (got 301)',
    restored: { title: 'x'.repeat(301) },
  },
  {
    // beads numbers its priorities (0–4): its importer translates them and
    // reports one out of range as medium, so it never names one of ours.
    name: 'a priority that is not ours',
    add: { priority: 'urgent' },
    said: 'priority: expected one of low, medium, high, critical',
    taskmaster: { priority: 'urgent' },
    v23: { priority: 'urgent' },
    exported: { priority: 'urgent' },
    exportSaid: 'tasks[0].priority: expected one of low, medium, high, critical',
    restored: { priority: 'urgent' },
  },
  {
    name: 'more success criteria than a task may have',
    add: { success_criteria: lines(101).map((criterion) => ({ criterion })) },
    said: 'success criteria: at most 100 success criteria (got 101)',
    beads: { acceptance_criteria: lines(101).join('\n') },
    taskmaster: { acceptanceCriteria: lines(101) },
    v23: {
      success_criteria: JSON.stringify(lines(101).map((criterion) => ({ criterion }))),
    },
    exported: { success_criteria: lines(101).map((criterion) => ({ criterion })) },
    exportSaid: 'tasks[0].success_criteria: at most 100 success criteria (got 101)',
    restored: { success_criteria: lines(101).map((criterion) => ({ criterion })) },
  },
]

/** The refusal `fn` throws, as a TaskError. */
function refusal(fn: () => unknown): TaskError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(TaskError)
    return err as TaskError
  }
  throw new Error('expected a refusal, but nothing was thrown')
}

/** Import the plan read from `path` into a fresh engine; returns the refusal and the engine. */
function importRefused(path: string) {
  const { engine } = makeEngine()
  const err = refusal(() => engine.import(readImportPlan(path)))
  return { err, engine }
}

describe.each(CASES)('$name', (c) => {
  it('is refused by tm add', () => {
    const { engine } = makeEngine()
    const err = refusal(() => engine.add({ title: 'T', ...c.add } as unknown as NewTask))
    expect(err.code).toBe('InvalidInput')
    expect(err.details.problems).toEqual([c.said])
  })

  it.runIf(c.beads)('is refused by a beads import, naming the line, with nothing written', () => {
    const dir = tempDir('tm-row-')
    const path = join(dir, 'issues.jsonl')
    const ok = { id: 'bd-1', title: 'Fine', status: 'open', priority: 2 }
    writeFileSync(
      path,
      `${JSON.stringify(ok)}\n\n${JSON.stringify({ ...ok, id: 'bd-2', ...c.beads })}\n`,
    )
    const { err, engine } = importRefused(path)
    expect(err.code).toBe('BadImport')
    expect(err.message).toContain(`line 3 (bd-2): ${c.said}`)
    expect(err.details.refused).toEqual([
      expect.objectContaining({ item: 'bd-2', line: 3, reason: c.said }),
    ])
    expect(engine.list()).toEqual([])
  })

  it('is refused by a task-master import, naming the record, with nothing written', () => {
    const dir = tempDir('tm-row-')
    const path = join(dir, 'tasks.json')
    const tasks = [
      { id: 1, title: 'Fine', status: 'pending', priority: 'low' },
      { id: 2, title: 'T', status: 'pending', priority: 'high', ...c.taskmaster },
    ]
    writeFileSync(path, JSON.stringify({ master: { tasks } }))
    const { err, engine } = importRefused(path)
    expect(err.code).toBe('BadImport')
    expect(err.message).toContain(`master:2: ${c.said}`)
    expect(engine.list()).toEqual([])
  })

  it('is refused by a v2.3 database import, naming the record, with nothing written', () => {
    const dir = join(tempDir('tm-row-'), 'data')
    cpSync(V23, dir, { recursive: true })
    const db = new Database(join(dir, 'tasks.db'))
    const columns = Object.keys(c.v23)
    db.prepare(
      `UPDATE tasks SET ${columns.map((k) => `${k} = ?`).join(', ')} WHERE id = 'c34304ed'`,
    ).run(...Object.values(c.v23))
    db.close()
    const { err, engine } = importRefused(dir)
    expect(err.code).toBe('BadImport')
    expect(err.message).toContain(`c34304ed: ${c.said}`)
    expect(engine.list()).toEqual([])
  })

  it('is refused by the import of a tm export, with nothing written', () => {
    const { engine: source } = makeEngine()
    source.add({ title: 'A' })
    const doc = JSON.parse(
      renderExport(source.exportTasks('include'), 'json', '2026-03-01T09:00:00.000Z'),
    )
    Object.assign(doc.tasks[0], c.exported)
    const path = join(tempDir('tm-row-'), 'export.json')
    writeFileSync(path, JSON.stringify(doc))
    const { engine } = makeEngine()
    const err = refusal(() => {
      const read = readImportSource(path)
      if (read.format !== 'task-orchestrator-export') throw new Error('not an export')
      importExportFile(engine, read.file)
    })
    expect(err.code).toBe('BadImport')
    expect(err.message).toContain(c.exportSaid)
    expect(engine.list()).toEqual([])
  })

  it('is reported by a restore with the same sentence, never written as it was', () => {
    const { engine } = makeEngine()
    const plan = {
      source: 'test',
      tasks: [{ id: 'o/r#1', title: 'T', status: 'pending' as const, ...c.restored }],
      dependencies: [],
      parents: [],
      leaseTtlMs: 60_000,
    }
    let said: string
    try {
      const report = engine.write((ctx) => restoreTasks(ctx, plan, null))
      // A field a restore can go without is left out and reported.
      said = report.skipped.map((s) => s.reason).join('\n')
      const task = engine.get('o/r#1')
      expect(task.priority).toBe('medium')
      expect(task.success_criteria).toEqual([])
    } catch (err) {
      // One it cannot go without refuses the restore; nothing is written.
      expect(err).toBeInstanceOf(TaskError)
      said = (err as TaskError).message
      expect(engine.list()).toEqual([])
    }
    expect(said).toContain(c.said)
  })
})
