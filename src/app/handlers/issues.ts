/**
 * `issues.opened`, `.edited`, `.labeled`, `.unlabeled`: tasks created from
 * issues, bodies re-read on edit, and relabelling read back into the engine
 * (closing and reopening: `issue-closed.ts`; assigning: `issue-assigned.ts`;
 * what they share: `issue-event.ts`). What someone did by hand becomes the
 * task's state as far as their permission rules allow (issue 14): an issue
 * becomes a task only from someone with `track`; labels, closing, reopening
 * and edits of the guarded parts of the body are checked against their rules,
 * and what is refused is set back with one reply saying why.
 */
import type { Config } from '../../github/config.js'
import { parseIssueBody } from '../../github/issue-body.js'
import { configErrorNotice, manualChangeWhat, problemsNotice } from '../../github/issue-replies.js'
import { manualEditReplies } from '../../github/manual-edits.js'
import { judgeBodyEdit, onlyTicksChanged } from '../body-edits.js'
import { readLabelsBack } from '../labels-read-back.js'
import { type ActorPermission, actorPermission } from '../manual-permission.js'
import type { Octokit, RepoRef } from '../runtime.js'
import {
  type IssuePayload,
  isStale,
  isTaskIssue,
  labelNames,
  requireIssue,
} from '../tasks-from-issues.js'
import { type IssueDeps, type IssuesContext, ignored, reply, repoOf } from './issue-event.js'

/**
 * Start tracking an issue as a task (opened with the task label, or labelled
 * later), or re-read it after an edit; then mirror labels, post or refresh the
 * status comment, mirror dependencies natively and report problems.
 * `issue.body` is the body accepted. When `githubBody` is given, GitHub holds
 * that body: it is recorded as GitHub's copy only (never as the accepted
 * body), and the mirror sends the accepted body back (parts of an edit set
 * back) — now, or, when GitHub refuses, on a later flush.
 */
async function track(
  deps: IssueDeps,
  context: IssuesContext,
  config: Config,
  issue: IssuePayload,
  githubBody?: string,
): Promise<void> {
  const r = repoOf(context)
  const octokit = context.octokit
  const result = deps.syncTask(
    r,
    issue,
    config,
    context.payload.installation?.id ?? null,
    context.payload.sender?.login ?? 'github',
  )
  const saved = deps.state.issue(result.taskId)
  if (githubBody !== undefined && saved) {
    // This edit is judged now: the mirror may write over GitHub's body again.
    deps.state.saveIssue({ ...saved, body: githubBody, unjudged_edit: false })
  }
  // The mirror's writer: labels, state, body and the native dependency links.
  await deps.mirror.publish(octokit, config, deps.repoKey(r), { touched: result.touched })
  if (result.created) await deps.readSubIssues(octokit, r, result.taskId)
  const record = deps.state.issue(result.taskId)
  if (record && (result.created || record.status_comment_id === null)) {
    await deps.mirror.statusComment(octokit, record)
  }
  if (result.problems.length) {
    await reply(octokit, r, issue.number, problemsNotice(result.problems))
  }
}

/**
 * `issues.opened`, `issues.edited`, `issues.labeled`, `issues.unlabeled`.
 * Only people with the `track` rule make an issue a task; edits of the
 * guarded parts of the body and relabelling take effect only as far as the
 * actor's rules allow (see `body-edits.ts`, `labels-read-back.ts`).
 */
