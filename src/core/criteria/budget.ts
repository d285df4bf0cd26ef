/**
 * The evaluation budget of one success-criterion expression.
 *
 * CEL has no loops, but comprehensions (`all`, `exists`, `exists_one`, `map`,
 * `filter`) nest, `cel.bind` names a value for reuse and `+` concatenates, so
 * a 2,000-character expression can still ask for 10^9 steps or gigabytes:
 * `l.map(a, l.map(b, l.map(c, l.map(d, [a, b, c, d]))))`. Every evaluation
 * therefore runs against a {@link Meter} (see `metered.ts`, `cost.ts`) and
 * stops, as an `error` outcome naming the limit, at whichever of these comes
 * first:
 *
 * * `steps` — evaluation steps: each node of the expression evaluated once
 *   counts one (so every comprehension iteration counts); operations whose
 *   work grows with their operands count that work too: `==`, `!=` and `in`
 *   one per element they may compare, string functions one per 8 characters
 *   (substring searches text × search / 64, `duration` length³ / 64),
 *   compiling a regular expression 12 per unit of its program and matching
 *   text length × program size / 4 (RE2 matches in time linear in both; see
 *   `regex.ts`);
 * * `size` — elements and characters built: the logical size of every
 *   string, list, map and bytes value that an operator, a function, a
 *   literal or a comprehension produces, added up over the evaluation — a
 *   list counts its elements and everything they hold, a list or string it
 *   shares counted each time it is included (a bound on the memory built and
 *   on the work of walking any value built; values read from the context
 *   are not counted until something built holds them);
 * * `ms` — wall-clock milliseconds, checked between steps, before every
 *   operation charged more than one step and at the end, the backstop for
 *   whatever the counts underestimate;
 * * `totalMs` — wall-clock milliseconds for all the criteria of one task
 *   (one `evaluateCriteria`): once past, the remaining criteria are errors
 *   naming this limit without being evaluated, so a task of 100 hostile
 *   criteria costs 2 s, not 25.
 *
 * The figures are in bench/RESULTS.md ("Criteria under a budget").
 */

/** The limits of one expression's evaluation (units above). */
export const EVALUATION_BUDGET = {
  steps: 1_000_000,
  size: 1_000_000,
  ms: 250,
  totalMs: 2_000,
} as const

/** The limits a {@link Meter} enforces; {@link EVALUATION_BUDGET} unless a test narrows them. */
export type Budget = {
  readonly steps: number
  readonly size: number
  readonly ms: number
  readonly totalMs: number
}

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
    case 'totalMs':
      return `more than ${number.format(budget.totalMs)} ms for all the task's criteria together`
  }
}

/** How often (in steps) the meter reads the clock; a power of two minus one, as a mask. */
const CLOCK_MASK = 15

/**
 * Counts the work of one evaluation against a {@link Budget}. Not reusable:
 * make one per evaluation. `now` is a monotonic clock in milliseconds
 * (`performance.now` by default); `until`, on that clock, is the deadline of
 * the task's criteria together (`totalMs`, see {@link totalDeadline}), when
 * the evaluation is one of several.
 */
export class Meter {
  private steps = 0
  private size = 0
  private readonly deadline: number
  private readonly deadlineLimit: keyof Budget
  /**
   * The first limit passed. Sticky: CEL absorbs errors in `||`, `&&` and the
   * quantifiers (`[…].all(x, …)` goes on to the next element after an error),
   * so once over budget every further step throws this same error at once.
   */
  private exceeded: BudgetExceeded | undefined

  constructor(
    readonly budget: Budget = EVALUATION_BUDGET,
    private readonly now: () => number = () => performance.now(),
    until = Number.POSITIVE_INFINITY,
  ) {
    const own = now() + budget.ms
    this.deadline = Math.min(own, until)
    this.deadlineLimit = until < own ? 'totalMs' : 'ms'
  }

  /**
   * Count `n` steps (default 1). @throws BudgetExceeded (`steps`, or `ms` /
   * `totalMs` when the clock, read every 16 steps and on every charge of
   * more than one step, is past the deadline).
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

  /** @throws BudgetExceeded (`ms`, or `totalMs` when that deadline is nearer) when the deadline has passed. */
  checkClock(): void {
    if (this.exceeded) throw this.exceeded
    if (this.now() > this.deadline) this.exceed(this.deadlineLimit)
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
 * The deadline, on `now`'s clock, of evaluating a task's criteria together
 * ({@link Budget.totalMs} from now); pass it to each {@link Meter}.
 */
export function totalDeadline(
  budget: Budget = EVALUATION_BUDGET,
  now: () => number = () => performance.now(),
): number {
  return now() + budget.totalMs
}
