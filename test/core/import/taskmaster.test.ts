import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { ImportPlan } from '../../../src/core/import/plan.js'
import { parseTaskMaster } from '../../../src/core/import/taskmaster.js'
import { expectTaskError } from '../../helpers.js'

const FILE = fileURLToPath(new URL('../../fixtures/plans/taskmaster-tasks.json', import.meta.url))
const TEXT = readFileSync(FILE, 'utf8')

interface RawSub {
  id: number
  title: string
  status: string
  dependencies?: (number | string)[]
  testStrategy?: string | null
  acceptanceCriteria?: string
}
interface RawTask {
  id: number | string
  title: string
  status: string
  priority: string
  dependencies: (number | string)[]
  subtasks?: RawSub[] | null
  testStrategy?: string
  complexity?: number
}

// The raw file, read without the parser.
const RAW = JSON.parse(TEXT) as Record<string, { tasks: RawTask[]; metadata: unknown }>
const TAGS = Object.keys(RAW)
const TOP = TAGS.flatMap((tag) => RAW[tag]!.tasks.map((task) => ({ tag, task })))
const SUBS = TOP.flatMap(({ tag, task }) =>
  (task.subtasks ?? []).map((sub) => ({ tag, task, sub })),
)
const STATUS: Record<string, string> = {
  done: 'completed',
  pending: 'pending',
  'in-progress': 'in_progress',
  deferred: 'pending',
  cancelled: 'cancelled',
  review: 'in_progress',
}

function count<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1
  return out
}

const plan: ImportPlan = parseTaskMaster(TEXT, FILE)
const byId = new Map(plan.tasks.map((t) => [t.sourceId, t]))