export async function onIssueChanged(deps: IssueDeps, context: IssuesContext): Promise<void> {
  const r = repoOf(context)
  const { config, error } = await deps.config(context.octokit, r)
  const issue = requireIssue(context.payload.issue)
  const taskId = deps.taskId(r, issue.number)
  const record = deps.state.issue(taskId)
  const action = context.payload.action
  if (isStale(record, issue)) return
  if (ignored(context, config)) {
    // A bot's edit (the gate Action ticking criteria, say) changes no task, but
    // the body is accepted so the app's own edits start from it — unless,
    // against the last accepted body, it changed criteria, dependencies or
    // subtasks, which a bot may not: then it is only GitHub's copy, and the
    // next mirror of the task sets the accepted body back.
    if (record && action === 'edited') {
      const body = issue.body ?? ''
      const accepted = onlyTicksChanged(deps.host, r, record.accepted_body, body)
      // While a person's edit is unjudged (the mirror ticked on top of it), its
      // older delivery must not become stale by this newer one.
      deps.state.saveIssue({
        ...record,
        body,
        accepted_body: accepted ? body : record.accepted_body,
        github_updated_at: record.unjudged_edit
          ? record.github_updated_at
          : (issue.updated_at ?? record.github_updated_at),
      })
    }
    return
  }
  if (error && action === 'opened') await reportConfigError(context.octokit, r, issue.number, error)
  if (!isTaskIssue(issue, config)) {
    if (record?.is_task) {
      // The task label was removed: stop mirroring; the task itself is kept.
      deps.state.saveIssue({
        ...record,
        is_task: false,
        labels: labelNames(issue),
        updated_at: deps.now(),
      })
    }
    return
  }
  const who = actorPermission(deps, context.octokit, r, config, context.payload.sender?.login)
  if (!record?.is_task) {
    // Anyone may open an issue with the task label (the issue form sets it):
    // it becomes a task only from someone with the `track` rule.
    const auth = await who.may('track', manualChangeWhat.track)
    if (!auth.allowed) {
      if (tellNotTracked(context, config))
        await reply(
          context.octokit,
          r,
          issue.number,
          manualEditReplies.notTracked(auth.reason, config.task_label),
        )
      return
    }
    return track(deps, context, config, issue)
  }
  if (action === 'opened' || action === 'edited') {
    // Judged against the last ACCEPTED body, never GitHub's copy: a refused
    // edit whose set-back GitHub has not taken yet is no baseline.
    const edited = issue.body ?? ''
    const decision = await judgeBodyEdit(deps, r, taskId, record.accepted_body, edited, who)
    if (action === 'edited')
      await recordConfirmations(deps, context, r, taskId, decision.accepted, who)
    // The reply is sent even when GitHub refuses the set-back (it is sent
    // again by the next flush); the refusal is thrown afterwards.
    const failed = await track(deps, context, config, { ...issue, body: decision.accepted }, edited)
      .then(() => null)
      .catch((err: unknown) => ({ err }))
    if (decision.reasons.length)
      await reply(
        context.octokit,
        r,
        issue.number,
        manualEditReplies.bodyPartsRestored(
          who.actor || 'someone',
          decision.reasons,
          decision.whole,
        ),
      )
    if (failed) throw failed.err
    return
  }
  // A person relabelled a task: read the labels back.
  const labels = labelNames(issue)
  deps.state.saveIssue({
    ...record,
    labels,
    github_updated_at: issue.updated_at ?? record.github_updated_at,
    updated_at: deps.now(),
  })
  await readLabelsBack(deps, context.octokit, r, taskId, labels, config, who)
}

/**
 * Say "not a task yet" on opening, and when someone other than the author
 * adds the task label later (GitHub also sends `labeled` for the labels an
 * issue is opened with: one reply is enough).
 */
function tellNotTracked(context: IssuesContext, config: Config): boolean {
  const p = context.payload as {
    action: string
    label?: { name?: string }
    issue?: { user?: { login?: string } | null }
    sender?: { login?: string }
  }
  if (p.action === 'opened') return true
  return (
    p.action === 'labeled' &&
    (p.label?.name ?? '').toLowerCase() === config.task_label.toLowerCase() &&
    (p.sender?.login ?? '').toLowerCase() !== (p.issue?.user?.login ?? '').toLowerCase()
  )
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
    body: configErrorNotice(error),
  })
}

/**
 * Who ticked or unticked a manual criterion in this edit (GitHub sends the
 * previous body in `changes.body.from`; `body` is the body as accepted, with
 * refused parts set back). A tick counts for the gate only when its author
 * has the `confirm` permission; listed agents do not, unless the config says so.
 */
async function recordConfirmations(
  deps: IssueDeps,
  context: IssuesContext,
  r: RepoRef,
  taskId: string,
  body: string,
  who: ActorPermission,
): Promise<void> {
  const from = (context.payload as { changes?: { body?: { from?: string } } }).changes?.body?.from
  if (from === undefined) return
  const ctx = { owner: r.owner, repo: r.repo, ...(deps.host ? { host: deps.host } : {}) }
  const before = parseIssueBody(from, ctx).criteria.filter((c) => !c.measurable)
  const after = parseIssueBody(body, ctx).criteria.filter((c) => !c.measurable)
  const changed = after.filter(
    (c) => c.checked !== (before.find((b) => b.criterion === c.criterion)?.checked ?? false),
  )
  if (changed.length === 0) return
  const sender = who.actor
  const allowed = (await who.may('confirm', manualChangeWhat.confirm)).allowed
  for (const c of changed) {
    deps.gate.saveConfirmation(taskId, c.criterion, c.checked ? sender : null, allowed, deps.now())
  }
  deps.state.markStatusDirty([taskId])
}
