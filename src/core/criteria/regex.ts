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
import { MAX_PATTERN_SIZE, patternSize } from './pattern-size.js'

const re2js = lazy<typeof import('re2js')>('re2js')

/**
 * What a step of the meter is worth in RE2's inner loop: text characters ×
 * program instructions. Measured (bench/criteria-budget.bench.ts, re2js
 * 2.10): up to ~17 ns per character × instruction for `(?:a?){300}a{300}$`,
 * against ~80 ns per evaluation step.
 */
const RE2_WORK_PER_STEP = 4

/**
 * Steps charged per unit of the estimated program before compiling it:
 * re2js compiled `(a|b){999}` (3,000 instructions, estimated 5,000 units)
 * in 6–12 ms once warm, ~2–4 µs an instruction with captures; a step is
 * ~80 ns.
 */
const COMPILE_STEPS_PER_UNIT = 32

/** Longest piece of a pattern quoted in an error message. */
const QUOTED = 100

/** Compiled patterns of one evaluation (a comprehension reuses them). */
export type PatternCache = Map<string, RE2JS>

/**
 * Whether `pattern` (RE2 syntax) matches anywhere in `text`. Compiles it once per
 * evaluation (`cache`, charged as {@link compile} says) and charges `meter`
 * `(text.length + 1) × instructions / 4` steps before matching, so neither
 * can run past the budget.
 *
 * @throws Error `Invalid regular expression: <pattern> (<reason>)` for a
 *   pattern RE2 does not accept (look-around and back-references among them)
 *   or one too large; BudgetExceeded from `meter`.
 */
export function re2Matches(
  text: string,
  pattern: string,
  meter: Meter,
  cache: PatternCache,
): boolean {
  let compiled = cache.get(pattern)
  if (!compiled) {
    compiled = compile(pattern, meter)
    cache.set(pattern, compiled)
  }
  const instructions = programSize(compiled, pattern)
  meter.step(Math.ceil(((text.length + 1) * instructions) / RE2_WORK_PER_STEP))
  return compiled.matcher(text).find()
}

/**
 * Compile `pattern` (RE2 syntax) after checking that its program stays
 * within {@link MAX_PATTERN_SIZE} (`pattern-size.ts`) and charging `meter`
 * for the compilation ({@link COMPILE_STEPS_PER_UNIT} steps per unit of the
 * estimate), so that compiling cannot run past the budget either.
 *
 * @throws Error `Invalid regular expression: <pattern, first 100 characters>
 *   (<reason>)` for a pattern RE2 does not accept or one too large;
 *   BudgetExceeded from `meter`.
 */
export function compile(pattern: string, meter: Meter): RE2JS {
  const size = patternSize(pattern)
  if (size > MAX_PATTERN_SIZE) {
    throw invalid(
      pattern,
      `too large: about ${size.toLocaleString('en-US')} instructions once its repetitions are expanded; the limit is ${MAX_PATTERN_SIZE.toLocaleString('en-US')}`,
    )
  }
  meter.step(Math.max(1, size) * COMPILE_STEPS_PER_UNIT)
  try {
    return re2js().RE2JS.compile(pattern)
  } catch (err) {
    throw invalid(pattern, (err as Error).message)
  }
}

function invalid(pattern: string, reason: string): Error {
  const quoted = pattern.length > QUOTED ? `${pattern.slice(0, QUOTED)}…` : pattern
  return new Error(`Invalid regular expression: ${quoted} (${reason.slice(0, 200)})`)
}

/** Instructions of the compiled program (the NFA's states); the pattern's length if unknown. */
function programSize(compiled: RE2JS, pattern: string): number {
  const inst = (compiled.re2Input as { prog?: { inst?: unknown[] } } | undefined)?.prog?.inst
  return Array.isArray(inst) ? inst.length : Math.max(pattern.length, 1)
}
