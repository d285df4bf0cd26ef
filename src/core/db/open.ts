/**
 * Opening the task database: default location, pragmas, migrations.
 *
 * Pragmas (SQLite docs): WAL so readers never block the writer and a crash
 * mid-write leaves the last committed state; `synchronous = NORMAL`, durable
 * in WAL mode across application crashes; `busy_timeout` so concurrent agents
 * queue for the write lock instead of failing; `foreign_keys` on.
 */
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { isTaskError, TaskError } from '../errors.js'
import { openBetterSqlite3 } from './better-sqlite3.js'
import type { OpenOptions, SqliteDriver } from './driver.js'
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js'
import { Store, storageError } from './store.js'

/** Default database file, relative to the working directory. */
export const DEFAULT_DB_PATH = './.task-orchestrator/tasks.db'

/** The database path: explicit option, else `TM_DB`, else {@link DEFAULT_DB_PATH}. */
export function resolveDbPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(explicit || env.TM_DB || DEFAULT_DB_PATH)
}

export interface OpenStoreOptions extends OpenOptions {
  /** Create the file (and its folder) when missing. Default true. */
  create?: boolean
  /** A driver factory; defaults to better-sqlite3. */
  driver?: (path: string, options: OpenOptions) => SqliteDriver
}

/**
 * Open (creating when allowed) the database at `path`, apply pragmas and run
 * pending migrations. Throws `TaskError('StorageError')` when the file is not
 * a database, is from a newer version, or is missing with `create: false`.
 */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  const memory = path === ':memory:'
  if (!memory) {
    if (!existsSync(path)) {
      if (options.create === false || options.readonly) {
        throw new TaskError(
          'StorageError',
          `No task database at ${path}. Run \`tm init\` first, or point --db / TM_DB at an existing file.`,
        )
      }
      mkdirSync(dirname(path), { recursive: true })
    }
  }
  const open = options.driver ?? openBetterSqlite3
  let driver: SqliteDriver
  try {
    driver = open(path, options)
  } catch (err) {
    throw storageError(err, path)
  }
  const store = new Store(driver)
  try {
    driver.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 15_000}`)
    if (!options.readonly) {
      driver.exec('PRAGMA journal_mode = WAL')
      driver.exec('PRAGMA synchronous = NORMAL')
    }
    driver.exec('PRAGMA foreign_keys = ON')
    if (!options.readonly) migrate(store)
    else checkVersion(userVersion(store), path)
  } catch (err) {
    driver.close()
    throw isTaskError(err) ? err : storageError(err, path)
  }
  return store
}

function userVersion(store: Store): number {
  return Number(store.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0)
}

function checkVersion(version: number, path: string, supported = SCHEMA_VERSION): void {
  if (version > supported) {
    throw new TaskError(
      'StorageError',
      `Database ${path} has schema version ${version}, newer than this tm (${supported}). Upgrade Task Orchestrator.`,
      { version, supported },
    )
  }
}

/**
 * Bring the schema to {@link SCHEMA_VERSION}. Before changing a database that
 * already has data, copy it to `<file>.v<old>.bak` (after a WAL checkpoint so
 * the copy is complete). Each migration runs in `BEGIN IMMEDIATE` and re-reads
 * the version inside it, so two processes opening a new file at once migrate it
 * exactly once. Returns the versions before and after.
 */
export function migrate(
  store: Store,
  migrations: readonly string[] = MIGRATIONS,
): { from: number; to: number } {
  const path = store.driver.path
  const target = migrations.length
  const from = userVersion(store)
  checkVersion(from, path, target)
  if (from === target) return { from, to: from }
  if (from > 0 && path !== ':memory:' && statSync(path).size > 0) {
    store.driver.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    copyFileSync(path, `${path}.v${from}.bak`)
  }
  // Foreign keys off while migrating (SQLite, lang_altertable.html §7): a
  // migration that rebuilds a table drops the old one, which with foreign keys
  // on would cascade deletes into every table referencing it. The pragma is a
  // no-op inside a transaction, so it is switched here, around them; each
  // migration checks the references itself before it commits.
  const foreignKeys =
    Number(store.get<{ foreign_keys: number }>('PRAGMA foreign_keys')?.foreign_keys ?? 0) === 1
  if (foreignKeys) store.driver.exec('PRAGMA foreign_keys = OFF')
  try {
    for (let v = from; v < target; v++) {
      store.write(() => {
        if (userVersion(store) !== v) return // another process migrated meanwhile
        store.driver.exec(migrations[v]!)
        const broken = store.all<{ table: string; parent: string }>('PRAGMA foreign_key_check')
        if (broken.length > 0) {
          throw new TaskError(
            'StorageError',
            `Migration ${v + 1} of ${path} would leave ${broken.length} broken reference(s) (first: ${broken[0]!.table} → ${broken[0]!.parent}); nothing was changed.${from > 0 ? ` The backup is ${path}.v${from}.bak.` : ''}`,
            { version: v + 1, broken: broken.length },
          )
        }
        store.driver.exec(`PRAGMA user_version = ${v + 1}`)
      })
    }
  } finally {
    if (foreignKeys) store.driver.exec('PRAGMA foreign_keys = ON')
  }
  return { from, to: target }
}
