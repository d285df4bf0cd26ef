/**
 * `tm import <path>`: bring a plan over from beads, task-master or Task
 * Orchestrator v2.3, or read back a `tm export --format json` file as it was.
 */
import type { Command } from 'commander'
import { Option } from 'commander'
import type { ImportReport } from '../../core/import/apply.js'
import { table } from '../output.js'
import { action, openEngine, optionalAgent } from '../runtime.js'

/** Human summary of an import, with the unmapped report grouped by field. */
export function importText(r: ImportReport): string {
  const lines = [
    `Imported ${r.imported} tasks from ${r.format}${r.skipped ? ` (${r.skipped} already present, skipped)` : ''}: ${r.dependencies} dependencies, ${r.parents} parent links, ${r.participants} participants, ${r.context} context entries, ${r.notes} notes, ${r.progress} progress entries${r.questions === undefined ? '' : `, ${r.questions} questions`}.`,
  ]
  if (r.unmapped.length) {
    const groups = new Map<string, { count: number; reason: string; example: string }>()
    for (const u of r.unmapped) {
      // Group by field and reason, ignoring per-item details in parentheses.
      const key = `${u.field.replace(/\[\d+\]/g, '[]')}\u0000${u.reason.replace(/\s*\([^)]*\)/g, '')}`
      const g = groups.get(key)
      if (g) g.count++
      else
        groups.set(key, {
          count: 1,
          reason: u.reason,
          example: `${u.item}${u.line ? ` (line ${u.line})` : ''}: ${JSON.stringify(u.value)}`,
        })
    }
    lines.push(
      `\nNot mapped (${r.unmapped.length}; --json lists every one):`,
      table(
        ['FIELD', 'COUNT', 'WHAT WAS DONE', 'EXAMPLE'],
        [...groups.entries()].map(([k, g]) => [
          k.split('\u0000')[0],
          g.count,
          g.reason,
          g.example.slice(0, 60),
        ]),
      ),
    )
  }
  return lines.join('\n')
}

/** Register `tm import`. */
export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'Import tasks from beads issues.jsonl, task-master tasks.json, a Task Orchestrator v2.3 data directory, or a `tm export --format json` file (ids, statuses and history fields kept as exported).',
    )
    .argument('<path>', 'file or directory to import')
    .addOption(
      new Option('--format <format>', 'source format (default: detected)').choices([
        'beads',
        'taskmaster',
        'task-orchestrator-v2.3',
        'task-orchestrator-export',
      ]),
    )
    .action(
      action(
        async (g, path: string, o: { format?: string }) => {
          const { readImportSource } = await import('../../core/import/detect.js')
          const source = readImportSource(path, o.format)
          const engine = openEngine(g, { create: true })
          if (source.format === 'task-orchestrator-export') {
            const { importExportFile } = await import('../../core/import/export-write.js')
            return { report: importExportFile(engine, source.file, optionalAgent(g)) }
          }
          const { plan } = source
          let bar: { update(n: number): void; stop(): void } | undefined
          const showBar = process.stderr.isTTY && !g.json && plan.tasks.length >= 500
          if (showBar) {
            const { SingleBar, Presets } = await import('cli-progress')
            const b = new SingleBar(
              {
                stream: process.stderr,
                format: 'Importing [{bar}] {value}/{total} tasks',
                synchronousUpdate: true,
                fps: 30,
              },
              Presets.shades_classic,
            )
            b.start(plan.tasks.length, 0)
            bar = b
          }
          try {
            return { report: engine.import(plan, optionalAgent(g), (done) => bar?.update(done)) }
          } finally {
            bar?.stop()
          }
        },
        (r) => importText(r.report),
      ),
    )
}
