/**
 * Hostile success criteria (issue 14, "Criteria have no time or memory
 * bound"): a backtracking `matches` took 88 s on 32 characters, nested
 * comprehensions took 2 GB and aborted the process — in `tm`, and in the gate,
 * which then published no check run. Every expression is now evaluated under
 * a budget (src/core/criteria/budget.ts) and `matches` runs on RE2: a hostile
 * criterion is an `error` outcome naming the limit, everywhere, and the gate
 * still publishes its check run. No timing assertions: the budget's limits
 * are named in the messages; the times are in bench/criteria-budget.bench.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { judgeCriteria } from '../../src/action/gate/judge.js'
import { EVALUATION_BUDGET } from '../../src/core/criteria/budget.js'
import {
  checkExpression,
  evaluateExpression,
  MAX_CONTEXT_DEPTH,
  toCelContext,
} from '../../src/core/criteria/cel.js'
import { evaluateCriteria } from '../../src/core/criteria/evaluate.js'
import type { TaskError } from '../../src/core/errors.js'
import { parseVerdictMarker } from '../../src/github/verdict.js'
import { type FakeGitHub, startFakeGitHub } from '../action/support/fake-github.js'
import { node24 } from '../action/support/node24.js'
import { runAction } from '../action/support/run-action.js'
import { expectTaskError, makeEngine } from '../helpers.js'
import { webhookExample } from '../support/github/webhooks.js'
import { HOSTILE_CRITERIA, HOSTILE_PATTERNS } from './support/hostile-criteria.js'

/** The words of each limit in the error message (budget.ts). */
const LIMIT_WORDS = {
  steps: 'more than 1,000,000 evaluation steps',
  size: 'builds more than 1,000,000 list elements, map entries and string characters',
  ms: 'more than 250 ms',
} as const

/**
 * The default budget with the clock out of the way (a loaded machine must not
 * turn a `steps` or `size` case into `ms`), for the cases named by a count.
 */
const COUNTS_ONLY = { ...EVALUATION_BUDGET, ms: 120_000, totalMs: 120_000 }

const TASK = 'Codertocat/Hello-World#1'
const hostile = (name: string) => HOSTILE_CRITERIA.find((h) => h.name.startsWith(name))!.expression

const evaluate = (measurable: string, context: Record<string, unknown> = {}, budget?: object) =>
  evaluateCriteria(
    [{ criterion: 'hostile', measurable }],
    context,
    new Set(),
    budget ? { ...EVALUATION_BUDGET, ...budget } : undefined,
  ).results[0]!

describe('hostile criteria are errors naming the limit they ran into', () => {
  for (const hostile of HOSTILE_CRITERIA) {
    const limit = hostile.limit
    if (limit === null || limit === 'ms') continue
    it(`${hostile.name} (${limit})`, () => {
      expect(() => checkExpression(hostile.expression)).not.toThrow()
      const result = evaluate(hostile.expression, {}, COUNTS_ONLY)
      expect(result.outcome).toBe('error')
      expect(result.message).toBe(
        `over the evaluation budget: ${LIMIT_WORDS[limit]}${limit === 'steps' ? ' (comprehension iterations, calls, regular-expression matching)' : ''}; simplify the expression`,
      )
    })
  }

  it('the clock is the backstop for work the counts underestimate (ms)', () => {
    // A million steps take tens of milliseconds: with 1 ms the clock stops it first.
    const result = evaluate(hostile('nested all'), {}, { ms: 1, steps: 1e9 })
    expect(result).toMatchObject({ outcome: 'error' })
    expect(result.message).toBe(
      'over the evaluation budget: more than 1 ms; simplify the expression',
    )
  })

  it('the clock is read at the start and the end too, not only every 16 steps', () => {
    // Three steps, none of them a clock reading: only the start or the end can stop it.
    expect(evaluate('[1, 2].size() == 2')).toMatchObject({ outcome: 'pass' })
    expect(evaluate('[1, 2].size() == 2', {}, { ms: 0 })).toMatchObject({
      outcome: 'error',
      message: 'over the evaluation budget: more than 0 ms; simplify the expression',
    })
  })

  it('every one of them is an error under the default budget too', () => {
    const verdict = evaluateCriteria(
      HOSTILE_CRITERIA.map((h) => ({ criterion: h.name, measurable: h.expression })),
      {},
    )
    expect(verdict.passed).toBe(false)
    for (const [i, { limit }] of HOSTILE_CRITERIA.entries()) {
      const result = verdict.results[i]!
      expect(result.outcome).toBe(limit === null ? 'fail' : 'error')
      if (limit !== null) expect(result.message).toMatch(/^over the evaluation budget: /)
    }
  })

  it('an error absorbed by || or a quantifier does not reset the budget', () => {
    // CEL's `error || true` is true, and `exists` goes on after an error: once
    // over the budget, every further step must fail too, or this would pass.
    const size = hostile('list concatenation')
    for (const expression of [
      `${size} || true`,
      `[1, 2, 3].exists(i, ${size} || i > 0)`,
      `[1, 2, 3].all(i, i > 0 && ${size}) || true`,
    ]) {
      const result = evaluate(expression, {}, COUNTS_ONLY)
      expect(result).toMatchObject({ outcome: 'error' })
      expect(result.message).toContain(LIMIT_WORDS.size)
    }
  })

  it('a criterion over a context value counts its work too', () => {
    const context = { metrics: { samples: Array.from({ length: 2000 }, (_, i) => i) } }
    const result = evaluate(
      'metrics.samples.all(a, metrics.samples.all(b, a + b >= 0))',
      context,
      COUNTS_ONLY,
    )
    expect(result).toMatchObject({ outcome: 'error', actual: {} })
    expect(result.message).toContain(LIMIT_WORDS.steps)
  })
})

