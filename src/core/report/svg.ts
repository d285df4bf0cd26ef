/**
 * Small inline SVG charts for the HTML report: a bar chart and a line chart
 * over daily values, with axes, gridlines, labels and a `<title>` per point
 * (a tooltip in every browser). No scripts, no external resources: the file
 * works offline and under a strict Content-Security-Policy.
 */
import { axisTicks, readableNumber } from './units.js'

/** Escape text for HTML and SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

export interface ChartOptions {
  /** Accessible name of the chart. */
  title: string
  /** Unit shown on the y axis and in tooltips (`tasks`, `seconds`, `hours`). */
  unit: string
  /** Values are counts: whole-number ticks only. */
  integers?: boolean
  width?: number
  height?: number
}

export interface LineSeries {
  name: string
  color: string
  /** One value per x label; null leaves a gap. */
  values: (number | null)[]
}

const PAD = { left: 44, right: 12, top: 12, bottom: 36 }

function fmt(n: number): string {
  return `${Math.round(n * 100) / 100}`
}

/**
 * The axes, gridlines and labels of a chart whose largest value is `max`:
 * five distinct round ticks from 0 (see `axisTicks`), each printed with the
 * decimals it needs.
 */
function frame(
  o: ChartOptions,
  labels: string[],
  max: number,
): {
  svg: string[]
  w: number
  h: number
  x: (i: number) => number
  y: (v: number) => number
  step: number
} {
  const axis = axisTicks(max, 4, o.integers ?? false)
  const top = axis.ticks.at(-1)!
  const w = o.width ?? 720
  const h = o.height ?? 240
  const plotW = w - PAD.left - PAD.right
  const plotH = h - PAD.top - PAD.bottom
  const step = plotW / Math.max(1, labels.length)
  const x = (i: number) => PAD.left + step * i + step / 2
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(o.title)}">`,
    `<title>${escapeHtml(o.title)}</title>`,
  ]
  for (const v of axis.ticks) {
    svg.push(
      `<line x1="${PAD.left}" x2="${w - PAD.right}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" class="grid"/>`,
      `<text x="${PAD.left - 6}" y="${fmt(y(v) + 4)}" text-anchor="end" class="tick">${v.toFixed(axis.decimals)}</text>`,
    )
  }
  const every = Math.max(1, Math.ceil(labels.length / 10))
  labels.forEach((label, i) => {
    if (i % every !== 0) return
    svg.push(
      `<text x="${fmt(x(i))}" y="${h - PAD.bottom + 16}" text-anchor="middle" class="tick">${escapeHtml(label)}</text>`,
    )
  })
  svg.push(
    `<text x="12" y="${PAD.top + plotH / 2}" transform="rotate(-90 12 ${PAD.top + plotH / 2})" text-anchor="middle" class="tick">${escapeHtml(o.unit)}</text>`,
  )
  return { svg, w, h, x, y, step }
}

/** A bar chart: one bar per label. */
export function barChart(labels: string[], values: number[], o: ChartOptions): string {
  const f = frame(o, labels, Math.max(0, ...values))
  const barW = Math.max(1, f.step * 0.7)
  values.forEach((v, i) => {
    const y = f.y(v)
    f.svg.push(
      `<rect x="${fmt(f.x(i) - barW / 2)}" y="${fmt(y)}" width="${fmt(barW)}" height="${fmt(f.y(0) - y)}" class="bar"><title>${escapeHtml(labels[i] ?? '')}: ${readableNumber(v)} ${escapeHtml(o.unit)}</title></rect>`,
    )
  })
  f.svg.push('</svg>')
  return f.svg.join('\n')
}

/** A line chart: one polyline per series (gaps where a value is null), with a legend. */
export function lineChart(labels: string[], series: LineSeries[], o: ChartOptions): string {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null))
  const f = frame(o, labels, Math.max(0, ...all))
  series.forEach((s, k) => {
    let run: string[] = []
    const flush = () => {
      if (run.length > 1)
        f.svg.push(
          `<polyline points="${run.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`,
        )
      run = []
    }
    s.values.forEach((v, i) => {
      if (v === null) {
        flush()
        return
      }
      const px = `${fmt(f.x(i))},${fmt(f.y(v))}`
      run.push(px)
      f.svg.push(
        `<circle cx="${fmt(f.x(i))}" cy="${fmt(f.y(v))}" r="3" fill="${s.color}"><title>${escapeHtml(labels[i] ?? '')} ${escapeHtml(s.name)}: ${readableNumber(v)} ${escapeHtml(o.unit)}</title></circle>`,
      )
    })
    flush()
    f.svg.push(
      `<rect x="${PAD.left + 8 + k * 90}" y="${PAD.top}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${PAD.left + 22 + k * 90}" y="${PAD.top + 9}" class="tick">${escapeHtml(s.name)}</text>`,
    )
  })
  f.svg.push('</svg>')
  return f.svg.join('\n')
}
