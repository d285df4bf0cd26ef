/**
 * The context the criteria see in CI (DESIGN.md "Success criteria and the CI
 * gate"), built from the Action's inputs in this order, later layers winning:
 *
 * 1. `tests.*` — the JUnit reports of `junit` (`../../core/criteria/junit.ts`);
 * 2. `coverage.*` — the coverage reports of `coverage`;
 * 3. `metrics.*` — the JSON/YAML files of `metrics`: each file's top-level keys
 *    become `metrics.<key>` (files merged in order, mappings key by key);
 * 4. the inline `context` YAML, merged over everything (`test_suite.exit_code`).
 *
 * Every file is read here; a missing or unreadable one, or a glob that
 * matches nothing, is an error naming the input and the file. An input left
 * empty adds nothing: `tests` is then absent, and a criterion that names it is
 * an error, not a pass.
 */
import {
  buildContext,
  isPlainObject,
  loadContextFile,
  mergeInto,
} from '../../core/criteria/context.js'
import { isTaskError, TaskError } from '../../core/errors.js'
import { lazy } from '../../core/lazy.js'

const yaml = lazy<typeof import('yaml')>('yaml')

/** The inputs the context is built from (patterns not yet expanded). */
export interface ContextInputs {
  junit: string[]
  coverage: string[]
  metrics: string[]
  /** Inline YAML or JSON mapping; '' for none. */
  context: string
}

/** The context, and the files each input expanded to (paths as matched, relative to the workspace). */
export interface GateContext {
  context: Record<string, unknown>
  files: { junit: string[]; coverage: string[]; metrics: string[] }
}

/**
 * Build the context from the inputs. Relative paths and globs are resolved
 * against the current directory (the workspace, on a runner).
 *
 * @throws TaskError('BadReport') whose message starts with the input's name
 *   (``Input `junit`: …``) and names the file or pattern — a glob that matches
 *   no file, a file that is missing, unreadable or malformed; or
 *   TaskError('InvalidInput') for inline `context` that is not a YAML mapping.
 */
export async function buildGateContext(inputs: ContextInputs): Promise<GateContext> {
  const files = {
    junit: await expandPatterns(inputs.junit, 'junit'),
    coverage: await expandPatterns(inputs.coverage, 'coverage'),
    metrics: await expandPatterns(inputs.metrics, 'metrics'),
  }
  const context: Record<string, unknown> = {}
  if (files.junit.length > 0) {
    Object.assign(
      context,
      naming('junit', () => buildContext({ junit: files.junit }).context),
    )
  }
  if (files.coverage.length > 0) {
    Object.assign(
      context,
      naming('coverage', () => buildContext({ coverage: files.coverage }).context),
    )
  }
  if (files.metrics.length > 0) {
    mergeInto(context, { metrics: naming('metrics', () => loadMetrics(files.metrics)) })
  }
  if (inputs.context.trim() !== '') mergeInto(context, parseInlineContext(inputs.context))
  return { context, files }
}

/**
 * Expand `patterns` (globs or plain paths) into file paths, in the order
 * given, each glob's matches sorted; duplicates dropped. A plain path is kept
 * as written even when it does not exist, so that reading it reports the
 * missing file by name.
 *
 * @throws TaskError('BadReport') ``Input `<input>`: <pattern> matches no file…``
 */
export async function expandPatterns(patterns: string[], input: string): Promise<string[]> {
  const out: string[] = []
  if (patterns.length === 0) return out
  const { glob, isDynamicPattern } = await import('tinyglobby')
  for (const pattern of patterns) {
    let matches = [pattern]
    if (isDynamicPattern(pattern)) {
      matches = (
        await glob(pattern, { onlyFiles: true, expandDirectories: false, dot: true })
      ).sort()
      if (matches.length === 0) {
        throw new TaskError(
          'BadReport',
          `Input \`${input}\`: ${pattern} matches no file (looked in ${process.cwd()}). Check the ` +
            'pattern, and that the step that writes the files ran before this one.',
          { input, pattern, reason: 'noMatch' },
        )
      }
    }
    for (const m of matches) if (!out.includes(m)) out.push(m)
  }
  return out
}

/**
 * The `metrics` mapping from JSON/YAML files: each file's top-level keys
 * become keys of `metrics` (`{"p95_ms": 120}` → `metrics.p95_ms`); files are
 * merged in order, mappings key by key, anything else replaced.
 *
 * @throws TaskError('BadReport') naming the file (see `loadContextFile`).
 */
export function loadMetrics(files: string[]): Record<string, unknown> {
  const metrics: Record<string, unknown> = {}
  for (const file of files) mergeInto(metrics, loadContextFile(file))
  return metrics
}

/**
 * Read the inline `context` input: a YAML (or JSON) mapping such as
 * `test_suite:\n  exit_code: 0`. Returns the mapping (numbers are JS numbers).
 *
 * @throws TaskError('InvalidInput') ``Input `context`: …`` when the text is not
 *   valid YAML or its top level is not a mapping.
 */
export function parseInlineContext(text: string): Record<string, unknown> {
  const fail = (problem: string) =>
    new TaskError('InvalidInput', `Input \`context\`: ${problem}`, { input: 'context' })
  const doc = yaml().parseDocument(text)
  const first = doc.errors[0]
  if (first) throw fail(`is not valid YAML: ${first.message}`)
  const data: unknown = doc.toJS()
  if (!isPlainObject(data)) {
    throw fail(
      `must be a YAML mapping such as "test_suite:\\n  exit_code: 0", not ${
        Array.isArray(data) ? 'a list' : data === null ? 'empty' : `a ${typeof data}`
      }.`,
    )
  }
  return data
}

/** Run `read`; a TaskError it throws gets the input's name in front of its message. */
function naming<T>(input: string, read: () => T): T {
  try {
    return read()
  } catch (err) {
    if (!isTaskError(err)) throw err
    throw new TaskError(err.code, `Input \`${input}\`: ${err.message}`, { input, ...err.details })
  }
}
