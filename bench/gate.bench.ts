/**
 * The gate Action's whole process, start to verdict (issue "Figures to
 * reach"): `node dist/gate/index.js` as the Actions runner starts it, on a
 * 5,000-test JUnit report (generated with a fixed seed) and 10 criteria,
 * against a local GitHub API — read the task issue, post the `Task criteria`
 * check run, tick the criteria. Target: median ≤ 400 ms; `dist/gate/index.js`
 * ≤ 2 MB.
 *
 * Runs are interleaved with `node -e 0` (the floor: starting Node at all) so
 * that load on the machine affects both alike. Measured on the Node running
 * the benchmark and on Node 24 (what `runs.using: node24` runs), when one can
 * be had (test/action/support/node24.ts).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startFakeGitHub } from '../test/action/support/fake-github.js'
import { node24 } from '../test/action/support/node24.js'
import { ACTION_ENTRY, runAction } from '../test/action/support/run-action.js'
import { webhookExample } from '../test/support/github/webhooks.js'
import { fmt, median, percentile, rng } from './util.js'

const TESTS = 5_000
const SUITES = 50
const WARMUP = 3
const RUNS = 15
const TARGET_MS = 400
const SIZE_LIMIT = 2 * 1024 * 1024

/** A JUnit report of `TESTS` testcases: ~0.5% failures, ~2% skipped, seeded. */
function junitReport(seed: number): string {
  const random = rng(seed)
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites name="bench">']
  for (let s = 0; s < SUITES; s++) {
    const cases: string[] = []
    for (let i = 0; i < TESTS / SUITES; i++) {
      const r = random()
      const time = (random() * 0.2).toFixed(3)
      const name = `test ${i} handles case ${Math.floor(random() * 1e6)}`
      const open = `<testcase classname="pkg.module${s}.Suite${s}" name="${name}" time="${time}"`
      if (r < 0.005) {
        cases.push(
          `${open}><failure message="expected 1 got 2" type="AssertionError">AssertionError: expected 1 got 2\n    at Suite${s}.test (src/module${s}.ts:${i}:7)</failure><system-out>log line ${i}</system-out></testcase>`,
        )
      } else if (r < 0.025) cases.push(`${open}><skipped message="not on CI"/></testcase>`)
      else cases.push(`${open}/>`)
    }
    parts.push(
      `<testsuite name="pkg.module${s}" tests="${cases.length}" time="12.5" timestamp="2026-03-01T09:00:00">`,
      ...cases,
      '</testsuite>',
    )
  }
  parts.push('</testsuites>')
  return parts.join('\n')
}

const CRITERIA = [
  'At most 50 failures `tests.failed <= 50`',
  'Every test ran `tests.total == 5000 && tests.runs >= 5000`',
  'Few skipped `tests.skipped < 200`',
  'Suite under 15 minutes `tests.duration_s < 900.0`',
  'No errors `tests.errors == 0`',
  'Line coverage `coverage.lines >= 80.0`',
  'Branch coverage `coverage.branches >= 70.0`',
  'Fast `metrics.p95_ms < 300`',
  'Small bundle `metrics.bundle_kb <= 2048`',
  'Clean exit `test_suite.exit_code == 0`',
]
const BODY = `### Success criteria\n\n${CRITERIA.map((c) => `- [ ] ${c}`).join('\n')}\n`

const workspace = mkdtempSync(join(tmpdir(), 'gate-bench-'))
writeFileSync(join(workspace, 'junit.xml'), junitReport(20260301))
writeFileSync(join(workspace, 'bench.json'), JSON.stringify({ p95_ms: 212, bundle_kb: 533 }))
const coverage = resolve('test/fixtures/coverage/coverage-summary.json')
const payload = webhookExample('pull_request.opened', { pull_request: { body: 'Closes #1' } })
const api = await startFakeGitHub({ 'Codertocat/Hello-World#1': { title: 'Bench', body: BODY } })

async function gateOnce(node: string): Promise<number> {
  api.issues.get('Codertocat/Hello-World#1')!.body = BODY
  api.requests.length = 0
  const run = await runAction({
    node,
    event: { name: 'pull_request', payload },
    apiUrl: api.url,
    cwd: workspace,
    inputs: {
      junit: '*.xml',
      coverage,
      metrics: 'bench.json',
      context: 'test_suite:\n  exit_code: 0',
    },
  })
  const calls = api.requests
    .map((r) => r.method)
    .sort()
    .join(' ')
  if (run.code !== 0 || calls !== 'GET PATCH POST') {
    throw new Error(
      `gate run failed (exit ${run.code}, calls ${calls}):\n${run.stdout}${run.stderr}`,
    )
  }
  return run.ms
}

function nodeFloor(node: string): number {
  const start = process.hrtime.bigint()
  spawnSync(node, ['-e', '0'])
  return Number(process.hrtime.bigint() - start) / 1e6
}

const binaries: { name: string; path: string }[] = [
  { name: `Node ${process.versions.node}`, path: process.execPath },
]
let node24Note = ''
try {
  const path = node24()
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim()
  binaries.push({ name: `Node ${version.slice(1)}`, path })
} catch (err) {
  node24Note = `Node 24 not measured: ${(err as Error).message}`
}

const rows: string[] = []
for (const { name, path } of binaries) {
  const gate: number[] = []
  const floor: number[] = []
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const f = nodeFloor(path)
    const g = await gateOnce(path)
    if (i >= WARMUP) {
      floor.push(f)
      gate.push(g)
    }
  }
  const m = median(gate)
  rows.push(
    `| \`node dist/gate/index.js\` on ${name} | ${fmt(m, 0)} ms | ${fmt(percentile(gate, 90), 0)} ms | ${fmt(median(floor), 0)} ms | ≤ ${TARGET_MS} ms | ${m <= TARGET_MS ? '✅' : '❌'} |`,
  )
}
await api.close()

const size = statSync(ACTION_ENTRY).size
process.stdout.write(
  [
    '## The gate Action, whole process (start to verdict)',
    '',
    `\`node dist/gate/index.js\` started as the Actions runner starts it, on a ${TESTS.toLocaleString('en')}-test JUnit report`,
    `(${SUITES} suites, seeded) and ${CRITERIA.length} criteria, against a local GitHub API (GET issue, POST check run, PATCH issue).`,
    `Median and p90 of ${RUNS} runs after ${WARMUP} warm-up runs, interleaved with \`node -e 0\` on the same binary.`,
    '',
    '| what | median | p90 | `node -e 0` | target | |',
    '|---|---|---|---|---|---|',
    ...rows,
    `| size of \`dist/gate/index.js\` | ${fmt(size / 1024, 0)} KiB | | | ≤ 2 MiB | ${size <= SIZE_LIMIT ? '✅' : '❌'} |`,
    '',
    ...(node24Note ? [node24Note, ''] : []),
  ].join('\n'),
)
