/**
 * `push`: when a push to the default branch touches
 * `.github/task-orchestrator.yml`, read the config again. A broken file keeps
 * the last good config; the error is kept and reported on the next task event.
 */
import type { Context } from 'probot'
import { CONFIG_PATH } from '../../github/config.js'
import type { AppDeps } from '../deps.js'

/** Handle one push: re-read the config (`deps.config` with `refresh`) when the push changed it. */
export async function onPush(
  deps: Pick<AppDeps, 'config'>,
  context: Context<'push'>,
): Promise<void> {
  const { repository, ref, commits } = context.payload
  if (ref !== `refs/heads/${repository.default_branch}`) return
  const touched = commits.some((c) =>
    [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(CONFIG_PATH),
  )
  if (!touched) return
  const owner = repository.owner?.login ?? repository.owner?.name ?? ''
  await deps.config(context.octokit, { owner, repo: repository.name }, true)
}
