/**
 * Which tasks a pull request is about: issues it closes (GitHub's closing
 * keywords: close, closes, closed, fix, fixes, fixed, resolve, resolves,
 * resolved — https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue),
 * a `Task: #N` line, and a `task/N-…` branch name. Closing references are
 * kept apart: only those complete a task when the pull request merges.
 */
import { type IssueRef, parseIssueReference, type RepoContext } from './references.js'

const REF = String.raw`(?:https?://\S+/issues/\d+|[\w.-]+/[\w.-]+#\d+|#\d+)`
const CLOSING = new RegExp(
  String.raw`\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+(${REF})`,
  'gi',
)
const TASK_LINE = new RegExp(String.raw`^\s*tasks?\s*:\s*((?:${REF}[\s,]*)+)$`, 'gim')
const BRANCH = /^task\/(\d+)(?:[-_/].*)?$/i

/** The tasks a pull request names, as issue references (deduplicated, in order). */
export interface PullRequestTasks {
  /** Issues the pull request closes when merged. */
  closes: IssueRef[]
  /** Every task it names (closing references, `Task:` lines, the branch). */
  tasks: IssueRef[]
}

function add(list: IssueRef[], ref: IssueRef | null): void {
  if (
    ref &&
    !list.some((r) => r.owner === ref.owner && r.repo === ref.repo && r.number === ref.number)
  ) {
    list.push(ref)
  }
}

/** Read the tasks of a pull request from its body and head branch name. */
export function tasksOfPullRequest(
  pr: { body?: string | null; head_ref?: string | null },
  context: RepoContext,
): PullRequestTasks {
  const body = (pr.body ?? '').replace(/<!--[\s\S]*?-->/g, '').replace(/```[\s\S]*?```/g, '')
  const closes: IssueRef[] = []
  const tasks: IssueRef[] = []
  for (const m of body.matchAll(CLOSING)) add(closes, parseIssueReference(m[1]!, context))
  for (const ref of closes) add(tasks, ref)
  for (const m of body.matchAll(TASK_LINE)) {
    for (const word of m[1]!.split(/[\s,]+/).filter(Boolean))
      add(tasks, parseIssueReference(word, context))
  }
  const branch = BRANCH.exec(pr.head_ref ?? '')
  if (branch) add(tasks, { owner: context.owner, repo: context.repo, number: Number(branch[1]) })
  return { closes, tasks }
}
