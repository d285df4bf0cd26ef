/**
 * {@link SqliteDriver} over Node's built-in `node:sqlite` (`DatabaseSync`),
 * for the bundled GitHub Action: the runner's Node 24 cannot load
 * better-sqlite3's native addon, which is compiled for another ABI.
 *
 * It behaves as `./better-sqlite3.ts` does, so the engine cannot tell them
 * apart (test/core/store-contract/ runs one suite against both). Where the
 * two libraries differ, this driver does what better-sqlite3 does:
 *
 * | what | node:sqlite alone | here (as better-sqlite3) |
 * |---|---|---|
 * | `undefined` value | refused | bound as NULL |
 * | boolean, Date, object value | 1/0, NULL, NULL | `TypeError` |
 * | named parameter missing from the object | bound as NULL | `RangeError` |
 * | unknown keys in the object | `Error` | ignored |
 * | `@name` written with its prefix as key | accepted | missing (keys are bare) |
 * | too few / too many positional values | NULL / SQLite error | `RangeError` |
 * | `prepare('A; B')` | B silently dropped | `RangeError` |
 * | `get`/`all` on a statement that returns no columns | executed | not executed; `undefined` / `[]` |
 * | rows | null-prototype objects, blobs as `Uint8Array` | plain objects, blobs as `Buffer` |
 * | errors | `code: 'ERR_SQLITE_ERROR'`, numeric `errcode` | `SqliteError`, `code: 'SQLITE_CONSTRAINT_UNIQUE'` … |
 * | page cache | 2 MB | 16 MB (better-sqlite3's build default) |
 *
 * One difference is kept: an integer column value outside ±(2^53 − 1) is a
 * `RangeError` here, where better-sqlite3 silently rounds it to a double.
 * The engine stores none (ids are text, counts and ids are small).
 *
 * Loading: `node:sqlite` has all this driver uses from Node 22.16 / 23.11
 * (`StatementSync.columns()`, the busy `timeout` option); Node 20 has none, so the module is fetched on first use with
 * `process.getBuiltinModule('node:sqlite')` — nothing imports it statically
 * and bundling this file is safe for Node 20. Node before 24.15 prints
 * "ExperimentalWarning: SQLite is an experimental feature …" when it first
 * loads the module; exactly that warning is dropped by wrapping
 * `process.emitWarning` for the duration of the load (Node emits it through
 * `process.emitWarning`), every other warning passes.
 */
import { TaskError } from '../errors.js'
import type { OpenOptions, SqliteDriver, SqlParams, Statement } from './driver.js'

// The parts of node:sqlite used here (@types/node 20 declares none).
type NodeValue = null | number | bigint | string | Uint8Array
interface NodeStatementSync {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint }
  get(...params: unknown[]): Record<string, unknown> | undefined
  all(...params: unknown[]): Record<string, unknown>[]
  columns(): unknown[]
  readonly sourceSQL: string
}
interface NodeDatabaseSync {
  exec(sql: string): void
  prepare(sql: string): NodeStatementSync
  close(): void
}
interface NodeSqlite {
  StatementSync: { prototype: Partial<NodeStatementSync> }
  DatabaseSync: new (
    path: string,
    options: {
      readOnly: boolean
      timeout: number
      enableForeignKeyConstraints: boolean
      enableDoubleQuotedStringLiterals: boolean
    },
  ) => NodeDatabaseSync
}

let loaded: NodeSqlite | undefined

/**
 * The `node:sqlite` module, loaded once without its ExperimentalWarning.
 * @throws TaskError('StorageError') on a Node without it, or with one older than
 *   22.16 / 23.11 (no `StatementSync.columns()`, no busy `timeout` option).
 */
