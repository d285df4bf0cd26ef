/**
 * Dependencies mirrored to GitHub's native issue dependencies (`blocked_by`),
 * so GitHub's own UI shows them. Best effort: the task lists in issue bodies
 * stay the source of truth. When the API refuses (no permission, plan or
 * GitHub Enterprise Server without the feature), the app says so once on the
 * issue, remembers it for the repository and carries on without.
 */
import { blockedByChanges } from '../github/mirror.js'
import { inline } from '../github/neutralise.js'
import type { AppRuntime, Octokit, RepoRef } from './runtime.js'

/**
 * The words of the notice the app posts once when GitHub refuses native
 * dependencies in a repository; a rebuild (`src/app/rebuild/rebuild.ts`) finds the
 * notice by them and remembers the refusal, as the app did.
 */
export const NATIVE_DEPENDENCIES_REFUSED =
  "GitHub refused to record this task's dependencies as native issue dependencies"

/**
 * Make the native `blocked_by` links of the issue of `taskId` match `wanted`
 * (GitHub issue ids of its dependencies, from `desiredMirror`): add the
 * missing ones, remove those no longer wanted (`blockedByChanges`). A link
 * GitHub will not make (404: an issue the app cannot see; 422: a link it
 * refuses) is remembered in `native_refused` and not asked again; 403/410 (no
 * permission, no feature) stop it for the whole repository, with one notice
 * on the issue. Other errors are thrown (the issue stays dirty and the next
 * flush retries). Returns the number of requests sent.
 */
export async function syncNativeDependencies(
  octokit: Octokit,
  rt: AppRuntime,
  r: RepoRef,
  taskId: string,
  wanted: readonly number[],
): Promise<number> {
  const key = rt.repoKey(r)
  if (rt.state.repo(key).native_dependencies === 'refused') return 0
  const record = rt.state.issue(taskId)
  if (!record) return 0
  const { add, remove } = blockedByChanges(
    record.native_blocked_by,
    wanted,
    record.native_refused ?? [],
  )
  if (add.length === 0 && remove.length === 0) return 0
  let linked = [...record.native_blocked_by]
  const refused: number[] = []
  let sent = 0
  // Each link is recorded as soon as GitHub has it, so a later failure loses none.
  const save = () => {
    const fresh = rt.state.issue(taskId) ?? record
    rt.state.saveIssue({
      ...fresh,
      native_blocked_by: linked,
      native_refused: [...new Set([...(fresh.native_refused ?? []), ...refused])],
    })
  }
  try {
    for (const issueId of add) {
      sent++
      try {
        await octokit.rest.issues.addBlockedByDependency({
          owner: r.owner,
          repo: r.repo,
          issue_number: record.number,
          issue_id: issueId,
        })
        linked = [...linked, issueId]
      } catch (err) {
        const status = (err as { status?: number }).status
        // 404/422 concern this one dependency: remember it and go on. 403/410
        // mean no permission or no feature in this repository: say so once and stop here.
        if (status === 404 || status === 422) {
          refused.push(issueId)
          continue
        }
        if (status !== 403 && status !== 410) throw err
        rt.state.saveRepo(key, rt.now(), { native_dependencies: 'refused' })
        save()
        sent++
        await octokit.rest.issues.createComment({
          owner: r.owner,
          repo: r.repo,
          issue_number: record.number,
          body: `ℹ️ ${NATIVE_DEPENDENCIES_REFUSED} (HTTP ${status}: ${inline((err as Error).message)}). Task Orchestrator carries on with the \`### Depends on\` task list and will not try again in this repository.`,
        })
        return sent
      }
    }
    for (const issueId of remove) {
      sent++
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
    }
  } finally {
    save()
  }
  return sent
}
