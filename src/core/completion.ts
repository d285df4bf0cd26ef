/**
 * Completing a task: the lease holder asks, the engine checks. A task is
 * completed only when its dependencies and subtasks are done and its success
 * criteria hold — measurable ones evaluated against the CI context supplied
 * with the request, manual ones confirmed explicitly. Completion hands the
 * summary to dependents and unblocks them, all in the same transaction.
 */

import { requireApproval } from './approval.js'
import { evaluateCriteria, type Verdict } from './criteria/evaluate.js'
import { TaskError } from './errors.js'
import { appendEvent } from './events.js'
import { handOver } from './graph.js'
import { endLease, requireLease } from './leases.js'
import { type Ctx, unmetDependencies } from './tasks.js'

/** What the holder supplies with a completion. */
export interface CompleteRequest {
  /** Written to `completion_summary` and handed to dependents. */
  summary?: string
  /** Evaluate measurable criteria against `context`. Required when the task has any. */
  validate?: boolean
  /** CI context (`tests`, `coverage`, `metrics`, …) as plain JSON values. */
  context?: Record<string, unknown>
  /** 1-based indexes of manual criteria the requester confirms. */
  confirm?: number[]
  /** Hours actually spent; default: summed lease time. */
  actualHours?: number
  /**
   * The criteria were verified by a front door that holds the evidence (on
   * GitHub: the `Task criteria` check run of the CI gate for the criteria as
   * they stand, and manual ticks by people with permission). The engine then
   * records that evidence instead of evaluating the criteria itself.
   */
  verified?: { by: string; evidence: Record<string, unknown> }
}

/** Result of a completion. */
export interface CompleteOutcome {
  task: string
  actual_hours: number
  verdict: Verdict | null
  /** Dependents that became `pending` because of this completion. */
  unblocked: string[]
}

/**
 * Complete task `id` for `agent` holding fencing token `token`. Refusals:
 * lease errors (see `requireLease`), `DependenciesUnmet`, `SubtasksOpen`,
 * `CriteriaFailed` (details.results lists every criterion with outcome and
 * actual values), `InvalidTransition` while the task is `waiting` for an
 * answer or needs an approval it has not had (details.missing:
 * `['approval']`, see `approval.ts`). Nothing changes on refusal.
 */
export function complete(
  ctx: Ctx,
  id: string,
  agent: string,
  token: number,
  request: CompleteRequest = {},
): CompleteOutcome {
  const row = requireLease(ctx, id, agent, token, 'complete')
  if (row.status === 'waiting') {
    throw new TaskError(
      'InvalidTransition',
      `Task ${id} is waiting for an answer to a question; it can complete once answered (\`tm questions\` lists them).`,
      { task: id, status: row.status },
    )
  }
  requireApproval(row)
  const unmet = unmetDependencies(ctx.store, id)
  if (unmet.length) {
    throw new TaskError(
      'DependenciesUnmet',
      `Task ${id} cannot complete before its dependencies: ${unmet.join(', ')}.`,
      { task: id, dependencies: unmet },
    )
  }
  const openChildren = ctx.store
    .all<{ id: string }>(
      `SELECT id FROM tasks WHERE parent_id = ? AND status NOT IN ('completed','cancelled') ORDER BY id`,
      [id],
    )
    .map((r) => r.id)
  if (openChildren.length) {
    throw new TaskError(
      'SubtasksOpen',
      `Task ${id} cannot complete while subtasks are open: ${openChildren.join(', ')}.`,
      { task: id, subtasks: openChildren },
    )
  }
  const verdict = request.verified ? null : judge(id, JSON.parse(row.success_criteria), request)
  const seconds = (Date.parse(ctx.now) - Date.parse(row.lease_acquired_at!)) / 1000
  const actualHours =
    request.actualHours ?? Math.round(((row.lease_seconds + seconds) / 3600) * 1000) / 1000
  const leaseS = endLease(ctx, row, 'completed', ctx.now, {
    completion: { summary: request.summary ?? null, actual_hours: actualHours },
  })
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'completed',
    task_id: id,
    actor: agent,
    details: {
      token,
      lease_s: leaseS,
      actual_hours: actualHours,
      ...(request.summary ? { summary: request.summary } : {}),
      ...(verdict
        ? { criteria: verdict.results.map((r) => ({ index: r.index, outcome: r.outcome })) }
        : {}),
      ...(request.verified ? { verified: request.verified } : {}),
    },
  })
  const unblocked = handOver(ctx, id, agent, {
    title: row.title,
    completion_summary: request.summary ?? null,
  })
  return { task: id, actual_hours: actualHours, verdict, unblocked }
}

/**
 * Evaluate the criteria for a completion request; throws `CriteriaFailed`
 * when any fails, errors, or is an unconfirmed manual criterion, or when
 * measurable criteria exist and `validate` was not asked for.
 */
function judge(
  id: string,
  criteria: Parameters<typeof evaluateCriteria>[0],
  request: CompleteRequest,
): Verdict | null {
  if (criteria.length === 0) return null
  const measurable = criteria.filter((c) => c.measurable).length
  if (measurable > 0 && !request.validate) {
    throw new TaskError(
      'CriteriaFailed',
      `Task ${id} has ${measurable} measurable success criteria: complete it with --validate and the CI context (--junit, --context, --set).`,
      { task: id, results: [] },
    )
  }
  const confirm = request.confirm ?? []
  for (const n of confirm) {
    const c = criteria[n - 1]
    if (!c || c.measurable) {
      throw new TaskError(
        'InvalidInput',
        `--confirm ${n}: task ${id} has no manual criterion number ${n} (manual ones: ${
          criteria.flatMap((c, i) => (c.measurable ? [] : [i + 1])).join(', ') || 'none'
        }).`,
      )
    }
  }
  const verdict = evaluateCriteria(criteria, request.context ?? {}, new Set(confirm))
  if (!verdict.passed) {
    const bad = verdict.results.filter((r) => r.outcome !== 'pass' && r.outcome !== 'confirmed')
    const lines = bad.map((r) => {
      const actual = Object.entries(r.actual)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')
      return `#${r.index} "${r.criterion}"${r.measurable ? ` \`${r.measurable}\`` : ''}: ${r.outcome}${actual ? ` (${actual})` : ''}${r.message ? ` — ${r.message}` : ''}`
    })
    throw new TaskError(
      'CriteriaFailed',
      `Task ${id} not completed: ${bad.length} success criteria do not hold:\n  ${lines.join('\n  ')}`,
      { task: id, results: verdict.results },
    )
  }
  return verdict
}
