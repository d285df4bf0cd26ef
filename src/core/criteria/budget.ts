/**
 * The evaluation budget of one success-criterion expression.
 *
 * CEL has no loops, but comprehensions (`all`, `exists`, `exists_one`, `map`,
 * `filter`) nest, `cel.bind` names a value for reuse and `+` concatenates, so
 * a 2,000-character expression can still ask for 10^9 steps or gigabytes:
 * `l.map(a, l.map(b, l.map(c, l.map(d, [a, b, c, d]))))`. Every evaluation
 * therefore runs against a {@link Meter} (see `metered.ts`) and stops, as an
 * `error` outcome naming the limit, at whichever of these comes first:
 *
 * * `steps` — evaluation steps: each node of the expression evaluated once
 *   counts one (so every comprehension iteration counts), and a regular
 *   expression match counts its text length × the size of the compiled
 *   pattern / 20 (RE2 matches in time linear in both; see `regex.ts`);
 * * `size` — elements and characters built: the length of every string,
 *   list, map and bytes value that an operator, a function, a literal or a
 *   comprehension produces, added up over the evaluation (a bound on the
 *   memory it can allocate; values read from the context are not counted);
 * * `ms` — wall-clock milliseconds, checked between steps, the backstop for
 *   whatever the counts underestimate.
 *
 * The figures are in bench/RESULTS.md ("Criteria under a budget").
 */

/** The limits of one expression's evaluation (units above). */
export const EVALUATION_BUDGET = {
  steps: 1_000_000,
  size: 1_000_000,
  ms: 250,
} as const

/** The limits a {@link Meter} enforces; {@link EVALUATION_BUDGET} unless a test narrows them. */
export type Budget = { readonly steps: number; readonly size: number; readonly ms: number }

const number = new Intl.NumberFormat('en-US')

/**
 * Thrown when an evaluation goes over its budget. `limit` names which one;
 * the message is the sentence shown as the criterion's `error` outcome.
 */
export class BudgetExceeded extends Error {
  constructor(
    readonly limit: keyof Budget,
    budget: Budget,
  ) {
    super(`over the evaluation budget: ${describe(limit, budget)}; simplify the expression`)
    this.name = 'BudgetExceeded'
  }
}

function describe(limit: keyof Budget, budget: Budget): string {
  switch (limit) {
    case 'steps':
      return `more than ${number.format(budget.steps)} evaluation steps (comprehension iterations, calls, regular-expression matching)`
    case 'size':
      return `builds more than ${number.format(budget.size)} list elements, map entries and string characters`
    case 'ms':
      return `more than ${number.format(budget.ms)} ms`
  }
}

/** How often (in steps) the meter reads the clock; a power of two minus one, as a mask. */
const CLOCK_MASK = 15

/**
 * Counts the work of one evaluation against a {@link Budget}. Not reusable:
 * make one per evaluation. `now` is a monotonic clock in milliseconds
 * (`performance.now` by default).
 */
export class Meter {
  private steps = 0
  private size = 0
  private readonly deadline: number
  /**
   * The first limit passed. Sticky: CEL absorbs errors in `||`, `&&` and the
   * quantifiers (`[…].all(x, …)` goes on to the next element after an error),
   * so once over budget every further step throws this same error at once.
   */
  private exceeded: BudgetExceeded | undefined

  constructor(
    readonly budget: Budget = EVALUATION_BUDGET,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.deadline = now() + budget.ms
  }

  /**
   * Count `n` steps (default 1). @throws BudgetExceeded (`steps`, or `ms`
   * when the clock, read every 16 steps and on every large charge, is past
   * the deadline).
   */
  step(n = 1): void {
    if (this.exceeded) throw this.exceeded
    const before = this.steps
    this.steps += n
    if (this.steps > this.budget.steps) this.exceed('steps')
    if (n > 1 || (before & CLOCK_MASK) === CLOCK_MASK) this.checkClock()
  }

  /** Count `n` elements or characters built. @throws BudgetExceeded (`size`). */
  built(n: number): void {
    if (this.exceeded) throw this.exceeded
    this.size += n
    if (this.size > this.budget.size) this.exceed('size')
  }

  /** @throws BudgetExceeded (`ms`) when the deadline has passed. */
  checkClock(): void {
    if (this.exceeded) throw this.exceeded
    if (this.now() > this.deadline) this.exceed('ms')
  }

  private exceed(limit: keyof Budget): never {
    this.exceeded = new BudgetExceeded(limit, this.budget)
    throw this.exceeded
  }

  /** Steps and size counted so far (for the benchmark). */
  get used(): { steps: number; size: number } {
    return { steps: this.steps, size: this.size }
  }
}

/**
 * The size of a CEL value in the units of `size`: characters of a string,
 * elements of a list, entries of a map, bytes of a `Uint8Array`; 0 for
 * scalars (int, double, bool, null, timestamps, durations, types).
 */
export function valueSize(value: unknown): number {
  if (typeof value === 'string') return value.length
  if (Array.isArray(value)) return value.length
  if (value instanceof Map || value instanceof Set) return value.size
  if (value instanceof Uint8Array) return value.length
  return 0
}
