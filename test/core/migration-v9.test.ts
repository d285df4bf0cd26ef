/**
 * Migration 9 (the last accepted body of each issue, kept apart from GitHub's
 * copy) on a populated version-8 database: every issue recorded before takes
 * its body as the accepted one (the column stays NULL: no room taken), bodies
 * stored deflated or as text read back unchanged, and the migrated file has
 * exactly the schema objects the Actions-hosted state-file check expects at
 * version 9 — so a state artifact carried over the upgrade is still accepted.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkSchema } from '../../src/action/orchestrator/state-file-schema.js'
import { AppState, packBody } from '../../src/app/state.js'
import { FakeClock } from '../../src/core/clock.js'
import { openBetterSqlite3 } from '../../src/core/db/better-sqlite3.js'
import { migrate, openStore } from '../../src/core/db/open.js'
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/core/db/schema.js'
import { expectedSchemaObjects, readSchemaObjects } from '../../src/core/db/schema-objects.js'
import { Store } from '../../src/core/db/store.js'
import { Engine } from '../../src/core/engine.js'
import { tempDir } from '../helpers.js'

const REPO = 'octo/api'
const AT = '2026-03-01T09:00:00.000Z'
const LONG = `Context.\n\n### Success criteria\n\n${'- [ ] a criterion\n'.repeat(20)}`
const SHORT = 'Plan.\n'

describe('migration 9 (the accepted body)', () => {
  it('takes every recorded body as the accepted one; the state-file schema check accepts the result', () => {
    const path = join(tempDir(), 'tasks.db')
    const clock = new FakeClock(AT)
    // A version-8 database as the app wrote it: one body deflated (a BLOB), one as text.
    const old = new Engine(openV8(path), { clock })
    for (const [number, body] of [
      [12, LONG],
      [13, SHORT],
    ] as const) {
      const task = old.add({ id: `${REPO}#${number}`, title: `Task ${number}` }, 'seed')
      old.store.run(
        `INSERT INTO gh_issues (task_id, repo, number, issue_id, installation_id, is_task, state,
           labels, assignees, body, status_dirty, native_blocked_by, updated_at)
         VALUES (?, ?, ?, ?, 7, 1, 'open', '[]', '[]', ?, 0, '[]', ?)`,
        [task.id, REPO, number, 100 + number, packBody(body), AT],
      )
    }
    expect(Buffer.isBuffer(packBody(LONG))).toBe(true)
    old.store.close()

    const engine = new Engine(openStore(path), { clock })
    expect(engine.store.get<{ user_version: number }>('PRAGMA user_version')?.user_version).toBe(
      SCHEMA_VERSION,
    )
    expect(
      engine.store.all('SELECT task_id, accepted_body FROM gh_issues ORDER BY task_id'),
    ).toEqual([
      { task_id: `${REPO}#12`, accepted_body: null },
      { task_id: `${REPO}#13`, accepted_body: null },
    ])
    const state = new AppState(engine.store)
    expect(state.issue(`${REPO}#12`)).toMatchObject({ body: LONG, accepted_body: LONG })
    expect(state.issue(`${REPO}#13`)).toMatchObject({ body: SHORT, accepted_body: SHORT })

    // An accepted body apart from GitHub's copy is stored (deflated when that is smaller) and read back.
    state.saveIssue({ ...state.issue(`${REPO}#12`)!, body: SHORT })
    expect(state.issue(`${REPO}#12`)).toMatchObject({ body: SHORT, accepted_body: LONG })
    state.saveIssue({ ...state.issue(`${REPO}#12`)!, body: LONG })
    expect(engine.store.get('SELECT accepted_body FROM gh_issues WHERE number = 12')).toEqual({
      accepted_body: null,
    })
    engine.store.close()

    // The migrated file passes the state-file schema check at its new version.
    const driver = openBetterSqlite3(path, { readonly: true })
    try {
      expect(checkSchema(driver, path, openBetterSqlite3)).toBe(SCHEMA_VERSION)
      expect(readSchemaObjects(driver)).toEqual(
        expectedSchemaObjects(SCHEMA_VERSION, openBetterSqlite3),
      )
    } finally {
      driver.close()
    }
  })
})

/** Open `path` migrated to version 8 only (what a v8 build wrote). */
function openV8(path: string): Store {
  const store = new Store(openBetterSqlite3(path, {}))
  store.driver.exec('PRAGMA journal_mode = WAL')
  store.driver.exec('PRAGMA foreign_keys = ON')
  expect(migrate(store, MIGRATIONS.slice(0, 8))).toEqual({ from: 0, to: 8 })
  return store
}
