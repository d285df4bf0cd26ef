/**
 * SQLite failures of the storage itself — a read-only file, a full disk, an
 * I/O error, a lock held too long, a damaged file — as
 * `TaskError('StorageError')` with the cause in words a person can act on.
 * Both drivers report SQLite errors the same way (`code` is the result code's
 * name, e.g. `SQLITE_READONLY_DBMOVED`; see `node-sqlite.ts`), and the
 * causes below are SQLite's primary result codes
 * (https://sqlite.org/rescode.html). Errors that mean a bug in our SQL
 * (`SQLITE_CONSTRAINT`, `SQLITE_ERROR` …) are not storage failures and stay
 * internal errors.
 */
import { TaskError } from '../errors.js'

/** Primary result codes that say the storage, not our SQL, failed. */
const STORAGE_CODES = [
  'SQLITE_READONLY',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_PERM',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_NOLFS',
] as const

/** The SQLite result code name of `err` (`SQLITE_FULL` …), or null when it is no SQLite error. */
export function sqliteCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code
  return err instanceof Error && typeof code === 'string' && code.startsWith('SQLITE_')
    ? code
    : null
}

/** True when `err` is an SQLite error caused by the storage (see {@link STORAGE_CODES}). */
export function isStorageFailure(err: unknown): boolean {
  const code = sqliteCode(err)
  return code !== null && STORAGE_CODES.some((c) => code === c || code.startsWith(`${c}_`))
}

/**
 * `err` (a driver error) as `TaskError('StorageError')` on the database at
 * `path`: the message names the cause and its SQLite code
 * (`the database file is read-only: /x/tasks.db (SQLITE_READONLY)`,
 * `the disk is full (SQLITE_FULL) …`) and what to do; `details` are
 * `{ sqlite: code, path }` (`sqlite` is `''` for an error without a code).
 */
export function storageError(err: unknown, path: string): TaskError {
  const message = err instanceof Error ? err.message : String(err)
  const code = sqliteCode(err) ?? String((err as { code?: unknown } | null)?.code ?? '')
  const is = (c: string) => code === c || code.startsWith(`${c}_`)
  const tag = code ? ` (${code})` : ''
  let text: string
  if (is('SQLITE_READONLY')) {
    text = `The database file is read-only: ${path}${tag}. Nothing was changed. Make the file and its folder writable for this user (SQLite also writes ${path}-wal and ${path}-shm beside it), or use a writable copy.`
  } else if (is('SQLITE_FULL')) {
    text = `Database ${path}: the disk is full${tag}. Nothing was changed. Free some space on its disk and retry.`
  } else if (is('SQLITE_IOERR')) {
    text = `Database ${path}: the disk or file system reported an I/O error${tag}: ${message}. Nothing was changed. Check the disk, then retry.`
  } else if (is('SQLITE_CANTOPEN') || is('SQLITE_PERM')) {
    text = `Database ${path} cannot be opened${tag}: ${message}. Check that its folder exists and that this user may read and write the file and the folder.`
  } else if (is('SQLITE_BUSY') || is('SQLITE_LOCKED') || /database is locked/i.test(message)) {
    text = `Database ${path}: ${message}${tag}. Another process held the write lock past the busy timeout; retry the command.`
  } else if (
    is('SQLITE_CORRUPT') ||
    is('SQLITE_NOTADB') ||
    /malformed|not a database/i.test(message)
  ) {
    text = `Database ${path}: ${message}${tag}. The file is damaged or not a Task Orchestrator database; restore a backup.`
  } else {
    text = `Database ${path}: ${message}${tag}.`
  }
  return new TaskError('StorageError', text, { sqlite: code, path })
}
