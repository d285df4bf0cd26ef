/**
 * `tm report --format md|html [--out FILE]`: the dashboard's report for a
 * terminal user — the board, the dependency graph of open tasks, the critical
 * path, stale leases, unanswered questions and charts of throughput and cycle
 * time. Markdown (Mermaid diagrams, as on the GitHub dashboard, task ids for
 * references) or a standalone HTML file with inline SVG charts.
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { TaskError } from '../../core/errors.js'
import { action, openEngine, parseNumber } from '../runtime.js'

const FORMATS = ['md', 'html'] as const

/** Register `tm report`. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'The board, dependency graph, critical path, stale leases, unanswered questions and charts — as Markdown (Mermaid) or a standalone HTML file.',
    )
    .option('--format <format>', 'md or html', 'md')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--days <n>', 'days of history for the figures and charts', '30')
    .option('--title <text>', 'heading of the report', 'Task board')
    .action(
      action(
        async (g, o: { format: string; out?: string; days: string; title: string }) => {
          if (!(FORMATS as readonly string[]).includes(o.format)) {
            throw new TaskError(
              'InvalidInput',
              `--format: "${o.format}" is not a report format; use md or html.`,
            )
          }
          const days = parseNumber(o.days, '--days', 1, 3660, true)
          const engine = openEngine(g)
          const { renderReport } = await import('./report-run.js')
          const content = renderReport(engine, {
            format: o.format as 'md' | 'html',
            days,
            title: o.title,
          })
          const file = o.out ? resolve(o.out) : null
          if (file) {
            try {
              writeFileSync(file, content)
            } catch (err) {
              throw new TaskError(
                'InvalidInput',
                `--out: cannot write ${file}: ${(err as Error).message}. Check that the folder exists and is writable.`,
              )
            }
          }
          return {
            format: o.format,
            file,
            chars: content.length,
            ...(file ? {} : { content }),
          }
        },
        (r) =>
          r.file
            ? `Wrote ${r.file} (${r.format}, ${r.chars.toLocaleString('en')} characters).`
            : (r.content ?? '').replace(/\n$/, ''),
      ),
    )
}
