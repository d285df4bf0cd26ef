/**
 * The zod schema of `.github/task-orchestrator.yml` — the one definition of
 * its shape, its defaults and its per-field rules. The {@link Config} type is
 * derived from it (`z.output`), the JSON Schema for editors is generated from
 * it ({@link configJsonSchema}), and `config.ts` reads files with it.
 */
import * as z from 'zod'
import {
  DURATION_EXAMPLES,
  DURATION_PATTERN,
  durationMsOrNull,
  formatDuration,
} from '../core/duration.js'
import { PERSONA_PATTERN } from '../core/model.js'
import { LEASE_TTL_CEILING_MS } from '../core/settings.js'
import { checkAgents, checkLabels, LOGIN_PATTERN } from './config-checks.js'
import {
  defaultPermission,
  PERMISSION_RULES,
  type PermissionRule,
  REPO_PERMISSIONS,
  ruleWhat,
} from './config-rules.js'

/**
 * The default of every key (used by the schema; {@link DEFAULT_CONFIG} is
 * this, typed and frozen). Durations stay text, as in the file.
 */
const DEFAULTS = {
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
  agents: [] as never[],
  permissions: Object.fromEntries(
    PERMISSION_RULES.map((rule) => [rule, defaultPermission(rule)]),
  ) as Record<PermissionRule, ReturnType<typeof defaultPermission>>,
  replies: { reactions: true },
  dashboard: { enabled: false, title: 'Task board' },
  gate: { app: 'github-actions' },
}

/**
 * The parsed `.github/task-orchestrator.yml`, defaults applied — the output
 * type of {@link configSchema}, so the two cannot drift (the meaning of each
 * key is its `.describe()` text and docs/config.md). Durations stay text
 * (`30m`; `engineSettings` turns them into ms).
 */
export type Config = z.output<ConfigSchema>
/** An agent (bot or AI) allowed to act without a repository permission: `login`, `personas`, `capacity`. */
export type AgentConfig = Config['agents'][number]
/** Who may run one command: a minimum repository permission `level`, or being a listed agent (`agents`). */
export type CommandPermission = Config['permissions'][PermissionRule]
type ConfigSchema = ReturnType<typeof build>

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
export const DEFAULT_CONFIG: Config = deepFreeze(DEFAULTS)

const DURATION_EXPECTED = `expected a duration: ${DURATION_EXAMPLES}`

/** A schema-level message for a wrong type only; checks keep their own messages. */
function onlyType(message: string) {
  return (iss: { code?: string; input?: unknown }) =>
    iss.code === 'invalid_type' ? `${message}; got ${describeValue(iss.input)}` : undefined
}

/** A value as a message shows it: strings quoted (cut at 60 characters), `a list`, `a mapping`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (typeof value === 'string' && value.length > 60)
    return JSON.stringify(`${value.slice(0, 57)}...`)
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return JSON.stringify(value)
}

const LABEL_MAX = 50
/** A GitHub App's slug, as in `github.com/apps/<slug>`: lowercase letters, digits, single hyphens. */
const APP_SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,99}$/

function build() {
  const D = DEFAULTS
  const clone = <T>(v: T) => (() => structuredClone(v)) as () => T
  /** A strict mapping whose unknown-key error lists the keys it knows. */
  const strict = <S extends z.ZodRawShape>(shape: S) =>
    z.strictObject(shape, {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown key; expected one of: ${Object.keys(shape).join(', ')}`
          : undefined,
    })
  const duration = (def: string, min: number, description: string) =>
    z
      .string({ error: onlyType(DURATION_EXPECTED) })
      .regex(DURATION_PATTERN, { error: DURATION_EXPECTED })
      .check(
        z.refine((v) => !DURATION_PATTERN.test(v) || durationMsOrNull(v) !== null, {
          error: (iss) =>
            `${DURATION_EXPECTED}; got ${describeValue(iss.input)}, longer than any date`,
        }),
        z.refine((v) => (durationMsOrNull(v) ?? min) >= min, {
          error: (iss) =>
            `must be at least ${formatDuration(min)}; got ${describeValue(iss.input)}`,
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
    const what = ruleWhat(rule)
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
    ttl: duration(D.lease.ttl, 1000, 'Lease TTL of /claim without an argument and /heartbeat.'),
    max_ttl: duration(D.lease.max_ttl, 1000, 'Longest TTL /claim <ttl> may ask for.'),
    lock_delay: duration(
      D.lease.lock_delay,
      0,
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
      'How often the server looks for expired leases.',
    ),
    enforce_personas: z
      .boolean({ error: onlyType('expected true or false') })
      .default(D.lease.enforce_personas)
      .describe(
        'Refuse a /claim of a task with a persona by anyone not listed under agents with that persona (PersonaMismatch). Off: personas only label tasks.',
      ),
  }).check(
    z.refine((l) => (durationMsOrNull(l.max_ttl) ?? Infinity) >= (durationMsOrNull(l.ttl) ?? 0), {
      error: (iss) => {
        const l = iss.input as { ttl: string; max_ttl: string }
        return `must be at least lease.ttl (${l.ttl}); it is ${l.max_ttl}`
      },
      path: ['max_ttl'],
    }),
    // A ceiling, so that an expiry stays a date (see LEASE_TTL_CEILING_MS).
    ...(['ttl', 'max_ttl', 'lock_delay'] as const).map((key) =>
      z.refine<Record<typeof key, string>>(
        (l) => (durationMsOrNull(l[key]) ?? 0) <= LEASE_TTL_CEILING_MS,
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
