/**
 * Whole-process cost of one `tm` invocation (`add`, `claim`, `complete`),
 * measured side by side with `node -e 0` on the same machine: the runs are
 * interleaved (node, add, claim, complete, node, …) so that load on the
 * machine affects both alike. Target: median within 1.6× of `node -e 0`.
 * Measured plain, and with a success criterion, which loads CEL on `add`
 * (type-check) and on `complete --validate` (evaluation).
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
const samples: Record<string, number[]> = {}
const record = (name: string, ms: number, warm: boolean) => {
  if (!warm) return
  samples[name] ??= []
  samples[name].push(ms)
}
for (let i = 0; i < ROUNDS + 3; i++) {
  const warm = i >= 3 // the first rounds warm the file cache, the WAL and the code cache
  record('node', timed(['-e', '0']).ms, warm)
  const add = timed([TM, '--json', 'add', `task ${i}`])
  record('add', add.ms, warm)
  const id = JSON.parse(add.stdout).task.id as string
  record('claim', timed([TM, '--json', 'claim', id]).ms, warm)
  record('complete', timed([TM, 'complete', id, '--token', '1']).ms, warm)
  const addC = timed([TM, '--json', 'add', `checked ${i}`, '-c', 'Tests pass `tests.failed == 0`'])
  record('addCriteria', addC.ms, warm)
  const idC = JSON.parse(addC.stdout).task.id as string
  timed([TM, 'claim', idC])
  const args = ['complete', idC, '--token', '1', '--validate', '--set', 'tests.failed=0']
  record('completeCriteria', timed([TM, ...args]).ms, warm)
}
const base = median(samples.node!)
const row = (what: string, t: number[] = []) => {
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
    row('tm add "…"', samples.add),
    row('tm claim ID', samples.claim),
    row('tm complete ID --token 1', samples.complete),
    row('tm add "…" -c "Tests pass `tests.failed == 0`"', samples.addCriteria),
    row('tm complete ID --token 1 --validate --set tests.failed=0', samples.completeCriteria),
    '',
  ].join('\n'),
)
