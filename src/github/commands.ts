/**
 * The comment command grammar (DESIGN.md "On GitHub", "Comment commands").
 *
 * What counts as a command — the rule, exactly:
 *
 * 1. The comment is parsed as GitHub-flavoured Markdown (mdast, micromark GFM).
 *    Only text in paragraphs is read: fenced and indented code blocks, block
 *    quotes (at any depth, including lazy continuation lines of a quote), HTML
 *    blocks and comments, headings and tables never hold commands.
 * 2. A command line is a source line of such a paragraph whose first
 *    non-blank character is a `/` that belongs to plain paragraph text (not
 *    to inline code, an inline HTML comment, a link, emphasis …) and that
 *    matches `/word` where `word` is `[A-Za-z][A-Za-z-]*`, followed by a space,
 *    a tab or the end of the line. The word is case-insensitive (`/Claim` is
 *    `/claim`, for phones that capitalise).
 * 3. So `/etc/hosts`, `/usr/bin/env`, `/done.` and `/ some text` are not
 *    commands; `- /claim` (a list item) and `see /claim` (mid-sentence) are not
 *    either, while a paragraph's continuation line `/claim` is. Write `\/claim`
 *    or `` `/claim` `` to mention a command without running it.
 * 4. Arguments are the rest of that source line (as written, Markdown and
 *    all), trailing blanks removed. One command per line, any number of lines.
 * 5. A `/word` that is not a known command is reported as an `unknown` error
 *    (with a "did you mean" suggestion when it is close to a known one), so a
 *    lone path like `/tmp` on its own line gets a help reply; escape it.
 *
 * 6. Bounds (issue 14): a comment is read in one linear pass
 *    (./comment-blocks.ts) that finds the block structure and the paragraphs
 *    holding a line starting with `/` and a letter (a candidate). A comment
 *    with no candidate costs no parse at all. Most candidates are decided
 *    from the block structure alone (./command-lines.ts): the first line of
 *    a paragraph, and a later line when nothing before it in its paragraph
 *    can open an inline construct that spans lines (`` ` `` `*` `_` `~` `[`
 *    `<`) — so consecutive command lines with arguments of any length and
 *    punctuation are always read. Only paragraphs with other candidates are
 *    given to the Markdown parser, at most {@link PARSE_LIMITS} (4,096
 *    characters, 100 lines, 256 Markdown punctuation marks of which 16
 *    brackets) in all; a candidate line of a paragraph beyond them is not
 *    run and gets its own `unreadable` error saying how to write it, while
 *    the other lines are read as usual. A comment is not read at all — no
 *    command in it runs, and it gets one `unreadable` error saying which
 *    limit — when it is longer than GitHub's 65,536 characters, or when
 *    lists and block quotes nest more than {@link MAX_NESTING} levels
 *    anywhere in it. So any comment is read in a bounded time
 *    (bench/comments.bench.ts: ≤ 50 ms at 65,536 characters, any shape).
 *
 * Commands that take no arguments ignore any text after them (it stays in
 * `raw`). Parsing is pure: nothing here talks to GitHub or the engine.
 */
import { TaskError } from '../core/errors.js'
import { commandLines, lineStarts, MAX_COMMENT_CHARS, PARSE_LIMITS } from './command-lines.js'
import { COMMAND_NAMES, type CommandName, isCommandName, suggestCommand } from './command-names.js'
import { type At, type ParsedCommand, parseArguments } from './command-specs.js'
import { MAX_NESTING } from './comment-blocks.js'
import type { RepoContext } from './references.js'

// The grammar's public face, from the modules that hold each part: the command
// words (./command-names.ts), each command's usage and argument parser
// (./command-specs.ts), and the bounds (./command-lines.ts, ./comment-blocks.ts).
export {
  COMMAND_NAMES,
  type CommandName,
  RULE_OF,
  RULED_COMMANDS,
  type RuledCommand,
  ruleOf,
  suggestCommand,
} from './command-names.js'
export {
  commandHelp,
  commandUsage,
  type ParsedCommand,
  parseTtl,
  type Rating,
} from './command-specs.js'
export { MAX_COMMENT_CHARS, MAX_NESTING, PARSE_LIMITS }

/**
 * A command line that could not be read. `code` is `unknown` for a command
 * word that does not exist (then `suggestion` may name the closest one),
 * `invalid` for a known command with bad arguments, and `unreadable` for
 * what could not be read within the bounds (rule 6): either one candidate
 * line whose paragraph needed a Markdown parse beyond {@link PARSE_LIMITS}
 * (the line is not run, the others are read as usual; `message` names the
 * line), or a comment not read at all (longer than
 * {@link MAX_COMMENT_CHARS} or nested deeper than {@link MAX_NESTING}: then
 * it is the only error, there are no commands, `command` is empty and `raw`
 * is the start of the line where the limit was passed, at most 60
 * characters and `…`). `command` is the word as read, lower-cased, without
 * the `/`. `message` says what is wrong and gives the correct form.
 */
