/**
 * Keep-alive with fake timers over the local transport (the engine's clock
 * follows the fake time): heartbeats at the fraction of the TTL, a lost
 * lease aborts the signal and fires `lost` at once, `stop()` ends it.
 */
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type AgentClient, createLocalClient, keepAlive } from '../../src/client/index.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { tempDir } from '../helpers.js'

const MIN = 60_000
const clock = { now: () => Date.now() }
let db: string
let engine: Engine
let client: AgentClient

beforeEach(async () => {
  vi.useFakeTimers({ now: new Date('2026-03-01T09:00:00.000Z') })
  db = join(tempDir('tm-keepalive-'), 'tasks.db')
  engine = new Engine(openStore(db, { create: true }), { clock })
  client = await createLocalClient({ agent: 'ada', db, clock })
})

afterEach(() => {
  client.close()
  engine.store.close()
  vi.useRealTimers()
})

describe('keepAlive', () => {
  it('heartbeats every ttl × fraction and keeps the lease alive past its first expiry', async () => {
    const task = engine.add({ title: 'Long job' }).id
    const grant = await client.claim(task, { ttlMs: 30 * MIN })
    const alive = keepAlive(client, { task, token: grant.lease.token, ttlMs: 30 * MIN })
    const beats: string[] = []
    alive.on('heartbeat', (lease) => beats.push(lease.expires_at))
    await vi.advanceTimersByTimeAsync(10 * MIN - 1)
    expect(beats).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(beats).toEqual(['2026-03-01T09:40:00.000Z'])
    await vi.advanceTimersByTimeAsync(50 * MIN)
    expect(beats).toHaveLength(6)
    expect(engine.get(task).lease?.expires_at).toBe('2026-03-01T10:30:00.000Z')
    expect(alive.signal.aborted).toBe(false)
    await alive.stop()
    await vi.advanceTimersByTimeAsync(60 * MIN)
    expect(beats).toHaveLength(6)
    expect(alive.signal.aborted).toBe(false)
  })

  it('a lost lease aborts the signal and fires lost at the next beat, once; no heartbeat after', async () => {
    const task = engine.add({ title: 'Contested' }).id
    const grant = await client.claim(task, { ttlMs: 9 * MIN })
    const alive = keepAlive(client, {
      task,
      token: grant.lease.token,
      ttlMs: 9 * MIN,
      fraction: 0.5,
    })
    const lost = vi.fn()
    alive.on('lost', lost)
    const onAbort = vi.fn()
    alive.signal.addEventListener('abort', onAbort)
    await vi.advanceTimersByTimeAsync(4.5 * MIN)
    expect(alive.beats).toBe(1)
    // A maintainer takes the lease away and gives the task to bob.
    engine.revokeLease(task, 'carol', 'reassigned')
    engine.claim(task, 'bob')
    await vi.advanceTimersByTimeAsync(4.5 * MIN)
    expect(onAbort).toHaveBeenCalledTimes(1)
    expect(lost).toHaveBeenCalledTimes(1)
    expect(alive.lost).toMatchObject({ code: 'NotHolder' })
    expect(alive.signal.reason).toBe(alive.lost)
    await vi.advanceTimersByTimeAsync(60 * MIN)
    expect(alive.beats).toBe(1)
    expect(engine.get(task).lease?.holder).toBe('bob')
    await alive.stop()
  })

  it('refuses a fraction or TTL that cannot keep a lease', () => {
    expect(() => keepAlive(client, { task: 'x', token: 1, ttlMs: MIN, fraction: 1 })).toThrow(
      /fraction/,
    )
    expect(() => keepAlive(client, { task: 'x', token: 1, ttlMs: 0 })).toThrow(/ttlMs/)
  })
})
