/**
 * The worst success criteria we know how to write within the expression
 * limits (2,000 characters, 500 syntax nodes, depth 32, literals of 200
 * elements): each one, unbounded, takes minutes or gigabytes. Shared by
 * test/security/criteria-budget.test.ts (each ends as an `error` naming its
 * limit) and bench/criteria-budget.bench.ts (time and peak memory of each).
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */

/** `[1, 2, …, n]` as CEL. */
const list = (n: number) => `[${Array.from({ length: n }, (_, i) => i + 1).join(', ')}]`

/**
 * The red-team review's shared-structure expression (issue 14): `a` is
 * `[0, …, n-1]`, `x1 = a.map(i, a)`, `x2 = a.map(i, x1)` … `xk`, the same
 * for `y`, then `last(x, y)`: each level builds only n list cells, but holds
 * n^k elements, and `==` walks all of them (n = 40, k = 6: 19 s).
 */
export function sharedLevels(n: number, k: number, last: (x: string, y: string) => string) {
  const chain = (name: string) =>
    Array.from(
      { length: k },
      (_, j) => `cel.bind(${name}${j + 1}, a.map(i, ${j === 0 ? 'a' : `${name}${j}`}), `,
    ).join('')
  const a = `[${Array.from({ length: n }, (_, i) => i).join(',')}]`
  return `cel.bind(a, ${a}, ${chain('x')}${chain('y')}${last(`x${k}`, `y${k}`)}${')'.repeat(2 * k + 1)}`
}

/**
 * `body(name)` where `name` is bound to `unit` repeated `times[0] × times[1] × …`
 * times, built by `cel.bind` and `+` (names `<prefix>0`, `<prefix>1`, …).
 */
function built(prefix: string, unit: string, times: number[], body: (name: string) => string) {
  let name = `${prefix}0`
  let expression = `cel.bind(${name}, "${unit}", `
  times.forEach((t, i) => {
    const next = `${prefix}${i + 1}`
    expression += `cel.bind(${next}, ${Array(t).fill(name).join(' + ')}, `
    name = next
  })
  return `${expression}${body(name)}${')'.repeat(times.length + 1)}`
}

/** A hostile criterion, the budget limit it runs into and what it did unbounded. */
export interface HostileCriterion {
  name: string
  expression: string
  /**
   * The limit named in its `error` outcome (`budget.ts`); null when it is
   * answered within the budget (`fail`): RE2 matches the backtracking pattern
   * in linear time.
   */
  limit: 'steps' | 'size' | 'ms' | null
  /** The work it asks for without a budget (counted from the expression; the issue's measurements). */
  unbounded: string
}

