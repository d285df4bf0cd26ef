/**
 * Issue 13, "Misleading words" and "Compatibility with the original tm", in
 * the engine: what the holder of a lease is told about a wrong token, what a
 * lease command on a finished task says, progress without a percentage and a
 * shared note under a generated key.
 */
import { describe, expect, it } from 'vitest'
import { expectTaskError, MINUTE, makeEngine } from '../helpers.js'

describe('a wrong token from the holder', () => {
  it('an older token of the holder names the lease’s token and does not say the lease was lost', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ title: 'T' })
    engine.claim(t.id, 'ada')
    engine.release(t.id, 'ada', 1)
    clock.advance(MINUTE)
    engine.claim(t.id, 'ada') // token 2, held by ada
    const err = expectTaskError(() => engine.heartbeat(t.id, 'ada', 1), 'StaleToken')
    expect(err.message).toContain('token 1 is from an earlier lease')
    expect(err.message).toContain('you (ada) hold now has token 2')
    expect(err.message).not.toMatch(/lease was lost/i)
    expect(err.details).toMatchObject({
      task: t.id,
      token: 1,
      current: 2,
      holder: 'ada',
      acquired_at: '2026-03-01T09:01:00.000Z',
    })
    // The lease is untouched and the right token still works.
    expect(engine.heartbeat(t.id, 'ada', 2).token).toBe(2)
    for (const op of [
      () => engine.release(t.id, 'ada', 1),
      () => engine.fail(t.id, 'ada', 1, 'x'),
      () => engine.complete(t.id, 'ada', 1),
    ]) {
      expect(expectTaskError(op, 'StaleToken').message).not.toMatch(/lease was lost/i)
    }
    expect(engine.get(t.id).lease?.token).toBe(2)
  })
})

describe('lease commands on a finished task', () => {
  it('say the task is completed, failed or cancelled and that there is nothing to do — not "claim it first"', () => {
    const { engine } = makeEngine({ maxAttempts: 1 })
    const done = engine.add({ title: 'done' })
    engine.claim(done.id, 'ada')
    engine.complete(done.id, 'ada', 1)
    const failed = engine.add({ title: 'failed' })
    engine.claim(failed.id, 'ada')
    engine.fail(failed.id, 'ada', 1, 'broken')
    const cancelled = engine.add({ title: 'cancelled' })
    engine.cancel(cancelled.id, 'no longer needed')

    const hb = expectTaskError(() => engine.heartbeat(done.id, 'ada', 1), 'NoLease')
    expect(hb.message).toBe(
      `Task ${done.id} is completed: it has no lease, so there is nothing to heartbeat.`,
    )
    expect(hb.message).not.toContain('claim it first')
    expect(hb.details).toMatchObject({ task: done.id, status: 'completed' })
    expect(expectTaskError(() => engine.release(done.id, 'ada', 1), 'NoLease').message).toContain(
      'nothing to release',
    )
    expect(expectTaskError(() => engine.complete(done.id, 'ada', 1), 'NoLease').message).toContain(
      'is completed: it has no lease, so there is nothing to complete',
    )
    expect(
      expectTaskError(() => engine.fail(failed.id, 'ada', 1, 'x'), 'NoLease').message,
    ).toContain(`Task ${failed.id} is failed: it has no lease, so there is nothing to fail.`)
    expect(
      expectTaskError(() => engine.heartbeat(cancelled.id, 'ada', 1), 'NoLease').message,
    ).toContain(`Task ${cancelled.id} is cancelled`)
    // A pending task nobody holds is still "claim it first".
    const open = engine.add({ title: 'open' })
    expect(expectTaskError(() => engine.heartbeat(open.id, 'ada', 1), 'NoLease').message).toContain(
      'claim it first',
    )
  })
})

describe('progress without a percentage (v2.3: tm progress ID "message")', () => {
  it('is recorded with percent null and an event; an empty note is refused', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'T' })
    const entry = engine.progress(t.id, 'ada', null, 'schema drafted')
    expect(entry).toMatchObject({ agent: 'ada', percent: null, message: 'schema drafted' })
    expect(engine.progressHistory(t.id)).toMatchObject([
      { percent: null, message: 'schema drafted' },
    ])
    expect(engine.events({ type: 'progress' })[0]?.details).toEqual({
      percent: null,
      message: 'schema drafted',
    })
    expectTaskError(() => engine.progress(t.id, 'ada', null, '  '), 'InvalidInput')
    expect(engine.progressHistory(t.id)).toHaveLength(1)
  })
})

describe('a shared note under a generated key (v2.3: tm share ID "message")', () => {
  it('takes the next free update.N key, as the v2.3 importer names shared updates', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'T' })
    expect(engine.shareUpdate(t.id, 'API base is /api/v1', 'ada')).toMatchObject({
      key: 'update.1',
      value: 'API base is /api/v1',
      author: 'ada',
    })
    engine.share(t.id, 'update.7', 'set by hand', 'lin')
    engine.share(t.id, 'update.x', 'not numbered', 'lin')
    expect(engine.shareUpdate(t.id, 'schema frozen', 'ada').key).toBe('update.8')
    expect(engine.context(t.id).merged).toMatchObject({
      'update.1': 'API base is /api/v1',
      'update.8': 'schema frozen',
    })
    expectTaskError(() => engine.shareUpdate(t.id, '', 'ada'), 'InvalidInput')
  })
})
