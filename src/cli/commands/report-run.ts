/**
 * The work of `tm report`, loaded on first use (scripts/build.mjs puts it in
 * build/lazy/): the report model and its Markdown and HTML renderers are only
 * needed by this one command, so every other `tm` start-up skips them.
 */
import type { Engine } from '../../core/engine.js'
import { renderHtml } from '../../core/report/html.js'
import { renderMarkdown } from '../../core/report/markdown.js'
import { buildReport } from '../../core/report/model.js'

/**
 * The report of `engine` over the last `days` days, as Markdown (task ids as
 * references) or a standalone HTML file; `title` heads it.
 */
export function renderReport(
  engine: Engine,
  options: { format: 'md' | 'html'; days: number; title: string },
): string {
  const report = engine.readMetrics((ctx) => buildReport(ctx, { days: options.days }))
  const link = (id: string) => `\`${id}\``
  return options.format === 'html'
    ? renderHtml(report, { title: options.title })
    : renderMarkdown(report, { link, title: options.title })
}
