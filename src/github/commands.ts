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
import { DURATION_EXAMPLES, durationMsOrNull } from '../core/duration.js'
import { TaskError } from '../core/errors.js'
import { PERSONA_PATTERN, PRIORITIES, type Priority } from '../core/model.js'
import { commandLines, lineStarts, MAX_COMMENT_CHARS, PARSE_LIMITS } from './command-lines.js'
import { MAX_NESTING } from './comment-blocks.js'
import { type IssueRef, parseIssueReference, type RepoContext } from './references.js'

/**
 * Every command word, in the order of the help text — the one list of
 * commands: the permission rules (`config.ts` `COMMANDS`, see
 * {@link RULED_COMMANDS}), the help reply and the "did you mean" suggestions
 * all come from it.
 */
export const COMMAND_NAMES = [
  'claim',
  'next',
  'heartbeat',
  'release',
  'done',
  'fail',
  'block',
  'unblock',
  'reopen',
  'progress',
  'feedback',
  'approve',
  'join',
  'share',
  'ask',
  'answer',
  'depends-on',
  'priority',
  'persona',
  'metrics',
  'status',
] as const

export type CommandName = (typeof COMMAND_NAMES)[number]

/**
 * Commands that are authorised by another command's permission rule:
 * `/next` claims a task, so the `claim` rule decides who may run it (a
 * repository that restricts claiming restricts `/next` with it).
 */
export const RULE_OF = { next: 'claim' } as const satisfies Partial<
  Record<CommandName, CommandName>
>

/** A command with a permission rule of its own (every command but those of {@link RULE_OF}). */
export type RuledCommand = Exclude<CommandName, keyof typeof RULE_OF>

/** The commands with a permission rule of their own, in help order (`config.ts` `COMMANDS`). */
export const RULED_COMMANDS: readonly RuledCommand[] = COMMAND_NAMES.filter(
  (name): name is RuledCommand => !Object.hasOwn(RULE_OF, name),
)

/** The permission rule that decides who may run `name`: its own, or the one {@link RULE_OF} names. */
export function ruleOf(name: CommandName): RuledCommand {
  return Object.hasOwn(RULE_OF, name)
    ? RULE_OF[name as keyof typeof RULE_OF]
    : (name as RuledCommand)
}

/** Where a command was found: 1-based line in the comment and the line as written (trimmed). */
interface At {
  line: number
  raw: string
}

/** A feedback rating: 1 (poor) to 5 (excellent). */
export type Rating = 1 | 2 | 3 | 4 | 5

/**
 * A command read from a comment, discriminated by `name`. Optional arguments
 * are absent when not given. Free text (summary, reason, message, notes,
 * question, text, value) is the rest of the line as written.
 */
export type ParsedCommand = At &
  (
    | { name: 'claim'; ttl?: string; ttlMs?: number }
    | { name: 'next'; persona?: string }
    | { name: 'heartbeat' }
    | { name: 'release' }
    | { name: 'done'; summary?: string }
    | { name: 'fail'; reason?: string }
    | { name: 'block'; reason: string }
    | { name: 'unblock' }
    | { name: 'reopen' }
    | { name: 'progress'; percent: number; message?: string }
    | { name: 'feedback'; quality: Rating; timeliness: Rating; notes?: string }
    | { name: 'join'; role?: string }
    | { name: 'depends-on'; refs: IssueRef[] }
    | { name: 'priority'; priority: Priority }
    | { name: 'persona'; persona: string }
    | { name: 'status' }
    | { name: 'ask'; user: string; question: string }
    | { name: 'answer'; text: string }
    | { name: 'approve' }
    | { name: 'share'; key: string; value: string }
    | { name: 'metrics' }
  )

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

type ArgsOf<N extends CommandName> = Omit<
  Extract<ParsedCommand, { name: N }>,
  'name' | 'line' | 'raw'
>

interface Spec<N extends CommandName> {
  usage: string
  example: string
  summary: string
  /** Arguments, or a message saying what is wrong (without the usage, added by the caller). */
  parse: (args: string, context: RepoContext) => ArgsOf<N> | string
}

const noArgs = (): Record<string, never> => ({})
const optionalText = <K extends string>(key: K, args: string): { [P in K]?: string } =>
  (args ? { [key]: args } : {}) as { [P in K]?: string }

