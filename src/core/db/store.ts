/**
 * The engine's handle on SQLite: a driver plus a prepared-statement cache and
 * transactions. Every write goes through {@link Store.write}, which uses
 * `BEGIN IMMEDIATE` so that the write lock is taken up front and two writers
 * never deadlock on a read→write upgrade (SQLite docs, "BEGIN IMMEDIATE").
 */
import type { RunResult, SqliteDriver, SqlParams, Statement } from './driver.js'
import { isStorageFailure, storageError } from './storage-error.js'

/** A driver with a statement cache and all-or-nothing transactions. */
export class Store {
  readonly driver: SqliteDriver
  private readonly statements = new Map<string, Statement>()
  private depth = 0

  constructor(driver: SqliteDriver) {
    this.driver = driver
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql)
    if (!s) {
      s = this.driver.prepare(sql)
      this.statements.set(sql, s)
    }
    return s
  }

  /** Run a writing statement; returns changes and last row id. */
  run(sql: string, params?: SqlParams): RunResult {
    return this.stmt(sql).run(params)
  }

  /** First row of a query, or undefined. */
  get<T = Record<string, unknown>>(sql: string, params?: SqlParams): T | undefined {
    return this.stmt(sql).get<T>(params)
  }

  /** All rows of a query. */
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): T[] {
    return this.stmt(sql).all<T>(params)
  }

  /**
   * Run `fn` inside `BEGIN IMMEDIATE … COMMIT`; any throw rolls everything
   * back, so a command is all-or-nothing. Nested calls are savepoints in the
   * outer transaction. SQLITE_BUSY after the busy timeout, and a failure of
   * the storage itself (read-only file, full disk, I/O error: see
   * `storage-error.ts`), become `TaskError('StorageError')`.
   */
  write<T>(fn: () => T): T {
    return this.transaction('BEGIN IMMEDIATE', fn)
  }

  /** Run `fn` in a read transaction: one consistent snapshot for several queries. */
  read<T>(fn: () => T): T {
    return this.transaction('BEGIN DEFERRED', fn)
  }

  private transaction<T>(begin: string, fn: () => T): T {
    if (this.depth > 0) return this.savepoint(fn)
    try {
      this.run(begin)
    } catch (err) {
      throw storageError(err, this.driver.path)
    }
    this.depth++
    try {
      const result = fn()
      this.run('COMMIT')
      return result
    } catch (err) {
      try {
        this.run('ROLLBACK')
      } catch {
        // The transaction may already be rolled back by SQLite (e.g. SQLITE_FULL).
      }
      // A read-only file, a full disk, an I/O error: the storage failed, not the command.
      throw isStorageFailure(err) ? storageError(err, this.driver.path) : err
    } finally {
      this.depth--
    }
  }

  /**
   * A nested transaction is a SAVEPOINT: when `fn` throws, only its own
   * changes are undone and the outer transaction carries on (so one refused
   * command among several in a GitHub comment changes nothing of its own).
   */
  private savepoint<T>(fn: () => T): T {
    const name = `sp${this.depth}`
    this.run(`SAVEPOINT ${name}`)
    this.depth++
    try {
      const result = fn()
      this.run(`RELEASE ${name}`)
      return result
    } catch (err) {
      this.run(`ROLLBACK TO ${name}`)
      this.run(`RELEASE ${name}`)
      throw err
    } finally {
      this.depth--
    }
  }

  close(): void {
    this.statements.clear()
    this.driver.close()
  }
}

export { storageError } from './storage-error.js'
