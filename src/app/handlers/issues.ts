/**
 * `issues.*`: tasks created from issues, bodies re-read on edit, and manual
 * edits read back into the engine — closing (completed or not planned),
 * reopening, relabelling, assigning. The app never fights a person: what
 * someone did by hand becomes the task's state, and the mirror starts from it.
 */
import type { Context } from 'probot'
import { isTaskError } from '../../core/errors.js'
import { type Config, findAgent } from '../../github/config.js'
import { parseIssueBody } from '../../github/issue-body.js'
import { parseLabels } from '../../github/labels.js'
import { closedStatus } from '../../github/mirror.js'
import { hasPermission } from '../../github/permissions.js'
import { ensureNativeDependencies } from '../native-dependencies.js'
import { publish } from '../publish.js'
import type { AppRuntime, Octokit, RepoRef } from '../runtime.js'
import { readSubIssues } from '../sub-issues.js'
import { flushStatus } from '../sync.js'
import {
  type IssuePayload,
  isStale,
  isTaskIssue,
  labelNames,
  requireIssue,
  syncTaskFromIssue,
} from '../tasks-from-issues.js'
import { gateOnClose } from './gate-events.js'

type IssuesContext = Context<'issues'>

function repoOf(context: IssuesContext): RepoRef {
  return { owner: context.payload.repository.owner.login, repo: context.payload.repository.name }
}

/** Events from bots that are not listed agents (the app itself among them) are ignored. */
function ignored(context: IssuesContext, config: Config): boolean {
  const sender = context.payload.sender
  return sender?.type === 'Bot' && !findAgent(sender.login, config)
}

/**
 * Start tracking an issue as a task (opened with the task label, or labelled
 * later), or re-read it after an edit; then mirror labels, post or refresh the
 * status comment, mirror dependencies natively and report problems.
 */
async function track(
  rt: AppRuntime,
  context: IssuesContext,
  config: Config,
  issue: IssuePayload,
): Promise<void> {
  const r = repoOf(context)
  const octokit = context.octokit
  const result = syncTaskFromIssue(
    rt,
    r,
    issue,
    config,
    context.payload.installation?.id ?? null,
    context.payload.sender?.login ?? 'github',
  )
  await publish(octokit, rt, config, rt.repoKey(r), { touched: result.touched })
  if (result.created) await readSubIssues(octokit, rt, r, result.taskId)
  const record = rt.state.issue(result.taskId)
  if (record && (result.created || record.status_comment_id === null)) {
    await flushStatus(octokit, rt, record)
  }
  const edges = new Set(rt.engine.show(result.taskId).depends_on)
  const mirrored = result.dependsOn.filter((ref) =>
    edges.has(rt.taskId({ owner: ref.owner, repo: ref.repo }, ref.number)),
  )
  await ensureNativeDependencies(octokit, rt, r, result.taskId, mirrored)
  if (result.problems.length) {
    await octokit.rest.issues.createComment({
      owner: r.owner,
      repo: r.repo,
      issue_number: issue.number,
      body: `Task Orchestrator could not apply everything in this issue:\n\n${result.problems.map((p) => `- ${p}`).join('\n')}`,
    })
  }
}

/** `issues.opened`, `issues.edited`, `issues.labeled`, `issues.unlabeled`. */
export async function onIssueChanged(rt: AppRuntime, context: IssuesContext): Promise<void> {
  const r = repoOf(context)
  const { config, error } = await rt.config(context.octokit, r)
  const issue = requireIssue(context.payload.issue)
  const taskId = rt.taskId(r, issue.number)
  const record = rt.state.issue(taskId)
  if (isStale(record, issue)) return
  if (ignored(context, config)) {
    // A bot's edit (the gate Action ticking criteria, say) changes no task, but
    // the body is remembered so the app's own edits start from it.
    if (record && context.payload.action === 'edited') {
      rt.state.saveIssue({
        ...record,
        body: issue.body ?? '',
        github_updated_at: issue.updated_at ?? record.github_updated_at,
      })
    }
    return
  }
  if (context.payload.action === 'edited' && record?.is_task) {
    await recordConfirmations(rt, context, r, taskId, issue, config)
  }
  if (error && context.payload.action === 'opened')
    await reportConfigError(context.octokit, r, issue.number, error)
  if (!isTaskIssue(issue, config)) {
    if (record?.is_task) {
      // The task label was removed: stop mirroring; the task itself is kept.
      rt.state.saveIssue({
        ...record,
        is_task: false,
        labels: labelNames(issue),
        updated_at: rt.now(),
      })
    }
    return
  }
  const action = context.payload.action
  if (!record?.is_task || action === 'opened' || action === 'edited')
    return track(rt, context, config, issue)
  // A person relabelled a task: read the labels back.
  const labels = labelNames(issue)
  rt.state.saveIssue({
    ...record,
    labels,
    github_updated_at: issue.updated_at ?? record.github_updated_at,
    updated_at: rt.now(),
  })
  await readLabelsBack(
    rt,
    context.octokit,
    r,
    taskId,
    labels,
    config,
    context.payload.sender?.login ?? null,
  )
}

