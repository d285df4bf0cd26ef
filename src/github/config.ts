/**
 * The repository configuration of the GitHub app, `.github/task-orchestrator.yml`
 * (DESIGN "On GitHub", "Configuration"): lease policy, label names, the agents
 * that may act without a repository permission, and the permission each
 * command needs. Validated with zod; every key has a default, unknown keys are
 * errors, and a bad file is refused with a message naming the file, the field,
 * its line and what was expected — never replaced by a silent default.
 *
 * The JSON Schema for editors (`schema/task-orchestrator.schema.json`) is
 * generated from the same zod schema by {@link configJsonSchema}; the reference
 * is `docs/config.md`.
 */
import ms from 'ms'
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml'
import * as z from 'zod'
import { TaskError } from '../core/errors.js'
import { PERSONA_PATTERN } from '../core/model.js'
import { formatDuration, LEASE_TTL_CEILING_MS } from '../core/settings.js'
import type { EngineSettings } from '../core/tasks.js'
import type { CommandName as GrammarCommand } from './commands.js'

/** Where the app reads the configuration from, in the repository. */
export const CONFIG_PATH = '.github/task-orchestrator.yml'

/** Repository permission levels a command may require (lowest first). */
export const REPO_PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const
export type RepoPermission = (typeof REPO_PERMISSIONS)[number]

/**
 * The comment commands the app acts on, without the leading `/` — each has a
 * permission rule. A subset of the grammar's words (`commands.ts`
 * `COMMAND_NAMES`, which also parses commands not available yet); the type
 * check below keeps it one.
 */
