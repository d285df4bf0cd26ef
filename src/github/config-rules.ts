/**
 * The permission rules of the repository configuration (docs/config.md
 * "permissions"): the repository permission levels, the comment commands and
 * the manual edits that each have a rule, and each rule's default. The
 * `permissions` section of the schema (`config-schema.ts`) is built from
 * these lists.
 */
import { RULED_COMMANDS, type RuledCommand } from './commands.js'

/** Repository permission levels a command may require (lowest first). */
export const REPO_PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const
export type RepoPermission = (typeof REPO_PERMISSIONS)[number]

/**
 * The comment commands that have a permission rule, without the leading `/`:
 * the grammar's words (`commands.ts` `COMMAND_NAMES`, the one list of
 * commands) except those authorised by another command's rule (`/next`, by
 * `claim`'s: `commands.ts` `RULE_OF`), in help order.
 */
export const COMMANDS = RULED_COMMANDS
export type CommandName = RuledCommand

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

/**
 * The default rule for `rule`: `maintain` for reopening, feedback, approval,
 * overrides and changing criteria under a lease, `write` for the rest; listed
 * agents may do everything but those and confirming or changing criteria.
 */
export function defaultPermission(rule: PermissionRule): {
  level: RepoPermission
  agents: boolean
} {
  return { level: MAINTAIN.has(rule) ? 'maintain' : 'write', agents: !HUMAN_ONLY.has(rule) }
}

/** What `rule` governs, for the schema's descriptions: `/claim`, or the words of an override, a confirmation or a manual edit. */
export function ruleWhat(rule: PermissionRule): string {
  if (rule === 'override') {
    return 'acting on a lease someone else holds (/release, /heartbeat, /done, /fail by a non-holder)'
  }
  if (rule === 'confirm') {
    return 'ticking a manual success criterion so that it counts for the completion gate'
  }
  return (MANUAL_RULES as readonly string[]).includes(rule)
    ? MANUAL_RULE_WHAT[rule as ManualRule]
    : `/${rule}`
}
