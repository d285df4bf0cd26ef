/**
 * Success-criterion expressions in CEL (Common Expression Language,
 * https://github.com/google/cel-spec), compiled and evaluated by
 * `@marcbachmann/cel-js` — never by `eval`. CEL has no loops, no I/O and no
 * access to the environment or file system; we add size and depth limits on
 * the expression, and evaluate it under a budget of steps, size and time
 * (`budget.ts`, `metered.ts`) with `matches` on RE2 (`regex.ts`), so that
 * evaluation is bounded.
 *
 * The context an expression sees (DESIGN.md "Success criteria"):
 * `tests.*` (ints, `duration_s` double) from JUnit reports, `coverage.*`
 * (double percents), `metrics.*` and any other top-level name (dyn) from
 * context files and inline values.
 */
import type { Environment } from '@marcbachmann/cel-js'
import { TaskError } from '../errors.js'
import { lazy } from '../lazy.js'
import { type Budget, BudgetExceeded, EVALUATION_BUDGET, Meter } from './budget.js'
import { checkPatterns, meterTree } from './metered.js'

const celjs = lazy<typeof import('@marcbachmann/cel-js')>('@marcbachmann/cel-js')

/** Fields of `tests` and their CEL types. */
export const TESTS_FIELDS = {
  total: 'int',
  passed: 'int',
  failed: 'int',
  errors: 'int',
  skipped: 'int',
  runs: 'int',
  runs_passed: 'int',
  runs_failed: 'int',
  runs_errors: 'int',
  runs_skipped: 'int',
  files: 'int',
  suites: 'int',
  duration_s: 'double',
} as const

/** Fields of `coverage` (percent, 0–100) and their CEL types. */
export const COVERAGE_FIELDS = {
  lines: 'double',
  branches: 'double',
  functions: 'double',
  statements: 'double',
} as const

/** Bounds on an expression: characters, AST nodes and nesting depth. */
export const EXPRESSION_LIMITS = { maxLength: 2000, maxAstNodes: 500, maxDepth: 32 } as const

let environment: Environment | undefined

/**
 * The shared CEL environment with the declared context types, built on first
 * use; the library is loaded then too (see `../lazy.ts`): most `tm`
 * invocations never evaluate an expression.
 */
export function celEnvironment(): Environment {
  if (environment) return environment
  environment = new (celjs().Environment)({
    unlistedVariablesAreDyn: true,
    limits: {
      maxAstNodes: EXPRESSION_LIMITS.maxAstNodes,
      maxDepth: EXPRESSION_LIMITS.maxDepth,
      maxListElements: 200,
      maxMapEntries: 200,
      maxCallArguments: 8,
    },
  })
    .registerType('Tests', { fields: { ...TESTS_FIELDS } })
    .registerType('Coverage', { fields: { ...COVERAGE_FIELDS } })
    .registerVariable('tests', 'Tests')
    .registerVariable('coverage', 'Coverage')
    .registerVariable('metrics', 'map<string, dyn>')
  return environment
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message
}

/** Longest error message an evaluation reports (a CEL error may quote a computed string). */
const MAX_MESSAGE = 500

function shortened(message: string): string {
  const line = firstLine(message)
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE)}…` : line
}

/**
 * Parse and type-check `expression`; it must yield a bool. Throws
 * `TaskError('InvalidExpression')` naming the expression and the problem
 * (syntax, unknown field of `tests`/`coverage`, type mismatch, limits, a
 * literal `matches` pattern that is not RE2 syntax or too large, checking
 * over `budget` — its regular expressions are compiled under it, and parsing
 * is bounded by {@link EXPRESSION_LIMITS}).
 */
export function checkExpression(expression: string, budget: Budget = EVALUATION_BUDGET): void {
  if (expression.length > EXPRESSION_LIMITS.maxLength) {
    throw new TaskError(
      'InvalidExpression',
      `Criterion expression is ${expression.length} characters; the limit is ${EXPRESSION_LIMITS.maxLength}.`,
      { expression },
    )
  }
  let result: { valid: boolean; type?: string; error?: Error }
  try {
    const meter = new Meter(budget)
    const parsed = celEnvironment().parse(expression)
    result = parsed.check() as typeof result
    if (result.valid) checkPatterns(parsed.ast, meter)
  } catch (err) {
    if (err instanceof BudgetExceeded) {
      throw new TaskError(
        'InvalidExpression',
        `Criterion expression \`${expression}\` cannot be checked: compiling its regular expressions is ${err.message}`,
        { expression, limit: err.limit },
      )
    }
    result = { valid: false, error: err as Error }
  }
  if (!result.valid) {
    throw new TaskError(
      'InvalidExpression',
      `Criterion expression \`${expression}\` is not valid CEL: ${firstLine(result.error?.message ?? 'unknown error')}`,
      { expression, error: result.error?.message },
    )
  }
  if (result.type !== 'bool' && result.type !== 'dyn') {
    throw new TaskError(
      'InvalidExpression',
      `Criterion expression \`${expression}\` yields ${result.type}, not a boolean. Compare it with something, e.g. \`${expression} > 0\`.`,
      { expression, type: result.type },
    )
  }
}