export const COMMANDS = [
  'claim',
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
export type CommandName = (typeof COMMANDS)[number]
// Compile-time: every command with a rule is a word of the grammar.
const _commandsAreGrammar: readonly GrammarCommand[] = COMMANDS
void _commandsAreGrammar

/**
 * Rules for what people do by hand on GitHub (docs/config.md "permissions"):
 * `track` — making an issue with the task label a task (opening, labelling or
 * editing it); `close` — completing by hand (closing as completed, or the
 * `status: completed` label); `cancel` — closing as not planned, or the
 * `status: cancelled` label; `reopen` — reopening a finished task (the issue,
 * or a status label); `edit_criteria`, `edit_claimed_criteria` (while the task
 * is held under a lease), `edit_dependencies`, `edit_subtasks` — changing those
 * sections of the issue body.
 */
export const MANUAL_RULES = [
  'track',
  'close',
  'cancel',
  'reopen',
  'edit_criteria',
  'edit_claimed_criteria',
  'edit_dependencies',
  'edit_subtasks',
] as const
export type ManualRule = (typeof MANUAL_RULES)[number]

/** What each rule of {@link MANUAL_RULES} allows, for descriptions and replies. */
export const MANUAL_RULE_WHAT: { readonly [R in ManualRule]: string } = {
  track: 'making an issue with the task label a task (opening, labelling or editing it)',
  close:
    'completing a task by hand (closing its issue as completed, or the status: completed label)',
  cancel:
    'cancelling a task by hand (closing its issue as not planned, or the status: cancelled label)',
  reopen: 'reopening a finished task (/reopen, reopening its issue, or a status label)',
  edit_criteria: 'changing the success criteria in the issue body',
  edit_claimed_criteria:
    'changing the success criteria in the issue body while the task is held under a lease',
  edit_dependencies: 'changing the Depends on list in the issue body',
  edit_subtasks: 'changing the Subtasks list in the issue body',
}

/**
 * Everything `permissions` has a rule for: the commands, and `override` —
 * acting on a lease someone else holds (`/release`, `/heartbeat`, `/done`,
 * `/fail` by a non-holder).
 */
/**
 * Rules beyond the commands: `override` — acting on a lease someone else
 * holds; `confirm` — ticking a manual success criterion in the issue body so
 * that it counts for the completion gate; and the manual edits a person makes
 * on GitHub instead of a command (see {@link MANUAL_RULES}).
 */
const ALL_RULES = [...COMMANDS, 'override', 'confirm', ...MANUAL_RULES] as const
export type PermissionRule = (typeof ALL_RULES)[number]
/**
 * Every rule once: `reopen` is both a command (`/reopen`) and a manual rule
 * (reopening the issue): one rule for both, since they do the same thing.
 */
export const PERMISSION_RULES: readonly PermissionRule[] = [...new Set(ALL_RULES)]

/** Who may run one command: a minimum repository permission, or being a listed agent. */
export interface CommandPermission {
  /** Minimum repository permission (collaborator permission API). */
  level: RepoPermission
  /** May a login listed under `agents` run it without that permission? */
  agents: boolean
}

/** An agent (bot or AI) allowed to act without a repository permission. */
export interface AgentConfig {
  /** GitHub login, e.g. `octocat` or `my-app[bot]`; compared case-insensitively. */
  login: string
  /** Personas it works as (lowercase, e.g. `reviewer`); may be empty. */
  personas: string[]
  /** Leases it may hold at once. */
  capacity: number
}

/** The parsed `.github/task-orchestrator.yml`, defaults applied. Durations stay text (`30m`). */
export interface Config {
  /** The label that makes an issue a task. */
  task_label: string
  lease: {
    /** TTL granted by `/claim` without an argument and by `/heartbeat`. */
    ttl: string
    /** Longest TTL `/claim <ttl>` may ask for. */
    max_ttl: string
    /** After a lease expires, the task is unclaimable for this long. */
    lock_delay: string
    /** Expiries/failures before a task is `failed` and labelled for a person. */
    max_attempts: number
    /** How often the server sweeps expired leases. */
    sweep_interval: string
    /** Refuse a /claim of a task with a persona by someone not listed under agents with it. */
    enforce_personas: boolean
  }
  labels: {
    status_prefix: string
    priority_prefix: string
    persona_prefix: string
    needs_person: string
    needs_answer: string
    requires_approval: string
  }
  agents: AgentConfig[]
  permissions: Record<PermissionRule, CommandPermission>
  replies: {
    /** React to every command the app reads (a receipt for the commenter). */
    reactions: boolean
  }
  /** The dashboard issue the app keeps up to date (docs/dashboard.md). */
  dashboard: {
    enabled: boolean
    /** Title of the dashboard issue. */
    title: string
  }
  /** The completion gate (docs/gate.md). */
  gate: {
    /**
     * Slug of the GitHub App whose `Task criteria` check runs carry verdicts
     * (`check_run.app.slug`); check runs of any other app are ignored.
     * Default `github-actions`: the gate Action run with a workflow's `GITHUB_TOKEN`.
     */
    app: string
  }
}

/** Rules whose default does not let listed agents run them without the permission. */
const HUMAN_ONLY: ReadonlySet<PermissionRule> = new Set([
  'reopen',
  'feedback',
  'approve',
  'override',
  'confirm',
  'edit_criteria',
  'edit_claimed_criteria',
])
/** Rules that default to `maintain` instead of `write`. */
const MAINTAIN: ReadonlySet<PermissionRule> = new Set([
  'reopen',
  'feedback',
  'approve',
  'override',
  'edit_claimed_criteria',
])

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

/**
 * The configuration used when the file is absent or empty (deep-frozen; clone
 * before changing). `parseConfig('')` returns an equal, unfrozen copy.
 */
export const DEFAULT_CONFIG: Config = deepFreeze({
  task_label: 'task',
  lease: {
    ttl: '30m',
    max_ttl: '4h',
    lock_delay: '0s',
    max_attempts: 3,
    sweep_interval: '1m',
    enforce_personas: false,
  },
  labels: {
    status_prefix: 'status: ',
    priority_prefix: 'priority: ',
    persona_prefix: 'persona: ',
    needs_person: 'needs: person',
    needs_answer: 'needs: answer',
    requires_approval: 'requires approval',
  },
  agents: [],
  permissions: Object.fromEntries(
    PERMISSION_RULES.map((rule) => [
      rule,
      { level: MAINTAIN.has(rule) ? 'maintain' : 'write', agents: !HUMAN_ONLY.has(rule) },
    ]),
  ) as Record<PermissionRule, CommandPermission>,
  replies: { reactions: true },
  dashboard: { enabled: false, title: 'Task board' },
  gate: { app: 'github-actions' },
})

/**
 * A duration: a non-negative number and a unit (`ms`, `s`, `m`, `h`, `d`, `w`
 * and their long forms, lowercase), as the `ms` package reads it. A bare number
 * is refused: `ttl: 30` would be 30 milliseconds, which nobody means.
 */
export const DURATION_PATTERN =
  /^(?:\d+(?:\.\d+)?|\.\d+) ?(?:ms|msecs?|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/

const DURATION_EXPECTED = 'expected a duration: a number and a unit, e.g. 90s, 30m, 4h'

/**
 * Milliseconds in a duration such as `90s`, `30m`, `4h`, `1.5h`, `2 days`
 * (see {@link DURATION_PATTERN}).
 *
 * @throws TaskError('InvalidInput') when `text` is not such a duration.
 */
export function durationMs(text: string): number {
  if (typeof text !== 'string' || !DURATION_PATTERN.test(text)) {
    throw new TaskError(
      'InvalidInput',
      `${JSON.stringify(text)} is not a duration; use a number and a unit, e.g. 90s, 30m, 4h.`,
    )
  }
  return ms(text as ms.StringValue)
}

/** The lease policy of `config` in the engine's terms (milliseconds). */
export function engineSettings(config: Config): Partial<EngineSettings> {
  return {
    leaseTtlMs: durationMs(config.lease.ttl),
    maxLeaseTtlMs: durationMs(config.lease.max_ttl),
    lockDelayMs: durationMs(config.lease.lock_delay),
    maxAttempts: config.lease.max_attempts,
    enforcePersonas: config.lease.enforce_personas,
  }
}

/** The `agents` entry for `login` (case-insensitive, as GitHub logins are), if listed. */
export function findAgent(login: string, config: Config): AgentConfig | undefined {
  const wanted = login.toLowerCase()
  return config.agents.find((a) => a.login.toLowerCase() === wanted)
}

function isDuration(text: string): text is ms.StringValue {
  return DURATION_PATTERN.test(text)
}

/** A schema-level message for a wrong type only; checks keep their own messages. */
function onlyType(message: string) {
  return (iss: { code?: string; input?: unknown }) =>
    iss.code === 'invalid_type' ? `${message}; got ${describeValue(iss.input)}` : undefined
}

/** GitHub login: letters, digits and single hyphens (max 39), or an app's `name[bot]`. */
const LOGIN_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/
const LABEL_MAX = 50
/** A GitHub App's slug, as in `github.com/apps/<slug>`: lowercase letters, digits, single hyphens. */
const APP_SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,99}$/

function build() {
  const D = DEFAULT_CONFIG
  const clone = <T>(v: T) => (() => structuredClone(v)) as () => T
  /** A strict mapping whose unknown-key error lists the keys it knows. */
  const strict = <S extends z.ZodRawShape>(shape: S) =>
    z.strictObject(shape, {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown key; expected one of: ${Object.keys(shape).join(', ')}`
          : undefined,
    })
  const duration = (def: string, min: number, minText: string, description: string) =>
    z
      .string({ error: onlyType(DURATION_EXPECTED) })
      .regex(DURATION_PATTERN, { error: DURATION_EXPECTED })
      .check(
        z.refine((v) => !DURATION_PATTERN.test(v) || ms(v as ms.StringValue) >= min, {
          error: (iss) => `must be at least ${minText}; got ${describeValue(iss.input)}`,
        }),
      )
      .default(def)
      .describe(description)
  const labelName = (def: string, description: string, max = LABEL_MAX) =>
    z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(max, { error: `must be at most ${max} characters (GitHub's limit for labels)` })
      .default(def)
      .describe(description)
  const prefix = (def: string, what: string, example: string) =>
    labelName(def, `Prefix of the ${what} labels, e.g. "${def}${example}".`, 20)

  const permission = (rule: PermissionRule) => {
    const d = D.permissions[rule]
    const what =
      rule === 'override'
        ? 'acting on a lease someone else holds (/release, /heartbeat, /done, /fail by a non-holder)'
        : rule === 'confirm'
          ? 'ticking a manual success criterion so that it counts for the completion gate'
          : (MANUAL_RULES as readonly string[]).includes(rule)
            ? MANUAL_RULE_WHAT[rule as ManualRule]
            : `/${rule}`
    return strict({
      level: z
        .enum(REPO_PERMISSIONS)
        .default(d.level)
        .describe(`Minimum repository permission for ${what}.`),
      agents: z
        .boolean()
        .default(d.agents)
        .describe(`May a listed agent do it without that permission?`),
    })
      .default(clone(d))
      .describe(`Who may do ${what}.`)
  }
  const permissionShape = Object.fromEntries(
    PERMISSION_RULES.map((rule) => [rule, permission(rule)]),
  ) as { [R in PermissionRule]: ReturnType<typeof permission> }

  const agent = strict({
    login: z
      .string({ error: onlyType('expected a GitHub login') })
      .regex(LOGIN_PATTERN, {
        error: 'expected a GitHub login such as octocat or my-app[bot] (without @)',
      })
      .describe('GitHub login of the bot or AI agent.'),
    personas: z
      .array(
        z.string().regex(PERSONA_PATTERN, {
          error: 'expected a persona: lowercase letters, digits, "-" or "_" (max 40)',
        }),
      )
      .max(20)
      .default([])
      .describe('Personas it works as, e.g. [reviewer, backend].'),
    capacity: z
      .int({ error: onlyType('expected a whole number') })
      .min(1)
      .max(1000)
      .default(1)
      .describe('How many leases it may hold at once.'),
  })

  const lease = strict({
    ttl: duration(
      D.lease.ttl,
      1000,
      '1s',
      'Lease TTL of /claim without an argument and /heartbeat.',
    ),
    max_ttl: duration(D.lease.max_ttl, 1000, '1s', 'Longest TTL /claim <ttl> may ask for.'),
    lock_delay: duration(
      D.lease.lock_delay,
      0,
      '0s',
      'After a lease expires, the task cannot be claimed for this long.',
    ),
    max_attempts: z
      .int({ error: onlyType('expected a whole number') })
      .min(1)
      .max(100)
      .default(D.lease.max_attempts)
      .describe('Expired or failed attempts before the task is failed and labelled for a person.'),
    sweep_interval: duration(
      D.lease.sweep_interval,
      1000,
      '1s',
      'How often the server looks for expired leases.',
    ),
    enforce_personas: z
      .boolean({ error: onlyType('expected true or false') })
      .default(D.lease.enforce_personas)
      .describe(
        'Refuse a /claim of a task with a persona by anyone not listed under agents with that persona (PersonaMismatch). Off: personas only label tasks.',
      ),
  }).check(
    z.refine((l) => !isDuration(l.ttl) || !isDuration(l.max_ttl) || ms(l.max_ttl) >= ms(l.ttl), {
      error: (iss) => {
        const l = iss.input as { ttl: string; max_ttl: string }
        return `must be at least lease.ttl (${l.ttl}); it is ${l.max_ttl}`
      },
      path: ['max_ttl'],
    }),
    // A ceiling, so that an expiry stays a date (see LEASE_TTL_CEILING_MS).
    ...(['ttl', 'max_ttl', 'lock_delay'] as const).map((key) =>
      z.refine<Record<typeof key, string>>(
        (l) => !isDuration(l[key]) || ms(l[key]) <= LEASE_TTL_CEILING_MS,
        {
          error: (iss) =>
            `must be at most ${formatDuration(LEASE_TTL_CEILING_MS)}; got ${describeValue((iss.input as Record<string, unknown>)[key])}`,
          path: [key],
        },
      ),
    ),
  )

  const labels = strict({
    status_prefix: prefix(D.labels.status_prefix, 'status', 'pending'),
    priority_prefix: prefix(D.labels.priority_prefix, 'priority', 'high'),
    persona_prefix: prefix(D.labels.persona_prefix, 'persona', 'reviewer'),
    needs_person: labelName(
      D.labels.needs_person,
      'Label for a task that needs a person (failed after max_attempts, or stuck).',
    ),
    needs_answer: labelName(
      D.labels.needs_answer,
      'Label for a task waiting for an answer to a question.',
    ),
    requires_approval: labelName(
      D.labels.requires_approval,
      'Label for a task whose completion needs /approve by a maintainer.',
    ),
  })

  return strict({
    task_label: labelName(D.task_label, 'The label that makes an issue a task.'),
    lease: lease.default(clone(D.lease)).describe('Lease policy.'),
    labels: labels.default(clone(D.labels)).describe('Names of the labels the app manages.'),
    agents: z
      .array(agent)
      .check(z.superRefine(checkAgents))
      .default([])
      .describe('Bots and AI agents that may act without a repository permission.'),
    permissions: strict(permissionShape)
      .default(clone(D.permissions))
      .describe('Who may run each command (default: write, or a listed agent).'),
    replies: strict({
      reactions: z.boolean().default(true).describe('React to every command the app reads.'),
    })
      .default(clone(D.replies))
      .describe('How the app answers commands.'),
    dashboard: strict({
      enabled: z
        .boolean()
        .default(D.dashboard.enabled)
        .describe(
          'Keep a pinned dashboard issue with the board, graph, metrics and charts (opt-in: it opens an issue).',
        ),
      title: z
        .string()
        .trim()
        .min(1, 'expected a title, e.g. Task board')
        .max(200, 'expected at most 200 characters')
        .default(D.dashboard.title)
        .describe('Title of the dashboard issue.'),
    })
      .default(clone(D.dashboard))
      .describe('The dashboard issue (docs/dashboard.md).'),
    gate: strict({
      app: z
        .string({ error: onlyType('expected the slug of a GitHub App, e.g. github-actions') })
        .regex(APP_SLUG_PATTERN, {
          error:
            'expected the slug of a GitHub App as in its URL github.com/apps/<slug>, e.g. github-actions (lowercase letters, digits and hyphens)',
        })
        .default(D.gate.app)
        .describe(
          'Slug of the GitHub App whose "Task criteria" check runs the gate trusts (github.com/apps/<slug>). Default github-actions: the gate Action run with the GITHUB_TOKEN. Check runs of any other app are ignored.',
        ),
    })
      .default(clone(D.gate))
      .describe('The completion gate (docs/gate.md).'),
  })
    .check(z.superRefine(checkLabels))
    .meta({
      title: 'Task Orchestrator configuration',
      description:
        'The GitHub app configuration, .github/task-orchestrator.yml. Every key is optional. Reference: docs/config.md.',
    })
}

function checkAgents(agents: { login: string }[], ctx: z.RefinementCtx<{ login: string }[]>): void {
  const seen = new Map<string, number>()
  agents.forEach((a, i) => {
    if (!LOGIN_PATTERN.test(a.login)) return // already reported
    const key = a.login.toLowerCase()
    const first = seen.get(key)
    if (first === undefined) seen.set(key, i)
    else {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'login'],
        message: `${a.login} is listed twice (also agents[${first}])`,
        input: a.login,
      })
    }
  })
}

function checkLabels(
  c: Pick<Config, 'task_label' | 'labels'>,
  ctx: z.RefinementCtx<Pick<Config, 'task_label' | 'labels'>>,
): void {
  const stem = (p: string) => p.trimEnd().toLowerCase()
  const prefixes = (['status_prefix', 'priority_prefix', 'persona_prefix'] as const).map(
    (key) => [key, stem(c.labels[key])] as const,
  )
  for (const [key, p] of prefixes) {
    const other = prefixes.find(([k, q]) => k !== key && q.startsWith(p))
    if (other) {
      ctx.addIssue({
        code: 'custom',
        path: ['labels', key],
        message: `overlaps labels.${other[0]} ("${c.labels[other[0]]}"); prefixes must be distinct`,
        input: c.labels[key],
      })
    }
  }
  const names = [
    [['task_label'], c.task_label],
    [['labels', 'needs_person'], c.labels.needs_person],
    [['labels', 'needs_answer'], c.labels.needs_answer],
    [['labels', 'requires_approval'], c.labels.requires_approval],
  ] as const
  names.forEach(([path, name], i) => {
    const lower = name.toLowerCase()
    const clash = prefixes.find(([, p]) => lower.startsWith(p))
    const twin = names.slice(0, i).find(([, n]) => n.toLowerCase() === lower)
    if (clash) {
      ctx.addIssue({
        code: 'custom',
        path: [...path],
        message: `starts with labels.${clash[0]} ("${c.labels[clash[0]]}"), so it would be read as one of those labels`,
        input: name,
      })
    } else if (twin) {
      ctx.addIssue({
        code: 'custom',
        path: [...path],
        message: `is the same label as ${twin[0].join('.')}`,
        input: name,
      })
    }
  })
}

type ConfigSchema = ReturnType<typeof build>
// The schema's output must be exactly `Config`.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const schemaMatchesConfig: Same<z.output<ConfigSchema>, Config> = true
void schemaMatchesConfig

let built: ConfigSchema | undefined

/** The zod schema of the configuration (built on first use). */
export function configSchema(): ConfigSchema {
  built ??= build()
  return built
}

/**
 * The JSON Schema (draft 2020-12) of the configuration file, generated from
 * the zod schema with input-side defaults, for editors
 * (`# yaml-language-server: $schema=…`). The committed
 * `schema/task-orchestrator.schema.json` is this value (a test keeps it so).
 * Cross-field rules (max_ttl ≥ ttl, distinct labels, unique agents, minimum
 * durations) are checked by {@link parseConfig} only.
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema(), { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >
}

/** One thing wrong with a configuration file. */
export interface ConfigProblem {
  /** Field path, e.g. `lease.ttl`, `agents[1].login`; empty for the whole file. */
  path: string
  /** 1-based position in the file, when known. */
  line?: number
  column?: number
  message: string
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping (key: value lines)',
  array: 'a list',
  string: 'text',
  boolean: 'true or false',
  number: 'a number',
  int: 'a whole number',
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (typeof value === 'string' && value.length > 60)
    return JSON.stringify(`${value.slice(0, 57)}...`)
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return JSON.stringify(value)
}

/** Per-parse error map: plain-language messages for the issues no schema words itself. */
const errorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      return iss.expected === 'object' && iss.input === null
        ? `expected ${TYPE_NAMES.object}; got nothing: indent its keys under it, or remove it`
        : `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}; got ${describeValue(iss.input)}`
    case 'invalid_value':
      return `expected one of ${iss.values.map(String).join(', ')}; got ${describeValue(iss.input)}`
    case 'too_small':
      return iss.origin === 'array'
        ? `expected at least ${iss.minimum} entries`
        : `expected at least ${iss.minimum}; got ${describeValue(iss.input)}`
    case 'too_big':
      return iss.origin === 'array'
        ? `expected at most ${iss.maximum} entries`
        : `expected at most ${iss.maximum}; got ${describeValue(iss.input)}`
    default:
      return undefined
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out ? `.${String(key)}` : String(key)
  }
  return out
}

