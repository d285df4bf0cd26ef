/**
 * The report model and its renderers on a fixed history (fake clock): the
 * Markdown is snapshot-tested, the size limit is checked at 2,000 and 10,000
 * open tasks, the HTML is standalone and escaped.
 */
import { describe, expect, it } from 'vitest'
import { longestPath } from '../../../src/core/critical-path.js'
import type { Engine } from '../../../src/core/engine.js'
import { renderHtml } from '../../../src/core/report/html.js'
import {
  cell,
  GITHUB_BODY_LIMIT,
  metricsSummary,
  renderMarkdown,
} from '../../../src/core/report/markdown.js'
import { mermaidText } from '../../../src/core/report/mermaid.js'
import { buildReport } from '../../../src/core/report/model.js'
import { makeEngine } from '../../helpers.js'

const HOUR = 3_600_000
const MIN = 60_000

/** A small repository's history on 2026-03-01 (UTC), ids `o/r#1…8`. */
function fixture() {
  const { engine, clock } = makeEngine({ maxLeaseTtlMs: 8 * HOUR })
  const id = (n: number) => `o/r#${n}`
  engine.add({ id: id(1), title: 'Design the schema', estimated_hours: 2, milestone: 'v1' })
  engine.add({
    id: id(2),
    title: 'Build the API | v2 <b>',
    estimated_hours: 2,
    depends_on: [id(1)],
    milestone: 'v1',
  })
  engine.add({ id: id(3), title: 'Write the docs', depends_on: [id(2)], persona: 'writer' })
  engine.add({ id: id(4), title: 'Set up CI', priority: 'high' })
  engine.add({ id: id(5), title: 'Load test', depends_on: [id(2), id(4)], estimated_hours: 3 })
  engine.add({ id: id(6), title: 'Ask @legal about licences' })
  engine.add({ id: id(7), title: 'Old idea' })
  engine.claim(id(1), 'ada', 4 * HOUR)
  clock.advance(90 * MIN)
  engine.complete(id(1), 'ada', 1, { summary: 'tables' })
  engine.claim(id(4), 'grace', HOUR)
  engine.claim(id(6), 'linus', 4 * HOUR)
  engine.ask(id(6), 'linus', 'maint', 'Which licence do we ship under?')
  engine.claim(id(2), 'ken', HOUR)
  clock.advance(50 * MIN) // grace's and ken's leases: 10 minutes left, no heartbeat for 50
  engine.heartbeat(id(2), 'ken', 1)
  engine.cancel(id(7), 'not needed', 'maint')
  engine.add({ id: id(8), title: 'Tidy up' })
  engine.feedback(id(1), 'maint', { quality: 5, timeliness: 4 })
  return { engine, clock }
}

const link = (id: string) => `#${id.slice('o/r#'.length)}`

function report(engine: Engine, days = 7) {
  return engine.read((ctx) => buildReport(ctx, { days, scope: 'o/r#' }))
}

