import { describe, expect, it } from 'vitest'
import type { TaskError } from '../../src/core/errors.js'
import { expectTaskError, makeEngine } from '../helpers.js'

const criteria = [
  { criterion: 'No failing tests', measurable: 'tests.failed == 0 && tests.total >= 3' },
  { criterion: 'Coverage', measurable: 'coverage.lines >= 80.0' },
  { criterion: 'Reviewed by a person' },
]

describe('success criteria at creation', () => {
  it('refuses a task whose expression does not compile or type-check, naming the criterion', () => {
    const { engine } = makeEngine()
    const syntax = expectTaskError(
      () =>
        engine.add({
          title: 'x',
          success_criteria: [{ criterion: 'ok', measurable: 'tests.failed ==' }],
        }),
      'InvalidExpression',
    )
    expect(syntax.message).toMatch(/^success criterion 1 expression: .*tests\.failed ==/)
    const field = expectTaskError(
      () =>
        engine.add({
          title: 'x',
          success_criteria: [{ criterion: 'ok', measurable: 'tests.faild == 0' }],
        }),
      'InvalidExpression',
    )
    expect(field.message).toContain('tests.faild')
    expectTaskError(
      () =>
        engine.add({
          title: 'x',
          success_criteria: [{ criterion: 'ok', measurable: 'tests.total' }],
        }),
      'InvalidExpression',
    )
    expect(engine.list()).toEqual([])
  })

  it('accepts free-form context names (dyn), as Task Orchestrator v2.3 criteria use them', () => {
    const { engine } = makeEngine()
    const t = engine.add({
      title: 'x',
      success_criteria: [{ criterion: 'suite', measurable: 'test_suite.exit_code == 0' }],
    })
    expect(t.success_criteria).toHaveLength(1)
  })
})

describe('complete --validate', () => {
  function claimed() {
    const made = makeEngine()
    const t = made.engine.add({ title: 'Parser', success_criteria: criteria })
    made.engine.claim(t.id, 'ada')
    return { ...made, id: t.id }
  }

  it('refuses completion without validation when measurable criteria exist', () => {
    const { engine, id } = claimed()
    const err = expectTaskError(() => engine.complete(id, 'ada', 1), 'CriteriaFailed')
    expect(err.message).toContain('--validate')
    expect(engine.get(id).status).toBe('in_progress')
  })

  it('says which criterion failed with the actual values, and changes nothing', () => {
    const { engine, id } = claimed()
    const err = expectTaskError(
      () =>
        engine.complete(id, 'ada', 1, {
          validate: true,
          context: { tests: { total: 10, failed: 2 }, coverage: { lines: 91.5 } },
          confirm: [3],
        }),
      'CriteriaFailed',
    )
    expect(err.message).toContain('#1 "No failing tests"')
    expect(err.message).toContain('tests.failed=2')
    const results = (err as TaskError).details.results as {
      index: number
      outcome: string
      actual: object
    }[]
    expect(results.map((r) => r.outcome)).toEqual(['fail', 'pass', 'confirmed'])
    expect(results[0]!.actual).toEqual({ 'tests.failed': 2, 'tests.total': 10 })
    expect(engine.get(id)).toMatchObject({ status: 'in_progress', completed_at: null })
    // The refused attempt is on the record.
    expect(engine.events({ type: 'criteria_evaluated' })).toHaveLength(1)
  })

  it('a criterion naming something absent from the context is an error, not a pass', () => {
    const { engine, id } = claimed()
    const err = expectTaskError(
      () =>
        engine.complete(id, 'ada', 1, {
          validate: true,
          context: { tests: { total: 5, failed: 0 } },
          confirm: [3],
        }),
      'CriteriaFailed',
    )
    const results = (err as TaskError).details.results as { outcome: string; message?: string }[]
    expect(results[1]).toMatchObject({ outcome: 'error' })
    expect(results[1]!.message).toContain('coverage.lines')
  })

  it('manual criteria must be confirmed explicitly; confirming a measurable one is a usage error', () => {
    const { engine, id } = claimed()
    const context = { tests: { total: 5, failed: 0 }, coverage: { lines: 80 } }
    const err = expectTaskError(
      () => engine.complete(id, 'ada', 1, { validate: true, context }),
      'CriteriaFailed',
    )
    expect(err.message).toContain('Reviewed by a person')
    expectTaskError(
      () => engine.complete(id, 'ada', 1, { validate: true, context, confirm: [1] }),
      'InvalidInput',
    )
    const out = engine.complete(id, 'ada', 1, {
      validate: true,
      context,
      confirm: [3],
      summary: 'done',
    })
    expect(out.verdict?.passed).toBe(true)
    expect(engine.get(id)).toMatchObject({
      status: 'completed',
      completion_summary: 'done',
      lease: null,
    })
  })

  it('records actual hours from the summed lease time unless given', () => {
    const { engine, clock } = makeEngine()
    const t = engine.add({ title: 'x', estimated_hours: 1 })
    engine.claim(t.id, 'ada', 60 * 60_000)
    clock.advance(30 * 60_000)
    engine.release(t.id, 'ada', 1)
    engine.claim(t.id, 'ada')
    clock.advance(20 * 60_000)
    engine.heartbeat(t.id, 'ada', 2)
    clock.advance(25 * 60_000)
    expect(engine.complete(t.id, 'ada', 2).actual_hours).toBe(1.25)
    const other = engine.add({ title: 'y' })
    engine.claim(other.id, 'ada')
    expect(engine.complete(other.id, 'ada', 1, { actualHours: 3 }).actual_hours).toBe(3)
  })

  it('a parent completes only after its subtasks', () => {
    const { engine } = makeEngine()
    const parent = engine.add({ title: 'epic' })
    // Claimed before the subtask was split off (a parent with open subtasks
    // cannot be claimed: test/core/maintenance.test.ts).
    engine.claim(parent.id, 'ada')
    const child = engine.add({ title: 'part', parent_id: parent.id })
    expect(
      expectTaskError(() => engine.complete(parent.id, 'ada', 1), 'SubtasksOpen').details.subtasks,
    ).toEqual([child.id])
    engine.registerAgent({ id: 'grace' })
    engine.claim(child.id, 'grace')
    engine.complete(child.id, 'grace', 1)
    engine.complete(parent.id, 'ada', 1)
    expect(engine.get(parent.id).status).toBe('completed')
  })
})

describe('expressions with macros and computed values', () => {
  it('variables bound by macros and members of computed values are not context paths', async () => {
    const { referencedPaths, evaluateCriteria } = await import(
      '../../src/core/criteria/evaluate.js'
    )
    expect(referencedPaths('metrics.lat.all(x, x > 0) && size(metrics.lat) == 3')).toEqual([
      'metrics.lat',
    ])
    expect(referencedPaths('dyn(tests).failed == 0')).toEqual(['tests'])
    expect(referencedPaths('metrics.name.startsWith("v") && "tests.x" != ""')).toEqual([
      'metrics.name',
    ])
    const v = evaluateCriteria(
      [{ criterion: 'all positive', measurable: 'metrics.lat.all(x, x > 0)' }],
      { metrics: { lat: [1, 2, 3] } },
    )
    expect(v.results[0]).toMatchObject({ outcome: 'pass' })
    const missing = evaluateCriteria(
      [{ criterion: 'c', measurable: 'metrics.lat.all(x, x > 0)' }],
      { metrics: {} },
    )
    expect(missing.results[0]).toMatchObject({ outcome: 'error' })
  })
})
