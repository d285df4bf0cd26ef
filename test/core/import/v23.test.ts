import { appendFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import type { ImportPlan } from '../../../src/core/import/plan.js'
import { parseV23, V23_BLOCKED_REASON } from '../../../src/core/import/v23.js'
import { expectTaskError, tempDir } from '../../helpers.js'

const DIR = fileURLToPath(new URL('../../fixtures/task-orchestrator-v2.3', import.meta.url))

type Row = Record<string, unknown>
// The raw database, read without the parser.
const raw = new Database(join(DIR, 'tasks.db'), { readonly: true, fileMustExist: true })
const RAW_TASKS = raw.prepare('SELECT * FROM tasks ORDER BY rowid').all() as Row[]
const RAW_DEPS = raw.prepare('SELECT * FROM dependencies').all() as Row[]
const RAW_PARTICIPANTS = raw.prepare('SELECT * FROM participants').all() as Row[]
const RAW_NOTIFICATIONS = raw.prepare('SELECT * FROM notifications').all() as Row[]
raw.close()

const plan: ImportPlan = parseV23(DIR)
const byId = new Map(plan.tasks.map((t) => [t.sourceId, t]))

/** A writable copy of the fixture directory. */
function copyFixture(): string {
  const dir = join(tempDir('tm-v23-'), 'data')
  cpSync(DIR, dir, { recursive: true })
  return dir
}

describe('parseV23 on a directory written by Task Orchestrator v2.3.0', () => {
  it('imports every task with its local id, status and dependencies', () => {
    expect(plan.format).toBe('task-orchestrator-v2.3')
    expect(plan.sourcePrefix).toBe('task-orchestrator-v2.3')
    expect(plan.tasks).toHaveLength(5)
    expect(plan.tasks.map((t) => t.sourceId)).toEqual(RAW_TASKS.map((r) => r.id))
    expect(plan.tasks.map((t) => t.localId)).toEqual(RAW_TASKS.map((r) => r.id))
    expect(plan.tasks.map((t) => t.status)).toEqual(RAW_TASKS.map((r) => r.status))
    expect(plan.tasks.map((t) => t.status)).toEqual([
      'completed',
      'pending',
      'blocked',
      'blocked',
      'pending',
    ])
    // v2.3 wrote NULL priorities: all become medium.
    expect(RAW_TASKS.every((r) => r.priority === null)).toBe(true)
    expect(plan.tasks.every((t) => t.priority === 'medium')).toBe(true)
    expect(RAW_DEPS).toHaveLength(3)
    for (const dep of RAW_DEPS) {
      expect(byId.get(dep.task_id as string)?.dependsOn).toContain(dep.depends_on)
    }
    expect(plan.tasks.reduce((n, t) => n + t.dependsOn.length, 0)).toBe(3)
    expect(plan.tasks.every((t) => t.parentSourceId === undefined)).toBe(true)
    // Blocked by dependencies, not by hand: no reason.
    expect(byId.get('ea12c0ed')?.blocked_reason).toBeUndefined()
  })

  it('keeps completion, feedback, hours, deadline, criteria and the assignee role', () => {
    expect(byId.get('c34304ed')).toEqual({
      sourceId: 'c34304ed',
      localId: 'c34304ed',
      title: 'Design database schema',
      description: '',
      status: 'completed',
      priority: 'medium',
      persona: 'backend_dev',
      assignee: 'backend_dev',
      dependsOn: [],
      success_criteria: [{ criterion: 'Schema reviewed', measurable: 'true' }],
      created_at: '2026-11-20T23:55:12.740992',
      updated_at: '2026-11-20T23:55:13.749457',
      completed_at: '2026-11-20T23:55:13.887572',
      completion_summary: 'Schema done with indexes',
      feedback_quality: 5,
      feedback_timeliness: 4,
      estimated_hours: 4,
      actual_hours: 3.5,
    })
    expect(byId.get('ea12c0ed')?.success_criteria).toEqual([
      { criterion: 'All tests pass', measurable: 'test_suite.exit_code == 0' },
    ])
    expect(byId.get('82b8775a')?.deadline).toBe('2025-12-01T00:00:00Z')
  })

  it('reads participants, shared context, notes and progress from the files', () => {
    expect(RAW_PARTICIPANTS).toHaveLength(0)
    expect(plan.participants).toEqual([
      { taskSourceId: '82b8775a', agent: 'planner', joined_at: '2026-11-20T23:55:14.171959' },
    ])
    expect(plan.context).toEqual([
      {
        taskSourceId: '82b8775a',
        key: 'update.1',
        value: 'API base is /api/v1',
        author: 'planner',
        at: '2026-11-20T23:55:14.309012',
      },
    ])
    expect(plan.notes).toEqual([
      {
        taskSourceId: '82b8775a',
        agent: 'planner',
        text: 'consider rate limits',
        at: '2026-11-20T23:55:14.444250',
      },
    ])
    expect(plan.progress).toEqual([
      {
        taskSourceId: 'c34304ed',
        agent: 'planner',
        message: 'schema drafted',
        at: '2026-11-20T23:55:13.749242',
      },
    ])
  })

  it('reports what it could not map, with a reason for each', () => {
    expect(plan.unmapped.map((u) => `${u.item} ${u.field}`).sort()).toEqual(
      [
        ...RAW_TASKS.map((r) => `${r.id} priority`),
        'c34304ed assignee',
        'c34304ed success_criteria[0].measurable',
        ...RAW_NOTIFICATIONS.map((n) => `${n.task_id} notifications`),
        'archives/task_c34304ed_20261120_235513.tar.gz file',
        'telemetry/events_20261120.jsonl file',
      ].sort(),
    )
    expect(plan.unmapped).toHaveLength(10)
    const reason = (field: string) => plan.unmapped.find((u) => u.field === field)?.reason
    expect(reason('priority')).toBe('no priority (NULL in v2.3); imported as medium')
    expect(reason('assignee')).toContain("set as persona 'backend_dev'")
    expect(reason('success_criteria[0].measurable')).toContain('always holds')
    expect(reason('notifications')).toContain('not imported')
    const files = plan.unmapped.filter((u) => u.field === 'file')
    expect(files[0]?.reason).toContain('archived context of task c34304ed')
    expect(files[1]).toMatchObject({
      value: '6 events',
      reason: 'v2.3 usage telemetry is not imported',
    })
  })
})

describe('parseV23 on richer and broken directories', () => {
  it('reads discoveries, sync points, multi-line updates, other agents and odd criteria', () => {
    const dir = copyFixture()
    const db = new Database(join(dir, 'tasks.db'))
    db.prepare(
      'UPDATE tasks SET success_criteria = ?, priority = ?, assignee = ? WHERE id = ?',
    ).run(
      JSON.stringify([
        { criterion: 'Docs reviewed', measurable: 'false' },
        { criterion: 'Coverage', measurable: 'coverage.lines >= 80' },
        { criterion: '', measurable: '' },
      ]),
      'high',
      'Tech Writer',
      '1a905f8e',
    )
    db.prepare("UPDATE tasks SET status = 'blocked' WHERE id = '1a905f8e'").run()
    db.prepare("UPDATE tasks SET success_criteria = '{oops' WHERE id = '82b8775a'").run()
    db.prepare("INSERT INTO dependencies VALUES ('c8218d43', 'ffffffff')").run()
    db.prepare(
      "INSERT INTO participants VALUES ('82b8775a', 'planner', '2026-11-20T23:00:00')",
    ).run()
    db.close()
    appendFileSync(
      join(dir, 'contexts/shared_82b8775a.md'),
      [
        '',
        '[2026-11-20T23:55:10] Agent reviewer joined task',
        '',
        '**🔍 DISCOVERY [2026-11-20T23:56:00] reviewer: rate limit is 10/s**',
        '',
        '[2026-11-20T23:55:30] reviewer: two lines',
        'of update',
        '',
        '============================================================',
        '🔄 SYNC POINT [2026-11-20T23:57:00]',
        'Agent: planner',
        'Message: API frozen',
        '============================================================',
        '',
      ].join('\n'),
    )
    writeFileSync(
      join(dir, 'contexts/context_82b8775a_reviewer.md'),
      '# Task Context: 82b8775a\nAgent: reviewer\nJoined: 2026-11-20T23:55:20\n\n---\n\n' +
        '\n### Update [2026-11-20T23:55:30]\n**Type**: Shared Update\n**Message**: two lines\nof update\n\n' +
        '\n### Update [2026-11-20T23:58:00]\n**Type**: Shared Update\n**Message**: only here\n\n',
    )
    writeFileSync(
      join(dir, 'notes/notes_82b8775a_reviewer.md'),
      '\n### Note [2026-11-20T23:55:40]\nfirst\n\n\n### Note [2026-11-20T23:55:50]\nsecond\nline\n\n',
    )
    writeFileSync(
      join(dir, 'contexts/1a905f8e.yaml'),
      'task_id: 1a905f8e\ntitle: Docs\napi_base: /api/v1\ncontributions:\n' +
        '- agent: writer\n  timestamp: "2026-11-21T00:00:00"\n  type: discovery\n  content: style guide exists\n',
    )
    writeFileSync(join(dir, 'contexts/deadbeef.yaml'), 'task_id: deadbeef\n')
    mkdirSync(join(dir, 'logs'))
    writeFileSync(join(dir, 'logs/error.log'), 'boom\n')

    const p = parseV23(dir)
    const docs = p.tasks.find((t) => t.sourceId === '1a905f8e')
    expect(docs).toMatchObject({
      priority: 'high',
      assignee: 'Tech Writer',
      status: 'blocked',
      blocked_reason: V23_BLOCKED_REASON,
      success_criteria: [
        { criterion: 'Docs reviewed' },
        { criterion: 'Coverage', measurable: 'coverage.lines >= 80' },
      ],
    })
    expect(docs?.persona).toBeUndefined()
    expect(p.tasks.find((t) => t.sourceId === 'c8218d43')?.dependsOn).toEqual(['82b8775a'])

    expect(p.participants).toEqual([
      { taskSourceId: '82b8775a', agent: 'planner', joined_at: '2026-11-20T23:00:00' },
      { taskSourceId: '82b8775a', agent: 'reviewer', joined_at: '2026-11-20T23:55:10' },
    ])
    expect(p.context.map((c) => [c.taskSourceId, c.key, c.value, c.author, c.at])).toEqual([
      ['82b8775a', 'update.1', 'API base is /api/v1', 'planner', '2026-11-20T23:55:14.309012'],
      ['82b8775a', 'update.2', 'two lines\nof update', 'reviewer', '2026-11-20T23:55:30'],
      ['82b8775a', 'discovery.1', 'rate limit is 10/s', 'reviewer', '2026-11-20T23:56:00'],
      ['82b8775a', 'sync.1', 'API frozen', 'planner', '2026-11-20T23:57:00'],
      ['82b8775a', 'update.3', 'only here', 'reviewer', '2026-11-20T23:58:00'],
      ['1a905f8e', 'discovery.1', 'style guide exists', 'writer', '2026-11-21T00:00:00'],
      ['1a905f8e', 'api_base', '/api/v1', undefined, undefined],
    ])
    expect(p.notes.filter((n) => n.agent === 'reviewer').map((n) => [n.text, n.at])).toEqual([
      ['first', '2026-11-20T23:55:40'],
      ['second\nline', '2026-11-20T23:55:50'],
    ])

    const extra = p.unmapped.filter(
      (u) => !plan.unmapped.some((o) => o.item === u.item && o.field === u.field),
    )
    expect(extra.map((u) => [u.item, u.field, u.reason])).toEqual([
      ['82b8775a', 'success_criteria', 'not valid JSON; no criteria imported'],
      [
        '1a905f8e',
        'assignee',
        'v2.3 assigned tasks to agent roles: kept as assignee; not a valid persona name, so no persona set',
      ],
      [
        '1a905f8e',
        'success_criteria[0].measurable',
        'v2.3 flag "false" (not measurable): imported as a manual criterion without an expression',
      ],
      ['1a905f8e', 'success_criteria[2]', 'criterion has neither text nor expression; dropped'],
      ['c8218d43', 'dependencies', 'task ffffffff is not in the tasks table; dependency dropped'],
      ['contexts/deadbeef.yaml', 'file', 'task deadbeef is not in tasks.db; file not imported'],
      ['logs/error.log', 'file', 'file unknown to the v2.3 layout; not imported'],
    ])
  })

  it('refuses a directory without tasks.db, a file, and a database without tasks', () => {
    const empty = tempDir('tm-v23-')
    const err = expectTaskError(() => parseV23(empty), 'BadImport')
    expect(err.message).toBe(
      `${empty} has no tasks.db: not a Task Orchestrator v2.3 data directory`,
    )
    writeFileSync(join(empty, 'x.txt'), 'x')
    expect(expectTaskError(() => parseV23(join(empty, 'x.txt')), 'BadImport').message).toContain(
      'is not a directory',
    )
    const other = new Database(join(empty, 'tasks.db'))
    other.exec('CREATE TABLE issues (id TEXT)')
    other.close()
    expect(expectTaskError(() => parseV23(empty), 'BadImport').message).toContain(
      'has no "tasks" table: not a Task Orchestrator v2.3 database',
    )
    const junk = tempDir('tm-v23-')
    writeFileSync(join(junk, 'tasks.db'), 'this is not sqlite, it is long enough to have a header')
    expect(expectTaskError(() => parseV23(junk), 'BadImport').message).toContain('tasks.db')
  })

  it('refuses a malformed progress line, naming the file and line', () => {
    const dir = copyFixture()
    appendFileSync(join(dir, 'contexts/c34304ed_progress.jsonl'), '{"update": \n')
    const err = expectTaskError(() => parseV23(dir), 'BadImport')
    expect(err.message).toMatch(/contexts\/c34304ed_progress\.jsonl:2: not valid JSON/)
  })
})

describe('importing the same directory again', () => {
  it('adds nothing twice: tasks, notes, progress, participants and context', async () => {
    const { makeEngine } = await import('../../helpers.js')
    const { readImportPlan } = await import('../../../src/core/import/detect.js')
    const { engine } = makeEngine()
    const dir = 'test/fixtures/task-orchestrator-v2.3'
    const first = engine.import(readImportPlan(dir))
    const again = engine.import(readImportPlan(dir))
    expect(first.imported).toBe(5)
    expect(again).toMatchObject({
      imported: 0,
      skipped: 5,
      notes: 0,
      progress: 0,
      participants: 0,
      context: 0,
    })
    const count = (table: string) =>
      (engine.store.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`) ?? { n: -1 }).n
    expect([count('notes'), count('progress')]).toEqual([first.notes, first.progress])
  })
})
