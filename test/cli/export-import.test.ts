/**
 * `tm export --format json` then `tm import` of that file, as a user runs
 * them: on the demo's database (983 tasks, completed through criteria, one
 * agent killed mid-task), the import into a fresh `tm init` database lands
 * every task as it was, so exporting it again gives the same document — only
 * `exported_at` differs, being the time of each export.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { tempDir } from '../helpers.js'

const TM = resolve('build/tm.cjs')
const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function tm(dir: string, args: string[]) {
  const { TM_DB: _db, TM_AGENT: _agent, ...env } = process.env
  const r = spawnSync(process.execPath, [TM, ...args], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: 90_000,
    maxBuffer: 64 * 2 ** 20,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function exportOf(path: string): Record<string, unknown> {
  const { exported_at, ...rest } = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  expect(exported_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/))
  return rest
}

it('the demo database exported, imported into a fresh database and exported again gives the same document', () => {
  const dir = tempDir('tm-export-import-')
  dirs.push(dir)
  const demo = tm(dir, ['demo', '--agents', '4', '--db', 'demo.db'])
  expect(demo.code, demo.stderr).toBe(0)
  // Feedback too (the demo gives none).
  const first = JSON.parse(
    tm(dir, ['--db', 'demo.db', '--json', 'list', '--status', 'completed']).stdout,
  ).tasks[0] as { id: string }
  expect(
    tm(dir, ['--db', 'demo.db', 'feedback', first.id, '--quality', '4', '--timeliness', '5']).code,
  ).toBe(0)

  expect(tm(dir, ['--db', 'demo.db', 'export', '--format', 'json', '--out', 'one.json']).code).toBe(
    0,
  )
  expect(tm(dir, ['--db', 'copy.db', 'init']).code).toBe(0)
  const imported = tm(dir, ['--db', 'copy.db', '--json', 'import', 'one.json'])
  expect(imported.code, imported.stderr).toBe(0)
  const report = JSON.parse(imported.stdout).report
  expect(report).toMatchObject({
    format: 'task-orchestrator-export',
    imported: 983,
    skipped: 0,
    unmapped: [],
  })
  expect(tm(dir, ['--db', 'copy.db', 'export', '--format', 'json', '--out', 'two.json']).code).toBe(
    0,
  )
  const one = exportOf(join(dir, 'one.json'))
  expect(exportOf(join(dir, 'two.json'))).toEqual(one)
  const tasks = one.tasks as { status: string; completion_summary: string | null }[]
  expect(tasks.filter((t) => t.status === 'completed').length).toBeGreaterThan(600)

  // Again into the same database: nothing changes.
  const again = tm(dir, ['--db', 'copy.db', 'import', 'one.json'])
  expect(again.stdout).toContain(
    'Imported 0 tasks from task-orchestrator-export (983 already present, skipped)',
  )
}, 150_000)

it('refuses an import whose ids are here with other content, naming them, and writes nothing', () => {
  const dir = tempDir('tm-export-import-')
  dirs.push(dir)
  expect(tm(dir, ['--db', 'a.db', 'init']).code).toBe(0)
  const id = JSON.parse(tm(dir, ['--db', 'a.db', '--json', 'add', 'Write the guide']).stdout).task
    .id
  tm(dir, ['--db', 'a.db', 'add', 'Second'])
  expect(tm(dir, ['--db', 'a.db', 'export', '--format', 'json', '--out', 'a.json']).code).toBe(0)
  expect(tm(dir, ['--db', 'a.db', 'update', id, '--priority', 'critical']).code).toBe(0)
  const before = readFileSync(join(dir, 'a.db'))

  const r = tm(dir, ['--db', 'a.db', '--json', 'import', 'a.json'])
  expect(r.code).toBe(4)
  const error = JSON.parse(r.stdout).error
  expect(error).toMatchObject({ code: 'Duplicate', details: { conflicts: [{ task: id }] } })
  expect(error.message).toContain(`${id} (priority, updated_at)`)
  expect(error.message).toContain('Nothing was imported')
  expect(readFileSync(join(dir, 'a.db')).equals(before)).toBe(true)
})
