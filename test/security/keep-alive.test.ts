/**
 * Keep-alive under a TTL longer than a timer can hold (2^31 − 1 ms, about
 * 24.8 days): Node fires such a `setTimeout` after 1 ms, so the helper
 * heartbeated in a tight loop — one command per request on GitHub. Over the
 * local transport with fake timers (the engine's clock follows them).
 */
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { type AgentClient, createLocalClient, keepAlive } from '../../src/client/index.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { tempDir } from '../helpers.js'

const DAY = 86_400_000
const clock = { now: () => Date.now() }
let engine: Engine
let client: AgentClient

beforeEach(async () => {
  vi.useFakeTimers({ now: new Date('2026-03-01T09:00:00.000Z') })
  const db = join(tempDir('tm-keepalive-sec-'), 'tasks.db')
  engine = new Engine(openStore(db, { create: true }), { clock })
  client = await createLocalClient({ agent: 'ada', db, clock })
})

afterEach(() => {
  client.close()
  engine.store.close()
  vi.useRealTimers()
})

it('a TTL of 100 days heartbeats after at most 24.8 days, not at once and again and again', async () => {
  const task = engine.add({ title: 'Very long job' }).id
  const grant = await client.claim(task)
  const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
  const alive = keepAlive(client, { task, token: grant.lease.token, ttlMs: 100 * DAY })
  // Each heartbeat sent ends in one of these events.
  let sent = 0
  for (const event of ['heartbeat', 'lost', 'error'] as const) alive.on(event, () => sent++)
  await vi.advanceTimersByTimeAsync(60_000)
  expect(sent).toBe(0)
  await vi.advanceTimersByTimeAsync(25 * DAY)
  // One heartbeat after 2^31 − 1 ms (the engine's 30-minute lease is gone by then).
  expect(sent).toBe(1)
  await alive.stop()
  warn.mockRestore()
})
