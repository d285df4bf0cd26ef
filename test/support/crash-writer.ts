/**
 * Writes as fast as it can until killed: each round is one engine command
 * (add with dependencies, claim, complete) — several statements and events
 * in one transaction. The crash test kills it with SIGKILL mid-write and
 * checks that the database is intact and every command all-or-nothing.
 */
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'

const [db, agent] = process.argv.slice(2) as [string, string]
const engine = new Engine(openStore(db, { create: false }), { settings: { defaultCapacity: 1000 } })
let previous: string | undefined
process.stdout.write('ready\n')
for (let i = 0; ; i++) {
  const t = engine.add({
    title: `task ${agent} ${i}`,
    description: 'x'.repeat(2000),
    ...(previous ? { depends_on: [previous] } : {}),
  })
  if (t.status === 'pending') {
    const g = engine.claim(t.id, agent)
    engine.complete(t.id, agent, g.lease.token, { summary: 'y'.repeat(500) })
  }
  previous = t.id
}
