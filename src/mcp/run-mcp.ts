/**
 * What `tm mcp` runs (loaded on first use, scripts/build.mjs `LAZY_MODULES`):
 * open the agent client that `tm mcp`'s options name, then serve it on
 * stdio (`./serve.ts`) until the MCP client disconnects.
 *
 * `src/cli/commands/mcp.ts` resolves the options (the repository of
 * `--github`/`TM_GITHUB`, the agent) in the main bundle and passes them
 * here: this module must not import `src/cli/github.ts`, whose `import()`
 * of the GitHub session would make esbuild wrap the modules it reaches
 * (zod among them) in lazy initialisers that the SDK's own top-level zod
 * calls run before (a `TypeError` at load; test/mcp catches it).
 */

import { openGitHubClient } from '../cli/github-session.js'
import { LocalClient } from '../client/local.js'
import type { AgentClient } from '../client/types.js'
import { parseDuration } from '../core/duration.js'
import { serveMcp } from './serve.js'

/** Where `tm mcp` serves from, as its command resolved it. */
export type McpTarget =
  /** The local database (`--db`, else `TM_DB`, else the default path), acting as `agent`. */
  | { transport: 'local'; agent: string; db?: string | undefined }
  /** A repository's issues through the app, acting as the token's login. */
  | { transport: 'github'; owner: string; repo: string; timeoutMs?: number | undefined }

/**
 * The client of `tm mcp` for `target`: the local engine, or the GitHub
 * transport configured as for `tm --github` (the token from `GITHUB_TOKEN`,
 * `GH_TOKEN` or `gh auth token`; `GITHUB_API_URL`, `TM_GITHUB_MODE`,
 * `TM_GITHUB_APP_LOGIN`). Throws `InvalidInput` (no agent, no token),
 * `StorageError` (no database: run `tm init`).
 */
export async function openClient(target: McpTarget): Promise<AgentClient> {
  if (target.transport === 'local') {
    return new LocalClient({ agent: target.agent, ...(target.db ? { db: target.db } : {}) })
  }
  const { owner, repo, timeoutMs } = target
  return openGitHubClient({ repo: { owner, repo }, timeoutMs })
}

/** `tm mcp`: open the client and serve it; resolves when the MCP client disconnects. */
export async function runMcp(target: McpTarget, version: string): Promise<void> {
  const client = await openClient(target)
  await serveMcp({ client, version, duration: parseDuration })
}
