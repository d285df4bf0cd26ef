/**
 * The committed recording (`test/fixtures/github/rebuild/`, see its README):
 * a rebuild from `repository.json` — what GitHub held after the scenario of
 * `rebuild-scenario.ts` — must give the database `server.json` describes,
 * which is what the app's own database held. `UPDATE_FIXTURES=1` records the
 * scenario again and rewrites both files.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { rebuildFromGitHub } from '../../src/github/rebuild.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { recordedRequests } from '../support/github/nock.js'
import { probotForTests } from '../support/github/webhooks.js'
import { snapshot, splitLabels } from './rebuild-compare.js'
import { serveRepository } from './rebuild-fake-api.js'
import { type FakeData, FakeRepository } from './rebuild-recorder.js'
import { OWNER, REPO, recordScenario } from './rebuild-scenario.js'

useGitHubHarness()

const DIR = 'test/fixtures/github/rebuild'
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`

describe('the recorded repository state in test/fixtures/github/rebuild', () => {
  it.runIf(process.env.UPDATE_FIXTURES)('is recorded again (UPDATE_FIXTURES=1)', async () => {
    const { fake, served, server } = await recordScenario()
    served.stop()
    writeFileSync(
      `${DIR}/repository.json`,
      json({ at: new Date(server.clock.now()).toISOString(), ...fake.data }),
    )
    writeFileSync(`${DIR}/server.json`, json(snapshot(server.engine)))
  })

  it('rebuilds into the database the server had', async () => {
    const { at, ...data } = JSON.parse(
      readFileSync(`${DIR}/repository.json`, 'utf8'),
    ) as FakeData & {
      at: string
    }
    const server = JSON.parse(readFileSync(`${DIR}/server.json`, 'utf8')) as ReturnType<
      typeof snapshot
    >
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
    expect(recordedRequests.length - from).toBe(9)
    expect(report.requests).toBe(9)
    const rebuilt = splitLabels(snapshot(engine))
    const original = splitLabels(server)
    expect(rebuilt.state).toEqual(original.state)
    expect(rebuilt.labels[0]).toEqual(expect.arrayContaining(original.labels[0]!))
  })
})
