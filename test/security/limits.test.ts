/**
 * GitHub's size limits: a comment or issue body over 65,536 characters, or a
 * check run summary over 65,535, is refused with 422 — a lost reply, a status
 * comment that never updates again. Every body the app writes is fitted:
 * lists cut with "…and N more", free text with "…", markers kept whole.
 */
import { describe, expect, it } from 'vitest'
import { renderCheckOutput, renderJobSummary } from '../../src/action/gate/render.js'
import {
  BODY_LIMIT,
  bytesOf,
  CHECK_RUN_LIMIT,
  fitBody,
  fitItems,
  JOB_SUMMARY_BYTES,
  renderList,
} from '../../src/github/fit.js'
import { truncate } from '../../src/github/neutralise.js'
import { readStatusComment } from '../../src/github/rebuild-status.js'
import { marker, readMarkers, renderReply } from '../../src/github/replies.js'
import { renderStatusComment } from '../../src/github/status-comment.js'
import { parseVerdictMarker } from '../../src/github/verdict.js'
import { comment, makeApp, R, seedTask } from '../app/helpers.js'
import { makeEngine } from '../helpers.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { receive } from '../support/github/webhooks.js'

useGitHubHarness()

/** GitHub's answer to a body over its limit (as `POST …/comments` gives it). */
const TOO_LONG = {
  message: 'Validation Failed',
  errors: [
    {
      resource: 'IssueComment',
      code: 'custom',
      field: 'body',
      message: 'body is too long (maximum is 65536 characters)',
    },
  ],
  documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
}

/** A reply function for nock that refuses over-long bodies as GitHub does, and records the rest. */
function likeGitHub(sent: string[], ok: number, answer: object) {
  return (_uri: string, body: { body: string }) => {
    if (body.body.length > BODY_LIMIT) return [422, TOO_LONG]
    sent.push(body.body)
    return [ok, answer]
  }
}

describe('fitting', () => {
  it('truncate never splits a surrogate pair and marks the cut', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…')
    expect(truncate('abc', 3)).toBe('abc')
    expect(truncate('abcd', 3)).toBe('ab…')
  })

  it('fitItems keeps whole items and says how many are left out', () => {
    const items = Array.from({ length: 100 }, (_, i) => `item ${i}`)
    const kept = fitItems(items, 60, (n) => `…and ${n} more`)
    expect(kept.join('\n').length).toBeLessThanOrEqual(60)
    expect(kept.at(-1)).toBe(`…and ${100 - kept.length + 1} more`)
    expect(kept.slice(0, -1)).toEqual(items.slice(0, kept.length - 1))
  })

  it('fitBody cuts at a line, never inside one, within characters or bytes', () => {
    const body =
      `${marker({ command: 'x', ok: true, task: 'o/r#1', token: null, reason: null })}\n${'é'.repeat(100)}\n`.repeat(
        2000,
      )
    const cut = fitBody(body)
    expect(cut.length).toBeLessThanOrEqual(BODY_LIMIT)
    expect(readMarkers(cut).length).toBeGreaterThan(100)
    expect(
      cut
        .split('\n')
        .slice(0, -1)
        .every((l) => l === '' || body.includes(`${l}\n`)),
    ).toBe(true)
    expect(bytesOf(fitBody(body.repeat(10), JOB_SUMMARY_BYTES, bytesOf))).toBeLessThanOrEqual(
      JOB_SUMMARY_BYTES,
    )
  })

  it('a list of problems is cut with "…and N more"', () => {
    const body = renderList(
      'Problems:',
      Array.from({ length: 5000 }, (_, i) => `p${i} ${'y'.repeat(50)}`),
      'problems',
    )
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT)
    expect(body).toMatch(/- …and \d+ more problems$/)
  })
})

describe('replies', () => {
  const outcome = (i: number) => ({
    command: 'status',
    ok: true,
    task: 'o/r#1',
    token: i,
    reason: null,
    comment: 7,
  })

  it('2,000 outcomes: under the limit, every marker whole and in order while they fit', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => ({
      outcome: outcome(i),
      text: `Status: pending; attempts 0 of 3. ${'z'.repeat(100)}`,
    }))
    const body = renderReply('ada', lines, 'footer')
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT)
    const read = readMarkers(body)
    expect(read.length).toBeGreaterThan(300)
    expect(read).toEqual(lines.slice(0, read.length).map((l) => l.outcome))
    expect(body).toContain(`…and ${2000 - read.length} more outcomes`)
  })

  it('a few long outcomes keep every marker; their sentences go first', () => {
    const lines = Array.from({ length: 5 }, (_, i) => ({
      outcome: { ...outcome(i), reason: 'r'.repeat(20_000) },
      text: 'w'.repeat(20_000),
    }))
    const body = renderReply('ada', lines)
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT)
    expect(readMarkers(body).map((o) => o.token)).toEqual([0, 1, 2, 3, 4])
    expect(readMarkers(body)[0]?.reason).toHaveLength(1000)
    expect(body).toContain('their markers are complete')
  })
})