describe('parseTaskMaster on the task-master project plan (9 tags)', () => {
  it('imports every task and subtask with "<tag>:<id>" and "<tag>:<parent>.<sub>" ids', () => {
    expect(TAGS).toHaveLength(9)
    expect(TOP).toHaveLength(182)
    expect(SUBS).toHaveLength(914)
    expect(plan.format).toBe('taskmaster')
    expect(plan.sourcePrefix).toBe('taskmaster')
    expect(plan.tasks).toHaveLength(182 + 914)
    expect(new Set(plan.tasks.map((t) => t.sourceId)).size).toBe(1096)
    for (const { tag, task } of TOP) expect(byId.has(`${tag}:${task.id}`)).toBe(true)
    expect(byId.get('loop:11')?.title).toBe(RAW.loop!.tasks.find((t) => t.id === '11')?.title)
    expect(byId.get('master:61.23')?.parentSourceId).toBe('master:61')
  })

  it('links every subtask to its parent', () => {
    const children = plan.tasks.filter((t) => t.parentSourceId !== undefined)
    expect(children).toHaveLength(914)
    for (const { tag, task, sub } of SUBS.filter(
      (s) => !(s.tag === 'master' && s.task.id === 42),
    )) {
      expect(byId.get(`${tag}:${task.id}.${sub.id}`)?.parentSourceId).toBe(`${tag}:${task.id}`)
    }
  })

  it('gives the eight subtasks of master:42 that all carry id 42 distinct ids', () => {
    const ids = plan.tasks.filter((t) => t.parentSourceId === 'master:42').map((t) => t.sourceId)
    expect(ids).toEqual([
      'master:42.42',
      'master:42.42#2',
      'master:42.42#3',
      'master:42.42#4',
      'master:42.42#5',
      'master:42.42#6',
      'master:42.42#7',
      'master:42.42#8',
    ])
    const dups = plan.unmapped.filter((u) => u.field === 'id')
    expect(dups.map((u) => u.item)).toEqual(ids.slice(1))
    expect(dups[0]?.reason).toBe(
      'duplicate subtask id 42 in master:42; imported as master:42.42#2 (references to 42 resolve to the first)',
    )
  })

  it('maps statuses and priorities as the raw file says (subtasks take their parent priority)', () => {
    const all = [
      ...TOP.map(({ task }) => ({ status: task.status, priority: task.priority })),
      ...SUBS.map(({ task, sub }) => ({ status: sub.status, priority: task.priority })),
    ]
    expect(count(plan.tasks, (t) => t.status)).toEqual(count(all, (x) => STATUS[x.status] ?? '?'))
    expect(count(plan.tasks, (t) => t.status)).toEqual({
      completed: 578,
      pending: 508,
      in_progress: 7,
      cancelled: 3,
    })
    expect(count(plan.tasks, (t) => t.priority)).toEqual(count(all, (x) => x.priority))
    expect(byId.get('tm-core-phase-1:122.1')?.status).toBe('in_progress') // review
    expect(byId.get('master:32')?.status).toBe('pending') // deferred
  })

  it('resolves task, sibling-subtask and "parent.sub" dependencies within the tag', () => {
    // Independent resolution: numbers in subtasks are siblings, "a.b" is subtask b of task a.
    let expected = 0
    for (const { tag, task } of TOP) {
      const ids = new Set(RAW[tag]!.tasks.map((t) => String(t.id)))
      const deps = task.dependencies.filter((d) => ids.has(String(d)))
      expected += deps.length
      expect(byId.get(`${tag}:${task.id}`)?.dependsOn).toEqual(deps.map((d) => `${tag}:${d}`))
    }
    expect(expected).toBe(205)
    for (const { tag, task, sub } of SUBS) {
      if (tag === 'master' && task.id === 42) continue
      const deps = (sub.dependencies ?? []).map((d) =>
        String(d).includes('.') ? `${tag}:${d}` : `${tag}:${task.id}.${d}`,
      )
      expected += deps.length
      expect(byId.get(`${tag}:${task.id}.${sub.id}`)?.dependsOn).toEqual(deps)
    }
    expect(expected).toBe(973)
    expect(plan.tasks.reduce((n, t) => n + t.dependsOn.length, 0)).toBe(973)
    // Every dependency names an imported task.
    for (const t of plan.tasks) for (const d of t.dependsOn) expect(byId.has(d)).toBe(true)
    expect(byId.get('master:97.3')?.dependsOn).toEqual(['master:97.1', 'master:97.2'])
    expect(byId.get('loop:3')?.dependsOn).toEqual(['loop:1', 'loop:2'])
  })

  it('puts details under a heading and testStrategy into one manual criterion', () => {
    const raw = RAW.master!.tasks.find((t) => t.id === 1) as RawTask & {
      description: string
      details: string
    }
    const task = byId.get('master:1')
    expect(task?.description).toBe(
      `${raw.description.trim()}\n\n## Details\n\n${raw.details.trim()}`,
    )
    expect(task?.success_criteria).toEqual([{ criterion: raw.testStrategy?.trim() }])

    const strategies = [...TOP.map((x) => x.task), ...SUBS.map((x) => x.sub)]
      .map((x) => (x.testStrategy ?? '').trim())
      .filter((s) => s !== '')
    const long = strategies.filter((s) => s.length > 500)
    expect(long).toHaveLength(69)
    const cut = plan.unmapped.filter((u) => u.field === 'testStrategy')
    expect(cut).toHaveLength(69)
    for (const u of cut) {
      const t = byId.get(u.item)
      const criterion = t?.success_criteria[0]?.criterion ?? ''
      expect(criterion.length).toBeLessThanOrEqual(500)
      expect(criterion.endsWith('…')).toBe(true)
      expect((u.value as string).startsWith(criterion.slice(0, -1))).toBe(true)
      expect(t?.description).toContain(`## Test strategy\n\n${u.value}`)
    }
    // Subtask acceptance criteria become one manual criterion per line.
    const withAc = SUBS.filter((s) => s.sub.acceptanceCriteria)
    expect(withAc).toHaveLength(101)
    const first = withAc[0]!
    const t = byId.get(`${first.tag}:${first.task.id}.${first.sub.id}`)
    const lines = first.sub.acceptanceCriteria!.split('\n').filter((l) => l.trim() !== '')
    expect(t?.success_criteria.slice(-lines.length)).toEqual(
      lines.map((l) => ({ criterion: l.replace(/^\s*-\s+/, '').trim() })),
    )
  })

  it('reports what it could not map, with a reason for each', () => {
    expect(count(plan.unmapped, (u) => u.field.replace(/\[\d+\]/g, '[]'))).toEqual({
      metadata: 9,
      testStrategy: 69,
      complexity: 28,
      recommendedSubtasks: 28,
      expansionPrompt: 28,
      id: 7,
      status: 7,
      previousStatus: 1,
      'dependencies[]': 1,
    })
    expect(plan.unmapped).toHaveLength(178)
    expect(plan.unmapped.filter((u) => u.field === 'metadata').map((u) => u.item)).toEqual(TAGS)
    expect(plan.unmapped.filter((u) => u.field === 'complexity')).toHaveLength(
      TOP.filter((x) => x.task.complexity !== undefined).length,
    )
    const statuses = plan.unmapped.filter((u) => u.field === 'status')
    expect(count(statuses, (u) => String(u.value))).toEqual({ deferred: 5, review: 2 })
    expect(plan.unmapped.find((u) => u.field === 'dependencies[0]')).toEqual({
      item: 'test-tag:1',
      field: 'dependencies[0]',
      value: 16,
      reason: 'no task 16 in tag test-tag; dependency dropped',
    })
    for (const u of plan.unmapped) expect(u.reason.length).toBeGreaterThan(10)
  })
})

