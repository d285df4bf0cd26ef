/**
 * Rebuilding the app's state from GitHub (issue 5, "Rebuild"): when the
 * database is lost — a first run, an expired or corrupt state artifact in the
 * Actions-hosted mode, a lost disk — everything the app needs is still on
 * GitHub. This module is the pure half: from a recorded repository state (the
 * issues with the task label, the repository's comments, its labels and
 * config, as `./rebuild-fetch.ts` reads them) it plans what to write: the
 * tasks (`src/core/restore.ts`) and the app's bookkeeping (`src/app/state.ts`)
 * so that the app then behaves as if it had been running all along — it edits
 * the status comments it finds instead of posting new ones, and knows the
 * labels the repository has.
 *
 * Where each fact comes from, in the app's own terms (reusing its mappings):
 *
 * * task or not: the task label (`isTaskIssue`); pull requests are skipped;
 * * status: a closed issue is `completed`, or `cancelled` when closed as not
 *   planned (as the app reads a person's closing); an open one has the status
 *   of its `status:` label (`parseLabels`), `pending` when it has none;
 * * title, description, estimate, deadline: as the app reads an issue
 *   (`titleAndDescription`, `fieldsOf`); priority and persona: the labels,
 *   which the app keeps equal to the task, else the form's fields;
 * * dependencies, criteria, subtasks: the body's task lists
 *   (`parseIssueBody`); GitHub sub-issues make parents too (their
 *   `parent_issue_url`, and the sub-issue list of a task whose sub-issues are
 *   not all tasks). Native `blocked_by` links are not read as dependencies —
 *   the app only mirrors the body to them — but the links that mirror a body
 *   dependency are remembered, so the app does not add them again;
 * * an issue a task depends on that is not a task is tracked, as the app
 *   tracks it: blocked until it is closed as completed;
 * * lease holder and fencing token, attempts, blocked reason, completion
 *   summary: the task's status comment (`./rebuild-status.ts`), checked
 *   against the assignees; then the newest lease a reply names; then the
 *   only (or first) assignee, with a token above every one the replies name.
 *   A restarted lease gets a fresh TTL (`lease.ttl` of the config).
 *
 * Nothing in a body aborts a rebuild: a reference that cannot be read, a
 * pull request named as a dependency, an edge that would close a cycle or a
 * bad criterion is skipped and reported (`skipped`), the rest applies.
 */

import { NATIVE_DEPENDENCIES_REFUSED } from '../app/native-dependencies.js'
import type { IssueRecord } from '../app/state.js'
import {
  fieldsOf,
  isTaskIssue,
  labelNames,
  TRACKED_REASON,
  titleAndDescription,
  trackedTitle,
} from '../app/tasks-from-issues.js'
import { isTaskError } from '../core/errors.js'
import type { Unmapped } from '../core/import/plan.js'
import { githubTaskId, type Status } from '../core/model.js'
import type { RestorableStatus, RestoredTask, RestorePlan } from '../core/restore.js'
import { parseComment } from './commands.js'
import { type Config, DEFAULT_CONFIG, durationMs, parseConfig } from './config.js'
import { type IssueBody, parseIssueBody } from './issue-body.js'
import { parseLabels } from './labels.js'
import {
  commentIssueNumber,
  onPullRequest,
  type RecordedComment,
  readAppComments,
} from './rebuild-status.js'
import { type IssueRef, isSameRepository, type RepoContext } from './references.js'

export type { RecordedComment } from './rebuild-status.js'

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

/** Options of {@link planRebuild}. */
export interface PlanOptions {
  /** GitHub Enterprise Server host, for issue URLs in bodies. */
  host?: string | undefined
  /** The app's login; default: any bot not listed as an agent (see `rebuild-status.ts`). */
  appLogin?: string | undefined
  /** The installation the bookkeeping records (needed by a Probot server's background work). */
  installationId?: number | null | undefined
  /** TTL of restarted leases in ms; default the config's `lease.ttl`. */
  leaseTtlMs?: number | undefined
  /** The rebuild's time, ISO-8601 (bookkeeping `updated_at`). */
  now: string
}

