/**
 * `issues.assigned` and `issues.unassigned`: an assignment by hand is a
 * claim for the assignee, an unassignment of the holder the end of their
 * lease — as far as the actor's rules allow (issue 14).
 */
import { isTaskError } from '../../core/errors.js'
import { historyReasons } from '../../github/history-reasons.js'
import { manualChangeWhat } from '../../github/issue-replies.js'
import { manualEditReplies } from '../../github/manual-edits.js'
import { actorPermission } from '../manual-permission.js'
import { isStale, requireIssue } from '../tasks-from-issues.js'
import { type IssueDeps, type IssuesContext, ignored, reply, repoOf } from './issue-event.js'

/**
 * `issues.assigned` and `issues.unassigned`: assigning claims for the assignee;
 * unassigning the holder revokes — only for an actor the `claim` / `release`
 * rule allows (and `override` when the assignee is someone else); otherwise
 * nothing is claimed or revoked (the holder is assigned again), with one
 * reply saying why.
 */
export async function onIssueAssignment(deps: IssueDeps, context: IssuesContext): Promise<void> {
  const r = repoOf(context)
  const { config } = await deps.config(context.octokit, r)
  if (ignored(context, config)) return
  const issue = requireIssue(context.payload.issue)
  const taskId = deps.taskId(r, issue.number)
  const record = deps.state.issue(taskId)
  if (!record?.is_task || isStale(record, issue)) return
  const assignee = (context.payload as { assignee?: { login: string } | null }).assignee?.login
  const actor = context.payload.sender?.login ?? null
  deps.state.saveIssue({
    ...record,
    assignees: (issue.assignees ?? []).flatMap((a) => (a ? [a.login] : [])),
    github_updated_at: issue.updated_at ?? record.github_updated_at,
    updated_at: deps.now(),
  })
  if (!assignee) return
  const task = deps.engine.get(taskId)
  const claiming = context.payload.action === 'assigned' && task.status === 'pending'
  const revoking =
    context.payload.action === 'unassigned' &&
    task.lease?.holder.toLowerCase() === assignee.toLowerCase()
  if (!claiming && !revoking) return
  // Assigning is a claim for the assignee, unassigning the holder ends their lease: each
  // only as far as the matching command may (`claim`, `release`; `override` for someone else).
  const who = actorPermission(deps, context.octokit, r, config, actor)
  const auth = claiming
    ? await who.may('claim', manualChangeWhat.assign(assignee), assignee)
    : await who.may('release', manualChangeWhat.unassign(assignee), assignee)
  if (!auth.allowed) {
    // Nothing changes: the mirror assigns the lease holder again (an unassignment);
    // an assignment that claims nothing stays as a person's note.
    await deps.mirror.publish(context.octokit, config, deps.repoKey(r), { touched: [taskId] })
    await reply(
      context.octokit,
      r,
      issue.number,
      manualEditReplies.assignmentRefused(auth.reason, claiming),
    )
    return
  }
  try {
    if (claiming) deps.engine.claim(taskId, assignee, undefined, deps.policy(config))
    else deps.engine.revokeLease(taskId, actor, historyReasons.unassignedBy(assignee, actor))
  } catch (err) {
    if (!isTaskError(err)) throw err
    return // e.g. the assignee is at capacity: leave the assignment as a person's note
  }
  await deps.mirror.publish(context.octokit, config, deps.repoKey(r), { touched: [taskId] })
}
