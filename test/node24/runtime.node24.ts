/**
 * The Node 24 run (./run.mjs) really runs on Node 24: vitest's workers, the
 * better-sqlite3 addon they load and the `tm` processes the CLI tests start.
 * Named *.node24.ts so that only ./vitest.config.ts picks it up, not the
 * main run on the machine's Node.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

describe('the Node 24 run', () => {
  it('runs its tests on Node 24 (NODE_MODULE_VERSION 137)', () => {
    expect(process.versions.node.split('.')[0]).toBe('24')
    expect(process.versions.modules).toBe('137')
  })

  it('loads better-sqlite3 from the addon compiled for Node 24', () => {
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (
      path: string,
    ) => { prepare(sql: string): { get(): unknown }; close(): void }
    const db = new Database(':memory:')
    expect(db.prepare('select 1 + 1 as two').get()).toEqual({ two: 2 })
    db.close()
    expect(process.env.TM_NODE24_ADDON).toMatch(/better_sqlite3-.*\.node$/)
  })

  it('starts tm on Node 24 with a working database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-node24-'))
    const r = spawnSync(
      process.execPath,
      [resolve('build/tm.cjs'), '--db', join(dir, 'tasks.db'), '--json', 'init'],
      { encoding: 'utf8' },
    )
    rmSync(dir, { recursive: true, force: true })
    const version = spawnSync(process.execPath, ['--version'], { encoding: 'utf8' })
    expect(version.stdout.trim()).toMatch(/^v24\./)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})
