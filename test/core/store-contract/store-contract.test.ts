/**
 * The store contract — everything the engine relies on from SQLite (see
 * ./driver-suite.ts and ./store-suite.ts) — as one suite run against both
 * drivers:
 *
 * - here, under the tests' Node 20, against the driver `TM_TEST_DRIVER`
 *   names (default better-sqlite3);
 * - and, from the last test of this file, the same file again under Node 24
 *   with `TM_TEST_DRIVER=node:sqlite` (see ./node24.ts): that test passes
 *   only when the child ran every test title of the suite and all passed.
 *
 * The rerun registers only the suite (it does not rerun itself).
 */
import { describe, expect, it } from 'vitest'
import { openNodeSqlite, withoutSqliteWarning } from '../../../src/core/db/node-sqlite.js'
import { expectTaskError } from '../../helpers.js'
import { driverContract } from './driver-suite.js'
import { DRIVER_ENV, driverUnderTest, hasNodeSqlite } from './driver-under-test.js'
import { runUnderNode24 } from './node24.js'
import { storeLevelContract } from './store-suite.js'

const driver = driverUnderTest()
const suite: string[] = []
const register = (title: string, fn: () => unknown) => {
  if (suite.includes(title)) throw new Error(`duplicate test title: ${title}`)
  suite.push(title)
  it(title, fn)
}

describe(`store contract on ${driver.name} (Node ${process.versions.node})`, () => {
  describe('driver', () => driverContract(driver, register))
  describe('store and engine', () => storeLevelContract(driver, register))
})

if (!process.env[DRIVER_ENV]) {
  describe('the node:sqlite driver', () => {
    it.runIf(!hasNodeSqlite())('refuses clearly on a Node without node:sqlite', () => {
      const err = expectTaskError(() => openNodeSqlite(':memory:'), 'StorageError')
      expect(err.message).toMatch(/needs Node 22\.16 or newer.*better-sqlite3/)
      expect(err.details).toMatchObject({ driver: 'node:sqlite', node: process.versions.node })
    })

    it("drops only Node's SQLite ExperimentalWarning, and only while loading", async () => {
      const seen: string[] = []
      const listener = (w: Error) => seen.push(`${w.name}: ${w.message}`)
      process.on('warning', listener)
      const sqlite = 'SQLite is an experimental feature and might change at any time'
      const result = withoutSqliteWarning(() => {
        process.emitWarning(sqlite, 'ExperimentalWarning')
        process.emitWarning(sqlite, { type: 'ExperimentalWarning' })
        process.emitWarning('Something else is an experimental feature', 'ExperimentalWarning')
        process.emitWarning(sqlite, 'DeprecationWarning')
        return 42
      })
      expect(() =>
        withoutSqliteWarning(() => {
          throw new Error('load failed')
        }),
      ).toThrow('load failed')
      process.emitWarning(sqlite, 'ExperimentalWarning')
      await new Promise((done) => setImmediate(done))
      process.off('warning', listener)
      expect(result).toBe(42)
      expect(seen).toEqual([
        'ExperimentalWarning: Something else is an experimental feature',
        `DeprecationWarning: ${sqlite}`,
        `ExperimentalWarning: ${sqlite}`,
      ])
    })

    it('passes the same contract suite under Node 24', async () => {
      const run = await runUnderNode24('test/core/store-contract/store-contract.test.ts')
      expect(run.node).toMatch(/^v24\./)
      const failed = run.tests.filter((t) => t.status !== 'passed')
      expect(
        failed.map((t) => `${t.fullName}: ${t.failureMessages.join('\n')}`),
        run.output,
      ).toEqual([])
      expect(run.tests.map((t) => t.title).sort()).toEqual([...suite].sort())
      expect(run.tests[0]?.fullName).toContain('store contract on node:sqlite (Node 24.')
      expect(run.exitCode, run.output).toBe(0)
    }, 300_000)
  })
}
