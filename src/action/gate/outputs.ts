/**
 * The Action's outputs (`action.yml`): `passed`, `results` (JSON) and `task`,
 * and the message of a failing step.
 */
import type { GateResult } from './main.js'

/** The outputs as the runner stores them: strings. */
export interface GateOutputs {
  /** `true` or `false`. */
  passed: string
  /**
   * JSON array, one object per task: `task`, `passed`, `digest`, `sha`,
   * `issue` (URL), `check_run` (URL or null), and `criteria` — each with
   * `index`, `criterion`, `expression` (null when manual), `outcome`,
   * `actual` and, when it errored, `message`.
   */
  results: string
  /** The tasks checked, `owner/repo#N`, comma-separated; '' when none. */
  task: string
}

/** The outputs of a finished gate. */
export function gateOutputs(result: GateResult): GateOutputs {
  const results = result.verdicts.map((v) => ({
    task: v.task,
    passed: v.passed,
    digest: v.digest,
    sha: v.sha,
    issue: v.url,
    check_run: result.checks.find((c) => c.task === v.task)?.url ?? null,
    criteria: v.criteria.map((c) => ({
      index: c.index,
      criterion: c.criterion,
      expression: c.expression,
      outcome: c.outcome,
      actual: c.actual,
      ...(c.message ? { message: c.message } : {}),
    })),
  }))
  return {
    passed: String(result.passed),
    results: JSON.stringify(results),
    task: result.verdicts.map((v) => v.task).join(','),
  }
}

/**
 * Why the step fails: each task whose criteria did not all pass, with the
 * criteria that failed or errored.
 * `Task criteria failed: octo/api#12 #1 "All tests pass" (fail: tests.failed=2).`
 */
export function failureMessage(result: GateResult): string {
  const lines = result.verdicts
    .filter((v) => !v.passed)
    .map((v) => {
      const bad = v.criteria
        .filter((c) => c.expression !== null && c.outcome !== 'pass')
        .map((c) => {
          const values = Object.entries(c.actual)
            .map(([k, value]) => `${k}=${JSON.stringify(value)}`)
            .join(', ')
          const why = [values, c.message].filter(Boolean).join('; ')
          return `#${c.index} "${c.criterion}" (${c.outcome}${why ? `: ${why}` : ''})`
        })
      return `${v.task} ${bad.join(', ')}`
    })
  return `Task criteria failed: ${lines.join('; ')}.`
}
