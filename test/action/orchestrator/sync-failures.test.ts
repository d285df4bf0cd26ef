/**
 * State sync when GitHub does not answer as it should: an artifact that
 * cannot be downloaded right now is not a damaged one (falling back to an
 * older state, or rebuilding, would upload over a good newer state and lose
 * its work), and a token without `actions: read` says so.
 */

import { describe, expect, it } from 'vitest'
import { githubArtifactStore } from '../../../src/action/orchestrator/artifacts.js'
import type { FakeClock } from '../../../src/core/clock.js'
import type { FakeRepository } from './support/fake-repository.js'
import { say as sayOn, useFakeRepository } from './support/harness.js'
import { openedPayload } from './support/payloads.js'
import { runOnce } from './support/runs.js'

let fake: FakeRepository
let clock: FakeClock

useFakeRepository((f, c) => {
  fake = f
  clock = c
})

const say = (number: number, body: string, login = 'ada') => sayOn(fake, clock, number, body, login)

const zipOf = (id: number) => `/repos/${fake.owner}/${fake.repo}/actions/artifacts/${id}/zip`

describe('state sync failures', () => {
  it('a newest artifact that cannot be downloaded fails the run: no fallback, no upload, nothing handled', async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
    await runOnce(fake, clock, 'issue_comment', say(1, '/claim', 'ada'))
    const before = fake.artifacts.map((a) => a.id)
    const down = before.at(-1)!
    fake.refuse = (method, path) =>
      method === 'GET' && path === zipOf(down)
        ? { status: 503, message: 'Service Unavailable' }
        : undefined
    const comment = say(1, '/progress 50')
    await expect(runOnce(fake, clock, 'issue_comment', comment)).rejects.toThrow(
      new RegExp(`state artifact ${down} .*could not be downloaded.*503.*nothing was changed`, 's'),
    )
    expect(fake.artifacts.map((a) => a.id)).toEqual(before)
    const commentId = (comment.comment as { id: number }).id
    expect(fake.comments.filter((c) => c.body.includes(`"comment":${commentId}`))).toEqual([])
    // Service back: the next run starts from that newest state and catches the comment up.
    fake.refuse = null
    const next = await runOnce(fake, clock, 'schedule', {})
    expect(next.errors).toEqual([])
    expect(next.source.artifact?.id).toBe(down)
    expect(next.catchUp?.caught.map((c) => c.comment)).toEqual([commentId])
  }, 60_000)

  it('an artifact that expired between listing and download is skipped like a damaged one', async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
    await runOnce(fake, clock, 'issue_comment', say(1, '/claim', 'ada'))
    const [older, gone] = fake.artifacts.slice(-2).map((a) => a.id) as [number, number]
    fake.refuse = (method, path) =>
      method === 'GET' && path === zipOf(gone)
        ? { status: 410, message: 'Artifact has expired' }
        : undefined
    const report = await runOnce(fake, clock, 'schedule', {})
    expect(report.errors).toEqual([])
    expect(report.source.artifact?.id).toBe(older)
    expect(report.source.rejected.map((r) => [r.id, r.reason])).toEqual([
      [gone, expect.stringMatching(/expired or was deleted/)],
    ])
  }, 60_000)

  it('a newer state this run cannot download is not uploaded over', async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
    let newer = 0
    const run = runOnce(fake, clock, 'issue_comment', say(1, '/claim', 'ada'), {
      beforeCheck: async () => {
        // Another run uploads meanwhile, and its artifact cannot be read now.
        await runOnce(fake, clock, 'schedule', {})
        newer = fake.artifacts.at(-1)!.id
        fake.refuse = (method, path) =>
          method === 'GET' && path === zipOf(newer)
            ? { status: 500, message: 'Internal Server Error' }
            : undefined
      },
    })
    await expect(run).rejects.toThrow(/could not be downloaded/)
    expect(fake.artifacts.at(-1)!.id).toBe(newer)
  }, 60_000)

  it('a token without actions: read is told so when listing the state', async () => {
    fake.refuse = (_method, path) =>
      path.endsWith('/actions/artifacts')
        ? { status: 403, message: 'Resource not accessible by integration' }
        : undefined
    await expect(runOnce(fake, clock, 'schedule', {})).rejects.toThrow(
      /listing the state artifacts of Codertocat\/Hello-World was refused \(HTTP 403: Resource not accessible by integration\).*permissions:.*actions: read/s,
    )
    expect(fake.artifacts).toEqual([])
  }, 60_000)

  it('GitHub Enterprise Server is refused before anything is handled', () => {
    expect(() =>
      githubArtifactStore(
        {} as never,
        { owner: 'o', repo: 'r', id: 1 },
        't',
        'https://ghe.example.com',
      ),
    ).toThrow(/GitHub Enterprise Server.*artifact.*as a server/s)
    for (const url of ['https://github.com', 'https://octo.ghe.com', undefined]) {
      expect(() =>
        githubArtifactStore({} as never, { owner: 'o', repo: 'r', id: 1 }, 't', url),
      ).not.toThrow()
    }
  })
})