export function loadNodeSqlite(): NodeSqlite {
  if (loaded) return loaded
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule
  const mod = getBuiltin
    ? (withoutSqliteWarning(() => getBuiltin.call(process, 'node:sqlite')) as
        | NodeSqlite
        | undefined)
    : undefined
  if (
    typeof mod?.DatabaseSync !== 'function' ||
    typeof mod.StatementSync?.prototype.columns !== 'function'
  ) {
    throw new TaskError(
      'StorageError',
      `The node:sqlite driver needs Node 22.16 or newer (the orchestrator Action runs on Node 24); this is Node ${process.versions.node}. Use the better-sqlite3 driver (the default) on this Node, or run on Node 24.`,
      { driver: 'node:sqlite', node: process.versions.node },
    )
  }
  loaded = mod
  return mod
}

/**
 * Run `load` with Node's one-time "SQLite is an experimental feature"
 * ExperimentalWarning dropped; any other warning is emitted as usual.
 * `process.emitWarning` is restored before returning, even on a throw.
 */
export function withoutSqliteWarning<T>(load: () => T): T {
  const original = process.emitWarning
  const filtered = (warning: string | Error, ...rest: unknown[]): void => {
    const type =
      typeof warning === 'string'
        ? typeof rest[0] === 'string'
          ? rest[0]
          : (rest[0] as { type?: string } | undefined)?.type
        : warning.name
    const message = typeof warning === 'string' ? warning : warning.message
    if (type === 'ExperimentalWarning' && /^SQLite is an experimental feature/.test(message)) return
    ;(original as (...args: unknown[]) => void).call(process, warning, ...rest)
  }
  process.emitWarning = filtered as typeof process.emitWarning
  try {
    return load()
  } finally {
    process.emitWarning = original
  }
}

/**
 * Open `path` (created if missing unless `readonly`; `:memory:` for a
 * private in-memory database) with `node:sqlite`. Foreign keys on and
 * double-quoted string literals off, as in better-sqlite3's build; busy
 * timeout `busyTimeoutMs` (default 15 s, as the better-sqlite3 driver).
 * @throws TaskError('StorageError') when `node:sqlite` is unavailable;
 *   `SqliteError` (code `SQLITE_CANTOPEN` …) when the file cannot be opened.
 */