describe('parseTaskMaster on small inputs', () => {
  it('reads the legacy untagged format as tag master and maps blocked', () => {
    const plan = parseTaskMaster(
      JSON.stringify({
        tasks: [
          { id: 1, title: 'One', status: 'blocked', priority: 'high', dependencies: [] },
          {
            id: 2,
            title: 'Two',
            status: 'weird',
            dependencies: [1, '1.1', 9],
            subtasks: [
              { id: 1, title: 'Two.one', status: 'done', dependencies: [] },
              { id: 2, title: 'Two.two', status: 'pending', dependencies: [1, 1, '3'] },
            ],
          },
        ],
      }),
      'tasks.json',
    )
    expect(plan.tasks.map((t) => t.sourceId)).toEqual([
      'master:1',
      'master:2',
      'master:2.1',
      'master:2.2',
    ])
    expect(plan.tasks[0]).toMatchObject({
      status: 'blocked',
      blocked_reason: 'imported as blocked from task-master',
      priority: 'high',
    })
    expect(plan.tasks[1]).toMatchObject({
      status: 'pending',
      priority: 'medium',
      dependsOn: ['master:1'],
    })
    expect(plan.tasks[3]).toMatchObject({ dependsOn: ['master:2.1'], priority: 'medium' })
    expect(plan.unmapped.map((u) => [u.item, u.field, u.reason])).toEqual([
      ['master:2', 'status', 'unknown task-master status; imported as pending'],
      ['master:2', 'priority', 'no priority; imported as medium'],
      ['master:2', 'dependencies[1]', 'no task 1.1 in tag master; dependency dropped'],
      ['master:2', 'dependencies[2]', 'no task 9 in tag master; dependency dropped'],
      ['master:2.2', 'dependencies[2]', 'no task 3 in tag master; dependency dropped'],
    ])
  })

  it('refuses JSON that is not task-master, and text that is not JSON', () => {
    for (const text of ['{"issues": []}', '[1, 2]', '{"master": {"todos": []}}', '42']) {
      const err = expectTaskError(() => parseTaskMaster(text, 'plan.json'), 'BadImport')
      expect(err.message).toContain('plan.json: not a task-master tasks.json')
    }
    expect(
      expectTaskError(() => parseTaskMaster('{"tasks": [', 'plan.json'), 'BadImport').message,
    ).toMatch(/^plan\.json: not valid JSON/)
  })

  it('refuses a task without id or title, naming tag and task', () => {
    const noId = JSON.stringify({ dev: { tasks: [{ title: 'x' }] } })
    expect(expectTaskError(() => parseTaskMaster(noId, 'p.json'), 'BadImport').message).toBe(
      'p.json: tag "dev" tasks[0]: task has no id',
    )
    const noTitle = JSON.stringify({ dev: { tasks: [{ id: 3, subtasks: [] }] } })
    expect(expectTaskError(() => parseTaskMaster(noTitle, 'p.json'), 'BadImport').message).toBe(
      'p.json: tag "dev" task 3: task has no title',
    )
  })
})
