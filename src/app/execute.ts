/**
 * Running the commands of one comment against the engine. Each command is
 * authorised (repository permission from the collaborator permission API, or
 * a listed agent), then run in its own savepoint, so a refused command
 * changes nothing while the others in the comment still apply. The result
 * says, per command, the outcome for the reply marker and what its sentence
 * says (as data: the words are `src/github/command-replies.ts` and
 * `refusal-replies.ts`), and what the mirror must update.
 */
import { isTaskError } from '../core/errors.js'
import type { ExpiredLease } from '../core/leases.js'
import type { CommandResult } from '../github/command-replies.js'
import type { ParsedCommand } from '../github/commands.js'
import type { Config } from '../github/config.js'
import type { Outcome } from '../github/markers.js'
import {
  authorize,
  hasPermission,
  normalizePermission,
  type PermissionLevel,
} from '../github/permissions.js'
import { type Refusal, refusalOutcome } from '../github/refusal-replies.js'
import type { AppDeps } from './deps.js'
import { runNext } from './next.js'
import { type CommandDeps, runCommand } from './run-command.js'
import type { RepoRef } from './runtime.js'

/** What running the commands of a comment changed. */
export interface Execution {
  /** One result per command, in the comment's order. */
  results: CommandResult[]
  /** Tasks whose issue and status comment must be mirrored. */
  touched: Set<string>
  /** A lease that ended, per task: its holder is unassigned by the mirror. */
  formerHolders: Map<string, string>
  /** Dependents that became pending (their checkbox for this task gets ticked). */
  unblocked: string[]
  /** True when something changed (a reply is due even if nothing was refused). */
  changed: boolean
  /** New issue bodies (e.g. `/depends-on` adds items to `### Depends on`). */
  bodies: Map<string, string>
  /** Leases `/next` found expired and ended before choosing: each gets its ⏰ notice. */
  expired: ExpiredLease[]
}

/** Where the commands of a comment run (see {@link executeCommands}). */
export interface CommentPlace {
  /**
   * False on an issue that is not a task (the dashboard): only `/next` runs
   * there, any other command is refused with `NotATask`.
   */
  onTask: boolean
  /**
   * Given when the comment was answered elsewhere (`answeredElsewhere`):
   * the `/next` outcomes of that answer, in order — each `/next` re-applies
   * its grant instead of choosing again (src/app/next.ts); none known: nothing.
   */
  replayNext?: Outcome[]
}

/**
 * Commands that only read (`/status`, `/metrics`): a reply always, but no
 * change, so no mirror pass and no dashboard refresh follow them.
 */
export const READ_ONLY_COMMANDS: ReadonlySet<string> = new Set(['status', 'metrics'])

/**
 * True when some command would be refused without the actor's repository
 * permission (so it must be looked up, before the transaction). Reads the
 * task's lease holder from the engine.
 */
export function needsPermission(
  deps: Pick<AppDeps, 'engine'>,
  taskId: string,
  actor: string,
  commands: ParsedCommand[],
  config: Config,
  onTask = true,
): boolean {
  const holder = onTask ? (deps.engine.get(taskId).lease?.holder ?? null) : null
  return commands.some(
    (c) =>
      (onTask || c.name === 'next') &&
      !authorize({ command: c.name, actor, permission: 'none', config, holder }).allowed,
  )
}

/**
 * Run `commands` written by `actor` (repository permission `level`) on the
 * issue of `taskId` in `r`, synchronously: call it inside the transaction
 * that also records the comment, so the comment's effects and the record
 * that it was handled commit together. Refusals are results (never thrown);
 * an error that is not the engine's refusal propagates.
 */
export function executeCommands(
  deps: CommandDeps,
  r: RepoRef,
  taskId: string,
  actor: string,
  commands: ParsedCommand[],
  config: Config,
  level: PermissionLevel,
  place: CommentPlace = { onTask: true },
): Execution {
  const out: Execution = {
    results: [],
    touched: new Set(place.onTask ? [taskId] : []),
    formerHolders: new Map(),
    unblocked: [],
    changed: false,
    bodies: new Map(),
    expired: [],
  }
  const replays = place.replayNext ? [...place.replayNext] : undefined
  const refuse = (command: ParsedCommand, refusal: Refusal) =>
    out.results.push({ outcome: refusalOutcome(command.name, taskId, refusal), said: refusal })
  for (const command of commands) {
    if (!place.onTask && command.name !== 'next') {
      refuse(command, { kind: 'not-a-task-here', raw: command.raw, command: command.name })
      continue
    }
    const holder =
      place.onTask && command.name !== 'next'
        ? (deps.engine.get(taskId).lease?.holder ?? null)
        : null
    const auth = authorize({ command: command.name, actor, permission: level, config, holder })
    if (!auth.allowed) {
      refuse(command, { kind: 'forbidden', raw: command.raw, reason: auth.reason })
      continue
    }
    try {
      const result = deps.engine.write(() =>
        command.name === 'next'
          ? runNext(
              deps,
              r,
              taskId,
              actor,
              command.persona,
              config,
              out,
              replays && (replays.shift() ?? null),
            )
          : runCommand(
              deps,
              r,
              taskId,
              actor,
              command,
              out,
              config,
              hasPermission(normalizePermission(level), config.permissions.override.level),
            ),
      )
      out.results.push(result)
      if (result.outcome.ok && !READ_ONLY_COMMANDS.has(command.name)) out.changed = true
      if (out.expired.length > 0) out.changed = true
    } catch (err) {
      if (!isTaskError(err)) throw err
      const d = err.details as { holder?: string; expires_at?: string }
      refuse(command, {
        kind: 'engine',
        raw: command.raw,
        code: err.code,
        reason: err.message,
        ...(d.holder ? { holder: d.holder } : {}),
        ...(d.expires_at ? { expires_at: d.expires_at } : {}),
      })
    }
  }
  return out
}
