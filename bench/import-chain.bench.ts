/**
 * Import of long chains (issue 14): a beads file of 100,000 tasks where each
 * depends on the one before (a dependency chain), and one where each is the
 * subtask of the one before (a parent chain), each closed into a loop by one
 * edge back, so the cycle check walks the whole chain. Measured: the whole
 * import (read + parse + plan + write) on a fresh file database, and how long
 * the write lock (`BEGIN IMMEDIATE` … `COMMIT`) is held. Target: ≤ 5 s for
 * the import. Median of 3 runs each.
 */
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../src/core/db/open.js'
import { Engine } from '../src/core/engine.js'
import { readImportPlan } from '../src/core/import/detect.js'
import { fmt, median, tempDb } from './util.js'

const N = 100_000
const RUNS = 3

/** A beads issues.jsonl of a chain of `n` tasks linked by `type`, closed into a loop. */
function chain(n: number, type: 'blocks' | 'parent-child'): string {
  const lines: string[] = []
  for (let i = 0; i < n; i++) {
    const target = i === 0 ? `c-${n - 1}` : `c-${i - 1}`
    const dependencies = [{ issue_id: `c-${i}`, depends_on_id: target, type }]
    lines.push(
      JSON.stringify({
        id: `c-${i}`,
        title: `Task ${i}`,
        status: 'open',
        priority: 2,
        dependencies,
      }),
    )
  }
  return `${lines.join('\n')}\n`
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6

function measure(type: 'blocks' | 'parent-child') {
  const file = tempDb('chain.jsonl')
  writeFileSync(file, chain(N, type))
  const total: number[] = []
  const cpu: number[] = []
  const locked: number[] = []
  let kept = 0
  for (let run = 0; run < RUNS; run++) {
    const store = openStore(join(file, '..', `tm-${run}.db`))
    const write = store.write.bind(store)
    let held = 0
    store.write = <T>(fn: () => T): T => {
      const start = process.hrtime.bigint()
      try {
        return write(fn)
      } finally {
        held += ms(start)
      }
    }
    const engine = new Engine(store)
    const start = process.hrtime.bigint()
    const used = process.cpuUsage()
    const report = engine.import(readImportPlan(file))
    total.push(ms(start))
    const { user, system } = process.cpuUsage(used)
    cpu.push((user + system) / 1000)
    locked.push(held)
    kept = type === 'blocks' ? report.dependencies : report.parents
    if (report.imported !== N || kept !== N - 1)
      throw new Error(
        `unexpected report ${JSON.stringify({ ...report, ids: undefined, unmapped: report.unmapped.length })}`,
      )
    store.close()
  }
  return { total: median(total), cpu: median(cpu), locked: median(locked), kept }
}

const load = loadavg()[0]!
const dep = measure('blocks')
const parent = measure('parent-child')
const s = (v: number) => `${fmt(v / 1000, 2)} s`
const row = (what: string, v: number, target: string, ok?: boolean) =>
  `| ${what} | ${s(v)} | ${target} | ${ok === undefined ? '' : ok ? '✅' : '❌'} |`
process.stdout.write(
  [
    `## Import of a ${N.toLocaleString('en')}-task chain (cycle check, write lock)`,
    '',
    `A beads file where each task depends on (or is the subtask of) the one before, closed into one loop; the edge closing it is dropped and reported (${(N - 1).toLocaleString('en')} kept). Whole \`tm import\` work in-process (read, parse, plan, write) on a fresh file database, median of ${RUNS}. Wall time is the figure; the process's CPU time is shown beside it because the machine may be shared (1-minute load average ${fmt(load, 1)} when the run started).`,
    '',
    '| figure | result | target | |',
    '|---|---|---|---|',
    row('dependency chain: import, wall time', dep.total, '≤ 5 s', dep.total <= 5000),
    row('dependency chain: import, CPU time', dep.cpu, ''),
    row('dependency chain: write lock held (inserts only)', dep.locked, '(part of the import)'),
    row('parent chain: import, wall time', parent.total, '≤ 5 s', parent.total <= 5000),
    row('parent chain: import, CPU time', parent.cpu, ''),
    row('parent chain: write lock held (inserts only)', parent.locked, '(part of the import)'),
    '',
  ].join('\n'),
)
