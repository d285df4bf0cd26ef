/**
 * vitest wiring for the GitHub harness. Call `useGitHubHarness()` at the top
 * of a test file (or inside a `describe`):
 *
 * - before all: load GitHub's REST API description (~0.2 s, once per worker)
 *   and disable the network except 127.0.0.1;
 * - before each: forget interceptors, recorded requests and problems;
 * - after each: fail the test when a request broke the description, went
 *   unanswered, or an expected request (`nock` interceptor) was not made.
 *
 * Tests in a file share one request log: do not use `test.concurrent` with it.
 */
import nock from 'nock'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import {
  disableNetwork,
  expectConformingRequests,
  expectNoPendingMocks,
  resetGitHubHarness,
} from './nock.js'
import { loadGitHubDescription } from './openapi.js'

export interface GitHubHarnessOptions {
  /** Fail a test whose interceptors were not all used (default true). */
  failOnPendingMocks?: boolean
}

export function useGitHubHarness(options: GitHubHarnessOptions = {}): void {
  const { failOnPendingMocks = true } = options
  beforeAll(() => {
    loadGitHubDescription()
    disableNetwork()
  })
  beforeEach(() => resetGitHubHarness())
  afterEach(() => {
    const errors: string[] = []
    for (const check of failOnPendingMocks
      ? [expectConformingRequests, expectNoPendingMocks]
      : [expectConformingRequests]) {
      try {
        check()
      } catch (err) {
        errors.push((err as Error).message)
      }
    }
    resetGitHubHarness()
    if (errors.length) throw new Error(errors.join('\n\n'))
  })
  afterAll(() => {
    nock.cleanAll()
    nock.enableNetConnect()
  })
}
