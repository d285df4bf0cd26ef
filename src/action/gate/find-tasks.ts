/**
 * Which task(s) a run checks. By default the pull request names them, read
 * exactly as the app reads them (`../../github/pull-request-tasks.ts`): a
 * closing keyword (`Closes #12`, `fixes owner/repo#7`, `resolves <issue URL>`),
 * a `Task: #N` line, or a `task/N-…` head branch. Outside a pull request the
 * branch name alone can name one. The `task` input overrides all of these.
 */
import { TaskError } from '../../core/errors.js'
import { tasksOfPullRequest } from '../../github/pull-request-tasks.js'
import { type IssueRef, parseIssueReference, type RepoContext } from '../../github/references.js'

/** Where the tasks came from, for the log and the summary. */
export type TaskSource = 'input' | 'pull request' | 'branch' | 'none'

/** The tasks to check (deduplicated, in the order they were named) and their source. */
export interface FoundTasks {
  tasks: IssueRef[]
  source: TaskSource
}

/** What {@link findTasks} reads. */
export interface TaskClues {
  /** The `task` input; '' when not given. */
  override: string
  /** The triggering pull request, if any. */
  pullRequest: { body: string; headRef: string } | null
  /** The branch of the run (used when there is no pull request). */
  refName: string
  /** This repository: `#12` means an issue here. */
  repository: RepoContext
}

/**
 * The tasks a run checks: those of the `task` input when given, else those
 * the pull request names (body and head branch), else the one a `task/N-…`
 * branch names. `source` is `none` with an empty list when nothing names a
 * task — the gate then passes with a notice.
 *
 * @throws TaskError('InvalidInput') when the `task` input holds something
 *   that is not an issue reference ({@link parseTaskInput}).
 */
export function findTasks(clues: TaskClues): FoundTasks {
  if (clues.override !== '') {
    return { tasks: parseTaskInput(clues.override, clues.repository), source: 'input' }
  }
  if (clues.pullRequest) {
    const { tasks } = tasksOfPullRequest(
      { body: clues.pullRequest.body, head_ref: clues.pullRequest.headRef },
      clues.repository,
    )
    return { tasks, source: tasks.length > 0 ? 'pull request' : 'none' }
  }
  const { tasks } = tasksOfPullRequest({ body: '', head_ref: clues.refName }, clues.repository)
  return { tasks, source: tasks.length > 0 ? 'branch' : 'none' }
}

/**
 * Read the `task` input: references separated by commas, blanks or new
 * lines — `12` or `#12` (an issue of this repository), `owner/repo#12`, or an
 * issue URL on github.com or this server. Duplicates are dropped.
 *
 * @throws TaskError('InvalidInput') naming the first word that is none of these.
 */
export function parseTaskInput(text: string, repository: RepoContext): IssueRef[] {
  const out: IssueRef[] = []
  for (const word of text.split(/[\s,]+/).filter(Boolean)) {
    const ref = parseIssueReference(/^\d+$/.test(word) ? `#${word}` : word, repository)
    if (!ref) {
      throw new TaskError(
        'InvalidInput',
        `Input \`task\`: "${word}" is not an issue reference; write 12, #12, owner/repo#12 or an issue URL.`,
        { input: 'task', value: word },
      )
    }
    if (!out.some((r) => sameIssue(r, ref))) out.push(ref)
  }
  return out
}

/** `owner/repo#12` — the task id the verdict marker and the app use. */
export function taskId(ref: IssueRef): string {
  return `${ref.owner}/${ref.repo}#${ref.number}`
}

function sameIssue(a: IssueRef, b: IssueRef): boolean {
  return (
    a.number === b.number &&
    a.owner.toLowerCase() === b.owner.toLowerCase() &&
    a.repo.toLowerCase() === b.repo.toLowerCase()
  )
}
