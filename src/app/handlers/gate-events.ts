/**
 * Events that feed the completion gate: CI verdicts (`check_run.completed` of
 * the `Task criteria` check, recorded so that `/done` needs no API call), pull
 * requests (which tasks they name, their head commit and author), and merged
 * pull requests, which complete the tasks they close only through the gate —
 * when it has not passed, the issue is reopened and says why.
 */
import type { Context } from 'probot'
import { isTaskError } from '../../core/errors.js'
import type { Config } from '../../github/config.js'
import { gateReopenedNotice } from '../../github/issue-replies.js'
import { hasPermission } from '../../github/permissions.js'
import { tasksOfPullRequest } from '../../github/pull-request-tasks.js'
import { parseVerdictMarker, untrustedVerdictReason } from '../../github/verdict.js'
import { decideGate } from '../gate.js'
import type { PullRequestRecord } from '../gate-state.js'
import { publish } from '../publish.js'
import type { AppRuntime, Octokit, RepoRef } from '../runtime.js'

/** The check run the gate Action publishes. */
export const CHECK_NAME = 'Task criteria'

/**
 * `check_run.completed`: record the verdict carried by a `Task criteria` check
 * run — only when the app the repository's config trusts (`gate.app`, default
 * `github-actions`) created it. A verdict-shaped check run of any other app is
 * logged (warning, with the app and the check run) and not stored, so it can
 * never pass the gate. The same rule holds in the Actions-hosted mode, whose
 * check runs are read back from the API (`checks.listForRef`, which carries
 * `app`) and delivered here.
 */
export async function onCheckRunCompleted(
  rt: AppRuntime,
  context: Context<'check_run.completed'>,
): Promise<void> {
  const run = context.payload.check_run
  if (run.name !== CHECK_NAME) return
  const verdict = parseVerdictMarker(run.output?.summary ?? '')
  if (!verdict) return
  // A verdict counts only for a task of the repository the check ran in, and
  // only for the commit the check run is attached to: a check run elsewhere
  // (or a marker naming another commit) cannot vouch for this task.
  const repository = context.payload.repository
  const repo = `${repository.owner.login}/${repository.name}`
  if (!verdict.task.startsWith(`${repo}#`)) return
  if (verdict.sha && verdict.sha !== run.head_sha) return
  // Only the trusted app vouches: anyone with `checks: write` can name a check run `Task criteria`.
  const { config } = await rt.config(context.octokit, {
    owner: repository.owner.login,
    repo: repository.name,
  })
  const untrusted = untrustedVerdictReason(run.app, config.gate.app)
  if (untrusted) {
    context.log.warn(
      {
        check_run: run.id,
        app: run.app?.slug ?? null,
        app_id: run.app?.id ?? null,
        task: verdict.task,
      },
      `ignored the Task criteria check run ${run.id} for ${verdict.task}: ${untrusted}`,
    )
    return
  }
  rt.gate.saveVerdict({
    check_run_id: run.id,
    task_id: verdict.task,
    head_sha: run.head_sha,
    digest: verdict.digest,
    passed: run.conclusion === 'success',
    results: verdict.results,
    url: run.html_url ?? null,
    completed_at: run.completed_at ?? rt.now(),
  })
  rt.state.markStatusDirty([verdict.task])
}

/** `pull_request.*`: remember which tasks a pull request names; on merge, run the gate. */
export async function onPullRequest(
  rt: AppRuntime,
  context: Context<'pull_request'>,
): Promise<void> {
  const { pull_request: pr, repository } = context.payload
  const r: RepoRef = { owner: repository.owner.login, repo: repository.name }
  const refs = tasksOfPullRequest(
    { body: pr.body, head_ref: pr.head.ref },
    { owner: r.owner, repo: r.repo, ...(rt.host ? { host: rt.host } : {}) },
  )
  const id = (ref: { owner: string; repo: string; number: number }) =>
    rt.taskId({ owner: ref.owner, repo: ref.repo }, ref.number)
  rt.gate.savePullRequest({
    repo: rt.repoKey(r),
    number: pr.number,
    head_sha: pr.head.sha,
    author: pr.user?.login ?? '',
    state: pr.state,
    merged: Boolean(pr.merged),
    merged_by: pr.merged_by?.login ?? null,
    closes: refs.closes.map(id),
    tasks: refs.tasks.map(id),
    updated_at: rt.now(),
  })
  if (context.payload.action !== 'closed' || !pr.merged) return
  const { config } = await rt.config(context.octokit, r)
  const merger = pr.merged_by?.login ?? context.payload.sender?.login ?? ''
  for (const ref of refs.closes) {
    // Only tasks of this repository: a merge elsewhere cannot complete them.
    if (ref.owner !== r.owner || ref.repo !== r.repo) continue
    const taskId = id(ref)
    if (!rt.state.issue(taskId)?.is_task) continue
    await gateOnClose(
      rt,
      context.octokit,
      r,
      taskId,
      config,
      merger,
      `the merged pull request #${pr.number}`,
      rt.gate.pullRequestsFor(taskId).find((p) => p.number === pr.number),
    )
  }
}

/**
 * A task was closed by a merged pull request (or is about to be): complete it
 * when the gate passes, otherwise reopen it and say why. Tasks without
 * criteria complete as before.
 */
export async function gateOnClose(
  rt: AppRuntime,
  octokit: Octokit,
  r: RepoRef,
  taskId: string,
  config: Config,
  closer: string,
  via: string,
  pullRequest?: PullRequestRecord,
): Promise<void> {
  const task = rt.engine.get(taskId)
  const record = rt.state.issue(taskId)
  if (!record) return
  const level = closer ? await rt.permission(octokit, r, closer) : 'none'
  const canOverride = hasPermission(level, config.permissions.override.level)
  // Every task goes through the gate: one without criteria passes it unless the
  // pull request is by someone other than the lease holder (and no maintainer merged it).
  const decision = decideGate(rt, taskId, config, canOverride, pullRequest)
  const completed: string[] = []
  if (decision.passed && task.status !== 'completed') {
    try {
      if (task.lease) {
        rt.engine.complete(taskId, task.lease.holder, task.lease.token, {
          summary: `completed by ${via}`,
          verified: { by: 'Task criteria check', evidence: decision.evidence },
        })
      } else rt.engine.closeByPerson(taskId, 'completed', closer, `completed by ${via}`)
      completed.push(taskId)
    } catch (err) {
      if (!isTaskError(err)) throw err
      decision.passed = false
      decision.missing.push(err.message)
    }
  }
  if (!decision.passed) {
    // GitHub closes an issue its merged pull request closes: the mirror must reopen it.
    const now = rt.state.issue(taskId)
    if (now && pullRequest)
      rt.state.saveIssue({ ...now, state: 'closed', state_reason: 'completed' })
    rt.engine.reopen(taskId, closer || null)
  }
  // Tell the issue why, once per pull request (both the merge and the issue
  // closing deliver an event; either may come first).
  if (!decision.passed && rt.gate.noticeOnce(taskId, pullRequest?.number ?? 0, rt.now())) {
    await octokit.rest.issues.createComment({
      owner: r.owner,
      repo: r.repo,
      issue_number: record.number,
      body: gateReopenedNotice(via, decision.missing),
    })
  }
  const touched = new Set([taskId, ...rt.engine.show(taskId).dependents])
  await publish(octokit, rt, config, rt.repoKey(r), { touched, completed })
}
