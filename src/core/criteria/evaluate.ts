/**
 * Judging a task's success criteria: every measurable criterion is evaluated
 * against the CI context; every manual one must have been confirmed. The
 * verdict lists each criterion with its outcome and the actual values its
 * expression referred to, so a refusal can say exactly what failed and why.
 */
import type { Criterion } from '../model.js'
import { type Budget, EVALUATION_BUDGET, totalDeadline } from './budget.js'
import { evaluateExpression, toCelContext } from './cel.js'

/** `pass`/`fail` for expressions, `error` when it could not be evaluated. */
export type Outcome = 'pass' | 'fail' | 'error' | 'confirmed' | 'unconfirmed'

export interface CriterionResult {
  /** 1-based position in the task's list, as shown by `tm show`. */
  index: number
  criterion: string
  measurable: string | null
  outcome: Outcome
  /** Values of the context paths the expression names (`tests.failed` → 2). */
  actual: Record<string, unknown>
  /** Why it failed or errored, in a sentence. */
  message?: string
}

export interface Verdict {
  passed: boolean
  results: CriterionResult[]
}

const IDENT_PATH = /\b[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/g
/** Names that are never context paths: literals, keywords and the `cel` namespace (`cel.bind`). */
const RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'size',
  'has',
  'int',
  'double',
  'string',
  'cel',
])

/** CEL macros that bind a variable: `list.all(x, x > 0)`, `m.map(k, …)`, `cel.bind(v, …)` … */
const BINDING_MACROS =
  /\.(?:all|exists|exists_one|map|filter|bind)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,/g

/**
 * Context paths an expression mentions: string literals, function names,
 * members of a computed value (`dyn(tests).failed`) and variables bound by
 * macros (`x` in `metrics.lat.all(x, x > 0)`) are not context paths.
 */
export function referencedPaths(expression: string): string[] {
  const code = expression.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
  const bound = new Set([...code.matchAll(BINDING_MACROS)].map((m) => m[1]!))
  const paths = new Set<string>()
  for (const match of code.matchAll(IDENT_PATH)) {
    const start = match.index ?? 0
    const before = code.slice(0, start).trimEnd()
    if (before.endsWith('.')) continue // a member of something computed, not a context path
    const after = code.slice(start + match[0].length).trimStart()
    let path = match[0]
    if (after.startsWith('(')) {
      // A call: `size(…)` is a function; `metrics.name.startsWith(…)` a method on `metrics.name`.
      const dot = path.lastIndexOf('.')
      if (dot < 0) continue
      path = path.slice(0, dot)
    }
    const root = path.split('.')[0]!
    if (RESERVED.has(root) || bound.has(root)) continue
    paths.add(path)
  }
  return [...paths]
}

function lookup(context: Record<string, unknown>, path: string): unknown {
  let value: unknown = context
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !(part in value)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

/**
 * Evaluate `criteria` against `context` (plain JSON values, as built by
 * `buildContext`). `confirmed` holds the 1-based indexes of manual criteria a
 * person confirmed. A criterion that names something absent from the context
 * is an `error`, never a pass; so is one over the evaluation budget
 * (`budget`, per expression, default {@link EVALUATION_BUDGET}: the error
 * says "over the evaluation budget: …", naming the limit), every one left
 * once the criteria together have taken `budget.totalMs` (2 s by default;
 * the error names that limit) and one whose evaluation fails in any other
 * way. Never throws for a criterion.
 * The verdict passes only when every measurable criterion is `pass` and
 * every manual one `confirmed`.
 */
export function evaluateCriteria(
  criteria: readonly Criterion[],
  context: Record<string, unknown>,
  confirmed: ReadonlySet<number> = new Set(),
  budget: Budget = EVALUATION_BUDGET,
): Verdict {
  const celContext = toCelContext(context)
  const until = totalDeadline(budget)
  const results = criteria.map((c, i): CriterionResult => {
    const index = i + 1
    if (!c.measurable) {
      const ok = confirmed.has(index)
      return {
        index,
        criterion: c.criterion,
        measurable: null,
        outcome: ok ? 'confirmed' : 'unconfirmed',
        actual: {},
        ...(ok ? {} : { message: 'manual criterion not confirmed (use --confirm)' }),
      }
    }
    try {
      return evaluateMeasurable(index, c.criterion, c.measurable, context, celContext, {
        budget,
        until,
      })
    } catch (err) {
      // A bug of ours or the library's must not take the other criteria (or
      // the gate's check run) with it: this criterion is an error.
      return {
        index,
        criterion: c.criterion,
        measurable: c.measurable,
        outcome: 'error',
        actual: {},
        message: `could not be evaluated: ${err instanceof Error ? err.message : String(err)}`,
      }
    }
  })
  return {
    passed: results.every((r) => r.outcome === 'pass' || r.outcome === 'confirmed'),
    results,
  }
}

/** One measurable criterion's result (see {@link evaluateCriteria}). */
function evaluateMeasurable(
  index: number,
  criterion: string,
  measurable: string,
  context: Record<string, unknown>,
  celContext: Record<string, unknown>,
  limits: { budget: Budget; until: number },
): CriterionResult {
  const actual: Record<string, unknown> = {}
  const missing: string[] = []
  for (const path of referencedPaths(measurable)) {
    const value = lookup(context, path)
    if (value === undefined) {
      // `tests.failed` is missing when `tests` is: report the shortest absent path.
      if (!missing.some((m) => path.startsWith(`${m}.`))) missing.push(path)
    } else if (typeof value !== 'object' || value === null) actual[path] = value
  }
  const base = { index, criterion, measurable, actual }
  if (missing.length) {
    return {
      ...base,
      outcome: 'error',
      message: `not in the context: ${missing.join(', ')} (supply it with --junit, --context or --set)`,
    }
  }
  const result = evaluateExpression(measurable, celContext, limits.budget, limits.until)
  if (!result.ok) return { ...base, outcome: 'error', message: result.error }
  if (typeof result.value !== 'boolean') {
    return { ...base, outcome: 'error', message: `yielded ${String(result.value)}, not a boolean` }
  }
  return result.value ? { ...base, outcome: 'pass' } : { ...base, outcome: 'fail' }
}
