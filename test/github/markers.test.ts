/**
 * The marker codec (`src/github/markers.ts`): reply markers and the status
 * marker, versioned JSON with unknown keys kept, decoded with zod, bounded
 * so fitting a body never cuts one — and the rebuild reading a status
 * comment's state from its marker, whatever its prose says.
 */
import { describe, expect, it } from 'vitest'
import { BODY_LIMIT } from '../../src/github/fit.js'
import {
  MARKER_PREFIX,
  marker,
  markerJson,
  readMarkers,
  readStatusMarker,
  STATUS_MARKER_MAX,
  STATUS_MARKER_PREFIX,
  type StatusState,
  statusMarker,
} from '../../src/github/markers.js'
import { readStatusComment } from '../../src/github/rebuild-status.js'
import {
  renderStatusComment,
  type StatusView,
  statusState,
} from '../../src/github/status-comment.js'
import { makeEngine } from '../helpers.js'

/** A task with every field the status marker carries set, and its view. */
function fullView(): StatusView {
  const { engine, clock } = makeEngine()
  const t = engine.add({
    title: 'Ship',
    requires_approval: true,
    milestone: 'v1.2',
    persona: 'implementer',
  })
  engine.claim(t.id, 'ada')
  engine.join(t.id, 'grace', 'reviewer')
  engine.progress(t.id, 'ada', 40, 'lexer done')
  clock.advance(90_000)
  engine.ask(t.id, 'ada', 'lin', 'Which\nendpoint?')
  engine.approve(t.id, 'maint')
  return {
    task: {
      ...engine.show(t.id),
      blocked_reason: 'legal | review',
      completion_summary: 'two\nlines',
      attempts: 1,
      feedback_quality: 4,
      feedback_timeliness: 5,
      feedback_notes: 'tidy',
    },
    dependencies: [{ ref: '#10', done: true }],
    context: [],
    criteria: [
      { criterion: 'Tests pass', measurable: 'tests.failed == 0', state: 'pass' },
      { criterion: 'Reviewed', state: 'confirmed' },
      { criterion: 'Docs', state: 'pending' },
    ],
    progress: { percent: 40, message: 'lexer done' },
    history: engine.events({ task: t.id }),
  }
}

/** The marker line of a status comment body. */
const firstLine = (body: string) => body.slice(0, body.indexOf('\n'))

describe('reply markers', () => {
  const outcome = { command: 'claim', ok: true, task: 'o/r#1', token: 3, reason: null, comment: 7 }

  it('are written with the outcome’s keys in order, then v: 1, and read back without v', () => {
    expect(marker(outcome)).toBe(
      '<!-- task-orchestrator: {"command":"claim","ok":true,"task":"o/r#1","token":3,"reason":null,"comment":7,"v":1} -->',
    )
    expect(readMarkers(marker(outcome))).toEqual([outcome])
  })

  it('read markers written before the version field, keep unknown keys, skip later versions and wrong types', () => {
    const line = (json: string) => `${MARKER_PREFIX}${json} -->`
    const body = [
      line('{"command":"claim","ok":true,"task":"o/r#1","token":1,"reason":null}'),
      line(
        '{"command":"claim","ok":true,"task":"o/r#1","token":2,"reason":null,"v":1,"lease_ms":5}',
      ),
      line('{"command":"claim","ok":true,"task":"o/r#1","token":3,"reason":null,"v":2}'),
      line('{"command":"claim","ok":true,"task":"o/r#1","token":"4","reason":null}'),
      line('{"command":"claim","ok":true,"task":"o/r#1","token":5,"reason":null,"comment":"x"}'),
      line('{"command":"claim","ok":true,"task":"o/r#1","token":6,"reason":null,"v":0}'),
    ].join('\n')
    expect(readMarkers(body)).toEqual([
      { command: 'claim', ok: true, task: 'o/r#1', token: 1, reason: null },
      { command: 'claim', ok: true, task: 'o/r#1', token: 2, reason: null, lease_ms: 5 },
    ])
  })
})

