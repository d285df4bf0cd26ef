/**
 * `issues.closed` and `issues.reopened`: closing or reopening a task's issue
 * by hand changes the task as far as the actor's rules allow (issue 14);
 * what is refused is set back by the mirror with one reply saying why.
 */

import type { Status } from '../../core/model.js'
import { closedBy, manualChangeWhat } from '../../github/issue-replies.js'
import { manualEditReplies } from '../../github/manual-edits.js'
import { closedStatus } from '../../github/mirror.js'
import { actorPermission } from '../manual-permission.js'
import { isStale, requireIssue } from '../tasks-from-issues.js'
import { type IssueDeps, type IssuesContext, ignored, reply, repoOf } from './issue-event.js'

const FINAL: readonly Status[] = ['completed', 'failed', 'cancelled']

/**
 * `issues.closed` and `issues.reopened`. Closing as completed needs the
 * `close` rule, as not planned `cancel`, reopening a finished task `reopen`
 * (and `override` when someone else holds the lease); without it the issue is
 * set back (reopened, or closed again) with a reply saying why. A task with
 * success criteria or an approval checkpoint closed by someone without
 * `override` goes through the completion gate.
 */
export async function onIssueClosedOrReopened(
  deps: IssueDeps,
  context: IssuesContext,
): Promise<void> {
  const r = repoOf(context)
  const { config } = await deps.config(context.octokit, r)
  if (ignored(context, config)) return
  const issue = requireIssue(context.payload.issue)
  const taskId = deps.taskId(r, issue.number)
  const record = deps.state.issue(taskId)
  if (!record || isStale(record, issue)) return
  const actor = context.payload.sender?.login ?? null
  const closing = context.payload.action === 'closed'
  deps.state.saveIssue({
    ...record,
    issue_id: issue.id,
    state: closing ? 'closed' : 'open',
    state_reason: issue.state_reason ?? null,
    github_updated_at: issue.updated_at ?? record.github_updated_at,
    updated_at: deps.now(),
  })
  if (closing) {
    // Closed by a merged pull request (recorded before this event or after it):
    // the completion gate decides. Otherwise a person closed it by hand.
    const merged = deps.gate
      .pullRequestsFor(taskId)
      .find((p) => p.merged && p.closes.includes(taskId))
    if (merged && issue.state_reason !== 'not_planned') {
      await deps.gateOnClose(
        context.octokit,
        r,
        taskId,
        config,
        actor ?? '',
        closedBy.mergedPullRequest(merged.number),
        merged,
      )
      return
    }
  }
  const task = deps.engine.get(taskId)
  const how = closedStatus(issue.state_reason)
  const who = actorPermission(deps, context.octokit, r, config, actor)
  const changes = closing ? task.status !== how : FINAL.includes(task.status)
  if (changes && record.is_task) {
    const auth = closing
      ? await who.may(
          how === 'completed' ? 'close' : 'cancel',
          manualChangeWhat.close(how === 'completed'),
          task.lease?.holder ?? null,
        )
      : await who.may('reopen', manualChangeWhat.reopen(task.status))
    if (!auth.allowed) {
      // Nothing changes: the mirror sets the issue back (reopens it, or closes it again).
      await deps.mirror.publish(context.octokit, config, deps.repoKey(r), { touched: [taskId] })
      await reply(
        context.octokit,
        r,
        issue.number,
        manualEditReplies.stateUndone(closing ? 'Reopened' : 'Closed again', auth.reason),
      )
      return
    }
  }
  if (
    closing &&
    how === 'completed' &&
    task.status !== 'completed' &&
    (task.success_criteria.length > 0 || task.requires_approval) &&
    !(await who.canOverride())
  ) {
    // Closing by hand completes a task with success criteria (or an approval
    // checkpoint) only for a maintainer (the override permission); anyone else
    // goes through the completion gate.
    await deps.gateOnClose(context.octokit, r, taskId, config, actor ?? '', closedBy.person(actor))
    return
  }
  const completed: string[] = []
  if (closing) {
    if (deps.engine.closeByPerson(taskId, how, actor) && how === 'completed') completed.push(taskId)
  } else {
    deps.engine.reopen(taskId, actor)
  }
  const touched = new Set([taskId, ...deps.engine.show(taskId).dependents])
  await deps.mirror.publish(context.octokit, config, deps.repoKey(r), { touched, completed })
}