/** How deeply context values may nest (lists and maps) before criteria refuse them. */
export const MAX_CONTEXT_DEPTH = 64

/**
 * Convert plain JSON-ish values to CEL values: whole numbers become `int`
 * (BigInt), except fields declared `double`, which stay JS numbers.
 *
 * @throws TaskError `InvalidInput` naming the path of a value nested more
 *   than {@link MAX_CONTEXT_DEPTH} levels deep (a metrics file of
 *   `[[[[…]]]]` would otherwise overflow the stack of every evaluation).
 */
export function toCelContext(context: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(context)) {
    if (key === 'tests' && isRecord(value)) out[key] = typed(value, TESTS_FIELDS, key)
    else if (key === 'coverage' && isRecord(value)) out[key] = typed(value, COVERAGE_FIELDS, key)
    else out[key] = toCel(value, key, 1)
  }
  return out
}

function typed(value: Record<string, unknown>, fields: Record<string, string>, path: string) {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    const type = fields[k]
    if (type === 'double' && typeof v === 'number') out[k] = v
    else if (type === 'int' && typeof v === 'number' && Number.isInteger(v)) out[k] = BigInt(v)
    else if (type) out[k] = toCel(v, `${path}.${k}`, 2)
  }
  return out
}

function toCel(value: unknown, path: string, depth: number): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value
  if (typeof value !== 'object' || value === null) return value
  if (depth > MAX_CONTEXT_DEPTH) {
    throw new TaskError(
      'InvalidInput',
      `Context value \`${path.length > 80 ? `${path.slice(0, 80)}…` : path}\` is nested more than ${MAX_CONTEXT_DEPTH} levels deep; criteria cannot use it. Flatten it in the file or input that supplies it.`,
      { path, limit: MAX_CONTEXT_DEPTH },
    )
  }
  if (Array.isArray(value)) return value.map((v) => toCel(v, path, depth + 1))
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, toCel(v, `${path}.${k}`, depth + 1)]),
  )
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Result of evaluating one expression. */
export type Evaluation = { ok: true; value: unknown } | { ok: false; error: string }

/**
 * Evaluate a checked expression against a CEL context (see {@link toCelContext})
 * within `budget` (default {@link EVALUATION_BUDGET}: steps, size built, wall
 * time) and before `until` (a deadline on `performance.now`'s clock: that of
 * the task's criteria together, `totalDeadline` in budget.ts). Never throws:
 * a CEL error, an expression over budget (`over the evaluation budget: …`,
 * naming the limit; also when it finished past the deadline) or anything
 * unexpected (`RangeError` of a too-deep value, for one) is
 * `{ ok: false, error }` with the message's first line, at most 500
 * characters.
 */
export function evaluateExpression(
  expression: string,
  celContext: Record<string, unknown>,
  budget: Budget = EVALUATION_BUDGET,
  until?: number,
): Evaluation {
  try {
    const meter = new Meter(budget, undefined, until)
    meter.checkClock()
    const parsed = celEnvironment().parse(expression)
    const checked = parsed.check() as { valid: boolean; error?: Error }
    if (!checked.valid) throw checked.error ?? new Error('not valid CEL')
    meterTree(parsed.ast, meter)
    const value = parsed(celContext)
    meter.checkClock()
    return { ok: true, value }
  } catch (err) {
    return { ok: false, error: shortened(err instanceof Error ? err.message : String(err)) }
  }
}
