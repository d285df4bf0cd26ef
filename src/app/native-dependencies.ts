/**
 * Dependencies mirrored to GitHub's native issue dependencies (`blocked_by`),
 * so GitHub's own UI shows them. Best effort: the task lists in issue bodies
 * stay the source of truth. When the API refuses (no permission, plan or
 * GitHub Enterprise Server without the feature), the app says so once on the
 * issue, remembers it for the repository and carries on without.
 */
import { inline } from '../github/neutralise.js'
import type { IssueRef } from '../github/references.js'
import type { AppRuntime, Octokit, RepoRef } from './runtime.js'

/**
 * The words of the notice the app posts once when GitHub refuses native
 * dependencies in a repository; a rebuild (`src/app/rebuild/rebuild.ts`) finds the
 * notice by them and remembers the refusal, as the app did.
 */
export const NATIVE_DEPENDENCIES_REFUSED =
  "GitHub refused to record this task's dependencies as native issue dependencies"

/**
 * Make the native `blocked_by` links of the issue of `taskId` match
 * `dependsOn`: add a link for each dependency whose GitHub issue id is known
 * and not linked yet, remove links to dependencies no longer listed.
 * Returns the number of links added or removed.
 */
export async function ensureNativeDependencies(
  octokit: Octokit,
  rt: AppRuntime,
  r: RepoRef,
  taskId: string,
  dependsOn: IssueRef[],
): Promise<number> {
  const key = rt.repoKey(r)
  if (rt.state.repo(key).native_dependencies === 'refused') return 0
  const record = rt.state.issue(taskId)
  if (!record) return 0
  let linked = [...record.native_blocked_by]
  let added = 0
  for (const ref of dependsOn) {
    const dep = rt.state.issue(rt.taskId({ owner: ref.owner, repo: ref.repo }, ref.number))
    if (!dep?.issue_id || linked.includes(dep.issue_id)) continue
    try {
      await octokit.rest.issues.addBlockedByDependency({
        owner: r.owner,
        repo: r.repo,
        issue_number: record.number,
        issue_id: dep.issue_id,
      })
      linked = [...linked, dep.issue_id]
      added++
    } catch (err) {
      const status = (err as { status?: number }).status
      // 404/422 concern this one dependency (an issue the app cannot see, a link
      // GitHub will not make): skip it. 403/410 mean no permission or no feature
      // in this repository: say so once and stop trying here.
      if (status === 404 || status === 422) continue
      if (status !== 403 && status !== 410) throw err
      rt.state.saveRepo(key, rt.now(), { native_dependencies: 'refused' })
      await octokit.rest.issues.createComment({
        owner: r.owner,
        repo: r.repo,
        issue_number: record.number,
        body: `ℹ️ ${NATIVE_DEPENDENCIES_REFUSED} (HTTP ${status}: ${inline((err as Error).message)}). Task Orchestrator carries on with the \`### Depends on\` task list and will not try again in this repository.`,
      })
      break
    }
  }
  // Links to dependencies no longer listed come off too.
  const wanted = new Set(
    dependsOn.flatMap((ref) => {
      const dep = rt.state.issue(rt.taskId({ owner: ref.owner, repo: ref.repo }, ref.number))
      return dep?.issue_id ? [dep.issue_id] : []
    }),
  )
  for (const issueId of linked.filter((id) => !wanted.has(id))) {
    try {
      await octokit.rest.issues.removeDependencyBlockedBy({
        owner: r.owner,
        repo: r.repo,
        issue_number: record.number,
        issue_id: issueId,
      })
    } catch (err) {
      // Already gone (removed in GitHub's UI): nothing to undo.
      if ((err as { status?: number }).status !== 404) throw err
    }
    linked = linked.filter((id) => id !== issueId)
    added++
  }
  if (added)
    rt.state.saveIssue({ ...(rt.state.issue(taskId) ?? record), native_blocked_by: linked })
  return added
}