function invalid(source: string, problems: ConfigProblem[], heading: string): TaskError {
  const lines = problems.map((p) => {
    const where = p.line ? `line ${p.line}, column ${p.column}` : ''
    if (!p.path) return where ? `${where}: ${p.message}` : p.message
    return `${p.path}${where ? ` (${where})` : ''}: ${p.message}`
  })
  return new TaskError('InvalidInput', `${source} ${heading}:\n  ${lines.join('\n  ')}`, {
    source,
    problems,
  })
}

/**
 * Parse and validate the text of `.github/task-orchestrator.yml`; every absent
 * key gets its default (an empty file gives {@link DEFAULT_CONFIG}).
 *
 * @param yamlText the file's content (YAML 1.2)
 * @param source the name used in messages (default {@link CONFIG_PATH})
 * @returns the configuration, defaults applied (a fresh object)
 * @throws TaskError('InvalidInput') when the YAML does not parse — the message
 *   gives line and column, e.g. `… has a YAML syntax error:\n  (top level) (line 3,
 *   column 8): Map keys must be unique` — or when a field is wrong: one line per
 *   problem naming the field path, its position and what was expected, e.g.
 *   `lease.ttl (line 2, column 8): expected a duration: a number and a unit, e.g.
 *   90s, 30m, 4h; got "soon"`, or `lease.tll …: unknown key; expected one of: ttl,
 *   …`. `details` = `{ source, problems: ConfigProblem[] }`.
 */
