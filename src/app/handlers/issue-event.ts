/**
 * What every `issues.*` handler shares: the services they touch
 * ({@link IssueDeps}), the repository of the event, which senders are
 * ignored, and a plain reply on the issue.
 */
import type { Context } from 'probot'
import { type Config, findAgent } from '../../github/config.js'
import type { AppDeps } from '../deps.js'
import type { LabelDeps } from '../labels-read-back.js'
import type { Octokit, RepoRef } from '../runtime.js'

/** The Probot context of an `issues.*` event. */
export type IssuesContext = Context<'issues'>

/**
 * What the handlers of issue events touch: the engine and the app's records
 * of issues, the config, permission and lease-policy lookups, what the gate
 * recorded (pull requests, confirmations), reading an
 * issue into its task (and its sub-issues), the completion gate, and the
 * mirror's writer.
 */
export type IssueDeps = LabelDeps &
  Pick<
    AppDeps,
    | 'now'
    | 'taskId'
    | 'repoKey'
    | 'host'
    | 'config'
    | 'permission'
    | 'policy'
    | 'gate'
    | 'gateOnClose'
    | 'syncTask'
    | 'readSubIssues'
  >

/** The repository of the event. */
export function repoOf(context: IssuesContext): RepoRef {
  return { owner: context.payload.repository.owner.login, repo: context.payload.repository.name }
}

/** Events from bots that are not listed agents (the app itself among them) are ignored. */
export function ignored(context: IssuesContext, config: Config): boolean {
  const sender = context.payload.sender
  return sender?.type === 'Bot' && !findAgent(sender.login, config)
}

/** Post `body` (Markdown rendered in src/github) as a comment on issue `number` of `r`. */
export async function reply(
  octokit: Octokit,
  r: RepoRef,
  number: number,
  body: string,
): Promise<void> {
  await octokit.rest.issues.createComment({
    owner: r.owner,
    repo: r.repo,
    issue_number: number,
    body,
  })
}
