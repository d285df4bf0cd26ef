/**
 * Issue 13, "Wrong answers and lost data": a parent with open subtasks is not
 * claimable work; personas can be enforced on claims; a failed task can be
 * reopened; a maintainer can assign a lease to a named agent; a task nobody
 * depends on can be deleted, its history kept.
 */
import { describe, expect, it } from 'vitest'
import { expectTaskError, MINUTE, makeEngine } from '../helpers.js'

describe('a parent with open subtasks', () => {
  it('is neither ready nor next, and claiming it is refused with SubtasksOpen naming them', () => {
    const { engine } = makeEngine()
    const parent = engine.add({ title: 'epic', priority: 'critical' })
    const child = engine.add({ title: 'part', parent_id: parent.id })
    const other = engine.add({ title: 'cancelled part', parent_id: parent.id })
    engine.cancel(other.id)
    expect(engine.ready().map((t) => t.id)).toEqual([child.id])
    expect(engine.next('ada').task?.id).toBe(child.id)
    const err = expectTaskError(() => engine.claim(parent.id, 'ada'), 'SubtasksOpen')
    expect(err.details).toEqual({ task: parent.id, subtasks: [child.id] })
    expect(err.message).toContain(child.id)
    // next --claim takes the subtask, never the parent.
    expect(engine.next('ada', { claim: true }).task?.id).toBe(child.id)
    expect(engine.next('grace', { claim: true })).toEqual({ task: null, grant: null })
    engine.complete(child.id, 'ada', 1)
    // Once its subtasks are done, the parent is claimable (for integration).
    expect(engine.ready().map((t) => t.id)).toEqual([parent.id])
    expect(engine.next('grace', { claim: true }).task?.id).toBe(parent.id)
  })

  it('with a persona is left out of the persona probe too', () => {
    const { engine } = makeEngine()
    engine.registerAgent({ id: 'rev', personas: ['reviewer'] })
    const parent = engine.add({ title: 'review all', persona: 'reviewer', priority: 'high' })
    const child = engine.add({ title: 'review one', persona: 'reviewer', parent_id: parent.id })
    expect(engine.ready({ persona: 'reviewer' }).map((t) => t.id)).toEqual([child.id])
    expect(engine.next('rev').task?.id).toBe(child.id)
  })
})

describe('enforcing personas on claims', () => {
  it('is off by default: anyone may claim a task of any persona', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'review', persona: 'reviewer' })
    expect(engine.claim(t.id, 'ada').lease.token).toBe(1)
  })

  it('when on, refuses a claim without the persona with PersonaMismatch and the persona needed', () => {
    const { engine } = makeEngine({ enforcePersonas: true })
    engine.registerAgent({ id: 'impl', personas: ['implementer'] })
    engine.registerAgent({ id: 'rev', personas: ['reviewer'] })
    const review = engine.add({ title: 'review', persona: 'reviewer' })
    const free = engine.add({ title: 'anyone' })
    for (const agent of ['impl', 'stranger']) {
      const err = expectTaskError(() => engine.claim(review.id, agent), 'PersonaMismatch')
      expect(err.details).toMatchObject({ task: review.id, persona: 'reviewer', agent })
      expect(err.message).toContain('reviewer')
    }
    expect(engine.get(review.id).status).toBe('pending')
    // next --claim never offers another persona's work to an agent that may not take it.
    expect(engine.next('impl', { claim: true }).task?.id).toBe(free.id)
    expect(engine.next('stranger', { claim: true })).toEqual({ task: null, grant: null })
    expect(engine.claim(review.id, 'rev').lease.holder).toBe('rev')
  })
})

describe('reopen', () => {
  it('brings a failed task back to pending with attempts reset and its history kept', () => {
    const { engine } = makeEngine({ maxAttempts: 1 })
    const t = engine.add({ title: 'flaky' })
    engine.claim(t.id, 'ada')
    engine.fail(t.id, 'ada', 1, 'broke')
    expect(engine.get(t.id)).toMatchObject({ status: 'failed', attempts: 1 })
    expectTaskError(() => engine.claim(t.id, 'ada'), 'InvalidTransition')
    expect(engine.reopen(t.id, 'maint')).toBe(true)
    expect(engine.get(t.id)).toMatchObject({ status: 'pending', attempts: 0, lease: null })
    const types = engine.events({ task: t.id }).map((e) => e.type)
    expect(types).toEqual(['task_created', 'claimed', 'failed', 'reopened'])
    // The fencing sequence continues: the next grant never reuses a token.
    expect(engine.claim(t.id, 'grace').lease.token).toBe(2)
  })

  it('a failed task whose dependency is open again comes back blocked', () => {
    const { engine } = makeEngine({ maxAttempts: 1 })
    const a = engine.add({ title: 'a' })
    const b = engine.add({ title: 'b', depends_on: [a.id] })
    engine.closeByPerson(a.id, 'completed', 'x')
    engine.claim(b.id, 'ada')
    engine.fail(b.id, 'ada', 1, 'no')
    engine.reopen(a.id, 'x')
    engine.reopen(b.id, 'x')
    expect(engine.get(b.id).status).toBe('blocked')
  })
})

