/**
 * The schema objects of a task database — its tables, indexes, views and
 * triggers as SQLite lists them in `sqlite_schema` (SQLite "The Schema
 * Table") — and the ones our own migrations create at a given schema
 * version, so that a database from elsewhere can be compared with them
 * before any of its SQL runs (`src/action/orchestrator/state-file-schema.ts`).
 *
 * The expected objects are not a hand-kept list: they are read from a fresh
 * in-memory database that {@link MIGRATIONS} brought to that version, on the
 * same driver (and so the same SQLite) as the database compared with them.
 */
import type { OpenOptions, SqliteDriver } from './driver.js'
import { migrate } from './open.js'
import { MIGRATIONS } from './schema.js'
import { Store } from './store.js'

/** One row of `sqlite_schema`. */
export interface SchemaObject {
  /** `table`, `index`, `view` or `trigger`. */
  type: string
  name: string
  /** The table an index or trigger belongs to; a table's or view's own name. */
  tbl_name: string
  /** The `CREATE …` statement as SQLite stored it; null for indexes SQLite made itself (`sqlite_autoindex_*`). */
  sql: string | null
}

/**
 * The schema objects of the database open on `driver`, ordered by type and
 * name. Reads `sqlite_schema` only: no table, view or trigger of the
 * database is evaluated.
 */
export function readSchemaObjects(driver: SqliteDriver): SchemaObject[] {
  return driver
    .prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name')
    .all<SchemaObject>()
    .map((o) => ({
      type: String(o.type),
      name: String(o.name),
      tbl_name: String(o.tbl_name),
      sql: o.sql === null ? null : String(o.sql),
    }))
}

type Open = (path: string, options: OpenOptions) => SqliteDriver

const cache = new WeakMap<Open, Map<number, readonly SchemaObject[]>>()

/**
 * The schema objects our migrations 1…`version` create, read from a fresh
 * `:memory:` database opened with `open` (use the driver the compared
 * database is read with: SQLite stores some statements as it rewrote them,
 * e.g. after `ALTER TABLE … RENAME`). Computed once per driver and version.
 *
 * @param version a schema version, 1 … `MIGRATIONS.length`
 * @throws RangeError for any other version
 */
export function expectedSchemaObjects(version: number, open: Open): readonly SchemaObject[] {
  if (!Number.isSafeInteger(version) || version < 1 || version > MIGRATIONS.length) {
    throw new RangeError(`Schema version ${version} is not one of 1…${MIGRATIONS.length}.`)
  }
  let byVersion = cache.get(open)
  if (!byVersion) {
    byVersion = new Map()
    cache.set(open, byVersion)
  }
  let objects = byVersion.get(version)
  if (!objects) {
    const store = new Store(open(':memory:', {}))
    try {
      migrate(store, MIGRATIONS.slice(0, version))
      objects = Object.freeze(readSchemaObjects(store.driver))
    } finally {
      store.close()
    }
    byVersion.set(version, objects)
  }
  return objects
}
