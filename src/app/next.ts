/**
 * `/next [persona]` on GitHub: claim, in one engine transaction, the best
 * claimable task of the comment's repository for the commenter — the choice
 * of `tm next --claim` (`Engine.next` with `claim`: the commenter's personas
 * from the config's `agents`, or the one named; then priority, deadline,
 * age; never a blocked task, never a parent whose subtasks are open) under
 * the repository's lease policy. Written on the dashboard issue or on any
 * task issue; the granted task's issue is then mirrored like a `/claim`'s
 * (assigned, `status: in_progress`), and the reply names the task, its
 * fencing token and its expiry. Nothing claimable is a refusal,
 * `NothingClaimable`.
 *
 * Expired leases of the repository are swept first, in the same
 * transaction, so a task whose lease ran out is offered as `tm next` would
 * offer it; each expiry is reported on its issue like the background sweep's
 * (the caller posts the notices, see {@link NextExpiries}).
 *
 * A `/next` the app has answered already elsewhere (a lost state, an
 * overlapping workflow run: `answeredElsewhere`) is not chosen again: it
 * re-applies the grant its reply named (`answeredNext`), or nothing. The
 * reply's words are `src/github/command-replies.ts` (`next-granted`) and
 * `refusal-replies.ts` (`nothing-claimable`).
 */
import type { ExpiredLease } from '../core/leases.js'
import type { Task } from '../core/model.js'
import type { CommandResult } from '../github/command-replies.js'
import type { Config } from '../github/config.js'
import type { Outcome } from '../github/markers.js'
import { type Refusal, refusalOutcome } from '../github/refusal-replies.js'
import { DashboardState } from './dashboard.js'
import type { AppDeps } from './deps.js'
import type { RepoRef } from './runtime.js'

/** What a `/next` leaves for the caller to send after its transaction. */
export interface NextExpiries {
  /** Tasks to mirror (the granted one, and those whose lease expired). */
  touched: Set<string>
  /** Holders whose lease ended, per task (unassigned by the mirror). */
  formerHolders: Map<string, string>
  /** Leases the sweep before the choice ended: each gets its ⏰ notice. */
  expired: ExpiredLease[]
}

/** What `/next` touches: the engine under the repository's lease policy, and task ids. */
export type NextDeps = Pick<AppDeps, 'engine' | 'policy' | 'taskId'>

/** The id prefix of the tasks of `r`: `owner/repo#`. */
export function repositoryScope(deps: Pick<AppDeps, 'taskId'>, r: RepoRef): string {
  const one = deps.taskId(r, 1)
  return one.slice(0, one.length - 1)
}

function granted(scope: string, actor: string, task: Task, issue: string): CommandResult {
  const lease = task.lease!
  return {
    outcome: {
      command: 'next',
      ok: true,
      task: task.id,
      token: lease.token,
      reason: null,
      holder: actor,
      expires_at: lease.expires_at,
    },
    said: {
      kind: 'next-granted',
      actor,
      task: task.id,
      scope,
      here: task.id === issue,
      title: task.title,
      token: lease.token,
      expires_at: lease.expires_at,
    },
  }
}

/**
 * Run `/next` by `actor` (authorised already) inside the caller's write
 * transaction. `issue` is the task id of the issue the comment is on (the
 * dashboard's too): a refusal's marker names it. `replay` is given when the
 * comment was answered elsewhere: its `/next` outcome (or null when unknown),
 * re-applied instead of a new choice. Returns the result; throws TaskError
 * on an engine refusal (`AgentAtCapacity`, `PersonaMismatch`, `LeaseHeld` on
 * a replay …), which the caller's savepoint rolls back — the sweep with it.
 * Mirror work goes into `out`, only when nothing threw.
 */
export function runNext(
  deps: NextDeps,
  r: RepoRef,
  issue: string,
  actor: string,
  persona: string | undefined,
  config: Config,
  out: NextExpiries,
  replay?: Outcome | null,
): CommandResult {
  const policy = deps.policy(config)
  const scope = repositoryScope(deps, r)
  const refused = (refusal: Refusal): CommandResult => ({
    outcome: refusalOutcome('next', issue, refusal),
    said: refusal,
  })
  if (replay !== undefined) {
    // Answered on GitHub already: never a second choice.
    const task = replay?.ok && replay.task.startsWith(scope) ? replay.task : null
    if (!task)
      return refused({
        kind: 'answered-already',
        raw: '/next',
        code: replay?.code ?? 'NothingClaimable',
      })
    const current = deps.engine.get(task)
    if (current.lease?.holder.toLowerCase() !== actor.toLowerCase()) {
      deps.engine.claim(task, actor, undefined, policy)
      out.touched.add(task)
    }
    return granted(scope, actor, deps.engine.get(task), issue)
  }
  const expired = deps.engine.sweep(() => policy, scope)
  const pick = deps.engine.next(actor, {
    claim: true,
    policy,
    scope,
    ...(persona ? { personas: [persona] } : {}),
  })
  for (const e of expired) {
    out.touched.add(e.task)
    out.formerHolders.set(e.task, e.holder)
  }
  out.expired.push(...expired)
  const repo = scope.slice(0, -1)
  if (expired.length > 0 || pick.task) new DashboardState(deps.engine.store).markDirty([repo])
  if (!pick.task) {
    return refused({
      kind: 'nothing-claimable',
      raw: '/next',
      actor,
      persona: persona ?? null,
      repo,
    })
  }
  out.touched.add(pick.task.id)
  return granted(scope, actor, pick.task, issue)
}