describe('assign', () => {
  it('grants a lease to the named agent, returns its token, and records who assigned it', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ title: 'x' })
    const grant = engine.assign(t.id, 'ada', 'maint')
    expect(grant.lease).toMatchObject({ holder: 'ada', token: 1 })
    expect(engine.get(t.id)).toMatchObject({ status: 'in_progress', assignee: 'ada' })
    const claimed = engine.events({ task: t.id }).at(-1)!
    expect(claimed).toMatchObject({ type: 'claimed', actor: 'ada' })
    expect(claimed.details).toMatchObject({ token: 1, assigned_by: 'maint' })
    // The agent works with the token as if it had claimed.
    clock.advance(MINUTE)
    engine.heartbeat(t.id, 'ada', 1)
    engine.complete(t.id, 'ada', 1)
  })

  it('is refused like a claim: held, blocked, open subtasks, capacity', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a' })
    const b = engine.add({ title: 'b', depends_on: [a.id] })
    const child = engine.add({ title: 'child', parent_id: b.id })
    engine.assign(a.id, 'ada', 'maint')
    expectTaskError(() => engine.assign(a.id, 'grace', 'maint'), 'LeaseHeld')
    expectTaskError(() => engine.assign(b.id, 'grace', 'maint'), 'InvalidTransition')
    expectTaskError(() => engine.assign(child.id, 'ada', 'maint'), 'AgentAtCapacity')
    expectTaskError(() => engine.assign('nope1234', 'ada', 'maint'), 'TaskNotFound')
  })
})

describe('delete', () => {
  it('removes a task nobody depends on, with its context, and keeps its events plus a deleted event', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a' })
    const b = engine.add({ title: 'b', depends_on: [a.id] })
    engine.share(b.id, 'k', 'v', 'ada')
    const deleted = engine.delete(b.id, 'maint')
    expect(deleted).toMatchObject({ id: b.id, title: 'b', status: 'blocked' })
    expectTaskError(() => engine.get(b.id), 'TaskNotFound')
    expect(engine.show(a.id).dependents).toEqual([])
    const events = engine.events({ task: b.id })
    expect(events.map((e) => e.type)).toEqual([
      'task_created',
      'dependency_added',
      'blocked',
      'context_shared',
      'deleted',
    ])
    expect(events.at(-1)).toMatchObject({
      actor: 'maint',
      details: { title: 'b', status: 'blocked', depends_on: [a.id] },
    })
    // The deleted task's history still counts where it should: nothing breaks.
    expect(engine.metrics().tasks).toMatchObject({ pending: 1 })
    expect(engine.metrics().tasks.blocked ?? 0).toBe(0)
  })

  it('is refused while tasks depend on it (HasDependents), have it as parent (HasSubtasks), or hold it (LeaseHeld)', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a' })
    const b = engine.add({ title: 'b', depends_on: [a.id] })
    const c = engine.add({ title: 'c', depends_on: [a.id] })
    const err = expectTaskError(() => engine.delete(a.id, 'maint'), 'HasDependents')
    expect(err.details).toEqual({ task: a.id, dependents: [b.id, c.id].sort() })
    expect(err.message).toContain(b.id)
    const parent = engine.add({ title: 'epic' })
    const child = engine.add({ title: 'part', parent_id: parent.id })
    engine.cancel(child.id)
    const sub = expectTaskError(() => engine.delete(parent.id, 'maint'), 'HasSubtasks')
    expect(sub.details).toEqual({ task: parent.id, subtasks: [child.id] })
    const held = engine.add({ title: 'held' })
    engine.claim(held.id, 'ada')
    expectTaskError(() => engine.delete(held.id, 'maint'), 'LeaseHeld')
    expect(engine.get(a.id).status).toBe('pending')
  })
})
