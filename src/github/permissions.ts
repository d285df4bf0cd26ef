/**
 * Who may run which comment command (issue "Who may do what"). The actor's
 * repository permission comes from the collaborator permission API
 * (`GET /repos/{owner}/{repo}/collaborators/{username}/permission`), never
 * from a webhook's `author_association`, which says nothing about maintain or
 * triage and is wrong for team and organisation grants. A login listed under
 * `agents` in the config may run the commands whose rule allows agents without
 * any permission. Acting on a lease someone else holds needs the `override`
 * rule as well. Pure: no HTTP here; the app fetches the permission and calls
 * {@link authorize}.
 */
import { TaskError } from '../core/errors.js'
import { COMMAND_NAMES, type CommandName as GrammarCommand, ruleOf } from './commands.js'
import {
  type CommandName,
  type Config,
  findAgent,
  type PermissionRule,
  type RepoPermission,
} from './config.js'

/** Repository permission levels, lowest first; `none` = no access. */
export const PERMISSION_LEVELS = ['none', 'read', 'triage', 'write', 'maintain', 'admin'] as const
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number]

/** Commands that act on the current lease; run by a non-holder they need `override` too. */
export const LEASE_COMMANDS: readonly CommandName[] = ['release', 'heartbeat', 'done', 'fail']

/** Rank of a level in {@link PERMISSION_LEVELS} (`none` = 0 … `admin` = 5). */
export function permissionRank(level: PermissionLevel): number {
  return PERMISSION_LEVELS.indexOf(level)
}

/** True when `actual` is `needed` or higher. */
export function hasPermission(actual: PermissionLevel, needed: PermissionLevel): boolean {
  return permissionRank(actual) >= permissionRank(needed)
}

/**
 * A permission or role name as text → our level: the five base roles as
 * themselves, the legacy `pull`/`push` as `read`/`write`, anything else
 * (missing, a custom role name, a typo) as `none` — unknown never grants.
 */
export function normalizePermission(text: string | null | undefined): PermissionLevel {
  const t = (text ?? '').trim().toLowerCase()
  if (t === 'pull') return 'read'
  if (t === 'push') return 'write'
  return (PERMISSION_LEVELS as readonly string[]).includes(t) ? (t as PermissionLevel) : 'none'
}

/**
 * The part of the collaborator permission response we read
 * (`repository-collaborator-permission` in GitHub's REST description).
 */
export interface CollaboratorPermissionData {
  /** Legacy base role: `admin`, `write`, `read` or `none` (maintain → write, triage → read). */
  permission?: string | null
  /** The assigned role: `admin`, `maintain`, `write`, `triage`, `read`, or a custom role's name. */
  role_name?: string | null
  [field: string]: unknown
  /** The collaborator, with `permissions` booleans (pull, triage, push, maintain, admin). */
  user?: {
    login?: string
    [field: string]: unknown
    permissions?: {
      pull?: boolean
      triage?: boolean
      push?: boolean
      maintain?: boolean
      admin?: boolean
    } | null
  } | null
}

/**
 * Our level from the response of `GET /repos/{owner}/{repo}/collaborators/{username}/permission`
 * (`response.data`). The response has `permission`, the legacy base role where
 * maintain reads as `write` and triage as `read`, and `role_name`, the real
 * role (or a custom role's name); `user.permissions` has one boolean per
 * level. The result is the highest level any of them shows: `role_name` tells
 * maintain and triage apart, `permission` and `user.permissions` give a custom
 * role's base level. Nothing recognisable → `none`.
 */
export function permissionFromApi(data: CollaboratorPermissionData): PermissionLevel {
  const flags = data.user?.permissions ?? {}
  const fromFlags: PermissionLevel = flags.admin
    ? 'admin'
    : flags.maintain
      ? 'maintain'
      : flags.push
        ? 'write'
        : flags.triage
          ? 'triage'
          : flags.pull
            ? 'read'
            : 'none'
  return [normalizePermission(data.role_name), normalizePermission(data.permission), fromFlags]
    .sort((a, b) => permissionRank(b) - permissionRank(a))
    .at(0) as PermissionLevel
}

/** What it takes to run a command in a given situation. */
export interface Requirement {
  /** The command's permission rule: the command without `/`, or the rule it is run under (`next` → `claim`). */
  command: CommandName
  /** Minimum repository permission (the higher of the command's and `override`'s when overriding). */
  level: RepoPermission
  /** May a listed agent do it without that permission? (Both rules must allow agents.) */
  agents: boolean
  /** True when the command acts on a lease someone else holds, so `override` applies. */
  override: boolean
  /** True when this actor is a listed agent and {@link agents} holds: no permission needed. */
  waivedForAgent: boolean
}

/** The command word (without `/`) and the rule that authorises it (`next` → `claim`). */
function commandName(command: string): { word: GrammarCommand; rule: CommandName } {
  const name = command.startsWith('/') ? command.slice(1) : command
  if (!(COMMAND_NAMES as readonly string[]).includes(name)) {
    throw new TaskError(
      'InvalidInput',
      `/${name} is not a command; the commands are ${COMMAND_NAMES.map((c) => `/${c}`).join(', ')}.`,
    )
  }
  return { word: name as GrammarCommand, rule: ruleOf(name as GrammarCommand) }
}

function higher(a: RepoPermission, b: RepoPermission): RepoPermission {
  return permissionRank(a) >= permissionRank(b) ? a : b
}