describe('report model', () => {
  it('has the board, graph, critical path, stale leases, questions and series', () => {
    const { engine } = fixture()
    const r = report(engine)
    expect(r.generated_at).toBe('2026-03-01T11:20:00.000Z')
    expect(r.window).toEqual({ since: '2026-02-23T00:00:00.000Z', days: 7 })
    const counts = Object.fromEntries(r.board.map((c) => [c.status, c.count]))
    expect(counts).toMatchObject({
      in_progress: 2,
      waiting: 1,
      pending: 1,
      blocked: 2,
      completed: 1,
      cancelled: 1,
    })
    expect(r.graph.edges).toEqual([
      { from: 'o/r#2', to: 'o/r#3' },
      { from: 'o/r#2', to: 'o/r#5' },
      { from: 'o/r#4', to: 'o/r#5' },
    ])
    expect(r.critical_path).toEqual({ tasks: ['o/r#2', 'o/r#5'], hours: 5 })
    // grace: 10 min left of a 60 min lease → expiring (a tenth of the 30 min default TTL is 3 min,
    // so not that), but silent for 50 min ≥ 15 min. ken heartbeated just now.
    expect(r.stale_leases.map((s) => [s.task, s.holder, s.reason])).toEqual([
      ['o/r#4', 'grace', 'silent'],
    ])
    expect(r.questions.map((q) => [q.task_id, q.asked_of])).toEqual([['o/r#6', 'maint']])
    expect(r.throughput.length).toBe(7)
    expect(r.throughput.at(-1)).toEqual({ day: '2026-03-01', completed: 1 })
    expect(r.cycle_time.at(-1)).toEqual({ day: '2026-03-01', p50: 1.5, p90: 1.5 })
  })

  it('expired and expiring leases are stale too; a waiting task never is', () => {
    const { engine, clock } = fixture()
    clock.advance(8 * MIN) // grace: 2 minutes left
    expect(report(engine).stale_leases.map((s) => [s.task, s.reason])).toEqual([
      ['o/r#4', 'expiring'],
    ])
    clock.advance(5 * MIN)
    expect(report(engine).stale_leases.map((s) => [s.task, s.reason])).toEqual([
      ['o/r#4', 'expired'],
    ])
  })

  it('leaves archived tasks off the board (as `tm list` does); the metrics still count them', () => {
    const { engine, clock } = fixture()
    clock.advance(3 * 86_400_000)
    expect(engine.archive(1, 'maint').archived.sort()).toEqual(['o/r#1', 'o/r#7'])
    const r = report(engine)
    const column = (s: string) => r.board.find((c) => c.status === s)!
    expect([column('completed').count, column('cancelled').count]).toEqual([0, 0])
    expect([column('completed').tasks, column('cancelled').tasks]).toEqual([[], []])
    expect(r.graph.nodes.map((n) => n.id)).not.toContain('o/r#1')
    expect(r.metrics.throughput.reduce((n, d) => n + d.completed, 0)).toBe(1)
    expect(r.throughput.find((d) => d.day === '2026-03-01')).toEqual({
      day: '2026-03-01',
      completed: 1,
    })
    const md = renderMarkdown(r, { link })
    expect(md).not.toContain('Design the schema')
    expect(md).not.toContain('Old idea')
  })

  it('says the board is empty when every task is archived, and keeps the figures', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ id: 'o/r#1', title: 'Only task' })
    engine.claim(t.id, 'ada')
    engine.complete(t.id, 'ada', 1)
    clock.advance(2 * 86_400_000)
    engine.archive(1)
    const md = renderMarkdown(report(engine), { link })
    expect(md).toContain('## Board\n\nNo tasks in the working set')
    expect(md).not.toContain('Only task')
    expect(md).toContain('| Completed | 1 (0.14/day) |')
  })

  it('the critical path weighs estimates, 1 h where none', () => {
    const t = (id: string, h: number | null) => ({
      id,
      title: id,
      status: 'pending' as const,
      priority: 'medium',
      persona: null,
      milestone: null,
      holder: null,
      estimated_hours: h,
      depends_on: [],
      updated_at: '',
    })
    const nodes = [t('a', 5), t('b', null), t('c', null), t('d', null)]
    const edges = [
      { from: 'b', to: 'c' },
      { from: 'c', to: 'd' },
    ]
    expect(longestPath(nodes, edges)).toEqual({ tasks: ['a'], hours: 5 })
    expect(longestPath(nodes.slice(1), edges)).toEqual({ tasks: ['b', 'c', 'd'], hours: 3 })
    expect(longestPath([], [])).toEqual({ tasks: [], hours: 0 })
  })
})

