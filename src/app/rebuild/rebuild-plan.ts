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
 *   summary, progress, milestone, approval, participants, open questions, a
 *   paused lease and the recent history: the task's status comment
 *   (`./rebuild-status.ts`) — its marker's JSON (`./markers.ts`), or the
 *   prose of a comment written before the marker carried the state — the
 *   holder checked against the assignees; then the newest lease a reply
 *   names; then the only (or first) assignee, with a token above every one
 *   the replies name. A restarted lease gets a fresh TTL (`lease.ttl` of the
 *   config). A status marker that cannot be read (a later version) is
 *   reported (`skipped`) and the task rebuilt without it.
 *
 * Nothing in a body aborts a rebuild: a reference that cannot be read, a
 * pull request named as a dependency, an edge that would close a cycle or a
 * bad criterion is skipped and reported (`skipped`), the rest applies.
 */

import type { Unmapped } from '../../core/import/plan.js'
import { githubTaskId, type Status } from '../../core/model.js'
import type { RestorableStatus, RestoredTask, RestorePlan } from '../../core/restore.js'
import { type Config, durationMs } from '../../github/config.js'
import type { IssueBody } from '../../github/issue-body.js'
import { type ParsedLabels, parseLabels } from '../../github/labels.js'
import { closedStatus } from '../../github/mirror.js'
import {
  type ReplyFacts,
  readAppComments,
  type StatusCommentFacts,
} from '../../github/rebuild-status.js'
import type { IssueRef, RepoContext } from '../../github/references.js'
import { NATIVE_DEPENDENCIES_REFUSED } from '../native-dependencies.js'
import type { IssueRecord } from '../state.js'
import {
  fieldsOf,
  labelNames,
  TRACKED_REASON,
  titleAndDescription,
  trackedTitle,
} from '../tasks-from-issues.js'
import { commandComments, issueRecords, type UnansweredComment } from './rebuild-records.js'
import {
  assigneesOf,
  bodyOf,
  key,
  normalise,
  type RecordedIssue,
  type RepositoryState,
  readConfig,
  refOfApiUrl,
  refOfId,
  taskIssues,
} from './rebuild-state.js'

export type { UnansweredComment } from './rebuild-records.js'

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

type Skip = (item: string, field: string, value: unknown, reason: string) => void

/** Status of an issue as the app reads a person's closing, reopening and relabelling. */
function statusOf(issue: RecordedIssue, labelled: Status | null): Status | null {
  if (issue.state === 'closed') return closedStatus(issue.state_reason)
  return labelled
}

/** Edges and parents between tasks and the issues they name. */
interface Graph {
  /** Issues named by tasks that are not tasks, by task id. */
  tracked: Map<string, RecordedIssue>
  dependencies: RestorePlan['dependencies']
  /** Child → parent. */
  parents: Map<string, string>
  bodies: Map<string, IssueBody>
}

/**
 * Dependencies, subtasks and sub-issues of the task issues. A name that
 * GitHub would not show, or a pull request, is skipped and reported; a
 * second parent for one child too.
 */
function readGraph(
  state: RepositoryState,
  tasks: Map<string, RecordedIssue>,
  context: RepoContext,
  skip: Skip,
): Graph {
  const g: Graph = { tracked: new Map(), dependencies: [], parents: new Map(), bodies: new Map() }
  const usable = (ref: IssueRef, from: string, field: string): string | null => {
    const id = key(ref)
    if (tasks.has(id)) return id
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
    g.tracked.set(id, issue)
    return id
  }
  const setParent = (child: string | null, parent: string) => {
    if (!child) return
    const known = g.parents.get(child)
    if (known && known !== parent)
      skip(child, 'parent', parent, `already a subtask of ${known}; second parent skipped`)
    else g.parents.set(child, parent)
  }
  for (const [id, issue] of tasks) {
    const body = bodyOf(issue, context)
    g.bodies.set(id, body)
    for (const problem of body.problems) skip(id, 'body', issue.number, problem)
    for (const item of body.dependsOn) {
      const dep = usable(item.ref, id, 'dependsOn')
      if (dep) g.dependencies.push({ task: id, dependsOn: dep })
    }
    for (const item of body.subtasks) setParent(usable(item.ref, id, 'subtasks'), id)
    for (const child of state.subIssues[issue.number] ?? [])
      setParent(usable(normalise(refOfId(child), context), id, 'sub-issues'), id)
    const parent = refOfApiUrl(issue.parent_issue_url)
    const parentId = parent && key(normalise(parent, context))
    if (parentId && tasks.has(parentId)) setParent(id, parentId)
  }
  return g
}

