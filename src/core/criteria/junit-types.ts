/**
 * What a JUnit XML report says ({@link JUnitSummary}, one {@link JUnitCase}
 * per run) and what a criterion sees of all of them ({@link TestsContext}).
 * The meanings of run, test and outcome are in `junit.ts`.
 */

/** How one run (one `<testcase>` element) ended. */
export type Outcome = 'passed' | 'failed' | 'error' | 'skipped'

/** One `<testcase>` element: one run of one test. */
export interface JUnitCase {
  /** `classname` attribute; '' when absent. */
  classname: string
  /** `name` attribute; '' when absent. */
  name: string
  /**
   * Present (true) only when the element has neither `classname` nor `name`:
   * such a run is a test of its own, never merged with another run.
   */
  unnamed?: true
  outcome: Outcome
  /** `time` attribute in seconds; 0 when absent or not a number. */
  time_s: number
}

/** Counts read from `<testsuite>` attributes, for reports without testcases. */
export interface SuiteAttributeCounts {
  tests: number
  failures: number
  errors: number
  skipped: number
}

/** What one JUnit XML file says. Merge several with {@link summariseJUnit}. */
export interface JUnitSummary {
  /** The file name the caller gave, used in messages. */
  file: string
  /** Leaf suites: `<testsuite>` elements that hold testcases or no other suite. */
  suites: number
  /**
   * Seconds (float): the sum of the top-level suites' `time` (the oracle's
   * meaning); a suite without `time` counts the sum of its testcases' times,
   * unless no top-level suite has one and the `<testsuites>` root has a `time`
   * (cargo-nextest), which is then used.
   */
  duration_s: number
  /** Every `<testcase>` element, in document order. */
  cases: JUnitCase[]
  /**
   * Only when the file has suites but not one `<testcase>` element: the
   * top-level suites' `tests`/`failures`/`errors`/`skipped` attributes, so a
   * summary-only report still counts (as the oracle does). Otherwise absent.
   */
  suiteCounts?: SuiteAttributeCounts
}

/**
 * The `tests` object a criterion expression sees. Every field is a number.
 * `total`/`passed`/`failed`/`errors`/`skipped` count distinct tests;
 * `runs`/`runs_*` count executions; `duration_s` is seconds (float);
 * `files` is the number of report files, `suites` the number of leaf suites.
 */
export interface TestsContext {
  total: number
  passed: number
  failed: number
  errors: number
  skipped: number
  runs: number
  runs_passed: number
  runs_failed: number
  runs_errors: number
  runs_skipped: number
  duration_s: number
  files: number
  suites: number
}
