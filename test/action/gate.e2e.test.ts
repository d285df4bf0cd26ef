/**
 * The bundled Action (`dist/gate/index.js`) run as the Actions runner runs it
 * — a separate `node` process with `INPUT_*` variables, `GITHUB_OUTPUT` and
 * `GITHUB_STEP_SUMMARY` files, a real `pull_request` payload in
 * `GITHUB_EVENT_PATH` — against a local GitHub API (`GITHUB_API_URL`), on
 * the tests' own Node (20 in CI) and on Node 24 (what `runs.using: node24` runs).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { criteriaDigest, parseIssueBody } from '../../src/github/issue-body.js'
import { parseVerdictMarker } from '../../src/github/verdict.js'
import { tempDir } from '../helpers.js'
import { webhookExample } from '../support/github/webhooks.js'
import { type FakeGitHub, startFakeGitHub } from './support/fake-github.js'
import { node24 } from './support/node24.js'
import { type ActionRunOptions, runAction } from './support/run-action.js'

const TASK = 'Codertocat/Hello-World#1'
const BODY = [
  '### Description',
  '',
  'Ship the cart.',
  '',
  '### Success criteria',
  '',
  '- [ ] All tests pass `tests.failed == 0 && tests.total > 0`',
  '- [ ] Line coverage at least 85% `coverage.lines >= 85.0`',
  '- [x] Fast enough `metrics.p95_ms < 300`',
  '- [ ] Exit code clean `test_suite.exit_code == 0`',
  '- [ ] Reviewed by a person',
  '',
].join('\n')

function junit(failures: number): string {
  const cases = Array.from({ length: 5 }, (_, i) =>
    i < failures
      ? `<testcase classname="cart" name="case ${i}" time="0.1"><failure message="boom">at cart.ts:${i}</failure></testcase>`
      : `<testcase classname="cart" name="case ${i}" time="0.1"/>`,
  ).join('')
  return `<?xml version="1.0"?><testsuites><testsuite name="cart" tests="5" time="0.5">${cases}</testsuite></testsuites>`
}

/** A workspace with reports, as a job leaves it after the test step. */
function workspace(options: { failures?: number; p95?: number; corrupt?: boolean } = {}): string {
  const dir = tempDir('gate-ws-')
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text)
  write(
    'unit.xml',
    options.corrupt ? '<testsuites><testsuite name="x">' : junit(options.failures ?? 0),
  )
  write('e2e.xml', junit(0).replace(/cart/g, 'e2e'))
  write(
    'coverage-summary.json',
    JSON.stringify({ total: { lines: { total: 100, covered: 90, skipped: 0, pct: 90 } } }),
  )
  write('bench.json', JSON.stringify({ p95_ms: options.p95 ?? 120, size_kb: 512 }))
  return dir
}

const pullRequest = (body: string, ref = 'changes') =>
  webhookExample('pull_request.opened', { pull_request: { body, head: { ref } } })
const HEAD_SHA = pullRequest('').pull_request.head.sha

const INPUTS = {
  junit: '*.xml',
  coverage: 'coverage-summary.json',
  metrics: 'bench.json',
  context: 'test_suite:\n  exit_code: 0\n',
}

let api: FakeGitHub | undefined
afterEach(async () => {
  await api?.close()
  api = undefined
})

async function gateRun(
  node: string,
  options: Partial<ActionRunOptions> & { body?: string; prBody?: string; ws?: string } = {},
) {
  api = await startFakeGitHub({ [TASK]: { title: 'Ship the cart', body: options.body ?? BODY } })
  const run = await runAction({
    node,
    event: { name: 'pull_request', payload: pullRequest(options.prBody ?? 'Closes #1') },
    apiUrl: api.url,
    cwd: options.ws ?? workspace(),
    inputs: INPUTS,
    ...options,
  })
  return { run, api }
}

const binaries: [string, () => string, RegExp][] = [
  [
    `Node ${process.versions.node} (the tests’ own: Node 20 in CI)`,
    () => process.execPath,
    new RegExp(`^${process.version.replace(/\./g, '\\.')}$`),
  ],
  ['Node 24 (what runs.using: node24 runs)', node24, /^v24\./],
]