export function openNodeSqlite(path: string, options: OpenOptions = {}): SqliteDriver {
  const { DatabaseSync } = loadNodeSqlite()
  const busyTimeoutMs = options.busyTimeoutMs ?? 15_000
  const db = sqlite(
    () =>
      new DatabaseSync(path, {
        readOnly: options.readonly ?? false,
        timeout: busyTimeoutMs,
        enableForeignKeyConstraints: true,
        enableDoubleQuotedStringLiterals: false,
      }),
  )
  let open = true
  const live = (): NodeDatabaseSync => {
    if (!open) throw new TypeError('The database connection is not open')
    return db
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`)
    db.exec('PRAGMA cache_size = -16000')
  } catch (err) {
    db.close()
    throw sqliteError(err)
  }
  return {
    name: 'node:sqlite',
    path,
    exec: (sql) => sqlite(() => live().exec(sql)),
    prepare: (sql) => prepare(live(), sql),
    close: () => {
      if (open) db.close()
      open = false
    },
  }
}

function prepare(db: NodeDatabaseSync, sql: string): Statement {
  const stmt = sqlite(() => db.prepare(sql))
  const source = stmt.sourceSQL
  if (sql.startsWith(source) && sql.slice(source.length).replace(SKIPPED, '') !== '') {
    throw new RangeError('The supplied SQL string contains more than one statement')
  }
  const returnsRows = stmt.columns().length > 0
  const shape = scanParameters(sql)
  return {
    run: (params) => {
      const r = sqlite(() => stmt.run(...bind(shape, params)))
      return { changes: Number(r.changes), lastInsertRowid: r.lastInsertRowid }
    },
    get: <T>(params?: SqlParams) => {
      if (!returnsRows) return undefined
      const row = sqlite(() => stmt.get(...bind(shape, params)))
      return (row === undefined ? undefined : plain(row)) as T | undefined
    },
    all: <T>(params?: SqlParams) =>
      (returnsRows ? sqlite(() => stmt.all(...bind(shape, params))).map(plain) : []) as T[],
  }
}

/** What may follow the one statement of a `prepare` (better-sqlite3's rule). */
const SKIPPED = /(?:[\s;]+|\/\*[\s\S]*?(?:\*\/|$)|--[^\n]*(?:\n|$))/g

/** A row as a plain object, blobs as `Buffer` (better-sqlite3's shapes). */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key in row) {
    const v = row[key]
    out[key] = v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v
  }
  return out
}

/** The parameters a statement declares, found once at prepare time. */
export interface ParameterShape {
  /** Number of anonymous `?` parameters. */
  anonymous: number
  /** Names of `@name`, `:name` and `$name` parameters, without the prefix, in order. */
  named: string[]
  /** True when the statement uses numbered `?NNN` parameters (counts are then not checked). */
  numbered: boolean
}

/**
 * The parameters of one SQL statement, by SQLite's token rules
 * (`tokenize.c`): skips string literals, quoted identifiers (`"…"`, `` `…` ``,
 * `[…]`), comments, and `$` inside identifiers.
 */
export function scanParameters(sql: string): ParameterShape {
  const named = new Set<string>()
  let anonymous = 0
  let numbered = false
  const n = sql.length
  let i = 0
  while (i < n) {
    const c = sql[i]!
    if (c === "'" || c === '"' || c === '`') {
      i++
      while (i < n && !(sql[i] === c && sql[i + 1] !== c)) i += sql[i] === c ? 2 : 1
      i++
    } else if (c === '[') {
      const end = sql.indexOf(']', i + 1)
      i = end < 0 ? n : end + 1
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i + 2)
      i = end < 0 ? n : end + 1
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2)
      i = end < 0 ? n : end + 2
    } else if (c === '?') {
      i++
      if (isDigit(sql[i])) {
        numbered = true
        while (isDigit(sql[i])) i++
      } else anonymous++
    } else if ((c === '@' || c === ':' || c === '$') && isIdChar(sql[i + 1])) {
      let j = i + 1
      while (isIdChar(sql[j])) j++
      named.add(sql.slice(i + 1, j))
      i = j
    } else if (isIdChar(c)) {
      while (isIdChar(sql[i])) i++
    } else i++
  }
  return { anonymous, named: [...named], numbered }
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9'
const isIdChar = (c: string | undefined) =>
  c !== undefined && (/[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) > 0x7f)

/** Arguments for node:sqlite, checked and converted as better-sqlite3 binds them. */
function bind(shape: ParameterShape, params: SqlParams | undefined): unknown[] {
  if (params === undefined || Array.isArray(params)) {
    const values = (params ?? []) as readonly unknown[]
    if (!shape.numbered) {
      if (values.length > shape.anonymous) {
        throw new RangeError('Too many parameter values were provided')
      }
      if (values.length < shape.anonymous) {
        throw new RangeError('Too few parameter values were provided')
      }
      if (shape.named.length > 0) {
        throw new RangeError(`Missing named parameter "${shape.named[0]}"`)
      }
    }
    return values.map(value)
  }
  const proto = Object.getPrototypeOf(params)
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError('Named parameters can only be passed within plain objects')
  }
  if (shape.anonymous > 0) throw new RangeError('Too few parameter values were provided')
  if (shape.named.length === 0) return []
  const out: Record<string, NodeValue> = {}
  for (const name of shape.named) {
    if (!Object.hasOwn(params, name)) throw new RangeError(`Missing named parameter "${name}"`)
    out[name] = value((params as Record<string, unknown>)[name])
  }
  return [out]
}

function value(v: unknown): NodeValue {
  if (v === undefined || v === null) return null
  const t = typeof v
  if (t === 'number' || t === 'string' || t === 'bigint') return v as number | string | bigint
  if (v instanceof Uint8Array) return v
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  throw new TypeError('SQLite3 can only bind numbers, strings, bigints, buffers, and null')
}

/** Run a node:sqlite call, turning its errors into better-sqlite3-shaped ones. */
function sqlite<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw sqliteError(err)
  }
}

