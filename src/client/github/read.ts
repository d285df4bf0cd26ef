/**
 * Reads of the GitHub transport, no command posted: the repository's
 * configuration (labels), a task from its issue and its status comment
 * (`status`), and the claimable tasks by their labels (`ready`). Markers
 * are read only through `src/github/markers.ts`, and only from comments by
 * the app's login with `user.type` `Bot`. Also the issue a task id names
 * (`issueOfTask`: of the client's repository only).
 */
import { TaskError } from '../../core/errors.js'
import { PRIORITIES, type Priority } from '../../core/model.js'
import { CONFIG_PATH, type Config, DEFAULT_CONFIG, parseConfig } from '../../github/config.js'
import { parseLabels } from '../../github/labels.js'
import { readStatusMarker, type StatusState } from '../../github/markers.js'
import { isSameRepository, parseIssueReference } from '../../github/references.js'
import { ClientError } from '../errors.js'
import type { ClientTask, ClientTaskDetail } from '../types.js'
import {
  type ExchangeContext,
  type GitHubComment,
  type IssueRef,
  listComments,
  MAX_COMMENT_PAGES,
} from './exchange.js'
import { hasNextPage, statusOf } from './octokit.js'

/** An issue as GitHub returns it (the fields read). */
export interface GitHubIssue {
  number: number
  title: string
  body?: string | null
  state?: string
  labels: (string | { name?: string })[]
  assignee?: { login: string } | null
  created_at: string
  updated_at: string
  closed_at?: string | null
  pull_request?: unknown
}

/** `owner/repo#number`, the app's task id. */
export function taskId(issue: IssueRef): string {
  return `${issue.owner}/${issue.repo}#${issue.number}`
}

/**
 * The issue of a task id — `owner/repo#12`, `#12`, `12` or an issue URL — of
 * `repo` only. Throws `InvalidInput` for anything else, and for another
 * repository's task: the client reads `repo`'s config, and a caller (an
 * agent told by text it read) must not comment elsewhere with the token.
 */
export function issueOfTask(
  task: string | number,
  repo: { owner: string; repo: string },
): IssueRef {
  const text = String(task).trim()
  const ref = parseIssueReference(/^\d+$/.test(text) ? `#${text}` : text, repo)
  if (!ref)
    throw new TaskError(
      'InvalidInput',
      `"${text.slice(0, 200)}" is not a task on GitHub: write owner/repo#12, #12 or an issue URL.`,
    )
  if (!isSameRepository(ref, repo))
    throw new TaskError(
      'InvalidInput',
      `${ref.owner}/${ref.repo}#${ref.number} is not in ${repo.owner}/${repo.repo}, the repository this client works on; use a client for ${ref.owner}/${ref.repo}.`,
    )
  return { owner: repo.owner, repo: repo.repo, number: ref.number }
}

/**
 * The repository's `.github/task-orchestrator.yml` (the app's config: label
 * names, the task label), parsed as the app parses it; the defaults when the
 * file does not exist. Throws `InvalidInput` (line and column) when it is
 * invalid, as the app refuses it.
 */
export async function readConfig(
  ctx: ExchangeContext,
  repo: { owner: string; repo: string },
  signal: AbortSignal | undefined,
): Promise<Config> {
  try {
    const r = await ctx.octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      owner: repo.owner,
      repo: repo.repo,
      path: CONFIG_PATH,
      headers: { accept: 'application/vnd.github.raw+json' },
      ...(signal ? { request: { signal } } : {}),
    })
    return parseConfig(String(r.data))
  } catch (err) {
    if (statusOf(err) === 404) return DEFAULT_CONFIG
    throw err
  }
}

const labelNames = (issue: GitHubIssue) =>
  issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? '')))

/** A task as the issue's labels show it (for `ready`; see {@link ClientTask}). */
export function taskFromLabels(repo: IssueRef, issue: GitHubIssue, config: Config): ClientTask {
  const labels = parseLabels(labelNames(issue), config)
  return {
    id: taskId({ ...repo, number: issue.number }),
    title: issue.title,
    description: issue.body ?? '',
    status: labels.status ?? 'pending',
    priority: labels.priority ?? 'medium',
    persona: labels.persona,
    assignee: issue.assignee?.login ?? null,
    created_at: issue.created_at,
    updated_at: issue.updated_at,
  }
}

/**
 * A task from its issue and the status marker's state (see
 * {@link ClientTaskDetail}); without a readable marker, from the labels.
 */
