import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseBeads } from '../../../src/core/import/beads.js'
import type { ImportPlan, Unmapped } from '../../../src/core/import/plan.js'
import { expectTaskError } from '../../helpers.js'

const FILE = fileURLToPath(new URL('../../fixtures/plans/beads-issues.jsonl', import.meta.url))
const TEXT = readFileSync(FILE, 'utf8')

interface RawDep {
  issue_id: string
  depends_on_id: string
  type: string
  created_at: string
}
interface RawIssue {
  id: string
  title: string
  status: string
  priority: number
  issue_type: string
  dependencies?: RawDep[]
  close_reason?: string
  closed_at?: string
  notes?: string
  description?: string
  created_by?: string
  created_at: string
}

// The raw file, read without the parser.
const RAW: RawIssue[] = TEXT.split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as RawIssue)
const NOT_WORK = ['agent', 'role', 'message', 'event']
const WORK = RAW.filter((i) => !NOT_WORK.includes(i.issue_type))

function count<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1
  return out
}

const plan: ImportPlan = parseBeads(TEXT, FILE)
const byId = new Map(plan.tasks.map((t) => [t.sourceId, t]))
const unmappedOf = (field: string): Unmapped[] => plan.unmapped.filter((u) => u.field === field)

describe('parseBeads on the beads project tracker (1,023 issues)', () => {
  it('reads every line and imports every work item, not the gastown records', () => {
    expect(RAW).toHaveLength(1023)
    expect(plan.format).toBe('beads')
    expect(plan.sourcePrefix).toBe('beads')
    // 23 agents, 14 messages, 2 events and 1 role are not work.
    expect(RAW.length - WORK.length).toBe(40)
    expect(plan.tasks).toHaveLength(983)
    expect(plan.tasks.map((t) => t.sourceId)).toEqual(WORK.map((i) => i.id))
    expect(new Set(plan.tasks.map((t) => t.sourceId)).size).toBe(983)
    expect(plan.participants).toEqual([])
    expect(plan.context).toEqual([])
    expect(plan.notes).toEqual([])
    expect(plan.progress).toEqual([])
  })

  it('maps statuses as the raw file says', () => {
    const map: Record<string, string> = {
      closed: 'completed',
      tombstone: 'cancelled',
      open: 'pending',
      hooked: 'in_progress',
    }
    const expected = count(WORK, (i) => map[i.status] ?? `unexpected ${i.status}`)
    expect(count(plan.tasks, (t) => t.status)).toEqual(expected)
    expect(expected).toEqual({ completed: 637, cancelled: 318, pending: 16, in_progress: 12 })
    for (const issue of WORK) expect(byId.get(issue.id)?.status).toBe(map[issue.status])
  })

  it('maps priorities 0-4 to critical, high, medium, low, low', () => {
    const map = ['critical', 'high', 'medium', 'low', 'low']
    expect(count(plan.tasks, (t) => t.priority)).toEqual(
      count(WORK, (i) => map[i.priority] ?? 'bad'),
    )
    expect(count(plan.tasks, (t) => t.priority)).toEqual({
      critical: 28,
      high: 293,
      medium: 511,
      low: 151,
    })
  })

  it('turns every blocks edge into a dependency and nothing else', () => {
    let edges = 0
    for (const issue of WORK) {
      const blocks = (issue.dependencies ?? [])
        .filter((d) => d.type === 'blocks')
        .map((d) => d.depends_on_id)
      edges += blocks.length
      expect(byId.get(issue.id)?.dependsOn).toEqual(blocks)
    }
    expect(edges).toBe(248)
    expect(plan.tasks.reduce((n, t) => n + t.dependsOn.length, 0)).toBe(248)
  })

  it('takes the parent from parent-child edges (depends_on_id is the parent)', () => {
    const parents = plan.tasks.filter((t) => t.parentSourceId !== undefined)
    expect(parents).toHaveLength(250)
    // A dotted id names its parent: bd-1dez.1 is a child of the epic bd-1dez.
    expect(byId.get('bd-1dez.1')?.parentSourceId).toBe('bd-1dez')
    expect(byId.get('bd-1dez')?.parentSourceId).toBeUndefined()
    for (const issue of WORK) {
      const edges = (issue.dependencies ?? []).filter((d) => d.type === 'parent-child')
      if (edges.length === 1)
        expect(byId.get(issue.id)?.parentSourceId).toBe(edges[0]?.depends_on_id)
    }
    // Three issues have two parents: the earliest edge wins, the other is reported.
    expect(byId.get('bd-au0.5')?.parentSourceId).toBe('bd-au0')
    expect(byId.get('bd-u2sc.3')?.parentSourceId).toBe('bd-u2sc')
    expect(byId.get('bd-u2sc.4')?.parentSourceId).toBe('bd-u2sc')
    const second = plan.unmapped.filter((u) => u.reason.startsWith('second parent'))
    expect(
      second.map((u) => [u.item, (u.value as { depends_on_id: string }).depends_on_id]),
    ).toEqual([
      ['bd-au0.5', 'bd-iz5t'],
      ['bd-u2sc.3', 'bd-iz5t'],
      ['bd-u2sc.4', 'bd-iz5t'],
    ])
  })

  it('keeps close reasons, close times, notes and dates', () => {
    const closed = WORK.filter((i) => i.status === 'closed')
    for (const issue of closed) expect(byId.get(issue.id)?.completed_at).toBe(issue.closed_at)
    const withReason = WORK.filter((i) => i.close_reason)
    expect(plan.tasks.filter((t) => t.completion_summary !== undefined)).toHaveLength(
      withReason.length,
    )
    const merge = byId.get('bd-08ag')
    expect(merge?.completion_summary).toBe('Merged to main')
    expect(merge?.description).toContain('branch: polecat/topaz-mjwb6bxt')
    const noted = WORK.find((i) => i.id === 'bd-1dez')
    expect(byId.get('bd-1dez')?.description).toBe(
      `${(noted?.description ?? '').trimEnd()}\n\n## Notes\n\n${noted?.notes}`,
    )
    expect(byId.get('bd-1dez')?.created_at).toBe(RAW.find((i) => i.id === 'bd-1dez')?.created_at)
  })

  it('reports what it could not map, with a reason for each', () => {
    for (const u of plan.unmapped) {
      expect(u.item).not.toBe('')
      expect(u.reason.length).toBeGreaterThan(10)
    }
    expect(count(plan.unmapped, (u) => u.field.replace(/\[\d+\]/g, '[]'))).toEqual({
      status: 330, // 318 tombstones imported as cancelled, 12 hooked imported as in_progress
      issue_type: 474, // 434 imported non-task types + 40 records not imported
      created_by: 293,
      priority: 32,
      'dependencies[].type': 38,
      'dependencies[]': 3,
      deleted_at: 1,
    })
    expect(plan.unmapped).toHaveLength(1171)

    const tombstones = unmappedOf('status').filter((u) => u.value === 'tombstone')
    expect(tombstones).toHaveLength(WORK.filter((i) => i.status === 'tombstone').length)
    expect(tombstones[0]?.reason).toMatch(/^deleted in beads \(.+\); imported as cancelled$/)
    expect(unmappedOf('status').filter((u) => u.value === 'hooked')).toHaveLength(12)

    const types = unmappedOf('issue_type')
    expect(count(types, (u) => String(u.value))).toEqual(
      count(
        RAW.filter((i) => i.issue_type !== 'task'),
        (i) => i.issue_type,
      ),
    )
    const skipped = types.filter((u) => u.reason.includes('not imported as a task'))
    expect(skipped.map((u) => u.item).sort()).toEqual(
      RAW.filter((i) => NOT_WORK.includes(i.issue_type))
        .map((i) => i.id)
        .sort(),
    )

    expect(unmappedOf('priority').every((u) => u.value === 4 && /backlog/.test(u.reason))).toBe(
      true,
    )
    expect(unmappedOf('priority')).toHaveLength(WORK.filter((i) => i.priority === 4).length)

    const links = plan.unmapped.filter((u) => /^dependencies\[\d+\]\.type$/.test(u.field))
    expect(count(links, (u) => (u.value as { type: string }).type)).toEqual({
      'discovered-from': 33,
      'relates-to': 3,
      related: 1,
      supersedes: 1,
    })
    expect(links.every((u) => u.reason.endsWith('link dropped'))).toBe(true)
    expect(unmappedOf('created_by')).toHaveLength(WORK.filter((i) => i.created_by).length)
    expect(unmappedOf('deleted_at').map((u) => u.item)).toEqual(['bd-eph-5h2'])
  })
})

