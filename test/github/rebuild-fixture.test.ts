/**
 * The committed recordings (`test/fixtures/github/rebuild/`, see its README):
 * a rebuild from a repository file — what GitHub held after the scenario of
 * `rebuild-scenario.ts` — must give the database its server file describes,
 * which is what the app's own database held. Two recordings: one made before
 * the status marker carried the task's state (`repository.json`, its status
 * comments read back from their prose — comments like it are still on
 * GitHub, so this path must keep working; never recorded again), and one
 * with status marker version 1 (`repository-v1.json`, read from the marker).
 * `UPDATE_FIXTURES=1` records the scenario again into the version-1 files.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { rebuildFromGitHub } from '../../src/app/rebuild/rebuild.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { recordedRequests } from '../support/github/nock.js'
import { probotForTests } from '../support/github/webhooks.js'
import { snapshot, splitLabels } from './rebuild-compare.js'
import { type FakeData, FakeRepository, serveRepository } from './rebuild-recorder.js'
import { OWNER, REPO, recordScenario } from './rebuild-scenario.js'

useGitHubHarness()

const DIR = 'test/fixtures/github/rebuild'
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`

type Snapshot = ReturnType<typeof snapshot>

/**
 * `rebuilt`'s issue records with only the columns `recorded` has: a recording
 * that is never made again cannot know columns added to the app's
 * bookkeeping after it (they are checked on the recording made now).
 */
function asRecorded(rebuilt: Snapshot, recorded: Snapshot): Snapshot {
  const columns = new Set(recorded.issues.flatMap((r) => Object.keys(r)))
  return {
    ...rebuilt,
    issues: rebuilt.issues.map((r) =>
      Object.fromEntries(Object.entries(r).filter(([k]) => columns.has(k))),
    ) as Snapshot['issues'],
  }
}

/** Rebuild from `repository` (a recorded `FakeData` with its time `at`); the database and the requests made. */
async function rebuildRecorded(repository: string) {
  const { at, ...data } = JSON.parse(readFileSync(`${DIR}/${repository}`, 'utf8')) as FakeData & {
    at: string
  }
  const clock = new FakeClock(at)
  const fake = new FakeRepository(data, clock)
  const served = serveRepository(fake)
  const engine = new Engine(openStore(':memory:'), { clock })
  const from = recordedRequests.length
  const probot = await probotForTests(() => {})
  const report = await rebuildFromGitHub(
    await probot.auth(1),
    { owner: OWNER, repo: REPO },
    engine,
    {
      installationId: 1,
    },
  )
  served.stop()
  return { engine, report, requests: recordedRequests.length - from, data }
}

describe('the recorded repository state in test/fixtures/github/rebuild', () => {
  it.runIf(process.env.UPDATE_FIXTURES)('is recorded again (UPDATE_FIXTURES=1)', async () => {
    const { fake, served, server } = await recordScenario()
    served.stop()
    writeFileSync(
      `${DIR}/repository-v1.json`,
      json({ at: new Date(server.clock.now()).toISOString(), ...fake.data }),
    )
    writeFileSync(`${DIR}/server-v1.json`, json(snapshot(server.engine)))
  })

  it('rebuilds into the database the server had (status comments before marker v1: read from their prose)', async () => {
    const server = JSON.parse(readFileSync(`${DIR}/server.json`, 'utf8')) as Snapshot
    const { engine, report, requests, data } = await rebuildRecorded('repository.json')
    // Every status comment of this recording has the marker of before version 1.
    const status = data.comments.filter((c) => c.body?.startsWith('<!-- task-orchestrator:status'))
    expect(status.length).toBeGreaterThan(0)
    for (const c of status)
      expect(c.body).toMatch(/^<!-- task-orchestrator:status \{"task":"[^"]+"\} -->\n/)
    expect(requests).toBe(9)
    expect(report.requests).toBe(9)
    const rebuilt = splitLabels(asRecorded(snapshot(engine), server))
    const original = splitLabels(server)
    expect(rebuilt.state).toEqual(original.state)
    expect(rebuilt.labels[0]).toEqual(expect.arrayContaining(original.labels[0]!))
  })

  it('rebuilds into the database the server had (status marker v1)', async () => {
    const server = JSON.parse(readFileSync(`${DIR}/server-v1.json`, 'utf8')) as Snapshot
    const { engine, report, requests, data } = await rebuildRecorded('repository-v1.json')
    const status = data.comments.filter((c) => c.body?.startsWith('<!-- task-orchestrator:status'))
    expect(status.length).toBeGreaterThan(0)
    for (const c of status)
      expect(c.body).toMatch(/^<!-- task-orchestrator:status \{"task":"[^"]+","v":1,/)
    // One more than the older recording: the one mirror linked #8 to the plain
    // issue #9 natively once #9 was closed, so #8's blocked_by links are read.
    expect(data.blockedBy[8]).toEqual([1009])
    expect(requests).toBe(10)
    expect(report.requests).toBe(10)
    const rebuilt = splitLabels(snapshot(engine))
    const original = splitLabels(server)
    expect(rebuilt.state).toEqual(original.state)
    expect(rebuilt.labels[0]).toEqual(expect.arrayContaining(original.labels[0]!))
  })
})
