/**
 * Which importer reads a path, and reading it: the front door of `tm import`.
 * The parsers themselves are pure; this module does the file-system reads.
 */
import { statSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { TaskError } from '../errors.js'
import { EXPORT_FORMAT_NAME } from '../export.js'
import { parseBeads } from './beads.js'
import { type ExportFile, parseExportFile } from './export-file.js'
import type { ImportPlan } from './plan.js'
import { IMPORT_LIMITS, readSourceFile } from './source-file.js'
import { parseTaskMaster } from './taskmaster.js'
import { parseV23 } from './v23.js'

/** Formats `tm import` understands. */
export const IMPORT_FORMATS = [
  'beads',
  'taskmaster',
  'task-orchestrator-v2.3',
  'task-orchestrator-export',
] as const
export type ImportFormat = (typeof IMPORT_FORMATS)[number]

/** How each format is recognised, in the words of every refusal. */
const SUPPORTED =
  'tm import reads: task-orchestrator-export (a `tm export --format json` file: JSON whose "format" is "task-orchestrator-export"); ' +
  'beads (JSON Lines, one issue per line, the first an object with a string "id" and a "title"); ' +
  'taskmaster (a task-master tasks.json: JSON with a "tasks" list, at the top or under each tag, of objects with a numeric "id" and a "title"); ' +
  'task-orchestrator-v2.3 (a Task Orchestrator v2.3 data directory holding tasks.db, or that tasks.db). ' +
  'If the file is one of these, name it with --format to see what the importer finds wrong'

function bad(path: string, why: string): TaskError {
  return new TaskError('BadImport', `${path}: ${why}. ${SUPPORTED}.`, {
    path,
    formats: [...IMPORT_FORMATS],
  })
}

/**
 * The text of the file a person named: followed if it is a link (they chose
 * the name), but only a regular file of at most
 * `IMPORT_LIMITS.sourceFileBytes` is read.
 */
function readNamedFile(path: string): string {
  return readSourceFile(path, {
    label: path,
    limit: IMPORT_LIMITS.sourceFileBytes,
    limitFor: 'a beads, task-master or tm export file',
    followLink: true,
  })
}

function statOf(path: string) {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A task-master id: a number, or a string of digits (`"12"`). */
function isTaskMasterId(value: unknown): boolean {
  return (
    (typeof value === 'number' && Number.isInteger(value)) ||
    (typeof value === 'string' && /^\d+$/.test(value.trim()))
  )
}

/**
 * Why `doc` is not a task-master file, or undefined when it is one: a
 * `tasks` list at the top or under at least one tag, every entry an object
 * with a numeric `id` and a `title`.
 */
function notTaskMaster(doc: unknown): string | undefined {
  if (!isRecord(doc)) {
    return `JSON ${Array.isArray(doc) ? 'list' : typeof doc}, not an object with a "tasks" list`
  }
  const lists = Array.isArray(doc.tasks)
    ? [['tasks', doc.tasks] as const]
    : Object.entries(doc)
        .filter(([, tag]) => isRecord(tag) && Array.isArray(tag.tasks))
        .map(([name, tag]) => [`${name}.tasks`, (tag as { tasks: unknown[] }).tasks] as const)
  if (lists.length === 0) return 'JSON without a "tasks" list, at the top or under a tag'
  for (const [where, tasks] of lists) {
    const i = tasks.findIndex(
      (t) =>
        !isRecord(t) || !isTaskMasterId(t.id) || !['string', 'number'].includes(typeof t.title),
    )
    if (i >= 0) {
      return `JSON with a "tasks" list whose entry ${where}[${i}] is not a task-master task (an object with a numeric "id" and a "title")`
    }
  }
  return undefined
}

/** True when the first non-empty line is a JSON object with a string `id` and a `title`. */
function looksLikeBeads(text: string): boolean {
  const first = text.split('\n').find((l) => l.trim() !== '')
  if (first === undefined) return false
  try {
    const issue: unknown = JSON.parse(first)
    return (
      isRecord(issue) &&
      typeof issue.id === 'string' &&
      issue.id.trim() !== '' &&
      ['string', 'number', 'boolean'].includes(typeof issue.title)
    )
  } catch {
    return false
  }
}

/**
 * The format of the import source at `path`, recognised by its content
 * (never guessed from a name alone):
 * - a directory holding `tasks.db`, or a file named `tasks.db` →
 *   `task-orchestrator-v2.3`;
 * - JSON whose `format` is `task-orchestrator-export` →
 *   `task-orchestrator-export` (a `tm export --format json` file);
 * - JSON with a `tasks` list (top level or under a tag) of objects with a
 *   numeric `id` and a `title` → `taskmaster`;
 * - text (any name, `.jsonl` included) whose first non-empty line is a JSON
 *   object with a string `id` and a `title` → `beads`.
 *
 * Only reads; the content is not validated beyond what telling formats
 * apart needs (the parser does that).
 *
 * @throws TaskError('BadImport') when the path does not exist or matches no
 *   format — the message says what was found and how each format is
 *   recognised — or is not a regular file within the size cap (see
 *   `source-file.ts`).
 */
export function detectFormat(path: string): ImportFormat {
  const st = statOf(path)
  if (!st) throw bad(path, 'no such file or directory')
  if (st.isDirectory()) {
    if (statOf(join(path, 'tasks.db'))?.isFile()) return 'task-orchestrator-v2.3'
    throw bad(path, 'directory without tasks.db, so not a Task Orchestrator v2.3 data directory')
  }
  if (basename(path) === 'tasks.db') return 'task-orchestrator-v2.3'
  const text = readNamedFile(path)
  if (text.trim() === '') throw bad(path, 'empty file')
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    if (looksLikeBeads(text)) return 'beads'
    throw bad(
      path,
      extname(path).toLowerCase() === '.jsonl'
        ? 'JSON Lines whose first record is not a beads issue (an object with a string "id" and a "title")'
        : 'neither JSON nor JSON Lines of beads issues',
    )
  }
  if (isRecord(doc) && 'format' in doc && typeof doc.format === 'string') {
    if (doc.format === EXPORT_FORMAT_NAME) return 'task-orchestrator-export'
    throw bad(
      path,
      `JSON declaring "format": ${JSON.stringify(doc.format.slice(0, 80))}, not one tm reads`,
    )
  }
  const why = notTaskMaster(doc)
  if (why === undefined) return 'taskmaster'
  if (looksLikeBeads(text)) return 'beads'
  throw bad(path, why)
}

/** What `tm import` reads from a source: a plan of another tool, or a `tm export` file. */
export type ImportSource =
  | { format: 'task-orchestrator-export'; file: ExportFile }
  | { format: Exclude<ImportFormat, 'task-orchestrator-export'>; plan: ImportPlan }

/**
 * Read the source at `path` in `format` (detected with {@link detectFormat}
 * when not given): a `tm export` file is checked (`export-file.ts`), any
 * other format parsed into an {@link ImportPlan}. For
 * `task-orchestrator-v2.3`, `path` may be the data directory or its
 * `tasks.db`.
 *
 * Files are read only when they are regular files within the caps of
 * `IMPORT_LIMITS` (`source-file.ts`); the path named may be a symbolic link,
 * but nothing inside a v2.3 data directory may.
 *
 * @throws TaskError('BadImport') for an unknown format name, an unreadable
 *   path, a FIFO, device or other non-regular file, a file over its cap, or
 *   whatever the parser refuses.
 */
export function readImportSource(path: string, format?: string): ImportSource {
  const chosen = format ?? detectFormat(path)
  if (!(IMPORT_FORMATS as readonly string[]).includes(chosen)) {
    throw bad(path, `unknown import format "${chosen}"`)
  }
  if (chosen === 'task-orchestrator-v2.3') {
    const dir = statOf(path)?.isFile() && basename(path) === 'tasks.db' ? dirname(path) : path
    return { format: chosen, plan: parseV23(dir) }
  }
  const text = readNamedFile(path)
  if (chosen === 'task-orchestrator-export') {
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch (err) {
      throw new TaskError(
        'BadImport',
        `${path}: not valid JSON (${(err as Error).message}); a tm export is one JSON document`,
        { file: path },
      )
    }
    return { format: chosen, file: parseExportFile(doc, path) }
  }
  return chosen === 'beads'
    ? { format: chosen, plan: parseBeads(text, path) }
    : { format: 'taskmaster', plan: parseTaskMaster(text, path) }
}

/**
 * Like {@link readImportSource}, for the formats of other tools (beads,
 * task-master, Task Orchestrator v2.3), whose result is an
 * {@link ImportPlan} for `Engine.import`.
 *
 * @throws TaskError('BadImport') as {@link readImportSource} does, and for a
 *   `tm export` file (import that with `importExportFile`, as `tm import` does).
 */
export function readImportPlan(path: string, format?: string): ImportPlan {
  const source = readImportSource(path, format)
  if (source.format === 'task-orchestrator-export') {
    throw new TaskError(
      'BadImport',
      `${path}: a tm export, not the plan of another tool; import it with importExportFile (tm import does).`,
      { file: path },
    )
  }
  return source.plan
}