describe('parseBeads on small inputs', () => {
  const line = (issue: Record<string, unknown>) =>
    JSON.stringify({ status: 'open', priority: 2, issue_type: 'task', ...issue })

  it('refuses a malformed line, naming the file and the line', () => {
    const text = [line({ id: 'a-1', title: 'A' }), '', '{"id": "a-2", "title": ', ''].join('\n')
    const err = expectTaskError(() => parseBeads(text, 'issues.jsonl'), 'BadImport')
    expect(err.message).toMatch(/^issues\.jsonl:3: not valid JSON/)
    expect(err.details).toMatchObject({ file: 'issues.jsonl', line: 3 })
  })

  it('refuses a line without an id or title, a non-object and a duplicate id', () => {
    expect(
      expectTaskError(() => parseBeads(line({ title: 'no id' }), 'x.jsonl'), 'BadImport').message,
    ).toContain('x.jsonl:1: beads issue has no "id"')
    expect(expectTaskError(() => parseBeads('[1, 2]', 'x.jsonl'), 'BadImport').message).toContain(
      'x.jsonl:1: expected a JSON object',
    )
    const dup = [line({ id: 'a-1', title: 'A' }), line({ id: 'a-1', title: 'B' })].join('\n')
    expect(expectTaskError(() => parseBeads(dup, 'x.jsonl'), 'BadImport').message).toContain(
      'x.jsonl:2: duplicate beads id "a-1" (first on line 1)',
    )
  })

  it('reports and drops a dependency on an id that is not in the file', () => {
    const text = [
      line({
        id: 'a-1',
        title: 'A',
        dependencies: [
          { issue_id: 'a-1', depends_on_id: 'a-2', type: 'blocks' },
          { issue_id: 'a-1', depends_on_id: 'gone-9', type: 'blocks' },
          { issue_id: 'a-1', depends_on_id: 'gone-8', type: 'parent-child' },
        ],
      }),
      line({ id: 'a-2', title: 'B' }),
    ].join('\n')
    const plan = parseBeads(text, 'x.jsonl')
    expect(plan.tasks[0]?.dependsOn).toEqual(['a-2'])
    expect(plan.tasks[0]?.parentSourceId).toBeUndefined()
    expect(plan.unmapped).toEqual([
      {
        item: 'a-1',
        field: 'dependencies[1]',
        value: { type: 'blocks', depends_on_id: 'gone-9' },
        reason: 'gone-9 is not in the file; blocks link dropped',
        line: 1,
      },
      {
        item: 'a-1',
        field: 'dependencies[2]',
        value: { type: 'parent-child', depends_on_id: 'gone-8' },
        reason: 'gone-8 is not in the file; parent-child link dropped',
        line: 1,
      },
    ])
  })

  it('gives issues blocked in beads a blocked reason', () => {
    const plan = parseBeads(line({ id: 'a-1', title: 'A', status: 'blocked' }), 'x.jsonl')
    expect(plan.tasks[0]).toMatchObject({
      status: 'blocked',
      blocked_reason: 'imported as blocked from beads',
    })
    expect(plan.unmapped).toEqual([])
  })

  it('maps acceptance criteria, estimates, design, assignee, labels and unknown statuses', () => {
    const long = 'x'.repeat(600)
    const plan = parseBeads(
      line({
        id: 'a-1',
        title: ' A ',
        status: 'weird',
        priority: 7,
        description: 'Do it.',
        design: 'Like this.',
        acceptance_criteria: `- [ ] tests pass\n\n* docs updated\n1. ${long}\n`,
        estimated_minutes: 90,
        assignee: 'alice',
        labels: ['ui'],
        in_progress_by: 'nobody',
      }),
      'x.jsonl',
    )
    const task = plan.tasks[0]
    expect(task).toMatchObject({
      title: 'A',
      status: 'pending',
      priority: 'medium',
      description: 'Do it.\n\n## Design\n\nLike this.',
      estimated_hours: 1.5,
      assignee: 'alice',
    })
    expect(task?.success_criteria.map((c) => c.criterion.length)).toEqual([10, 12, 500])
    expect(task?.success_criteria[0]).toEqual({ criterion: 'tests pass' })
    expect(plan.unmapped.map((u) => [u.field, u.reason])).toEqual([
      ['status', 'unknown beads status; imported as pending'],
      ['priority', 'not a beads priority 0-4; imported as medium'],
      ['labels', 'labels are not kept; dropped'],
      ['acceptance_criteria', 'criterion of 600 characters cut to 500'],
      ['in_progress_by', 'no such field in Task Orchestrator; dropped'],
    ])
  })
})
