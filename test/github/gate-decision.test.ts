/**
 * The completion gate's rule as a pure function (issue 11): a table over its
 * inputs — criteria (measurable, manual, none), the pull request, the
 * verdict on its head, the ticks and who ticked them, approval, the lease
 * holder and the override — and what it answers.
 */
import { describe, expect, it } from 'vitest'
import type { Criterion } from '../../src/core/model.js'
import {
  type GateInputs,
  gateDecision,
  pullRequestToJudge,
} from '../../src/github/gate-decision.js'
import { criteriaDigest } from '../../src/github/issue-body.js'

const SHA = 'abcdef0123456789abcdef0123456789abcdef01'
const TESTS: Criterion = { criterion: 'Tests pass', measurable: 'tests.failed == 0' }
const DOCS: Criterion = { criterion: 'Docs reviewed' }
const PR = { number: 7, head_sha: SHA, author: 'ada', state: 'open', merged: false }

/** Inputs of a task held by @ada, with a passing verdict, ticks and confirmations as given. */
function inputs(over: Partial<GateInputs> & { criteria?: Criterion[] } = {}): GateInputs {
  const criteria = over.criteria ?? [TESTS]
  return {
    task: {
      success_criteria: criteria,
      requires_approval: false,
      approved_by: null,
      lease: { holder: 'ada' },
    },
    pullRequest: PR,
    verdict: {
      check_run_id: 99,
      digest: criteriaDigest(criteria),
      passed: true,
      results: [{ index: 1, outcome: 'pass' }],
      url: 'https://github.com/o/r/runs/99',
    },
    ticked: [],
    confirmations: [],
    canOverride: false,
    levels: { confirm: 'write', approve: 'maintain' },
    ...over,
  }
}

const ticked = [{ criterion: DOCS.criterion, checked: true }]
const allowed = [{ criterion: DOCS.criterion, confirmed_by: 'bob', allowed: true }]

