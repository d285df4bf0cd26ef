/**
 * `tm export --format json` read back by the import: every task lands with
 * the same id, status, lease, counters, dependencies, parent, criteria,
 * summary, feedback, context, participants, questions and progress, so that
 * exporting again gives the same file (only `exported_at` differs). Also:
 * importing twice changes nothing, a conflicting id refuses the whole file,
 * and a database changed between the check and the write is checked again.
 */

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Engine } from '../../../src/core/engine.js'
import { renderExport } from '../../../src/core/export.js'
import { readImportSource } from '../../../src/core/import/detect.js'
import { type ExportFile, parseExportFile } from '../../../src/core/import/export-file.js'
import { prepareExportImport } from '../../../src/core/import/export-prepare.js'
import { importExportFile, writeExportImport } from '../../../src/core/import/export-write.js'
import { expectTaskError, MINUTE, makeEngine, tempDir } from '../../helpers.js'

/** A backlog using every part of the model: the export's whole vocabulary. */
function richBacklog() {
  const { engine, clock } = makeEngine()
  engine.registerAgent({ id: 'ada', personas: ['implementer'], capacity: 5 })
  const epic = engine.add({ title: 'Epic', priority: 'high', milestone: 'v1' })
  const design = engine.add({
    title: 'Design',
    parent_id: epic.id,
    persona: 'implementer',
    deadline: '2026-04-01',
    estimated_hours: 3,
  })
  const build = engine.add({
    title: 'Build',
    parent_id: epic.id,
    depends_on: [design.id],
    success_criteria: [
      { criterion: 'Tests pass', measurable: 'tests.failed == 0' },
      { criterion: 'Reviewed' },
    ],
  })
  const later = engine.add({ title: 'Later', depends_on: [build.id], requires_approval: true })
  const held = engine.add({ title: 'Held by hand' })
  engine.block(held.id, 'waiting for legal')
  const asking = engine.add({ title: 'Asking' })
  const retried = engine.add({ title: 'Retried', max_attempts: 2 })
  const dropped = engine.add({ title: 'Dropped' })
  const old = engine.add({ title: 'Old news' })

  // Design: worked, shared context, progress, completed with a summary, feedback.
  const g = engine.claim(design.id, 'ada')
  engine.join(design.id, 'grace', 'reviewer')
  engine.share(design.id, 'schema', { tables: ['tasks', 'events'], version: 2 }, 'ada')
  engine.progress(design.id, 'ada', 40, 'tables drafted')
  engine.progress(design.id, 'ada', null, 'note without a percentage')
  clock.advance(10 * MINUTE)
  engine.complete(design.id, 'ada', g.lease.token, { summary: 'Schema in docs/schema.md' })
  engine.feedback(design.id, 'lead', { quality: 4, timeliness: 5, notes: 'clear' })

  // Build: held under a live lease (token 1) after the hand-over.
  engine.claim(build.id, 'ada')
  engine.heartbeat(build.id, 'ada', 1)

  // Asking: waiting on an open question, one answered before it.
  const a = engine.claim(asking.id, 'grace')
  engine.ask(asking.id, 'grace', 'lead', 'Which port?')
  engine.answer(asking.id, 'lead', '8080')
  engine.ask(asking.id, 'grace', null, 'Which host?')
  expect(engine.get(asking.id)).toMatchObject({
    status: 'waiting',
    lease: { token: a.lease.token },
  })

  // Retried: failed once (an attempt counted), then failed for good.
  let r = engine.claim(retried.id, 'ken')
  engine.fail(retried.id, 'ken', r.lease.token, 'flaky')
  clock.advance(MINUTE)
  r = engine.claim(retried.id, 'ken')
  engine.fail(retried.id, 'ken', r.lease.token, 'still flaky', false)

  engine.cancel(dropped.id, 'not needed')
  const o = engine.claim(old.id, 'ada')
  engine.complete(old.id, 'ada', o.lease.token, { summary: 'done long ago' })
  clock.advance(40 * 24 * 60 * MINUTE)
  engine.archive(30)
  return { engine, clock, ids: { epic, design, build, later, held, asking, retried, old } }
}

function exported(engine: Engine, at = '2026-05-01T00:00:00.000Z'): unknown {
  return JSON.parse(renderExport(engine.exportTasks('include'), 'json', at))
}

function fileOf(engine: Engine): ExportFile {
  return parseExportFile(exported(engine), 'export.json')
}

