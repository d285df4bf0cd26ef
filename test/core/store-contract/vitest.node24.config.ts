/**
 * Vitest configuration for the Node 24 reruns started by `./node24.ts`: only
 * the suites that honour `TM_TEST_DRIVER`, and no global setup (the Node 20
 * run that starts this one has already built everything; building again
 * would rewrite build/ under the feet of tests still running there).
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: [
      'test/core/store-contract/store-contract.test.ts',
      'test/action/orchestrator/state-file.test.ts',
      'test/security/artifacts.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/support/setup-file.ts'],
  },
})