/**
 * Milliseconds of a lease TTL for `/claim`: a duration of the one grammar of
 * every front door (`core/duration.ts`: `90s`, `45m`, `2h`, `1h30m`, `1.5h`,
 * `2 days`) above zero; `null` when `text` is not one, or is zero.
 */
export function parseTtl(text: string): number | null {
  const ms = durationMsOrNull(text)
  return ms !== null && ms > 0 ? ms : null
}

/** The first blank-separated word of `args` and the rest (trimmed). */
function splitFirst(args: string): [string, string] {
  const m = /^(\S+)(?:\s+([\s\S]*))?$/.exec(args)
  return m ? [m[1] ?? '', (m[2] ?? '').trim()] : ['', '']
}

function parseRating(key: string, value: string): Rating | string {
  if (!/^[1-5]$/.test(value)) {
    return `${key}=${value || '(nothing)'} is not a rating; ratings are whole numbers from 1 to 5.`
  }
  return Number(value) as Rating
}

const SPECS: { [N in CommandName]: Spec<N> } = {
  claim: {
    usage: '/claim [ttl]',
    example: '/claim 2h',
    summary: 'take the task under a lease (ttl like 90s, 45m, 2h; default from config)',
    parse: (args) => {
      if (!args) return {}
      const ttlMs = parseTtl(args)
      if (ttlMs === null) {
        if (durationMsOrNull(args) === 0) return `"${args}" is no time; a lease lasts at least 1s.`
        return /\s/.test(args) && durationMsOrNull(args.split(/\s+/)[0]) !== null
          ? `"${args}" is not a lease TTL; /claim takes at most one duration.`
          : `"${args}" is not a duration; use ${DURATION_EXAMPLES}.`
      }
      return { ttl: args, ttlMs }
    },
  },
  next: {
    usage: '/next [persona]',
    example: '/next reviewer',
    summary:
      'claim the best claimable task for you, on the dashboard or any task (your personas from the config, or the one named; then priority, deadline, age)',
    parse: (args) => {
      if (!args) return {}
      const persona = args.toLowerCase()
      return PERSONA_PATTERN.test(persona)
        ? { persona }
        : `"${args}" is not a persona name; a name is one word of letters, digits, - or _ starting with a letter (at most 40).`
    },
  },
  heartbeat: {
    usage: '/heartbeat',
    example: '/heartbeat',
    summary: 'keep your lease alive',
    parse: noArgs,
  },
  release: {
    usage: '/release',
    example: '/release',
    summary: 'give the task back (it returns to pending)',
    parse: noArgs,
  },
  done: {
    usage: '/done [summary…]',
    example: '/done Added the login endpoint and its tests',
    summary: 'complete the task; the summary is handed to dependent tasks',
    parse: (args) => optionalText('summary', args),
  },
  fail: {
    usage: '/fail [reason…]',
    example: '/fail The upstream API is gone',
    summary: 'give up on the task (counts an attempt)',
    parse: (args) => optionalText('reason', args),
  },
  block: {
    usage: '/block reason…',
    example: '/block Waiting for the design review',
    summary: 'mark the task blocked by hand',
    parse: (args) => (args ? { reason: args } : '/block needs a reason.'),
  },
  unblock: {
    usage: '/unblock',
    example: '/unblock',
    summary: 'lift a block set by hand',
    parse: noArgs,
  },
  reopen: {
    usage: '/reopen',
    example: '/reopen',
    summary:
      'bring a failed, completed or cancelled task back to pending (attempts reset, history kept)',
    parse: noArgs,
  },
  progress: {
    usage: '/progress <0-100> [message…]',
    example: '/progress 50 tests written',
    summary: 'report progress in percent',
    parse: (args) => {
      const [first, rest] = splitFirst(args)
      if (!first) return '/progress needs a percentage.'
      const m = /^(\d{1,3})%?$/.exec(first)
      const percent = m ? Number(m[1]) : Number.NaN
      if (!(percent >= 0 && percent <= 100)) {
        return `"${first}" is not a percentage from 0 to 100.`
      }
      return { percent, ...optionalText('message', rest) }
    },
  },
  feedback: {
    usage: '/feedback quality=<1-5> timeliness=<1-5> [notes…]',
    example: '/feedback quality=4 timeliness=5 Clear summary',
    summary: 'rate the finished work',
    parse: (args) => {
      const ratings: { quality?: Rating; timeliness?: Rating } = {}
      let rest = args
      for (;;) {
        const m = /^([A-Za-z_]+)=(\S*)(?:\s+|$)/.exec(rest)
        if (!m) break
        const key = (m[1] ?? '').toLowerCase()
        if (key !== 'quality' && key !== 'timeliness') {
          return `"${m[1]}" is not a rating; the ratings are quality and timeliness.`
        }
        if (ratings[key] !== undefined) return `${key} is given twice.`
        const rating = parseRating(key, m[2] ?? '')
        if (typeof rating === 'string') return rating
        ratings[key] = rating
        rest = rest.slice(m[0].length)
      }
      const missing = (['quality', 'timeliness'] as const).filter((k) => ratings[k] === undefined)
      if (missing.length > 0) return `/feedback needs ${missing.map((k) => `${k}=`).join(' and ')}.`
      return {
        quality: ratings.quality as Rating,
        timeliness: ratings.timeliness as Rating,
        ...optionalText('notes', rest.trim()),
      }
    },
  },
  join: {
    usage: '/join [role]',
    example: '/join reviewer',
    summary: 'join the task as a participant, optionally in a role',
    parse: (args) => {
      if (!args) return {}
      const role = args.toLowerCase()
      return PERSONA_PATTERN.test(role)
        ? { role }
        : `"${args}" is not a role; a role is one word of letters, digits, - or _ (at most 40).`
    },
  },
  'depends-on': {
    usage: '/depends-on #N…',
    example: '/depends-on #12 octo/api#7',
    summary: 'add dependencies (#12, owner/repo#7 or issue URLs)',
    parse: (args, context) => {
      const tokens = args.split(/[\s,]+/).filter((t) => t !== '')
      if (tokens.length === 0) return '/depends-on needs at least one issue reference.'
      const refs: IssueRef[] = []
      const bad: string[] = []
      for (const token of tokens) {
        const ref = parseIssueReference(token, context)
        if (!ref) bad.push(token)
        else if (
          !refs.some(
            (r) =>
              r.number === ref.number &&
              r.owner.toLowerCase() === ref.owner.toLowerCase() &&
              r.repo.toLowerCase() === ref.repo.toLowerCase(),
          )
        ) {
          refs.push(ref)
        }
      }
      if (bad.length > 0) {
        return `${bad.map((b) => `"${b}"`).join(', ')} ${bad.length === 1 ? 'is not an issue reference' : 'are not issue references'}; write #12, owner/repo#7 or an issue URL.`
      }
      return { refs }
    },
  },
  priority: {
    usage: `/priority <${PRIORITIES.join('|')}>`,
    example: '/priority high',
    summary: 'set the priority',
    parse: (args) => {
      if (!args) return '/priority needs a level.'
      const level = args.toLowerCase()
      return (PRIORITIES as readonly string[]).includes(level)
        ? { priority: level as Priority }
        : `"${args}" is not a priority; the levels are ${PRIORITIES.join(', ')}.`
    },
  },
  persona: {
    usage: '/persona <name>',
    example: '/persona reviewer',
    summary: 'set the kind of agent that should do the task',
    parse: (args) => {
      if (!args) return '/persona needs a name.'
      const persona = args.toLowerCase()
      return PERSONA_PATTERN.test(persona)
        ? { persona }
        : `"${args}" is not a persona name; a name is one word of letters, digits, - or _ starting with a letter (at most 40).`
    },
  },
  status: {
    usage: '/status',
    example: '/status',
    summary: 'show the task status',
    parse: noArgs,
  },
  ask: {
    usage: '/ask @user question…',
    example: '/ask @octocat Which endpoint should this call?',
    summary: 'ask someone a question about the task',
    parse: (args) => {
      const [first, question] = splitFirst(args)
      const m = /^@([A-Za-z0-9][A-Za-z0-9_-]*(?:\[bot\])?)$/.exec(first)
      if (!m) return first ? `"${first}" is not a @login.` : '/ask needs a @login and a question.'
      if (!question) return '/ask needs a question after the @login.'
      return { user: m[1] ?? '', question }
    },
  },
  answer: {
    usage: '/answer text…',
    example: '/answer Use the v2 endpoint',
    summary: 'answer an open question',
    parse: (args) => (args ? { text: args } : '/answer needs the answer text.'),
  },
  approve: {
    usage: '/approve',
    example: '/approve',
    summary: 'approve the result of a task that requires approval',
    parse: noArgs,
  },
  share: {
    usage: '/share key: value',
    example: '/share api_base: https://api.example.com',
    summary: 'share a value with everyone working on the task',
    parse: (args) => {
      const m = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*:\s*(.*)$/.exec(args)
      if (!m) {
        return args
          ? `"${args}" is not "key: value"; a key is letters, digits, _, . or - starting with a letter or _.`
          : '/share needs a key and a value.'
      }
      const value = (m[2] ?? '').trim()
      if (!value) return `/share ${m[1]}: needs a value after the colon.`
      return { key: m[1] ?? '', value }
    },
  },
  metrics: {
    usage: '/metrics',
    example: '/metrics',
    summary: 'show the task and agent metrics',
    parse: noArgs,
  },
}