describe('the status marker', () => {
  it('carries the task’s state: lease, attempts, approval, progress, summary, feedback, participants, questions, criteria, history', () => {
    const view = fullView()
    const reading = readStatusMarker(renderStatusComment(view))
    expect(reading).toMatchObject({ kind: 'state', task: view.task.id })
    const state = (reading as { state: StatusState }).state
    expect(state).toEqual(statusState(view))
    expect(state).toMatchObject({
      v: 1,
      status: 'waiting',
      priority: 'medium',
      persona: 'implementer',
      milestone: 'v1.2',
      lease: {
        holder: 'ada',
        token: 1,
        acquired_at: '2026-03-01T09:00:00.000Z',
        paused: { at: '2026-03-01T09:01:30.000Z', remaining_ms: 28.5 * 60_000 },
      },
      attempts: 1,
      max_attempts: 3,
      blocked_reason: 'legal | review',
      requires_approval: true,
      approved_by: 'maint',
      approved_at: '2026-03-01T09:01:30.000Z',
      progress: { percent: 40, message: 'lexer done' },
      completion_summary: 'two\nlines',
      feedback: { quality: 4, timeliness: 5, notes: 'tidy' },
      participants: [{ agent: 'grace', role: 'reviewer', joined_at: '2026-03-01T09:00:00.000Z' }],
      open_questions: [{ asked_by: 'ada', asked_of: 'lin', question: 'Which\nendpoint?' }],
      criteria: ['pass', 'confirmed', 'pending'],
    })
    expect(state.history.map((h) => h.type)).toContain('claimed')
    expect(state.cut).toBeUndefined()
  })

  it('keeps keys it does not know: they round-trip through decode and encode', () => {
    const state = { ...statusState(fullView()), added_later: { nested: [1, 'two'] } }
    const line = statusMarker(state)
    const read = readStatusMarker(line)
    expect(read).toMatchObject({ kind: 'state', state: { added_later: { nested: [1, 'two'] } } })
    expect(statusMarker((read as { state: StatusState }).state)).toBe(line)
  })

  it('without v is the marker of a comment before version 1: legacy, read from the prose', () => {
    expect(
      readStatusMarker(`${STATUS_MARKER_PREFIX}{"task":"o/r#1"} -->\n### Task status`),
    ).toEqual({ kind: 'legacy', task: 'o/r#1' })
  })

  it('a later version, or fields that do not validate, are unreadable with the reason', () => {
    const state = statusState(fullView())
    const line = (value: object) => `${STATUS_MARKER_PREFIX}${markerJson(value)} -->`
    expect(readStatusMarker(line({ ...state, v: 2 }))).toEqual({
      kind: 'unreadable',
      task: state.task,
      problem: 'status marker version 2 is not one this version reads (1); update the app',
    })
    expect(readStatusMarker(line({ ...state, v: '1' }))).toMatchObject({ kind: 'unreadable' })
    expect(readStatusMarker(line({ ...state, lease: { holder: 'ada', token: -1 } }))).toMatchObject(
      {
        kind: 'unreadable',
        problem: expect.stringMatching(/^status marker field lease\.token: /),
      },
    )
    const { attempts: _a, ...noAttempts } = state
    expect(readStatusMarker(line(noAttempts))).toMatchObject({
      kind: 'unreadable',
      problem: expect.stringMatching(/^status marker field attempts: /),
    })
  })

  it('is only read at the very start of a body, naming a task, as JSON', () => {
    const good = `${STATUS_MARKER_PREFIX}{"task":"o/r#1"} -->`
    expect(readStatusMarker(`\n${good}`)).toBeNull()
    expect(readStatusMarker(`Quoted: ${good}`)).toBeNull()
    expect(readStatusMarker(`${STATUS_MARKER_PREFIX}{"task":""} -->`)).toBeNull()
    expect(readStatusMarker(`${STATUS_MARKER_PREFIX}{"task":1} -->`)).toBeNull()
    expect(readStatusMarker(`${STATUS_MARKER_PREFIX}{"task":"o/r#1",} -->`)).toBeNull()
    expect(readStatusMarker(`${MARKER_PREFIX}{"task":"o/r#1"} -->`)).toBeNull()
  })

  it('stays within its bound whatever the task holds, and names what it cut; the body fits with the marker whole', () => {
    const view = fullView()
    const huge = '<@&`>'.repeat(20_000)
    const big: StatusView = {
      ...view,
      task: {
        ...view.task,
        blocked_reason: huge,
        completion_summary: huge,
        participants: Array.from({ length: 5000 }, (_, i) => ({
          agent: `agent-${i}`,
          role: huge.slice(0, 300),
          joined_at: '2026-03-01T09:00:00.000Z',
        })),
      },
      criteria: Array.from({ length: 5000 }, () => ({ criterion: 'c', state: 'pending' as const })),
      progress: { percent: 1, message: huge },
    }
    const line = statusMarker(statusState(big))
    expect(line.length).toBeLessThanOrEqual(STATUS_MARKER_MAX)
    const body = renderStatusComment(big)
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT)
    expect(firstLine(body)).toBe(line)
    const state = (readStatusMarker(body) as { state: StatusState }).state
    expect(state.cut).toEqual(
      expect.arrayContaining([
        'blocked_reason',
        'completion_summary',
        'criteria',
        'participants',
        'progress',
      ]),
    )
    expect(state.completion_summary!.endsWith('…')).toBe(true)
    expect(state.lease?.holder).toBe('ada')
    // What fits is kept whole: a small task's marker cuts nothing.
    expect(readStatusMarker(renderStatusComment(view))).not.toHaveProperty('state.cut')
  })

  it('a field named in cut stays named when a decoded state is written again', () => {
    const view = fullView()
    const state = statusState({
      ...view,
      task: { ...view.task, completion_summary: '<'.repeat(50_000) },
    })
    const read = (readStatusMarker(statusMarker(state)) as { state: StatusState }).state
    expect(read.cut).toEqual(['completion_summary'])
    const again = (readStatusMarker(statusMarker(read)) as { state: StatusState }).state
    expect(again).toEqual(read)
  })

  it('names, ids and times are cut at 200 characters only, never to a level’s text length', () => {
    const view = fullView()
    const long = 'x'.repeat(150)
    const state = statusState({
      ...view,
      task: { ...view.task, completion_summary: '<'.repeat(50_000), persona: long },
    })
    const read = (readStatusMarker(statusMarker(state)) as { state: StatusState }).state
    expect(read.persona).toBe(long)
    expect(read.cut).toEqual(['completion_summary'])
  })
})