async function readLabelsBack(
  rt: AppRuntime,
  octokit: Octokit,
  r: RepoRef,
  taskId: string,
  labels: string[],
  config: Config,
  actor: string | null,
): Promise<void> {
  const parsed = parseLabels(labels, config)
  const task = rt.engine.get(taskId)
  const touched = new Set<string>([taskId])
  const completed: string[] = []
  try {
    rt.engine.write(() => {
      if (parsed.priority && parsed.priority !== task.priority)
        rt.engine.update(taskId, { priority: parsed.priority }, actor)
      if (parsed.persona && parsed.persona !== task.persona)
        rt.engine.update(taskId, { persona: parsed.persona }, actor)
      const open = !['completed', 'failed', 'cancelled'].includes(task.status)
      if (parsed.requiresApproval && !task.requires_approval && open)
        rt.engine.update(taskId, { requires_approval: true }, actor)
      const status = parsed.status
      if (!status || status === task.status) return
      if (status === 'completed' || status === 'cancelled') {
        rt.engine.closeByPerson(taskId, status, actor)
        if (status === 'completed') completed.push(taskId)
      } else if (status === 'blocked')
        rt.engine.block(taskId, `labelled blocked by @${actor ?? 'someone'}`, actor)
      else if (status === 'pending') {
        if (task.status === 'blocked' && task.blocked_reason) rt.engine.unblock(taskId, actor)
        else if (task.status === 'in_progress')
          rt.engine.revokeLease(taskId, actor, 'relabelled pending')
        else rt.engine.reopen(taskId, actor)
      }
    })
  } catch (err) {
    if (!isTaskError(err)) throw err
    // The label asked for something the task cannot do (e.g. block a leased task): keep the task as it is.
  }
  for (const id of rt.engine.show(taskId).dependents) touched.add(id)
  await publish(octokit, rt, config, rt.repoKey(r), { touched, completed })
}

/** `issues.closed` and `issues.reopened`. */
export async function onIssueClosedOrReopened(
  rt: AppRuntime,
  context: IssuesContext,
): Promise<void> {
  const r = repoOf(context)
  const { config } = await rt.config(context.octokit, r)
  if (ignored(context, config)) return
  const issue = requireIssue(context.payload.issue)
  const taskId = rt.taskId(r, issue.number)
  const record = rt.state.issue(taskId)
  if (!record || isStale(record, issue)) return
  const actor = context.payload.sender?.login ?? null
  const closing = context.payload.action === 'closed'
  rt.state.saveIssue({
    ...record,
    issue_id: issue.id,
    state: closing ? 'closed' : 'open',
    state_reason: issue.state_reason ?? null,
    github_updated_at: issue.updated_at ?? record.github_updated_at,
    updated_at: rt.now(),
  })
  if (closing) {
    // Closed by a merged pull request (recorded before this event or after it):
    // the completion gate decides. Otherwise a person closed it by hand.
    const merged = rt.gate
      .pullRequestsFor(taskId)
      .find((p) => p.merged && p.closes.includes(taskId))
    if (merged && issue.state_reason !== 'not_planned') {
      await gateOnClose(
        rt,
        context.octokit,
        r,
        taskId,
        config,
        actor ?? '',
        `the merged pull request #${merged.number}`,
        merged,
      )
      return
    }
  }
  if (
    closing &&
    issue.state_reason !== 'not_planned' &&
    rt.engine.get(taskId).success_criteria.length > 0
  ) {
    // Closing by hand completes a task with success criteria only for a maintainer
    // (the override permission); anyone else goes through the completion gate.
    const level = actor ? await rt.permission(context.octokit, r, actor) : 'none'
    if (!hasPermission(level, config.permissions.override.level)) {
      await gateOnClose(
        rt,
        context.octokit,
        r,
        taskId,
        config,
        actor ?? '',
        `@${actor ?? 'someone'}`,
      )
      return
    }
  }
  const completed: string[] = []
  if (closing) {
    const how = closedStatus(issue.state_reason)
    if (rt.engine.closeByPerson(taskId, how, actor) && how === 'completed') completed.push(taskId)
  } else {
    rt.engine.reopen(taskId, actor)
  }
  const touched = new Set([taskId, ...rt.engine.show(taskId).dependents])
  await publish(context.octokit, rt, config, rt.repoKey(r), { touched, completed })
}

