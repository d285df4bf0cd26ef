/**
 * Which importer reads a path, and reading it: the front door of `tm import`.
 * The parsers themselves are pure; this module does the file-system reads.
 */
import { statSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { TaskError } from '../errors.js'
import { parseBeads } from './beads.js'
import type { ImportPlan } from './plan.js'
import { IMPORT_LIMITS, readSourceFile } from './source-file.js'
import { parseTaskMaster } from './taskmaster.js'
import { parseV23 } from './v23.js'

/** Formats `tm import` understands. */
export const IMPORT_FORMATS = ['beads', 'taskmaster', 'task-orchestrator-v2.3'] as const
export type ImportFormat = (typeof IMPORT_FORMATS)[number]

const SUPPORTED =
  'supported formats: beads (an issues.jsonl file), taskmaster (a task-master tasks.json file), ' +
  'task-orchestrator-v2.3 (a Task Orchestrator v2.3 data directory holding tasks.db)'

function bad(path: string, why: string): TaskError {
  return new TaskError('BadImport', `${path}: ${why}; ${SUPPORTED}`, {
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
    limitFor: 'a beads or task-master file',
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

/** True when `doc` has a `tasks` list, at the top or in some tag. */
function looksLikeTaskMaster(doc: unknown): boolean {
  if (!isRecord(doc)) return false
  if (Array.isArray(doc.tasks)) return true
  return Object.values(doc).some((tag) => isRecord(tag) && Array.isArray(tag.tasks))
}

/** True when the first non-empty line is a JSON object with `id` and `title`. */
function looksLikeBeads(text: string): boolean {
  const first = text.split('\n').find((l) => l.trim() !== '')
  if (first === undefined) return false
  try {
    const issue: unknown = JSON.parse(first)
    return isRecord(issue) && typeof issue.id === 'string' && typeof issue.title === 'string'
  } catch {
    return false
  }
}

/**
 * The format of the import source at `path`:
 * - a directory holding `tasks.db`, or a file named `tasks.db` →
 *   `task-orchestrator-v2.3`;
 * - a `.jsonl` file → `beads`;
 * - a JSON file with a `tasks` list (top level or under a tag) →
 *   `taskmaster`; a non-JSON file whose first line is a JSON object with
 *   `id` and `title` → `beads`.
 *
 * Only reads; the content is not validated beyond what telling formats
 * apart needs (the parser does that).
 *
 * @throws TaskError('BadImport') when the path does not exist or matches no
 *   format (the message lists the supported formats), or is not a regular
 *   file within the size cap (see `source-file.ts`).
 */
export function detectFormat(path: string): ImportFormat {
  const st = statOf(path)
  if (!st) throw bad(path, 'no such file or directory')
  if (st.isDirectory()) {
    if (statOf(join(path, 'tasks.db'))?.isFile()) return 'task-orchestrator-v2.3'
    throw bad(path, 'directory without tasks.db, so not a Task Orchestrator v2.3 data directory')
  }
  if (basename(path) === 'tasks.db') return 'task-orchestrator-v2.3'
  if (extname(path).toLowerCase() === '.jsonl') return 'beads'
  const text = readNamedFile(path)
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    if (looksLikeBeads(text)) return 'beads'
    throw bad(path, 'neither JSON nor JSON Lines')
  }
  if (looksLikeTaskMaster(doc)) return 'taskmaster'
  throw bad(path, 'JSON without a "tasks" list, so not a task-master tasks.json')
}

/**
 * Read the source at `path` and parse it with the importer for `format`
 * (detected with {@link detectFormat} when not given). For
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
export function readImportPlan(path: string, format?: string): ImportPlan {
  const chosen = format ?? detectFormat(path)
  if (!(IMPORT_FORMATS as readonly string[]).includes(chosen)) {
    throw bad(path, `unknown import format "${chosen}"`)
  }
  if (chosen === 'task-orchestrator-v2.3') {
    const dir = statOf(path)?.isFile() && basename(path) === 'tasks.db' ? dirname(path) : path
    return parseV23(dir)
  }
  const text = readNamedFile(path)
  return chosen === 'beads' ? parseBeads(text, path) : parseTaskMaster(text, path)
}
