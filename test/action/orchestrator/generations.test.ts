/**
 * Generation numbers of the state artifacts only grow (issue 13): the next
 * upload's generation is above that of every trusted artifact listed before
 * it — after a fallback past a damaged newer artifact, and when two runs'
 * uploads cross — so no two states a reader compares share one.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../../src/action/orchestrator/orchestrate.js'
import { inspectStateFile } from '../../../src/action/orchestrator/state-file.js'
import { nextGeneration } from '../../../src/action/orchestrator/sync.js'
import type { FakeClock } from '../../../src/core/clock.js'
import type { FakeArtifact, FakeRepository } from './support/fake-repository.js'
import { say as sayOn, useFakeRepository } from './support/harness.js'
import { openedPayload } from './support/payloads.js'
import { runOnce, STATE_NAME } from './support/runs.js'

let fake: FakeRepository
let clock: FakeClock

useFakeRepository((f, c) => {
  fake = f
  clock = c
})

const scratch = mkdtempSync(join(tmpdir(), 'generations-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const say = (number: number, body: string, login = 'ada') => sayOn(fake, clock, number, body, login)

/** The generation stored in an artifact's bytes, or null when they are not a usable state. */
function generationOf(a: FakeArtifact): number | null {
  const dir = mkdtempSync(join(scratch, 'a-'))
  const file = join(dir, STATE_NAME)
  writeFileSync(file, a.bytes)
  try {
    return inspectStateFile(file).generation
  } catch {
    return null
  }
}

/** A run paused before its check for a newer state, and the means to let it go on. */
function pausedRun(payload: Record<string, unknown>, maxRetries?: number) {
  let reachedResolve!: () => void
  let release!: () => void
  const reached = new Promise<void>((r) => {
    reachedResolve = r
  })
  const gate = new Promise<void>((r) => {
    release = r
  })
  const done: Promise<RunReport> = runOnce(fake, clock, 'issue_comment', payload, {
    ...(maxRetries !== undefined ? { maxRetries } : {}),
    beforeCheck: async () => {
      reachedResolve()
      await gate
    },
  })
  return { reached, release, done }
}

describe('generation numbers only grow', () => {
  it('after a fallback past a damaged newer artifact, the next upload is above it', async () => {
    fake.openIssue({ number: 1 })
    await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
    const good = await runOnce(fake, clock, 'issue_comment', say(1, '/claim', 'ada'))
    const damaged = await runOnce(fake, clock, 'issue_comment', say(1, '/progress 50'))
    expect(damaged.generation).toBeGreaterThan(good.generation)
    // The newest upload is damaged in storage: its bytes no longer match its digest.
    const last = fake.artifacts.at(-1)!
    last.bytes = last.bytes.subarray(0, Math.floor(last.bytes.length / 2))
    const listed = [...fake.artifacts]
    const next = await runOnce(fake, clock, 'schedule', {})
    expect(next.errors).toEqual([])
    expect(next.source.artifact?.id).toBe(listed.at(-2)!.id)
    expect(next.source.rejected.map((r) => r.id)).toEqual([last.id])
    expect(generationOf(last)).toBeNull()
    expect(next.generation).toBeGreaterThan(damaged.generation)
    for (const a of listed.slice(0, -1)) expect(next.generation).toBeGreaterThan(generationOf(a)!)
    expect(generationOf(fake.artifacts.at(-1)!)).toBe(next.generation)
  }, 60_000)

  it('when two uploads cross, the later one is above the earlier, and the next above both', async () => {
    fake.openIssue({ number: 1 })
    fake.openIssue({ number: 2 })
    await runOnce(fake, clock, 'issues', openedPayload(fake, 1))
    await runOnce(fake, clock, 'issues', openedPayload(fake, 2))
    // B starts from the same state as A but may not re-apply: it uploads after A's upload.
    const runB = pausedRun(say(2, '/claim', 'bob'), 0)
    await runB.reached
    const ra = await runOnce(fake, clock, 'issue_comment', say(1, '/claim', 'ada'))
    runB.release()
    const rb = await runB.done
    expect(rb.source.generation).toBe(ra.source.generation)
    expect(rb.generation).toBeGreaterThan(ra.generation)
    clock.advance(60_000)
    const next = await runOnce(fake, clock, 'schedule', {})
    expect(next.errors).toEqual([])
    const listed = fake.artifacts.slice(0, -1).map(generationOf)
    expect(listed).not.toContain(null)
    for (const g of listed) expect(next.generation).toBeGreaterThan(g!)
    // Every upload so far has a generation of its own.
    const all = fake.artifacts.map(generationOf)
    expect(new Set(all).size).toBe(all.length)
  }, 60_000)

  it('nextGeneration: above every generation known and every artifact id listed', () => {
    const artifact = (id: number) => ({
      id,
      name: STATE_NAME,
      size: 1,
      digest: null,
      created_at: '2026-03-01T00:00:00Z',
      expires_at: null,
      run_id: 1,
    })
    expect(nextGeneration([], [])).toBe(1)
    expect(nextGeneration([], [0])).toBe(1)
    expect(nextGeneration([artifact(9003), artifact(9001)], [4])).toBe(9004)
    expect(nextGeneration([artifact(3)], [9005])).toBe(9006)
  })
})