describe('Markdown report', () => {
  it('matches the snapshot (fixed clock, fixed history)', async () => {
    const { engine } = fixture()
    const md = renderMarkdown(report(engine), { link, header: '<!-- marker -->' })
    await expect(md).toMatchFileSnapshot('__snapshots__/dashboard.md')
  })

  it('escapes titles for tables and Mermaid labels', () => {
    expect(cell('a | b <script> @bob `x` *y*')).toBe(
      'a \\| b &lt;script&gt; @\u200bbob \\`x\\` \\*y\\*',
    )
    expect(cell('x'.repeat(100), 10)).toBe('xxxxxxxxx…')
    expect(mermaidText('say "hi" #1 <b>')).toBe('say #34;hi#34; #35;1 #60;b#62;')
  })

  it('the /metrics reply has the overall line and the commenter’s own', () => {
    const { engine } = fixture()
    const m = engine.metrics({ scope: 'o/r#' })
    const text = metricsSummary(m, 'ADA', 30)
    expect(text).toContain('| all | 1 | 4 | 0 | 1.5 h / 1.5 h |')
    expect(text).toContain('| ada | 1 | 1 | 0 | 1.5 h / 1.5 h |')
    expect(metricsSummary(m, 'nobody', 30)).toContain('nobody: no claims or completions')
  })

  for (const open of [2_000, 10_000]) {
    it(`stays within GitHub's ${GITHUB_BODY_LIMIT}-character limit at ${open} open tasks, summarising whole sections`, () => {
      const { engine } = makeEngine()
      bulkTasks(engine, open)
      const r = engine.read((ctx) => buildReport(ctx, { days: 30 }))
      expect(r.graph.nodes.length).toBe(open)
      const md = renderMarkdown(r, { link: (id) => `#${id.slice(1)}` })
      expect(md.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT)
      expect(md).toMatch(/…and \d+ more tasks\./)
      expect(md).toMatch(/Showing \d+ of \d+ open tasks with dependencies/)
      // Every table is whole: each row has the header's number of cells.
      const fences = md.match(/```/g) ?? []
      expect(fences.length % 2).toBe(0)
      for (const table of md.split(/\n\n/).filter((b) => b.startsWith('| '))) {
        const rows = table.split('\n').filter((l) => l.startsWith('|'))
        const width = rows[0]!.split(/(?<!\\)\|/).length
        for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(width)
      }
    })
  }

  it('falls back to a smaller level of detail rather than cutting anything', () => {
    const { engine } = makeEngine()
    bulkTasks(engine, 300)
    const r = engine.read((ctx) => buildReport(ctx, { days: 30 }))
    const full = renderMarkdown(r, { link: (id) => id })
    const small = renderMarkdown(r, { link: (id) => id, maxChars: 6_000 })
    expect(full.length).toBeGreaterThan(6_000)
    expect(small.length).toBeLessThanOrEqual(6_000)
    expect(small).toContain('## Board')
    expect(() => renderMarkdown(r, { link: (id) => id, maxChars: 100 })).toThrow(/limit is 100/)
  })
})

describe('HTML report', () => {
  it('is one standalone document with SVG charts and escaped text', () => {
    const { engine } = fixture()
    const html = renderHtml(report(engine), { title: 'Board <x>' })
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain('<title>Board &lt;x&gt;</title>')
    expect(html).toContain('Build the API | v2 &lt;b&gt;')
    expect(html).not.toContain('<b>')
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
    expect((html.match(/<svg /g) ?? []).length).toBe(2)
    expect(html).toContain('<rect') // throughput bars
    expect(html).toContain('<circle') // cycle-time points (one day has any here)
    expect(html).toContain('Which licence do we ship under?')
  })
})

describe('units chosen from the data (issue 13)', () => {
  /** Tasks completed 1.6 s and 2.4 s after their claims, as in the demo. */
  function fast() {
    const { engine, clock } = makeEngine()
    for (const [n, ms] of [
      [1, 1600],
      [2, 2400],
    ] as const) {
      engine.add({ id: `o/r#${n}`, title: `fast ${n}` })
      engine.claim(`o/r#${n}`, 'ada')
      clock.advance(ms)
      engine.complete(`o/r#${n}`, 'ada', 1)
    }
    return report(engine)
  }

  /** The y-axis tick labels of the `index`-th SVG chart. */
  const ticks = (html: string, index: number) =>
    [...html.split('<svg ')[index + 1]!.matchAll(/text-anchor="end" class="tick">([^<]*)</g)].map(
      (m) => m[1],
    )

  it('HTML: key figures in seconds, the cycle-time axis in seconds with distinct ticks', () => {
    const html = renderHtml(fast())
    expect(html).toContain('<tr><th>Cycle time p50 / p90</th><td>1.6 s / 2.4 s</td></tr>')
    expect(html).not.toContain('0 min')
    const cycle = ticks(html, 1)
    expect(cycle).toEqual(['0', '1', '2', '3', '4'])
    expect(new Set(cycle).size).toBe(5)
    expect(html).toContain('Cycle time per day of completion, seconds')
    expect(html).toMatch(/p50: 1\.6 seconds<\/title>/)
    // Counts of tasks get whole-number ticks.
    expect(ticks(html, 0)).toEqual(['0', '1', '2', '3', '4'])
  })

  it('Markdown (the dashboard): the same figures, the chart in seconds', () => {
    const md = renderMarkdown(fast(), { link })
    expect(md).toContain('| Cycle time (first claim → done), p50 / p90 | 1.6 s / 2.4 s |')
    expect(md).toContain('y-axis "seconds" 0 --> 5')
    // The metrics keep hours to 5 decimals (0.036 s), so 1.6 s reads back as 1.58.
    const lines = [...md.matchAll(/ {2}line \[([\d.]+)\]/g)].map((m) => Number(m[1]))
    expect(lines).toHaveLength(2)
    expect(lines[0]).toBeCloseTo(1.6, 1)
    expect(lines[1]).toBeCloseTo(2.4, 1)
    expect(md).not.toContain('0 min')
  })

  it('the charts switch to minutes, hours and days as the values grow', () => {
    for (const [hours, unit] of [
      [0.5, 'minutes'],
      [5, 'hours'],
      [100, 'days'],
    ] as const) {
      const { engine, clock } = makeEngine({ maxLeaseTtlMs: 200 * HOUR })
      engine.add({ id: 'o/r#1', title: 'slow' })
      engine.claim('o/r#1', 'ada', 150 * HOUR)
      clock.advance(hours * HOUR)
      engine.complete('o/r#1', 'ada', 1)
      const html = renderHtml(report(engine))
      expect(html).toContain(`Cycle time per day of completion, ${unit}`)
      expect(new Set(ticks(html, 1)).size).toBe(5)
    }
  })
})

/**
 * `n` open tasks (ids `t0000000…`) with dependencies on earlier ones, bulk-inserted
 * with SQL in one transaction: this tests rendering, not the engine.
 */
function bulkTasks(engine: Engine, n: number): void {
  const statuses = ['pending', 'blocked', 'blocked', 'in_progress'] as const
  engine.store.write(() => {
    for (let i = 0; i < n; i++) {
      const status = statuses[i % statuses.length]!
      const leased = status === 'in_progress'
      engine.store.run(
        `INSERT INTO tasks (id, title, status, created_at, updated_at, lease_holder, lease_token,
           lease_acquired_at, lease_heartbeat_at, lease_expires_at, fencing_seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          `t${String(i).padStart(7, '0')}`,
          `A rather long task title number ${i} | with <markup> and @mentions`,
          status,
          '2026-02-01T00:00:00.000Z',
          '2026-02-01T00:00:00.000Z',
          leased ? `agent-${i % 7}` : null,
          leased ? 1 : null,
          leased ? '2026-03-01T08:00:00.000Z' : null,
          leased ? '2026-03-01T08:00:00.000Z' : null,
          leased ? '2026-03-01T08:30:00.000Z' : null,
          leased ? 1 : 0,
        ],
      )
      for (const back of [1, 7, 31]) {
        if (i - back < 0) continue
        engine.store.run(
          'INSERT INTO dependencies (task_id, depends_on_id, created_at) VALUES (?, ?, ?)',
          [
            `t${String(i).padStart(7, '0')}`,
            `t${String(i - back).padStart(7, '0')}`,
            '2026-02-01T00:00:00.000Z',
          ],
        )
      }
    }
  })
}
