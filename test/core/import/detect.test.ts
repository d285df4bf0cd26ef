import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { detectFormat, IMPORT_FORMATS, readImportPlan } from '../../../src/core/import/detect.js'
import { expectTaskError, tempDir } from '../../helpers.js'

const fixture = (path: string) => fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url))
const BEADS = fixture('plans/beads-issues.jsonl')
const TASKMASTER = fixture('plans/taskmaster-tasks.json')
const V23 = fixture('task-orchestrator-v2.3')

describe('detectFormat', () => {
  it('recognises the three real samples', () => {
    expect(detectFormat(BEADS)).toBe('beads')
    expect(detectFormat(TASKMASTER)).toBe('taskmaster')
    expect(detectFormat(V23)).toBe('task-orchestrator-v2.3')
    expect(detectFormat(join(V23, 'tasks.db'))).toBe('task-orchestrator-v2.3')
  })

  it('recognises legacy task-master JSON and beads JSON Lines without the .jsonl name', () => {
    const dir = tempDir('tm-detect-')
    writeFileSync(join(dir, 'tasks.json'), '{"tasks": []}')
    expect(detectFormat(join(dir, 'tasks.json'))).toBe('taskmaster')
    writeFileSync(join(dir, 'issues.txt'), '{"id":"a-1","title":"A"}\n{"id":"a-2","title":"B"}\n')
    expect(detectFormat(join(dir, 'issues.txt'))).toBe('beads')
  })

  it('refuses what it does not know, listing the supported formats', () => {
    const dir = tempDir('tm-detect-')
    writeFileSync(join(dir, 'plan.json'), '{"issues": [{"id": 1}]}')
    writeFileSync(join(dir, 'notes.md'), '# not a plan\n')
    const cases: [string, string][] = [
      [dir, 'directory without tasks.db'],
      [join(dir, 'plan.json'), 'JSON without a "tasks" list, at the top or under a tag'],
      [join(dir, 'notes.md'), 'neither JSON nor JSON Lines of beads issues'],
      [join(dir, 'missing.json'), 'no such file or directory'],
    ]
    for (const [path, why] of cases) {
      const err = expectTaskError(() => detectFormat(path), 'BadImport')
      expect(err.message).toContain(`${path}: ${why}`)
      expectHowEachIsRecognised(err.message)
      expect(err.details.formats).toEqual([...IMPORT_FORMATS])
    }
  })

  it('recognises a tm export by its "format", which task-master detection used to take', () => {
    const dir = tempDir('tm-detect-')
    const path = join(dir, 'export.json')
    writeFileSync(
      path,
      JSON.stringify({
        format: 'task-orchestrator-export',
        version: 1,
        exported_at: '2026-03-01T09:00:00.000Z',
        tasks: [{ id: 'a1b2c3d4', title: 'Done', status: 'completed', depends_on: [] }],
      }),
    )
    expect(detectFormat(path)).toBe('task-orchestrator-export')
  })

  it('refuses JSON and JSON Lines of no known shape rather than guessing, saying how each format is recognised', () => {
    const dir = tempDir('tm-detect-')
    const cases: [string, string, string][] = [
      ['empty.json', '{}', 'JSON without a "tasks" list, at the top or under a tag'],
      ['list.json', '[]', 'JSON list, not an object with a "tasks" list'],
      [
        'names.json',
        '{"tasks": [{"name": "not a task-master task"}]}',
        'JSON with a "tasks" list whose entry tasks[0] is not a task-master task',
      ],
      [
        'ours-without-format.json',
        '{"tasks": [{"id": "a1b2c3d4", "title": "x", "status": "completed"}]}',
        'JSON with a "tasks" list whose entry tasks[0] is not a task-master task (an object with a numeric "id" and a "title")',
      ],
      [
        'tagged.json',
        '{"master": {"tasks": [{"id": 1, "title": "ok"}, 7]}}',
        'JSON with a "tasks" list whose entry master.tasks[1] is not a task-master task',
      ],
      [
        'other.json',
        '{"format": "jira-export", "tasks": []}',
        'JSON declaring "format": "jira-export"',
      ],
      [
        'random.jsonl',
        '{"a": 1}\n{"b": 2}\n',
        'JSON Lines whose first record is not a beads issue',
      ],
      ['numbers.jsonl', '1\n2\n', 'JSON Lines whose first record is not a beads issue'],
      ['blank.jsonl', '\n\n', 'empty file'],
    ]
    for (const [name, text, why] of cases) {
      const path = join(dir, name)
      writeFileSync(path, text)
      const err = expectTaskError(() => detectFormat(path), 'BadImport')
      expect(err.message).toContain(`${path}: ${why}`)
      expectHowEachIsRecognised(err.message)
      // Reading it (as tm import does) refuses the same way: nothing is guessed.
      expect(expectTaskError(() => readImportPlan(path), 'BadImport').message).toBe(err.message)
    }
  })
})

/** Every refusal names the formats tm reads and how each is recognised. */
function expectHowEachIsRecognised(message: string): void {
  expect(message).toContain('tm import reads:')
  expect(message).toContain(
    'task-orchestrator-export (a `tm export --format json` file: JSON whose "format" is "task-orchestrator-export")',
  )
  expect(message).toContain(
    'beads (JSON Lines, one issue per line, the first an object with a string "id" and a "title")',
  )
  expect(message).toContain('taskmaster (a task-master tasks.json: JSON with a "tasks" list')
  expect(message).toContain(
    'task-orchestrator-v2.3 (a Task Orchestrator v2.3 data directory holding tasks.db',
  )
  expect(message).toContain('name it with --format')
}

describe('readImportPlan', () => {
  it('reads each sample with the right parser', () => {
    expect(readImportPlan(BEADS).tasks).toHaveLength(983)
    expect(readImportPlan(TASKMASTER).tasks).toHaveLength(1096)
    expect(readImportPlan(V23).tasks).toHaveLength(5)
    expect(readImportPlan(join(V23, 'tasks.db')).tasks).toHaveLength(5)
  })

  it('uses a format given by name, and refuses an unknown one', () => {
    expect(readImportPlan(TASKMASTER, 'taskmaster').format).toBe('taskmaster')
    const wrong = expectTaskError(() => readImportPlan(TASKMASTER, 'beads'), 'BadImport')
    expect(wrong.message).toMatch(/taskmaster-tasks\.json:1: not valid JSON/)
    const unknown = expectTaskError(() => readImportPlan(BEADS, 'jira'), 'BadImport')
    expect(unknown.message).toContain('unknown import format "jira"')
  })

  it('refuses a directory without tasks.db', () => {
    const dir = tempDir('tm-detect-')
    expect(expectTaskError(() => readImportPlan(dir), 'BadImport').message).toContain(
      'directory without tasks.db',
    )
    expect(
      expectTaskError(() => readImportPlan(dir, 'task-orchestrator-v2.3'), 'BadImport').message,
    ).toContain('has no tasks.db')
  })
})