export const HOSTILE_CRITERIA: HostileCriterion[] = [
  {
    name: 'backtracking regex on a long text',
    expression: `cel.bind(s, "${'a'.repeat(1000)}", cel.bind(t, s + s + s + s + s + s + s + s, (t + t + t + t + "!").matches("(a+)+$")))`,
    limit: null,
    unbounded: 'exponential backtracking in `RegExp` (the issue: 88 s on 32 characters)',
  },
  {
    name: 'regex with a large program on a long text',
    expression: `cel.bind(s, "${'a'.repeat(1000)}", cel.bind(t, s + s + s + s + s + s + s + s + s + s, (t + t + t + t + t + t + t + t + t + t).matches("(?:a?){300}a{300}$")))`,
    limit: 'steps',
    unbounded: '80,000 characters × ~1,200 RE2 instructions (≈ 1 s even in linear time)',
  },
  {
    name: 'nested map: 100³ list elements',
    expression: `${list(100)}.map(x, ${list(100)}.map(y, ${list(100)}.map(z, x + y + z))).size() > 0`,
    limit: 'steps',
    unbounded: '10⁶ elements',
  },
  {
    name: 'nested all over one bound list: 100⁴ steps',
    expression: `cel.bind(l, ${list(100)}, l.all(a, l.all(b, l.all(c, l.all(d, a + b + c + d > 0)))))`,
    limit: 'steps',
    unbounded: '10⁸ iterations',
  },
  {
    name: 'nested exists_one: 100⁴ steps',
    expression: `cel.bind(l, ${list(100)}, l.exists_one(a, l.exists_one(b, l.exists_one(c, l.exists_one(d, a + b + c + d == 4)))))`,
    limit: 'steps',
    unbounded: '10⁸ iterations',
  },
  {
    name: 'nested map building lists: 100⁴ elements',
    expression: `cel.bind(l, ${list(100)}, l.map(a, l.map(b, l.map(c, l.map(d, [a, b, c, d])))).size() > 0)`,
    limit: 'size',
    unbounded: '10⁸ lists of 4 (the issue: 2 GB, then the process aborts)',
  },
  {
    name: 'string doubling through cel.bind',
    expression: `cel.bind(a, "${'x'.repeat(200)}", ${Array.from(
      { length: 11 },
      (_, i) =>
        `cel.bind(v${i}, ${Array(4)
          .fill(i === 0 ? 'a' : `v${i - 1}`)
          .join(' + ')}, `,
    ).join('')}size(v10.lowerAscii()) > 0${')'.repeat(12)}`,
    limit: 'size',
    unbounded: '200 × 4¹¹ = 839 M characters',
  },
  {
    name: 'list concatenation in a map',
    expression: `cel.bind(l, ${list(200)}, l.map(a, l + l + l + l + l + l + l + l).size() > 0)`,
    limit: 'size',
    unbounded: '320,000 elements (1.4 M with the intermediate lists)',
  },
  {
    name: 'string repetition via + in maps',
    expression: `cel.bind(s, "${'y'.repeat(1000)}", cel.bind(l, ${list(200)}, l.map(a, l.map(b, s + s + s)).size() > 0))`,
    limit: 'size',
    unbounded: '120 M characters',
  },
  {
    name: 'split and join amplification',
    expression: `cel.bind(s, "${'a,'.repeat(500)}", ${list(100)}.map(i, ${list(100)}.map(j, s.split(",")).size()).size() > 0)`,
    limit: 'size',
    unbounded: '5 M list elements',
  },
  {
    name: 'deep equality of large lists, repeated',
    expression: `cel.bind(l, ${list(200)}, cel.bind(m, l.map(a, l + l), cel.bind(n, l.map(a, l + l), l.all(x, l.all(y, m == n)))))`,
    limit: 'steps',
    unbounded: '40,000 comparisons of 80,000 elements (67 s)',
  },
  {
    name: 'deep equality of shared lists (red team)',
    expression: sharedLevels(40, 6, (x, y) => `${x} == ${y}`),
    limit: 'size',
    unbounded: '40⁶ = 4.1 × 10⁹ elements compared in one step (19 s; n = 200: forever)',
  },
  {
    name: 'membership of a shared list (red team)',
    expression: sharedLevels(30, 6, (x, y) => `${x} in [${y}]`),
    limit: 'size',
    unbounded: '30⁶ = 7.3 × 10⁸ elements compared in one step (2.4 s)',
  },
  {
    name: 'a new regular expression in every iteration',
    expression: `${list(200)}.all(i, "ab".matches("(a|b){900}" + string(i)) || true)`,
    limit: 'steps',
    unbounded: '200 compilations of 2,700 instructions (0.7 s)',
  },
  {
    name: 'duration of a long number',
    expression: `duration("${'1'.repeat(1000)}") > duration("1s")`,
    limit: 'steps',
    unbounded: '`duration` backtracks cubically: 1,000 digits 0.65 s, 2,000 4.5 s, 8,000 6 minutes',
  },
  {
    name: 'lastIndexOf with a long search string',
    expression: built('s', 'a'.repeat(600), [4, 4, 4, 4, 2], (s) =>
      built('p', 'a'.repeat(600), [4, 4, 2], (p) => `${s}.lastIndexOf(${p} + "b") < 0`),
    ),
    limit: 'steps',
    unbounded: '307,000 × 20,000 character comparisons in one step (V8 searches backwards naively)',
  },
  {
    name: 'deepest nesting the limits allow',
    expression: `${Array.from({ length: 10 }, (_, i) => `[1, 2, 3, 4, 5, 6, 7].all(x${i}, `).join('')}true${')'.repeat(10)}`,
    limit: 'steps',
    unbounded: '7¹⁰ = 282 M iterations',
  },
]

/** Patterns the budget must refuse while checking an expression (`checkExpression`), before any evaluation. */
export interface HostilePattern {
  name: string
  expression: string
  /** What checking did unbounded (the red-team review's measurements). */
  unbounded: string
}

/** `"a".matches("(\\pL|b){600}<i>")` joined with `&&` up to the 2,000-character limit. */
function manyPatterns(): string {
  const patterns: string[] = []
  for (let i = 0; ; i++) {
    const next = `"a".matches("(\\\\pL|b){600}${i}")`
    if ([...patterns, next].join(' && ').length > 2000) return patterns.join(' && ')
    patterns.push(next)
  }
}

export const HOSTILE_PATTERNS: HostilePattern[] = [
  {
    name: 'a pattern of 300,000 instructions (red team)',
    expression: `"aaaa".matches("(?i)${'(\\\\pL|\\\\pN){1000}'.repeat(100)}")`,
    unbounded: 'compiled in 572 ms by checkExpression, 476–651 ms in evaluation',
  },
  {
    name: 'many patterns just under the size limit',
    expression: manyPatterns(),
    unbounded:
      '59 compilations of ~1,800 instructions (89 ms before the fix: bounded now by the budget, not by luck)',
  },
]
