/**
 * The `tm` program: global options and the command groups. `main.ts` runs it;
 * tests call {@link buildProgram} directly.
 */
import { Command } from 'commander'
import { registerAgentCommands } from './commands/agents.js'
import { registerArchiveCommands } from './commands/archive.js'
import { registerBackupCommand } from './commands/backup.js'
import { registerCollaborationCommands } from './commands/collaboration.js'
import { registerDemoCommand } from './commands/demo.js'
import { registerDependencyCommands } from './commands/dependencies.js'
import { registerEventCommands } from './commands/events.js'
import { registerImportCommand } from './commands/import.js'
import { registerLeaseCommands } from './commands/leases.js'
import { registerMaintenanceCommands } from './commands/maintenance.js'
import { registerMcpCommand } from './commands/mcp.js'
import { registerQuestionCommands } from './commands/questions.js'
import { registerRebuildCommand } from './commands/rebuild.js'
import { registerReportCommand } from './commands/report.js'
import { registerTaskCommands } from './commands/tasks.js'
import { registerWatchCommand } from './commands/watch.js'
import { EXIT } from './exit-codes.js'
import { checkGitHubCommand } from './github.js'
import { escapeBlock } from './output.js'
import { reportError } from './runtime.js'

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
    .option(
      '--github <owner/repo>',
      'run the agent verbs on the issues of this repository (default: $TM_GITHUB; docs/cli.md "tm --github")',
    )
    .option('--no-github', 'use the local database even when TM_GITHUB is set')
    .option(
      '--wait <duration>',
      "with --github: how long to wait for the app's reply (default 2m; 30m with TM_GITHUB_MODE=actions)",
    )
    .option(
      '--idempotency-key <key>',
      'with --github: the key a timed-out command printed; waits for that command’s reply instead of posting again',
    )
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok · 1 internal error · 2 usage/bad input · 3 not found ·
            4 conflict (lease held, stale token, cycle…) · 5 criteria failed · 6 storage ·
            7 no reply from GitHub (--github)
Docs: docs/cli.md`,
    )
  // Usage errors (unknown option, missing argument, bad choice) exit 2 with a
  // JSON error under --json. Set before the commands are added: commander
  // copies these settings into each subcommand when it is created.
  const json = process.argv.includes('--json')
  program
    .exitOverride((err) => {
      if (err.exitCode === 0) process.exit(EXIT.ok)
      if (json) {
        process.stdout.write(
          `${JSON.stringify({ ok: false, error: { code: 'InvalidInput', message: err.message, details: { commander: err.code } } }, null, 2)}\n`,
        )
      }
      process.exit(EXIT.usage)
    })
    .configureOutput({
      // With --json the error goes to stdout as JSON (above), not as text on stderr.
      writeErr: (text) => {
        if (!json) process.stderr.write(escapeBlock(text))
      },
    })
  // With --github/TM_GITHUB only the agent verbs run (on GitHub); any other
  // command is refused before it touches the local database.
  program.hook('preAction', (_root, command) => {
    try {
      checkGitHubCommand(command)
    } catch (err) {
      process.exit(reportError(err, json))
    }
  })
  registerTaskCommands(program)
  registerDependencyCommands(program)
  registerLeaseCommands(program)
  registerMaintenanceCommands(program)
  registerAgentCommands(program)
  registerCollaborationCommands(program)
  registerQuestionCommands(program)
  registerArchiveCommands(program)
  registerBackupCommand(program)
  registerEventCommands(program)
  registerWatchCommand(program)
  registerReportCommand(program)
  registerImportCommand(program)
  registerRebuildCommand(program)
  registerDemoCommand(program)
  registerMcpCommand(program, VERSION)
  return program
}
