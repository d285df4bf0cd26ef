/**
 * The refusal of a state file (see `./state-file.ts`): why, in a word a
 * program can branch on, and in a sentence saying what the run does about it.
 */
import { TaskError } from '../../core/errors.js'

/**
 * Why a state file was refused (`StateFileError.reason`): `missing` (no
 * file); `digest` (SHA-256 differs from the expected one: damaged or replaced
 * in transit); `not-a-database` (empty, other content, damaged header);
 * `truncated` (shorter than its header says); `not-a-snapshot` (a
 * write-ahead log beside it holds part of its content); `integrity`
 * (`PRAGMA integrity_check` found damage, or SQLite said corrupt);
 * `foreign-keys` (`PRAGMA foreign_key_check` found references to missing
 * rows); `schema` (not a Task Orchestrator database, or from a newer
 * version); `untrusted-schema` (its tables, indexes, views or triggers are not
 * exactly those our migrations create at its version: a planted trigger, a
 * view, a changed table … — see `./state-file-schema.ts`); `generation` (missing or invalid, or a write that would lower
 * it); `exists` (a write's output path is taken); `unreadable` (SQLite could
 * not read it for another reason, named in the message).
 */
export type StateFileProblem =
  | 'missing'
  | 'digest'
  | 'not-a-database'
  | 'truncated'
  | 'not-a-snapshot'
  | 'integrity'
  | 'foreign-keys'
  | 'schema'
  | 'untrusted-schema'
  | 'generation'
  | 'exists'
  | 'unreadable'

/**
 * A state file that must not be used, as `TaskError('StorageError')` (the
 * CLI and the app treat it as any storage error) with a machine-readable
 * {@link StateFileProblem} in `reason` and in `details.reason`.
 */
export class StateFileError extends TaskError {
  readonly reason: StateFileProblem

  constructor(reason: StateFileProblem, message: string, details: Record<string, unknown> = {}) {
    super('StorageError', message, { reason, ...details })
    this.reason = reason
  }
}

/** What the run does with a refused file (issue 5: never an empty board). */
export const FALLBACK =
  'The run does not use it: it falls back to the last good state artifact, or rebuilds the state from the issues.'

/** Refuse the state file at `path`: "State file <path> <what>. <what the run does>". */
export function refuse(
  reason: StateFileProblem,
  path: string,
  what: string,
  details?: Record<string, unknown>,
): never {
  throw new StateFileError(reason, `State file ${path} ${what}. ${FALLBACK}`, details)
}
