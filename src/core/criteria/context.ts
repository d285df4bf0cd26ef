/**
 * The CI context a success-criterion expression sees.
 *
 * Built in layers, later layers winning (DESIGN.md, "Success criteria and the
 * CI gate"):
 *
 * 1. `tests` — from JUnit XML reports ({@link summariseJUnit});
 * 2. `coverage` — from coverage reports ({@link summariseCoverage});
 * 3. JSON or YAML files the workflow produced (benchmarks, sizes, scores),
 *    deep-merged in the order given;
 * 4. inline `key.path=value` setters (for example `test_suite.exit_code=0`).
 *
 * Every file is read here, so a missing or unreadable file is one clear
 * error naming it. Numbers stay plain JS numbers; turning integers into CEL's
 * BigInt is the evaluator's job.
 */

import { readFileSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { TaskError } from '../errors.js'
import { lazy } from '../lazy.js'
import { parseCoverage, summariseCoverage } from './coverage.js'
import { parseJUnit, summariseJUnit } from './junit.js'

const yaml = lazy<typeof import('yaml')>('yaml')

/** Inputs of {@link buildContext}: file paths already expanded from globs. */
export interface ContextInputs {
  /** JUnit XML reports → `context.tests`. */
  junit?: string[]
  /** Coverage reports (istanbul summary, LCOV, Cobertura) → `context.coverage`. */
  coverage?: string[]
  /** JSON/YAML files whose top-level mappings are deep-merged into the context. */
  files?: string[]
  /** `key.path=value` setters applied last. */
  set?: string[]
}

/** The context and, in order, where its values came from. */
export interface BuiltContext {
  context: Record<string, unknown>
  /** `junit:<path>`, `coverage:<path>`, `file:<path>`, `set:<key.path>`, in order applied. */
  sources: string[]
}

/** One parsed setter: `a.b=3` → `{ key: 'a.b', path: ['a', 'b'], value: 3 }`. */
export interface InlineValue {
  key: string
  path: string[]
  value: unknown
}

/**
 * Build the context an expression sees.
 *
 * - `junit`: report paths; when non-empty, `context.tests` is their merged
 *   `TestsContext` (junit.ts) (counts are numbers, `duration_s` seconds). When
 *   absent or empty there is no `tests` key at all, so `tests.failed == 0`
 *   fails with a missing-key error rather than passing on zeros.
 * - `coverage`: report paths; when non-empty, `context.coverage` holds the
 *   percent (float 0–100) of each metric the reports measure.
 * - `files`: JSON/YAML files ({@link loadContextFile}), deep-merged in order
 *   over the above: mappings merge key by key, anything else (lists,
 *   scalars, null) replaces.
 * - `set`: setters ({@link parseInlineValue}) applied last, so they win.
 * - Returns `{ context, sources }`.
 *
 * @throws TaskError('BadReport') naming the file when any file is missing,
 *   unreadable or malformed; TaskError('InvalidInput') for a bad setter.
 */
export function buildContext(inputs: ContextInputs): BuiltContext {
  const context: Record<string, unknown> = {}
  const sources: string[] = []

  const junit = inputs.junit ?? []
  if (junit.length > 0) {
    const reports = junit.map((path) => parseJUnit(readReport(path, 'JUnit report'), path))
    context.tests = summariseJUnit(reports)
    sources.push(...junit.map((path) => `junit:${path}`))
  }

  const coverage = inputs.coverage ?? []
  if (coverage.length > 0) {
    const reports = coverage.map((path) => parseCoverage(readReport(path, 'Coverage report'), path))
    context.coverage = summariseCoverage(reports)
    sources.push(...coverage.map((path) => `coverage:${path}`))
  }

  for (const path of inputs.files ?? []) {
    mergeInto(context, loadContextFile(path))
    sources.push(`file:${path}`)
  }

  for (const setter of inputs.set ?? []) {
    const { key, path, value } = parseInlineValue(setter)
    setPath(context, path, value, key)
    sources.push(`set:${key}`)
  }

  return { context, sources }
}

/**
 * Load one JSON or YAML context file.
 *
 * - `path`: `.json` is parsed as JSON, `.yml`/`.yaml` as YAML (1.2 core
 *   schema: `3` is a number, `yes` a string); any other extension is tried as
 *   JSON, then as YAML.
 * - Returns the file's top-level mapping (numbers are JS numbers).
 *
 * @throws TaskError('BadReport') naming the file when it is missing,
 *   unreadable, empty, malformed (with the parser's line/position), or its
 *   top level is not a mapping (a list or a bare value cannot be merged into
 *   the context).
 */
export function loadContextFile(path: string): Record<string, unknown> {
  const text = readReport(path, 'Context file')
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text
  const fail = (problem: string, reason: string): TaskError =>
    new TaskError('BadReport', `Context file ${path} ${problem}`, { file: path, reason })
  if (body.trim() === '') {
    throw fail(
      'is empty. Write a JSON or YAML mapping such as {"metrics": {"p95_ms": 120}}.',
      'empty',
    )
  }

  const ext = extname(path).toLowerCase()
  let data: unknown
  const asJson = (): unknown => JSON.parse(body)
  const asYaml = (): unknown => yaml().parse(body)
  const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))
  if (ext === '.json') {
    try {
      data = asJson()
    } catch (err) {
      throw fail(`is not valid JSON: ${message(err)}`, 'malformed')
    }
  } else if (ext === '.yml' || ext === '.yaml') {
    try {
      data = asYaml()
    } catch (err) {
      throw fail(`is not valid YAML: ${message(err)}`, 'malformed')
    }
  } else {
    try {
      data = asJson()
    } catch {
      try {
        data = asYaml()
      } catch (err) {
        throw fail(`is neither valid JSON nor valid YAML: ${message(err)}`, 'malformed')
      }
    }
  }

  if (data === null || data === undefined) {
    throw fail('holds no value. Write a JSON or YAML mapping.', 'empty')
  }
  if (!isPlainObject(data)) {
    const kind = Array.isArray(data) ? 'a list' : `a ${typeof data}`
    throw fail(
      `holds ${kind} at the top level; it must be a mapping (object) so its keys can be ` +
        'merged into the context, for example {"metrics": {"p95_ms": 120}}.',
      'notMapping',
    )
  }
  return data
}

