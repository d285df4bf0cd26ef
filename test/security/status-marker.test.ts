/**
 * The status marker (`src/github/markers.ts`) carries a task's state — lease
 * holder, fencing token, attempts — that the rebuild from GitHub trusts. So:
 * hostile text in any field cannot break out of it or forge a second one;
 * hostile JSON cannot pollute or blow up the decoder; and only the app's own
 * comments count — a status marker in a person's comment, or another bot's,
 * changes nothing, in `tm rebuild` and in the Actions-hosted rebuild alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { planRebuild } from '../../src/app/rebuild/rebuild-plan.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import {
  marker,
  markerJson,
  readMarkers,
  readStatusMarker,
  STATUS_MARKER_PREFIX,
  type StatusState,
  statusMarker,
} from '../../src/github/markers.js'
import { readStatusComment } from '../../src/github/rebuild-status.js'
import { renderStatusComment, statusState } from '../../src/github/status-comment.js'
import type { FakeRepository } from '../action/orchestrator/support/fake-repository.js'
import { useFakeRepository } from '../action/orchestrator/support/harness.js'
import { openedPayload } from '../action/orchestrator/support/payloads.js'
import { runOnce, STATE_NAME } from '../action/orchestrator/support/runs.js'
import {
  APP_LOGIN,
  FakeRepository as RecordedRepository,
  repositoryState,
} from '../github/rebuild-recorder.js'
import { makeEngine } from '../helpers.js'

const HOSTILE =
  '--> --!> <!-- `code` @mallory &amp; </details>\n<!-- task-orchestrator:status {"task":"o/r#9","v":1} -->\r\n\u2028\u0000'

/** A task whose every free-text field is HOSTILE, its status comment rendered. */
function hostileBody() {
  const { engine } = makeEngine()
  const t = engine.add({ title: 'Ship', requires_approval: true })
  engine.claim(t.id, 'ada')
  engine.join(t.id, 'grace', HOSTILE)
  engine.ask(t.id, 'ada', 'lin', HOSTILE)
  const view = {
    task: {
      ...engine.show(t.id),
      blocked_reason: HOSTILE,
      completion_summary: HOSTILE,
      feedback_quality: 1,
      feedback_timeliness: 1,
      feedback_notes: HOSTILE,
    },
    dependencies: [],
    context: [],
    criteria: [],
    progress: { percent: 10, message: HOSTILE },
    history: [
      {
        id: 1,
        at: '2026-03-01T09:00:00.000Z',
        type: 'blocked' as const,
        task_id: t.id,
        actor: HOSTILE,
        details: { reason: HOSTILE },
      },
    ],
  }
  return { id: t.id, view, body: renderStatusComment(view) }
}

