/**
 * Judging a task's criteria in CI: every measurable criterion (an item of
 * `### Success criteria` ending in a CEL expression) is checked against the
 * expression limits and evaluated against the context by the engine's own
 * evaluator (`../../core/criteria/evaluate.ts`); manual criteria are left to
 * people and reported as `unconfirmed`.
 */
import { checkExpression } from '../../core/criteria/cel.js'
import { type CriterionResult, evaluateCriteria } from '../../core/criteria/evaluate.js'
import { isTaskError } from '../../core/errors.js'
import type { Criterion } from '../../core/model.js'
import type { CriterionItem } from '../../github/issue-body.js'
import type { VerdictOutcome } from '../../github/verdict.js'

/** One criterion of a task with its outcome on this commit. */
export interface JudgedCriterion {
  /** 1-based position in the issue's `### Success criteria`. */
  index: number
  criterion: string
  /** The CEL expression; null for a manual criterion. */
  expression: string | null
  /** `pass`/`fail`/`error` when measurable, `unconfirmed` when manual. */
  outcome: VerdictOutcome
  /** Values of the context paths the expression names (`tests.failed` → 2). */
  actual: Record<string, unknown>
  /** Why it errored, in a sentence; absent otherwise. */
  message?: string
  /** Whether the item was ticked in the issue body when it was read. */
  checked: boolean
  /** 1-based line of the item in the issue body. */
  line: number
}

/** The criteria of one task, judged. */
export interface Judgement {
  /** True when every measurable criterion passed (manual ones do not count here). */
  passed: boolean
  criteria: JudgedCriterion[]
}

/**
 * Judge `items` (as `parseIssueBody` reads them) against `context` (plain
 * JSON values, as `buildGateContext` builds it).
 *
 * An expression that is too long, too deep, not valid CEL or names an unknown
 * field of `tests`/`coverage` (`checkExpression`, EXPRESSION_LIMITS) is an
 * `error` and is not evaluated; one that names something absent from the
 * context is an `error` saying which input supplies it; one that does not
 * yield a boolean is an `error`; so is one over the evaluation budget
 * (`../../core/criteria/budget.ts`) or whose evaluation fails unexpectedly.
 * CEL itself has no access to the environment or the file system. Never
 * throws: every criterion gets a row, so the check run is always published.
 */
export function judgeCriteria(
  items: readonly CriterionItem[],
  context: Record<string, unknown>,
): Judgement {
  const invalid = new Map<number, string>()
  const valid: { index: number; criterion: Criterion }[] = []
  items.forEach((item, i) => {
    if (!item.measurable) return
    try {
      checkExpression(item.measurable)
      valid.push({
        index: i + 1,
        criterion: { criterion: item.criterion, measurable: item.measurable },
      })
    } catch (err) {
      invalid.set(i + 1, isTaskError(err) ? err.message : `could not be checked: ${messageOf(err)}`)
    }
  })
  let evaluated: CriterionResult[] = []
  try {
    evaluated = evaluateCriteria(
      valid.map((v) => v.criterion),
      context,
    ).results
  } catch (err) {
    // Not a criterion's fault (the context itself): every one is an error row,
    // and the check run is still published.
    for (const v of valid) invalid.set(v.index, `could not be evaluated: ${messageOf(err)}`)
  }
  const byIndex = new Map(valid.map((v, k) => [v.index, evaluated[k]]))

  const criteria = items.map((item, i): JudgedCriterion => {
    const index = i + 1
    const base = {
      index,
      criterion: item.criterion,
      expression: item.measurable ?? null,
      checked: item.checked,
      line: item.line,
    }
    if (!item.measurable) return { ...base, outcome: 'unconfirmed', actual: {} }
    const problem = invalid.get(index)
    if (problem !== undefined) return { ...base, outcome: 'error', actual: {}, message: problem }
    const result = byIndex.get(index)
    if (!result) return { ...base, outcome: 'error', actual: {}, message: 'not evaluated' }
    return {
      ...base,
      outcome: result.outcome,
      actual: result.actual,
      ...(result.message ? { message: inputHint(result.message) } : {}),
    }
  })
  return {
    passed: criteria.every((c) => c.expression === null || c.outcome === 'pass'),
    criteria,
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** The input that supplies a context path: `tests.failed` → `junit`. */
export function inputFor(path: string): string {
  const top = path.split('.')[0]
  if (top === 'tests') return 'junit'
  if (top === 'coverage' || top === 'metrics') return top
  return 'context'
}

/** The evaluator's missing-name message, with the Action's inputs in place of `tm`'s flags. */
function inputHint(message: string): string {
  const m = /^not in the context: (.*?) \(supply it with [^)]*\)$/.exec(message)
  if (!m?.[1]) return message
  const inputs = [...new Set(m[1].split(', ').map(inputFor))].map((i) => `\`${i}\``)
  return `not in the context: ${m[1]} (supply it with the ${inputs.join(' or ')} input)`
}

/** One task's verdict on one commit: what the check run, the summary and the outputs show. */
export interface TaskVerdict {
  /** `owner/repo#number`. */
  task: string
  /** The title and web URL. */
  title: string
  url: string
  /** `criteriaDigest` of the criteria as read. */
  digest: string
  /** The commit judged. */
  sha: string
  /** True when every measurable criterion passed. */
  passed: boolean
  criteria: JudgedCriterion[]
  /** The parser's remarks on the issue body (items it could not read), for people. */
  problems: string[]
}
