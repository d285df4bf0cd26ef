/**
 * Mermaid diagrams for the Markdown report: a `flowchart` of task
 * dependencies and `xychart-beta` bar and line charts — both render on
 * GitHub (Mermaid in fenced ```mermaid blocks). Text inside diagrams is
 * escaped with Mermaid's entity codes (`#quot;`, `#35;` …) so a task title
 * cannot break out of its label or the diagram.
 */
import type { ReportTask } from './model.js'

/** Escape text for a quoted Mermaid label; at most `max` characters (… when cut). */
export function mermaidText(text: string, max = 48): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  const cut = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
  return cut.replace(/[#"<>`&|[\]{}()\\;]/g, (c) => `#${c.charCodeAt(0)};`)
}

/** Node styles per status (fill, stroke); GitHub renders them in light and dark themes. */
const STATUS_STYLE: Record<string, string> = {
  in_progress: 'fill:#dbeafe,stroke:#2563eb',
  waiting: 'fill:#fef3c7,stroke:#d97706',
  pending: 'fill:#f3f4f6,stroke:#6b7280',
  blocked: 'fill:#fee2e2,stroke:#dc2626',
}

/**
 * A left-to-right flowchart of `nodes` and the edges among them (dependency
 * → dependent). `label(id)` gives the task's reference; nodes on `critical`
 * get a thick border. Node ids are `n0, n1, …` so no task id can clash with
 * Mermaid syntax.
 */
export function dependencyFlowchart(
  nodes: ReportTask[],
  edges: { from: string; to: string }[],
  label: (id: string) => string,
  critical: ReadonlySet<string> = new Set(),
): string {
  const key = new Map(nodes.map((n, i) => [n.id, `n${i}`]))
  const lines = ['flowchart LR']
  for (const n of nodes) {
    lines.push(`  ${key.get(n.id)}["${mermaidText(label(n.id), 24)}<br/>${mermaidText(n.title)}"]`)
  }
  const criticalEdges: number[] = []
  let index = 0
  for (const e of edges) {
    const a = key.get(e.from)
    const b = key.get(e.to)
    if (!a || !b) continue
    lines.push(`  ${a} --> ${b}`)
    if (critical.has(e.from) && critical.has(e.to)) criticalEdges.push(index)
    index++
  }
  for (const [status, style] of Object.entries(STATUS_STYLE)) {
    const members = nodes.filter((n) => n.status === status).map((n) => key.get(n.id))
    if (members.length === 0) continue
    lines.push(`  classDef ${status} ${style}`)
    lines.push(`  class ${members.join(',')} ${status}`)
  }
  const onPath = nodes.filter((n) => critical.has(n.id)).map((n) => key.get(n.id))
  if (onPath.length) {
    lines.push('  classDef critical stroke-width:3px')
    lines.push(`  class ${onPath.join(',')} critical`)
  }
  if (criticalEdges.length) lines.push(`  linkStyle ${criticalEdges.join(',')} stroke-width:3px`)
  return lines.join('\n')
}

/** One series of an xychart. */
export interface ChartSeries {
  kind: 'bar' | 'line'
  values: number[]
}

/**
 * An `xychart-beta` with categorical x labels and one or more series; the
 * y axis runs from 0 to a rounded maximum.
 */
export function xyChart(title: string, x: string[], yLabel: string, series: ChartSeries[]): string {
  const max = Math.max(1, ...series.flatMap((s) => s.values))
  const top = niceCeiling(max)
  return [
    'xychart-beta',
    `  title "${quoted(title)}"`,
    `  x-axis [${x.map((d) => `"${quoted(d)}"`).join(', ')}]`,
    `  y-axis "${quoted(yLabel)}" 0 --> ${top}`,
    ...series.map((s) => `  ${s.kind} [${s.values.map((v) => round2(v)).join(', ')}]`),
  ].join('\n')
}

/** Text for a quoted xychart string: one line, no double quotes (the charts' own words and dates). */
function quoted(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/"/g, "'")
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}

/** 1, 2, 5 × 10^k at or above `n`. */
export function niceCeiling(n: number): number {
  const p = 10 ** Math.floor(Math.log10(n))
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p
  return 10 * p
}
