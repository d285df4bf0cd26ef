/**
 * A repository's state as a rebuild reads it (`./rebuild-fetch.ts`) and
 * plans from it (`./rebuild-plan.ts`): the REST shapes it needs, and the
 * readings both share — the config as the app reads it, which issues are
 * tasks, the references in task bodies, and what to read besides the
 * listings.
 */

import { isTaskError } from '../../core/errors.js'
import { githubTaskId } from '../../core/model.js'
import { type Config, DEFAULT_CONFIG, parseConfig } from '../../github/config.js'
import { type IssueBody, parseIssueBody } from '../../github/issue-body.js'
import type { RecordedComment } from '../../github/rebuild-status.js'
import { type IssueRef, isSameRepository, type RepoContext } from '../../github/references.js'
import { isTaskIssue } from '../tasks-from-issues.js'

export type { RecordedComment } from '../../github/rebuild-status.js'

/** An issue as `GET /repos/{owner}/{repo}/issues` lists it (the fields a rebuild reads). */
export interface RecordedIssue {
  id: number
  number: number
  title: string
  body?: string | null
  state: string
  state_reason?: string | null
  labels: ({ name?: string } | string)[]
  assignees?: ({ login: string } | null)[] | null
  created_at: string
  updated_at: string
  closed_at?: string | null
  /** Who closed it (single-issue responses carry it; listings may not). */
  closed_by?: { login: string } | null
  /** Present on pull requests. */
  pull_request?: unknown
  /** `https://api.github.com/repos/o/r/issues/7` when the issue is a sub-issue. */
  parent_issue_url?: string | null
  /** `https://api.github.com/repos/o/r` (sub-issue listings: a child may be in another repository). */
  repository_url?: string
  issue_dependencies_summary?: { blocked_by?: number; total_blocked_by?: number } | null
  sub_issues_summary?: { total?: number } | null
}

/** What GitHub holds for one repository, as `fetchRepositoryState` records it. */
export interface RepositoryState {
  owner: string
  repo: string
  /** Text of `.github/task-orchestrator.yml`, `''` when the repository has none. */
  config: string
  /** Every label of the repository. */
  labels: string[]
  /** The issues with the task label, pull requests included as GitHub lists them. */
  issues: RecordedIssue[]
  /** Every issue comment of the repository. */
  comments: RecordedComment[]
  /** Issues named by tasks that are not tasks, by `owner/repo#n`; null when GitHub would not show it. */
  referenced: Record<string, RecordedIssue | null>
  /** Sub-issues listed by the sub-issue API, by parent issue number: `owner/repo#n` of each child. */
  subIssues: Record<number, string[]>
  /** Native `blocked_by` links by issue number: the GitHub ids of the blocking issues. */
  blockedBy: Record<number, number[]>
}

/** `owner/repo#n` of a reference. */
export function key(ref: IssueRef): string {
  return githubTaskId(ref.owner, ref.repo, ref.number)
}

/** The reference of a task id `owner/repo#n`. */
export function refOfId(id: string): IssueRef {
  const m = /^([^/]+)\/([^#]+)#(\d+)$/.exec(id)
  return { owner: m?.[1] ?? '', repo: m?.[2] ?? '', number: Number(m?.[3] ?? 0) }
}

/** The issue an API URL names (`…/repos/o/r/issues/7`), or null. */
export function refOfApiUrl(url: string | null | undefined): IssueRef | null {
  const m = url ? /\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(url) : null
  return m ? { owner: m[1]!, repo: m[2]!, number: Number(m[3]) } : null
}

/** Read the config text as the app does; a broken file gives the defaults and the error. */
export function readConfig(text: string): { config: Config; error: string | null } {
  try {
    return { config: parseConfig(text), error: null }
  } catch (err) {
    if (!isTaskError(err)) throw err
    return { config: structuredClone(DEFAULT_CONFIG), error: err.message }
  }
}

/** The task issues of a listing (pull requests and issues without the task label left out), by number. */
export function taskIssues(issues: readonly RecordedIssue[], config: Config): RecordedIssue[] {
  return issues
    .filter((i) => !i.pull_request && isTaskIssue(i, config))
    .sort((a, b) => a.number - b.number)
}

/** Same-repository references take the repository's spelling (GitHub names are case-insensitive). */
export function normalise(ref: IssueRef, context: RepoContext): IssueRef {
  return isSameRepository(ref, context) ? { ...ref, owner: context.owner, repo: context.repo } : ref
}

/** Parsed bodies by issue object and context: the fetch and the plan read each body once. */
const parsed = new WeakMap<RecordedIssue, Map<string, IssueBody>>()

/**
 * The parsed body of a task issue, same-repository references in the
 * repository's spelling. Parsed once per issue object and context (treat the
 * result as read-only).
 */
export function bodyOf(issue: RecordedIssue, context: RepoContext): IssueBody {
  const key = `${context.owner}/${context.repo}@${context.host ?? ''}\n${issue.body ?? ''}`
  const cached = parsed.get(issue)?.get(key)
  if (cached) return cached
  const body = parseIssueBody(issue.body ?? '', context)
  const fix = <T extends { ref: IssueRef }>(items: T[]) =>
    items.map((i) => ({ ...i, ref: normalise(i.ref, context) }))
  const out = { ...body, dependsOn: fix(body.dependsOn), subtasks: fix(body.subtasks) }
  parsed.set(issue, new Map([[key, out]]))
  return out
}

/**
 * What to read besides the listings, once the task issues are known: the
 * issues task bodies name that are not tasks (dependencies and subtasks), the
 * tasks whose sub-issues are not all tasks (their sub-issue list), and the
 * tasks with native `blocked_by` links and body dependencies (their links).
 */
export function followUps(
  state: Pick<RepositoryState, 'owner' | 'repo' | 'issues'>,
  config: Config,
  host?: string,
): { references: IssueRef[]; subIssueParents: number[]; blockedBy: number[] } {
  const context = { owner: state.owner, repo: state.repo, host }
  const tasks = taskIssues(state.issues, config)
  const numbers = new Set(tasks.map((t) => t.number))
  const references = new Map<string, IssueRef>()
  const blockedBy: number[] = []
  const children = new Map<number, number>()
  for (const issue of tasks) {
    const body = bodyOf(issue, context)
    for (const { ref } of [...body.dependsOn, ...body.subtasks]) {
      if (isSameRepository(ref, context) && numbers.has(ref.number)) continue
      references.set(key(ref), ref)
    }
    const deps = issue.issue_dependencies_summary
    if (body.dependsOn.length && ((deps?.total_blocked_by ?? 0) > 0 || (deps?.blocked_by ?? 0) > 0))
      blockedBy.push(issue.number)
    const parent = refOfApiUrl(issue.parent_issue_url)
    if (parent && isSameRepository(parent, context))
      children.set(parent.number, (children.get(parent.number) ?? 0) + 1)
  }
  const subIssueParents = tasks
    .filter((t) => (t.sub_issues_summary?.total ?? 0) > (children.get(t.number) ?? 0))
    .map((t) => t.number)
  return { references: [...references.values()], subIssueParents, blockedBy }
}

/** Logins of an issue's assignees. */
export function assigneesOf(issue: Pick<RecordedIssue, 'assignees'>): string[] {
  return (issue.assignees ?? []).flatMap((a) => (a ? [a.login] : []))
}