describe('shared structure and deep operations (red-team review)', () => {
  it('a list holding shared lists weighs every copy: the red team’s 19-second `==` is refused at once', () => {
    const result = evaluate(hostile('deep equality of shared lists'), {}, COUNTS_ONLY)
    expect(result.message).toBe(
      `over the evaluation budget: ${LIMIT_WORDS.size}; simplify the expression`,
    )
    // Small shared values are fine: `a` is held three times, 12 elements in all.
    expect(
      evaluate('cel.bind(a, [1, 2, 3], a.map(i, a) == [[1, 2, 3], [1, 2, 3], [1, 2, 3]])'),
    ).toMatchObject({ outcome: 'pass' })
  })

  it('== and in count the elements they may compare', () => {
    // 64,000 elements, built once within the size limit, compared 200 times.
    const expression = (compare: string) =>
      `cel.bind(l, [${Array.from({ length: 40 }, (_, i) => i).join(', ')}], cel.bind(m, l.map(i, l.map(j, l)), cel.bind(n, l.map(i, l.map(j, l)), ${compare})))`
    for (const compare of [
      'l.all(i, l.all(j, m == n))',
      'l.all(i, l.all(j, m != n) || true)',
      'cel.bind(o, [n], l.all(i, l.all(j, m in o)))',
    ]) {
      const result = evaluate(expression(compare), {}, COUNTS_ONLY)
      expect(result.message, compare).toContain(LIMIT_WORDS.steps)
    }
    expect(evaluate(expression('m == n'))).toMatchObject({ outcome: 'pass' })
  })

  it('a list or map used as a map key is an error, not a walk of the whole value', () => {
    // The library would stringify the key with JavaScript's toString.
    const big =
      'cel.bind(l, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], cel.bind(m, l.map(i, l.map(j, l.map(k, l))), '
    for (const expression of [
      `${big}dyn({"a": 1})[m] == 1))`,
      `${big}dyn(m) in {"a": 1}))`,
      `${big}{m: 1}.size() == 1))`,
      'dyn({"a": 1})[{"b": 2}] == 1',
    ]) {
      const result = evaluate(expression)
      expect(result, expression).toMatchObject({ outcome: 'error' })
      expect(result.message).toMatch(
        /^map keys must be int, uint, bool or string, not a (list|map)$/,
      )
    }
    expect(evaluate('{"1,2": 3}["1,2"] == 3 && "a" in {"a": 1}')).toMatchObject({ outcome: 'pass' })
  })

  it('string functions count their text: substring searches text × search, duration its cube', () => {
    for (const name of ['lastIndexOf', 'duration']) {
      const result = evaluate(hostile(name), {}, COUNTS_ONLY)
      expect(result.message, name).toContain(LIMIT_WORDS.steps)
    }
    expect(
      evaluate('duration("1h30m") > duration("90s") && "a/b/c".lastIndexOf("/") == 3'),
    ).toMatchObject({ outcome: 'pass' })
  })

  it('an error message quoting a long string is cut to 500 characters', () => {
    const result = evaluate(`dyn({"a": 1})["${'k'.repeat(1500)}"] == 1`)
    expect(result.outcome).toBe('error')
    expect(result.message!.length).toBeLessThanOrEqual(501)
    expect(result.message).toMatch(/^No such key: k+…$/)
  })
})

