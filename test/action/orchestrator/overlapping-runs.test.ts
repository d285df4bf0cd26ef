/**
 * Two workflow runs that overlap (a manual re-run, a workflow without the
 * concurrency group) answer every command once (issue 13): each run starts
 * from the newest state artifact it found, so neither may know what the other
 * did — only GitHub is shared. A run's catch-up finds the comment of the other
 * run's event while that run is still in flight; whichever answers second
 * must see the first one's reply on GitHub and stay quiet (its effects are
 * still re-applied on its own state). Each test holds one run at a chosen
 * point while the other runs in full, and counts, per command comment, the
 * replies (the app's comments whose marker names it) and the reactions.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../../src/action/orchestrator/orchestrate.js'
import type { FakeClock } from '../../../src/core/clock.js'
import { openStore } from '../../../src/core/db/open.js'
import { Engine } from '../../../src/core/engine.js'
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

const scratch = mkdtempSync(join(tmpdir(), 'overlapping-runs-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const say = (number: number, body: string, login = 'ada') => sayOn(fake, clock, number, body, login)
const idOf = (payload: Record<string, unknown>) => (payload.comment as { id: number }).id

/** Per command comment: [replies, reactions] the app posted for it. */
function answers(...payloads: Record<string, unknown>[]) {
  return payloads.map((p) => {
    const id = idOf(p)
    const replies = fake.comments.filter(
      (c) => c.user === fake.appLogin && c.body.includes(`"comment":${id}`),
    ).length
    const reactions = fake.find(
      'POST',
      `/repos/${fake.owner}/${fake.repo}/issues/comments/${id}/reactions`,
    ).length
    return [replies, reactions]
  })
}

/** (status, holder) of every task in the newest state artifact. */
function board() {
  const file = join(mkdtempSync(join(scratch, 'board-')), STATE_NAME)
  writeFileSync(file, fake.artifacts.at(-1)!.bytes)
  const engine = new Engine(openStore(file))
  try {
    return engine
      .list()
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((t) => [t.status, t.lease?.holder ?? null])
  } finally {
    engine.store.close()
  }
}

/** A point a run waits at: `reached` once it is there, `release()` lets it go on. */
function gate() {
  let reach!: () => void
  let release!: () => void
  const reached = new Promise<void>((r) => {
    reach = r
  })
  const open = new Promise<void>((r) => {
    release = r
  })
  const wait = () => {
    reach()
    return open
  }
  return { reached, release, wait }
}

/** Two task issues, tracked; then `/claim` by ada on #1 (comment a) and by bob on #2 (comment b). */
async function twoClaims() {
  fake.openIssue({ number: 1 })
  fake.openIssue({ number: 2 })
  await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
  await runOnce(fake, clock, 'issues', openedPayload(fake, 2))
  const a = say(1, '/claim', 'ada')
  const b = say(2, '/claim', 'bob')
  return { a, b }
}

describe('overlapping runs answer each command once', () => {
  it("a run slower than another run's catch-up of its comment does not answer it again", async () => {
    const { a, b } = await twoClaims()
    // Run A (for a) downloads the state, then waits: a slow runner …
    const slow = gate()
    const runA = runOnce(fake, clock, 'issue_comment', a, { afterDownload: slow.wait })
    await slow.reached
    // … while run B (for b), from the same state, runs in full. Its catch-up
    // finds a, which nothing in its state records and nobody has answered yet.
    const rb = await runOnce(fake, clock, 'issue_comment', b)
    expect(rb.catchUp?.caught).toMatchObject([{ comment: idOf(a), quiet: false }])
    slow.release()
    const ra: RunReport = await runA
    expect([ra.errors, rb.errors]).toEqual([[], []])
    expect(answers(a, b)).toEqual([
      [1, 1],
      [1, 1],
    ])
    expect(board()).toEqual([
      ['in_progress', 'ada'],
      ['in_progress', 'bob'],
    ])
  }, 60_000)

  it('a catch-up that listed a comment before its own run answered it does not answer it again', async () => {
    const { a, b } = await twoClaims()
    // Run B handles b, lists the comments (a unanswered) and starts on a; it
    // waits for ada's permission there …
    const held = gate()
    fake.holdResponse = (method, path) => {
      if (method !== 'GET' || !path.endsWith('/collaborators/ada/permission')) return undefined
      fake.holdResponse = null
      return held.wait()
    }
    const runB = runOnce(fake, clock, 'issue_comment', b)
    await held.reached
    // … while run A (for a) runs in full and answers a.
    const ra = await runOnce(fake, clock, 'issue_comment', a)
    held.release()
    const rb = await runB
    expect([ra.errors, rb.errors]).toEqual([[], []])
    expect(rb.reapplied).toBe(1) // on A's newer state, which records both
    expect(answers(a, b)).toEqual([
      [1, 1],
      [1, 1],
    ])
    expect(board()).toEqual([
      ['in_progress', 'ada'],
      ['in_progress', 'bob'],
    ])
  }, 60_000)

  it('a reply owed in a state whose run could not post it is not posted once another run answered', async () => {
    const { a, b } = await twoClaims()
    const slow = gate()
    const runA = runOnce(fake, clock, 'issue_comment', a, { afterDownload: slow.wait })
    await slow.reached
    // Run B catches a up, but GitHub refuses its reply: the reply stays owed in B's state.
    fake.refuse = (method, path) =>
      method === 'POST' && path.endsWith('/issues/1/comments')
        ? { status: 502, message: 'Bad Gateway' }
        : undefined
    const rb = await runOnce(fake, clock, 'issue_comment', b)
    expect(rb.errors.join()).toMatch(/Bad Gateway/)
    fake.refuse = null
    // Run A answers a, finds B's newer state (which owes the reply) and
    // re-applies there: the owed reply must not go out a second time.
    slow.release()
    const ra = await runA
    expect(ra.errors).toEqual([])
    expect(ra.reapplied).toBe(1)
    // And no later run posts it either.
    clock.advance(60_000)
    expect((await runOnce(fake, clock, 'schedule', {})).errors).toEqual([])
    expect(answers(a, b).map(([replies]) => replies)).toEqual([1, 1])
  }, 60_000)
})
