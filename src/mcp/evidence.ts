/**
 * The evidence of a local completion through MCP: the CEL context the
 * engine judges measurable success criteria against, built from the same
 * inputs as `tm complete --validate` — JUnit reports → `tests.*`, coverage
 * reports → `coverage.*` (`src/core/criteria/context.ts`), then the
 * agent's own values deep-merged over them (as `--context` files are).
 */
import { resolve } from 'node:path'
import { glob, isDynamicPattern } from 'tinyglobby'
import { buildContext, isPlainObject, mergeInto } from '../core/criteria/context.js'
import { TaskError } from '../core/errors.js'

/** Paths or globs (relative to `cwd`) → files, sorted per pattern; a pattern matching nothing is `BadReport`. */
async function expand(patterns: string[], what: string, cwd: string): Promise<string[]> {
  const files: string[] = []
  for (const pattern of patterns) {
    const matches = isDynamicPattern(pattern)
      ? await glob(pattern, { cwd, absolute: true })
      : [resolve(cwd, pattern)]
    if (matches.length === 0)
      throw new TaskError('BadReport', `${what} ${pattern}: no file matches this pattern.`, {
        pattern,
        cwd,
      })
    files.push(...matches.sort())
  }
  return files
}

/**
 * The CEL context for `complete`: `junit` and `coverage` are paths or globs
 * relative to `cwd` (default: the server's working folder, where the MCP
 * client started `tm mcp`); `values` (e.g. `{"metrics":{"p95_ms":180}}`)
 * are merged last, mappings key by key. Throws `BadReport` naming a file
 * that is missing, unreadable or malformed, or a pattern that matches
 * nothing; `InvalidInput` when `values` is not a mapping.
 */
export async function buildEvidence(
  evidence: { junit?: string[]; coverage?: string[]; values?: Record<string, unknown> },
  cwd = process.cwd(),
): Promise<Record<string, unknown>> {
  const { context } = buildContext({
    junit: await expand(evidence.junit ?? [], 'junit', cwd),
    coverage: await expand(evidence.coverage ?? [], 'coverage', cwd),
  })
  if (evidence.values !== undefined) {
    if (!isPlainObject(evidence.values))
      throw new TaskError('InvalidInput', 'context must be an object, e.g. {"metrics":{"p95":1}}.')
    mergeInto(context, evidence.values)
  }
  return context
}