describe('gateDecision', () => {
  it.each<[string, GateInputs, string[]]>([
    ['a passing verdict for the criteria as they stand', inputs(), []],
    ['no criteria, a pull request by the holder', inputs({ criteria: [], verdict: null }), []],
    [
      'no criteria and no pull request',
      inputs({ criteria: [], pullRequest: null, verdict: null }),
      [],
    ],
    [
      'measurable criteria and no pull request',
      inputs({ pullRequest: null, verdict: null }),
      [
        'no pull request names this task (write `Closes #N` or `Task: #N` in its description, or use a `task/N-…` branch)',
      ],
    ],
    [
      'no verdict on the head commit',
      inputs({ verdict: null }),
      ['no `Task criteria` check has finished on abcdef0, the head of #7'],
    ],
    [
      'a verdict for other criteria',
      inputs({ verdict: { ...inputs().verdict!, digest: 'other' } }),
      [
        'the `Task criteria` check on abcdef0 evaluated other criteria than the issue lists now; re-run CI (https://github.com/o/r/runs/99)',
      ],
    ],
    [
      'a failed verdict',
      inputs({
        verdict: {
          ...inputs().verdict!,
          passed: false,
          results: [{ index: 1, outcome: 'fail' }],
          url: null,
        },
      }),
      ['the `Task criteria` check on abcdef0 failed: #1 Tests pass (fail)'],
    ],
    [
      'a failed verdict naming no criterion',
      inputs({ verdict: { ...inputs().verdict!, passed: false, results: [], url: null } }),
      ['the `Task criteria` check on abcdef0 failed: see the check'],
    ],
    [
      'a manual criterion not ticked',
      inputs({ criteria: [DOCS], verdict: null }),
      ['manual criterion "Docs reviewed" is not ticked'],
    ],
    [
      'a manual criterion ticked before the app saw who ticked it',
      inputs({ criteria: [DOCS], verdict: null, ticked }),
      [
        'manual criterion "Docs reviewed" was ticked before the app could see who ticked it; untick and tick it again',
      ],
    ],
    [
      'a manual criterion ticked by someone without `confirm`',
      inputs({
        criteria: [DOCS],
        verdict: null,
        ticked,
        confirmations: [{ ...allowed[0]!, allowed: false }],
      }),
      [
        'manual criterion "Docs reviewed" was ticked by @bob, who lacks the `confirm` permission (write)',
      ],
    ],
    [
      'a manual criterion ticked by someone with `confirm`',
      inputs({ criteria: [DOCS], verdict: null, ticked, confirmations: allowed }),
      [],
    ],
    [
      'a tick on a measurable item with the same text does not count',
      inputs({
        criteria: [DOCS],
        verdict: null,
        ticked: [{ ...ticked[0]!, measurable: 'true' }],
        confirmations: allowed,
      }),
      ['manual criterion "Docs reviewed" is not ticked'],
    ],
    [
      'approval required and missing',
      inputs({ task: { ...inputs().task, requires_approval: true } }),
      ['approval: a person with the `approve` permission (maintain) must comment `/approve`'],
    ],
    [
      'approval required and given',
      inputs({ task: { ...inputs().task, requires_approval: true, approved_by: 'carol' } }),
      [],
    ],
    [
      'a pull request by someone other than the holder',
      inputs({ pullRequest: { ...PR, author: 'mallory' } }),
      ['pull request #7 is by @mallory, not the lease holder @ada; a maintainer must complete it'],
    ],
    [
      'a pull request by the holder, in other letter case',
      inputs({ pullRequest: { ...PR, author: 'ADA' } }),
      [],
    ],
    [
      'a pull request by someone else, completed by a maintainer',
      inputs({ pullRequest: { ...PR, author: 'mallory' }, canOverride: true }),
      [],
    ],
    [
      'no criteria, a pull request by someone else',
      inputs({ criteria: [], verdict: null, pullRequest: { ...PR, author: 'mallory' } }),
      ['pull request #7 is by @mallory, not the lease holder @ada; a maintainer must complete it'],
    ],
    [
      'nobody holds the task',
      inputs({
        task: { ...inputs().task, lease: null },
        pullRequest: { ...PR, author: 'mallory' },
      }),
      [],
    ],
    [
      'everything missing at once, in the order of the rules',
      inputs({
        criteria: [TESTS, DOCS],
        verdict: null,
        task: { ...inputs().task, success_criteria: [TESTS, DOCS], requires_approval: true },
        pullRequest: { ...PR, author: 'mallory' },
      }),
      [
        'no `Task criteria` check has finished on abcdef0, the head of #7',
        'manual criterion "Docs reviewed" is not ticked',
        'approval: a person with the `approve` permission (maintain) must comment `/approve`',
        'pull request #7 is by @mallory, not the lease holder @ada; a maintainer must complete it',
      ],
    ],
  ])('%s', (_name, input, missing) => {
    const decision = gateDecision(input)
    expect(decision.missing).toEqual(missing)
    expect(decision.passed).toBe(missing.length === 0)
    expect(decision.pullRequest).toBe(input.pullRequest)
  })

  it('records the evidence it rests on', () => {
    const criteria = [TESTS, DOCS]
    const decision = gateDecision(
      inputs({
        criteria,
        task: {
          ...inputs().task,
          success_criteria: criteria,
          requires_approval: true,
          approved_by: 'carol',
        },
        verdict: { ...inputs().verdict!, digest: criteriaDigest(criteria) },
        ticked,
        confirmations: [...allowed, { criterion: 'x', confirmed_by: 'eve', allowed: false }],
      }),
    )
    expect(decision).toMatchObject({ passed: true, checkUrl: 'https://github.com/o/r/runs/99' })
    expect(decision.evidence).toEqual({
      digest: criteriaDigest(criteria),
      pull_request: 7,
      head_sha: SHA,
      check_run: 99,
      confirmed_by: ['bob'],
      approved_by: 'carol',
    })
  })

  it('is pure: the same inputs give the same answer, and the inputs are not changed', () => {
    const input = inputs({ criteria: [TESTS, DOCS], ticked, confirmations: allowed })
    const copy = structuredClone(input)
    expect(gateDecision(input)).toEqual(gateDecision(input))
    expect(input).toEqual(copy)
  })
})

describe('pullRequestToJudge', () => {
  const pr = (number: number, state: string, merged = false) => ({ number, state, merged })
  it.each([
    ['none', [], null],
    ['the open one before a closed newer one', [pr(3, 'closed'), pr(2, 'open')], 2],
    ['a merged one', [pr(3, 'closed'), pr(2, 'closed', true), pr(1, 'open')], 2],
    ['the newest when all are closed unmerged', [pr(3, 'closed'), pr(2, 'closed')], 3],
  ])('%s', (_name, prs, number) => {
    expect(pullRequestToJudge(prs)?.number ?? null).toBe(number)
  })
})
