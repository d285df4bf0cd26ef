/**
 * `tm` exit codes (documented in docs/cli.md). Scripts and agents branch on
 * these, so they never change meaning.
 */
import type { ClientErrorCode } from '../client/types.js'
import type { ErrorKind } from '../core/errors.js'

export const EXIT = {
  ok: 0,
  /** A bug or an unexpected failure. */
  internal: 1,
  /** Bad arguments, bad input file, invalid expression. */
  usage: 2,
  /** The task or agent does not exist. */
  notFound: 3,
  /** Refused because of the current state: lease held, stale token, cycle, … */
  conflict: 4,
  /** Completion refused: success criteria do not hold. */
  criteria: 5,
  /** The database cannot be used. */
  storage: 6,
  /**
   * `tm --github`: GitHub did not answer — no reply from the app within
   * `--wait`, a request GitHub refused (bad credentials, …) or that failed.
   * The command may still be carried out: retry with `--idempotency-key`.
   */
  github: 7,
} as const

/** Exit code for an engine error kind. */
export function exitCodeFor(kind: ErrorKind): number {
  return EXIT[kind]
}

/**
 * Exit code for a client error of `tm --github` (src/client/errors.ts): the
 * app's refusals map as the engine's kinds do — `NotATask` not found (3),
 * `Forbidden` refused (4), `UnknownCommand`/`InvalidCommand`/
 * `UnreadableComment`/`Unsupported` usage (2) — and the transport's
 * failures (`Timeout`, `Aborted`, `GitHubError`) are {@link EXIT.github}.
 */
export function exitCodeForClient(code: ClientErrorCode): number {
  switch (code) {
    case 'NotATask':
      return EXIT.notFound
    case 'Forbidden':
      return EXIT.conflict
    case 'UnknownCommand':
    case 'InvalidCommand':
    case 'UnreadableComment':
    case 'Unsupported':
      return EXIT.usage
    default:
      return EXIT.github
  }
}
