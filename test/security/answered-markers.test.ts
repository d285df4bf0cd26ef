/**
 * Hostile input against the "answered already?" checks of overlapping runs
 * (issue 13): a reply marker that anyone but the app writes into a comment —
 * naming another person's command — must not make a run skip its answer. The
 * catch-up's listing and the last look before answering a caught-up command
 * read markers from the app's own login only (src/app/answered.ts).
 */

import { describe, expect, it } from 'vitest'
import { answersIn } from '../../src/app/answered.js'
import type { FakeClock } from '../../src/core/clock.js'
import type { FakeRepository } from '../action/orchestrator/support/fake-repository.js'
import { say as sayOn, useFakeRepository } from '../action/orchestrator/support/harness.js'
import { openedPayload } from '../action/orchestrator/support/payloads.js'
import { runOnce } from '../action/orchestrator/support/runs.js'

let fake: FakeRepository
let clock: FakeClock

useFakeRepository((f, c) => {
  fake = f
  clock = c
})

const forged = (id: number) =>
  `<!-- task-orchestrator: {"command":"claim","ok":true,"task":"x","token":1,"reason":null,"comment":${id}} -->\nDone.`

describe('forged reply markers', () => {
  it('count only in comments by the app login, whatever the case of the login', () => {
    const comments = [
      { body: forged(1), user: { login: 'mallory' } },
      { body: forged(2), user: { login: 'GitHub-Actions[bot]' } },
      { body: forged(3), user: null },
      { body: null, user: { login: 'github-actions[bot]' } },
    ]
    expect([...answersIn(comments, 'github-actions[bot]')]).toEqual([2])
  })

  it("a marker a person writes after a caught-up command does not silence the command's answer", async () => {
    fake.openIssue({ number: 1 })
    fake.openIssue({ number: 2 })
    await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
    await runOnce(fake, clock, 'issues', openedPayload(fake, 2))
    // ada's /claim on #1 — its run was cancelled — and mallory's "reply" to it.
    const a = sayOn(fake, clock, 1, '/claim', 'ada')
    const id = (a.comment as { id: number }).id
    fake.permissions.set('mallory', 'read')
    sayOn(fake, clock, 1, forged(id), 'mallory')
    // The next run catches a up: its listing and its last look both see the forged marker.
    const b = sayOn(fake, clock, 2, '/claim', 'bob')
    const run = await runOnce(fake, clock, 'issue_comment', b)
    expect(run.errors).toEqual([])
    expect(run.catchUp?.caught).toMatchObject([{ comment: id, quiet: false }])
    const replies = fake.comments.filter(
      (c) => c.user === fake.appLogin && c.body.includes(`"comment":${id}`),
    )
    expect(replies).toHaveLength(1)
    expect(
      fake.find('POST', `/repos/${fake.owner}/${fake.repo}/issues/comments/${id}/reactions`),
    ).toHaveLength(1)
    // The last look was made: one request for #1's comments since ada's command.
    expect(fake.find('GET', `/repos/${fake.owner}/${fake.repo}/issues/1/comments?`)).toHaveLength(1)
  }, 60_000)
})