/** An SQLite error as better-sqlite3 reports it: `code` is the result code's name. */
export class SqliteError extends Error {
  override readonly name = 'SqliteError'
  /** e.g. `SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE` (SQLite "Result and Error Codes"). */
  readonly code: string
  /** The numeric extended result code. */
  readonly errcode: number

  constructor(message: string, errcode: number, cause?: unknown) {
    super(message, { cause })
    this.errcode = errcode
    this.code = resultCodeName(errcode)
  }
}

function sqliteError(err: unknown): unknown {
  const e = err as { errcode?: unknown; message?: string; code?: string }
  if (typeof e?.errcode === 'number') return new SqliteError(e.message ?? '', e.errcode, err)
  if (e?.code === 'ERR_INVALID_ARG_VALUE' && /contains no statements/.test(e.message ?? '')) {
    return new RangeError('The supplied SQL string contains no statements')
  }
  return err
}

// SQLite result codes (sqlite3.h, https://sqlite.org/rescode.html): the
// primary code is the low byte; extended code = primary | (n << 8).
const PRIMARY: Record<number, string> = {
  ...'OK,ERROR,INTERNAL,PERM,ABORT,BUSY,LOCKED,NOMEM,READONLY,INTERRUPT,IOERR,CORRUPT,NOTFOUND,FULL,CANTOPEN,PROTOCOL,EMPTY,SCHEMA,TOOBIG,CONSTRAINT,MISMATCH,MISUSE,NOLFS,AUTH,FORMAT,RANGE,NOTADB,NOTICE,WARNING'.split(
    ',',
  ),
  100: 'ROW',
  101: 'DONE',
}
const EXTENDED: Record<number, string> = {
  0: ',LOAD_PERMANENTLY,SYMLINK',
  1: ',MISSING_COLLSEQ,RETRY,SNAPSHOT,RESERVESIZE,KEY,UNABLE',
  4: ',,ROLLBACK',
  5: ',RECOVERY,SNAPSHOT,TIMEOUT',
  6: ',SHAREDCACHE,VTAB',
  8: ',RECOVERY,CANTLOCK,ROLLBACK,DBMOVED,CANTINIT,DIRECTORY',
  10: ',READ,SHORT_READ,WRITE,FSYNC,DIR_FSYNC,TRUNCATE,FSTAT,UNLOCK,RDLOCK,DELETE,BLOCKED,NOMEM,ACCESS,CHECKRESERVEDLOCK,LOCK,CLOSE,DIR_CLOSE,SHMOPEN,SHMSIZE,SHMLOCK,SHMMAP,SEEK,DELETE_NOENT,MMAP,GETTEMPPATH,CONVPATH,VNODE,AUTH,BEGIN_ATOMIC,COMMIT_ATOMIC,ROLLBACK_ATOMIC,DATA,CORRUPTFS,IN_PAGE,BADKEY,CODEC',
  11: ',VTAB,SEQUENCE,INDEX',
  14: ',NOTEMPDIR,ISDIR,FULLPATH,CONVPATH,DIRTYWAL,SYMLINK',
  19: ',CHECK,COMMITHOOK,FOREIGNKEY,FUNCTION,NOTNULL,PRIMARYKEY,TRIGGER,UNIQUE,VTAB,ROWID,PINNED,DATATYPE',
  23: ',USER',
  27: ',RECOVER_WAL,RECOVER_ROLLBACK,RBU',
  28: ',AUTOINDEX',
}

/** `SQLITE_…` name of an (extended) result code; `UNKNOWN_SQLITE_ERROR_<n>` as better-sqlite3 says. */
export function resultCodeName(code: number): string {
  const primary = PRIMARY[code & 0xff]
  const suffix = code > 0xff ? EXTENDED[code & 0xff]?.split(',')[code >> 8] : ''
  if (primary === undefined || !(suffix || code <= 0xff)) return `UNKNOWN_SQLITE_ERROR_${code}`
  return suffix ? `SQLITE_${primary}_${suffix}` : `SQLITE_${primary}`
}