describe.each(binaries)('dist/gate/index.js on %s', (_name, binary, version) => {
  let node = ''
  beforeAll(() => {
    node = binary()
  }, 300_000)

  it('runs on the expected version', async () => {
    const { execFileSync } = await import('node:child_process')
    expect(execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()).toMatch(version)
  })

  it('passes: check run with table and marker, outputs, job summary, ticks in the issue', async () => {
    const { run, api } = await gateRun(node)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)

    // The three API calls, authenticated with the token input: the issue first,
    // then the check run and the ticks, concurrently.
    const calls = api.requests.map((r) => `${r.method} ${r.path}`)
    expect(calls[0]).toBe('GET /repos/Codertocat/Hello-World/issues/1')
    expect(calls.slice(1).sort()).toEqual([
      'PATCH /repos/Codertocat/Hello-World/issues/1',
      'POST /repos/Codertocat/Hello-World/check-runs',
    ])
    expect(api.requests[0]!.headers.authorization).toBe('token test-token')

    const check = api.find('POST', '/repos/Codertocat/Hello-World/check-runs')[0]!.body as {
      name: string
      head_sha: string
      status: string
      conclusion: string
      details_url: string
      external_id: string
      output: { title: string; summary: string }
    }
    expect(check).toMatchObject({
      name: 'Task criteria',
      head_sha: HEAD_SHA,
      status: 'completed',
      conclusion: 'success',
      details_url: 'https://github.com/Codertocat/Hello-World/actions/runs/1234',
      external_id: TASK,
    })
    expect(check.output.title).toBe(
      `✅ ${TASK}: 4 of 4 measurable criteria passed; 1 manual criterion awaits a person.`,
    )
    const criteria = parseIssueBody(BODY, { owner: 'Codertocat', repo: 'Hello-World' }).criteria
    expect(parseVerdictMarker(check.output.summary)).toEqual({
      task: TASK,
      digest: criteriaDigest(criteria),
      sha: HEAD_SHA,
      results: [
        { index: 1, outcome: 'pass' },
        { index: 2, outcome: 'pass' },
        { index: 3, outcome: 'pass' },
        { index: 4, outcome: 'pass' },
        { index: 5, outcome: 'unconfirmed' },
      ],
    })
    expect(check.output.summary).toContain(
      '| ✅ | 1 | All tests pass | `tests.failed == 0 && tests.total > 0` | `tests.failed` = `0`, `tests.total` = `10` |',
    )
    expect(check.output.summary).toContain(
      '| ⏳ | 5 | Reviewed by a person | — | awaiting a person |',
    )
    expect(check.output.summary).toContain('Context: 10 tests (10 runs) from 2 JUnit reports')

    expect(run.outputs.passed).toBe('true')
    expect(run.outputs.task).toBe(TASK)
    const results = JSON.parse(run.outputs.results!) as {
      task: string
      passed: boolean
      check_run: string
      criteria: { index: number; outcome: string; actual: Record<string, unknown> }[]
    }[]
    expect(results).toHaveLength(1)
    expect(results[0]).toMatchObject({
      task: TASK,
      passed: true,
      check_run: 'https://github.com/Codertocat/Hello-World/runs/4001',
    })
    expect(results[0]!.criteria[2]).toMatchObject({
      index: 3,
      outcome: 'pass',
      actual: { 'metrics.p95_ms': 120 },
    })

    expect(run.summary).toContain('## Task criteria')
    expect(run.summary).toContain(
      '| ✅ | 2 | Line coverage at least 85% | `coverage.lines >= 85.0` | `coverage.lines` = `90` |',
    )
    expect(run.summary).not.toContain('task-orchestrator:verdict')

    // Measurable criteria that passed are ticked; the manual one is left alone.
    const patch = api.find('PATCH', '/repos/Codertocat/Hello-World/issues/1')[0]!.body as {
      body: string
    }
    expect(patch.body).toBe(
      BODY.replace('- [ ] All tests', '- [x] All tests')
        .replace('- [ ] Line coverage', '- [x] Line coverage')
        .replace('- [ ] Exit code', '- [x] Exit code'),
    )
  })

  it('fails: a failing criterion fails the step, the check, and unticks it in the issue', async () => {
    const ticked = BODY.replace('- [ ] All tests', '- [x] All tests')
    const { run, api } = await gateRun(node, {
      body: ticked,
      ws: workspace({ failures: 2, p95: 450 }),
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      `::error::Task criteria failed: ${TASK} #1 "All tests pass" (fail: tests.failed=2, tests.total=10), #3 "Fast enough" (fail: metrics.p95_ms=450).`,
    )
    const check = api.find('POST', '/repos')[0]!.body as {
      conclusion: string
      output: { title: string; summary: string }
    }
    expect(check.conclusion).toBe('failure')
    expect(check.output.title).toBe(
      `❌ ${TASK}: 2 of 4 measurable criteria passed; 1 manual criterion awaits a person.`,
    )
    expect(parseVerdictMarker(check.output.summary)?.results.map((r) => r.outcome)).toEqual([
      'fail',
      'pass',
      'fail',
      'pass',
      'unconfirmed',
    ])
    expect(check.output.summary).toContain(
      '| ❌ | 1 | All tests pass | `tests.failed == 0 && tests.total > 0` | `tests.failed` = `2`, `tests.total` = `10` |',
    )
    expect(run.outputs.passed).toBe('false')
    const patch = api.find('PATCH', '/repos')[0]!.body as { body: string }
    expect(patch.body).toBe(
      BODY.replace('- [ ] Line coverage', '- [x] Line coverage')
        .replace('- [x] Fast enough', '- [ ] Fast enough')
        .replace('- [ ] Exit code', '- [x] Exit code'),
    )
  })

  it('a criterion naming something absent is an error (⚠️), not a pass', async () => {
    const body = `${BODY}- [ ] Small bundle \`metrics.bundle_kb < 300\`\n`
    const { run, api } = await gateRun(node, { body })
    expect(run.code).toBe(1)
    const check = api.find('POST', '/repos')[0]!.body as { output: { summary: string } }
    expect(check.output.summary).toContain(
      // The message quotes the expression: neutralised as text (shows as typed).
      '| ⚠️ | 6 | Small bundle | `metrics.bundle_kb < 300` | _not in the context: metrics.bundle\\_kb (supply it with the \\`metrics\\` input)_ |',
    )
  })

  it('a corrupt JUnit report fails the step with a message naming the file; nothing is published', async () => {
    const { run, api } = await gateRun(node, { ws: workspace({ corrupt: true }) })
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/::error::Input `junit`: JUnit report unit\.xml .*/)
    expect(api.find('POST', '/')).toEqual([])
    expect(api.find('PATCH', '/')).toEqual([])
    expect(run.outputs.passed).toBe('false')
  })

  it('a pull request that names no task passes with a notice and a neutral check', async () => {
    const { run, api } = await gateRun(node, { prBody: 'Refactoring, no task.' })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('::notice::No task named by pull request #2')
    const check = api.find('POST', '/repos')[0]!.body as {
      conclusion: string
      output: { summary: string }
    }
    expect(check.conclusion).toBe('neutral')
    expect(parseVerdictMarker(check.output.summary)).toBeNull()
    expect(run.outputs).toMatchObject({ passed: 'true', task: '', results: '[]' })
  })
})