describe('status comment', () => {
  it('huge fields and lists fit, with the marker first and the rest readable', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'Big' })
    engine.claim(t.id, 'ada')
    const task = {
      ...engine.show(t.id),
      blocked_reason: 'b'.repeat(60_000),
      completion_summary: 'c'.repeat(60_000),
    }
    const body = renderStatusComment({
      task,
      dependencies: Array.from({ length: 3000 }, (_, i) => ({ ref: `#${i}`, done: false })),
      context: [],
      criteria: Array.from({ length: 5000 }, (_, i) => ({
        criterion: `criterion ${i} ${'<'.repeat(40)}`,
        measurable: `tests.failed == ${i}`,
        state: 'pending' as const,
      })),
      progress: { percent: 50, message: 'p'.repeat(60_000) },
      history: [],
    })
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT)
    expect(body).toMatch(/- …and \d+ more criteria/)
    expect(readStatusComment(body)).toMatchObject({ task: t.id, holder: 'ada', token: 1 })
  })
})

describe('gate', () => {
  const verdict = (n: number, size: number) => ({
    task: 'octo/api#12',
    title: 'Big',
    url: 'https://github.com/octo/api/issues/12',
    digest: 'a'.repeat(64),
    sha: 'b'.repeat(40),
    passed: false,
    criteria: Array.from({ length: n }, (_, i) => ({
      index: i + 1,
      criterion: `c${i} ${'x'.repeat(size)}`,
      expression: `tests.failed == ${i}`,
      outcome: 'fail' as const,
      actual: { 'tests.failed': 1 },
      checked: false,
      line: i + 3,
    })),
    problems: [],
  })

  it('the check run summary fits, its marker whole, and says how many rows are cut', () => {
    const { summary } = renderCheckOutput(verdict(600, 900), 'Context: test.')
    expect(summary.length).toBeLessThanOrEqual(CHECK_RUN_LIMIT)
    expect(parseVerdictMarker(summary)?.results).toHaveLength(600)
    expect(summary).toMatch(/… \d+ more criteria cut to fit the check run/)
  })

  it('the job summary stays within 1 MiB', () => {
    const big = Array.from({ length: 30 }, () => verdict(300, 900))
    expect(bytesOf(renderJobSummary(big, 'Context: test.'))).toBeLessThanOrEqual(JOB_SUMMARY_BYTES)
  })
})

describe('the app against a GitHub that refuses over-long bodies', () => {
  // The comment parser reads at most 200 lines of command paragraphs
  // (src/github/comment-blocks.ts); 200 unknown commands, each answered with
  // the list of commands in its marker and its sentence, are twice GitHub's limit.
  it('a comment with 200 commands gets its reply, with parseable markers', async () => {
    const { probot, rt } = await makeApp()
    seedTask(rt, 3)
    githubApi()
      .get(`${R}/collaborators/ada/permission`)
      .optionally()
      .reply(200, { permission: 'write', role_name: 'write', user: { login: 'ada' } })
    const sent: string[] = []
    githubApi()
      .post(`${R}/issues/comments/5003/reactions`)
      .reply(201, {})
      .post(`${R}/issues/3/comments`)
      .reply(likeGitHub(sent, 201, { id: 1 }) as never)
    await receive(probot, 'issue_comment.created', comment(3, '/clam\n'.repeat(200)))
    expect(sent).toHaveLength(1)
    const markers = readMarkers(sent[0]!)
    expect(markers).toHaveLength(200)
    expect(markers.every((m) => m.code === 'UnknownCommand' && m.comment === 5003)).toBe(true)
    // Every outcome keeps its marker; the reasons are cut short, the sentences left out.
    expect(markers[0]?.reason).toMatch(/^Unknown command \/clam.{50,}…$/)
    expect(rt.state.owedReplies()).toEqual([])
  })

  it('60,000-character progress message and block reason: the status comment still updates', async () => {
    const { rt, app } = await makeApp()
    const id = seedTask(rt, 4)
    // As an agent's API call or `tm` against the same state could write them.
    rt.engine.claim(id, 'ada')
    rt.engine.progress(id, 'ada', 50, '<'.repeat(60_000))
    rt.engine.join(id, 'ada', 'r'.repeat(60_000))
    rt.state.markStatusDirty([id])
    const statuses: string[] = []
    githubApi()
      .patch(`${R}/issues/4`)
      .optionally()
      .reply(200, {})
      .patch(`${R}/issues/comments/9004`)
      .reply(likeGitHub(statuses, 200, {}) as never)
    await app.flush()
    expect(statuses).toHaveLength(1)
    expect(readStatusComment(statuses[0]!)).toMatchObject({ task: id, holder: 'ada' })
    expect(rt.state.issue(id)?.status_dirty).toBe(false)
  })
})
