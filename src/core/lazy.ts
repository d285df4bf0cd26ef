/**
 * Load a package on first use, synchronously. `tm` starts once per agent
 * action, so its start-up time is a product figure (bench/cli.bench.ts):
 * libraries that only some commands need (zod for validation, CEL for
 * criteria) are required when first called, not at start-up. Works for
 * CommonJS packages and, from Node 20.19, for ES modules.
 *
 * In the bundled `tm` (scripts/build.mjs) this file is replaced by one whose
 * loaders are literal `require()` calls, so the library is bundled too and
 * esbuild evaluates it on first use.
 */
import { createRequire } from 'node:module'

const load = createRequire(import.meta.url)

/** A memoised loader for package `id`: `const zod = lazy<typeof import('zod')>('zod')`. */
export function lazy<T>(id: string): () => T {
  let module: T | undefined
  return () => {
    module ??= load(id) as T
    return module
  }
}
