/** `tm export` and `tm archive`. Shapes documented in docs/cli.md. */
import { writeFileSync } from 'node:fs'
import { type Command, Option } from 'commander'
import { ARCHIVABLE } from '../../core/archive.js'
import { iso } from '../../core/clock.js'
import type { Engine } from '../../core/engine.js'
import { EXPORT_FORMATS, type ExportFormat, renderExport } from '../../core/export.js'
import { printJson } from '../output.js'
import { action, globals, openEngine, optionalAgent, parseNumber, reportError } from '../runtime.js'

/** Register `tm export` and `tm archive` on `program`. */
export function registerArchiveCommands(program: Command): void {
  program
    .command('export')
    .description('Export every task as JSON, CSV or Markdown (stable shapes, see docs/cli.md).')
    .addOption(
      new Option('--format <format>', 'output format').choices(EXPORT_FORMATS).default('json'),
    )
    .option('--out <file>', 'write to this file instead of standard output')
    .addOption(
      new Option('--archived <which>', 'archived tasks: include, exclude or only')
        .choices(['include', 'exclude', 'only'])
        .default('include'),
    )
    .action(
      (
        o: { format: ExportFormat; out?: string; archived: 'include' | 'exclude' | 'only' },
        cmd: Command,
      ) => {
        // The export itself is the output: without --out it goes to stdout as
        // is, never wrapped in { ok: … }; with --out, --json shapes the receipt.
        const g = globals(cmd)
        let engine: Engine | undefined
        try {
          engine = openEngine(g)
          const tasks = engine.exportTasks(o.archived)
          const text = renderExport(tasks, o.format, iso(engine.clock.now()))
          if (!o.out) {
            process.stdout.write(text)
            return
          }
          writeFileSync(o.out, text)
          const receipt = { out: o.out, format: o.format, tasks: tasks.length }
          if (g.json) printJson({ ok: true, ...receipt })
          else
            process.stdout.write(`Exported ${tasks.length} task(s) as ${o.format} to ${o.out}.\n`)
        } catch (err) {
          process.exitCode = reportError(err, g.json ?? false)
        } finally {
          engine?.store.close()
        }
      },
    )

  program
    .command('archive')
    .description(
      'Take finished tasks older than N days out of the working set (list, board, ready); metrics and export keep them.',
    )
    .requiredOption('--older-than <days>', 'days since the task finished')
    .option('--failed', 'archive failed tasks too (default: completed and cancelled)')
    .action(
      action(
        (g, o: { olderThan: string; failed?: boolean }) => {
          const days = parseNumber(o.olderThan.replace(/d$/, ''), '--older-than', 0, 1e6)
          return openEngine(g).archive(
            days,
            optionalAgent(g),
            o.failed ? [...ARCHIVABLE, 'failed'] : ARCHIVABLE,
          )
        },
        (r) =>
          r.archived.length
            ? `Archived ${r.archived.length} task(s) finished before ${r.before}.`
            : `Nothing to archive: no finished task before ${r.before} that is not archived already.`,
      ),
    )
}