/**
 * Parse one inline setter `key.path=value`.
 *
 * - The key is split on `.` into a path; no segment may be empty.
 * - The value (everything after the first `=`) is read as a YAML scalar:
 *   `3` → 3, `2.5` → 2.5, `true` → true, `null` or `~` → null, `"x"` → 'x',
 *   `'3'` → '3', other text → that string. A value starting with `[` or `{`
 *   is read as a YAML/JSON flow list or mapping. An empty value is ''.
 *   Block YAML (`a: b`, `- x`) is not parsed: it stays a string.
 * - Returns `{ key, path, value }`.
 *
 * @throws TaskError('InvalidInput') when there is no `=`, the key or a path
 *   segment is empty, or a quoted/flow value is malformed.
 */
export function parseInlineValue(setter: string): InlineValue {
  const eq = setter.indexOf('=')
  const key = eq < 0 ? setter.trim() : setter.slice(0, eq).trim()
  const fail = (problem: string): TaskError =>
    new TaskError(
      'InvalidInput',
      `Context setter ${JSON.stringify(setter)} ${problem} Write key.path=value, for example ` +
        'test_suite.exit_code=0.',
      { setter },
    )
  if (eq < 0) throw fail('has no "=".')
  const path = key.split('.')
  if (key === '' || path.some((segment) => segment.trim() === '')) {
    throw fail('has an empty key or an empty part in its key path.')
  }
  const raw = setter.slice(eq + 1)
  const trimmed = raw.trim()
  if (trimmed === '') return { key, path, value: '' }
  const segments = path.map((segment) => segment.trim())

  // Plain numbers, booleans, null and words read the same in JSON and YAML;
  // only load the YAML parser for what needs it (quotes, flow collections,
  // YAML-only scalars such as `~`, `.inf`, `0x1F`).
  if (!/^[[{'"!&*|>%@`~.]|^[-+]?0[xo]/i.test(trimmed)) {
    try {
      const value: unknown = JSON.parse(trimmed)
      if (value === null || typeof value !== 'object') return { key, path: segments, value }
    } catch {
      if (!/[:#]/.test(trimmed) && !/^[-+]?(\d|\.\d)/.test(trimmed)) {
        return { key, path: segments, value: trimmed }
      }
    }
  }
  const doc = yaml().parseDocument(trimmed)
  const firstError = doc.errors[0]
  if (firstError !== undefined) throw fail(`has a malformed value: ${firstError.message}`)
  let value: unknown
  if (yaml().isScalar(doc.contents) || /^[[{]/.test(trimmed)) value = doc.toJS()
  else value = trimmed
  return { key, path: segments, value }
}

/** Read a text file, turning every file-system failure into a BadReport naming it. */
function readReport(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const absolute = resolve(path)
    const problem =
      code === 'ENOENT'
        ? `does not exist (looked for ${absolute}). Check the path and that the step that ` +
          'writes it ran before this one.'
        : code === 'EISDIR'
          ? 'is a directory; give the path of the file inside it.'
          : code === 'EACCES' || code === 'EPERM'
            ? 'cannot be read: permission denied.'
            : `cannot be read: ${err instanceof Error ? err.message : String(err)}`
    throw new TaskError('BadReport', `${what} ${path} ${problem}`, {
      file: path,
      reason: code === 'ENOENT' ? 'missing' : 'unreadable',
      errno: code,
    })
  }
}

/**
 * Merge `source` into `target` (mutated): mappings key by key, anything else
 * replaces; keys such as `__proto__` become own properties.
 */
export function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = Object.hasOwn(target, key) ? target[key] : undefined
    if (isPlainObject(value)) {
      if (isPlainObject(existing)) mergeInto(existing, value)
      else {
        const copy: Record<string, unknown> = {}
        mergeInto(copy, value)
        define(target, key, copy)
      }
    } else {
      define(target, key, value)
    }
  }
}

/** Set `value` at `path`, creating mappings on the way; a scalar in the way is an error. */
function setPath(
  target: Record<string, unknown>,
  path: string[],
  value: unknown,
  key: string,
): void {
  let node = target
  for (const [index, segment] of path.entries()) {
    if (index === path.length - 1) {
      define(node, segment, value)
      return
    }
    const next = Object.hasOwn(node, segment) ? node[segment] : undefined
    if (next === undefined) {
      const created: Record<string, unknown> = {}
      define(node, segment, created)
      node = created
    } else if (isPlainObject(next)) {
      node = next
    } else {
      const at = path.slice(0, index + 1).join('.')
      throw new TaskError(
        'InvalidInput',
        `Context setter ${key} cannot be applied: ${at} is already ${JSON.stringify(next)}, ` +
          `not a mapping. Set ${at} itself, or use a different key.`,
        { key, at },
      )
    }
  }
}

/** Own, enumerable property — also for keys such as `__proto__`. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}

/** A plain object (mapping), not an array, null or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
