/**
 * Vitest global setup: build `tm` (scripts/build.mjs) and bundle the test's own
 * worker programs, so that tests which start OS processes run the current
 * source. Workers go to build/test/.
 */
import { execFileSync } from 'node:child_process'
import { build } from 'esbuild'

export default async function setup(): Promise<void> {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' })
  await build({
    entryPoints: ['test/support/race-worker.ts', 'test/support/crash-writer.ts'],
    outdir: 'build/test',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3', '@marcbachmann/cel-js'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  })
}
