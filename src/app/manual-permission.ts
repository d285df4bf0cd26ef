/**
 * Permission checks for changes made by hand on GitHub (labels, closing,
 * reopening, body edits): one actor per event, whose repository permission is
 * looked up through the collaborator permission API only when a rule would
 * refuse without it — and then at most once per event (the runtime caches it
 * too).
 */
import type { Config, PermissionRule } from '../github/config.js'
import {
  type Authorization,
  authorizeRule,
  hasPermission,
  type PermissionLevel,
} from '../github/permissions.js'
import type { AppDeps } from './deps.js'
import type { Octokit, RepoRef } from './runtime.js'

/** The checks of one actor: `may` a rule, and whether they may `override` (a maintainer). */
export interface ActorPermission {
  /** The actor's login (`''` when the event names none: then nothing is allowed but agents' rules). */
  actor: string
  /** May the actor do what `rule` guards (`what` for the reason; `holder` adds `override` for others' leases)? */
  may(rule: PermissionRule, what: string, holder?: string | null): Promise<Authorization>
  /** True when the actor has the `override` rule's level (a maintainer by default). */
  canOverride(): Promise<boolean>
}

/**
 * The permission checks of `actor` in repository `r` under `config`. The
 * level is fetched lazily by `deps.permission` (collaborator permission API; a
 * 404 is `none`); an actor without a login has `none`.
 */
export function actorPermission(
  deps: Pick<AppDeps, 'permission'>,
  octokit: Octokit,
  r: RepoRef,
  config: Config,
  actor: string | null | undefined,
): ActorPermission {
  const login = actor ?? ''
  let level: Promise<PermissionLevel> | undefined
  const lookup = () => {
    level ??= login ? deps.permission(octokit, r, login) : Promise.resolve('none')
    return level
  }
  return {
    actor: login,
    async may(rule, what, holder = null) {
      const input = { rule, what, actor: login || 'someone', config, holder }
      const free = authorizeRule({ ...input, permission: 'none' })
      if (free.allowed || !login) return free
      return authorizeRule({ ...input, permission: await lookup() })
    },
    async canOverride() {
      return hasPermission(await lookup(), config.permissions.override.level)
    },
  }
}
