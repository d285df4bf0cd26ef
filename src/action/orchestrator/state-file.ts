/**
 * The state file of the Actions-hosted orchestrator: the SQLite database
 * carried from run to run as a workflow artifact (issue 5, "State sync").
 * This module checks a downloaded file before anything uses it and writes
 * the file to upload; the artifact service itself (list, download, upload)
 * is the run loop's. Only the driver interface is used, so it runs on
 * node:sqlite inside the Action and on better-sqlite3 in tests and `tm`.
 *
 * A run reads:
 *
 * ```
 * download state.db                     (run loop: @actions/artifact checks the REST API's digest while streaming)
 * info  = inspectStateFile(file, { digest: false, driver })
 * store = openStateFile(file, workPath, { driver })   // private copy, migrated
 * …handle the event, catch up, sweep…                  // on new Engine(store)
 * out   = writeSnapshot(store, outPath, info.generation + 1)
 * upload out.path                       (run loop)
 * ```
 *
 * The **generation** is an integer in the `settings` table (key
 * {@link GENERATION_KEY}) that only grows: every uploaded state carries the
 * generation it was made from plus one, so a run can tell whether someone
 * uploaded a newer state while it worked.
 *
 * What the checks can and cannot see: `PRAGMA integrity_check` proves the
 * file's structure (pages, b-trees, indexes matching their tables) but SQLite
 * keeps no checksums of row contents, so a flipped byte inside a title can
 * pass it. That is what the SHA-256 digest is for: it is checked first, and
 * a run should always pass the digest the artifact service recorded.
 */

import { createHash } from 'node:crypto'
import {
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { openBetterSqlite3 } from '../../core/db/better-sqlite3.js'
import type { OpenOptions, SqliteDriver } from '../../core/db/driver.js'
import { openNodeSqlite } from '../../core/db/node-sqlite.js'
import { openStore } from '../../core/db/open.js'
import { Store, storageError } from '../../core/db/store.js'
import { TaskError } from '../../core/errors.js'
import { checkHeader, readHead } from './sqlite-header.js'
import { FALLBACK, refuse, StateFileError, type StateFileProblem } from './state-file-error.js'
import { checkSchema } from './state-file-schema.js'

export { StateFileError, type StateFileProblem } from './state-file-error.js'

/** Opens a connection (`openBetterSqlite3`, `openNodeSqlite`). */
export type DriverFactory = (path: string, options: OpenOptions) => SqliteDriver

/** The `settings` key holding the state's generation (JSON integer ≥ 0). */
export const GENERATION_KEY = 'state.generation'

/** What a checked state file holds. */
export interface StateFileInfo {
  path: string
  /** File size in bytes. */
  bytes: number
  /**
   * SHA-256 of the file, lowercase hex (the artifact API shows it as
   * `sha256:<hex>`); null when the check was asked not to hash (`digest: false`).
   */
  sha256: string | null
  /** `PRAGMA user_version`: the schema migration the file is at (≤ `SCHEMA_VERSION`). */
  schemaVersion: number
  generation: number
  /** Number of rows in `tasks`. */
  tasks: number
}

/**
 * A digest as lowercase hex: accepts `sha256:<64 hex>` (the REST API's
 * `artifact.digest`) or the bare hex, any case.
 * @throws TaskError('InvalidInput') for anything else.
 */
export function parseSha256(digest: string): string {
  const m = /^(?:sha256:)?([0-9a-f]{64})$/i.exec(digest.trim())
  if (!m) {
    throw new TaskError(
      'InvalidInput',
      `Expected a SHA-256 digest as \`sha256:<64 hex digits>\` or 64 hex digits, got \`${digest}\`.`,
      { digest },
    )
  }
  return m[1]!.toLowerCase()
}

/**
 * The generation stored in `store`, or null when none was ever written (a
 * new or rebuilt database).
 * @throws StateFileError('generation') when the stored value is not an integer ≥ 0.
 */
export function readGeneration(store: Store): number | null {
  const row = store.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [
    GENERATION_KEY,
  ])
  if (!row) return null
  let value: unknown
  try {
    value = JSON.parse(row.value)
  } catch {
    value = row.value
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    refuse(
      'generation',
      store.driver.path,
      `has an invalid generation (${JSON.stringify(row.value)}; expected an integer ≥ 0)`,
      { generation: row.value },
    )
  }
  return value
}

