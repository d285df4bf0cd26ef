/**
 * Online backups of the task database: a consistent, checked single-file copy
 * taken while agents and the app keep writing.
 *
 * The copy is SQLite's `VACUUM INTO` (sqlite.org/lang_vacuum.html#vacuuminto)
 * on a read-only connection of its own: it runs in one read transaction, so
 * it sees exactly the transactions committed when it began (WAL content
 * included, nothing half-written) and, in WAL mode, never blocks a writer.
 * It was chosen over the online backup API (`sqlite3_backup_step`, which
 * better-sqlite3's `db.backup()` wraps) because that API restarts the copy
 * whenever another connection writes between its steps, so a busy server
 * could keep a backup from ever finishing; `VACUUM INTO` also compacts the
 * copy. The copy is written under a temporary name, checked with
 * `PRAGMA integrity_check`, and only then renamed to its final name, so a
 * file with the final name is always a complete, checked database.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { TaskError } from '../errors.js'
import { openBetterSqlite3 } from './better-sqlite3.js'
import type { OpenOptions, SqliteDriver } from './driver.js'
import { openStore } from './open.js'
import { storageError } from './store.js'

/** What {@link backupDatabase} wrote. */
export interface BackupInfo {
  /** Absolute or as-given path of the copy. */
  path: string
  /** Size of the copy in bytes. */
  bytes: number
  /** Milliseconds the copy and its check took. */
  ms: number
}

/** Options of {@link backupDatabase}. */
export interface BackupOptions {
  /** Driver factory for both connections; default better-sqlite3. */
  driver?: (path: string, options: OpenOptions) => SqliteDriver
  /** Milliseconds to wait for a lock (a migration in progress); default 15,000. */
  busyTimeoutMs?: number
}

/**
 * Copy the task database at `source` to `outPath` (a new file; its folder is
 * created) while other connections and processes may be writing to it.
 *
 * @returns the copy's path, size in bytes and the time taken in ms
 * @throws TaskError('InvalidInput') when `outPath` exists (it is left as it
 *   is) or names the source itself;
 *   TaskError('StorageError') when `source` is not a task database (or is
 *   from a newer version), when SQLite cannot write the copy, or when the
 *   copy fails `PRAGMA integrity_check` (the copy is then deleted)
 */
export function backupDatabase(
  source: string,
  outPath: string,
  options: BackupOptions = {},
): BackupInfo {
  const started = performance.now()
  if (existsSync(outPath)) {
    throw new TaskError(
      'InvalidInput',
      `${outPath} already exists; a backup is written to a new file, never over one. Choose another name or remove it.`,
      { out: outPath },
    )
  }
  const open = options.driver ?? openBetterSqlite3
  const busyTimeoutMs = options.busyTimeoutMs ?? 15_000
  const store = openStore(source, { readonly: true, busyTimeoutMs, driver: open })
  const temp = `${outPath}.partial-${process.pid}`
  try {
    mkdirSync(dirname(outPath), { recursive: true })
    rmSync(temp, { force: true })
    store.run('VACUUM INTO ?', [temp])
  } catch (err) {
    rmSync(temp, { force: true })
    throw storageError(err, `${source} (backup to ${outPath})`)
  } finally {
    store.close()
  }
  try {
    checkCopy(temp, open)
    renameSync(temp, outPath)
  } finally {
    rmSync(temp, { force: true })
  }
  return { path: outPath, bytes: statSync(outPath).size, ms: performance.now() - started }
}

/** `PRAGMA integrity_check` of the copy at `path`; throws StorageError naming the first problem. */
function checkCopy(path: string, open: (path: string, options: OpenOptions) => SqliteDriver): void {
  let driver: SqliteDriver | undefined
  let problems: string[]
  try {
    driver = open(path, { readonly: true })
    problems = driver
      .prepare('PRAGMA integrity_check')
      .all<{ integrity_check: string }>()
      .map((row) => row.integrity_check)
  } catch (err) {
    throw storageError(err, path)
  } finally {
    driver?.close()
  }
  if (problems.length !== 1 || problems[0] !== 'ok') {
    throw new TaskError(
      'StorageError',
      `The backup copy failed PRAGMA integrity_check (${problems[0]}); it was deleted. Check the disk, then try again.`,
      { problems: problems.slice(0, 10) },
    )
  }
}
