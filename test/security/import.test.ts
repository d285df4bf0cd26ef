/**
 * `tm import` against hostile sources (issue 14, "Import" and the wrong-typed
 * beads fields of "Messages"): parent links that loop, long dependency and
 * parent chains (the cycle check must be linear and iterative), symbolic
 * links, FIFOs and devices, files over the size caps, a v2.3 database whose
 * table and column names carry quotes or whose columns are computed on read,
 * and fields of the wrong type. Every case either imports what can be
 * imported and reports the rest, or refuses the whole import with a message
 * naming the file and what to do — never hangs, never reads without bound.
 */
import { spawnSync } from 'node:child_process'
import {
  closeSync,
  cpSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { writeImport } from '../../src/core/import/apply.js'
import { readImportPlan } from '../../src/core/import/detect.js'
import type { Unmapped } from '../../src/core/import/plan.js'
import { prepareImport } from '../../src/core/import/prepare.js'
import { IMPORT_LIMITS } from '../../src/core/import/source-file.js'
import { parseTaskMaster } from '../../src/core/import/taskmaster.js'
import { parseV23 } from '../../src/core/import/v23.js'
import { expectTaskError, makeEngine, tempDir } from '../helpers.js'

const V23 = fileURLToPath(new URL('../fixtures/task-orchestrator-v2.3', import.meta.url))
let dir: string

beforeEach(() => {
  dir = tempDir('tm-import-security-')
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** One beads issue line. */
function issue(id: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ id, title: `Task ${id}`, status: 'open', priority: 2, ...fields })
}
const parentOf = (id: string, parent: string) => ({
  issue_id: id,
  depends_on_id: parent,
  type: 'parent-child',
})
const blockedBy = (id: string, dep: string) => ({
  issue_id: id,
  depends_on_id: dep,
  type: 'blocks',
})

function writeBeads(lines: string[]): string {
  const path = join(dir, 'issues.jsonl')
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}

/** A writable copy of the v2.3 fixture directory. */
function copyV23(): string {
  const target = join(dir, 'v23')
  cpSync(V23, target, { recursive: true })
  return target
}

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path])
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`)
}

/** Parent of every task in the store, by id. */
function parents(engine: Engine): Map<string, string | null> {
  const rows = engine.store.all<{ id: string; parent_id: string | null }>(
    'SELECT id, parent_id FROM tasks',
  )
  return new Map(rows.map((r) => [r.id, r.parent_id]))
}

describe('parent-child cycles', () => {
  it('drops the parent link that closes a loop and reports the loop', () => {
    const { engine } = makeEngine()
    const path = writeBeads([
      issue('bd-a', { dependencies: [parentOf('bd-a', 'bd-c')] }),
      issue('bd-b', { dependencies: [parentOf('bd-b', 'bd-a')] }),
      issue('bd-c', { dependencies: [parentOf('bd-c', 'bd-b')] }),
      issue('bd-d', { dependencies: [parentOf('bd-d', 'bd-d')] }),
      issue('bd-e', { dependencies: [parentOf('bd-e', 'bd-a')] }),
    ])
    const report = engine.import(readImportPlan(path))
    const of = parents(engine)
    // Walking up from any task ends: no task is its own ancestor.
    for (const start of of.keys()) {
      const seen = new Set<string>()
      for (let at: string | null | undefined = start; at; at = of.get(at)) {
        expect(seen.has(at)).toBe(false)
        seen.add(at)
      }
    }
    // Walking up from bd-a (the first in the file): bd-a → bd-c → bd-b → bd-a, so
    // bd-b's link is the one that closes the loop; a→c, c→b and e→a are kept.
    expect(report.parents).toBe(3)
    const loop = report.unmapped.filter((u) => /cycle/.test(u.reason))
    expect(loop).toHaveLength(1)
    expect(loop[0]).toMatchObject({ item: 'bd-b', field: 'parent', value: 'bd-a' })
    expect(loop[0]!.reason).toContain('bd-b → bd-a → bd-c → bd-b')
    // The self-parent is reported by the parser.
    expect(report.unmapped.some((u) => u.item === 'bd-d' && /itself/.test(u.reason))).toBe(true)
  })

  it('imports a 100,000-task parent chain and a 100,000-task dependency chain', () => {
    const n = 100_000
    const lines: string[] = []
    for (let i = 0; i < n; i++) {
      const deps =
        i === 0 ? [] : [blockedBy(`c-${i}`, `c-${i - 1}`), parentOf(`c-${i}`, `c-${i - 1}`)]
      // The last task closes both chains into a loop back to the first.
      if (i === 0) deps.push(blockedBy('c-0', `c-${n - 1}`), parentOf('c-0', `c-${n - 1}`))
      lines.push(issue(`c-${i}`, { dependencies: deps }))
    }
    const { engine } = makeEngine()
    const report = engine.import(readImportPlan(writeBeads(lines)))
    expect(report.imported).toBe(n)
    expect(report.dependencies).toBe(n - 1)
    expect(report.parents).toBe(n - 1)
    const cycles = report.unmapped.filter((u) => /cycle/.test(u.reason))
    expect(cycles.map((u) => u.field).sort()).toEqual(['dependsOn', 'parent'])
    // The message names the loop without listing 100,000 ids.
    for (const c of cycles) {
      expect(c.reason.length).toBeLessThan(400)
      expect(c.reason).toContain(`${n} tasks`)
    }
  }, 60_000)
})

describe('files that are not regular files', () => {
  it('refuses a v2.3 file that is a symbolic link to /dev/zero, without reading it', () => {
    const data = copyV23()
    // Named as the context file of a real task, so an importer would read it.
    const id = parseV23(data).tasks[0]!.sourceId
    symlinkSync('/dev/zero', join(data, 'contexts', `${id}.yaml`))
    const err = expectTaskError(() => parseV23(data), 'BadImport')
    expect(err.message).toContain(`contexts/${id}.yaml`)
    expect(err.message).toContain('symbolic link')
  })

  it('refuses a v2.3 note that links to a file outside the data directory', () => {
    const data = copyV23()
    const secret = join(dir, 'secret.txt')
    writeFileSync(secret, 'private key material\n')
    const id = parseV23(data).tasks[0]!.sourceId
    symlinkSync(secret, join(data, 'notes', `notes_${id}_mallory.md`))
    const err = expectTaskError(() => parseV23(data), 'BadImport')
    expect(err.message).toContain(`notes/notes_${id}_mallory.md`)
    expect(err.message).toContain('symbolic link')
  })

  it('refuses a tasks.db that is a symbolic link inside the data directory', () => {
    const data = join(dir, 'linked')
    mkdirSync(data)
    symlinkSync(join(V23, 'tasks.db'), join(data, 'tasks.db'))
    const err = expectTaskError(() => parseV23(data), 'BadImport')
    expect(err.message).toContain('symbolic link')
  })

  it('refuses a FIFO in a v2.3 directory and as the file to import, without blocking', () => {
    const data = copyV23()
    mkfifo(join(data, 'contexts', 'pipe_progress.jsonl'))
    const err = expectTaskError(() => parseV23(data), 'BadImport')
    expect(err.message).toContain('contexts/pipe_progress.jsonl')
    expect(err.message).toContain('FIFO')

    const fifo = join(dir, 'issues.jsonl')
    mkfifo(fifo)
    const top = expectTaskError(() => readImportPlan(fifo), 'BadImport')
    expect(top.message).toContain('FIFO')
    expect(top.message).toContain('regular file')
  })

  it('refuses a device given as the file to import', () => {
    const err = expectTaskError(() => readImportPlan('/dev/zero', 'beads'), 'BadImport')
    expect(err.message).toContain('/dev/zero')
    expect(err.message).toContain('device')
  })
})

describe('size caps', () => {
  it('refuses a beads file over the cap, naming the limit', () => {
    const path = join(dir, 'issues.jsonl')
    closeSync(openSync(path, 'w'))
    truncateSync(path, IMPORT_LIMITS.sourceFileBytes + 1) // sparse: no disk used
    const err = expectTaskError(() => readImportPlan(path), 'BadImport')
    expect(err.message).toContain(`${IMPORT_LIMITS.sourceFileBytes / 2 ** 20} MiB`)
    expect(err.details).toMatchObject({ limit: IMPORT_LIMITS.sourceFileBytes })
  })

  it('refuses a v2.3 tasks.db or context file over its cap, naming the limit', () => {
    const data = copyV23()
    const id = parseV23(data).tasks[0]!.sourceId
    const yaml = join(data, 'contexts', `${id}.yaml`)
    closeSync(openSync(yaml, 'w'))
    truncateSync(yaml, IMPORT_LIMITS.v23FileBytes + 1)
    const file = expectTaskError(() => parseV23(data), 'BadImport')
    expect(file.message).toContain(`contexts/${id}.yaml`)
    expect(file.message).toContain(`${IMPORT_LIMITS.v23FileBytes / 2 ** 20} MiB`)
    rmSync(yaml)

    truncateSync(join(data, 'tasks.db'), IMPORT_LIMITS.v23DatabaseBytes + 1)
    const db = expectTaskError(() => parseV23(data), 'BadImport')
    expect(db.message).toContain('tasks.db')
    expect(db.message).toContain(`${IMPORT_LIMITS.v23DatabaseBytes / 2 ** 20} MiB`)
  })
})

describe('a v2.3 database with hostile names', () => {
  function hostileDb(): string {
    const data = join(dir, 'hostile')
    mkdirSync(data)
    const db = new Database(join(data, 'tasks.db'))
    db.exec(`
      CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT, status TEXT, priority TEXT,
        "no""te" TEXT,
        "huge" TEXT GENERATED ALWAYS AS (zeroblob(200000000)) VIRTUAL);
      INSERT INTO tasks (id, title, status, priority, "no""te")
        VALUES ('aaaaaaaa', 'First', 'pending', 'high', 'kept in the report');
      CREATE TABLE "we""ird" (x);
      INSERT INTO "we""ird" VALUES (1), (2);
      CREATE TABLE "x"" UNION SELECT zeroblob(200000000) --" (y);
    `)
    db.close()
    return data
  }

  it('reads tables and columns whose names carry quotes, and reports them', () => {
    const plan = parseV23(hostileDb())
    expect(plan.tasks.map((t) => t.sourceId)).toEqual(['aaaaaaaa'])
    const of = (field: string) => plan.unmapped.find((u) => u.field === field)
    expect(of('table we"ird')).toMatchObject({ value: '2 rows' })
    expect(of('table x" UNION SELECT zeroblob(200000000) --')).toMatchObject({ value: '0 rows' })
    expect(of('no"te')).toMatchObject({ item: 'aaaaaaaa', value: 'kept in the report' })
  })

  it('does not compute a column generated on read, and reports it', () => {
    const plan = parseV23(hostileDb())
    const huge = plan.unmapped.find((u) => u.field === 'huge')
    expect(huge).toBeDefined()
    expect(huge!.reason).toContain('computed')
    expect(JSON.stringify(plan).length).toBeLessThan(100_000)
  })
})

describe('fields of the wrong type are reported, not dropped', () => {
  const field = (unmapped: Unmapped[], item: string, name: string) =>
    unmapped.find((u) => u.item === item && u.field === name)

  it('beads: names the line, the field and the type expected', () => {
    const path = writeBeads([
      issue('bd-1'),
      '',
      issue('bd-2', {
        title: 42,
        priority: 'high',
        dependencies: 'bd-1',
        description: { text: 'nested' },
        assignee: 7,
        acceptance_criteria: ['a list, not text'],
        created_at: 1700000000,
        issue_type: 3,
      }),
    ])
    const { engine } = makeEngine()
    const report = engine.import(readImportPlan(path))
    const u = report.unmapped
    const title = field(u, 'bd-2', 'title')!
    expect(title).toMatchObject({ line: 3, value: 42 })
    expect(title.reason).toContain('expected a string')
    expect(engine.show(report.ids['bd-2']!).title).toBe('42')
    for (const [name, expected] of [
      ['priority', 'expected a number'],
      ['dependencies', 'expected a list'],
      ['description', 'expected a string'],
      ['assignee', 'expected a string'],
      ['acceptance_criteria', 'expected a string'],
      ['created_at', 'expected a string'],
      ['issue_type', 'expected a string'],
    ] as const) {
      const entry = field(u, 'bd-2', name)
      expect(entry, name).toBeDefined()
      expect(entry!.line, name).toBe(3)
      expect(entry!.reason, name).toContain(expected)
    }
    expect(u.filter((e) => e.item === 'bd-1')).toEqual([])
  })

  it('task-master: names the task, the field and the type expected', () => {
    const plan = parseTaskMaster(
      JSON.stringify({
        master: {
          tasks: [
            {
              id: 1,
              title: 7,
              description: ['not', 'text'],
              details: 3,
              testStrategy: { x: 1 },
              status: 'pending',
              priority: 'high',
              dependencies: [],
              createdAt: 12,
              subtasks: [{ id: 1, title: 'Sub', description: false }],
            },
          ],
        },
      }),
      'tasks.json',
    )
    expect(plan.tasks.map((t) => t.title)).toEqual(['7', 'Sub'])
    for (const [item, name] of [
      ['master:1', 'title'],
      ['master:1', 'description'],
      ['master:1', 'details'],
      ['master:1', 'testStrategy'],
      ['master:1', 'createdAt'],
      ['master:1.1', 'description'],
    ] as const) {
      const entry = field(plan.unmapped, item, name)
      expect(entry, `${item} ${name}`).toBeDefined()
      expect(entry!.reason, `${item} ${name}`).toMatch(/expected (a string|text)/)
    }
  })
})

describe('planning happens before the write transaction', () => {
  it('re-plans when another connection imported in between, and imports nothing twice', () => {
    const db = join(dir, 'tm.db')
    const first = new Engine(openStore(db))
    const second = new Engine(openStore(db))
    const path = writeBeads([
      issue('bd-1'),
      issue('bd-2', { dependencies: [blockedBy('bd-2', 'bd-1')] }),
    ])
    const plan = readImportPlan(path)
    const prepared = first.read((ctx) => prepareImport(ctx, plan))
    expect(prepared.fresh).toHaveLength(2)
    expect(second.import(plan).imported).toBe(2)
    const report = first.write((ctx) => writeImport(ctx, prepared, null))
    expect(report).toMatchObject({ imported: 0, skipped: 2, dependencies: 0 })
    expect(first.store.get<{ n: number }>('SELECT count(*) AS n FROM tasks')!.n).toBe(2)
    first.store.close()
    second.store.close()
  })
})
