import { describe, expect, it } from 'vitest'
import { expectTaskError, makeEngine } from '../helpers.js'

describe('what a person may do outside the lease protocol', () => {
  it('closing as completed ends the lease without an attempt and unblocks dependents', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a' })
    const b = engine.add({ title: 'b', depends_on: [a.id] })
    engine.claim(a.id, 'ada')
    expect(engine.closeByPerson(a.id, 'completed', 'maintainer', 'done by hand')).toBe(true)
    expect(engine.get(a.id)).toMatchObject({
      status: 'completed',
      lease: null,
      attempts: 0,
      completion_summary: 'done by hand',
    })
    expect(engine.get(b.id).status).toBe('pending')
    expect(engine.events({ task: a.id }).map((e) => e.type)).toEqual([
      'task_created',
      'claimed',
      'released',
      'completed',
    ])
    expect(engine.closeByPerson(a.id, 'completed', 'maintainer')).toBe(false)
  })

  it('closing as cancelled keeps dependents blocked; reopening restores pending', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a' })
    const b = engine.add({ title: 'b', depends_on: [a.id] })
    engine.closeByPerson(a.id, 'cancelled', 'maintainer')
    expect(engine.get(b.id).status).toBe('blocked')
    expect(engine.reopen(a.id, 'maintainer')).toBe(true)
    expect(engine.get(a.id).status).toBe('pending')
    expect(engine.reopen(a.id, 'maintainer')).toBe(false)
  })

  it('reopening a completed task blocks its pending dependents again and resets attempts', () => {
    const { engine } = makeEngine({ maxAttempts: 1 })
    const a = engine.add({ title: 'a' })
    const b = engine.add({ title: 'b', depends_on: [a.id] })
    engine.closeByPerson(a.id, 'completed', 'x')
    expect(engine.get(b.id).status).toBe('pending')
    engine.reopen(a.id, 'x')
    expect(engine.get(b.id).status).toBe('blocked')
    engine.claim(a.id, 'ada')
    engine.fail(a.id, 'ada', 1, 'no')
    expect(engine.get(a.id)).toMatchObject({ status: 'failed', attempts: 1 })
    engine.reopen(a.id, 'x')
    expect(engine.get(a.id)).toMatchObject({ status: 'pending', attempts: 0 })
  })

  it('revoking a lease needs no token, counts no attempt, and fences the former holder out', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a' })
    engine.claim(a.id, 'ada')
    expect(engine.revokeLease(a.id, 'maintainer', 'reassigned')).toBe('ada')
    expect(engine.get(a.id)).toMatchObject({ status: 'pending', attempts: 0, lease: null })
    expectTaskError(() => engine.complete(a.id, 'ada', 1), 'NoLease')
    expectTaskError(() => engine.revokeLease(a.id, 'maintainer', 'again'), 'NoLease')
    expect(engine.claim(a.id, 'grace').lease.token).toBe(2)
  })

  it('accepts GitHub issue ids for tasks and dependencies', () => {
    const { engine } = makeEngine()
    const a = engine.add({ id: 'octo-org/api#12', title: 'schema' })
    const b = engine.add({ id: 'octo-org/web#7', title: 'ui', depends_on: [a.id] })
    expect(b.status).toBe('blocked')
    expectTaskError(() => engine.add({ id: 'not an id#x', title: 'bad' }), 'InvalidInput')
  })
})

describe('participants and progress', () => {
  it('records participants with roles and progress as a history', () => {
    const { engine, clock } = makeEngine()
    const a = engine.add({ title: 'a' })
    engine.join(a.id, 'ada', 'reviewer')
    engine.join(a.id, 'grace')
    engine.join(a.id, 'ada', 'pair')
    expect(engine.participants(a.id).map((p) => [p.agent, p.role])).toEqual([
      ['ada', 'pair'],
      ['grace', null],
    ])
    engine.progress(a.id, 'ada', 20, 'schema drafted')
    clock.advance(1000)
    engine.progress(a.id, 'ada', 50, 'half way')
    expect(engine.latestProgress(a.id)).toMatchObject({ percent: 50, message: 'half way' })
    expectTaskError(() => engine.progress(a.id, 'ada', 150, 'too much'), 'InvalidInput')
    expect(engine.latestProgress(a.id)?.percent).toBe(50)
  })
})

describe('parents', () => {
  it('update sets and clears a parent; a task cannot be its own parent', () => {
    const { engine } = makeEngine()
    const p = engine.add({ title: 'p' })
    const c = engine.add({ title: 'c' })
    expect(engine.update(c.id, { parent_id: p.id }).parent_id).toBe(p.id)
    expect(engine.show(p.id).subtasks).toEqual([c.id])
    expect(engine.update(c.id, { parent_id: null }).parent_id).toBeNull()
    expectTaskError(() => engine.update(c.id, { parent_id: c.id }), 'InvalidInput')
    expectTaskError(() => engine.update(c.id, { parent_id: 'nosuch00' }), 'TaskNotFound')
  })
})

describe('review fixes', () => {
  it('refuses a parent loop, naming it', () => {
    const { engine } = makeEngine()
    const p = engine.add({ title: 'p' })
    const q = engine.add({ title: 'q', parent_id: p.id })
    const err = expectTaskError(() => engine.update(p.id, { parent_id: q.id }), 'DependencyCycle')
    expect(err.details.cycle).toEqual([p.id, q.id, p.id])
  })

  it('reopening a dependency blocks a dependent that is being worked on, ending its lease', () => {
    const { engine } = makeEngine()
    const x = engine.add({ title: 'x' })
    const y = engine.add({ title: 'y', depends_on: [x.id] })
    engine.claim(x.id, 'ada')
    engine.complete(x.id, 'ada', 1)
    engine.claim(y.id, 'grace')
    engine.reopen(x.id, 'maint')
    expect(engine.get(y.id)).toMatchObject({ status: 'blocked', lease: null, attempts: 0 })
    expect(engine.events({ task: y.id, type: 'released' })[0]?.details.reason).toBe(
      `dependency ${x.id} was reopened`,
    )
  })

  it('reads date-times without a zone as UTC', async () => {
    const { normaliseTime } = await import('../../src/core/model.js')
    expect(normaliseTime('2026-11-20T23:55:12.740992')).toBe('2026-11-20T23:55:12.740Z')
    expect(normaliseTime('2026-11-20T23:55:12+02:00')).toBe('2026-11-20T21:55:12.000Z')
  })
})

describe('feedback', () => {
  it('rates completed tasks 1–5 and refuses anything else, changing nothing', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x' })
    expectTaskError(
      () => engine.feedback(t.id, 'rev', { quality: 5, timeliness: 4 }),
      'InvalidTransition',
    )
    engine.claim(t.id, 'ada')
    engine.complete(t.id, 'ada', 1)
    expect(
      expectTaskError(
        () => engine.feedback(t.id, 'rev', { quality: 6, timeliness: 4 }),
        'InvalidInput',
      ).message,
    ).toContain('quality')
    expect(engine.get(t.id).feedback_quality).toBeNull()
    engine.feedback(t.id, 'rev', { quality: 5, timeliness: 4, notes: 'clean' })
    expect(engine.get(t.id)).toMatchObject({
      feedback_quality: 5,
      feedback_timeliness: 4,
      feedback_notes: 'clean',
    })
    expect(engine.events({ type: 'feedback' })).toHaveLength(1)
  })
})
