import { describe, expect, it } from 'vitest'
import { expectTaskError, MINUTE, makeEngine } from '../helpers.js'

describe('claim', () => {
  it('grants a lease with a fencing token that grows with every grant and is never reused', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ title: 'Write the parser' })
    const g1 = engine.claim(t.id, 'ada')
    expect(g1.lease).toMatchObject({
      holder: 'ada',
      token: 1,
      expires_at: '2026-03-01T09:30:00.000Z',
    })
    engine.release(t.id, 'ada', 1)
    const g2 = engine.claim(t.id, 'grace')
    expect(g2.lease.token).toBe(2)
    clock.advance(31 * MINUTE)
    engine.sweep()
    const g3 = engine.claim(t.id, 'ada')
    expect(g3.lease.token).toBe(3)
    expect(engine.get(t.id)).toMatchObject({
      status: 'in_progress',
      assignee: 'ada',
      fencing_seq: 3,
    })
  })

  it('refuses a second claimer and says who holds it until when', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'ada')
    const err = expectTaskError(() => engine.claim(t.id, 'grace'), 'LeaseHeld')
    expect(err.message).toContain('held by ada until 2026-03-01T09:30:00.000Z')
    expect(err.details).toMatchObject({ holder: 'ada' })
    expect(engine.events({ type: 'claimed' })).toHaveLength(1)
  })

  it('refuses blocked, finished and unknown tasks', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a' })
    const b = engine.add({ title: 'b', depends_on: [a.id] })
    expect(expectTaskError(() => engine.claim(b.id, 'ada'), 'InvalidTransition').message).toContain(
      a.id,
    )
    engine.cancel(a.id)
    expectTaskError(() => engine.claim(a.id, 'ada'), 'InvalidTransition')
    expectTaskError(() => engine.claim('zzzzzzzz', 'ada'), 'TaskNotFound')
  })

  it('enforces the per-agent limit of concurrent leases', () => {
    const { engine } = makeEngine()
    const [a, b, c] = ['a', 'b', 'c'].map((title) => engine.add({ title }))
    engine.claim(a!.id, 'ada')
    expectTaskError(() => engine.claim(b!.id, 'ada'), 'AgentAtCapacity')
    engine.registerAgent({ id: 'ada', capacity: 2 })
    engine.claim(b!.id, 'ada')
    const err = expectTaskError(() => engine.claim(c!.id, 'ada'), 'AgentAtCapacity')
    expect(err.details).toMatchObject({ held: 2, capacity: 2 })
  })

  it('caps the TTL at the configured maximum', () => {
    const { engine } = makeEngine({ maxLeaseTtlMs: 60 * MINUTE })
    const t = engine.add({ title: 'x' })
    expectTaskError(() => engine.claim(t.id, 'ada', 61 * MINUTE), 'InvalidInput')
    expect(engine.claim(t.id, 'ada', 60 * MINUTE).lease.expires_at).toBe('2026-03-01T10:00:00.000Z')
  })
})

describe('heartbeat', () => {
  it('moves expiry to server time + TTL, never further than the maximum TTL', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'ada')
    clock.advance(20 * MINUTE)
    expect(engine.heartbeat(t.id, 'ada', 1).expires_at).toBe('2026-03-01T09:50:00.000Z')
    expectTaskError(() => engine.heartbeat(t.id, 'ada', 1, 5 * 3_600_000), 'InvalidInput')
    expect(engine.get(t.id).lease?.expires_at).toBe('2026-03-01T09:50:00.000Z')
  })

  it('refuses another agent, a wrong token and an expired lease', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'ada')
    expectTaskError(() => engine.heartbeat(t.id, 'grace', 1), 'NotHolder')
    // Token 2 was never issued for this task: not stale, unknown (issue 14).
    expectTaskError(() => engine.heartbeat(t.id, 'ada', 2), 'UnknownToken')
    clock.advance(30 * MINUTE)
    expectTaskError(() => engine.heartbeat(t.id, 'ada', 1), 'StaleToken')
    expect(engine.events({ type: 'heartbeat' })).toHaveLength(0)
  })
})

