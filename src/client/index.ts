/**
 * The agent client (`import … from 'task-orchestrator/client'`): one
 * interface for an agent's loop over two transports — the engine on a
 * SQLite file, or GitHub through the Task Orchestrator app — and a
 * keep-alive that heartbeats in the background. docs/library.md ("Client")
 * documents it.
 *
 * ```ts
 * import { createGitHubClient, keepAlive } from 'task-orchestrator/client'
 * const client = await createGitHubClient({ repo: 'octo/api', token: process.env.GITHUB_TOKEN })
 * const { task, grant } = await client.next()
 * if (grant) {
 *   const alive = keepAlive(client, { task: grant.task, token: grant.lease.token, ttlMs: 30 * 60_000 })
 *   await work(task, alive.signal)
 *   await alive.stop()
 *   await client.done(grant.task, grant.lease.token, { summary: 'parser rewritten' })
 * }
 * ```
 *
 * A separate entry from `task-orchestrator` (the engine), so engine users
 * load no Octokit; the local transport (and better-sqlite3) is loaded only
 * when {@link createLocalClient} is called.
 */
import { ClientError } from './errors.js'
import { GitHubClient } from './github/client.js'
import { defaultOctokit, type OctokitLike } from './github/octokit.js'
import { GITHUB_DEFAULTS } from './github/verbs.js'
import type { AgentClient, GitHubClientOptions, LocalClientOptions } from './types.js'

export { isTaskError, TaskError } from '../core/errors.js'
export { ClientError, isClientError } from './errors.js'
export { GitHubClient } from './github/client.js'
export type { OctokitLike, OctokitResponse } from './github/octokit.js'
export { GITHUB_DEFAULTS, NOTHING_CLAIMABLE } from './github/verbs.js'
export {
  type KeepAlive,
  type KeepAliveEvents,
  type KeepAliveOptions,
  keepAlive,
  LEASE_LOST_CODES,
} from './keep-alive.js'
export * from './types.js'

/**
 * A client on the local engine (`tm`'s database). Throws `InvalidInput`
 * without an agent name, `StorageError` when the database is missing (run
 * `tm init`) or unusable. Loads better-sqlite3 on first call.
 */
export async function createLocalClient(options: LocalClientOptions): Promise<AgentClient> {
  const { LocalClient } = await import('./local.js')
  return new LocalClient(options)
}

/**
 * A client on GitHub through the app. Without `octokit`, builds
 * `@octokit/rest` with the retry and throttling plugins from `token`
 * (required then) and `baseUrl`. Throws `InvalidInput` on a bad `repo`,
 * {@link ClientError} `Unsupported` without a token or an Octokit.
 */
export async function createGitHubClient(options: GitHubClientOptions): Promise<GitHubClient> {
  let octokit = options.octokit as OctokitLike | undefined
  if (!octokit) {
    if (!options.token)
      throw new ClientError(
        'Unsupported',
        'createGitHubClient needs a token (GITHUB_TOKEN, GH_TOKEN or `gh auth token`) or an octokit.',
      )
    const mode = GITHUB_DEFAULTS[options.mode ?? 'server']
    octokit = await defaultOctokit({
      token: options.token,
      baseUrl: options.baseUrl,
      maxRateLimitWaitS: Math.ceil((options.timeoutMs ?? mode.timeoutMs) / 1000),
    })
  }
  return new GitHubClient(octokit, options)
}
