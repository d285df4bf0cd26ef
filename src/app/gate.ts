/**
 * The completion gate on GitHub (DESIGN "Success criteria and the CI gate"):
 * a task with success criteria completes only when the newest `Task criteria`
 * check on the head commit of its pull request passed for the criteria exactly
 * as they stand now (the digest matches), every manual criterion is ticked by
 * someone with the `confirm` permission, a task that requires approval has
 * had its `/approve`, and the pull request is by the lease
 * holder (or a maintainer completes it). Decided from what the app recorded —
 * no API call.
 */
import type { Config } from '../github/config.js'
import {
  type GateDecision as Decision,
  gateDecision,
  pullRequestToJudge,
} from '../github/gate-decision.js'
import { parseIssueBody } from '../github/issue-body.js'
import type { PullRequestRecord } from './gate-state.js'
import type { AppRuntime } from './runtime.js'

/** The gate's answer for one task (see `gateDecision`). */
export type GateDecision = Decision<PullRequestRecord>

/**
 * Decide whether `taskId` may complete: gathers what the rule reads from
 * what the app recorded (the task, the pull request, the newest verdict on
 * its head commit, the accepted body's ticks and who ticked them) and asks
 * `gateDecision` (`src/github/gate-decision.ts`). `canOverride`: the actor
 * has the `override` permission (a maintainer), which waives the
 * lease-holder rule. Reads only.
 */
export function decideGate(
  rt: AppRuntime,
  taskId: string,
  config: Config,
  canOverride: boolean,
  /** The pull request to judge (a merge); default: the task's latest open or merged one. */
  pullRequest?: PullRequestRecord,
): GateDecision {
  const task = rt.engine.get(taskId)
  const pr = pullRequest ?? pullRequestToJudge(rt.gate.pullRequestsFor(taskId))
  const hasMeasurable = task.success_criteria.some((c) => c.measurable)
  const hasManual = task.success_criteria.some((c) => !c.measurable)
  let ticked: { criterion: string; checked: boolean; measurable?: string }[] = []
  if (hasManual) {
    const record = rt.state.issue(taskId)
    const [owner, repo] = (record?.repo ?? '/').split('/') as [string, string]
    ticked = parseIssueBody(record?.accepted_body ?? '', {
      owner,
      repo,
      ...(rt.host ? { host: rt.host } : {}),
    }).criteria
  }
  return gateDecision({
    task,
    pullRequest: pr,
    verdict: (hasMeasurable && pr && rt.gate.latestVerdict(taskId, pr.head_sha)) || null,
    ticked,
    confirmations: hasManual ? rt.gate.confirmations(taskId) : [],
    canOverride,
    levels: {
      confirm: config.permissions.confirm.level,
      approve: config.permissions.approve.level,
    },
  })
}