export function taskFromIssue(
  ref: IssueRef,
  issue: GitHubIssue,
  state: StatusState | null,
  config: Config,
): ClientTaskDetail {
  const base = taskFromLabels(ref, issue, config)
  if (!state) return base
  const { lease } = state
  return {
    ...base,
    id: state.task,
    status: state.status as ClientTask['status'],
    priority: state.priority as Priority,
    persona: state.persona,
    milestone: state.milestone,
    lease: lease
      ? {
          holder: lease.holder,
          token: lease.token,
          acquired_at: lease.acquired_at,
          heartbeat_at: lease.heartbeat_at,
          expires_at: lease.expires_at,
          ...(lease.paused ? { paused: lease.paused } : {}),
        }
      : null,
    attempts: state.attempts,
    max_attempts: state.max_attempts,
    blocked_reason: state.blocked_reason,
    requires_approval: state.requires_approval,
    approved_by: state.approved_by,
    approved_at: state.approved_at,
    completion_summary: state.completion_summary,
    completed_at: state.status === 'completed' ? (issue.closed_at ?? null) : null,
    participants: state.participants.map((p) => ({
      agent: p.agent,
      role: p.role,
      joined_at: p.joined_at ?? '',
    })),
    open_questions: state.open_questions.map((q) => ({
      asked_by: q.asked_by,
      asked_of: q.asked_of,
      question: q.question,
      ...(q.asked_at ? { asked_at: q.asked_at } : {}),
    })),
    progress: state.progress
      ? { percent: state.progress.percent, message: state.progress.message }
      : null,
  }
}

/** GET the issue (conditionally). */
export async function fetchIssue(
  ctx: ExchangeContext,
  ref: IssueRef,
  signal: AbortSignal | undefined,
): Promise<GitHubIssue> {
  const { data } = await ctx.cache.get(
    'GET /repos/{owner}/{repo}/issues/{issue_number}',
    { owner: ref.owner, repo: ref.repo, issue_number: ref.number },
    signal,
  )
  return data as GitHubIssue
}

/**
 * The task's state from its status comment: the first comment by the app
 * whose first line is a status marker of version 1 for this task. Null when
 * there is none (the app has not written it yet) or it is of a version this
 * client does not read.
 */
export async function readStatus(
  ctx: ExchangeContext,
  ref: IssueRef,
  signal: AbortSignal | undefined,
): Promise<StatusState | null> {
  const id = taskId(ref).toLowerCase()
  const stateOf = (c: GitHubComment): StatusState | null => {
    if (c.user?.login.toLowerCase() !== ctx.appLogin.toLowerCase() || c.user.type !== 'Bot')
      return null
    const reading = readStatusMarker(c.body ?? '')
    return reading?.kind === 'state' && reading.task.toLowerCase() === id ? reading.state : null
  }
  // Paging stops at the status comment (the app writes it early).
  for (const c of await listComments(ctx, ref, undefined, signal, (c) => stateOf(c) !== null)) {
    const state = stateOf(c)
    if (state) return state
  }
  return null
}

const RANK = Object.fromEntries(PRIORITIES.map((p, i) => [p, i])) as Record<Priority, number>

/**
 * Claimable tasks by their labels: open issues with the task label and the
 * `pending` status label, most urgent first (priority, then age), at most
 * `limit` (default 50), of `persona` when given. Deadlines, dependencies
 * and lock-delays are not on labels: the app decides at `/claim`.
 */
export async function readyTasks(
  ctx: ExchangeContext,
  repo: { owner: string; repo: string },
  config: Config,
  options: { persona?: string; limit?: number },
  signal: AbortSignal | undefined,
): Promise<ClientTask[]> {
  const limit = options.limit ?? 50
  const labels = [config.task_label, `${config.labels.status_prefix}pending`].join(',')
  const issues: GitHubIssue[] = []
  for (let page = 1; ; page++) {
    const { data, link } = await ctx.cache.get(
      'GET /repos/{owner}/{repo}/issues',
      { owner: repo.owner, repo: repo.repo, state: 'open', labels, per_page: 100, page },
      signal,
    )
    issues.push(...(Array.isArray(data) ? (data as GitHubIssue[]) : []))
    if (!hasNextPage(link)) break
    if (page >= MAX_COMMENT_PAGES)
      throw new ClientError(
        'GitHubError',
        `${repo.owner}/${repo.repo} has more than ${MAX_COMMENT_PAGES * 100} open pending tasks; the client reads at most that many.`,
        { status: null },
      )
  }
  const ref = { ...repo, number: 0 }
  return issues
    .filter((i) => !i.pull_request)
    .map((i) => taskFromLabels(ref, i, config))
    .filter((t) => t.status === 'pending' && (!options.persona || t.persona === options.persona))
    .sort(
      (a, b) =>
        RANK[b.priority] - RANK[a.priority] ||
        String(a.created_at).localeCompare(String(b.created_at)),
    )
    .slice(0, limit)
}
