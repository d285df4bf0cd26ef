import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // tmp-root: a temporary folder of the run's own that must be empty at the
    // end; build: `tm` and the test workers built from the current source.
    globalSetup: ['test/support/tmp-root.ts', 'test/support/build.ts'],
    // Output held unless a test fails; tempDir() folders removed per file.
    setupFiles: ['test/support/setup-file.ts'],
  },
})
