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
import { criteriaDigest, parseIssueBody } from '../github/issue-body.js'
import type { PullRequestRecord } from './gate-state.js'
import type { AppRuntime } from './runtime.js'

/** The gate's answer for one task. */
export interface GateDecision {
  passed: boolean
  /** What is missing or failing, one sentence each. */
  missing: string[]
  /** The check run the decision rests on, when there is one. */
  checkUrl: string | null
  pullRequest: PullRequestRecord | null
  /** Evidence recorded with the completion. */
  evidence: Record<string, unknown>
}

const short = (sha: string) => sha.slice(0, 7)

/**
 * Decide whether `taskId` may complete. `canOverride`: the actor has the
 * `override` permission (a maintainer), which waives the lease-holder rule.
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
  const criteria = task.success_criteria
  const measurable = criteria.filter((c) => c.measurable)
  const manual = criteria.filter((c) => !c.measurable)
  const missing: string[] = []
  const prs = rt.gate.pullRequestsFor(taskId)
  const pr = pullRequest ?? prs.find((p) => p.state === 'open' || p.merged) ?? prs[0] ?? null
  let checkUrl: string | null = null
  const digest = criteriaDigest(criteria)
  const evidence: Record<string, unknown> = { digest }

  if (measurable.length > 0) {
    if (!pr) {
      missing.push(
        'no pull request names this task (write `Closes #N` or `Task: #N` in its description, or use a `task/N-…` branch)',
      )
    } else {
      const verdict = rt.gate.latestVerdict(taskId, pr.head_sha)
      evidence.pull_request = pr.number
      evidence.head_sha = pr.head_sha
      if (!verdict) {
        missing.push(
          `no \`Task criteria\` check has finished on ${short(pr.head_sha)}, the head of #${pr.number}`,
        )
      } else {
        checkUrl = verdict.url
        evidence.check_run = verdict.check_run_id
        const link = verdict.url ? ` (${verdict.url})` : ''
        if (verdict.digest !== digest) {
          missing.push(
            `the \`Task criteria\` check on ${short(pr.head_sha)} evaluated other criteria than the issue lists now; re-run CI${link}`,
          )
        } else if (!verdict.passed) {
          const bad = verdict.results.filter(
            (r) => r.outcome !== 'pass' && r.outcome !== 'confirmed' && r.outcome !== 'unconfirmed',
          )
          const which = bad
            .map((r) => `#${r.index} ${criteria[r.index - 1]?.criterion ?? ''} (${r.outcome})`)
            .join(', ')
          missing.push(
            `the \`Task criteria\` check on ${short(pr.head_sha)} failed: ${which || 'see the check'}${link}`,
          )
        }
      }
    }
  }

  if (manual.length > 0) {
    const record = rt.state.issue(taskId)
    const [owner, repo] = (record?.repo ?? '/').split('/') as [string, string]
    const ticked = parseIssueBody(record?.accepted_body ?? '', {
      owner,
      repo,
      ...(rt.host ? { host: rt.host } : {}),
    }).criteria
    const confirmations = rt.gate.confirmations(taskId)
    for (const c of manual) {
      const item = ticked.find((t) => t.criterion === c.criterion && !t.measurable)
      const who = confirmations.find((x) => x.criterion === c.criterion)
      if (!item?.checked) missing.push(`manual criterion "${c.criterion}" is not ticked`)
      else if (!who)
        missing.push(
          `manual criterion "${c.criterion}" was ticked before the app could see who ticked it; untick and tick it again`,
        )
      else if (!who.allowed) {
        missing.push(
          `manual criterion "${c.criterion}" was ticked by @${who.confirmed_by}, who lacks the \`confirm\` permission (${config.permissions.confirm.level})`,
        )
      }
    }
    evidence.confirmed_by = confirmations.filter((c) => c.allowed).map((c) => c.confirmed_by)
  }

  if (task.requires_approval) {
    if (task.approved_by) evidence.approved_by = task.approved_by
    else
      missing.push(
        `approval: a person with the \`approve\` permission (${config.permissions.approve.level}) must comment \`/approve\``,
      )
  }

  if (
    pr &&
    task.lease &&
    pr.author.toLowerCase() !== task.lease.holder.toLowerCase() &&
    !canOverride
  ) {
    missing.push(
      `pull request #${pr.number} is by @${pr.author}, not the lease holder @${task.lease.holder}; a maintainer must complete it`,
    )
  }
  return { passed: missing.length === 0, missing, checkUrl, pullRequest: pr, evidence }
}
