/**
 * One authorised comment command against the engine (`/claim`, `/done`,
 * `/depends-on` …; `/next` is src/app/next.ts): the engine call, the work
 * it leaves for the mirror, and its result — the reply marker's outcome and
 * what the sentence says, as data (`Done`, worded by
 * `src/github/command-replies.ts`). Runs inside the caller's savepoint.
 */
import { iso } from '../core/clock.js'
import { parseContextValue } from '../core/context.js'
import { noLease } from '../core/leases.js'
import type { Task } from '../core/model.js'
import type { CommandResult, Done } from '../github/command-replies.js'
import type { ParsedCommand } from '../github/commands.js'
import type { Config } from '../github/config.js'
import { historyReasons } from '../github/history-reasons.js'
import { addChecklistItems } from '../github/issue-body-edit.js'
import type { Outcome } from '../github/markers.js'
import { formatIssueReference } from '../github/references.js'
import { type Refusal, refusalOutcome } from '../github/refusal-replies.js'
import type { AppDeps } from './deps.js'
import type { Execution } from './execute.js'
import type { RepoRef } from './runtime.js'

/**
 * What running a command touches: the engine (under the repository's lease
 * policy), the clock (`/metrics`' window), task ids and the host (issue
 * references), the accepted body (`/depends-on` adds to it) and the
 * completion gate (`/done`).
 */
export type CommandDeps = Pick<
  AppDeps,
  'engine' | 'policy' | 'clock' | 'host' | 'taskId' | 'state' | 'decideGate'
>

function tokenOf(task: Task, actor: string): number {
  return task.lease && task.lease.holder.toLowerCase() === actor.toLowerCase()
    ? task.lease.token
    : 0
}

/**
 * Run `command` by `actor` (authorised already) on `taskId` of `r` inside
 * the caller's savepoint; mirror work goes into `out`. `canOverride`: the
 * actor has the `override` level (a maintainer: the gate's lease-holder rule
 * is waived). Returns the result; throws TaskError on the engine's refusal
 * (the caller's savepoint rolls it back and words it).
 */