export function parseConfig(yamlText: string, source: string = CONFIG_PATH): Config {
  const lineCounter = new LineCounter()
  const doc = parseDocument(yamlText, { lineCounter, uniqueKeys: true, prettyErrors: true })
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0]
      return {
        path: '',
        ...(pos ? { line: pos.line, column: pos.col } : {}),
        message: e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, ''),
      }
    })
    // Later errors are mostly echoes of the first; all of them are in `details`.
    const error = invalid(source, problems.slice(0, 1), 'has a YAML syntax error')
    error.details.problems = problems
    throw error
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: 100 }) ?? {}
  } catch (err) {
    throw invalid(source, [{ path: '', message: (err as Error).message }], 'cannot be read')
  }
  const result = configSchema().safeParse(value, { error: errorMap, reportInput: true })
  if (result.success) return result.data
  const problems: ConfigProblem[] = []
  for (const issue of result.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined]
    for (const key of keys) {
      const path = key === undefined ? issue.path : [...issue.path, key]
      const pos = position(doc, lineCounter, issue.path, key)
      const message =
        issue.code === 'invalid_format' && 'input' in issue
          ? `${issue.message}; got ${describeValue(issue.input)}`
          : issue.message
      problems.push({ path: formatPath(path), ...pos, message })
    }
  }
  // In file order (zod reports a mapping's unknown keys after its fields).
  problems.sort(
    (a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0),
  )
  throw invalid(source, problems, 'is not valid')
}

/** Line and column of the node at `path` (or of the key `key` in the mapping there). */
function position(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  key: string | undefined,
): { line?: number; column?: number } {
  // A field that is absent (its default failed a cross-field rule) points at its section.
  let node: unknown = null
  for (let n = path.length; n >= 0 && !node; n--) {
    node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true)
  }
  if (key !== undefined && isMap(node)) {
    node = node.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key)?.key
  }
  const offset = (node as Node | null | undefined)?.range?.[0]
  if (offset === undefined) return {}
  const { line, col } = lineCounter.linePos(offset)
  return { line, column: col }
}
