/**
 * `tm mcp`: an MCP server over stdio with the agent's loop as tools
 * (src/mcp/, docs/mcp.md). Local by default — the database as every `tm`
 * command resolves it (`--db`, `TM_DB`), the agent from `--agent` or
 * `TM_AGENT` — or on GitHub with `--github owner/repo` (or `TM_GITHUB`),
 * as the token's login. The server and the SDK are loaded only when the
 * command runs (scripts/build.mjs lazy modules).
 */
import type { Command } from 'commander'
import { TaskError } from '../../core/errors.js'
import { githubTarget } from '../github.js'
import { type Globals, parseDuration, reportError, requireAgent } from '../runtime.js'

/** Register `tm mcp`. */
export function registerMcpCommand(program: Command, version: string): void {
  program
    .command('mcp')
    .description(
      'Serve the agent loop (next, claim, heartbeat, progress, complete, …) as MCP tools on stdio, locally or with --github owner/repo (docs/mcp.md).',
    )
    .action(async (_options: unknown, cmd: Command) => {
      // Never JSON on stdout here: stdout is the protocol. A failure to start
      // (no database, no agent, no token) goes to stderr with tm's exit code.
      try {
        const g = cmd.optsWithGlobals() as Globals & { idempotencyKey?: string }
        if (g.idempotencyKey !== undefined) {
          throw new TaskError(
            'InvalidInput',
            '--idempotency-key names one command; tm mcp runs many (each tool call has its own key).',
          )
        }
        const repository = githubTarget(g)
        const { runMcp } = await import('../../mcp/run-mcp.js')
        await runMcp(
          repository === null
            ? { transport: 'local', agent: requireAgent(g), db: g.db }
            : {
                transport: 'github',
                ...repository,
                timeoutMs: g.wait === undefined ? undefined : parseDuration(g.wait, '--wait'),
              },
          version,
        )
      } catch (err) {
        process.exitCode = reportError(err, false)
      }
    })
}
