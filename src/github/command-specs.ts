/**
 * Each command of the comment grammar (./commands.ts) on its own: its usage,
 * an example, what it does (the help reply) and the parser of its arguments
 * — the rest of its line, as written — into the fields of a
 * {@link ParsedCommand}, or a message saying what is wrong and how to write
 * it. Pure; nothing here talks to GitHub or the engine.
 */
import { DURATION_EXAMPLES, durationMsOrNull } from '../core/duration.js'
import { PERSONA_PATTERN, PRIORITIES, type Priority } from '../core/model.js'
import { COMMAND_NAMES, type CommandName } from './command-names.js'
import { type IssueRef, parseIssueReference, type RepoContext } from './references.js'

/** Where a command was found: 1-based line in the comment and the line as written (trimmed). */
export interface At {
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

type ArgsOf<N extends CommandName> = Omit<
  Extract<ParsedCommand, { name: N }>,
  'name' | 'line' | 'raw'
>

interface Spec<N extends CommandName> {
  usage: string
  example: string
  summary: string
  /** Arguments, or a message saying what is wrong (without the usage, added by {@link parseArguments}). */
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

/** The arguments of some command: the fields of a {@link ParsedCommand} other than `name`, `line` and `raw`. */
export type CommandArguments = { [N in CommandName]: ArgsOf<N> }[CommandName]

/**
 * The arguments of command `name` read from `args` (the rest of its line,
 * trimmed); `context` resolves issue references (`/depends-on #12`). Returns
 * the arguments, or — when they are wrong — a message saying what is wrong
 * followed by the command's usage and an example (`/block needs a reason.
 * Use \`/block reason…\`, e.g. \`/block Waiting for the design review\`.`).
 * Never throws.
 */
export function parseArguments(
  name: CommandName,
  args: string,
  context: RepoContext,
): CommandArguments | string {
  const spec = SPECS[name] as Spec<CommandName>
  const result = spec.parse(args, context)
  if (typeof result === 'string') {
    return `${result} Use \`${spec.usage}\`, e.g. \`${spec.example}\`.`
  }
  return result as CommandArguments
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
