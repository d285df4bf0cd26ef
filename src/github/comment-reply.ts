/**
 * The reply to a comment with commands, as one body: the commenter, then per
 * command (and per unreadable command line) its marker and sentence in the
 * order the comment wrote them, then a footer — the command list when a
 * command was unknown, and the config's error when the repository's file is
 * broken. The app gives the results; the words are
 * `./command-replies.ts` and `./refusal-replies.ts`, the fitting to GitHub's
 * limit `./replies.ts`. Pure: no HTTP, no database.
 */
import { type CommandResult, replyLine } from './command-replies.js'
import { type CommandError, commandHelp, type ParsedCommand } from './commands.js'
import { codeBlock } from './neutralise.js'
import { refusalOutcome } from './refusal-replies.js'
import { renderReply } from './replies.js'

/**
 * The result of a command line that could not be read (`UnknownCommand`,
 * `InvalidCommand`, or `UnreadableComment` for the whole comment), on task
 * `task`, answering comment `comment`.
 */
export function commandErrorResult(
  error: CommandError,
  task: string,
  comment: number,
): CommandResult {
  const said =
    error.code === 'unreadable'
      ? ({ kind: 'unreadable', error } as const)
      : ({ kind: 'invalid', raw: error.raw, error } as const)
  return { outcome: { ...refusalOutcome(error.command, task, said), comment }, said }
}

/**
 * The results of every command of a comment on an issue that is not a task
 * (`NotATask`; `taskLabel` makes it one), on task id `task`.
 */
export function notATaskResults(
  commands: readonly ParsedCommand[],
  task: string,
  taskLabel: string,
): CommandResult[] {
  return commands.map((c) => {
    const said = { kind: 'not-a-task', raw: c.raw, taskLabel } as const
    return { outcome: refusalOutcome(c.name, task, said), said }
  })
}

/** What the reply to a comment says (see {@link renderCommentReply}). */
export interface CommentReply {
  /** The commenter, mentioned first. */
  actor: string
  /** The commands' results, each with the comment line it answers (1-based). */
  results: readonly { line: number; result: CommandResult }[]
  /** True when a command was unknown: the command list goes in the footer. */
  unknownCommand?: boolean
  /** The error of the repository's config file, when broken (the last good one is in use). */
  configError?: string | null
}

/**
 * The reply's body: results in the comment's line order (a stable sort, so
 * commands and errors of one line keep theirs), then the footer; within
 * GitHub's limit (`renderReply`). Echoed text is neutralised by the
 * sentences; the config error is shown in a code block.
 */
export function renderCommentReply(reply: CommentReply): string {
  const lines = [...reply.results].sort((a, b) => a.line - b.line).map((x) => replyLine(x.result))
  const footer = [
    ...(reply.unknownCommand
      ? [`<details><summary>Commands</summary>\n\n${commandHelp()}\n\n</details>`]
      : []),
    ...(reply.configError
      ? [
          `⚠️ \`.github/task-orchestrator.yml\` has an error; the last good configuration (or the defaults) is in use:\n\n${codeBlock(reply.configError)}`,
        ]
      : []),
  ]
  return renderReply(reply.actor, lines, footer.length ? footer.join('\n\n') : undefined)
}

/** The reply to a comment on an issue that is not a task (no footer). */
export function renderNotATaskReply(actor: string, results: readonly CommandResult[]): string {
  return renderReply(actor, results.map(replyLine))
}
