/**
 * GitHub sub-issues, where present, make a task a parent just like its
 * `### Subtasks` list: read once when the task is created, then kept current
 * by `sub_issues` webhooks. A repository (or GitHub Enterprise Server) without
 * sub-issues answers 404/403 once and is not asked again.
 */
import type { Context } from 'probot'
import { isTaskError } from '../core/errors.js'
import type { AppRuntime, Octokit, RepoRef } from './runtime.js'
import { ensureTracked } from './tasks-from-issues.js'

/** Set the parent of every sub-issue of the task's issue. Returns the children found. */
export async function readSubIssues(
  octokit: Octokit,
  rt: AppRuntime,
  r: RepoRef,
  taskId: string,
): Promise<string[]> {
  const key = rt.repoKey(r)
  if (rt.state.repo(key).sub_issues === 'unsupported') return []
  const record = rt.state.issue(taskId)
  if (!record) return []
  let children: { number: number; repository_url?: string }[]
  try {
    const { data } = await octokit.rest.issues.listSubIssues({
      owner: r.owner,
      repo: r.repo,
      issue_number: record.number,
      per_page: 100,
    })
    children = data
  } catch (err) {
    const status = (err as { status?: number }).status
    if (status !== 403 && status !== 404 && status !== 410) throw err
    rt.state.saveRepo(key, rt.now(), { sub_issues: 'unsupported' })
    return []
  }
  const ids: string[] = []
  rt.engine.write(() => {
    for (const child of children) {
      const repo = repoOfUrl(child.repository_url) ?? r
      const id = ensureTracked(rt, { ...repo, number: child.number }, record.installation_id)
      setParent(rt, id, taskId)
      ids.push(id)
    }
  })
  return ids
}

function repoOfUrl(url: string | undefined): RepoRef | null {
  const m = url ? /\/repos\/([^/]+)\/([^/]+)$/.exec(url) : null
  return m ? { owner: m[1]!, repo: m[2]! } : null
}

function setParent(rt: AppRuntime, child: string, parent: string | null): void {
  try {
    rt.engine.update(child, { parent_id: parent }, 'github')
  } catch (err) {
    // A finished subtask keeps its history; anything else is a real problem.
    if (!isTaskError(err, 'InvalidTransition')) throw err
  }
}

/** `sub_issues.sub_issue_added` / `sub_issue_removed`: keep the parent link current. */
export async function onSubIssueChanged(
  rt: AppRuntime,
  context: Context<'sub_issues'>,
): Promise<void> {
  const payload = context.payload as unknown as {
    action: string
    parent_issue: { number: number }
    sub_issue: { number: number; repository_url?: string }
    repository?: { owner: { login: string }; name: string }
    installation?: { id: number }
  }
  if (payload.action !== 'sub_issue_added' && payload.action !== 'sub_issue_removed') return
  const parentRepo = payload.repository
    ? { owner: payload.repository.owner.login, repo: payload.repository.name }
    : null
  if (!parentRepo) return
  const parentId = rt.taskId(parentRepo, payload.parent_issue.number)
  if (!rt.state.issue(parentId)?.is_task) return
  const childRepo = repoOfUrl(payload.sub_issue.repository_url) ?? parentRepo
  rt.engine.write(() => {
    const child = ensureTracked(
      rt,
      { ...childRepo, number: payload.sub_issue.number },
      payload.installation?.id ?? null,
    )
    setParent(rt, child, payload.action === 'sub_issue_added' ? parentId : null)
  })
  rt.state.markStatusDirty([parentId])
}