export interface CommandError {
  code: 'unknown' | 'invalid' | 'unreadable'
  line: number
  raw: string
  command: string
  message: string
  suggestion?: CommandName
}

/** Result of {@link parseComment}: commands and errors, each in line order. */
export interface ParsedComment {
  commands: ParsedCommand[]
  errors: CommandError[]
}

/** Line `n` (1-based) of `text`, without its line ending. */
function lineText(text: string, starts: number[], n: number): string {
  const start = starts[n - 1] ?? text.length
  const end = starts[n] ?? text.length
  return text.slice(start, end).replace(/\r?\n$|\r$/, '')
}

const COMMAND_LINE = /^\/([A-Za-z](?:[A-Za-z-]*[A-Za-z])?)(?:[ \t\u00a0]+([\s\S]*))?$/

function parseOne(
  name: CommandName,
  args: string,
  at: At,
  context: RepoContext,
): ParsedCommand | CommandError {
  const result = parseArguments(name, args, context)
  if (typeof result === 'string') {
    return { code: 'invalid', ...at, command: name, message: result }
  }
  return { name, ...at, ...result } as ParsedCommand
}

/**
 * Command lines read from one comment, at most; the rest get one
 * `unreadable` error naming the first line left out. Every command is a
 * transaction and a line of the reply, so thousands in one comment would hold
 * the event loop (and the reply) far beyond what any person or agent needs.
 */
export const MAX_COMMAND_LINES = 300

/**
 * Read the commands of a comment body (see the module comment for the rule).
 *
 * `context` is the repository of the issue the comment is on: `/depends-on #12`
 * resolves to it, and its `host` (GitHub Enterprise Server) is accepted in
 * issue URLs. Without it, `#12` resolves to owner `''` and repository `''`.
 *
 * Returns `{ commands, errors }`, each in line order; a line yields either a
 * command or an error. Never throws.
 */
export function parseComment(
  body: string,
  context: RepoContext = { owner: '', repo: '' },
): ParsedComment {
  const commands: ParsedCommand[] = []
  const errors: CommandError[] = []
  const starts = lineStarts(body)
  const found = commandLines(body)
  if (!('lines' in found)) {
    const raw = lineText(body, starts, found.line).trim()
    errors.push({
      code: 'unreadable',
      line: found.line,
      raw: raw.length > 60 ? `${raw.slice(0, 60)}…` : raw,
      command: '',
      message: `This comment was not read: ${found.message}. Nothing in it was run.`,
    })
    return { commands, errors }
  }
  const unread = new Map(found.unread.map((u) => [u.line, u.reason]))
  const candidates = [...found.lines, ...unread.keys()].sort((a, b) => a - b)
  if (candidates.length > MAX_COMMAND_LINES) {
    const first = candidates[MAX_COMMAND_LINES] ?? 0
    const left = candidates.length - MAX_COMMAND_LINES
    const raw = lineText(body, starts, first).trim()
    errors.push({
      code: 'unreadable',
      line: first,
      raw: raw.length > 60 ? `${raw.slice(0, 60)}…` : raw,
      command: '',
      message: `Only the first ${MAX_COMMAND_LINES} command lines of a comment are read: line ${first} and the ${left - 1} after it were not run. Split them over several comments.`,
    })
    candidates.length = MAX_COMMAND_LINES
  }
  for (const n of candidates) {
    const raw = lineText(body, starts, n).trim()
    const m = COMMAND_LINE.exec(raw)
    if (!m) continue
    const word = (m[1] ?? '').toLowerCase()
    const args = (m[2] ?? '').trim()
    const at: At = { line: n, raw }
    const reason = unread.get(n)
    if (reason !== undefined) {
      errors.push({
        code: 'unreadable',
        ...at,
        command: word,
        message: `Line ${n} (/${word}) was not read: ${reason}`,
      })
      continue
    }
    if (!isCommandName(word)) {
      const suggestion = suggestCommand(word)
      errors.push({
        code: 'unknown',
        ...at,
        command: word,
        message: `Unknown command /${word}.${suggestion ? ` Did you mean /${suggestion}?` : ''} Commands: ${COMMAND_NAMES.map((c) => `/${c}`).join(', ')}.`,
        ...(suggestion ? { suggestion } : {}),
      })
      continue
    }
    const parsed = parseOne(word, args, at, context)
    if ('code' in parsed) errors.push(parsed)
    else commands.push(parsed)
  }
  return { commands, errors }
}

/**
 * The {@link TaskError} for a command error: code `InvalidInput`, the same
 * message, and `{ command, line, raw, reason }` (`reason` is `unknown` or
 * `invalid`) plus `suggestion` in `details`.
 */
export function commandErrorToTaskError(error: CommandError): TaskError {
  return new TaskError('InvalidInput', error.message, {
    command: error.command,
    line: error.line,
    raw: error.raw,
    reason: error.code,
    ...(error.suggestion ? { suggestion: error.suggestion } : {}),
  })
}
