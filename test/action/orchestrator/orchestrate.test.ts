/**
 * The Actions-hosted mode end to end, in-process: each `runOnce` is a
 * workflow run — list and download the newest state artifact with the real
 * `@actions/artifact` client, verify it, hand the run's event to the Probot
 * app, catch up, sweep, write a checked snapshot and upload it — against a
 * fake repository and artifact service on 127.0.0.1 that keeps state between
 * runs. Every REST request is validated against GitHub's OpenAPI description.
 */

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunReport } from '../../../src/action/orchestrator/orchestrate.js'
import { taskOrchestrator } from '../../../src/app/index.js'
import { FakeClock } from '../../../src/core/clock.js'
import { openStore } from '../../../src/core/db/open.js'
import { Engine } from '../../../src/core/engine.js'
import { tempDir } from '../../helpers.js'
import { type FakeRepository, startFakeRepository } from './support/fake-repository.js'
import { say as sayOn, useFakeRepository } from './support/harness.js'
import { openedPayload as openedPayloadOf } from './support/payloads.js'
import { repositoryOf, runOnce, STATE_NAME, tokenProbot } from './support/runs.js'

let fake: FakeRepository
let clock: FakeClock

useFakeRepository((f, c) => {
  fake = f
  clock = c
})

const say = (number: number, body: string, login = 'ada') => sayOn(fake, clock, number, body, login)

const openedPayload = (number: number) => openedPayloadOf(fake, number)

/** The tasks of the newest state artifact, as (id, status, holder, token). */
function boardOf(bytes: Buffer) {
  const dir = tempDir('board-')
  const file = join(dir, STATE_NAME)
  writeFileSync(file, bytes)
  const engine = new Engine(openStore(file))
  try {
    return board(engine)
  } finally {
    engine.store.close()
  }
}

function board(engine: Engine) {
  const tasks = engine.list().sort((a, b) => a.id.localeCompare(b.id))
  return tasks.map((t) => ({
    id: t.id,
    status: t.status,
    holder: t.lease?.holder ?? null,
    token: t.lease?.token ?? null,
    depends_on: engine.show(t.id).depends_on,
  }))
}

/** The artifact uploaded last. */
const newest = () => fake.artifacts.at(-1)!

/** A run paused before its check for a newer state, and the means to let it go on. */
function pausedRun(
  payload: Record<string, unknown>,
  maxRetries?: number,
): { reached: Promise<void>; release: () => void; done: Promise<RunReport> } {
  let reachedResolve!: () => void
  let release!: () => void
  const reached = new Promise<void>((r) => {
    reachedResolve = r
  })
  const gate = new Promise<void>((r) => {
    release = r
  })
  const done = runOnce(fake, clock, 'issue_comment', payload, {
    ...(maxRetries !== undefined ? { maxRetries } : {}),
    beforeCheck: async () => {
      reachedResolve()
      await gate
    },
  })
  return { reached, release, done }
}
const repliesTo = (commentId: number) =>
  fake.comments.filter((c) => c.body.includes(`"comment":${commentId}`))
const reactionsTo = (commentId: number) =>
  fake.find('POST', `/repos/${fake.owner}/${fake.repo}/issues/comments/${commentId}/reactions`)