/** Options of {@link inspectStateFile}. */
export interface InspectOptions {
  /**
   * Hash the file (default true). False skips the SHA-256 of the whole file
   * when nothing needs it: a download whose digest the artifact client checked
   * while streaming, a snapshot that the upload hashes anyway. Ignored when
   * `expectedSha256` is given.
   */
  digest?: boolean
  /** `sha256:<hex>` or hex; checked first when given. */
  expectedSha256?: string
  /** Connection factory (default better-sqlite3; the Action passes `openNodeSqlite`). */
  driver?: DriverFactory
  /**
   * `full` (default): `PRAGMA integrity_check`. `quick`: `PRAGMA quick_check`,
   * the same but without checking that indexes match their tables — about a
   * quarter of the time (bench/RESULTS.md); enough for a file whose digest
   * matches one that passed the full check when it was written.
   */
  check?: 'full' | 'quick'
}

/** Bytes of the file SQLite may memory-map while checking it (reads without copies). */
const MMAP_BYTES = 1 << 30

/** Page size of written snapshots: large rows (issue bodies) waste less of a 16 KiB page. */
export const SNAPSHOT_PAGE_SIZE = 16_384

/**
 * Check a state file without changing it, in this order: the SHA-256
 * `expectedSha256` when given (`sha256:<hex>` or hex), that it is a whole
 * SQLite database (header, size), no write-ahead log beside it, a Task
 * Orchestrator schema no newer than this code's `SCHEMA_VERSION` whose
 * tables, indexes, views and triggers are exactly those our migrations
 * create at its version (`./state-file-schema.ts`: checked before any
 * statement could run SQL of the file's own), `PRAGMA integrity_check`,
 * `PRAGMA foreign_key_check`, and a generation ≥ 0.
 *
 * The file is opened read-only. A file whose header is in WAL mode would
 * make SQLite create `-wal`/`-shm` files beside it even read-only, so such a
 * file is checked through a private copy in a temporary folder.
 *
 * @throws StateFileError with the failing check's `reason`; TaskError('InvalidInput') for a malformed `expectedSha256`
 */
export function inspectStateFile(path: string, options: InspectOptions = {}): StateFileInfo {
  const expected =
    options.expectedSha256 === undefined ? undefined : parseSha256(options.expectedSha256)
  if (!existsSync(path)) {
    throw new StateFileError('missing', `No state file at ${path}.`)
  }
  // The whole file is read only to hash it; otherwise its header is enough.
  const hash = expected !== undefined || options.digest !== false
  const data = hash ? readFileSync(path) : readHead(path)
  const bytes = hash ? data.length : statSync(path).size
  const sha256 = hash ? createHash('sha256').update(data).digest('hex') : null
  if (expected !== undefined && sha256 !== expected) {
    const what = `does not match its digest (sha256:${sha256}, expected sha256:${expected}): it was damaged or replaced on the way`
    refuse('digest', path, what, { sha256, expected })
  }
  const header = checkHeader(path, data, bytes)
  const wal = `${path}-wal`
  if (existsSync(wal) && statSync(wal).size > 0) {
    refuse(
      'not-a-snapshot',
      path,
      `has a write-ahead log beside it (${basename(wal)}), so the file alone is not the whole state; state files are written by writeSnapshot`,
    )
  }
  let copyDir: string | undefined
  let target = path
  if (header.wal) {
    copyDir = mkdtempSync(join(tmpdir(), 'tm-state-'))
    target = join(copyDir, 'state.db')
    copyFileSync(path, target)
  }
  try {
    const check = options.check === 'quick' ? 'quick_check' : 'integrity_check'
    return { path, bytes, sha256, ...checkDatabase(target, path, options.driver, check) }
  } finally {
    if (copyDir) rmSync(copyDir, { recursive: true, force: true })
  }
}

