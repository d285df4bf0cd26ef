/**
 * The report as GitHub-flavoured Markdown: the dashboard issue's body, and
 * `tm report --format md`. Task references go through `link(taskId)` — the
 * app writes `#123`, `tm` writes the id — and diagrams are Mermaid
 * (`./mermaid.ts`).
 *
 * Size: a GitHub issue body holds at most 65,536 characters. Sections are
 * rendered whole at a level of detail (rows per status, nodes in the graph,
 * list lengths); when the result is too long the next, smaller level is
 * tried, down to one that lists no tasks at all. A table, a list or a
 * diagram is never cut in the middle: what is left out is summarised as
 * "and K more".
 */
import type { Breakdown, Metrics } from '../metrics.js'
import type { Status } from '../model.js'
import { dependencyFlowchart, xyChart } from './mermaid.js'
import type { Report, ReportTask } from './model.js'
import { chartUnit, formatHours as hours } from './units.js'

/** GitHub's limit on an issue body, in characters. */
export const GITHUB_BODY_LIMIT = 65_536

export interface MarkdownOptions {
  /** How a task is referenced in text and diagrams (`#123`, `` `ab12cd34` ``). */
  link: (taskId: string) => string
  /** Heading of the report (default "Task board"). */
  title?: string
  /** Prepended verbatim (e.g. a hidden `<!-- … -->` marker). */
  header?: string
  /** Longest result in characters (default {@link GITHUB_BODY_LIMIT}). */
  maxChars?: number
}

/** How much detail one rendering gets. */
interface Level {
  perStatus: number
  graphNodes: number
  pathSteps: number
  listRows: number
  charts: boolean
}

const LEVELS: Level[] = [
  { perStatus: 25, graphNodes: 40, pathSteps: 40, listRows: 25, charts: true },
  { perStatus: 10, graphNodes: 20, pathSteps: 20, listRows: 10, charts: true },
  { perStatus: 3, graphNodes: 8, pathSteps: 8, listRows: 5, charts: true },
  { perStatus: 0, graphNodes: 0, pathSteps: 0, listRows: 0, charts: false },
]

const STATUS_TITLE: Record<Status, string> = {
  in_progress: 'In progress',
  waiting: 'Waiting for an answer',
  pending: 'Ready (pending)',
  blocked: 'Blocked',
  completed: 'Recently completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
}
const BOARD_ORDER: Status[] = [
  'in_progress',
  'waiting',
  'pending',
  'blocked',
  'completed',
  'failed',
  'cancelled',
]

/**
 * Text for a Markdown table cell or list item: one line, no HTML, no mentions
 * (`@` is followed by an invisible U+200B: GitHub decodes `&#64;` before it
 * looks for mentions, a zero-width space it does not match), `|` escaped.
 */
