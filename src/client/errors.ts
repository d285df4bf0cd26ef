/**
 * Errors of the agent client beyond the engine's: the GitHub app's own
 * refusals (`Forbidden`, `NotATask`, …) and the transport's failures
 * (`Timeout`, `Aborted`, `GitHubError`, `Unsupported`). The engine's
 * refusals stay {@link TaskError}s with the engine's codes, on both
 * transports, so `err.code === 'StaleToken'` means one thing everywhere.
 */
import { ERROR_KINDS, type ErrorCode, TaskError } from '../core/errors.js'
import type { ClientErrorCode } from './types.js'

/** A failure of a client call that is not an engine refusal; see {@link ClientErrorCode}. */
export class ClientError extends Error {
  override readonly name = 'ClientError'
  readonly code: ClientErrorCode
  readonly details: Record<string, unknown>

  constructor(code: ClientErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.code = code
    this.details = details
  }

  /** Plain JSON shape, as {@link TaskError.toJSON} (`tm --json`'s `error`). */
  toJSON(): { code: ClientErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details }
  }
}

/** True when `err` is a {@link ClientError} (by shape), optionally with `code`. */
export function isClientError(err: unknown, code?: ClientErrorCode): err is ClientError {
  const e = err as Partial<ClientError> | null
  return (
    e instanceof Error &&
    e.name === 'ClientError' &&
    typeof e.code === 'string' &&
    (code === undefined || e.code === code)
  )
}

const ENGINE_CODES: ReadonlySet<string> = new Set(Object.values(ERROR_KINDS).flat())

/** True when `code` is one of the engine's {@link ErrorCode}s. */
export function isEngineCode(code: string): code is ErrorCode {
  return ENGINE_CODES.has(code)
}

/**
 * The error for a refusal read from a reply marker: a {@link TaskError} for
 * an engine code (with `holder` / `expires_at` in `details` when the marker
 * has them, as the engine's own error would), else a {@link ClientError}
 * with the app's code (`Forbidden`, `NotATask`, …; an unknown code becomes
 * `GitHubError` with `details.code` kept).
 */
export function refusalError(
  code: string | undefined,
  reason: string | null,
  details: Record<string, unknown>,
): TaskError | ClientError {
  const message = reason ?? `refused (${code ?? 'no code'})`
  if (code && isEngineCode(code)) return new TaskError(code, message, details)
  const known = [
    'Forbidden',
    'NotATask',
    'UnknownCommand',
    'InvalidCommand',
    'UnreadableComment',
    'Unsupported',
  ] as const
  const own = known.find((k) => k === code)
  return own
    ? new ClientError(own, message, details)
    : new ClientError('GitHubError', message, { ...details, code: code ?? null })
}
