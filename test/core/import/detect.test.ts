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
      [join(dir, 'plan.json'), 'JSON without a "tasks" list, so not a task-master tasks.json'],
      [join(dir, 'notes.md'), 'neither JSON nor JSON Lines'],
      [join(dir, 'missing.json'), 'no such file or directory'],
    ]
    for (const [path, why] of cases) {
      const err = expectTaskError(() => detectFormat(path), 'BadImport')
      expect(err.message).toContain(`${path}: ${why}`)
      expect(err.message).toContain('supported formats: beads')
      expect(err.message).toContain('taskmaster')
      expect(err.message).toContain('task-orchestrator-v2.3')
      expect(err.details.formats).toEqual([...IMPORT_FORMATS])
    }
  })
})

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