describe('import of a tm export', () => {
  it('lands every task as exported: exporting again gives the same document', () => {
    const { engine: source, ids } = richBacklog()
    const before = exported(source)
    const { engine: target } = makeEngine()
    const report = importExportFile(target, fileOf(source), 'me')
    expect(report).toMatchObject({
      format: 'task-orchestrator-export',
      imported: 9,
      skipped: 0,
      dependencies: 2,
      parents: 2,
      participants: 1,
      context: 1,
      progress: 2,
      questions: 2,
      unmapped: [],
    })
    // Same file, but for the export time (the only field that may differ).
    expect(exported(target)).toEqual(before)

    // What the file cannot show, derived as the engine derives it: the summary
    // handed over to dependents, and leases that work with their tokens.
    expect(target.context(ids.build.id).inherited).toEqual([
      expect.objectContaining({ from: ids.design.id, summary: 'Schema in docs/schema.md' }),
    ])
    expect(target.heartbeat(ids.build.id, 'ada', 1).token).toBe(1)
    expect(target.answer(ids.asking.id, 'lead', 'example.org').resumed).toBe(true)
    expect(target.get(ids.asking.id).status).toBe('in_progress')
  })

  it('changes nothing when the same file is imported again', () => {
    const { engine: source } = richBacklog()
    const { engine: target } = makeEngine()
    importExportFile(target, fileOf(source))
    const events = target.events({}).length
    const again = importExportFile(target, fileOf(source))
    expect(again).toMatchObject({ imported: 0, skipped: 9, dependencies: 0 })
    expect(target.events({}).length).toBe(events)
    expect(exported(target)).toEqual(exported(source))
  })

  it('refuses the whole file when ids it holds are here with other content, naming them', () => {
    const { engine: source, ids } = richBacklog()
    const { engine: target } = makeEngine()
    importExportFile(target, fileOf(source))
    target.progress(ids.build.id, 'ada', 90, 'almost')
    const file = fileOf(source)
    file.tasks.push({ ...file.tasks[0]!, id: 'newtask1', title: 'Brand new' })
    const count = target.list({}).length
    const err = expectTaskError(() => importExportFile(target, file), 'Duplicate')
    expect(err.message).toContain(`${ids.build.id} (progress)`)
    expect(err.message).toContain('Nothing was imported')
    expect(err.details.conflicts).toEqual([{ task: ids.build.id, fields: ['progress'] }])
    expect(target.list({}).length).toBe(count)
  })

  it('checks again in the write transaction when the database changed after the check', () => {
    const { engine: source } = richBacklog()
    const file = fileOf(source)
    const { engine: target } = makeEngine()
    const prepared = target.read((ctx) => prepareExportImport(ctx, file))
    // Another writer adds one of the file's ids meanwhile (as a second
    // connection would; `dataVersion` is forced stale the same way).
    target.add({ id: file.tasks[1]!.id, title: 'Someone else' })
    const stale = { ...prepared, dataVersion: prepared.dataVersion - 1 }
    expectTaskError(() => target.write((ctx) => writeExportImport(ctx, stale, null)), 'Duplicate')
    expect(target.list({}).map((t) => t.title)).toEqual(['Someone else'])
  })

  it('keeps a dependency on a task of this database, reports one on a task nowhere, and re-derives the status', () => {
    const { engine: source, ids } = richBacklog()
    const file = fileOf(source)
    const only = file.tasks.filter((t) => t.id === ids.later.id) // depends on build, not in the file
    const { engine: here } = makeEngine()
    here.add({ id: ids.build.id, title: 'Build, here' })
    const kept = importExportFile(here, { ...file, tasks: only })
    expect(kept).toMatchObject({ imported: 1, dependencies: 1, unmapped: [] })
    expect(here.get(ids.later.id).status).toBe('blocked')

    const { engine: empty } = makeEngine()
    const report = importExportFile(empty, { ...file, tasks: only })
    expect(report.unmapped).toEqual([
      expect.objectContaining({
        item: ids.later.id,
        field: 'depends_on',
        value: ids.build.id,
        reason: 'no such task in the file or the database; dropped',
      }),
      expect.objectContaining({ item: ids.later.id, field: 'status', value: 'blocked' }),
    ])
    expect(empty.get(ids.later.id).status).toBe('pending')
  })

  it('is what tm import reads from a file, detected by its "format"', () => {
    const { engine } = richBacklog()
    const dir = tempDir('tm-export-rt-')
    const path = join(dir, 'backlog.json')
    writeFileSync(path, renderExport(engine.exportTasks('include'), 'json', '2026-05-01T00:00:00Z'))
    const source = readImportSource(path)
    expect(source.format).toBe('task-orchestrator-export')
    expect(source.format === 'task-orchestrator-export' && source.file.tasks).toHaveLength(9)
  })
})