export function runCommand(
  deps: CommandDeps,
  r: RepoRef,
  taskId: string,
  actor: string,
  command: ParsedCommand,
  out: Execution,
  config: Config,
  canOverride: boolean,
): CommandResult {
  const e = deps.engine
  const task = e.get(taskId)
  const ok = (said: Done, extra: Partial<Outcome> = {}): CommandResult => ({
    outcome: { command: command.name, ok: true, task: taskId, token: null, reason: null, ...extra },
    said,
  })
  const refuse = (refusal: Refusal): CommandResult => ({
    outcome: refusalOutcome(command.name, taskId, refusal),
    said: refusal,
  })
  const mine = task.lease !== null && task.lease.holder.toLowerCase() === actor.toLowerCase()
  switch (command.name) {
    case 'claim': {
      const { lease } = e.claim(taskId, actor, command.ttlMs, deps.policy(config))
      return ok(
        { kind: 'claimed', holder: actor, token: lease.token, expires_at: lease.expires_at },
        { token: lease.token, holder: actor, expires_at: lease.expires_at },
      )
    }
    case 'heartbeat': {
      const holder = task.lease?.holder ?? actor
      const lease = e.heartbeat(
        taskId,
        holder,
        mine ? tokenOf(task, actor) : (task.lease?.token ?? 0),
        undefined,
        deps.policy(config),
      )
      return ok(
        { kind: 'heartbeat', holder, expires_at: lease.expires_at },
        { token: lease.token, holder, expires_at: lease.expires_at },
      )
    }
    case 'release': {
      if (mine) e.release(taskId, actor, tokenOf(task, actor), historyReasons.released)
      else if (task.lease) e.revokeLease(taskId, actor, historyReasons.releasedBy(actor))
      else e.release(taskId, actor, 0)
      out.formerHolders.set(taskId, task.lease?.holder ?? actor)
      return ok(
        { kind: 'released', of: mine ? null : (task.lease?.holder ?? '') },
        { token: task.lease?.token ?? null },
      )
    }
    case 'done': {
      // Nothing to complete before a claim: say so (NoLease) before asking the gate.
      if (task.lease === null) throw noLease(taskId, task.status)
      // Tasks with success criteria or an approval checkpoint go through the gate (see gate.ts).
      let verified: { by: string; evidence: Record<string, unknown> } | undefined
      if (task.success_criteria.length > 0 || task.requires_approval) {
        const decision = deps.decideGate(taskId, config, canOverride)
        if (!decision.passed) {
          return refuse({ kind: 'gate-not-passed', raw: '/done', missing: decision.missing })
        }
        verified = { by: 'Task criteria check', evidence: decision.evidence }
      }
      const holder = task.lease?.holder ?? actor
      const done = e.complete(taskId, holder, task.lease?.token ?? 0, {
        ...(command.summary ? { summary: command.summary } : {}),
        ...(verified ? { verified } : {}),
      })
      for (const id of done.unblocked) out.touched.add(id)
      for (const id of e.show(taskId).dependents) out.touched.add(id)
      out.unblocked.push(...done.unblocked)
      out.formerHolders.set(taskId, holder)
      return ok(
        { kind: 'completed', unblocked: done.unblocked.length },
        { token: task.lease?.token ?? null },
      )
    }
    case 'fail': {
      const holder = task.lease?.holder ?? actor
      const result = e.fail(
        taskId,
        holder,
        task.lease?.token ?? 0,
        command.reason ?? historyReasons.failed,
      )
      out.formerHolders.set(taskId, holder)
      return ok(
        {
          kind: 'failed',
          final: result.status === 'failed',
          attempts: result.attempts,
          max_attempts: result.max_attempts,
        },
        { token: task.lease?.token ?? null },
      )
    }
    case 'block':
      e.block(taskId, command.reason, actor)
      return ok({ kind: 'blocked', reason: command.reason })
    case 'unblock':
      return ok({ kind: 'unblocked', stillBlocked: e.unblock(taskId, actor).status === 'blocked' })
    case 'reopen': {
      // Reopening a completed task blocks its dependents again (a lease on one
      // ends): their issues are mirrored too.
      const dependents = e.show(taskId).dependents.map((id) => e.get(id))
      // As `/approve` twice: nothing to do is not a refusal.
      if (!e.reopen(taskId, actor)) return ok({ kind: 'not-reopened', status: task.status })
      for (const d of dependents) {
        out.touched.add(d.id)
        if (d.lease && e.get(d.id).lease === null) out.formerHolders.set(d.id, d.lease.holder)
      }
      const after = e.get(taskId)
      return ok({
        kind: 'reopened',
        was: task.status,
        status: after.status,
        max_attempts: after.max_attempts,
      })
    }
    case 'progress':
      e.progress(taskId, actor, command.percent, command.message ?? '')
      return ok({ kind: 'progress', percent: command.percent, message: command.message ?? null })
    case 'join': {
      const p = e.join(taskId, actor, command.role ?? null)
      return ok({ kind: 'joined', actor, role: p.role })
    }
    case 'share': {
      const entry = e.share(taskId, command.key, parseContextValue(command.value), actor)
      return ok({ kind: 'shared', key: entry.key, value: entry.value })
    }
    case 'ask': {
      const asked = e.ask(taskId, actor, command.user, command.question)
      return ok({ kind: 'asked', user: command.user, paused: asked.paused })
    }
    case 'answer': {
      const answered = e.answer(taskId, actor, command.text)
      const resumedUntil = (answered.resumed && answered.expires_at) || null
      return ok(
        { kind: 'answered', askedBy: answered.question.asked_by, resumedUntil },
        answered.resumed && task.lease
          ? { token: task.lease.token, holder: task.lease.holder, expires_at: answered.expires_at! }
          : {},
      )
    }
    case 'approve': {
      const approval = e.approve(taskId, actor)
      return ok(
        approval.changed
          ? { kind: 'approved', by: actor }
          : { kind: 'already-approved', by: approval.approved_by, at: approval.approved_at },
      )
    }
    case 'depends-on': {
      const added: string[] = []
      const context = { owner: r.owner, repo: r.repo, ...(deps.host ? { host: deps.host } : {}) }
      for (const ref of command.refs) {
        const dep = deps.taskId({ owner: ref.owner, repo: ref.repo }, ref.number)
        e.get(dep) // must be a known issue; list new ones under `### Depends on` in the body
        if (e.depend(taskId, dep, actor)) added.push(formatIssueReference(ref, context))
      }
      if (added.length) {
        // The body is the source of truth for dependencies: write the new ones into it.
        const body = out.bodies.get(taskId) ?? deps.state.issue(taskId)?.accepted_body ?? ''
        out.bodies.set(taskId, addChecklistItems(body, 'dependsOn', added, context))
      }
      return ok({ kind: 'depends-on', added })
    }
    case 'feedback':
      e.feedback(taskId, actor, {
        quality: command.quality,
        timeliness: command.timeliness,
        ...(command.notes ? { notes: command.notes } : {}),
      })
      return ok({ kind: 'feedback', quality: command.quality, timeliness: command.timeliness })
    case 'priority':
      e.update(taskId, { priority: command.priority }, actor)
      return ok({ kind: 'priority', priority: command.priority })
    case 'persona':
      e.update(taskId, { persona: command.persona }, actor)
      return ok({ kind: 'persona', persona: command.persona })
    case 'metrics': {
      // This repository's figures over the last 30 days, the commenter's own line included.
      const days = 30
      const since = iso(deps.clock.now() - days * 86_400_000)
      const metrics = e.metrics({ since, scope: `${r.owner}/${r.repo}#` })
      return ok({ kind: 'metrics', metrics, actor, days })
    }
    case 'status': {
      const t = e.get(taskId)
      const lease = t.lease ? { holder: t.lease.holder, expires_at: t.lease.expires_at } : null
      return ok(
        {
          kind: 'status',
          status: t.status,
          lease,
          attempts: t.attempts,
          max_attempts: t.max_attempts,
        },
        t.lease
          ? { token: t.lease.token, holder: t.lease.holder, expires_at: t.lease.expires_at }
          : {},
      )
    }
    default: {
      // Every command with a permission rule is handled above; a new one lands here.
      const name = (command as ParsedCommand).name
      return refuse({ kind: 'unsupported', raw: `/${name}`, command: name })
    }
  }
}