/** Letters of the longest command word. */
const LONGEST_NAME = Math.max(...COMMAND_NAMES.map((name) => name.length))

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent swaps):
 * `clam`→`claim` is 1, `hearbteat`→`heartbeat` is 1.
 */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[] = new Array(rows * cols).fill(0)
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0
  for (let i = 0; i < rows; i++) d[i * cols] = i
  for (let j = 0; j < cols; j++) d[j] = j
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, at(i - 2, j - 2) + 1)
      }
      d[i * cols + j] = v
    }
  }
  return at(a.length, b.length)
}

/**
 * The known command closest to `word`: within edit distance 1 (words of up
 * to 4 letters) or 2 (longer words), or the only command that `word` (3+
 * letters) is a prefix of. `undefined` when nothing is close.
 */
export function suggestCommand(word: string): CommandName | undefined {
  const w = word.toLowerCase()
  const limit = w.length <= 4 ? 1 : 2
  // The distance is at least the difference in length: a long word is close to nothing.
  if (w.length > LONGEST_NAME + limit) return undefined
  let best: CommandName | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const name of COMMAND_NAMES) {
    const distance = editDistance(w, name)
    if (distance <= limit && distance < bestDistance) {
      best = name
      bestDistance = distance
    }
  }
  if (best) return best
  const prefixed = COMMAND_NAMES.filter((name) => w.length >= 3 && name.startsWith(w))
  return prefixed.length === 1 ? prefixed[0] : undefined
}