/** A command comment a rebuild left for the catch-up scan: no reply of the app names it. */
export interface UnansweredComment {
  comment: number
  issue: number
  author: string
  created_at: string
}

/** What to write: see the module comment. */
export interface RebuildPlan {
  config: Config
  /** The config's error, when the file is broken (the defaults are used, as the app would). */
  configError: string | null
  restore: RestorePlan
  records: IssueRecord[]
  repo: { labels: string[]; native_dependencies?: string }
  /** Command comments the app answered, to record as handled. */
  handled: { comment: number; issue: number; commands: number }[]
  unanswered: UnansweredComment[]
  skipped: Unmapped[]
  counts: { tasks: number; tracked: number; pullRequests: number; statusComments: number }
}

/** `owner/repo#n` of a reference. */
function key(ref: IssueRef): string {
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
function normalise(ref: IssueRef, context: RepoContext): IssueRef {
  return isSameRepository(ref, context) ? { ...ref, owner: context.owner, repo: context.repo } : ref
}

function bodyOf(issue: RecordedIssue, context: RepoContext): IssueBody {
  const body = parseIssueBody(issue.body ?? '', context)
  const fix = <T extends { ref: IssueRef }>(items: T[]) =>
    items.map((i) => ({ ...i, ref: normalise(i.ref, context) }))
  return { ...body, dependsOn: fix(body.dependsOn), subtasks: fix(body.subtasks) }
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

/** Status of an issue as the app reads a person's closing, reopening and relabelling. */
function statusOf(issue: RecordedIssue, labelled: Status | null): Status | null {
  if (issue.state === 'closed')
    return issue.state_reason === 'not_planned' ? 'cancelled' : 'completed'
  return labelled
}

/**
 * Plan a rebuild of `state` (see the module comment). Pure: no network, no
 * database. Never throws for what is on GitHub; a broken config is reported
 * in `configError` and the defaults are used, as the app does.
 */
export function planRebuild(state: RepositoryState, options: PlanOptions): RebuildPlan {
  const { config, error: configError } = readConfig(state.config)
  const context: RepoContext = { owner: state.owner, repo: state.repo, host: options.host }
  const repoKey = `${state.owner}/${state.repo}`
  const skipped: Unmapped[] = []
  const skip = (item: string, field: string, value: unknown, reason: string) =>
    skipped.push({ item, field, value, reason })
  const tasks = taskIssues(state.issues, config)
  const pullRequests = state.issues.filter((i) => i.pull_request)
  for (const pr of pullRequests)
    skip(
      `${repoKey}#${pr.number}`,
      'issue',
      'pull request',
      'a pull request, not an issue; skipped',
    )
  const idOf = (n: number) => githubTaskId(state.owner, state.repo, n)
  const byId = new Map(tasks.map((t) => [idOf(t.number), t]))
  const issueOf = (task: string) => {
    const m = /#(\d+)$/.exec(task)
    return task.startsWith(`${repoKey}#`) && m ? Number(m[1]) : null
  }
  const app = readAppComments(state.comments, { appLogin: options.appLogin, config }, issueOf)
  const ttl = options.leaseTtlMs ?? durationMs(config.lease.ttl)

  // Tracked issues: named by tasks, not tasks themselves.
  const tracked = new Map<string, RecordedIssue>()
  const usable = (ref: IssueRef, from: string, field: string): string | null => {
    const id = key(ref)
    if (byId.has(id)) return id
    const issue = state.referenced[id]
    if (!issue) {
      skip(
        from,
        field,
        id,
        `${id} could not be read on GitHub (deleted, private, or out of the token's reach); skipped`,
      )
      return null
    }
    if (issue.pull_request) {
      skip(from, field, id, `${id} is a pull request, not an issue; skipped`)
      return null
    }
    tracked.set(id, issue)
    return id
  }

  const restored: RestoredTask[] = []
  const dependencies: RestorePlan['dependencies'] = []
  const parents = new Map<string, string>()
  const setParent = (child: string, parent: string) => {
    const known = parents.get(child)
    if (known && known !== parent) {
      skip(child, 'parent', parent, `already a subtask of ${known}; second parent skipped`)
    } else parents.set(child, parent)
  }
  const bodies = new Map<string, IssueBody>()
  for (const issue of tasks) {
    const id = idOf(issue.number)
    const body = bodyOf(issue, context)
    bodies.set(id, body)
    for (const problem of body.problems) skip(id, 'body', issue.number, problem)
    for (const item of body.dependsOn) {
      const dep = usable(item.ref, id, 'dependsOn')
      if (dep) dependencies.push({ task: id, dependsOn: dep })
    }
    for (const item of body.subtasks) {
      const child = usable(item.ref, id, 'subtasks')
      if (child) setParent(child, id)
    }
    for (const childKey of state.subIssues[issue.number] ?? []) {
      const child = usable(normalise(refOfId(childKey), context), id, 'sub-issues')
      if (child) setParent(child, id)
    }
    const parent = refOfApiUrl(issue.parent_issue_url)
    if (parent && byId.has(key(normalise(parent, context))))
      setParent(id, key(normalise(parent, context)))
  }

  const statusById = new Map<string, Status>()
  for (const [id, issue] of tracked) {
    statusById.set(id, issue.state === 'closed' ? (statusOf(issue, null) as Status) : 'blocked')
  }
  const labelsOf = new Map(tasks.map((t) => [idOf(t.number), parseLabels(labelNames(t), config)]))
  for (const issue of tasks) {
    const id = idOf(issue.number)
    const labelled = labelsOf.get(id)!
    for (const c of labelled.conflicts)
      skip(id, 'labels', c.labels, `several ${c.kind} labels; the ${c.kind} is read from the rest`)
    let status = statusOf(issue, labelled.status)
    if (status === null) {
      skip(id, 'status', null, 'no status label; the status follows from the dependencies')
      status = 'pending'
    }
    if ((status as string) === 'waiting') {
      skip(
        id,
        'status',
        'waiting',
        'waiting for an answer; restored in progress (questions are not rebuilt)',
      )
      status = 'in_progress'
    }
    statusById.set(id, status)
  }

  for (const issue of tasks) {
    const id = idOf(issue.number)
    const labels = labelNames(issue)
    const parsed = labelsOf.get(id)!
    const body = bodies.get(id)!
    const fields = fieldsOf(body, labels, config)
    const facts = app.status.get(id)?.facts
    const replies = app.replies.get(id)
    let status = statusById.get(id) as RestorableStatus
    const assignees = (issue.assignees ?? []).flatMap((a) => (a ? [a.login] : []))
    let lease: { holder: string; token: number } | null = null
    const maxToken = Math.max(replies?.maxToken ?? 0, facts?.token ?? 0)
    if (status === 'in_progress') {
      const assigned = (login: string | null | undefined) =>
        login ? assignees.find((a) => a.toLowerCase() === login.toLowerCase()) : undefined
      if (facts?.holder && facts.token && assigned(facts.holder))
        lease = { holder: assigned(facts.holder)!, token: facts.token }
      else if (replies?.lastLease && assigned(replies.lastLease.holder))
        lease = { holder: assigned(replies.lastLease.holder)!, token: replies.lastLease.token }
      else if (assignees.length) {
        lease = { holder: assignees[0]!, token: maxToken + 1 }
        skip(
          id,
          'lease',
          assignees,
          `no lease recorded for the assignees; @${assignees[0]} holds it with token ${maxToken + 1}`,
        )
      } else {
        skip(id, 'status', 'in_progress', 'in progress but nobody is assigned; now pending')
        status = 'pending'
      }
    }
    const unmet = dependencies.some(
      (d) => d.task === id && statusById.get(d.dependsOn) !== 'completed',
    )
    let blockedReason = facts?.blockedReason ?? null
    if (status === 'blocked' && !blockedReason && !unmet)
      blockedReason = 'labelled blocked on GitHub'
    if (status === 'completed') blockedReason = null
    restored.push({
      id,
      ...titleAndDescription(issue, fields.description),
      status,
      priority: parsed.priority ?? fields.priority ?? 'medium',
      persona: parsed.persona ?? fields.persona ?? null,
      success_criteria: body.criteria.map((c) => ({
        criterion: c.criterion,
        ...(c.measurable ? { measurable: c.measurable } : {}),
      })),
      deadline: fields.deadline ?? null,
      estimated_hours: fields.estimated_hours ?? null,
      completion_summary: facts?.completionSummary ?? null,
      blocked_reason: blockedReason,
      attempts: facts?.attempts ?? 0,
      max_attempts: facts?.maxAttempts ?? config.lease.max_attempts,
      lease,
      fencing_seq: Math.max(maxToken, lease?.token ?? 0),
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      completed_at: issue.closed_at ?? null,
    })
  }
  for (const [id, issue] of tracked) {
    const status = statusById.get(id) as RestorableStatus
    restored.push({
      id,
      title: trackedTitle(refOfId(id)),
      status,
      blocked_reason: status === 'completed' ? null : TRACKED_REASON,
      max_attempts: config.lease.max_attempts,
      completed_at: issue.closed_at ?? null,
    })
  }

  const records: IssueRecord[] = []
  const base = { installation_id: options.installationId ?? null, updated_at: options.now }
  for (const issue of tasks) {
    const id = idOf(issue.number)
    const found = app.status.get(id)?.comment
    const depIds = new Set(
      dependencies
        .filter((d) => d.task === id)
        .map((d) => (byId.get(d.dependsOn) ?? tracked.get(d.dependsOn))?.id),
    )
    records.push({
      ...base,
      task_id: id,
      repo: repoKey,
      number: issue.number,
      issue_id: issue.id,
      is_task: true,
      state: issue.state === 'closed' ? 'closed' : 'open',
      state_reason: issue.state_reason ?? null,
      labels: labelNames(issue),
      assignees: (issue.assignees ?? []).flatMap((a) => (a ? [a.login] : [])),
      body: issue.body ?? '',
      status_comment_id: found?.id ?? null,
      status_comment: found?.body ?? null,
      status_dirty: !found,
      native_blocked_by: (state.blockedBy[issue.number] ?? []).filter((n) => depIds.has(n)),
      github_updated_at: issue.updated_at,
    })
  }
  for (const [id, issue] of tracked) {
    const ref = refOfId(id)
    const closed = issue.state === 'closed'
    records.push({
      ...base,
      task_id: id,
      repo: `${ref.owner}/${ref.repo}`,
      number: issue.number,
      issue_id: closed ? issue.id : null,
      is_task: false,
      state: closed ? 'closed' : 'open',
      state_reason: closed ? (issue.state_reason ?? null) : null,
      labels: [],
      assignees: [],
      body: '',
      status_comment_id: null,
      status_comment: null,
      status_dirty: false,
      native_blocked_by: [],
      github_updated_at: null,
    })
  }

  // Command comments: handled when a reply of the app names them, or when
  // they are on an issue that is not a task (the app could only refuse them).
  const handled: RebuildPlan['handled'] = []
  const unanswered: UnansweredComment[] = []
  for (const c of state.comments) {
    const body = c.body ?? ''
    const issue = commentIssueNumber(c)
    if (!issue || onPullRequest(c) || body.includes('<!-- task-orchestrator')) continue
    const parsed = parseComment(body, context)
    if (parsed.commands.length + parsed.errors.length === 0) continue
    if (app.answered.has(c.id) || !byId.has(idOf(issue)))
      handled.push({ comment: c.id, issue, commands: parsed.commands.length })
    else
      unanswered.push({
        comment: c.id,
        issue,
        author: c.user?.login ?? '',
        created_at: c.created_at,
      })
  }

  const refused = app.containing(NATIVE_DEPENDENCIES_REFUSED).length > 0
  return {
    config,
    configError,
    restore: {
      source: `github:${repoKey}`,
      tasks: restored,
      dependencies,
      parents: [...parents].map(([task, parent]) => ({ task, parent })),
      leaseTtlMs: ttl,
    },
    records,
    repo: { labels: state.labels, ...(refused ? { native_dependencies: 'refused' } : {}) },
    handled,
    unanswered,
    skipped,
    counts: {
      tasks: tasks.length,
      tracked: tracked.size,
      pullRequests: pullRequests.length,
      statusComments: app.status.size,
    },
  }
}
