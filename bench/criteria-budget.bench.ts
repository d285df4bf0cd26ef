/**
 * Hostile success criteria under the evaluation budget (issue 14): the worst
 * expressions we know within the expression limits
 * (test/security/support/hostile-criteria.ts), each evaluated by the engine's
 * evaluator (`evaluateCriteria`, what `tm`, the app and the gate run) in a
 * fresh process, so that its peak memory is its own: wall time, growth of the
 * peak resident set (`process.resourceUsage().maxRSS`) over a process that
 * evaluated one ordinary criterion, and the outcome. Target: every one ends
 * with its expected outcome (an `error` naming the limit; `fail` for the
 * backtracking pattern, which RE2 answers) within the 250 ms budget plus the
 * clock's granularity (300 ms), growing the peak memory by ≤ 128 MiB.
 * Also: `checkExpression` on the hostile patterns (refused within the same
 * 300 ms, compiling under the budget), and the meter's cost on ordinary
 * criteria (median of 2,000 runs).
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Environment } from '@marcbachmann/cel-js'
import { EVALUATION_BUDGET } from '../src/core/criteria/budget.js'
import { checkExpression, evaluateExpression, toCelContext } from '../src/core/criteria/cel.js'
import { evaluateCriteria } from '../src/core/criteria/evaluate.js'
import { HOSTILE_CRITERIA, HOSTILE_PATTERNS } from '../test/security/support/hostile-criteria.js'
import { fmt, median, time } from './util.js'

const TARGET_MS = 300
const TARGET_RSS_MIB = 128

interface CaseResult {
  ms: number
  rssMiB: number
  outcome: string
  message: string
}

/** In a child: evaluate case `index` and print its figures as JSON. */
function runCase(index: number): void {
  // Load the libraries and warm the evaluator on an ordinary criterion first.
  evaluateCriteria([{ criterion: 'warm', measurable: 'tests.failed == 0' }], {
    tests: { failed: 0 },
  })
  const before = process.resourceUsage().maxRSS
  const hostile = HOSTILE_CRITERIA[index]!
  const start = process.hrtime.bigint()
  const result = evaluateCriteria([{ criterion: hostile.name, measurable: hostile.expression }], {})
    .results[0]!
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  const rssMiB = (process.resourceUsage().maxRSS - before) / 1024
  const out: CaseResult = { ms, rssMiB, outcome: result.outcome, message: result.message ?? '' }
  process.stdout.write(JSON.stringify(out))
}