/**
 * The permission `command` needs under `config`.
 *
 * @param command a command name, with or without `/` (`done`, `/done`); a
 *   command run under another's rule is looked up under it (`next` → `claim`)
 * @param who.actorIsHolder false when someone else holds the task's lease
 *   (true when the actor holds it or nobody does); for {@link LEASE_COMMANDS}
 *   false adds the `override` rule: the higher level, agents only if both allow
 * @param who.actorIsAgent the actor is listed under `agents`
 * @throws TaskError('InvalidInput') for an unknown command
 */
export function requiredPermission(
  command: string,
  config: Config,
  who: { actorIsHolder: boolean; actorIsAgent: boolean },
): Requirement {
  const { rule: name } = commandName(command)
  const rule = config.permissions[name]
  const override = !who.actorIsHolder && LEASE_COMMANDS.includes(name)
  const o = config.permissions.override
  const level = override ? higher(rule.level, o.level) : rule.level
  const agents = override ? rule.agents && o.agents : rule.agents
  return { command: name, level, agents, override, waivedForAgent: who.actorIsAgent && agents }
}

/** The answer of {@link authorize}. */
export type Authorization =
  | { allowed: true; via: 'permission' | 'agent' }
  | { allowed: false; reason: string; needed: RepoPermission }

function sameLogin(a: string, b: string): boolean {
  return a.replace(/^@/, '').toLowerCase() === b.replace(/^@/, '').toLowerCase()
}

/**
 * May `actor` run `command`?
 *
 * @param input.command the command, with or without `/`
 * @param input.actor the commenter's login
 * @param input.permission the actor's level, best from {@link permissionFromApi};
 *   a `role_name`/`permission` string is read by {@link normalizePermission}
 *   (a custom role name then counts as `none`: pass `permissionFromApi(data)`)
 * @param input.config the repository config
 * @param input.holder the login holding the task's lease, or null/undefined when nobody does
 * @returns `{ allowed: true, via }` — `via: 'agent'` when the actor passed as a
 *   listed agent — or `{ allowed: false, reason, needed }` where `reason` says
 *   which permission is missing, e.g. `/done on a lease held by @ada needs
 *   maintain; @bob has write`, and `needed` is the level required
 * @throws TaskError('InvalidInput') for an unknown command
 */
export function authorize(input: {
  command: string
  actor: string
  permission: PermissionLevel | string | null | undefined
  config: Config
  holder?: string | null
}): Authorization {
  const { actor, config, holder } = input
  const actorIsAgent = findAgent(actor.replace(/^@/, ''), config) !== undefined
  const actorIsHolder = !holder || sameLogin(holder, actor)
  const req = requiredPermission(input.command, config, { actorIsHolder, actorIsAgent })
  const has = normalizePermission(input.permission)
  if (hasPermission(has, req.level)) return { allowed: true, via: 'permission' }
  if (req.waivedForAgent) return { allowed: true, via: 'agent' }
  const { word } = commandName(input.command)
  const what = req.override
    ? `/${word} on a lease held by @${holder!.replace(/^@/, '')}`
    : `/${word}`
  const alternative = req.agents
    ? ' (or a listing under agents in the config)'
    : actorIsAgent
      ? ' (listed agents too)'
      : ''
  return {
    allowed: false,
    reason: `${what} needs ${req.level}${alternative}; @${actor.replace(/^@/, '')} has ${has}`,
    needed: req.level,
  }
}

/**
 * May `actor` do what `rule` guards — one of the rules beyond the commands
 * (`close`, `cancel`, `reopen`, `track`, `edit_criteria`, …; see
 * `MANUAL_RULES` in config.ts) or a command's rule, for a change made by hand
 * instead of the command (a status label, closing the issue).
 *
 * @param input.rule the rule in `config.permissions`
 * @param input.what what the actor did, for the reason, e.g. `closing this issue as completed`
 * @param input.actor the login (a leading `@` is ignored)
 * @param input.permission the actor's level ({@link permissionFromApi}); `none` when not looked up
 * @param input.holder the lease holder when the change ends or acts on the
 *   lease (closing, cancelling, revoking): someone else holding it adds the
 *   `override` rule — the higher level, agents only if both rules allow them
 * @returns as {@link authorize}; the reason names the level, the rule and the
 *   actor's level, e.g. `closing this issue as completed needs write (the
 *   \`close\` rule, or a listing under agents in the config); @bob has triage`
 */
export function authorizeRule(input: {
  rule: PermissionRule
  what: string
  actor: string
  permission: PermissionLevel | string | null | undefined
  config: Config
  holder?: string | null
}): Authorization {
  const { rule, config, holder } = input
  const actor = input.actor.replace(/^@/, '')
  const actorIsAgent = findAgent(actor, config) !== undefined
  const override = Boolean(holder) && !sameLogin(holder!, actor)
  const r = config.permissions[rule]
  const o = config.permissions.override
  const level = override ? higher(r.level, o.level) : r.level
  const agents = override ? r.agents && o.agents : r.agents
  const has = normalizePermission(input.permission)
  if (hasPermission(has, level)) return { allowed: true, via: 'permission' }
  if (actorIsAgent && agents) return { allowed: true, via: 'agent' }
  const rules = override ? `the \`${rule}\` and \`override\` rules` : `the \`${rule}\` rule`
  const lease = override ? ` on a lease held by @${holder!.replace(/^@/, '')}` : ''
  const alternative = agents
    ? ', or a listing under agents in the config'
    : actorIsAgent
      ? '; listed agents too'
      : ''
  return {
    allowed: false,
    reason: `${input.what}${lease} needs ${level} (${rules}${alternative}); @${actor} has ${has}`,
    needed: level,
  }
}