/** `issues.assigned` and `issues.unassigned`: assigning claims for the assignee; unassigning the holder revokes. */
export async function onIssueAssignment(rt: AppRuntime, context: IssuesContext): Promise<void> {
  const r = repoOf(context)
  const { config } = await rt.config(context.octokit, r)
  if (ignored(context, config)) return
  const issue = requireIssue(context.payload.issue)
  const taskId = rt.taskId(r, issue.number)
  const record = rt.state.issue(taskId)
  if (!record?.is_task || isStale(record, issue)) return
  const assignee = (context.payload as { assignee?: { login: string } | null }).assignee?.login
  const actor = context.payload.sender?.login ?? null
  rt.state.saveIssue({
    ...record,
    assignees: (issue.assignees ?? []).flatMap((a) => (a ? [a.login] : [])),
    github_updated_at: issue.updated_at ?? record.github_updated_at,
    updated_at: rt.now(),
  })
  if (!assignee) return
  const task = rt.engine.get(taskId)
  try {
    rt.applySettings(config)
    if (context.payload.action === 'assigned' && task.status === 'pending')
      rt.engine.claim(taskId, assignee)
    else if (
      context.payload.action === 'unassigned' &&
      task.lease?.holder.toLowerCase() === assignee.toLowerCase()
    ) {
      rt.engine.revokeLease(taskId, actor, `@${assignee} unassigned by @${actor ?? 'someone'}`)
    } else return
  } catch (err) {
    if (!isTaskError(err)) throw err
    return // e.g. the assignee is at capacity: leave the assignment as a person's note
  }
  await publish(context.octokit, rt, config, rt.repoKey(r), { touched: [taskId] })
}

/** Tell the issue that the config is broken (the last good one stays in use). */
export async function reportConfigError(
  octokit: Octokit,
  r: RepoRef,
  number: number,
  error: string,
): Promise<void> {
  await octokit.rest.issues.createComment({
    owner: r.owner,
    repo: r.repo,
    issue_number: number,
    body: `⚠️ Task Orchestrator's configuration has an error; the last good configuration (or the defaults) stays in use until it is fixed.\n\n\`\`\`\n${error}\n\`\`\``,
  })
}

/**
 * Who ticked or unticked a manual criterion in this edit (GitHub sends the
 * previous body in `changes.body.from`). A tick counts for the gate only when
 * its author has the `confirm` permission; listed agents do not, unless the
 * config says so.
 */
async function recordConfirmations(
  rt: AppRuntime,
  context: IssuesContext,
  r: RepoRef,
  taskId: string,
  issue: IssuePayload,
  config: Config,
): Promise<void> {
  const from = (context.payload as { changes?: { body?: { from?: string } } }).changes?.body?.from
  if (from === undefined) return
  const ctx = { owner: r.owner, repo: r.repo, ...(rt.host ? { host: rt.host } : {}) }
  const before = parseIssueBody(from, ctx).criteria.filter((c) => !c.measurable)
  const after = parseIssueBody(issue.body ?? '', ctx).criteria.filter((c) => !c.measurable)
  const changed = after.filter(
    (c) => c.checked !== (before.find((b) => b.criterion === c.criterion)?.checked ?? false),
  )
  if (changed.length === 0) return
  const sender = context.payload.sender?.login ?? ''
  const rule = config.permissions.confirm
  const agent = findAgent(sender, config)
  const allowed =
    (agent !== undefined && rule.agents) ||
    hasPermission(await rt.permission(context.octokit, r, sender), rule.level)
  for (const c of changed) {
    rt.gate.saveConfirmation(taskId, c.criterion, c.checked ? sender : null, allowed, rt.now())
  }
  rt.state.markStatusDirty([taskId])
}
