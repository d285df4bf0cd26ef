/**
 * The catch-up scan when a missed command fails: the run fails (a handler
 * failed), the comment is retried by later runs, and the missed commands
 * after it are still caught up — one failing comment must not stall the
 * scan for everything after it.
 */

import { describe, expect, it } from 'vitest'
import type { FakeClock } from '../../../src/core/clock.js'
import type { FakeRepository } from './support/fake-repository.js'
import { useFakeRepository } from './support/harness.js'
import { commentPayload, openedPayload } from './support/payloads.js'
import { runOnce } from './support/runs.js'

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

describe('catch-up failures', () => {
  it('a missed command that fails is retried, and the missed commands after it are caught up', async () => {
    for (const n of [1, 2]) {
      fake.openIssue({ number: n })
      await runOnce(fake, clock, 'issues', openedPayload(fake, n))
    }
    const failing = missed(1, '/claim', 'mallory')
    const after = missed(2, '/claim', 'bob')
    const permission = `/repos/${fake.owner}/${fake.repo}/collaborators/mallory/permission`
    fake.refuse = (method, path) =>
      method === 'GET' && path === permission ? { status: 502, message: 'Bad Gateway' } : undefined
    clock.advance(60_000)
    const first = await runOnce(fake, clock, 'schedule', {})
    expect(first.errors).toEqual([
      expect.stringMatching(new RegExp(`comment ${failing}.*Bad Gateway`)),
    ])
    expect(first.catchUp?.caught.map((c) => c.comment)).toEqual([after])
    expect(first.catchUp?.failed.map((c) => c.comment)).toEqual([failing])
    // The cursor stays before the failing comment, however far the scan got.
    const failingAt = fake.comments.find((c) => c.id === failing)!.created_at
    expect(first.catchUp!.cursor! < failingAt).toBe(true)

    fake.refuse = null
    clock.advance(60 * 60_000) // well past the scan's overlap
    const second = await runOnce(fake, clock, 'schedule', {})
    expect(second.errors).toEqual([])
    expect(second.catchUp?.caught.map((c) => c.comment)).toEqual([failing])
    expect(second.catchUp?.failed).toEqual([])
  }, 60_000)
})
