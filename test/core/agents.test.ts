import { describe, expect, it } from 'vitest'
import { expectTaskError, makeEngine } from '../helpers.js'

describe('agents and next', () => {
  it('picks persona match first, then priority, then deadline, then age', () => {
    const { engine, clock } = makeEngine()
    engine.registerAgent({ id: 'rev', personas: ['reviewer'] })
    const critical = engine.add({ title: 'critical, no persona', priority: 'critical' })
    clock.advance(1000)
    const review = engine.add({ title: 'review', persona: 'reviewer', priority: 'low' })
    clock.advance(1000)
    const reviewDeadline = engine.add({
      title: 'review soon',
      persona: 'reviewer',
      priority: 'low',
      deadline: '2026-03-02',
    })
    const impl = engine.add({ title: 'impl', persona: 'implementer', priority: 'critical' })
    expect(engine.next('rev').task?.id).toBe(reviewDeadline.id)
    // An agent with no matching persona gets unassigned work before other personas' work.
    expect(engine.next('someone').task?.id).toBe(critical.id)
    engine.claim(critical.id, 'x')
    expect(engine.next('someone').task?.id).toBe(impl.id)
    expect(review.status).toBe('pending')
  })

  it('next --claim claims in the same transaction and respects capacity', () => {
    const { engine } = makeEngine()
    engine.registerAgent({ id: 'ada', personas: ['implementer'], capacity: 1 })
    engine.add({ title: 'a' })
    engine.add({ title: 'b' })
    const first = engine.next('ada', { claim: true })
    expect(first.grant?.lease).toMatchObject({ holder: 'ada', token: 1 })
    expect(first.task?.status).toBe('in_progress')
    expectTaskError(() => engine.next('ada', { claim: true }), 'AgentAtCapacity')
    expect(engine.next('grace', { claim: true }).task?.id).not.toBe(first.task?.id)
    expect(engine.next('linus', { claim: true })).toEqual({ task: null, grant: null })
  })

  it('register validates its input and lists leases held', () => {
    const { engine } = makeEngine()
    expect(
      expectTaskError(
        () => engine.registerAgent({ id: 'ada', personas: ['Bad Persona'] }),
        'InvalidInput',
      ).message,
    ).toContain('persona 1: must be lowercase')
    expectTaskError(() => engine.registerAgent({ id: 'ada', capacity: 0 }), 'InvalidInput')
    engine.registerAgent({ id: 'ada', personas: ['implementer', 'reviewer'], capacity: 2 })
    const t = engine.add({ title: 'a' })
    engine.claim(t.id, 'ada')
    expect(engine.agents()).toEqual([
      expect.objectContaining({
        id: 'ada',
        personas: ['implementer', 'reviewer'],
        capacity: 2,
        leases: 1,
      }),
    ])
  })
})

describe('task validation', () => {
  it('names the bad field', () => {
    const { engine } = makeEngine()
    expect(expectTaskError(() => engine.add({ title: '' }), 'InvalidInput').message).toContain(
      'title',
    )
    expect(
      expectTaskError(
        () => engine.add({ title: 'x', priority: 'urgent' as 'high' }),
        'InvalidInput',
      ).message,
    ).toContain('priority')
    expect(
      expectTaskError(() => engine.add({ title: 'x', id: 'ABC' }), 'InvalidInput').message,
    ).toContain('id')
    expect(
      expectTaskError(() => engine.add({ title: 'x', deadline: 'next friday' }), 'InvalidInput')
        .message,
    ).toContain('deadline')
    expect(
      expectTaskError(() => engine.add({ title: 'x', estimated_hours: -1 }), 'InvalidInput')
        .message,
    ).toContain('estimated_hours')
    expectTaskError(() => engine.add({ title: 'x', parent_id: 'abcdefgh' }), 'TaskNotFound')
    expect(engine.list()).toEqual([])
  })

  it('stores deadlines as UTC ISO-8601 and refuses duplicate explicit ids', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x', id: 'abcd1234', deadline: '2026-12-01T10:00:00+02:00' })
    expect(t.deadline).toBe('2026-12-01T08:00:00.000Z')
    expectTaskError(() => engine.add({ title: 'y', id: 'abcd1234' }), 'Duplicate')
  })
})