/** Line `n` (1-based) of `text`, without its line ending. */
function lineText(text: string, starts: number[], n: number): string {
  const start = starts[n - 1] ?? text.length
  const end = starts[n] ?? text.length
  return text.slice(start, end).replace(/\r?\n$|\r$/, '')
}

export { MAX_COMMENT_CHARS, MAX_NESTING, PARSE_LIMITS }

const COMMAND_LINE = /^\/([A-Za-z](?:[A-Za-z-]*[A-Za-z])?)(?:[ \t\u00a0]+([\s\S]*))?$/

function isCommandName(word: string): word is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(word)
}

function parseOne(
  name: CommandName,
  args: string,
  at: At,
  context: RepoContext,
): ParsedCommand | CommandError {
  const spec = SPECS[name] as Spec<CommandName>
  const result = spec.parse(args, context)
  if (typeof result === 'string') {
    return {
      code: 'invalid',
      ...at,
      command: name,
      message: `${result} Use \`${spec.usage}\`, e.g. \`${spec.example}\`.`,
    }
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

/** Usage line of a command, e.g. `/claim [ttl]`. */
export function commandUsage(name: CommandName): string {
  return SPECS[name].usage
}

/**
 * The command reference as Markdown, used in the help reply: one list item
 * per command with its usage, what it does and an example, and the line rule.
 */
export function commandHelp(): string {
  const items = COMMAND_NAMES.map((name) => {
    const spec = SPECS[name] as Spec<CommandName>
    const example = spec.example === spec.usage ? '' : ` (e.g. \`${spec.example}\`)`
    return `- \`${spec.usage}\` — ${spec.summary}${example}`
  })
  return [
    'Commands go one per line, each line starting with the command, outside code blocks, inline code and quotes:',
    '',
    ...items,
    '',
    'Arguments end at the end of the line. Write `\\/claim` or `` `/claim` `` to mention a command without running it.',
  ].join('\n')
}
