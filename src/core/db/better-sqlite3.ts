/**
 * {@link SqliteDriver} over better-sqlite3 (synchronous, native addon).
 * Used by `tm` and the Probot server on Node >= 20.
 */
import Database from 'better-sqlite3'
import type { OpenOptions, SqliteDriver, SqlParams, Statement } from './driver.js'

function bind(params: SqlParams | undefined): unknown[] {
  if (params === undefined) return []
  return Array.isArray(params) ? params : [params]
}

/** Open `path` (created if missing unless `readonly`) with better-sqlite3. */
export function openBetterSqlite3(path: string, options: OpenOptions = {}): SqliteDriver {
  const db = new Database(path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
    timeout: options.busyTimeoutMs ?? 15_000,
  })
  return {
    name: 'better-sqlite3',
    path,
    exec: (sql) => {
      db.exec(sql)
    },
    prepare(sql): Statement {
      const stmt = db.prepare(sql)
      const returnsRows = stmt.reader
      return {
        run: (params) => {
          const r = stmt.run(...bind(params))
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid }
        },
        get: <T>(params?: SqlParams) =>
          (returnsRows ? stmt.get(...bind(params)) : undefined) as T | undefined,
        all: <T>(params?: SqlParams) => (returnsRows ? stmt.all(...bind(params)) : []) as T[],
      }
    },
    close: () => db.close(),
  }
}
