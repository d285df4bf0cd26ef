/**
 * Whole-process cost of one `tm` invocation (`add`, `claim`, `complete`),
 * measured side by side with `node -e 0` on the same machine: the runs are
 * interleaved (node, add, claim, complete, node, …) so that load on the
 * machine affects both alike. Target: median within 1.6× of `node -e 0`.
 */
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { fmt, median, tempDb } from './util.js'

const TM = resolve('build/tm.cjs')
const db = tempDb('cli.db')
const env = { ...process.env, TM_DB: db, TM_AGENT: 'bench' }
const timed = (args: string[]) => {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`)
  return { ms, stdout: r.stdout }
}

spawnSync(process.execPath, [TM, 'init'], { env })
const ROUNDS = 40
const samples = {
  node: [] as number[],
  add: [] as number[],
  claim: [] as number[],
  complete: [] as number[],
}
for (let i = 0; i < ROUNDS + 3; i++) {
  const node = timed(['-e', '0'])
  const add = timed([TM, '--json', 'add', `task ${i}`, '-c', 'Tests pass `tests.failed == 0`'])
  const id = JSON.parse(add.stdout).task.id as string
  const claim = timed([TM, '--json', 'claim', id])
  const complete = timed([
    TM,
    'complete',
    id,
    '--token',
    '1',
    '--validate',
    '--set',
    'tests.failed=0',
  ])
  if (i < 3) continue // warm-up: file cache, WAL creation
  samples.node.push(node.ms)
  samples.add.push(add.ms)
  samples.claim.push(claim.ms)
  samples.complete.push(complete.ms)
}
const base = median(samples.node)
const row = (what: string, t: number[]) => {
  const ratio = median(t) / base
  return `| \`${what}\` | ${fmt(median(t), 1)} ms | ${fmt(ratio)}× | ≤ 1.6× | ${ratio <= 1.6 ? '✅' : '❌'} |`
}
process.stdout.write(
  [
    '## One `tm` invocation, whole process',
    '',
    `Median of ${ROUNDS} interleaved runs each; \`node -e 0\` median ${fmt(base, 1)} ms on the same machine.`,
    '',
    '| command | median | vs `node -e 0` | target | |',
    '|---|---|---|---|---|',
    row('tm add "…" -c "Tests pass `tests.failed == 0`"', samples.add),
    row('tm claim ID', samples.claim),
    row('tm complete ID --validate --set tests.failed=0', samples.complete),
    '',
  ].join('\n'),
)
