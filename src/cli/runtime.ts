/**
 * What every `tm` command shares: global options, opening the engine, the
 * agent identity, argument parsing helpers, and turning errors into exit
 * codes and messages. Commands stay a few lines each.
 */
import type { Command } from 'commander'
import { isClientError } from '../client/errors.js'
import { openStore, resolveDbPath } from '../core/db/open.js'
import { isStorageFailure, storageError } from '../core/db/storage-error.js'
import { parseDuration as parseDurationText } from '../core/duration.js'
import { Engine } from '../core/engine.js'
import { isTaskError, TaskError } from '../core/errors.js'
import { type LeaseOperation, noLease } from '../core/leases.js'
import { EXIT, exitCodeFor, exitCodeForClient } from './exit-codes.js'
import { escapeBlock, printJson, writeText } from './output.js'

/** Options every command accepts (declared on the root program). */
export interface Globals {
  db?: string
  agent?: string
  json?: boolean
  /** `--github owner/repo`; `false` from `--no-github` (see ./github.ts). */
  github?: string | false
  /** `--wait <duration>`: how long to wait for a reply on GitHub. */
  wait?: string
  /** `--idempotency-key <key>`: pick up the reply of a command posted before (GitHub). */
  idempotencyKey?: string
}

/** The root program's options as seen from any subcommand. */
export function globals(cmd: Command): Globals {
  return cmd.optsWithGlobals() as Globals
}

let openEngines: Engine[] = []

/**
 * Open the engine on the database from `--db`, `TM_DB` or the default. A
 * missing file is `StorageError` "No task database at …; run `tm init`
 * first" (exit 6) rather than a new empty database: a typo in a path, or a
 * command run in the wrong folder, should not look like an empty backlog or
 * start a second one. Only the commands that start a database pass
 * `create: true`: `tm init`, `tm import` and `tm rebuild` (and `tm demo`
 * opens its own); docs/cli.md says so.
 */
export function openEngine(g: Globals, options: { create?: boolean } = {}): Engine {
  const store = openStore(resolveDbPath(g.db), { create: options.create ?? false })
  const engine = new Engine(store)
  openEngines.push(engine)
  return engine
}

/** Agent identity from `--agent` or `TM_AGENT`; a usage error when neither is set. */
export function requireAgent(g: Globals): string {
  const agent = g.agent || process.env.TM_AGENT
  if (!agent) {
    throw new TaskError('InvalidInput', 'Who is acting? Pass --agent NAME or set TM_AGENT.')
  }
  return agent
}

/** Agent identity if given, else null (for commands where it is optional). */
export function optionalAgent(g: Globals): string | null {
  return g.agent || process.env.TM_AGENT || null
}

/**
 * Milliseconds of the duration given to `flag` (`90s`, `30m`, `2h`, `1h30m`;
 * the grammar of every front door, `core/duration.ts`).
 *
 * @throws TaskError('InvalidInput') naming the flag when `text` is not a duration.
 */
export function parseDuration(text: string, flag: string): number {
  return parseDurationText(text, flag)
}

/**
 * The fencing token `--token` gave for `operation` on task `id` on `engine`.
 * Without one, a task nobody holds is refused as the engine refuses it with
 * one (`NoLease`: "claim it first" on an open task, "nothing to heartbeat"
 * on a finished one), which is what an agent that skipped the claim needs to
 * hear; otherwise `--token` is required (see {@link parseToken}).
 */
export function leaseToken(
  engine: Engine,
  id: string,
  text: string | undefined,
  operation: LeaseOperation,
): number {
  if (text === undefined) {
    const task = engine.get(id)
    if (task.lease === null) throw noLease(id, task.status, operation)
  }
  return parseToken(text)
}

/** Parse a fencing token (a positive integer). */
export function parseToken(text: string | undefined): number {
  if (text === undefined) {
    throw new TaskError(
      'InvalidInput',
      '--token is required: the fencing token printed by `tm claim`.',
    )
  }
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new TaskError(
      'InvalidInput',
      `--token: "${text}" is not a fencing token (a positive integer).`,
    )
  }
  return Number(text)
}

/** Parse a number option within bounds. */
export function parseNumber(
  text: string,
  flag: string,
  min: number,
  max: number,
  integer = false,
): number {
  const n = Number(text)
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new TaskError(
      'InvalidInput',
      `${flag}: "${text}" must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}.`,
    )
  }
  return n
}

/**
 * Wrap a command's action: run it, print its result (JSON or text), and map
 * errors to exit codes. `render` turns the result into human text. A result
 * with `warnings` (strings) keeps them in its JSON; in text mode each goes to
 * stderr as `tm: warning: …`, so stdout stays the result.
 */
export function action<A extends unknown[], R>(
  run: (g: Globals, ...args: A) => R | Promise<R>,
  render: (result: R, g: Globals) => string | undefined,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command
    const g = globals(cmd)
    try {
      const result = await run(g, ...args)
      if (g.json) printJson({ ok: true, ...(result as object) })
      else {
        const text = render(result, g)
        if (text) writeText(`${text}\n`)
        for (const warning of (result as { warnings?: unknown[] } | undefined)?.warnings ?? []) {
          process.stderr.write(escapeBlock(`tm: warning: ${String(warning)}\n`))
        }
      }
    } catch (err) {
      process.exitCode = reportError(err, g.json ?? false)
    } finally {
      for (const engine of openEngines) engine.store.close()
      openEngines = []
    }
  }
}

/**
 * Print an error (JSON on stdout with `--json`, text on stderr, escaped like
 * all text output) and return its exit code. A failure of the storage that
 * reached here without a code (a read-only file or full disk outside a write
 * transaction) is reported as `StorageError` on `dbPath` (default: the
 * database this command opened) with exit 6, never as an internal error
 * with a stack trace.
 */
export function reportError(
  err: unknown,
  json: boolean,
  dbPath = openEngines[0]?.store.driver.path ?? resolveDbPath(),
): number {
  if (isStorageFailure(err)) err = storageError(err, dbPath)
  if (isTaskError(err)) {
    if (json) printJson({ ok: false, error: err.toJSON() })
    else process.stderr.write(escapeBlock(`tm: ${err.message}\n`))
    return exitCodeFor(err.kind)
  }
  if (isClientError(err)) {
    // tm --github: the app's own refusals and the transport's failures.
    if (json) printJson({ ok: false, error: err.toJSON() })
    else process.stderr.write(escapeBlock(`tm: ${err.message}\n`))
    return exitCodeForClient(err.code)
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err)
  if (json) printJson({ ok: false, error: { code: 'Internal', message, details: {} } })
  else process.stderr.write(escapeBlock(`tm: internal error: ${message}\n`))
  return EXIT.internal
}
