/**
 * Several JUnit reports → the `tests` object a criterion sees: distinct tests
 * with the most severe outcome of their runs, and every run counted (the
 * counting of EnricoMi/publish-unit-test-result-action; see `junit.ts`).
 */
import type { JUnitSummary, Outcome, TestsContext } from './junit-types.js'

/** Severity of a run when a test ran several times: the highest one wins. */
const TEST_SEVERITY: Record<Outcome, number> = { error: 3, failed: 2, passed: 1, skipped: 0 }

/**
 * Merge the summaries of several JUnit files into the `tests` context.
 *
 * - `reports`: one {@link JUnitSummary} per file, from {@link parseJUnit}.
 * - Returns a {@link TestsContext}. Tests are keyed by (classname, name)
 *   across all files, so a test retried in a second report is still one
 *   test. Its outcome is the most severe of its runs: error > failed >
 *   passed > skipped — a flaky test that failed once and then passed counts
 *   as failed, and a test skipped in one shard but run in another counts as
 *   passed (rule of EnricoMi/publish-unit-test-result-action,
 *   `aggregate_states` in python/publish/unittestresults.py). An `unnamed`
 *   run (no `classname`, no `name`) is one test with its own outcome.
 *   `runs_*` count every run's own outcome. `duration_s` is the sum of the
 *   files' durations in seconds (for parallel shards that is more than the
 *   wall-clock time). Files read from suite attributes (no testcases) add
 *   their counts to both tests and runs.
 * - An empty list gives all zeros; callers that have no report should not
 *   call this (see `buildContext`, which then leaves `tests` out).
 * - Never throws.
 */
export function summariseJUnit(reports: JUnitSummary[]): TestsContext {
  const result: TestsContext = {
    total: 0,
    passed: 0,
    failed: 0,
    errors: 0,
    skipped: 0,
    runs: 0,
    runs_passed: 0,
    runs_failed: 0,
    runs_errors: 0,
    runs_skipped: 0,
    duration_s: 0,
    files: reports.length,
    suites: 0,
  }
  const tests = new Map<string, Outcome>()
  for (const report of reports) {
    result.suites += report.suites
    result.duration_s += report.duration_s
    for (const run of report.cases) {
      result.runs += 1
      addOutcome(result, run.outcome, 'runs')
      if (run.unnamed) {
        result.total += 1
        addOutcome(result, run.outcome, 'tests')
        continue
      }
      const key = JSON.stringify([run.classname, run.name])
      const seen = tests.get(key)
      if (seen === undefined || TEST_SEVERITY[run.outcome] > TEST_SEVERITY[seen]) {
        tests.set(key, run.outcome)
      }
    }
    const counts = report.suiteCounts
    if (counts !== undefined) {
      const passed = Math.max(0, counts.tests - counts.failures - counts.errors - counts.skipped)
      result.total += counts.tests
      result.runs += counts.tests
      for (const prefix of ['tests', 'runs'] as const) {
        addOutcome(result, 'passed', prefix, passed)
        addOutcome(result, 'failed', prefix, counts.failures)
        addOutcome(result, 'error', prefix, counts.errors)
        addOutcome(result, 'skipped', prefix, counts.skipped)
      }
    }
  }
  result.total += tests.size
  for (const outcome of tests.values()) addOutcome(result, outcome, 'tests')
  return result
}

function addOutcome(
  result: TestsContext,
  outcome: Outcome,
  prefix: 'tests' | 'runs',
  by = 1,
): void {
  if (prefix === 'tests') {
    if (outcome === 'passed') result.passed += by
    else if (outcome === 'failed') result.failed += by
    else if (outcome === 'error') result.errors += by
    else result.skipped += by
  } else {
    if (outcome === 'passed') result.runs_passed += by
    else if (outcome === 'failed') result.runs_failed += by
    else if (outcome === 'error') result.runs_errors += by
    else result.runs_skipped += by
  }
}
