/**
 * The report as one standalone HTML file (`tm report --format html`): inline
 * CSS and SVG charts (`./svg.ts`), no scripts and no network, every text
 * escaped. The same sections as the Markdown report; long lists are capped
 * with "and K more" so the file stays readable at tens of thousands of tasks.
 */
import type { Metrics } from '../metrics.js'
import type { Status } from '../model.js'
import { FAILED_TRIES_LABEL, failedTries, percent } from './markdown.js'
import type { Report, ReportTask } from './model.js'
import { barChart, escapeHtml as e, lineChart } from './svg.js'
import { chartUnit, formatHours as hours } from './units.js'

export interface HtmlOptions {
  /** How a task is referenced (default: its id). */
  link?: (taskId: string) => string
  title?: string
  /** Rows per list (default 200). */
  rows?: number
}

const ORDER: Status[] = [
  'in_progress',
  'waiting',
  'pending',
  'blocked',
  'completed',
  'failed',
  'cancelled',
]

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1f2328}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de}table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
.figures td:last-child{font-variant-numeric:tabular-nums}.more{color:#57606a}.id{font-family:ui-monospace,monospace}
svg .grid{stroke:#e5e7eb}svg .tick{font-size:11px;fill:#57606a}svg .bar{fill:#2563eb}
.status-in_progress{color:#2563eb}.status-blocked{color:#dc2626}.status-waiting{color:#d97706}`

function table(head: string[], rows: string[][], total: number, what: string): string {
  if (rows.length === 0) return ''
  const more =
    total > rows.length ? `<p class="more">…and ${total - rows.length} more ${what}.</p>` : ''
  return `<table><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>
${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>${more}`
}

function figures(m: Metrics): string {
  const rows: [string, string][] = [
    ['Completed', `${m.throughput.reduce((a, d) => a + d.completed, 0)}`],
    ['Throughput per day', m.throughput_per_day === null ? '–' : `${m.throughput_per_day}`],
    ['Cycle time p50 / p90', `${hours(m.cycle_time_h.p50)} / ${hours(m.cycle_time_h.p90)}`],
    ['Lead time p50 / p90', `${hours(m.lead_time_h.p50)} / ${hours(m.lead_time_h.p90)}`],
    ['Time blocked (total)', hours(m.blocked_h.total)],
    ['Success rate', percent(m.success_rate)],
    [FAILED_TRIES_LABEL, failedTries(m)],
    ['Claims / expired leases', `${m.claims} / ${m.expiries}`],
    ['Work in progress', `${m.wip}`],
    ['Estimate accuracy (median actual ÷ estimated)', `${m.estimate_accuracy.median_ratio ?? '–'}`],
    [
      'Feedback quality / timeliness',
      `${m.feedback.quality ?? '–'} / ${m.feedback.timeliness ?? '–'}`,
    ],
  ]
  return `<table class="figures"><tbody>${rows.map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`).join('')}</tbody></table>`
}

/** Render `report` as a complete HTML document. */
export function renderHtml(report: Report, options: HtmlOptions = {}): string {
  const link = (id: string) => `<span class="id">${e(options.link ? options.link(id) : id)}</span>`
  const rows = options.rows ?? 200
  const title = options.title ?? 'Task board'
  const taskCells = (t: ReportTask) => [
    link(t.id),
    e(t.title),
    `<span class="status-${e(t.status)}">${e(t.status)}</span>`,
    e(t.holder ?? (t.persona ? `(${t.persona})` : '')),
    e(t.priority),
    e(t.milestone ?? ''),
  ]
  const board = ORDER.map((status) => {
    const c = report.board.find((x) => x.status === status)
    if (!c || c.count === 0) return ''
    return `<h3>${e(status.replace('_', ' '))} (${c.count})</h3>${table(
      ['task', 'title', 'status', 'holder / persona', 'priority', 'milestone'],
      c.tasks.slice(0, rows).map(taskCells),
      c.count,
      'tasks',
    )}`
  }).join('\n')
  const withDeps = report.graph.nodes.filter((n) => n.depends_on.length > 0)
  const deps = table(
    ['task', 'title', 'depends on (open)'],
    withDeps.slice(0, rows).map((n) => [link(n.id), e(n.title), n.depends_on.map(link).join(', ')]),
    withDeps.length,
    'tasks',
  )
  const path = report.critical_path
  const stale = table(
    ['task', 'holder', 'token', 'state', 'last heartbeat', 'expires'],
    report.stale_leases
      .slice(0, rows)
      .map((s) => [
        link(s.task),
        e(s.holder),
        `${s.token}`,
        e(s.reason),
        `${s.silent_min} min ago`,
        e(s.expires_at),
      ]),
    report.stale_leases.length,
    'leases',
  )
  const questions = table(
    ['task', 'asked by', 'for', 'question', 'asked'],
    report.questions
      .slice(0, rows)
      .map((q) => [
        link(q.task_id),
        e(q.asked_by),
        e(q.asked_of ?? 'anyone'),
        e(q.question),
        e(q.asked_at),
      ]),
    report.questions.length,
    'questions',
  )
  const days = report.throughput.map((d) => d.day.slice(5))
  const throughput = barChart(
    days,
    report.throughput.map((d) => d.completed),
    { title: 'Tasks completed per day', unit: 'tasks', integers: true },
  )
  const unit = chartUnit(report.cycle_time.flatMap((d) => [d.p50, d.p90]))
  const scaled = (h: number | null) => (h === null ? null : h / unit.hours)
  const cycle = lineChart(
    days,
    [
      { name: 'p50', color: '#2563eb', values: report.cycle_time.map((d) => scaled(d.p50)) },
      { name: 'p90', color: '#d97706', values: report.cycle_time.map((d) => scaled(d.p90)) },
    ],
    { title: `Cycle time per day of completion, ${unit.name}`, unit: unit.name },
  )
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${e(title)}</h1>
<p>Generated ${e(report.generated_at)}; figures over the last ${report.window.days} days (since ${e(report.window.since)}).</p>
<h2>Key figures</h2>
${figures(report.metrics)}
<h2>Throughput</h2>
${throughput}
<h2>Cycle time</h2>
${cycle}
<h2>Board</h2>
${board}
<h2>Critical path</h2>
<p>${path.tasks.length} tasks, ${e(hours(path.hours))} of estimated work (1 h where no estimate).</p>
${
  path.tasks.length
    ? `<ol>${path.tasks
        .slice(0, rows)
        .map((id) => `<li>${link(id)}</li>`)
        .join('')}</ol>`
    : ''
}
${path.tasks.length > rows ? `<p class="more">…and ${path.tasks.length - rows} more steps.</p>` : ''}
<h2>Dependencies of open tasks</h2>
${deps || '<p>No open task waits on another.</p>'}
<h2>Stale leases</h2>
${stale || '<p>None.</p>'}
<h2>Unanswered questions</h2>
${questions || '<p>None.</p>'}
</body>
</html>
`
}
