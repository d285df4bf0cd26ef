/**
 * Vitest configuration of the Node 24 run (`npm run test:node24`, started by
 * `npm test` after the main run; see ./run.mjs): the CLI's and the app's
 * suites, unchanged, on Node 24 with better-sqlite3 compiled for it. The
 * build (global setup) is redone so that the run also stands alone; `npm
 * test` starts it only after the main run has finished, so nothing else is
 * reading build/ meanwhile.
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/cli/**/*.test.ts', 'test/app/**/*.test.ts', 'test/node24/**/*.node24.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    globalSetup: ['test/support/tmp-root.ts', 'test/support/build.ts'],
    setupFiles: ['test/support/setup-file.ts'],
  },
})
