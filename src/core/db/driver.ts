/**
 * The small interface the engine needs from SQLite, so that one engine runs
 * on better-sqlite3 (CLI, Probot server) and on Node's built-in `node:sqlite`
 * (inside the bundled GitHub Action). Both drivers implement exactly this.
 */

/** Parameters bound to a statement: positional values or `@name` keys. */
export type SqlParams = readonly unknown[] | Record<string, unknown>

/** Outcome of a statement that writes. */
export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number
  lastInsertRowid: number | bigint
}

/** A prepared statement. Rows are plain objects keyed by column name. */
export interface Statement {
  run(params?: SqlParams): RunResult
  get<T = Record<string, unknown>>(params?: SqlParams): T | undefined
  all<T = Record<string, unknown>>(params?: SqlParams): T[]
}

/** An open SQLite connection. */
export interface SqliteDriver {
  /** Driver name, for diagnostics (`better-sqlite3`, `node:sqlite`). */
  readonly name: string
  /** File path, or `:memory:`. */
  readonly path: string
  /** Run one or more statements without results (DDL, pragmas, BEGIN/COMMIT). */
  exec(sql: string): void
  prepare(sql: string): Statement
  close(): void
}

/** Options every driver honours when opening a file. */
export interface OpenOptions {
  /** Open read-only; the file must exist. */
  readonly?: boolean
  /** Milliseconds to wait for a lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number
}
