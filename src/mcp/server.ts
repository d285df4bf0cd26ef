/**
 * The MCP server of `tm mcp`: the tools of `./tools.ts` on the SDK's
 * low-level {@link Server} (`@modelcontextprotocol/sdk`), backed by one
 * {@link AgentClient}. Transport-free: `./serve.ts` connects it to stdio.
 *
 * Why not the SDK's `McpServer.registerTool`: it sends each schema as zod
 * writes it (`$schema` on every one, integer bounds of ±2^53) and an
 * `execution` member per tool, which together cost a third of the token
 * budget of the tool definitions (bench/mcp-tools.bench.ts); here
 * `tools/list` sends the same zod schemas through {@link compactSchema}, and
 * the server does what `registerTool` would: it validates the arguments with
 * the tool's zod schema (a bad one is a refusal, `InvalidInput`, naming the
 * field), and the result with its output schema (a mismatch is a bug,
 * `Internal`, never a malformed result).
 *
 * Every result carries the same object twice, as the MCP specification asks
 * of a tool with an output schema: `structuredContent` and one text block
 * of its JSON, for clients that read only text. A refusal is a tool error
 * (`./errors.ts`). An unknown tool name is a protocol error (`InvalidParams`),
 * as the specification says.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js'
import * as z from 'zod/v4'
import type { AgentClient } from '../client/types.js'
import { TaskError } from '../core/errors.js'
import { toolError } from './errors.js'
import { TOOLS, type ToolContext, type ToolDefinition } from './tools.js'

/** What the server needs besides the client. */
export interface ServerOptions {
  /** The version `initialize` reports (tm's). */
  version: string
  duration: ToolContext['duration']
  evidence: ToolContext['evidence']
  /**
   * While a call waits (a GitHub reply can take minutes in the
   * Actions-hosted mode), a progress notification every this many ms to a
   * client that asked for them (`_meta.progressToken`), so a client that
   * resets its request timeout on progress keeps waiting. Default 10 s.
   */
  progressEveryMs?: number
}

/**
 * The loop in one paragraph, sent once in `initialize` (not on every turn
 * like the tool definitions).
 */
export const INSTRUCTIONS =
  'Task Orchestrator: tasks with dependencies, leases and success criteria. Loop: next (claims ' +
  'the best task; keep its token) → heartbeat before expires_at while working → progress, ask, ' +
  'share → complete (criteria must hold) or fail/release. A refusal is a tool error whose JSON ' +
  'names the code and the fix; after StaleToken or NotHolder stop working on that task.'

/**
 * `schema` (a JSON Schema zod wrote) without what says nothing to a client:
 * the `$schema` draft marker, `additionalProperties: {}` (the default),
 * `propertyNames: {type: "string"}` (JSON keys are strings), and integer
 * bounds of ±(2^53 − 1) (zod's safe-integer range, which JSON numbers cannot
 * exceed exactly anyway). Every constraint that restricts a value is kept.
 * Pure; returns a new object.
 */
export function compactSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(compactSchema)
  if (schema === null || typeof schema !== 'object') return schema
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema') continue
    if (key === 'additionalProperties' && isEmptyObject(value)) continue
    if (key === 'propertyNames' && isStringType(value)) continue
    if (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) continue
    if (key === 'minimum' && value === Number.MIN_SAFE_INTEGER) continue
    out[key] = compactSchema(value)
  }
  return out
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
const isEmptyObject = (v: unknown) => isObject(v) && Object.keys(v).length === 0
const isStringType = (v: unknown) =>
  isObject(v) && Object.keys(v).length === 1 && v.type === 'string'

/** The MCP definition of `tool`, as `tools/list` sends it. */
export function toolDefinition(tool: ToolDefinition): Tool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: compactSchema(
      z.toJSONSchema(z.object(tool.input), { io: 'input' }),
    ) as Tool['inputSchema'],
    outputSchema: compactSchema(
      z.toJSONSchema(tool.output, { io: 'output' }),
    ) as Tool['outputSchema'],
    ...(tool.readOnly ? { annotations: { readOnlyHint: true } } : {}),
  }
}

/** A refusal for arguments that do not fit the tool's input schema, naming each bad field. */
function invalidArguments(tool: string, error: z.ZodError): TaskError {
  return new TaskError(
    'InvalidInput',
    `Invalid arguments for ${tool}: ${z.prettifyError(error).replace(/\n+/g, ' ')}`,
    { issues: error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  )
}

/**
 * An MCP server with every tool of {@link TOOLS} bound to `client`: see the
 * module comment for what it checks.
 */
export function createMcpServer(client: AgentClient, options: ServerOptions): Server {
  const server = new Server(
    { name: 'task-orchestrator', version: options.version },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  )
  const definitions = TOOLS.map(toolDefinition)
  const byName = new Map(TOOLS.map((t) => [t.name, t]))
  const every = options.progressEveryMs ?? 10_000

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: definitions }))
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = byName.get(request.params.name)
    if (!tool) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown tool ${JSON.stringify(request.params.name)}; the tools are ${TOOLS.map((t) => t.name).join(', ')}.`,
      )
    }
    const progressToken = extra._meta?.progressToken
    let ticks = 0
    const timer =
      progressToken === undefined
        ? undefined
        : setInterval(() => {
            ticks += 1
            extra
              .sendNotification({
                method: 'notifications/progress',
                params: { progressToken, progress: ticks, message: `waiting for ${tool.name}` },
              })
              .catch(() => {})
          }, every)
    try {
      const args = z.object(tool.input).safeParse(request.params.arguments ?? {})
      if (!args.success) throw invalidArguments(tool.name, args.error)
      const result = await tool.run(args.data, {
        client,
        signal: extra.signal,
        duration: options.duration,
        evidence: options.evidence,
      })
      const checked = tool.output.safeParse(result)
      if (!checked.success) {
        throw new Error(
          `${tool.name} returned a result that does not fit its output schema: ${z.prettifyError(checked.error)}`,
        )
      }
      return {
        content: [{ type: 'text', text: JSON.stringify(result) }],
        structuredContent: result as Record<string, unknown>,
      } satisfies CallToolResult
    } catch (err) {
      return toolError(err)
    } finally {
      if (timer) clearInterval(timer)
    }
  })
  return server
}