function checkDatabase(
  target: string,
  path: string,
  factory: DriverFactory = openBetterSqlite3,
  check: 'integrity_check' | 'quick_check' = 'integrity_check',
): Omit<StateFileInfo, 'path' | 'bytes' | 'sha256'> {
  let store: Store | undefined
  try {
    store = new Store(factory(target, { readonly: true }))
    // First, before any statement could run SQL of the file's own (a
    // trigger, a view, a CHECK expression): its schema must be ours.
    const schemaVersion = checkSchema(store.driver, path, factory)
    store.driver.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`)
    const problems = store
      .all<Record<string, string>>(`PRAGMA ${check}(20)`)
      .map((r) => Object.values(r)[0])
    if (problems.length !== 1 || problems[0] !== 'ok') {
      refuse('integrity', path, `is damaged: ${problems.slice(0, 3).join('; ')}`, { problems })
    }
    const broken = store.all<{ table: string; parent: string }>('PRAGMA foreign_key_check')
    if (broken.length > 0) {
      const first = `${broken[0]!.table} → ${broken[0]!.parent}`
      refuse(
        'foreign-keys',
        path,
        `has ${broken.length} reference(s) to missing rows (first: ${first})`,
        { broken: broken.length },
      )
    }
    const generation = readGeneration(store)
    if (generation === null) {
      refuse(
        'generation',
        path,
        `has no generation (settings key ${GENERATION_KEY}); state files are written by writeSnapshot, which sets it`,
      )
    }
    const tasks = Number(store.get<{ n: number }>('SELECT count(*) AS n FROM tasks')!.n)
    return { schemaVersion, generation, tasks }
  } catch (err) {
    throw asStateFileError(err, path)
  } finally {
    store?.close()
  }
}

function asStateFileError(err: unknown, path: string): unknown {
  if (err instanceof StateFileError) return err
  const code = String((err as { code?: unknown }).code ?? '')
  const message = err instanceof Error ? err.message : String(err)
  const reason: StateFileProblem = code.startsWith('SQLITE_NOTADB')
    ? 'not-a-database'
    : code.startsWith('SQLITE_CORRUPT')
      ? 'integrity'
      : 'unreadable'
  return new StateFileError(reason, `State file ${path} cannot be read: ${message}. ${FALLBACK}`, {
    sqlite: code,
  })
}

/** The factory of the library behind an open connection. */
function factoryOf(driver: SqliteDriver): DriverFactory {
  return driver.name === 'node:sqlite' ? openNodeSqlite : openBetterSqlite3
}

/**
 * Set the generation of `store` to `generation`, write a consistent
 * single-file copy of its committed state to `outPath` with `VACUUM INTO`
 * (no `-wal`, rollback-journal mode, compacted, {@link SNAPSHOT_PAGE_SIZE}
 * pages; WAL content is included, uncommitted work is not), then check the copy with {@link inspectStateFile} so
 * that what is uploaded is known good. Call it outside any transaction.
 *
 * @param generation the new generation: an integer ≥ the stored one
 *   (usually the downloaded state's + 1)
 * @param options.driver factory for the check (default: the library of `store`'s connection);
 *   `options.check` as for {@link inspectStateFile}
 * @returns the copy's {@link StateFileInfo}
 * @throws TaskError('InvalidInput') for a generation that is not an integer ≥ 0;
 *   StateFileError('exists') when `outPath` exists (it is left untouched);
 *   StateFileError('generation') when `generation` is below the stored one;
 *   StateFileError from the check of the copy (the copy is then deleted);
 *   TaskError('StorageError') when SQLite cannot write it
 */
export function writeSnapshot(
  store: Store,
  outPath: string,
  generation: number,
  options: Pick<InspectOptions, 'driver' | 'check' | 'digest'> = {},
): StateFileInfo {
  if (!Number.isSafeInteger(generation) || generation < 0) {
    throw new TaskError('InvalidInput', `Generation must be an integer ≥ 0, got ${generation}.`, {
      generation,
    })
  }
  if (existsSync(outPath)) {
    throw new StateFileError(
      'exists',
      `${outPath} already exists; a snapshot is written to a new path and never over a file.`,
    )
  }
  store.write(() => {
    const current = readGeneration(store)
    if (current !== null && generation < current) {
      throw new StateFileError(
        'generation',
        `Generation ${generation} is below the state's ${current}; generations only grow.`,
        { generation, current },
      )
    }
    store.run(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [GENERATION_KEY, JSON.stringify(generation)],
    )
  })
  mkdirSync(dirname(outPath), { recursive: true })
  const pragma = (name: string) => Object.values(store.get(`PRAGMA ${name}`) ?? {})[0]
  const before = { page_size: pragma('page_size'), mmap_size: pragma('mmap_size') }
  try {
    // Both only shape this copy: the page size of a live database changes only by VACUUM.
    store.driver.exec(`PRAGMA page_size = ${SNAPSHOT_PAGE_SIZE}`)
    store.driver.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`)
    store.run('VACUUM INTO ?', [outPath])
  } catch (err) {
    rmSync(outPath, { force: true })
    throw storageError(err, store.driver.path)
  } finally {
    for (const [name, value] of Object.entries(before)) {
      store.driver.exec(`PRAGMA ${name} = ${Number(value)}`)
    }
  }
  try {
    return inspectStateFile(outPath, {
      driver: options.driver ?? factoryOf(store.driver),
      ...(options.check ? { check: options.check } : {}),
      ...(options.digest !== undefined ? { digest: options.digest } : {}),
    })
  } catch (err) {
    rmSync(outPath, { force: true })
    throw err
  }
}

/**
 * Copy a checked state file to `workPath` and open the copy with
 * `openStore` (pragmas, pending migrations — with their `.v<N>.bak` backup
 * beside the copy), so the downloaded file stays as it was and the work
 * happens in a private WAL database. The copy's schema is checked again
 * (read-only, as {@link inspectStateFile} does) before `openStore` writes
 * to it, so no migration or write runs on a schema that is not ours.
 *
 * @throws StateFileError('exists') when `workPath` or one of its `-wal`,
 *   `-shm`, `-journal` files exists (stale side files would corrupt the copy);
 *   StateFileError('schema' | 'untrusted-schema') from the schema check (the
 *   copy is then deleted); TaskError('StorageError') from `openStore`
 */
export function openStateFile(
  statePath: string,
  workPath: string,
  options: { driver?: DriverFactory; busyTimeoutMs?: number } = {},
): Store {
  for (const p of [workPath, `${workPath}-wal`, `${workPath}-shm`, `${workPath}-journal`]) {
    if (existsSync(p)) {
      throw new StateFileError(
        'exists',
        `${p} already exists; open the state in a fresh working folder.`,
      )
    }
  }
  mkdirSync(dirname(workPath), { recursive: true })
  copyFileSync(statePath, workPath, constants.COPYFILE_EXCL)
  const factory = options.driver ?? openBetterSqlite3
  let copy: SqliteDriver | undefined
  try {
    copy = factory(workPath, { readonly: true })
    checkSchema(copy, statePath, factory)
  } catch (err) {
    copy?.close()
    copy = undefined
    rmSync(workPath, { force: true })
    throw asStateFileError(err, statePath)
  }
  copy.close()
  return openStore(workPath, {
    create: false,
    ...(options.driver ? { driver: options.driver } : {}),
    ...(options.busyTimeoutMs ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
  })
}