describe('zombie agent', () => {
  it('cannot heartbeat, release, fail or complete after its lease expired and another agent took the task', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'zombie')
    clock.advance(31 * MINUTE)
    const grant = engine.claim(t.id, 'ada') // the claim sweeps the expired lease first
    expect(grant.lease.token).toBe(2)
    const before = engine.get(t.id)
    const eventsBefore = engine.events().length
    expectTaskError(() => engine.heartbeat(t.id, 'zombie', 1), 'NotHolder')
    expectTaskError(() => engine.release(t.id, 'zombie', 1), 'NotHolder')
    expectTaskError(() => engine.fail(t.id, 'zombie', 1, 'oops'), 'NotHolder')
    expectTaskError(() => engine.complete(t.id, 'zombie', 1, { summary: 'mine' }), 'NotHolder')
    // Even presenting the right name with the old token is refused.
    expectTaskError(() => engine.complete(t.id, 'ada', 1), 'StaleToken')
    expect(engine.get(t.id)).toEqual(before)
    expect(engine.events()).toHaveLength(eventsBefore)
  })

  it('cannot act on its own expired lease even before a sweep ran', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'zombie')
    clock.advance(30 * MINUTE)
    expectTaskError(() => engine.complete(t.id, 'zombie', 1), 'StaleToken')
    expectTaskError(() => engine.release(t.id, 'zombie', 1), 'StaleToken')
  })
})

describe('release, fail and sweep', () => {
  it('release returns the task to pending without counting an attempt', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'ada')
    clock.advance(10 * MINUTE)
    engine.release(t.id, 'ada', 1, 'going home')
    expect(engine.get(t.id)).toMatchObject({
      status: 'pending',
      attempts: 0,
      lease: null,
      lease_seconds: 600,
    })
    expect(engine.events({ type: 'released' })[0]?.details).toMatchObject({
      lease_s: 600,
      reason: 'going home',
    })
  })

  it('fail retries until max_attempts, then marks the task failed', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x', max_attempts: 2 })
    engine.claim(t.id, 'ada')
    expect(engine.fail(t.id, 'ada', 1, 'flaky network')).toEqual({
      status: 'pending',
      attempts: 1,
      max_attempts: 2,
    })
    engine.claim(t.id, 'ada')
    expect(engine.fail(t.id, 'ada', 2, 'again')).toEqual({
      status: 'failed',
      attempts: 2,
      max_attempts: 2,
    })
    expect(engine.get(t.id).status).toBe('failed')
  })

  it('fail without retry fails at once', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'ada')
    expect(engine.fail(t.id, 'ada', 1, 'impossible', false).status).toBe('failed')
  })

  it('sweep returns expired leases to pending, counts attempts and fails after max_attempts', () => {
    const { engine, clock } = makeEngine({ maxAttempts: 2 })
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'ada')
    clock.advance(29 * MINUTE)
    expect(engine.sweep()).toEqual([])
    clock.advance(2 * MINUTE)
    expect(engine.sweep()).toEqual([
      {
        task: t.id,
        holder: 'ada',
        token: 1,
        expired_at: '2026-03-01T09:30:00.000Z',
        attempts: 1,
        status: 'pending',
      },
    ])
    expect(engine.get(t.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lease_seconds: 1800,
      assignee: 'ada',
    })
    engine.claim(t.id, 'grace')
    clock.advance(31 * MINUTE)
    expect(engine.sweep()[0]).toMatchObject({ status: 'failed', attempts: 2 })
    expect(engine.get(t.id).status).toBe('failed')
    const failed = engine.events({ type: 'failed' })
    expect(failed[0]?.details.reason).toMatch(/needs a person/)
  })

  it('lock-delay keeps an expired task unclaimable for the grace period', () => {
    const { engine, clock } = makeEngine({ lockDelayMs: 5 * MINUTE })
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'zombie')
    clock.advance(31 * MINUTE)
    engine.sweep()
    const err = expectTaskError(() => engine.claim(t.id, 'ada'), 'LockDelay')
    expect(err.details.claimable_after).toBe('2026-03-01T09:36:00.000Z')
    expect(engine.ready()).toEqual([])
    clock.advance(5 * MINUTE)
    expect(engine.claim(t.id, 'ada').lease.token).toBe(2)
  })

  it('a released task is not subject to lock-delay', () => {
    const { engine } = makeEngine({ lockDelayMs: 5 * MINUTE })
    const t = engine.add({ title: 'x' })
    engine.claim(t.id, 'ada')
    engine.release(t.id, 'ada', 1)
    expect(engine.claim(t.id, 'grace').lease.token).toBe(2)
  })
})