describe('the rebuild reads a status comment from its marker', () => {
  it('rewording the prose changes nothing a rebuild reads', () => {
    const view = fullView()
    const body = renderStatusComment(view)
    const reworded = body
      .replace('| Holder |', '| Lease holder |')
      .replace(/\| Attempts \| (\d+) of (\d+) \|/, '| Tries | $1/$2 |')
      .replace('**Completion summary:**', '**Summary:**')
      .replace('| Blocked because |', '| Blocked: |')
      .replace('<details><summary>History</summary>', '<details><summary>Recent events</summary>')
    expect(reworded).not.toBe(body)
    const facts = readStatusComment(reworded)
    expect(facts).toEqual(readStatusComment(body))
    expect(facts).toMatchObject({
      holder: 'ada',
      token: 1,
      attempts: 1,
      maxAttempts: 3,
      blockedReason: 'legal | review',
      completionSummary: 'two\nlines',
      pausedAt: '2026-03-01T09:01:30.000Z',
      approval: { by: 'maint', at: '2026-03-01T09:01:30.000Z' },
      participants: [{ agent: 'grace', role: 'reviewer' }],
      openQuestions: [{ askedBy: 'ada', askedOf: 'lin', question: 'Which\nendpoint?' }],
    })
    expect(facts?.history.length).toBe(view.history.length)
  })

  it('an unreadable marker gives no facts and says why, rather than reading the prose', () => {
    const body = renderStatusComment(fullView()).replace('"v":1', '"v":9')
    expect(readStatusComment(body)).toMatchObject({
      holder: null,
      token: null,
      attempts: null,
      history: [],
      problem: expect.stringContaining('version 9'),
    })
  })

  it('history entries of event types this version does not know are left out', () => {
    const view = fullView()
    const state = statusState(view)
    state.history.push({
      at: '2026-03-01T10:00:00.000Z',
      type: 'teleported',
      actor: null,
      details: {},
    })
    const body = `${statusMarker(state)}\n### Task status`
    expect(readStatusComment(body)?.history.map((h) => h.type)).not.toContain('teleported')
    expect(readStatusComment(body)?.history).toHaveLength(view.history.length)
  })
})
