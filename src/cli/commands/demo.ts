/** `tm demo`: the core loop for real, with agent processes on this machine. */
import type { Command } from 'commander'
import { action, parseNumber } from '../runtime.js'

/** Register `tm demo`. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .summary('run the core loop for real: agent processes, leases, criteria, a killed agent')
    .description(
      'Import a real plan (the beads tracker), start agent processes that claim, heartbeat and complete through criteria validation, kill one mid-task, and show the metrics. Writes ./.task-orchestrator/demo.db (or --db; never TM_DB or tasks.db, and only over an earlier demo database) and ends with the commands that open it.',
    )
    .option('--agents <n>', 'number of agent processes (default 4)')
    .option('--plan <file>', 'plan to import (default: examples/plans/beads-issues.jsonl)')
    .option('--no-kill', 'do not kill an agent mid-task')
    .action(
      action(
        async (g, o: { agents?: string; plan?: string; kill: boolean }) => {
          const { runDemo } = await import('../demo/run.js')
          return runDemo({
            agents: o.agents ? parseNumber(o.agents, '--agents', 2, 16, true) : 4,
            ...(o.plan ? { plan: o.plan } : {}),
            ...(g.db ? { db: g.db } : {}),
            kill: o.kill,
            json: g.json ?? false,
          })
        },
        () => undefined,
      ),
    )
}