describe('dist/gate/index.js, more cases (the tests’ own Node)', () => {
  it('checks every task a pull request names: one check run each', async () => {
    api = await startFakeGitHub({
      [TASK]: { title: 'Ship the cart', body: BODY },
      'Codertocat/Hello-World#7': {
        title: 'Docs',
        body: '### Success criteria\n\n- [ ] No test fails `tests.failed == 0`\n',
      },
    })
    const run = await runAction({
      event: { name: 'pull_request', payload: pullRequest('Fixes #1\n\nTask: #7', 'task/1-cart') },
      apiUrl: api.url,
      cwd: workspace(),
      inputs: INPUTS,
    })
    expect(run.code).toBe(0)
    const checks = api
      .find('POST', '/repos')
      .map((r) => r.body as { external_id: string; output: { summary: string } })
    // Published concurrently: compare without order.
    expect(checks.map((c) => c.external_id).sort()).toEqual([TASK, 'Codertocat/Hello-World#7'])
    expect(checks.map((c) => parseVerdictMarker(c.output.summary)?.task).sort()).toEqual([
      TASK,
      'Codertocat/Hello-World#7',
    ])
    expect(run.outputs.task).toBe(`${TASK},Codertocat/Hello-World#7`)
  })

  it('outside a pull request with no task named: a notice, no API call', async () => {
    api = await startFakeGitHub({})
    const run = await runAction({
      event: { name: 'push', payload: webhookExample('push') },
      apiUrl: api.url,
      cwd: workspace(),
      inputs: INPUTS,
      env: { GITHUB_REF_NAME: 'main' },
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('::notice::No task named for this run')
    expect(api.requests).toEqual([])
  })

  it('a task/N branch names the task on a push', async () => {
    api = await startFakeGitHub({
      'Codertocat/Hello-World#3': { title: 'Docs', body: 'No criteria.' },
    })
    const run = await runAction({
      event: { name: 'push', payload: webhookExample('push') },
      apiUrl: api.url,
      cwd: workspace(),
      inputs: INPUTS,
      env: { GITHUB_REF_NAME: 'task/3-docs' },
      sha: 'c'.repeat(40),
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(
      '::notice::Codertocat/Hello-World#3 has no `### Success criteria` items',
    )
    const check = api.find('POST', '/repos')[0]!.body as { head_sha: string; conclusion: string }
    expect(check).toMatchObject({ head_sha: 'c'.repeat(40), conclusion: 'success' })
  })

  it('the task input overrides the pull request', async () => {
    api = await startFakeGitHub({ 'Codertocat/Hello-World#7': { title: 'Docs', body: BODY } })
    const run = await runAction({
      event: { name: 'pull_request', payload: pullRequest('Closes #1') },
      apiUrl: api.url,
      cwd: workspace(),
      inputs: { ...INPUTS, task: '7' },
    })
    expect(run.code).toBe(0)
    expect(api.requests[0]!.path).toBe('/repos/Codertocat/Hello-World/issues/7')
  })

  it('an unknown task issue fails with a message naming it', async () => {
    api = await startFakeGitHub({})
    const run = await runAction({
      event: { name: 'pull_request', payload: pullRequest('Closes #1') },
      apiUrl: api.url,
      cwd: workspace(),
      inputs: INPUTS,
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(`::error::Reading task ${TASK} failed (HTTP 404`)
  })

  it('a token without checks: write fails the step and says so', async () => {
    api = await startFakeGitHub({ [TASK]: { title: 'Ship', body: BODY } }, { 'POST /repos': 403 })
    const run = await runAction({
      event: { name: 'pull_request', payload: pullRequest('Closes #1') },
      apiUrl: api.url,
      cwd: workspace(),
      inputs: INPUTS,
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('the token needs `checks: write`')
  })

  it('a token that cannot edit the issue only warns: the check run is the verdict', async () => {
    api = await startFakeGitHub({ [TASK]: { title: 'Ship', body: BODY } }, { 'PATCH /repos': 403 })
    const run = await runAction({
      event: { name: 'pull_request', payload: pullRequest('Closes #1') },
      apiUrl: api.url,
      cwd: workspace(),
      inputs: INPUTS,
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(
      '::warning::Ticking the criteria in Codertocat/Hello-World#1 failed (HTTP 403',
    )
  })

  it('a missing report file is an error naming the input and the file', async () => {
    api = await startFakeGitHub({ [TASK]: { title: 'Ship', body: BODY } })
    const run = await runAction({
      event: { name: 'pull_request', payload: pullRequest('Closes #1') },
      apiUrl: api.url,
      cwd: workspace(),
      inputs: { ...INPUTS, coverage: 'coverage/lcov.info' },
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      '::error::Input `coverage`: Coverage report coverage/lcov.info does not exist',
    )
  })

  it('works against a GitHub Enterprise Server API root', async () => {
    api = await startFakeGitHub({ [TASK]: { title: 'Ship', body: BODY } })
    const run = await runAction({
      event: {
        name: 'pull_request',
        payload: pullRequest('Closes https://ghe.example.com/Codertocat/Hello-World/issues/1'),
      },
      apiUrl: `${api.url}/api/v3`,
      cwd: workspace(),
      inputs: INPUTS,
      env: { GITHUB_SERVER_URL: 'https://ghe.example.com' },
    })
    expect(run.code).toBe(0)
    expect(api.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'GET /api/v3/repos/Codertocat/Hello-World/issues/1',
      'PATCH /api/v3/repos/Codertocat/Hello-World/issues/1',
      'POST /api/v3/repos/Codertocat/Hello-World/check-runs',
    ])
    const check = api.find('POST', '/api/v3/')[0]!.body as { details_url: string }
    expect(check.details_url).toBe(
      'https://ghe.example.com/Codertocat/Hello-World/actions/runs/1234',
    )
  })
})
