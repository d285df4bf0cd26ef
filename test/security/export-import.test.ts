/**
 * A `tm export` file is untrusted when imported: it may have been edited, or
 * come from someone else. Every field is checked with the engine's limits,
 * the whole file is refused with every problem named and nothing written,
 * nothing recurses or loops without bound, and fields this version does not
 * know are reported, never dropped silently.
 */
import { truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { renderExport } from '../../src/core/export.js'
import { readImportSource } from '../../src/core/import/detect.js'
import { CONTEXT_VALUE_DEPTH, parseExportFile } from '../../src/core/import/export-file.js'
import { importExportFile } from '../../src/core/import/export-write.js'
import { expectTaskError, makeEngine, tempDir } from '../helpers.js'

/** A valid export of two tasks (b depends on a), as plain JSON to tamper with. */
function validExport(): {
  format: string
  version: number
  exported_at: string
  tasks: Record<string, unknown>[]
} {
  const { engine } = makeEngine()
  const a = engine.add({ title: 'A' })
  engine.add({ title: 'B', depends_on: [a.id] })
  return JSON.parse(renderExport(engine.exportTasks('include'), 'json', '2026-03-01T09:00:00.000Z'))
}

function refused(doc: unknown): string {
  return expectTaskError(() => parseExportFile(doc, 'evil.json'), 'BadImport').message
}

describe('importing a tampered tm export', () => {
  it('refuses a field over the engine limit or of the wrong kind, naming each place, and writes nothing', () => {
    const doc = validExport()
    doc.tasks[0]!.title = 'x'.repeat(301)
    doc.tasks[0]!.status = 'done'
    doc.tasks[1]!.attempts = -1
    doc.tasks[1]!.depends_on = ['../../etc/passwd']
    doc.tasks[1]!.success_criteria = [{ criterion: 'ok', measurable: 'x'.repeat(2001) }]
    const message = refused(doc)
    expect(message).toContain('not a valid tm export (5 problems)')
    expect(message).toContain('tasks[0].title: at most 300 characters (got 301)')
    expect(message).toContain('tasks[0].status: expected one of blocked, pending')
    expect(message).toContain('tasks[1].attempts: must be from 0 to 1000 (got -1)')
    expect(message).toContain('tasks[1].depends_on[0]: must be 8 lowercase letters or digits')
    expect(message).toContain('tasks[1].success_criteria[0].measurable: at most 2000 characters')
  })

  it('refuses handed-over context keys, and values nested deeper than the limit without recursing', () => {
    const doc = validExport()
    doc.tasks[0]!.context = { 'dependency.a1b2c3d4': { summary: 'forged hand-over' } }
    let deep: unknown = 'bottom'
    for (let i = 0; i < 200_000; i++) deep = [deep]
    doc.tasks[1]!.context = { deep }
    const message = refused(doc)
    expect(message).toContain(
      'tasks[0].context.dependency.a1b2c3d4: keys starting with "dependency."',
    )
    expect(message).toContain(
      `tasks[1].context.deep: nested more than ${CONTEXT_VALUE_DEPTH} levels deep`,
    )
  })

  it('refuses a question answered without a time, a lease token of 0, and a version it cannot read', () => {
    const doc = validExport()
    doc.tasks[0]!.questions = [
      {
        asked_by: 'a',
        asked_of: null,
        question: 'q',
        asked_at: '2026-03-01T09:00:00Z',
        answer: 'yes',
        answered_by: 'b',
        answered_at: null,
      },
    ]
    doc.tasks[1]!.status = 'in_progress'
    doc.tasks[1]!.lease = {
      holder: 'ada',
      token: 0,
      acquired_at: '2026-03-01T09:00:00Z',
      heartbeat_at: '2026-03-01T09:00:00Z',
      expires_at: '2026-03-01T09:30:00Z',
    }
    const message = refused(doc)
    expect(message).toContain('tasks[0].questions[0]: an answer and its time come together')
    expect(message).toContain('tasks[1].lease.token: must be from 1 to')
    expect(refused({ ...validExport(), version: 2 })).toContain(
      'written in export version 2 by a newer tm; this tm reads version 1: upgrade tm to import it',
    )
    expect(refused({ ...validExport(), version: '1' })).toContain(
      'export version "1" is not one tm wrote',
    )
  })

  it('reports fields it does not know instead of dropping them silently', () => {
    const doc = { ...validExport(), signature: 'abc' }
    doc.tasks[0]!.colour = 'red'
    const file = parseExportFile(doc, 'newer.json')
    expect(file.unmapped).toEqual([
      {
        item: 'newer.json',
        field: 'signature',
        value: 'abc',
        reason: 'not a field of export version 1; left out',
      },
      expect.objectContaining({ item: doc.tasks[0]!.id, field: 'colour', value: 'red' }),
    ])
    const { engine } = makeEngine()
    expect(importExportFile(engine, file).unmapped).toHaveLength(2)
  })

  it('refuses an id twice in the file; breaks a dependency cycle and a parent loop, reporting them', () => {
    const { engine } = makeEngine()
    const twice = validExport()
    twice.tasks[1]!.id = twice.tasks[0]!.id
    twice.tasks[1]!.depends_on = []
    expect(
      expectTaskError(() => importExportFile(engine, parseExportFile(twice, 'x.json')), 'BadImport')
        .message,
    ).toContain(`task ${twice.tasks[0]!.id} appears twice in the file`)
    expect(engine.list({})).toEqual([])

    const loop = validExport()
    const [a, b] = loop.tasks as { id: string; depends_on: string[]; parent_id: string | null }[]
    a!.depends_on = [b!.id]
    b!.depends_on = [a!.id]
    a!.parent_id = b!.id
    b!.parent_id = a!.id
    const report = importExportFile(engine, parseExportFile(loop, 'loop.json'))
    expect(report.imported).toBe(2)
    expect(report.unmapped.map((u) => [u.field, u.reason.split(' (')[0]])).toEqual(
      expect.arrayContaining([
        ['depends_on', 'dependency would close a cycle'],
        ['parent_id', 'parent link would close a cycle'],
      ]),
    )
  })

  it('reads no file over the size cap', () => {
    const dir = tempDir('tm-export-evil-')
    const big = join(dir, 'big.json')
    writeFileSync(big, '{"format": "task-orchestrator-export"}')
    truncateSync(big, 129 * 2 ** 20)
    const err = expectTaskError(
      () => readImportSource(big, 'task-orchestrator-export'),
      'BadImport',
    )
    expect(err.message).toContain('128 MiB')
  })
})
