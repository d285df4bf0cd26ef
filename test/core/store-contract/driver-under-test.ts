/**
 * Which SQLite driver the driver-dependent suites run against: the
 * `TM_TEST_DRIVER` environment variable, `better-sqlite3` (the default, for
 * the tests' Node 20) or `node:sqlite` (set by `./node24.ts` when it reruns a
 * suite under Node 24).
 */
import { openBetterSqlite3 } from '../../../src/core/db/better-sqlite3.js'
import type { OpenOptions, SqliteDriver } from '../../../src/core/db/driver.js'
import { openNodeSqlite } from '../../../src/core/db/node-sqlite.js'

export const DRIVER_ENV = 'TM_TEST_DRIVER'

export type DriverName = 'better-sqlite3' | 'node:sqlite'

export interface DriverUnderTest {
  name: DriverName
  open: (path: string, options: OpenOptions) => SqliteDriver
}

/** The driver named by `TM_TEST_DRIVER` (default better-sqlite3). */
export function driverUnderTest(env: NodeJS.ProcessEnv = process.env): DriverUnderTest {
  const name = env[DRIVER_ENV] ?? 'better-sqlite3'
  if (name === 'better-sqlite3') return { name, open: openBetterSqlite3 }
  if (name === 'node:sqlite') return { name, open: openNodeSqlite }
  throw new Error(`${DRIVER_ENV}=${name}: expected better-sqlite3 or node:sqlite.`)
}

/** True when this Node has `node:sqlite` (22.5+), false on the tests' Node 20. */
export function hasNodeSqlite(): boolean {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule
  return get?.call(process, 'node:sqlite') !== undefined
}
