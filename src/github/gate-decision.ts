/**
 * The completion gate's rule (DESIGN "Success criteria and the CI gate"), as
 * a pure function of what it rests on: the task, the pull request judged,
 * the newest `Task criteria` verdict on that pull request's head commit, the
 * manual criteria ticked in the issue body and who ticked them. A task
 * passes when
 *
 * - its measurable criteria have a pull request whose head commit has a
 *   verdict for the criteria exactly as they stand now (the digest
 *   matches), and that verdict passed;
 * - every manual criterion is ticked, and by someone the app saw tick it
 *   with the `confirm` permission;
 * - a task that requires approval has had its `/approve`;
 * - the pull request is by the lease holder, unless a maintainer (the
 *   `override` permission) completes it.
 *
 * The app gathers these from what it recorded (`src/app/gate.ts`, no API
 * call) and acts on the answer; this module decides and words what is
 * missing, and nothing else.
 */
import type { Criterion, Lease } from '../core/model.js'
import { criteriaDigest } from './issue-body.js'

/** The pull request the gate judges, as the app last saw it. */
export interface GatePullRequest {
  number: number
  /** Full SHA of its head commit. */
  head_sha: string
  /** GitHub login of its author. */
  author: string
  /** `open` or `closed`. */
  state: string
  merged: boolean
}

/** A verdict of the gate Action on one commit (`check_run.completed` of `Task criteria`). */
export interface GateVerdict {
  check_run_id: number
  /** `criteriaDigest` of the criteria the Action evaluated. */
  digest: string
  passed: boolean
  /** One outcome per criterion, `index` 1-based. */
  results: readonly { index: number; outcome: string }[]
  url: string | null
}

/** Who ticked a manual criterion, and whether they had the `confirm` permission. */
export interface GateConfirmation {
  criterion: string
  confirmed_by: string
  allowed: boolean
}

/** Everything the gate's rule reads. */
export interface GateInputs<P extends GatePullRequest = GatePullRequest> {
  task: {
    success_criteria: readonly Criterion[]
    requires_approval: boolean
    approved_by: string | null
    lease: Pick<Lease, 'holder'> | null
  }
  /** The pull request judged (see {@link pullRequestToJudge}), or null when none names the task. */
  pullRequest: P | null
  /** The newest verdict for the task on `pullRequest.head_sha`, or null when none finished. */
  verdict: GateVerdict | null
  /** The criteria of the issue body the app accepted, with their ticks. */
  ticked: readonly { criterion: string; checked: boolean; measurable?: string | undefined }[]
  /** Who ticked each manual criterion, as the app saw it. */
  confirmations: readonly GateConfirmation[]
  /** The actor has the `override` permission (a maintainer): waives the lease-holder rule. */
  canOverride: boolean
  /** The configured levels, named when a permission is missing (`write`, `maintain`). */
  levels: { confirm: string; approve: string }
}

/** The gate's answer for one task. */
export interface GateDecision<P extends GatePullRequest = GatePullRequest> {
  passed: boolean
  /** What is missing or failing, one sentence each, in the order of the rules. */
  missing: string[]
  /** The check run the decision rests on, when there is one. */
  checkUrl: string | null
  pullRequest: P | null
  /**
   * Evidence recorded with the completion: `digest` always; `pull_request`,
   * `head_sha`, `check_run` when a verdict was looked for; `confirmed_by`
   * (logins allowed to confirm) when there are manual criteria;
   * `approved_by` when approved.
   */
  evidence: Record<string, unknown>
}

const short = (sha: string) => sha.slice(0, 7)

/**
 * The pull request to judge among those naming a task (newest first): the
 * first open or merged one, else the newest, else null.
 */
export function pullRequestToJudge<P extends Pick<GatePullRequest, 'state' | 'merged'>>(
  prs: readonly P[],
): P | null {
  return prs.find((p) => p.state === 'open' || p.merged) ?? prs[0] ?? null
}

/** Decide whether the task may complete (see the module comment). Pure. */
export function gateDecision<P extends GatePullRequest>(input: GateInputs<P>): GateDecision<P> {
  const { task, pullRequest: pr, verdict } = input
  const criteria = task.success_criteria
  const measurable = criteria.filter((c) => c.measurable)
  const manual = criteria.filter((c) => !c.measurable)
  const missing: string[] = []
  let checkUrl: string | null = null
  const digest = criteriaDigest(criteria)
  const evidence: Record<string, unknown> = { digest }

  if (measurable.length > 0) {
    if (!pr) {
      missing.push(
        'no pull request names this task (write `Closes #N` or `Task: #N` in its description, or use a `task/N-…` branch)',
      )
    } else {
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
    for (const c of manual) {
      const item = input.ticked.find((t) => t.criterion === c.criterion && !t.measurable)
      const who = input.confirmations.find((x) => x.criterion === c.criterion)
      if (!item?.checked) missing.push(`manual criterion "${c.criterion}" is not ticked`)
      else if (!who)
        missing.push(
          `manual criterion "${c.criterion}" was ticked before the app could see who ticked it; untick and tick it again`,
        )
      else if (!who.allowed) {
        missing.push(
          `manual criterion "${c.criterion}" was ticked by @${who.confirmed_by}, who lacks the \`confirm\` permission (${input.levels.confirm})`,
        )
      }
    }
    evidence.confirmed_by = input.confirmations.filter((c) => c.allowed).map((c) => c.confirmed_by)
  }

  if (task.requires_approval) {
    if (task.approved_by) evidence.approved_by = task.approved_by
    else
      missing.push(
        `approval: a person with the \`approve\` permission (${input.levels.approve}) must comment \`/approve\``,
      )
  }

  if (
    pr &&
    task.lease &&
    pr.author.toLowerCase() !== task.lease.holder.toLowerCase() &&
    !input.canOverride
  ) {
    missing.push(
      `pull request #${pr.number} is by @${pr.author}, not the lease holder @${task.lease.holder}; a maintainer must complete it`,
    )
  }
  return { passed: missing.length === 0, missing, checkUrl, pullRequest: pr, evidence }
}
