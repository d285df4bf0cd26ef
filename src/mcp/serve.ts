/**
 * `tm mcp`: serve the MCP tools (`./server.ts`) over stdio until the MCP
 * client closes the connection. Loaded on first use (scripts/build.mjs
 * `LAZY_MODULES`), so the SDK costs nothing to `tm --version` and every
 * other command.
 *
 * stdout is the protocol: one JSON-RPC message per line, written by the
 * SDK's transport and nothing else. While the server runs, `console.log`,
 * `console.info` and `console.debug` (of any library) go to stderr, which
 * MCP clients keep as the server's log.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { AgentClient } from '../client/types.js'
import { buildEvidence } from './evidence.js'
import { createMcpServer, type ServerOptions } from './server.js'

/** The stdio server's options: the client and what {@link ServerOptions} needs. */
export interface ServeOptions extends Pick<ServerOptions, 'version' | 'duration'> {
  client: AgentClient
  /** Default `process.stdin` / `process.stdout`. */
  stdin?: NodeJS.ReadableStream & { pause(): unknown }
  stdout?: NodeJS.WritableStream
}

/** The largest JSON-RPC message read from stdin, in bytes (a bigger one closes the connection). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024

/**
 * Serve until stdin ends, the transport fails, or SIGINT/SIGTERM; then
 * close the client (its database, its timers). Resolves when closed.
 */
export async function serveMcp(options: ServeOptions): Promise<void> {
  const toStderr = (...args: unknown[]) => console.error(...args)
  console.log = toStderr
  console.info = toStderr
  console.debug = toStderr
  const stdin = (options.stdin ?? process.stdin) as NodeJS.ReadStream
  const server = createMcpServer(options.client, {
    version: options.version,
    duration: options.duration,
    evidence: (e) => buildEvidence(e),
  })
  const transport = new StdioServerTransport(
    stdin,
    (options.stdout ?? process.stdout) as NodeJS.WriteStream,
    { maxBufferSize: MAX_MESSAGE_BYTES },
  )
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve
  })
  server.onerror = (err) => process.stderr.write(`tm mcp: ${err.message}\n`)
  const close = () => void server.close()
  stdin.once('end', close)
  process.once('SIGINT', close)
  process.once('SIGTERM', close)
  try {
    await server.connect(transport)
    process.stderr.write(
      `tm mcp: serving ${options.client.transport === 'local' ? 'the local task database' : 'GitHub'} as ${options.client.agent ?? "the token's login"} on stdio\n`,
    )
    await closed
  } finally {
    stdin.off('end', close)
    process.off('SIGINT', close)
    process.off('SIGTERM', close)
    options.client.close()
  }
}