describe('hostile text in the status marker', () => {
  it('cannot end, open or break the marker line: no < > & @ ` or line break in its JSON', () => {
    const { body } = hostileBody()
    const line = body.slice(0, body.indexOf('\n'))
    const json = line.slice(STATUS_MARKER_PREFIX.length, -' -->'.length)
    expect(line.startsWith(STATUS_MARKER_PREFIX) && line.endsWith(' -->')).toBe(true)
    expect(json).not.toMatch(/[<>&@`\n\r\u2028]/)
    // The only status marker at the start of a line is ours, on the first.
    expect(body.match(/^<!-- task-orchestrator:status /gm)).toHaveLength(1)
  })

  it('round-trips exactly: what agents and the rebuild read is what was written', () => {
    const { id, view, body } = hostileBody()
    expect((readStatusMarker(body) as { state: StatusState }).state).toEqual(statusState(view))
    const facts = readStatusComment(body)!
    expect(facts.task).toBe(id)
    expect(facts.holder).toBe('ada')
    expect(facts.completionSummary).toBe(HOSTILE)
    expect(facts.history[0]).toMatchObject({ actor: HOSTILE, details: { reason: HOSTILE } })
  })
})

describe('line separators in marker text', () => {
  it('U+2028 and U+2029 in a reply’s reason keep the reply marker on one line and readable', () => {
    const outcome = {
      command: 'block',
      ok: false,
      task: 'o/r#1',
      token: null,
      reason: 'a\u2028<!-- task-orchestrator: {"command":"claim"} -->\u2029b',
    }
    const m = marker(outcome)
    expect(m).not.toMatch(/[\u2028\u2029]/)
    expect(readMarkers(`@ada\n\n${m}\n❌ refused`)).toEqual([outcome])
  })
})

describe('hostile JSON in a status marker', () => {
  const line = (json: string) => `${STATUS_MARKER_PREFIX}${json} -->`

  it('__proto__ and constructor keys neither pollute nor change the decoded state’s prototype', () => {
    const state = statusState(hostileBody().view)
    const json = markerJson(state).replace(
      /^\{/,
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
    )
    const read = readStatusMarker(line(json))
    expect(read?.kind).toBe('state')
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
    const decoded = (read as { state: StatusState }).state
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect((decoded as { polluted?: boolean }).polluted).toBeUndefined()
  })

  it('a deeply nested unknown key is dropped when written again, and named in cut', () => {
    const state = statusState(hostileBody().view)
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`
    const read = readStatusMarker(line(markerJson(state).replace(/\}$/, `,"later":${deep}}`)))
    const again = readStatusMarker(statusMarker((read as { state: StatusState }).state))
    expect((again as { state: StatusState }).state.cut).toContain('later')
  })

  it('tokens and attempts that are not safe non-negative integers make the marker unreadable', () => {
    const state = statusState(hostileBody().view)
    for (const lease of [
      { ...state.lease, token: 1e300 },
      { ...state.lease, token: -1 },
      { ...state.lease, token: 1.5 },
    ])
      expect(readStatusMarker(line(markerJson({ ...state, lease })))?.kind).toBe('unreadable')
    expect(readStatusMarker(line(markerJson({ ...state, attempts: '2' })))?.kind).toBe('unreadable')
  })
})

describe('only the app’s status markers count', () => {
  const O = 'octo'
  const R = 'board'
  const id = `${O}/${R}#1`

  /** A version-1 status comment claiming mallory holds task 1 with token 99 and the attempts used up. */
  function forged(): string {
    const { view } = hostileBody()
    const state = statusState({ ...view, task: { ...view.task, id } })
    return renderStatusComment({ ...view, task: { ...view.task, id } }).replace(
      /^.*\n/,
      `${statusMarker({
        ...state,
        lease: { ...state.lease!, holder: 'mallory', token: 99 },
        attempts: 3,
        blocked_reason: 'forged',
      })}\n`,
    )
  }

  it('tm rebuild with --app-login: a person’s or another bot’s marker is not the task’s status comment', () => {
    const fake = RecordedRepository.create(new FakeClock('2026-05-01T10:00:00.000Z'), O, R, null, [
      'task',
    ])
    fake.open(1, 'One', '', ['task', 'status: in_progress'])
    fake.issue(1).assignees = ['mallory']
    fake.addComment(1, forged(), { login: 'mallory', type: 'User' })
    fake.addComment(1, forged(), { login: 'other-app[bot]', type: 'Bot' })
    const plan = planRebuild(repositoryState(fake), {
      now: '2026-05-01T12:00:00.000Z',
      appLogin: APP_LOGIN,
    })
    const task = plan.restore.tasks.find((t) => t.id === id)!
    expect(task).toMatchObject({ attempts: 0, blocked_reason: null, fencing_seq: 1 })
    expect(task.lease).toEqual({ holder: 'mallory', token: 1 })
    expect(plan.records.find((r) => r.task_id === id)?.status_comment_id).toBeNull()
  })
})

describe('the Actions-hosted rebuild reads only the run’s own comments', () => {
  let fake: FakeRepository
  let clock: FakeClock
  useFakeRepository((f, c) => {
    fake = f
    clock = c
  })

  it('a status marker another bot posted on a task no run handled changes nothing', async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
    fake.openIssue({ number: 2 }) // its run was lost
    const task = `${fake.owner}/${fake.repo}#2`
    const { view } = hostileBody()
    const state = statusState({ ...view, task: { ...view.task, id: task } })
    const forgedComment = fake.addComment(
      2,
      `${statusMarker({ ...state, lease: null, status: 'blocked', attempts: 3, blocked_reason: 'forged' })}\n### Task status`,
      'other-app[bot]',
    )
    for (const a of fake.artifacts) a.expired = true
    clock.advance(60_000)
    const report = await runOnce(fake, clock, 'schedule', {})
    expect(report.errors).toEqual([])
    expect(report.rebuilt).not.toBeNull()
    const dir = mkdtempSync(join(tmpdir(), 'status-marker-'))
    try {
      const file = join(dir, STATE_NAME)
      writeFileSync(file, fake.artifacts.at(-1)!.bytes)
      const engine = new Engine(openStore(file))
      try {
        expect(engine.get(task)).toMatchObject({ attempts: 0, blocked_reason: null })
      } finally {
        engine.store.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    // The app posts its own status comment; it never edits the other bot's.
    const edits = fake.find(
      'PATCH',
      `/repos/${fake.owner}/${fake.repo}/issues/comments/${forgedComment.id}`,
    )
    expect(edits).toEqual([])
  }, 60_000)
})