describe('the task’s criteria together have a budget (totalMs)', () => {
  it('once past it, the remaining criteria are errors naming it, without being evaluated', () => {
    const verdict = evaluateCriteria(
      [
        { criterion: 'slow', measurable: hostile('nested all') },
        { criterion: 'ordinary', measurable: 'tests.failed == 0' },
      ],
      { tests: { failed: 0 } },
      new Set(),
      { ...EVALUATION_BUDGET, steps: 1e12, ms: 120_000, totalMs: 20 },
    )
    const total =
      "over the evaluation budget: more than 20 ms for all the task's criteria together; simplify the expression"
    expect(verdict.results.map((r) => [r.outcome, r.message])).toEqual([
      ['error', total],
      ['error', total],
    ])
  })

  it('is 2 s by default, stated with the per-expression limits', () => {
    expect(EVALUATION_BUDGET).toEqual({
      steps: 1_000_000,
      size: 1_000_000,
      ms: 250,
      totalMs: 2_000,
    })
  })
})

describe('regular expressions are bounded before they are compiled', () => {
  const redTeam = HOSTILE_PATTERNS[0]!.expression

  it('checkExpression refuses a pattern whose program would be too large, without compiling it', () => {
    expect(redTeam).toHaveLength(1722)
    const err = expectTaskError(() => checkExpression(redTeam), 'InvalidExpression')
    expect(err.message).toContain(
      'instructions once its repetitions are expanded; the limit is 5,000)',
    )
  })

  it('evaluation refuses one computed at run time the same way', () => {
    const computed = redTeam.replace('"(?i)', '"(?i)" + "')
    expect(() => checkExpression(computed)).not.toThrow()
    const result = evaluate(computed, {}, COUNTS_ONLY)
    expect(result.outcome).toBe('error')
    expect(result.message).toMatch(
      /^Invalid regular expression: .{100}… \(too large: about [\d,]+ instructions/,
    )
  })

  it('checkExpression runs under the budget: many large patterns are refused, naming it', () => {
    const many = HOSTILE_PATTERNS[1]!.expression
    const err = expectTaskError(
      () => checkExpression(many, { ...EVALUATION_BUDGET, ms: 120_000 }),
      'InvalidExpression',
    )
    expect(err.message).toContain(
      `cannot be checked: compiling its regular expressions is over the evaluation budget: ${LIMIT_WORDS.steps}`,
    )
    expect(() => checkExpression(many.split(' && ')[0]!)).not.toThrow()
  })

  it('a new pattern in every iteration pays for every compilation', () => {
    const result = evaluate(hostile('a new regular expression'), {}, COUNTS_ONLY)
    expect(result.message).toContain(LIMIT_WORDS.steps)
  })
})

describe('matches() uses RE2 (linear time, the syntax the CEL specification names)', () => {
  it('the issue’s backtracking pattern answers at once', () => {
    expect(evaluate('"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!".matches("(a+)+$")').outcome).toBe('fail')
    expect(evaluate('"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".matches("(a+)+$")').outcome).toBe('pass')
    expect(evaluate(hostile('backtracking')).outcome).toBe('fail')
  })

  it('RE2 syntax works (inline flags), patterns RE2 refuses are refused up front', () => {
    expect(evaluate('"Release v2.10.0".matches("(?i)^release v[0-9]+\\\\.")').outcome).toBe('pass')
    expect(evaluate('"abc".matches("^b")').outcome).toBe('fail')
    for (const pattern of ['(?=a)a', '(a)\\\\1', '(a']) {
      const err = expectTaskError(
        () => checkExpression(`"aa".matches("${pattern}")`),
        'InvalidExpression',
      )
      expect(err.message).toContain('Invalid regular expression')
    }
    // A pattern computed at run time is checked when it is matched.
    expect(evaluate('"aa".matches("(?=" + "a)")')).toMatchObject({ outcome: 'error' })
    expect(evaluate('"aa".matches("(?=" + "a)")').message).toMatch(/^Invalid regular expression/)
  })
})

describe('ordinary criteria are unaffected', () => {
  const context = {
    tests: { total: 120, passed: 120, failed: 0, errors: 0, skipped: 0, duration_s: 12.5 },
    coverage: { lines: 91.2, branches: 80 },
    metrics: {
      latency_ms: Array.from({ length: 1000 }, (_, i) => 10 + (i % 90)),
      version: 'v2.3.1',
      files: ['a.ts', 'b.ts', 'c.ts'],
    },
    test_suite: { exit_code: 0 },
  }
  it.each([
    'tests.failed == 0 && tests.total >= 100',
    'coverage.lines >= 90.0 && coverage.branches >= 80.0',
    'metrics.latency_ms.all(x, x < 100)',
    'metrics.latency_ms.filter(x, x > 95).size() < 100',
    'metrics.latency_ms.map(x, x * 2).exists(x, x == 20)',
    'metrics.version.matches("^v[0-9]+\\\\.[0-9]+\\\\.[0-9]+$")',
    'metrics.files.join(",").split(",").size() == 3',
    'metrics.files.all(f, f.endsWith(".ts")) && test_suite.exit_code == 0',
  ])('%s passes', (measurable) => {
    expect(evaluate(measurable, context)).toMatchObject({ outcome: 'pass' })
    expect(evaluateExpression(measurable, toCelContext(context))).toEqual({ ok: true, value: true })
  })
})

describe('a context nested too deeply for evaluation', () => {
  const deep = JSON.parse(`${'['.repeat(50_000)}${']'.repeat(50_000)}`) as unknown

  it('is an error row for each criterion in the gate, naming the value (it overflowed the stack)', () => {
    const judged = judgeCriteria(
      [
        { criterion: 'ok', measurable: 'metrics.x == 1', checked: false, line: 1 },
        { criterion: 'manual', measurable: null, checked: false, line: 2 },
      ] as never,
      { metrics: { x: 1, deep } },
    )
    expect(judged.passed).toBe(false)
    expect(judged.criteria.map((c) => c.outcome)).toEqual(['error', 'unconfirmed'])
    expect(judged.criteria[0]!.message).toBe(
      `could not be evaluated: Context value \`metrics.deep\` is nested more than ${MAX_CONTEXT_DEPTH} levels deep; criteria cannot use it. Flatten it in the file or input that supplies it.`,
    )
  })

  it('is refused by tm complete --validate as invalid input; nothing changes', () => {
    const { engine } = makeEngine()
    const task = engine.add({
      title: 'Deep',
      success_criteria: [{ criterion: 'ok', measurable: 'metrics.x == 1' }],
    })
    engine.claim(task.id, 'ada')
    const err = expectTaskError(
      () =>
        engine.complete(task.id, 'ada', 1, {
          validate: true,
          context: { metrics: { x: 1, deep } },
        }),
      'InvalidInput',
    )
    expect(err.message).toContain('`metrics.deep` is nested more than')
    expect(engine.get(task.id).status).toBe('in_progress')
  })
})

describe('tm complete --validate (the engine every front door uses)', () => {
  it('a hostile criterion refuses completion with an error naming the limit; nothing changes', () => {
    const { engine } = makeEngine()
    const task = engine.add({
      title: 'Hostile',
      success_criteria: [
        { criterion: 'No failing tests', measurable: 'tests.failed == 0' },
        { criterion: 'Hostile', measurable: hostile('nested map building') },
      ],
    })
    engine.claim(task.id, 'ada')
    const err = expectTaskError(
      () =>
        engine.complete(task.id, 'ada', 1, {
          validate: true,
          context: { tests: { total: 1, failed: 0 } },
        }),
      'CriteriaFailed',
    )
    const results = (err as TaskError).details.results as { outcome: string; message?: string }[]
    expect(results.map((r) => r.outcome)).toEqual(['pass', 'error'])
    expect(results[1]!.message).toMatch(/^over the evaluation budget: /)
    expect(err.message).toContain('over the evaluation budget')
    expect(engine.get(task.id).status).toBe('in_progress')
  })
})

describe('tm (the bundled CLI, build/tm.cjs)', () => {
  it('evaluates matches with RE2 and refuses a hostile criterion with exit 5, naming the limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'criteria-budget-tm-'))
    const tm = (...args: string[]) => {
      const r = spawnSync(process.execPath, [resolve('build/tm.cjs'), '--json', ...args], {
        cwd: dir,
        env: { ...process.env, TM_DB: '', TM_AGENT: 'ada' },
        encoding: 'utf8',
      })
      return { code: r.status, out: JSON.parse(r.stdout) }
    }
    try {
      expect(tm('init').code).toBe(0)
      const id = tm(
        'add',
        'Release',
        '-c',
        'Tagged `version.matches("(?i)^V[0-9]+\\\\.")`',
        '-c',
        `Hostile \`${hostile('nested exists_one')}\``,
      ).out.task?.id as string
      expect(id, 'tm add').toBeTruthy()
      expect(
        tm('add', 'Bad', '-c', 'Look-ahead `version.matches("(?=v)v")`').out.error,
      ).toMatchObject({ code: 'InvalidExpression' })
      tm('claim', id)
      const refused = tm('complete', id, '--token', '1', '--validate', '--set', 'version=v2.3.1')
      expect(refused.code).toBe(5)
      expect(refused.out.error.details.results).toMatchObject([
        { outcome: 'pass' },
        { outcome: 'error', message: expect.stringMatching(/^over the evaluation budget: /) },
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the bundled gate publishes its check run with an error row for hostile criteria', () => {
  /** The gate bundle built from the current source into a temporary directory. */
  let bundleDir = ''
  let api: FakeGitHub | undefined
  const workspaces: string[] = []

  beforeAll(() => {
    bundleDir = mkdtempSync(join(tmpdir(), 'criteria-budget-dist-'))
    execFileSync(process.execPath, ['scripts/build-action.mjs', bundleDir], { stdio: 'ignore' })
  }, 120_000)
  afterEach(async () => {
    await api?.close()
    api = undefined
  })
  afterAll(() => {
    for (const dir of [bundleDir, ...workspaces]) rmSync(dir, { recursive: true, force: true })
  })

  it.each([
    ['the tests’ own Node', () => process.execPath],
    ['Node 24 (runs.using: node24)', node24],
  ])(
    'on %s, next to ordinary criteria',
    async (_name, binary) => {
      const body = [
        '### Success criteria',
        '',
        '- [ ] No failures `test_suite.exit_code == 0`',
        `- [ ] Nested maps \`${hostile('nested map building')}\``,
        `- [ ] Strings \`${hostile('string doubling')}\``,
        `- [ ] Nesting \`${hostile('deepest nesting')}\``,
        '- [ ] Backtracking `"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!".matches("(a+)+$") == false`',
        '',
      ].join('\n')
      api = await startFakeGitHub({ [TASK]: { title: 'Hostile', body } })
      const ws = mkdtempSync(join(tmpdir(), 'criteria-budget-ws-'))
      workspaces.push(ws)
      writeFileSync(join(ws, 'placeholder.txt'), '')
      const run = await runAction({
        node: binary(),
        entry: join(bundleDir, 'gate', 'index.js'),
        event: {
          name: 'pull_request',
          payload: webhookExample('pull_request.opened', {
            pull_request: { body: 'Closes #1', head: { ref: 'changes' } },
          }),
        },
        apiUrl: api.url,
        cwd: ws,
        inputs: { context: 'test_suite:\n  exit_code: 0\n' },
      })
      expect(run.code).toBe(1)
      const checks = api.find('POST', '/repos/Codertocat/Hello-World/check-runs')
      expect(checks).toHaveLength(1)
      const check = checks[0]!.body as { conclusion: string; output: { summary: string } }
      expect(check.conclusion).toBe('failure')
      expect(parseVerdictMarker(check.output.summary)?.results.map((r) => r.outcome)).toEqual([
        'pass',
        'error',
        'error',
        'error',
        'pass',
      ])
      // steps or, on a loaded machine, the clock
      expect(check.output.summary).toContain('over the evaluation budget: more than')
      expect(check.output.summary).toContain('over the evaluation budget: builds more than')
      expect(run.stdout).toContain('over the evaluation budget')
    },
    120_000,
  )

  it('on the tests’ own Node, with a metrics file nested too deeply to evaluate', async () => {
    const body = '### Success criteria\n\n- [ ] Fast `metrics.p95_ms < 300`\n'
    api = await startFakeGitHub({ [TASK]: { title: 'Deep', body } })
    const ws = mkdtempSync(join(tmpdir(), 'criteria-budget-ws-'))
    workspaces.push(ws)
    writeFileSync(
      join(ws, 'bench.json'),
      `{"p95_ms": 120, "deep": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
    )
    const run = await runAction({
      entry: join(bundleDir, 'gate', 'index.js'),
      event: {
        name: 'pull_request',
        payload: webhookExample('pull_request.opened', {
          pull_request: { body: 'Closes #1', head: { ref: 'changes' } },
        }),
      },
      apiUrl: api.url,
      cwd: ws,
      inputs: { metrics: 'bench.json' },
    })
    expect(run.code).toBe(1)
    const check = api.find('POST', '/repos/Codertocat/Hello-World/check-runs')[0]?.body as
      | { conclusion: string; output: { summary: string } }
      | undefined
    expect(check?.conclusion).toBe('failure')
    expect(parseVerdictMarker(check!.output.summary)?.results).toEqual([
      { index: 1, outcome: 'error' },
    ])
    expect(check!.output.summary).toContain('is nested more than 64 levels deep')
  }, 60_000)
})
