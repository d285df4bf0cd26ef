/**
 * Vitest `setupFiles` entry, run in each test file before its tests:
 *
 * - what a test writes straight to `process.stdout` / `process.stderr` (the
 *   artifact client's `::debug::` lines and progress, see ./held-output.ts)
 *   is held while it runs and shown only when the test failed, beside the
 *   failure;
 * - the folders `tempDir()` made are removed after the file's last test
 *   (./temp.ts).
 */
import { afterAll, afterEach, beforeEach } from 'vitest'
import { type HeldOutput, holdOutput } from './held-output.js'
import { removeTempDirs } from './temp.js'

let held: HeldOutput | undefined

beforeEach(() => {
  held = holdOutput()
})

afterEach((context) => {
  if (context.task.result?.state === 'fail') held?.release()
  else held?.drop()
  held = undefined
})

afterAll(() => {
  removeTempDirs()
})
