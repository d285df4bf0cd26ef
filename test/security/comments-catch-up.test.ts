/**
 * The Actions-hosted catch-up and hostile comments: a forged reply marker
 * in a read-only user's comment does not make a missed command look
 * answered, and a comment whose handling fails on every run is given up
 * after CATCH_UP_ATTEMPTS runs — reported once, recorded, never retried
 * again — while a failure that passes is still retried (catch-up-failures).
 */
import { describe, expect, it } from 'vitest'
import { CATCH_UP_ATTEMPTS } from '../../src/app/catch-up.js'
import type { FakeClock } from '../../src/core/clock.js'
import { MARKER_PREFIX } from '../../src/github/replies.js'
import type { FakeRepository } from '../action/orchestrator/support/fake-repository.js'
import { useFakeRepository } from '../action/orchestrator/support/harness.js'
import { commentPayload, openedPayload } from '../action/orchestrator/support/payloads.js'
import { runOnce } from '../action/orchestrator/support/runs.js'

let fake: FakeRepository
let clock: FakeClock

useFakeRepository((f, c) => {
  fake = f
  clock = c
})

/** A comment whose run was cancelled: on GitHub, never handled. */
function missed(number: number, body: string, login: string): number {
  clock.advance(1000)
  const c = fake.addComment(number, body, login)
  commentPayload(number, c.id, body, login)
  return c.id
}

const repliesTo = (id: number) =>
  fake.comments.filter(
    (c) => c.user === 'github-actions[bot]' && c.body.includes(`"comment":${id}`),
  )

describe('catch-up and hostile comments', () => {
  it("a reply marker in someone else's comment does not mark a missed command answered", async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
    fake.permissions.set('mallory', 'read')
    const claim = missed(1, '/claim', 'bob')
    const forged = `${MARKER_PREFIX}{"command":"claim","ok":true,"task":"x","token":1,"reason":null,"comment":${claim}} -->`
    missed(1, `Nothing to see here.\n\n${forged}`, 'mallory')
    clock.advance(60_000)
    const run = await runOnce(fake, clock, 'schedule', {})
    expect(run.errors).toEqual([])
    expect(run.catchUp?.caught).toEqual([
      expect.objectContaining({ comment: claim, author: 'bob', quiet: false }),
    ])
    expect(repliesTo(claim)).toHaveLength(1)
  }, 60_000)

  it('a comment that fails on every run is given up, reported and recorded, and not retried', async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
    const poison = missed(1, '/claim', 'mallory')
    const permission = `/repos/${fake.owner}/${fake.repo}/collaborators/mallory/permission`
    fake.refuse = (method, path) =>
      method === 'GET' && path === permission ? { status: 502, message: 'Bad Gateway' } : undefined
    for (let run = 1; run < CATCH_UP_ATTEMPTS; run++) {
      clock.advance(60 * 60_000)
      const report = await runOnce(fake, clock, 'schedule', {})
      expect(report.catchUp?.failed).toEqual([
        expect.objectContaining({ comment: poison, attempts: run }),
      ])
      expect(report.catchUp?.gaveUp).toEqual([])
    }
    clock.advance(60 * 60_000)
    const last = await runOnce(fake, clock, 'schedule', {})
    expect(last.catchUp?.failed).toEqual([])
    expect(last.catchUp?.gaveUp).toEqual([
      expect.objectContaining({
        comment: poison,
        attempts: CATCH_UP_ATTEMPTS,
        error: expect.stringContaining('Bad Gateway'),
      }),
    ])
    expect(last.errors).toEqual([
      expect.stringMatching(new RegExp(`comment ${poison}: given up after ${CATCH_UP_ATTEMPTS}`)),
    ])
    // Later runs skip it (and a command after it is handled as usual).
    const after = missed(1, '/status', 'bob')
    clock.advance(60 * 60_000)
    const next = await runOnce(fake, clock, 'schedule', {})
    expect(next.errors).toEqual([])
    expect(next.catchUp?.failed).toEqual([])
    expect(next.catchUp?.gaveUp).toEqual([])
    expect(next.catchUp?.caught.map((c) => c.comment)).toEqual([after])
    expect(repliesTo(poison)).toEqual([])
  }, 120_000)

  it('a hostile comment from a read-only user does not stop the catch-up', async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
    fake.permissions.set('mallory', 'read')
    missed(1, `${'- '.repeat(32000)}/status`, 'mallory')
    missed(1, `${'>'.repeat(60000)}\n\n/claim`, 'mallory')
    const claim = missed(1, '/claim', 'bob')
    clock.advance(60_000)
    const run = await runOnce(fake, clock, 'schedule', {})
    expect(run.errors).toEqual([])
    expect(run.catchUp?.caught.map((c) => [c.author, c.commands])).toEqual([
      ['mallory', 1], // not read: one "unreadable" error, answered
      ['bob', 1],
    ])
    expect(repliesTo(claim)).toHaveLength(1)
  }, 60_000)
})