/**
 * The status of every task (its issue's state and `status:` label) and
 * tracked issue (completed or cancelled once closed, else blocked).
 */
function readStatuses(
  tasks: Map<string, RecordedIssue>,
  labels: Map<string, ParsedLabels>,
  tracked: Map<string, RecordedIssue>,
  skip: Skip,
): Map<string, RestorableStatus> {
  const out = new Map<string, RestorableStatus>()
  for (const [id, issue] of tracked)
    out.set(id, (statusOf(issue, null) as RestorableStatus | null) ?? 'blocked')
  for (const [id, issue] of tasks) {
    const labelled = labels.get(id)!
    for (const c of labelled.conflicts)
      skip(id, 'labels', c.labels, `several ${c.kind} labels; the ${c.kind} is read from the rest`)
    let status = statusOf(issue, labelled.status) as string | null
    if (status === null) {
      skip(id, 'status', null, 'no status label; the status follows from the dependencies')
      status = 'pending'
    }

    out.set(id, status as RestorableStatus)
  }
  return out
}

/**
 * The lease of an in-progress task: the status comment's holder and token
 * when that holder is assigned; else the newest lease a reply names whose
 * holder is assigned; else the first assignee, with a token above all the
 * replies name. Null when nobody is assigned.
 */
function leaseOf(
  id: string,
  assignees: string[],
  facts: StatusCommentFacts | undefined,
  replies: ReplyFacts | undefined,
  maxToken: number,
  skip: Skip,
): { holder: string; token: number } | null {
  const assigned = (login: string | null | undefined) =>
    login ? assignees.find((a) => a.toLowerCase() === login.toLowerCase()) : undefined
  const fromComment = assigned(facts?.holder)
  if (fromComment && facts?.token) return { holder: fromComment, token: facts.token }
  const fromReply = assigned(replies?.lastLease?.holder)
  if (fromReply && replies?.lastLease) return { holder: fromReply, token: replies.lastLease.token }
  if (!assignees.length) return null
  skip(
    id,
    'lease',
    assignees,
    `no lease recorded for the assignees; @${assignees[0]} holds it with token ${maxToken + 1}`,
  )
  return { holder: assignees[0]!, token: maxToken + 1 }
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
  const skip: Skip = (item, field, value, reason) => skipped.push({ item, field, value, reason })
  const idOf = (n: number) => githubTaskId(state.owner, state.repo, n)
  const tasks = new Map(taskIssues(state.issues, config).map((t) => [idOf(t.number), t]))
  const pullRequests = state.issues.filter((i) => i.pull_request)
  for (const pr of pullRequests)
    skip(idOf(pr.number), 'issue', 'pull request', 'a pull request, not an issue; skipped')
  const issueOf = (task: string) => {
    const m = /#(\d+)$/.exec(task)
    return task.startsWith(`${repoKey}#`) && m ? Number(m[1]) : null
  }
  const app = readAppComments(state.comments, { appLogin: options.appLogin, config }, issueOf)
  if (!options.appLogin && app.statusAuthors.length > 1)
    skip(
      repoKey,
      'appLogin',
      app.statusAuthors,
      `status comments by several bot accounts (${app.statusAuthors.join(', ')}) were each read as the app's; give the app's login (tm rebuild --app-login) to read only its own`,
    )
  const graph = readGraph(state, tasks, context, skip)
  const labels = new Map([...tasks].map(([id, t]) => [id, parseLabels(labelNames(t), config)]))
  const statuses = readStatuses(tasks, labels, graph.tracked, skip)

  const restored: RestoredTask[] = []
  const events: NonNullable<RestorePlan['events']> = []
  const progress: NonNullable<RestorePlan['progress']> = []
  for (const [id, issue] of tasks) {
    const parsed = labels.get(id)!
    const body = graph.bodies.get(id)!
    const fields = fieldsOf(body, labelNames(issue), config)
    const found = app.status.get(id)
    const facts = found?.facts
    if (found?.facts.problem)
      skip(id, 'status comment', found.comment.id, `${found.facts.problem}; read without it`)
    const replies = app.replies.get(id)
    const maxToken = Math.max(replies?.maxToken ?? 0, facts?.token ?? 0)
    // The history and progress the status comment shows, so it reads the same when re-rendered.
    for (const h of facts?.history ?? []) events.push({ ...h, task_id: id })
    if (facts?.progress) progress.push({ task: id, ...facts.progress })
    let status = statuses.get(id)!
    let lease: { holder: string; token: number } | null = null
    if (status === 'in_progress' || status === 'waiting') {
      lease = leaseOf(id, assigneesOf(issue), facts, replies, maxToken, skip)
      if (!lease) {
        skip(
          id,
          'status',
          status,
          `${status.replace('_', ' ')} but nobody is assigned; now pending`,
        )
        status = 'pending'
      }
    }
    const unmet = graph.dependencies.some(
      (d) => d.task === id && statuses.get(d.dependsOn) !== 'completed',
    )
    let blockedReason = status === 'completed' ? null : (facts?.blockedReason ?? null)
    if (status === 'blocked' && !blockedReason && !unmet)
      blockedReason = 'labelled blocked on GitHub'
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
      paused_at: facts?.pausedAt ?? null,
      open_questions: (facts?.openQuestions ?? []).map((q) => ({
        asked_by: q.askedBy,
        asked_of: q.askedOf,
        question: q.question,
      })),
      participants: facts?.participants ?? [],
      milestone: facts?.milestone ?? null,
      requires_approval: parsed.requiresApproval,
      approval: facts?.approval ?? null,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      completed_at: issue.closed_at ?? null,
      completed_by: issue.closed_by?.login ?? null,
    })
  }
  for (const [id, issue] of graph.tracked) {
    const status = statuses.get(id)!
    restored.push({
      id,
      title: trackedTitle(refOfId(id)),
      status,
      blocked_reason: status === 'completed' ? null : TRACKED_REASON,
      max_attempts: config.lease.max_attempts,
      created_at: issue.created_at,
      completed_at: issue.closed_at ?? null,
      completed_by: issue.closed_by?.login ?? null,
    })
  }

  const comments = commandComments(state.comments, context, (n) => tasks.has(idOf(n)), app)
  const refused = app.containing(NATIVE_DEPENDENCIES_REFUSED).length > 0
  return {
    config,
    configError,
    restore: {
      source: `github:${repoKey}`,
      tasks: restored,
      dependencies: graph.dependencies,
      parents: [...graph.parents].map(([task, parent]) => ({ task, parent })),
      events,
      progress,
      leaseTtlMs: options.leaseTtlMs ?? durationMs(config.lease.ttl),
    },
    records: issueRecords({
      repoKey,
      tasks,
      tracked: graph.tracked,
      dependencies: graph.dependencies,
      blockedBy: state.blockedBy,
      app,
      installationId: options.installationId ?? null,
      now: options.now,
    }),
    repo: { labels: state.labels, ...(refused ? { native_dependencies: 'refused' } : {}) },
    ...comments,
    skipped,
    counts: {
      tasks: tasks.size,
      tracked: graph.tracked.size,
      pullRequests: pullRequests.length,
      statusComments: app.status.size,
    },
  }
}
