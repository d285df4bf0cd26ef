/**
 * The MCP tools of `tm mcp`: an agent's loop, one tool per step — `next`
 * (or `claim`) → `heartbeat` while working → `progress` / `ask` / `share`
 * → `complete` (or `fail` / `release`), with `status`, `ready` and
 * `context` to look around. Each tool is one call of the client library
 * ({@link AgentClient}, src/client/types.ts), so it works on either
 * transport (the local engine, or GitHub) and returns what `tm --json`
 * prints for the same verb, without its `ok: true`.
 *
 * The definitions are what every agent pays for in its context window on
 * every turn (the `tools/list` result; bench/mcp-tools.bench.ts counts it
 * against a budget of 2,000 tokens), so descriptions are one line and the
 * output schemas name the fields an agent acts on and let the rest through
 * (`looseObject`): the result's text block carries every field.
 */
import * as z from 'zod/v4'
import { ClientError } from '../client/errors.js'
import type { AgentClient } from '../client/types.js'

/** A task id: local `abcd1234`, GitHub `owner/repo#12` (or `#12`, `12`). */
const task = z.string().min(1).max(300)
/** The fencing token that `claim`/`next` returned. */
const token = z.number().int().min(1)
/** A lease time-to-live in the duration grammar of `tm` (`30m`, `1h30m`). */
const ttl = z.string().max(40).optional().describe('lease TTL, e.g. 30m')

const lease = z.looseObject({ holder: z.string(), token: z.number(), expires_at: z.string() })
const taskOut = z.looseObject({ id: z.string(), title: z.string(), status: z.string() })
const grant = z.looseObject({ task: z.string(), lease })

/** The inputs a tool handler receives beyond its arguments. */
export interface ToolContext {
  client: AgentClient
  /** Cancelled when the MCP client cancels the request (or the server closes). */
  signal: AbortSignal
  /** Duration text → ms (the `tm` grammar); throws `InvalidInput` naming `flag`. */
  duration: (text: string, flag: string) => number
  /**
   * The CEL context of a local completion: JUnit and coverage reports (paths
   * or globs, relative to the server's working folder) and `values`
   * deep-merged over them, as `tm complete --validate --junit --coverage
   * --context` builds it. Throws `BadReport` naming a missing or malformed file.
   */
  evidence: (evidence: {
    junit?: string[]
    coverage?: string[]
    values?: Record<string, unknown>
  }) => Promise<Record<string, unknown>>
}

/** One tool: its name, one-line description, schemas and handler. */
export interface ToolDefinition<I extends z.ZodRawShape = z.ZodRawShape> {
  name: string
  description: string
  input: I
  /** Loose objects: a field the client adds later passes; the text block carries every field. */
  output: z.ZodObject
  readOnly?: boolean
  run: (args: z.infer<z.ZodObject<I>>, ctx: ToolContext) => Promise<object>
}

function tool<I extends z.ZodRawShape>(definition: ToolDefinition<I>): ToolDefinition {
  return definition as unknown as ToolDefinition
}

const ttlMs = (ctx: ToolContext, text: string | undefined) =>
  text === undefined ? {} : { ttlMs: ctx.duration(text, 'ttl') }

