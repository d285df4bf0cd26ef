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
 * overlapping workflow run: `rt.answeredElsewhere`) is not chosen again: it
 * re-applies the grant its reply named (`rt.answeredNext`), or nothing.
 */
import type { ExpiredLease } from '../core/leases.js'
import type { Task } from '../core/model.js'
import type { Config } from '../github/config.js'
import type { Outcome } from '../github/markers.js'
import { inline, mention } from '../github/neutralise.js'
import type { ReplyLine } from '../github/replies.js'
import { DashboardState } from './dashboard.js'
import type { AppRuntime, RepoRef } from './runtime.js'

/** What a `/next` leaves for the caller to send after its transaction. */
export interface NextExpiries {
  /** Tasks to mirror (the granted one, and those whose lease expired). */
  touched: Set<string>
  /** Holders whose lease ended, per task (unassigned by the mirror). */
  formerHolders: Map<string, string>
  /** Leases the sweep before the choice ended: each gets its ⏰ notice. */
  expired: ExpiredLease[]
}

/** The id prefix of the tasks of `r`: `owner/repo#`. */
export function repositoryScope(rt: AppRuntime, r: RepoRef): string {
  const one = rt.taskId(r, 1)
  return one.slice(0, one.length - 1)
}

function when(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`
}

/** `#12` for a task of `r`, its full id otherwise. */
function link(rt: AppRuntime, r: RepoRef, taskId: string): string {
  const scope = repositoryScope(rt, r)
  return taskId.startsWith(scope) ? `#${taskId.slice(scope.length)}` : taskId
}

function granted(rt: AppRuntime, r: RepoRef, actor: string, task: Task, issue: string): ReplyLine {
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
    text: `${mention(actor)} holds ${link(rt, r, task.id)}${task.id === issue ? ' (this task)' : ''}: ${inline(task.title)} — lease token **${lease.token}**, expires ${when(lease.expires_at)}. Send \`/heartbeat\` on ${link(rt, r, task.id)} before then.`,
  }
}

/**
 * Run `/next` by `actor` (authorised already) inside the caller's write
 * transaction. `issue` is the task id of the issue the comment is on (the
 * dashboard's too): a refusal's marker names it. `replay` is given when the
 * comment was answered elsewhere: its `/next` outcome (or null when unknown),
 * re-applied instead of a new choice. Returns the reply line; throws
 * TaskError on an engine refusal (`AgentAtCapacity`, `PersonaMismatch`,
 * `LeaseHeld` on a replay …), which the caller's savepoint rolls back —
 * the sweep with it. Mirror work goes into `out`, only when nothing threw.
 */
export function runNext(
  rt: AppRuntime,
  r: RepoRef,
  issue: string,
  actor: string,
  persona: string | undefined,
  config: Config,
  out: NextExpiries,
  replay?: Outcome | null,
): ReplyLine {
  const policy = rt.policy(config)
  const scope = repositoryScope(rt, r)
  const refused = (code: string, reason: string): ReplyLine => ({
    outcome: { command: 'next', ok: false, task: issue, token: null, reason, code },
    text: `\`/next\`: ${inline(reason)}`,
  })
  if (replay !== undefined) {
    // Answered on GitHub already: never a second choice.
    const task = replay?.ok && replay.task.startsWith(scope) ? replay.task : null
    if (!task) return refused(replay?.code ?? 'NothingClaimable', 'answered already')
    const current = rt.engine.get(task)
    if (current.lease?.holder.toLowerCase() !== actor.toLowerCase()) {
      rt.engine.claim(task, actor, undefined, policy)
      out.touched.add(task)
    }
    return granted(rt, r, actor, rt.engine.get(task), issue)
  }
  const expired = rt.engine.sweep(() => policy, scope)
  const pick = rt.engine.next(actor, {
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
  if (expired.length > 0 || pick.task) new DashboardState(rt.engine.store).markDirty([repo])
  if (!pick.task) {
    const what = persona ? `for the persona ${persona}` : `for @${actor}`
    return refused(
      'NothingClaimable',
      `nothing is claimable ${what} in ${repo} right now: every open task is blocked, held, waiting for its subtasks or in its lock-delay. Try again later, or ask with another persona.`,
    )
  }
  out.touched.add(pick.task.id)
  return granted(rt, r, actor, pick.task, issue)
}
