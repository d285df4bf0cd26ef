/** Agent commands: `agent register`, `agent list`. */
import type { Command } from 'commander'
import { table } from '../output.js'
import { action, openEngine, parseNumber } from '../runtime.js'

/** Register `tm agent …` on `program`. */
export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('Register and list agents.')
  agent
    .command('register')
    .description('Register (or update) an agent with its personas and lease capacity.')
    .argument('<name>', 'agent identity, as used with --agent / TM_AGENT')
    .option('--persona <names>', 'comma-separated personas it can play, e.g. implementer,reviewer')
    .option('--capacity <n>', 'leases it may hold at once (default 1)')
    .action(
      action(
        (g, name: string, o: { persona?: string; capacity?: string }) => ({
          agent: openEngine(g).registerAgent({
            id: name,
            personas: o.persona
              ? o.persona
                  .split(',')
                  .map((p) => p.trim())
                  .filter(Boolean)
              : [],
            ...(o.capacity
              ? { capacity: parseNumber(o.capacity, '--capacity', 1, 1000, true) }
              : {}),
          }),
        }),
        (r) =>
          `Registered ${r.agent.id} (${r.agent.personas.join(', ') || 'no persona'}, capacity ${r.agent.capacity}).`,
      ),
    )
  agent
    .command('list')
    .description('Registered agents with the leases they hold.')
    .action(
      action(
        (g) => ({ agents: openEngine(g).agents() }),
        (r) =>
          r.agents.length
            ? table(
                ['AGENT', 'PERSONAS', 'CAPACITY', 'LEASES', 'LAST SEEN'],
                r.agents.map((a) => [
                  a.id,
                  a.personas.join(',') || '-',
                  a.capacity,
                  a.leases,
                  a.last_seen_at ?? '-',
                ]),
              )
            : '(no agents registered)',
      ),
    )
}
