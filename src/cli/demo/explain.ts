/**
 * What `tm demo` says about its own figures, so that none of them puzzles a
 * new user: how the plan's records became tasks (from the importer's own
 * report), where the lead times come from (the plan's creation dates), how
 * to open the database it leaves behind, and refusing to replace a database
 * the demo did not make.
 */
import { existsSync } from 'node:fs'
import { basename, isAbsolute, relative } from 'node:path'
import { openStore } from '../../core/db/open.js'
import { TaskError } from '../../core/errors.js'
import type { ImportReport } from '../../core/import/apply.js'
import type { Metrics } from '../../core/metrics.js'
import { metricsText } from '../commands/events.js'
import { importText } from '../commands/import.js'

/** The actor the demo writes its import and set-up events as. */
export const DEMO_ACTOR = 'demo'

/**
 * The importer's entries about records that did not become tasks (their
 * `item` is no task's source id), grouped by the importer's reason, largest
 * group first: for beads, records of types that are not work (agents,
 * messages, …). `items` are the records' source ids.
 */
export function notImportedAsTasks(report: ImportReport): { reason: string; items: string[] }[] {
  const groups = new Map<string, Set<string>>()
  for (const u of report.unmapped) {
    if (u.item in report.ids) continue
    groups.set(u.reason, (groups.get(u.reason) ?? new Set()).add(u.item))
  }
  return [...groups]
    .map(([reason, items]) => ({ reason, items: [...items] }))
    .sort((a, b) => b.items.length - a.items.length)
}

/**
 * The demo's import summary (text lines for stderr): records in `file`,
 * how many became tasks, the importer's reasons for the others with counts
 * (`23 × <reason>`), the usual `tm import` summary line, and how many field
 * values of the imported tasks were not mapped (not listed: `tm import
 * --json` does).
 */
export function importSummary(file: string, report: ImportReport): string {
  const left = notImportedAsTasks(report)
  const skipped = left.reduce((n, g) => n + g.items.length, 0)
  const tasks = Object.keys(report.ids).length
  const fields = report.unmapped.filter((u) => u.item in report.ids).length
  const lines = [
    `== Imported ${file}: ${tasks + skipped} records, ${tasks} imported as tasks, ${skipped} not${skipped ? ' — the importer says why:' : ''}`,
    ...left.map((g) => `   ${g.items.length} × ${g.reason}`),
    importText({ ...report, unmapped: [] }),
  ]
  if (fields) {
    lines.push(
      `(${fields} field values of the imported tasks not mapped — docs/import.md says which and why; \`tm import --json\` lists each)`,
    )
  }
  return lines.join('\n')
}

/**
 * The demo's metrics text with, under the lead-time line, where lead time
 * starts for these tasks: the creation dates in the imported plan
 * (`created`: ISO times of the tasks completed in this run), so that months
 * of lead time next to seconds of cycle time read as what they are.
 */
export function demoMetricsText(metrics: Metrics, planFile: string, created: string[]): string {
  const lines = metricsText(metrics).split('\n')
  if (created.length) {
    const days = [...created].map((c) => c.slice(0, 10)).sort()
    const range = days[0] === days.at(-1) ? days[0] : `${days[0]} … ${days.at(-1)}`
    const at = lines.findIndex((l) => l.startsWith('Lead time'))
    lines.splice(
      at < 0 ? lines.length : at + 1,
      0,
      `  (lead time counts from each task's creation date as imported from ${basename(planFile)}: ${range}, before this run; the run's own time per task is the cycle time)`,
    )
  }
  return lines.join('\n')
}

/** `text` as one shell word: unchanged when it has no special characters. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`
}

/** `path` relative to `cwd` when it lies below it, else absolute. */
function shortPath(path: string, cwd: string): string {
  const rel = relative(cwd, path)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path
}

/**
 * `tm` on the demo's database, as the user can type it in `cwd`: `tm`
 * itself when the demo was started as an installed `tm` command (`script`
 * is `process.argv[1]`), else `node <script>` (after `npm run demo`: `node
 * build/tm.cjs`), with `--db` naming the demo's database (never `TM_DB` or
 * the default `tasks.db`).
 */
export function tmOnDemoDb(script: string, db: string, cwd: string): string {
  const tm = basename(script) === 'tm' ? 'tm' : `node ${shellWord(shortPath(script, cwd))}`
  return `${tm} --db ${shellWord(shortPath(db, cwd))}`
}

/** The commands the demo ends with (and the README shows): list, metrics, expiries. */
export function inspectCommands(script: string, db: string, cwd: string): string[] {
  const tm = tmOnDemoDb(script, db, cwd)
  return [`${tm} list`, `${tm} metrics`, `${tm} events --type lease_expired`]
}

/**
 * Refuse to replace `db` unless it is missing or a database an earlier
 * `tm demo` made (its first event is the demo's import). The demo starts
 * from an empty file each run, so `tm --db tasks.db demo` would otherwise
 * delete a real backlog.
 *
 * @throws TaskError('InvalidInput') naming the file and what to do instead.
 */
export function assertReplaceable(db: string): void {
  if (!existsSync(db)) return
  let first: string | null | undefined
  try {
    const store = openStore(db, { readonly: true, create: false })
    try {
      first = store.get<{ actor: string | null }>(
        'SELECT actor FROM events ORDER BY id LIMIT 1',
      )?.actor
    } finally {
      store.close()
    }
  } catch {
    first = undefined
  }
  if (first !== DEMO_ACTOR) {
    throw new TaskError(
      'InvalidInput',
      `${db} exists and is not a database made by \`tm demo\`; the demo starts from an empty database each run, so it leaves this file alone. Run the demo without --db (it writes ./.task-orchestrator/demo.db) or point --db at a new file.`,
      { db },
    )
  }
}
