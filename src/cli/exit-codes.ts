/**
 * `tm` exit codes (documented in docs/cli.md). Scripts and agents branch on
 * these, so they never change meaning.
 */
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
} as const

/** Exit code for an engine error kind. */
export function exitCodeFor(kind: ErrorKind): number {
  return EXIT[kind]
}
