/**
 * How large the compiled program of an RE2 pattern will be, read from the
 * pattern in one linear pass, before `re2js` compiles it.
 *
 * Compiling is linear in the program, but the program is the pattern with
 * its counted repetitions expanded: `(\pL|\pN){1000}` is 3,000 instructions,
 * and a 1,700-character pattern of a hundred of those took 570 ms to compile
 * (issue 14, red-team review) — before the evaluation budget could look at
 * the clock. `re2js` refuses programs only above 1.4 million instructions and
 * exposes no size option, so `regex.ts` asks this estimate first and refuses
 * a pattern over {@link MAX_PATTERN_SIZE}, in `checkExpression` and in
 * evaluation alike.
 *
 * The estimate follows RE2's own size computation (`Parser.calcSize` in
 * re2js; `x{n,m}` becomes m copies of `x` and m − n optional markers) and
 * errs upwards: a character class or `\p` class counts {@link CLASS_SIZE}
 * (matching one means searching its ranges), a group counts 2 for its
 * capture, an unknown construct counts as literal characters.
 */

/** Largest estimated program accepted (units as in {@link patternSize}). */
export const MAX_PATTERN_SIZE = 5_000

/** What a character class (`[a-z]`, `\pL`, `\d`, `.`) counts. */
const CLASS_SIZE = 4

/** Numbers above this are "too large" already; keeps the arithmetic finite. */
const CEILING = 1e12

interface Frame {
  /** Size of the completed alternatives (`a|b|` → a + b + one per `|`). */
  alternatives: number
  /** Size of the completed items of the current alternative. */
  done: number
  /** Size of the last item, the one a repetition operator applies to. */
  last: number
}

const REPEAT = /^\{(\d+)(,(\d*))?\}/

/**
 * Estimated instructions of the program RE2 compiles `pattern` to: an upper
 * bound of re2js's count for ordinary patterns, never below it by more than
 * the class weighting. Linear in the pattern's length; does not validate it
 * (compiling does that).
 */
export function patternSize(pattern: string): number {
  const stack: Frame[] = []
  let frame: Frame = { alternatives: 0, done: 0, last: 0 }
  const item = (size: number) => {
    frame.done = Math.min(frame.done + frame.last, CEILING)
    frame.last = size
  }
  let i = 0
  while (i < pattern.length) {
    const c = pattern[i]!
    if (c === '\\') {
      i = skipEscape(pattern, i, item)
      continue
    }
    if (c === '[') {
      i = classEnd(pattern, i)
      item(CLASS_SIZE)
      continue
    }
    if (c === '(') {
      stack.push(frame)
      frame = { alternatives: 0, done: 0, last: 0 }
    } else if (c === ')' && stack.length > 0) {
      const size = total(frame) + 2
      frame = stack.pop()!
      item(size)
    } else if (c === '|') {
      frame.alternatives = Math.min(frame.alternatives + frame.done + frame.last + 1, CEILING)
      frame.done = 0
      frame.last = 0
    } else if (c === '*' || c === '+' || c === '?') {
      frame.last += 2
    } else if (c === '{' && REPEAT.test(pattern.slice(i, i + 24))) {
      const [whole, min, comma, max] = REPEAT.exec(pattern.slice(i, i + 24))!
      const lo = Number(min)
      const hi = comma ? (max ? Number(max) : lo + 1) : lo
      frame.last = Math.min(Math.max(hi, 1) * frame.last + Math.abs(hi - lo) + 2, CEILING)
      i += whole.length
      continue
    } else if (c === '.') {
      item(CLASS_SIZE)
    } else {
      item(1)
    }
    i++
  }
  while (stack.length > 0) {
    const size = total(frame) + 2
    frame = stack.pop()!
    item(size)
  }
  return Math.min(total(frame), CEILING)
}

function total(frame: Frame): number {
  return Math.min(frame.alternatives + frame.done + frame.last, CEILING)
}

/** Skips the escape at `i` (`\pL`, `\p{Greek}`, `\x{41}`, `\Q…\E`, `\d`, `\.`); returns the next index. */
function skipEscape(pattern: string, i: number, item: (size: number) => void): number {
  const next = pattern[i + 1]
  if (next === undefined) {
    item(1)
    return i + 1
  }
  if (next === 'Q') {
    const end = pattern.indexOf('\\E', i + 2)
    const stop = end < 0 ? pattern.length : end
    for (let k = i + 2; k < stop; k++) item(1)
    return end < 0 ? pattern.length : end + 2
  }
  if ((next === 'p' || next === 'P' || next === 'x') && pattern[i + 2] === '{') {
    const end = pattern.indexOf('}', i + 3)
    item(next === 'x' ? 1 : CLASS_SIZE)
    return end < 0 ? pattern.length : end + 1
  }
  if (next === 'p' || next === 'P') {
    item(CLASS_SIZE)
    return i + 3
  }
  if (next === 'x') {
    item(1)
    return i + 4
  }
  item('dDsSwW'.includes(next) ? CLASS_SIZE : 1)
  return i + 2
}

/** The index after the character class opening at `i` (`[^]a-z[:alpha:]\]]`). */
function classEnd(pattern: string, i: number): number {
  let k = i + 1
  if (pattern[k] === '^') k++
  if (pattern[k] === ']') k++
  while (k < pattern.length) {
    const c = pattern[k]
    if (c === '\\') k += 2
    else if (c === '[' && pattern[k + 1] === ':') {
      const end = pattern.indexOf(':]', k + 2)
      k = end < 0 ? k + 1 : end + 2
    } else if (c === ']') return k + 1
    else k++
  }
  return pattern.length
}
