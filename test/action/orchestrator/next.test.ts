/**
 * `/next` in the Actions-hosted mode (issue 10): the same app in a workflow
 * run, against the fake repository and artifact service. A `/next` claims
 * the best task and answers with its marker; a `/next` the app answered in a
 * state that was then lost is re-applied by the next run's catch-up as the
 * grant its reply named — quietly, and never as a second choice.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunReport } from '../../../src/action/orchestrator/orchestrate.js'
import type { FakeClock } from '../../../src/core/clock.js'
import { openStore } from '../../../src/core/db/open.js'
import { Engine } from '../../../src/core/engine.js'
import { readMarkers } from '../../../src/github/replies.js'
import { tempDir } from '../../helpers.js'
import type { FakeRepository } from './support/fake-repository.js'
import { say as sayOn, useFakeRepository } from './support/harness.js'
import { openedPayload } from './support/payloads.js'
import { runOnce, STATE_NAME } from './support/runs.js'

let fake: FakeRepository
let clock: FakeClock

useFakeRepository((f, c) => {
  fake = f
  clock = c
})

const say = (number: number, body: string, login = 'ada') => sayOn(fake, clock, number, body, login)
const idOf = (payload: Record<string, unknown>) => (payload.comment as { id: number }).id
const repliesTo = (id: number) =>
  fake.comments.filter((c) => c.user === fake.appLogin && c.body.includes(`"comment":${id}`))
const reactionsTo = (id: number) =>
  fake.find('POST', `/repos/${fake.owner}/${fake.repo}/issues/comments/${id}/reactions`)

/** (number, status, holder) of every task in the newest state artifact. */
function board() {
  const file = join(tempDir('next-board-'), STATE_NAME)
  writeFileSync(file, fake.artifacts.at(-1)!.bytes)
  const engine = new Engine(openStore(file))
  try {
    return engine
      .list()
      .map((t) => [Number(t.id.split('#')[1]), t.status, t.lease?.holder ?? null] as const)
      .sort((a, b) => a[0] - b[0])
  } finally {
    engine.store.close()
  }
}

/** Open task issues (labels as given) and let a run track each. */
async function open(issues: Record<number, string[]>) {
  for (const [n, labels] of Object.entries(issues)) {
    fake.openIssue({ number: Number(n), labels: ['task', ...labels] })
    await runOnce(fake, clock, 'issues', openedPayload(fake, Number(n)))
  }
}

describe('/next in the Actions-hosted mode', () => {
  it('claims the best task, assigns its issue and answers with the next marker', async () => {
    await open({ 1: ['priority: low'], 2: ['priority: high'] })
    const a = say(1, '/next', 'ada')
    const run = await runOnce(fake, clock, 'issue_comment', a)
    expect(run.errors).toEqual([])
    const [reply] = repliesTo(idOf(a))
    expect(readMarkers(reply!.body)).toEqual([
      {
        command: 'next',
        ok: true,
        task: `${fake.owner}/${fake.repo}#2`,
        token: 1,
        reason: null,
        holder: 'ada',
        expires_at: expect.stringMatching(/^2026-03-01T09:\d\d:\d\d\.000Z$/),
        comment: idOf(a),
      },
    ])
    expect(reply!.issue).toBe(1)
    expect(fake.issues.get(2)!.assignees).toEqual(['ada'])
    expect(fake.issues.get(2)!.labels).toContain('status: in_progress')
    expect(board()).toEqual([
      [1, 'pending', null],
      [2, 'in_progress', 'ada'],
    ])
  }, 60_000)

  it('a /next whose state was lost is re-applied as the grant its reply named, quietly', async () => {
    await open({ 1: ['priority: high'], 2: ['priority: low'], 3: ['priority: low'] })
    // Run B (bob's /claim on #3) is held before its upload …
    const b = say(3, '/claim', 'bob')
    let reach!: () => void
    let release!: () => void
    const reached = new Promise<void>((r) => {
      reach = r
    })
    const gate = new Promise<void>((r) => {
      release = r
    })
    const runB = runOnce(fake, clock, 'issue_comment', b, {
      maxRetries: 0, // B may not re-apply: it uploads over A's state
      beforeCheck: async () => {
        reach()
        await gate
      },
    })
    await reached
    // … while run A answers ada's /next with #1, the best task.
    const a = say(2, '/next', 'ada')
    const ra: RunReport = await runOnce(fake, clock, 'issue_comment', a)
    expect(readMarkers(repliesTo(idOf(a))[0]!.body)[0]).toMatchObject({
      ok: true,
      task: `${fake.owner}/${fake.repo}#1`,
    })
    release()
    const rb = await runB
    expect([ra.errors, rb.errors]).toEqual([[], []])
    // B's upload, the newest state, does not have ada's grant.
    expect(board()).toEqual([
      [1, 'pending', null],
      [2, 'pending', null],
      [3, 'in_progress', 'bob'],
    ])
    // Meanwhile a critical task is opened: a fresh choice now would be #4.
    fake.openIssue({ number: 4, labels: ['task', 'priority: critical'] })
    clock.advance(60_000)
    const next = await runOnce(fake, clock, 'schedule', {})
    expect(next.errors).toEqual([])
    expect(next.catchUp?.caught).toMatchObject([{ comment: idOf(a), quiet: true }])
    expect(board()).toEqual([
      [1, 'in_progress', 'ada'],
      [2, 'pending', null],
      [3, 'in_progress', 'bob'],
      [4, 'pending', null],
    ])
    expect(repliesTo(idOf(a))).toHaveLength(1)
    expect(reactionsTo(idOf(a))).toHaveLength(1)
  }, 60_000)
})