/** In a child: check pattern case `index` (cold, as `tm add` or the gate would) and print its figures as JSON. */
function runCheck(index: number): void {
  checkExpression('tests.failed == 0')
  const hostile = HOSTILE_PATTERNS[index]!
  const start = process.hrtime.bigint()
  let message = 'accepted'
  try {
    checkExpression(hostile.expression)
  } catch (err) {
    message = (err as Error).message
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  process.stdout.write(JSON.stringify({ ms, rssMiB: 0, outcome: 'checked', message }))
}

function checkRows(self: string): string[] {
  return HOSTILE_PATTERNS.map((hostile, index) => {
    const r = JSON.parse(
      execFileSync(process.execPath, [self, '--check', String(index)], { encoding: 'utf8' }),
    ) as CaseResult
    const why =
      /too large|over the evaluation budget: more than [\d,]+ (?:ms|evaluation steps)/.exec(
        r.message,
      )?.[0]
    const ok = why !== undefined && r.ms <= TARGET_MS
    return `| ${hostile.name} | ${hostile.expression.length} | ${hostile.unbounded} | refused: ${why ?? r.message.slice(0, 80)} | ${fmt(r.ms, 0)} ms | refused, ≤ ${TARGET_MS} ms | ${ok ? '✅' : '❌'} |`
  })
}

function ordinaryOverhead(): string[] {
  const context = {
    tests: { total: 120, failed: 0 },
    metrics: { latency_ms: Array.from({ length: 100 }, (_, i) => 10 + i) },
  }
  const celContext = toCelContext(context)
  const plain = new Environment({ unlistedVariablesAreDyn: true })
  const rows: string[] = []
  for (const expression of [
    'tests.failed == 0 && tests.total > 0',
    'metrics.latency_ms.all(x, x < 200)',
    'metrics.latency_ms.map(x, string(x)).join(",").matches("^[0-9,]+$")',
  ]) {
    const plainContext = { ...celContext, tests: { total: 120n, failed: 0n } }
    const metered: number[] = []
    const unmetered: number[] = []
    for (let i = 0; i < 2000; i++) {
      metered.push(time(() => evaluateExpression(expression, celContext)))
      unmetered.push(time(() => plain.evaluate(expression, plainContext)))
    }
    const m = median(metered) * 1000
    const u = median(unmetered) * 1000
    rows.push(
      `| \`${expression}\` | ${fmt(m, 0)} µs | ${fmt(u, 0)} µs | +${fmt(m - u, 0)} µs | ≤ 1,000 µs | ${m <= 1000 ? '✅' : '❌'} |`,
    )
  }
  return rows
}

if (process.argv[2] === '--case') {
  runCase(Number(process.argv[3]))
} else if (process.argv[2] === '--check') {
  runCheck(Number(process.argv[3]))
} else {
  const self = fileURLToPath(import.meta.url)
  const rows = HOSTILE_CRITERIA.map((hostile, index) => {
    const r = JSON.parse(
      execFileSync(process.execPath, [self, '--case', String(index)], { encoding: 'utf8' }),
    ) as CaseResult
    const expected = hostile.limit === null ? 'fail' : 'error'
    // Under the default budget whichever limit comes first is named (the
    // tests pin each case's own limit with the clock out of the way).
    const limit =
      /^over the evaluation budget: (?:builds more than|more than [\d,]+ (ms|evaluation steps))/.exec(
        r.message,
      )
    const named = limit ? (limit[1] === 'ms' ? 'ms' : limit[1] ? 'steps' : 'size') : null
    const ok =
      r.outcome === expected &&
      (hostile.limit === null || named !== null) &&
      r.ms <= TARGET_MS &&
      r.rssMiB <= TARGET_RSS_MIB
    const shown = r.outcome === 'error' ? `error: ${named ?? r.message}` : `${r.outcome} (RE2)`
    return `| ${hostile.name} | ${hostile.expression.length} | ${hostile.unbounded} | ${shown} | ${fmt(r.ms, 0)} ms | ${fmt(Math.max(r.rssMiB, 0), 0)} MiB | ${expected}, ≤ ${TARGET_MS} ms, ≤ ${TARGET_RSS_MIB} MiB | ${ok ? '✅' : '❌'} |`
  })
  const b = EVALUATION_BUDGET
  process.stdout.write(
    [
      '## Criteria under a budget (hostile expressions)',
      '',
      `Budget per expression (src/core/criteria/budget.ts): ${b.steps.toLocaleString('en-US')} evaluation steps, ` +
        `${b.size.toLocaleString('en-US')} list elements / map entries / string characters built (logical size: ` +
        `a shared list counted each time it is held), ${b.ms} ms; ${b.totalMs.toLocaleString('en-US')} ms for a task's criteria together; ` +
        '`==`/`in`/string functions charged for the work they do; `matches` runs on RE2 (re2js, linear time), patterns over ' +
        '5,000 units refused before compiling. Each case in its own process; memory is the growth of the ' +
        'peak resident set over a process that evaluated one ordinary criterion.',
      '',
      '| criterion | characters | work it asks for, unbounded | outcome: limit named | time | peak memory | target | |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      '`checkExpression` (run by `tm add`, body edits and the gate before evaluating), each in a fresh process:',
      '',
      '| expression | characters | unbounded | outcome | time | target | |',
      '|---|---|---|---|---|---|---|',
      ...checkRows(self),
      '',
      'The meter on ordinary criteria (median of 2,000; unmetered = the library’s own `evaluate`, parse included in both):',
      '',
      '| expression | metered | unmetered | cost | target | |',
      '|---|---|---|---|---|---|',
      ...ordinaryOverhead(),
      '',
    ].join('\n'),
  )
}