/** Every tool `tm mcp` offers, in the order of the loop. */
export const TOOLS: readonly ToolDefinition[] = [
  tool({
    name: 'next',
    description:
      'Take the best claimable task for you (claim=false: only look). Keep the lease token.',
    input: { claim: z.boolean().optional(), persona: z.string().max(100).optional(), ttl },
    output: z.looseObject({ task: taskOut.nullable(), grant: grant.nullable() }),
    run: ({ claim, persona, ttl: t }, ctx) =>
      ctx.client.next({
        claim: claim ?? true,
        ...(persona ? { persona } : {}),
        ...ttlMs(ctx, t),
        signal: ctx.signal,
      }),
  }),
  tool({
    name: 'claim',
    description: 'Claim a task by id; returns the lease token the other calls need.',
    input: { task, ttl },
    output: grant,
    run: ({ task: id, ttl: t }, ctx) =>
      ctx.client.claim(id, { ...ttlMs(ctx, t), signal: ctx.signal }),
  }),
  tool({
    name: 'heartbeat',
    description: 'Keep your lease alive; call well before expires_at.',
    input: { task, token, ttl },
    output: z.looseObject({ lease }),
    run: ({ task: id, token: n, ttl: t }, ctx) =>
      ctx.client.heartbeat(id, n, { ...ttlMs(ctx, t), signal: ctx.signal }),
  }),
  tool({
    name: 'progress',
    description: 'Report progress: percent 0-100 and/or a message.',
    input: {
      task,
      percent: z.number().min(0).max(100).optional(),
      message: z.string().max(10_000).optional(),
    },
    output: z.looseObject({ task: z.string(), progress: z.array(z.looseObject({})) }),
    run: ({ task: id, percent, message }, ctx) =>
      ctx.client.progress(
        id,
        { ...(percent !== undefined ? { percent } : {}), ...(message ? { message } : {}) },
        { signal: ctx.signal },
      ),
  }),
  tool({
    name: 'complete',
    description:
      'Complete your task. Criteria must hold: give report paths (junit, coverage), context values, manual criteria numbers to confirm.',
    input: {
      task,
      token,
      summary: z.string().max(65_536).optional(),
      junit: z.array(z.string()).max(100).optional(),
      coverage: z.array(z.string()).max(100).optional(),
      context: z.record(z.string(), z.unknown()).optional(),
      confirm: z.array(z.number().int().min(1)).max(100).optional(),
    },
    output: z.looseObject({ task: z.string() }),
    run: async ({ task: id, token: n, summary, junit, coverage, context, confirm }, ctx) => {
      const given = Boolean(junit?.length || coverage?.length || context)
      // Locally the engine judges the criteria against the evidence (an empty
      // one when none is given: a measurable criterion then fails and says
      // what it needs). On GitHub the CI gate judges, and the client refuses
      // evidence (`Unsupported`) rather than drop it.
      const judge =
        ctx.client.transport === 'local'
          ? {
              validate: true,
              context: await ctx.evidence({
                ...(junit ? { junit } : {}),
                ...(coverage ? { coverage } : {}),
                ...(context ? { values: context } : {}),
              }),
            }
          : given
            ? { validate: true, ...(context ? { context } : {}) }
            : {}
      return ctx.client.complete(id, n, {
        ...(summary ? { summary } : {}),
        ...judge,
        ...(confirm?.length ? { confirm } : {}),
        signal: ctx.signal,
      })
    },
  }),
  tool({
    name: 'fail',
    description: 'Report failure; the task is retried while attempts remain.',
    input: { task, token, reason: z.string().min(1).max(10_000), retry: z.boolean().optional() },
    output: z.looseObject({ task: z.string() }),
    run: ({ task: id, token: n, reason, retry }, ctx) =>
      ctx.client.fail(id, n, reason, {
        ...(retry === false ? { retry } : {}),
        signal: ctx.signal,
      }),
  }),
  tool({
    name: 'release',
    description: 'Give the lease back without counting an attempt.',
    input: { task, token, reason: z.string().max(10_000).optional() },
    output: z.looseObject({ task: z.string() }),
    run: ({ task: id, token: n, reason }, ctx) => {
      // The client drops a reason on GitHub (`/release` takes none): say so instead.
      if (reason && ctx.client.transport === 'github')
        throw new ClientError(
          'Unsupported',
          'release takes no reason on GitHub (/release has none); call it without one, and share or ask to explain.',
        )
      return ctx.client.release(id, n, { ...(reason ? { reason } : {}), signal: ctx.signal })
    },
  }),
  tool({
    name: 'ask',
    description: 'Ask a question about a task; your lease pauses until it is answered.',
    input: { task, question: z.string().min(1).max(10_000), to: z.string().max(100).optional() },
    output: z.looseObject({ question: z.looseObject({}) }),
    run: ({ task: id, question, to }, ctx) =>
      ctx.client.ask(id, question, { ...(to ? { to } : {}), signal: ctx.signal }),
  }),
  tool({
    name: 'share',
    description: 'Share a value with everyone on a task, under a key.',
    input: { task, key: z.string().min(1).max(100), value: z.unknown() },
    output: z.looseObject({ task: z.string(), entry: z.looseObject({}) }),
    run: ({ task: id, key, value }, ctx) =>
      ctx.client.share(id, key, value ?? null, { signal: ctx.signal }),
  }),
  tool({
    name: 'status',
    description: "A task's state: lease, criteria, dependencies, questions.",
    input: { task },
    output: z.looseObject({ task: taskOut }),
    readOnly: true,
    run: ({ task: id }, ctx) => ctx.client.status(id, { signal: ctx.signal }),
  }),
  tool({
    name: 'ready',
    description: 'Claimable tasks, most urgent first.',
    input: { persona: z.string().max(100).optional(), limit: z.number().int().min(1).optional() },
    output: z.looseObject({ tasks: z.array(taskOut) }),
    readOnly: true,
    run: ({ persona, limit }, ctx) =>
      ctx.client.ready({
        ...(persona ? { persona } : {}),
        ...(limit ? { limit } : {}),
        signal: ctx.signal,
      }),
  }),
  tool({
    name: 'context',
    description: "A task's shared values and what its finished dependencies handed over.",
    input: { task },
    output: z.looseObject({ context: z.looseObject({}) }),
    readOnly: true,
    run: ({ task: id }, ctx) => ctx.client.context(id, { signal: ctx.signal }),
  }),
]
