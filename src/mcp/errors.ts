/**
 * Refusals as MCP tool errors. A tool call the engine or the client refuses
 * (`LeaseHeld`, `StaleToken`, `Timeout`, …) is not a protocol error: the
 * agent asked for something the task's state does not allow, and it must
 * read why and act. So it comes back as a tool result with `isError: true`
 * (MCP specification, "Tools › Error Handling") whose one text block is the
 * JSON `tm --json` prints for the same refusal — `{"ok":false,"error":
 * {"code","message","details"}}` — plus `fix`, one sentence on what to do
 * next in terms of this server's tools (the engine's messages name `tm`
 * flags, which an MCP agent does not have).
 *
 * No `structuredContent` on errors: the SDK's client validates any
 * structured content against the tool's output schema, error or not.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { AnyErrorCode } from '../client/types.js'

/**
 * What to do next after a refusal, by code, in terms of this server's tools:
 * one for every code of the engine and of the client (the type makes a new
 * code without a fix a compile error).
 */
const FIXES: Readonly<Record<AnyErrorCode | 'Internal', string>> = {
  InvalidInput: 'Correct the arguments named in the message and call again.',
  InvalidExpression: 'Correct the expression named in the message and call again.',
  BadReport: 'Pass report paths that exist and parse (JUnit XML, istanbul/LCOV/Cobertura).',
  BadImport: 'Correct the file named in the message.',
  TaskNotFound: 'Check the task id: call ready to list claimable tasks.',
  AgentNotFound: 'Check the agent name.',
  LeaseHeld:
    'Another lease holds it: call next for another task (or heartbeat it, if the holder is you).',
  StaleToken:
    'Your lease is gone: stop working on this task; call status, and claim it again if it is pending.',
  UnknownToken: 'Use the token that claim or next returned (status shows the lease).',
  NotHolder: 'You do not hold this task: stop working on it; call next for another.',
  NoLease: 'Nobody holds this task: claim it first.',
  DependencyCycle: 'Remove one dependency of the cycle named in the message.',
  InvalidTransition: 'The task is not in a state that allows this; call status to see it.',
  AgentAtCapacity: 'Complete or release a task you hold before taking another.',
  LockDelay: 'Wait until claimable_after, or call next for another task.',
  DependenciesUnmet: 'Complete the dependencies named in the message first.',
  SubtasksOpen: 'Complete or cancel the open subtasks named in the message first.',
  HasDependents: 'Other tasks depend on this one; the message names them.',
  HasSubtasks: 'The task has subtasks; the message names them.',
  Duplicate: 'That already exists; call status to see it.',
  PersonaMismatch: 'This task is for another persona: call next for one of yours.',
  NothingClaimable: 'Nothing is claimable for you now: call ready later, or ask what to do.',
  CriteriaFailed:
    'Make the failing criteria hold, then call complete again with evidence (junit, coverage, context) and confirm manual criteria by number.',
  StorageError: 'The task database cannot be used; tell the person who runs this server.',
  Forbidden: 'Your GitHub login lacks the permission this command needs; ask a maintainer.',
  NotATask: 'That issue is not a task: call ready to list claimable tasks.',
  UnknownCommand: 'Check the arguments and call again.',
  InvalidCommand: 'Correct the arguments named in the message and call again.',
  UnreadableComment: 'Shorten or simplify the text and call again.',
  Unsupported: 'This is not possible on this transport; the message says what to do instead.',
  Timeout:
    'No reply yet; the command may still be carried out: call status before trying it again.',
  Aborted: 'The call was cancelled; call status to see what happened.',
  GitHubError: 'GitHub refused a request; check the token and repository, then call again.',
  Internal: 'A bug in the server: report it with the message; call status to see the task.',
}

/** A refusal as `tm --json` writes it, with the fix sentence. */
export interface ToolRefusal {
  ok: false
  error: { code: string; message: string; fix: string; details: Record<string, unknown> }
}

/** The codes a refusal may carry: the engine's and the client's (test/mcp/errors.test.ts checks both lists). */
export const REFUSAL_CODES: readonly string[] = Object.keys(FIXES).filter((c) => c !== 'Internal')
const isRefusalCode = (code: string): code is AnyErrorCode => REFUSAL_CODES.includes(code)

/**
 * The error fields of `err`: a `TaskError` or `ClientError` (an `Error`
 * whose `code` is one of {@link REFUSAL_CODES}, checked by shape as
 * `isTaskError` does: the bundle may hold several copies of the classes),
 * or anything else (a Node error such as `ENOENT`, a bug) as `Internal`
 * with its message; the stack goes to stderr, never to the agent.
 */
export function refusalOf(err: unknown): ToolRefusal {
  const e = err as { code?: unknown; details?: unknown } | null
  if (err instanceof Error && typeof e?.code === 'string' && isRefusalCode(e.code)) {
    const details =
      e.details !== null && typeof e.details === 'object'
        ? (e.details as Record<string, unknown>)
        : {}
    return {
      ok: false,
      error: { code: e.code, message: err.message, fix: FIXES[e.code], details },
    }
  }
  const message = err instanceof Error ? err.message : String(err)
  process.stderr.write(
    `tm mcp: internal error: ${err instanceof Error ? (err.stack ?? message) : message}\n`,
  )
  return {
    ok: false,
    error: { code: 'Internal', message, fix: FIXES.Internal, details: {} },
  }
}

/** `err` as an MCP tool error result (`isError: true`, the refusal's JSON as text). */
export function toolError(err: unknown): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: JSON.stringify(refusalOf(err)) }] }
}
