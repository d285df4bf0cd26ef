/**
 * Errors are values with codes. Every refusal the engine makes is a
 * {@link TaskError} whose `code` says what kind of refusal it is, whose
 * `message` says what was wrong and how to fix it, and whose `details` carry
 * the machine-readable facts (holder, expiry, cycle, failing criteria …).
 *
 * Front doors map codes, never messages: the CLI to exit codes
 * (see `src/cli/exit-codes.ts`), the GitHub app to replies.
 */

/** Every code the engine can refuse with, grouped by the kind of refusal. */
export const ERROR_KINDS = {
  /** The input itself is malformed: fix the command or the file. */
  usage: ['InvalidInput', 'InvalidExpression', 'BadReport', 'BadImport'],
  /** The thing named does not exist. */
  notFound: ['TaskNotFound', 'AgentNotFound'],
  /** The request is well-formed but conflicts with the current state. */
  conflict: [
    'LeaseHeld',
    'StaleToken',
    'UnknownToken',
    'NotHolder',
    'NoLease',
    'DependencyCycle',
    'InvalidTransition',
    'AgentAtCapacity',
    'LockDelay',
    'DependenciesUnmet',
    'SubtasksOpen',
    'PersonaMismatch',
    'HasDependents',
    'HasSubtasks',
    'Duplicate',
    'NothingClaimable',
  ],
  /** Completion refused because success criteria do not hold. */
  criteria: ['CriteriaFailed'],
  /** The database cannot be used (corrupt, newer schema, locked too long). */
  storage: ['StorageError'],
} as const

export type ErrorKind = keyof typeof ERROR_KINDS
export type ErrorCode = (typeof ERROR_KINDS)[ErrorKind][number]

const kindOfCode = new Map<string, ErrorKind>(
  Object.entries(ERROR_KINDS).flatMap(([kind, codes]) =>
    codes.map((code) => [code, kind as ErrorKind] as const),
  ),
)

/** A refusal by the engine: `code` for programs, `message` for people. */
export class TaskError extends Error {
  override readonly name = 'TaskError'
  readonly code: ErrorCode
  readonly details: Record<string, unknown>

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.code = code
    this.details = details
  }

  /** The kind of refusal (usage, notFound, conflict, criteria, storage). */
  get kind(): ErrorKind {
    return kindOfCode.get(this.code) ?? 'usage'
  }

  /** Plain JSON shape used by `--json` output and GitHub reply markers. */
  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details }
  }
}

/**
 * True when `err` is a {@link TaskError}, optionally with the given code.
 * Checked by shape, not `instanceof`: the bundled `tm` loads some modules
 * from separate files, each with its own copy of this class.
 */
export function isTaskError(err: unknown, code?: ErrorCode): err is TaskError {
  const e = err as Partial<TaskError> | null
  return (
    e instanceof Error &&
    e.name === 'TaskError' &&
    typeof e.code === 'string' &&
    (code === undefined || e.code === code)
  )
}
