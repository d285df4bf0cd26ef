import { describe, expect, it } from 'vitest'
import { expectTaskError, MINUTE, makeEngine } from '../helpers.js'

describe('questions: ask puts the holder’s task in waiting, the lease clock pauses', () => {
  it('pauses at ask, ignores the sweep and heartbeats while waiting, resumes with the TTL left', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ title: 'Call the API' })
    engine.claim(t.id, 'ada') // expires 09:30
    clock.advance(10 * MINUTE) // 09:10, 20 min left
    const asked = engine.ask(t.id, 'ada', 'grace', '  Which endpoint?  ')
    expect(asked.paused).toBe(true)
    expect(asked.question).toMatchObject({
      task_id: t.id,
      asked_by: 'ada',
      asked_of: 'grace',
      question: 'Which endpoint?',
      asked_at: '2026-03-01T09:10:00.000Z',
      answered_at: null,
    })
    expect(engine.get(t.id)).toMatchObject({
      status: 'waiting',
      lease: {
        holder: 'ada',
        token: 1,
        paused: { at: '2026-03-01T09:10:00.000Z', remaining_ms: 20 * MINUTE },
      },
    })
    // Hours pass: the sweep leaves it, a heartbeat changes nothing.
    clock.advance(3 * 60 * MINUTE)
    expect(engine.sweep()).toEqual([])
    const hb = engine.heartbeat(t.id, 'ada', 1)
    expect(hb.paused).toEqual({ at: '2026-03-01T09:10:00.000Z', remaining_ms: 20 * MINUTE })
    expect(engine.events({ type: 'heartbeat' })).toHaveLength(0)
    // Completion waits for the answer.
    expect(
      expectTaskError(() => engine.complete(t.id, 'ada', 1), 'InvalidTransition').message,
    ).toContain('waiting for an answer')
    expect(engine.openQuestions().map((q) => q.id)).toEqual([asked.question.id])

    const answered = engine.answer(t.id, 'grace', 'Use v2')
    expect(answered).toMatchObject({
      resumed: true,
      expires_at: '2026-03-01T12:30:00.000Z', // 12:10 + the 20 minutes left
      question: { answer: 'Use v2', answered_by: 'grace', answered_at: '2026-03-01T12:10:00.000Z' },
    })
    expect(engine.get(t.id)).toMatchObject({
      status: 'in_progress',
      lease: { holder: 'ada', token: 1, expires_at: '2026-03-01T12:30:00.000Z' },
    })
    expect(engine.get(t.id).lease?.paused).toBeUndefined()
    expect(engine.openQuestions()).toEqual([])
    expect(engine.events({ task: t.id }).map((e) => e.type)).toEqual([
      'task_created',
      'claimed',
      'question_asked',
      'question_answered',
      'resumed',
    ])
    // The resumed lease expires normally again.
    clock.advance(21 * MINUTE)
    expect(engine.sweep().map((x) => x.task)).toEqual([t.id])
  })

  it('resumes only when the last open question is answered; answers the oldest first', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'ada')
    const q1 = engine.ask(t.id, 'ada', null, 'First?')
    const q2 = engine.ask(t.id, 'ada', null, 'Second?')
    expect(q2.paused).toBe(false) // already waiting
    const a1 = engine.answer(t.id, 'grace', 'one')
    expect(a1).toMatchObject({ resumed: false, question: { id: q1.question.id } })
    expect(engine.get(t.id).status).toBe('waiting')
    const a2 = engine.answer(t.id, 'grace', 'two', q2.question.id)
    expect(a2.resumed).toBe(true)
    expect(engine.questions(t.id).map((q) => q.answer)).toEqual(['one', 'two'])
  })

  it('a question by someone who does not hold the lease is recorded and changes no status', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x' })
    const q = engine.ask(t.id, 'grace', 'ada', 'Is this still needed?')
    expect(q.paused).toBe(false)
    expect(engine.get(t.id).status).toBe('pending')
    engine.claim(t.id, 'ada')
    expect(engine.ask(t.id, 'grace', null, 'And now?').paused).toBe(false)
    expect(engine.get(t.id).status).toBe('in_progress')
    expect(engine.openQuestions()).toHaveLength(2)
  })

  it('refuses an answer with no open question, an unknown question id, and empty text — nothing changes', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'ada')
    const before = engine.events().length
    expect(
      expectTaskError(() => engine.answer(t.id, 'grace', 'why not'), 'InvalidTransition').message,
    ).toContain('no open question')
    const q = engine.ask(t.id, 'ada', null, 'Which?')
    expectTaskError(() => engine.answer(t.id, 'grace', 'x', q.question.id + 99), 'InvalidInput')
    expectTaskError(() => engine.answer(t.id, 'grace', '   '), 'InvalidInput')
    expectTaskError(() => engine.ask(t.id, 'ada', null, ''), 'InvalidInput')
    expectTaskError(() => engine.ask('zzzzzzzz', 'ada', null, 'x'), 'TaskNotFound')
    expect(engine.get(t.id).status).toBe('waiting')
    expect(engine.events().length).toBe(before + 1) // only the ask
  })

  it('refuses to pause a lease that already expired, and questions on finished tasks', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'ada')
    clock.advance(31 * MINUTE)
    expectTaskError(() => engine.ask(t.id, 'ada', null, 'late?'), 'StaleToken')
    expect(engine.get(t.id).status).toBe('in_progress')
    const done = engine.add({ title: 'done' })
    engine.closeByPerson(done.id, 'completed', 'lin')
    expectTaskError(() => engine.ask(done.id, 'ada', null, 'x'), 'InvalidTransition')
  })

  it('a waiting task can be released; its open question stays listed until the task is finished', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'ada')
    engine.ask(t.id, 'ada', null, 'Which?')
    engine.release(t.id, 'ada', 1, 'switching')
    expect(engine.get(t.id)).toMatchObject({ status: 'pending', lease: null })
    expect(engine.openQuestions()).toHaveLength(1)
    // Answering now records the answer; there is no lease to resume.
    expect(engine.answer(t.id, 'grace', 'v2')).toMatchObject({ resumed: false })
    engine.ask(t.id, 'grace', null, 'Moot?')
    engine.cancel(t.id, 'not needed')
    expect(engine.openQuestions()).toEqual([])
  })

  it('block and cancel refuse a waiting task like a leased one; claim says it is held', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'ada')
    engine.ask(t.id, 'ada', null, 'Which?')
    expectTaskError(() => engine.block(t.id, 'no'), 'InvalidTransition')
    expectTaskError(() => engine.cancel(t.id), 'InvalidTransition')
    expectTaskError(() => engine.claim(t.id, 'grace'), 'LeaseHeld')
  })
})