describe('orchestrator runs', () => {
  it('download → handle → upload over a sequence of events equals the server mode', async () => {
    fake.openIssue({ number: 1, title: 'Schema', body: 'The schema.' })
    fake.openIssue({ number: 2, title: 'API', body: '### Depends on\n\n- [ ] #1\n' })
    const events: [string, Record<string, unknown>][] = []
    events.push(['issues', openedPayload(1)])
    events.push(['issues', openedPayload(2)])
    events.push(['issue_comment', say(1, '/claim')])
    events.push(['issue_comment', say(1, '/heartbeat')])
    events.push(['issue_comment', say(1, '/done schema merged', 'ada')])
    events.push(['issue_comment', say(2, '/claim', 'bob')])

    // Actions-hosted: one run per event, state only in artifacts.
    const reports: RunReport[] = []
    for (const [name, payload] of events) {
      clock.advance(5000)
      reports.push(await runOnce(fake, clock, name, payload))
    }
    expect(reports.map((r) => r.errors)).toEqual(events.map(() => []))
    // Generations grow: each one above the previous and above every artifact listed before it.
    expect(reports[0]!.generation).toBe(1)
    reports.slice(1).forEach((r, i) => {
      expect(r.generation).toBeGreaterThan(reports[i]!.generation)
      expect(r.generation).toBe(fake.artifacts[i]!.id + 1)
    })
    expect(reports[0]!.rebuilt).not.toBeNull() // first run: nothing to download
    expect(reports.slice(1).every((r) => r.source.artifact !== null)).toBe(true)
    expect(fake.artifacts).toHaveLength(6)
    const hosted = boardOf(newest().bytes)

    // Server mode: the same events through one long-lived app.
    const server = await startFakeRepository({ now: () => new Date(clock.now()).toISOString() })
    try {
      server.openIssue({ number: 1, title: 'Schema', body: 'The schema.' })
      server.openIssue({ number: 2, title: 'API', body: '### Depends on\n\n- [ ] #1\n' })
      for (const c of fake.comments.filter((x) => !x.body.includes('task-orchestrator')))
        server.comments.push({ ...c })
      const serverClock = new FakeClock('2026-03-01T09:00:00.000Z')
      const engine = new Engine(openStore(':memory:'), { clock: serverClock })
      const app = taskOrchestrator({ engine, clock: serverClock, timers: false })
      const probot = tokenProbot(server)()
      await probot.load(app)
      let n = 0
      for (const [name, payload] of events) {
        serverClock.advance(6000)
        await probot.receive({
          id: `server-${++n}`,
          name,
          payload: { ...payload, repository: repositoryOf(server) },
        } as never)
      }
      await app.flush()
      expect(hosted).toEqual(board(engine))
      expect(server.problems).toEqual([])
    } finally {
      await server.close()
    }
    expect(hosted).toEqual([
      {
        id: 'Codertocat/Hello-World#1',
        status: 'completed',
        holder: null,
        token: null,
        depends_on: [],
      },
      {
        id: 'Codertocat/Hello-World#2',
        status: 'in_progress',
        holder: 'bob',
        token: 1,
        depends_on: ['Codertocat/Hello-World#1'],
      },
    ])
    // One reply per command comment, never two.
    for (const c of fake.comments.filter((x) => x.body.startsWith('/')))
      expect(repliesTo(c.id).length).toBeLessThanOrEqual(1)
  }, 60_000)

  it('an old comment edited into a command is not run by the catch-up (edits never run commands)', async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(1))
    await runOnce(fake, clock, 'issue_comment', say(1, 'I will look at this tomorrow.', 'ada'))
    clock.advance(3_600_000)
    const c = fake.comments.find((x) => x.body.startsWith('I will look'))!
    c.body = '/claim'
    c.updated_at = new Date(clock.now()).toISOString()
    const report = await runOnce(fake, clock, 'schedule', {})
    expect(report.errors).toEqual([])
    expect(report.catchUp?.scanned).toBeGreaterThan(0) // the listing returned it …
    expect(report.catchUp?.caught).toEqual([]) // … and it was left alone
    expect(boardOf(newest().bytes)[0]).toMatchObject({ status: 'pending', holder: null })
  }, 60_000)

  it('a cancelled run (its event never handled) is caught up by the next run', async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(1))
    const missed = say(1, '/claim', 'ada') // its run was cancelled: no runOnce
    const missedId = (missed.comment as { id: number }).id
    clock.advance(60_000)
    const report = await runOnce(fake, clock, 'schedule', { schedule: '*/15 * * * *' })
    expect(report.errors).toEqual([])
    expect(report.catchUp?.caught.map((c) => c.comment)).toEqual([missedId])
    expect(report.catchUp?.requests).toBe(1)
    expect(boardOf(newest().bytes)[0]).toMatchObject({
      status: 'in_progress',
      holder: 'ada',
      token: 1,
    })
    expect(repliesTo(missedId)).toHaveLength(1)
    // Caught up once: the next run finds nothing new.
    const again = await runOnce(fake, clock, 'schedule', { schedule: '*/15 * * * *' })
    expect(again.catchUp?.caught).toEqual([])
  }, 60_000)

  it('a task issue whose opening was missed is tracked by the next scheduled run', async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(1))
    clock.advance(60_000)
    fake.openIssue({ number: 2, body: '### Depends on\n\n- [ ] #1\n' }) // its run was cancelled
    fake.openIssue({ number: 3, labels: ['question'] }) // not a task
    clock.advance(60_000)
    const report = await runOnce(fake, clock, 'schedule', {})
    expect(report.errors).toEqual([])
    expect(report.reconciled?.tracked).toEqual([2])
    expect(boardOf(newest().bytes).map((t) => [t.id, t.status, t.depends_on])).toEqual([
      ['Codertocat/Hello-World#1', 'pending', []],
      ['Codertocat/Hello-World#2', 'blocked', ['Codertocat/Hello-World#1']],
    ])
    // Tracked once: the next scheduled run lists it again but leaves it alone.
    const again = await runOnce(fake, clock, 'schedule', {})
    expect(again.reconciled?.tracked).toEqual([])
  }, 60_000)

  it('a missed command on an issue whose opening was missed too is run as a task command', async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(1))
    fake.openIssue({ number: 2 }) // cancelled run
    const missed = say(2, '/claim', 'ada') // cancelled run
    const other = say(1, '/status', 'bob')
    const report = await runOnce(fake, clock, 'issue_comment', other)
    expect(report.errors).toEqual([])
    expect(report.reconciled?.tracked).toEqual([2])
    expect(report.catchUp?.caught.map((c) => c.comment)).toEqual([
      (missed.comment as { id: number }).id,
    ])
    expect(boardOf(newest().bytes)[1]).toMatchObject({ status: 'in_progress', holder: 'ada' })
    // A plain event run with nothing untracked makes no issue listing.
    const quiet = await runOnce(fake, clock, 'issue_comment', say(1, '/status', 'bob'))
    expect(quiet.reconciled).toBeNull()
  }, 60_000)

  it('two runs racing on the same generation both keep their effect', async () => {
    fake.openIssue({ number: 1 })
    fake.openIssue({ number: 2 })
    await runOnce(fake, clock, 'issues', openedPayload(1))
    const second = await runOnce(fake, clock, 'issues', openedPayload(2))
    // Run B starts from the second state and handles /claim on #2 …
    const b = say(2, '/claim', 'bob')
    const runB = pausedRun(b)
    await runB.reached
    // … meanwhile run A, from the same state, handles /claim on #1 and uploads a newer one.
    const a = say(1, '/claim', 'ada')
    const ra = await runOnce(fake, clock, 'issue_comment', a)
    expect(ra.source.generation).toBe(second.generation)
    runB.release()
    const rb = await runB.done
    expect([ra.errors, rb.errors]).toEqual([[], []])
    // B found A's newer state before uploading: it re-applied its work there, and saved above it.
    expect(rb.reapplied).toBe(1)
    expect(rb.source.generation).toBe(ra.generation)
    expect(rb.generation).toBeGreaterThan(ra.generation)
    expect(boardOf(newest().bytes).map((t) => [t.status, t.holder])).toEqual([
      ['in_progress', 'ada'],
      ['in_progress', 'bob'],
    ])
    for (const c of [a, b]) {
      expect(repliesTo((c.comment as { id: number }).id)).toHaveLength(1)
      expect(reactionsTo((c.comment as { id: number }).id)).toHaveLength(1)
    }
  }, 60_000)

  it('when two uploads cross anyway, the next run re-applies the lost command quietly', async () => {
    fake.openIssue({ number: 1 })
    fake.openIssue({ number: 2 })
    await runOnce(fake, clock, 'issues', openedPayload(1))
    await runOnce(fake, clock, 'issues', openedPayload(2))
    const b = say(2, '/claim', 'bob')
    const runB = pausedRun(b, 0) // B may not re-apply: it uploads over A's state
    await runB.reached
    const a = say(1, '/claim', 'ada')
    const ra = await runOnce(fake, clock, 'issue_comment', a)
    runB.release()
    const rb = await runB.done
    // Uploaded after A's, without A's claim; its generation is still above A's (issue 13).
    expect(rb.generation).toBeGreaterThan(ra.generation)
    expect(boardOf(newest().bytes).map((t) => [t.status, t.holder])).toEqual([
      ['pending', null],
      ['in_progress', 'bob'],
    ])
    clock.advance(60_000)
    const next = await runOnce(fake, clock, 'schedule', {})
    expect(next.errors).toEqual([])
    expect(next.catchUp?.caught).toMatchObject([
      { comment: (a.comment as { id: number }).id, quiet: true },
    ])
    expect(boardOf(newest().bytes).map((t) => [t.status, t.holder])).toEqual([
      ['in_progress', 'ada'],
      ['in_progress', 'bob'],
    ])
    for (const c of [a, b]) {
      expect(repliesTo((c.comment as { id: number }).id)).toHaveLength(1)
      expect(reactionsTo((c.comment as { id: number }).id)).toHaveLength(1)
    }
  }, 60_000)

  it('a truncated or corrupt newest artifact → the last good one', async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(1))
    await runOnce(fake, clock, 'issue_comment', say(1, '/claim', 'ada'))
    const good = newest()
    // A later run died while uploading: truncated bytes, digest of what was meant.
    fake.artifacts.push({
      ...good,
      id: 99_001,
      bytes: good.bytes.subarray(0, Math.floor(good.bytes.length / 2)),
      created_at: '2030-01-01T00:00:00Z',
    })
    // And one whose bytes match its digest but are not a database.
    const junk = Buffer.from('not a database at all'.repeat(100))
    const { createHash } = await import('node:crypto')
    fake.artifacts.push({
      ...good,
      id: 99_002,
      bytes: junk,
      digest: `sha256:${createHash('sha256').update(junk).digest('hex')}`,
      created_at: '2030-01-02T00:00:00Z',
    })
    const report = await runOnce(fake, clock, 'schedule', {})
    expect(report.errors).toEqual([])
    expect(report.rebuilt).toBeNull()
    expect(report.source.artifact?.id).toBe(good.id)
    expect(report.source.rejected.map((r) => r.id)).toEqual([99_002, 99_001])
    expect(boardOf(newest().bytes)[0]).toMatchObject({ status: 'in_progress', holder: 'ada' })
  }, 60_000)

  it('a rebuild catches up commands that no run answered, and replays none that were', async () => {
    fake.openIssue({ number: 1 })
    fake.openIssue({ number: 2 })
    await runOnce(fake, clock, 'issues', openedPayload(1))
    await runOnce(fake, clock, 'issues', openedPayload(2))
    const answered = say(1, '/claim', 'ada')
    await runOnce(fake, clock, 'issue_comment', answered)
    const lost = say(2, '/claim', 'bob') // its run was cancelled …
    for (const a of fake.artifacts) a.expired = true // … and then every artifact expired
    clock.advance(60_000)
    const report = await runOnce(fake, clock, 'schedule', {})
    expect(report.errors).toEqual([])
    expect(report.rebuilt).not.toBeNull()
    expect(report.catchUp?.caught.map((c) => c.comment)).toEqual([
      (lost.comment as { id: number }).id,
    ])
    expect(boardOf(newest().bytes).map((t) => [t.status, t.holder, t.token])).toEqual([
      ['in_progress', 'ada', 1],
      ['in_progress', 'bob', 1],
    ])
    expect(repliesTo((answered.comment as { id: number }).id)).toHaveLength(1)
    expect(repliesTo((lost.comment as { id: number }).id)).toHaveLength(1)
  }, 60_000)

  it('no usable artifact at all → rebuilt from GitHub, never an empty board', async () => {
    fake.openIssue({ number: 1 })
    fake.openIssue({ number: 2, body: '### Depends on\n\n- [ ] #1\n' })
    await runOnce(fake, clock, 'issues', openedPayload(1))
    await runOnce(fake, clock, 'issues', openedPayload(2))
    await runOnce(fake, clock, 'issue_comment', say(1, '/claim', 'ada'))
    const before = boardOf(newest().bytes)
    for (const a of fake.artifacts) a.bytes = Buffer.from('corrupt')
    const report = await runOnce(fake, clock, 'schedule', {})
    expect(report.errors).toEqual([])
    expect(report.rebuilt?.tasks).toBe(2)
    expect(report.source.rejected).toHaveLength(3)
    const after = boardOf(newest().bytes)
    expect(after.map((t) => [t.id, t.status, t.holder, t.depends_on])).toEqual(
      before.map((t) => [t.id, t.status, t.holder, t.depends_on]),
    )
  }, 60_000)
})
