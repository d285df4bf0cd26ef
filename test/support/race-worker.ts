/**
 * A worker process for the concurrency tests and the contention benchmark:
 * opens the database given in argv[2] as agent argv[3] and loops
 * `next --claim` → `complete` on the engine until nothing is left to claim.
 * Prints one JSON line per grant: {"task","token","agent"} and a final
 * {"done":n}.
 */
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'

const [db, agent] = process.argv.slice(2) as [string, string]
const engine = new Engine(openStore(db, { create: false }))
let done = 0
for (;;) {
  const { task, grant } = engine.next(agent, { claim: true })
  if (!task || !grant) break
  process.stdout.write(`${JSON.stringify({ task: task.id, token: grant.lease.token, agent })}\n`)
  engine.complete(task.id, agent, grant.lease.token, { summary: `by ${agent}` })
  done++
}
process.stdout.write(`${JSON.stringify({ done })}\n`)
engine.store.close()