export function cell(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  const cut = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
  return cut
    .replace(/([\\`*_[\]])/g, '\\$1')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/@/g, '@\u200b')
}

/** Label of the failed-tries figure: its parts, in the order {@link failedTries} gives them. */
export const FAILED_TRIES_LABEL = 'Failed tries (failed, expired, refused completions)'

/**
 * The failed tries of `m` and their parts, e.g. `3 (1, 1, 1)`: `fail` calls,
 * expired leases, completions refused by their criteria (see `metrics.ts`
 * for the one definition of a failed try and of the success rate).
 */
export function failedTries(m: Metrics): string {
  const fails = m.failed_attempts - m.expiries - m.refused_completions
  return `${m.failed_attempts} (${fails}, ${m.expiries}, ${m.refused_completions})`
}

/** A rate in [0, 1] as a percentage with one decimal: `96.6 %`; `–` for null. */
export function percent(r: number | null): string {
  return r === null ? '–' : `${Math.round(r * 1000) / 10} %`
}

function num(n: number | null, digits = 2): string {
  return n === null ? '–' : `${Math.round(n * 10 ** digits) / 10 ** digits}`
}

/** Render `report` as Markdown within `options.maxChars`. */
export function renderMarkdown(report: Report, options: MarkdownOptions): string {
  const max = options.maxChars ?? GITHUB_BODY_LIMIT
  let text = ''
  for (const level of LEVELS) {
    text = renderAt(report, options, level)
    if (text.length <= max) return text
  }
  throw new Error(
    `The report needs ${text.length} characters even in summary; the limit is ${max}.`,
  )
}

function renderAt(report: Report, o: MarkdownOptions, level: Level): string {
  const parts: string[] = []
  if (o.header) parts.push(o.header)
  parts.push(`# ${cell(o.title ?? 'Task board', 120)}`, summaryLine(report))
  parts.push(figures(report.metrics, report.window.days))
  parts.push(board(report, o, level))
  parts.push(graph(report, o, level))
  parts.push(criticalPath(report, o, level))
  parts.push(staleLeases(report, o, level))
  parts.push(questions(report, o, level))
  if (level.charts) parts.push(charts(report))
  parts.push(
    `<sub>Updated ${report.generated_at.slice(0, 16).replace('T', ' ')} UTC · figures over the last ${report.window.days} days · Task Orchestrator</sub>`,
  )
  return `${parts.filter(Boolean).join('\n\n')}\n`
}

function summaryLine(report: Report): string {
  const counts = BOARD_ORDER.map((s) => [s, report.board.find((c) => c.status === s)?.count ?? 0])
  return counts
    .filter(([, n]) => n)
    .map(([s, n]) => `**${n}** ${String(s).replace('_', ' ')}`)
    .join(' · ')
}

function figures(m: Metrics, days: number): string {
  const rows: [string, string][] = [
    [
      'Completed',
      `${m.throughput.reduce((a, d) => a + d.completed, 0)} (${num(m.throughput_per_day)}/day)`,
    ],
    [
      'Cycle time (first claim → done), p50 / p90',
      `${hours(m.cycle_time_h.p50)} / ${hours(m.cycle_time_h.p90)}`,
    ],
    [
      'Lead time (created → done), p50 / p90',
      `${hours(m.lead_time_h.p50)} / ${hours(m.lead_time_h.p90)}`,
    ],
    [
      'Time blocked (total, p50 per task)',
      `${hours(m.blocked_h.total)}, ${hours(m.blocked_h.p50)}`,
    ],
    ['Success rate', percent(m.success_rate)],
    [FAILED_TRIES_LABEL, failedTries(m)],
    ['Claims / expired leases', `${m.claims} / ${m.expiries}`],
    ['Work in progress', `${m.wip}`],
    ['Estimate accuracy (actual ÷ estimated, median)', num(m.estimate_accuracy.median_ratio)],
    [
      'Feedback (quality / timeliness, 1–5)',
      `${num(m.feedback.quality, 1)} / ${num(m.feedback.timeliness, 1)}`,
    ],
  ]
  return [
    `## Last ${days} days`,
    '',
    '| figure | value |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
  ].join('\n')
}

function taskRow(t: ReportTask, o: MarkdownOptions): string {
  const who = t.holder ?? (t.persona ? `(${t.persona})` : '')
  return `| ${o.link(t.id)} | ${cell(t.title)} | ${cell(who, 40)} | ${t.priority} | ${cell(t.milestone ?? '', 20)} |`
}

function more(shown: number, total: number, what: string): string {
  return total > shown ? `\n\n…and ${total - shown} more ${what}.` : ''
}

function board(report: Report, o: MarkdownOptions, level: Level): string {
  const out = ['## Board']
  for (const status of BOARD_ORDER) {
    const column = report.board.find((c) => c.status === status)
    if (!column || column.count === 0) continue
    out.push(`### ${STATUS_TITLE[status]} (${column.count})`)
    const shown = column.tasks.slice(0, level.perStatus)
    if (shown.length) {
      out.push(
        [
          '| task | title | holder / persona | priority | milestone |',
          '|---|---|---|---|---|',
          ...shown.map((t) => taskRow(t, o)),
        ].join('\n') + more(shown.length, column.count, 'tasks'),
      )
    }
  }
  if (out.length === 1) out.push('No tasks in the working set (archived tasks are left out).')
  return out.join('\n\n')
}

/** The critical path and the most-connected open tasks, up to `level.graphNodes`. */
function graph(report: Report, o: MarkdownOptions, level: Level): string {
  const { nodes, edges } = report.graph
  if (nodes.length === 0 || edges.length === 0 || level.graphNodes === 0) return ''
  const degree = new Map<string, number>()
  for (const e of edges) {
    degree.set(e.from, (degree.get(e.from) ?? 0) + 1)
    degree.set(e.to, (degree.get(e.to) ?? 0) + 1)
  }
  const chosen = new Set(report.critical_path.tasks.slice(0, level.graphNodes))
  const byDegree = [...degree.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  for (const [id] of byDegree) {
    if (chosen.size >= level.graphNodes) break
    chosen.add(id)
  }
  const shown = nodes.filter((n) => chosen.has(n.id))
  const shownEdges = edges.filter((e) => chosen.has(e.from) && chosen.has(e.to))
  const connected = degree.size
  const note =
    connected > shown.length
      ? `Showing ${shown.length} of ${connected} open tasks with dependencies: the critical path (thick border) and the most connected.`
      : 'Open tasks with dependencies; the critical path has a thick border.'
  return [
    '## Dependencies',
    note,
    `\`\`\`mermaid\n${dependencyFlowchart(shown, shownEdges, (id) => o.link(id).replace(/`/g, ''), new Set(report.critical_path.tasks))}\n\`\`\``,
  ].join('\n\n')
}

function criticalPath(report: Report, o: MarkdownOptions, level: Level): string {
  const path = report.critical_path
  if (path.tasks.length === 0) return ''
  const head = `## Critical path\n\n${path.tasks.length} tasks, ${hours(path.hours)} of estimated work (1 h where no estimate).`
  if (level.pathSteps === 0) return head
  const steps = path.tasks.slice(0, level.pathSteps).map((id, i) => `${i + 1}. ${o.link(id)}`)
  return `${head}\n\n${steps.join('\n')}${more(steps.length, path.tasks.length, 'steps')}`
}

function staleLeases(report: Report, o: MarkdownOptions, level: Level): string {
  const stale = report.stale_leases
  if (stale.length === 0) return ''
  const head = `## Stale leases (${stale.length})`
  const why = { expired: 'expired', expiring: 'expires soon', silent: 'no heartbeat' }
  const rows = stale.slice(0, level.listRows)
  if (rows.length === 0) return head
  return [
    head,
    [
      '| task | holder | token | state | last heartbeat | expires |',
      '|---|---|---|---|---|---|',
      ...rows.map(
        (s) =>
          `| ${o.link(s.task)} | ${cell(s.holder, 40)} | ${s.token} | ${why[s.reason]} | ${s.heartbeat_at.slice(0, 16).replace('T', ' ')} | ${s.expires_at.slice(0, 16).replace('T', ' ')} |`,
      ),
    ].join('\n') + more(rows.length, stale.length, 'leases'),
  ].join('\n\n')
}

function questions(report: Report, o: MarkdownOptions, level: Level): string {
  const qs = report.questions
  if (qs.length === 0) return ''
  const head = `## Unanswered questions (${qs.length})`
  const rows = qs.slice(0, level.listRows)
  if (rows.length === 0) return head
  return [
    head,
    [
      '| task | asked by | for | question | asked |',
      '|---|---|---|---|---|',
      ...rows.map(
        (q) =>
          `| ${o.link(q.task_id)} | ${cell(q.asked_by, 40)} | ${cell(q.asked_of ?? 'anyone', 40)} | ${cell(q.question, 120)} | ${q.asked_at.slice(0, 16).replace('T', ' ')} |`,
      ),
    ].join('\n') + more(rows.length, qs.length, 'questions'),
  ].join('\n\n')
}

function charts(report: Report): string {
  const days = report.throughput.map((d) => d.day.slice(5))
  const out = [
    '## Throughput and cycle time',
    `\`\`\`mermaid\n${xyChart('Tasks completed per day', days, 'tasks', [{ kind: 'bar', values: report.throughput.map((d) => d.completed) }])}\n\`\`\``,
  ]
  const measured = report.cycle_time.filter((d) => d.p50 !== null)
  if (measured.length) {
    const unit = chartUnit(measured.flatMap((d) => [d.p50, d.p90]))
    const scaled = (h: number | null) => (h ?? 0) / unit.hours
    out.push(
      `\`\`\`mermaid\n${xyChart(
        `Cycle time per day of completion, ${unit.name} (p50, p90)`,
        measured.map((d) => d.day.slice(5)),
        unit.name,
        [
          { kind: 'line', values: measured.map((d) => scaled(d.p50)) },
          { kind: 'line', values: measured.map((d) => scaled(d.p90)) },
        ],
      )}\n\`\`\``,
    )
  }
  return out.join('\n\n')
}

/**
 * The key figures as a short Markdown reply (`/metrics` on GitHub): one
 * overall line, and the line of `agent` (the commenter) when it did
 * anything in the window. `days` names the window in the text.
 */
export function metricsSummary(m: Metrics, agent: string, days: number): string {
  const head =
    '| | completed | claims | failed tries | cycle p50 / p90 | lead p50 | success | in progress |'
  const line = (name: string, b: Breakdown) =>
    `| ${name} | ${b.completed} | ${b.claims} | ${b.failed_attempts} | ${hours(b.cycle_time_h.p50)} / ${hours(b.cycle_time_h.p90)} | ${hours(b.lead_time_h.p50)} | ${percent(b.success_rate)} | ${b.wip} |`
  const overall: Breakdown = {
    claims: m.claims,
    completed: m.throughput.reduce((a, d) => a + d.completed, 0),
    failed_attempts: m.failed_attempts,
    refused_completions: m.refused_completions,
    expiries: m.expiries,
    lease_hours: m.lease_hours,
    cycle_time_h: m.cycle_time_h,
    lead_time_h: m.lead_time_h,
    blocked_hours: m.blocked_h.total,
    success_rate: m.success_rate,
    estimate_accuracy: m.estimate_accuracy,
    feedback: m.feedback,
    wip: m.wip,
  }
  const key = Object.keys(m.per_agent).find((k) => k.toLowerCase() === agent.toLowerCase())
  const mine = key ? m.per_agent[key] : undefined
  return [
    `Metrics of the last ${days} days (${num(m.throughput_per_day)} completed per day; time blocked ${hours(m.blocked_h.total)}; ${m.expiries} expired leases):`,
    '',
    head,
    '|---|---|---|---|---|---|---|---|',
    line('all', overall),
    ...(mine ? [line(cell(key!, 40), mine)] : []),
    ...(mine ? [] : ['', `${cell(agent, 40)}: no claims or completions in this window.`]),
  ].join('\n')
}
