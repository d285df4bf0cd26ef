/**
 * Success criteria as `tm add` / `tm update` take them: `-c TEXT` (text,
 * optionally ending in a CEL expression in backticks, as in issue bodies) and
 * `--criteria-file FILE` (a YAML/JSON list of `{criterion, measurable}`), and
 * the warnings for a criterion that reads like an expression but was left
 * manual (issue 13: `-c "tests.failed == 0"` silently became manual).
 */
import { readFileSync } from 'node:fs'
import { checkExpression } from '../core/criteria/cel.js'
import { TaskError } from '../core/errors.js'
import type { Criterion } from '../core/model.js'

/**
 * Parse a criterion as written in issue bodies: text, optionally ending in a
 * CEL expression in backticks (`All tests pass \`tests.failed == 0\``). An
 * expression alone (`\`tests.failed == 0\``) is also its text.
 */
export function parseCriterionText(text: string): Criterion {
  const match = /^(.*?)\s*`([^`]+)`\s*$/s.exec(text.trim())
  if (match)
    return {
      criterion: match[1]!.replace(/[:\s-]+$/, '') || match[2]!,
      measurable: match[2]!.trim(),
    }
  return { criterion: text.trim() }
}

async function readCriteriaFile(path: string): Promise<Criterion[]> {
  const { parse: parseYaml } = await import('yaml')
  let data: unknown
  try {
    data = parseYaml(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new TaskError('InvalidInput', `--criteria-file ${path}: ${(err as Error).message}`)
  }
  if (!Array.isArray(data)) {
    throw new TaskError(
      'InvalidInput',
      `--criteria-file ${path}: expected a YAML/JSON list of {criterion, measurable}.`,
    )
  }
  return data as Criterion[]
}

/** Characters prose rarely has and an expression needs: an operator, a call, a field path. */
const EXPRESSION_HINT = /[=<>!&|(]|\w\.\w/

/**
 * True when the text of a manual criterion is itself a valid boolean CEL
 * expression with an operator, a call or a field path (`tests.failed == 0`,
 * `p95 < 200`): then it was meant to be measurable. Prose (`Reviewed`,
 * `Docs are up to date.`) is not.
 */
export function readsAsExpression(text: string): boolean {
  if (!EXPRESSION_HINT.test(text)) return false
  try {
    checkExpression(text)
    return true
  } catch {
    return false
  }
}

/** The criteria given to `add`/`update`, and warnings to show (see {@link criteriaOptions}). */
export interface CriteriaInput {
  criteria: Criterion[]
  warnings: string[]
}

/**
 * The criteria from `-c` texts (in order) then `--criteria-file`, with one
 * warning per criterion that has no expression but whose text reads as one
 * (see {@link readsAsExpression}), numbered as `tm show` numbers criteria,
 * saying how to make it measurable. Throws `InvalidInput` for an unreadable
 * criteria file.
 */
export async function criteriaOptions(
  texts: string[] | undefined,
  file: string | undefined,
): Promise<CriteriaInput> {
  const given = (texts ?? []).map(parseCriterionText)
  const fromFile = file ? await readCriteriaFile(file) : []
  const criteria = [...given, ...fromFile]
  const warnings: string[] = []
  criteria.forEach((c, i) => {
    const text = typeof c?.criterion === 'string' ? c.criterion : ''
    if (c?.measurable || !readsAsExpression(text)) return
    const head = `success criterion ${i + 1} "${text}"`
    warnings.push(
      i < given.length
        ? `${head} has no expression in backticks, so it is manual (a person must confirm it). To make it measurable, wrap the expression in backticks, in single quotes for the shell: -c '\`${text}\`' (text may come first: -c 'All tests pass \`${text}\`').`
        : `${head} in ${file} has no measurable field, so it is manual (a person must confirm it). To make it measurable, put the expression under measurable: {criterion: "All tests pass", measurable: "${text}"}.`,
    )
  })
  return { criteria, warnings }
}
