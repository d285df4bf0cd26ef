/**
 * Import of the real 1,023-issue beads sample (examples/plans/): in-process
 * (parse + one transaction) and as a whole `tm import` process on a fresh
 * database. Target ≤ 1 s. Median of 7 runs each.
 */
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { openStore } from '../src/core/db/open.js'
import { Engine } from '../src/core/engine.js'
import { readImportPlan } from '../src/core/import/detect.js'
import { fmt, median, tempDb, time } from './util.js'

const PLAN = resolve('examples/plans/beads-issues.jsonl')
const TM = resolve('build/tm.cjs')

const inProcess: number[] = []
const whole: number[] = []
let imported = 0
for (let i = 0; i < 7; i++) {
  inProcess.push(
    time(() => {
      const engine = new Engine(openStore(tempDb('import.db')))
      imported = engine.import(readImportPlan(PLAN)).imported
      engine.store.close()
    }),
  )
  const db = tempDb('import-cli.db')
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [TM, '--db', db, '--json', 'import', PLAN], {
    encoding: 'utf8',
  })
  whole.push(Number(process.hrtime.bigint() - start) / 1e6)
  if (r.status !== 0) throw new Error(r.stderr)
}
const row = (what: string, t: number[]) =>
  `| ${what} | median ${fmt(median(t), 0)} ms | ≤ 1,000 ms | ${median(t) <= 1000 ? '✅' : '❌'} |`
process.stdout.write(
  [
    `## Import of the beads sample (1,023 issues → ${imported} tasks)`,
    '',
    '| figure | result | target | |',
    '|---|---|---|---|',
    row('parse + write in-process (fresh file database)', inProcess),
    row('`tm import examples/plans/beads-issues.jsonl`, whole process', whole),
    '',
  ].join('\n'),
)
