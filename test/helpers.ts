import { expect } from 'vitest'
import { FakeClock } from '../src/core/clock.js'
import { openStore } from '../src/core/db/open.js'
import { Engine } from '../src/core/engine.js'
import { type ErrorCode, TaskError } from '../src/core/errors.js'
import type { EngineSettings } from '../src/core/tasks.js'

/** A fresh engine on an in-memory database with a fake clock. */
export function makeEngine(settings: Partial<EngineSettings> = {}) {
  const clock = new FakeClock('2026-03-01T09:00:00.000Z')
  const engine = new Engine(openStore(':memory:'), { clock, settings })
  return { engine, clock }
}

/** A fresh temporary directory, removed after the test file (see test/support/temp.ts). */
export { tempDir } from './support/temp.js'

/** Assert that `fn` throws a TaskError with `code`; returns it for more checks. */
export function expectTaskError(fn: () => unknown, code: ErrorCode): TaskError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(TaskError)
    expect((err as TaskError).code).toBe(code)
    return err as TaskError
  }
  throw new Error(`expected TaskError ${code}, but nothing was thrown`)
}

export const MINUTE = 60_000
