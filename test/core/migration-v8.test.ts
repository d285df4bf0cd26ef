/**
 * Migration 8 (the installation an owed reply is posted with) on a populated
 * version-7 database: replies owed before the upgrade take the installation
 * of their issue, so the first flush after it posts them with the right
 * token; comments owing nothing are left as they were.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AppState } from '../../src/app/state.js'
import { FakeClock } from '../../src/core/clock.js'
import { openBetterSqlite3 } from '../../src/core/db/better-sqlite3.js'
import { migrate, openStore } from '../../src/core/db/open.js'
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/core/db/schema.js'
import { Store } from '../../src/core/db/store.js'
import { Engine } from '../../src/core/engine.js'
import { tempDir } from '../helpers.js'

const REPO = 'octo/api'
const AT = '2026-03-01T09:00:00.000Z'

describe('migration 8 (installation of an owed reply)', () => {
  it('gives replies owed before the upgrade their issue’s installation', () => {
    const path = join(tempDir(), 'tasks.db')
    const clock = new FakeClock(AT)
    // A version-7 database as the app wrote it: a task issue of installation 7,
    // a comment whose reply is owed, one answered, and one on an unknown issue.
    const old = new Engine(openV7(path), { clock })
    const task = old.add({ id: `${REPO}#12`, title: 'Ship it' }, 'seed')
    old.store.run(
      `INSERT INTO gh_issues (task_id, repo, number, issue_id, installation_id, is_task, state,
         labels, assignees, body, status_dirty, native_blocked_by, updated_at)
       VALUES (?, ?, 12, 112, 7, 1, 'open', '[]', '[]', '', 0, '[]', ?)`,
      [task.id, REPO, AT],
    )
    const comment = (id: number, number: number, reply: string | null) =>
      old.store.run(
        `INSERT INTO gh_comments (comment_id, repo, number, commands, processed_at, reply)
         VALUES (?, ?, ?, 1, ?, ?)`,
        [id, REPO, number, AT, reply],
      )
    comment(501, 12, '@ada claimed: token 1')
    comment(502, 12, null)
    comment(503, 99, '@bob: not a task')
    old.store.close()

    const engine = new Engine(openStore(path), { clock })
    expect(engine.store.get<{ user_version: number }>('PRAGMA user_version')?.user_version).toBe(
      SCHEMA_VERSION,
    )
    expect(
      engine.store.all('SELECT comment_id, installation_id, reply FROM gh_comments ORDER BY 1'),
    ).toEqual([
      { comment_id: 501, installation_id: 7, reply: '@ada claimed: token 1' },
      { comment_id: 502, installation_id: null, reply: null },
      { comment_id: 503, installation_id: null, reply: '@bob: not a task' },
    ])
    expect(new AppState(engine.store).owedReplies()).toEqual([
      {
        comment_id: 501,
        repo: REPO,
        number: 12,
        reply: '@ada claimed: token 1',
        installation_id: 7,
      },
      { comment_id: 503, repo: REPO, number: 99, reply: '@bob: not a task', installation_id: null },
    ])
    engine.store.close()
  })
})

/** Open `path` migrated to version 7 only (what a v7 build wrote). */
function openV7(path: string): Store {
  const store = new Store(openBetterSqlite3(path, {}))
  store.driver.exec('PRAGMA journal_mode = WAL')
  store.driver.exec('PRAGMA foreign_keys = ON')
  expect(migrate(store, MIGRATIONS.slice(0, 7))).toEqual({ from: 0, to: 7 })
  return store
}
