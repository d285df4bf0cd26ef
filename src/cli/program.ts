/**
 * The `tm` program: global options and the command groups. `main.ts` runs it;
 * tests call {@link buildProgram} directly.
 */
import { Command } from 'commander'
import { registerAgentCommands } from './commands/agents.js'
import { registerDemoCommand } from './commands/demo.js'
import { registerEventCommands } from './commands/events.js'
import { registerImportCommand } from './commands/import.js'
import { registerLeaseCommands } from './commands/leases.js'
import { registerTaskCommands } from './commands/tasks.js'

export const VERSION = '0.1.0'

/** Build the full command tree. */
export function buildProgram(): Command {
  const program = new Command('tm')
    .description(
      'Task Orchestrator: tasks with dependencies, leases with fencing tokens, and completion gated on success criteria.',
    )
    .version(VERSION)
    .option('--db <file>', 'task database (default: $TM_DB or ./.task-orchestrator/tasks.db)')
    .option('--agent <name>', 'who is acting (default: $TM_AGENT)')
    .option('--json', 'print one JSON document with a stable shape (see docs/cli.md)')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok · 1 internal error · 2 usage/bad input · 3 not found ·
            4 conflict (lease held, stale token, cycle…) · 5 criteria failed · 6 storage
Docs: docs/cli.md`,
    )
  registerTaskCommands(program)
  registerLeaseCommands(program)
  registerAgentCommands(program)
  registerEventCommands(program)
  registerImportCommand(program)
  registerDemoCommand(program)
  return program
}
