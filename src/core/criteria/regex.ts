/**
 * `string.matches(pattern)` with RE2 semantics, as the CEL specification
 * defines it (https://github.com/google/cel-spec/blob/master/doc/langdef.md,
 * "matches": RE2 syntax, unanchored search), matched by `re2js`, a pure
 * JavaScript port of RE2 whose matching time is linear in the text and the
 * pattern. The evaluation library (`@marcbachmann/cel-js`) uses JavaScript's
 * backtracking `RegExp`, where `"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!".matches("(a+)+$")`
 * takes minutes; `metered.ts` routes every `matches` call here instead.
 */
import type { RE2JS } from 're2js'
import { lazy } from '../lazy.js'
import type { Meter } from './budget.js'

const re2js = lazy<typeof import('re2js')>('re2js')

/** What a step of the meter is worth in RE2's inner loop: text characters × program instructions. */
const RE2_WORK_PER_STEP = 20

/** Compiled patterns of one evaluation (a comprehension reuses them). */
export type PatternCache = Map<string, RE2JS>

/**
 * Whether `pattern` (RE2 syntax) matches anywhere in `text`. Charges `meter`
 * `text.length × instructions / 20` steps before matching, so the match itself
 * cannot run past the budget.
 *
 * @throws Error `Invalid regular expression: <pattern> (<reason>)` for a
 *   pattern RE2 does not accept (look-around and back-references among them);
 *   BudgetExceeded from `meter`.
 */
export function re2Matches(
  text: string,
  pattern: string,
  meter: Meter,
  cache: PatternCache,
): boolean {
  let compiled = cache.get(pattern)
  if (!compiled) {
    meter.step(Math.ceil(pattern.length / RE2_WORK_PER_STEP))
    compiled = compile(pattern)
    cache.set(pattern, compiled)
  }
  const instructions = programSize(compiled, pattern)
  meter.step(Math.ceil(((text.length + 1) * instructions) / RE2_WORK_PER_STEP))
  return compiled.matcher(text).find()
}

/**
 * Check that `pattern` is valid RE2 syntax.
 * @throws Error `Invalid regular expression: …` naming the problem.
 */
export function compile(pattern: string): RE2JS {
  try {
    return re2js().RE2JS.compile(pattern)
  } catch (err) {
    throw new Error(`Invalid regular expression: ${pattern} (${(err as Error).message})`)
  }
}

/** Instructions of the compiled program (the NFA's states); the pattern's length if unknown. */
function programSize(compiled: RE2JS, pattern: string): number {
  const inst = (compiled.re2Input as { prog?: { inst?: unknown[] } } | undefined)?.prog?.inst
  return Array.isArray(inst) ? inst.length : Math.max(pattern.length, 1)
}
