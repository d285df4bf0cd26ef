/**
 * Running the commands of one comment against the engine. Each command is
 * authorised (repository permission from the collaborator permission API, or
 * a listed agent), then run in its own savepoint, so a refused command
 * changes nothing while the others in the comment still apply. The result
 * says, per command, the outcome for the reply marker, a sentence for people,
 * and what the mirror must update.
 */
import { iso } from '../core/clock.js'
import { parseContextValue } from '../core/context.js'
import { isTaskError } from '../core/errors.js'
import { type ExpiredLease, noLease } from '../core/leases.js'
import type { Task } from '../core/model.js'
import { metricsSummary } from '../core/report/markdown.js'
import type { ParsedCommand } from '../github/commands.js'
import type { Config } from '../github/config.js'
import { addChecklistItems } from '../github/issue-body-edit.js'
import { code, inline, mention } from '../github/neutralise.js'
import {
  authorize,
  hasPermission,
  normalizePermission,
  type PermissionLevel,
} from '../github/permissions.js'
import { formatIssueReference } from '../github/references.js'
import type { Outcome, ReplyLine } from '../github/replies.js'
import { decideGate } from './gate.js'
import { runNext } from './next.js'
import type { AppRuntime, RepoRef } from './runtime.js'

/** What running the commands of a comment changed. */
export interface Execution {
  lines: ReplyLine[]
  /** Tasks whose issue and status comment must be mirrored. */
  touched: Set<string>
  /** A lease that ended, per task: its holder is unassigned by the mirror. */
  formerHolders: Map<string, string>
  /** Dependents that became pending (their checkbox for this task gets ticked). */
  unblocked: string[]
  /** True when something changed (a reply is due even if nothing was refused). */
  changed: boolean
  /** New issue bodies (e.g. `/depends-on` adds items to `### Depends on`). */
  bodies: Map<string, string>
  /** Leases `/next` found expired and ended before choosing: each gets its ⏰ notice. */
  expired: ExpiredLease[]
}

/** Where the commands of a comment run (see {@link executeCommands}). */
export interface CommentPlace {
  /**
   * False on an issue that is not a task (the dashboard): only `/next` runs
   * there, any other command is refused with `NotATask`.
   */
  onTask: boolean
  /**
   * Given when the comment was answered elsewhere (`rt.answeredElsewhere`):
   * the `/next` outcomes of that answer, in order — each `/next` re-applies
   * its grant instead of choosing again (src/app/next.ts); none known: nothing.
   */
  replayNext?: Outcome[]
}

/**
 * Commands that only read (`/status`, `/metrics`): a reply always, but no
 * change, so no mirror pass and no dashboard refresh follow them.
 */
export const READ_ONLY_COMMANDS: ReadonlySet<string> = new Set(['status', 'metrics'])

function when(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`
}

/**
 * True when some command would be refused without the actor's repository
 * permission (so it must be looked up, before the transaction).
 */
export function needsPermission(
  rt: AppRuntime,
  taskId: string,
  actor: string,
  commands: ParsedCommand[],
  config: Config,
  onTask = true,
): boolean {
  const holder = onTask ? (rt.engine.get(taskId).lease?.holder ?? null) : null
  return commands.some(
    (c) =>
      (onTask || c.name === 'next') &&
      !authorize({ command: c.name, actor, permission: 'none', config, holder }).allowed,
  )
}

/**
 * Run `commands` written by `actor` on the issue of `taskId`, synchronously:
 * call it inside the transaction that also records the comment, so the
 * comment's effects and the record that it was handled commit together.
 */
export function executeCommands(
  rt: AppRuntime,
  r: RepoRef,
  taskId: string,
  actor: string,
  commands: ParsedCommand[],
  config: Config,
  level: PermissionLevel,
  place: CommentPlace = { onTask: true },
): Execution {
  const out: Execution = {
    lines: [],
    touched: new Set(place.onTask ? [taskId] : []),
    formerHolders: new Map(),
    unblocked: [],
    changed: false,
    bodies: new Map(),
    expired: [],
  }
  const replays = place.replayNext ? [...place.replayNext] : undefined
  for (const command of commands) {
    const base: Outcome = {
      command: command.name,
      ok: false,
      task: taskId,
      token: null,
      reason: null,
    }
    if (!place.onTask && command.name !== 'next') {
      const reason = `this issue is not a task: run /${command.name} on the task's issue (only /next works here)`
      out.lines.push({
        outcome: { ...base, reason, code: 'NotATask' },
        text: `${code(command.raw)}: ${inline(reason)}.`,
      })
      continue
    }
    const holder =
      place.onTask && command.name !== 'next' ? (rt.engine.get(taskId).lease?.holder ?? null) : null
    const auth = authorize({ command: command.name, actor, permission: level, config, holder })
    if (!auth.allowed) {
      out.lines.push({
        outcome: { ...base, reason: auth.reason, code: 'Forbidden' },
        text: `${code(command.raw)}: ${inline(auth.reason)}.`,
      })
      continue
    }
    try {
      const line = rt.engine.write(() =>
        command.name === 'next'
          ? runNext(
              rt,
              r,
              taskId,
              actor,
              command.persona,
              config,
              out,
              replays && (replays.shift() ?? null),
            )
          : run(
              rt,
              r,
              taskId,
              actor,
              command,
              out,
              config,
              hasPermission(normalizePermission(level), config.permissions.override.level),
            ),
      )
      out.lines.push(line)
      if (line.outcome.ok && !READ_ONLY_COMMANDS.has(command.name)) out.changed = true
      if (out.expired.length > 0) out.changed = true
    } catch (err) {
      if (!isTaskError(err)) throw err
      const d = err.details as { holder?: string; expires_at?: string }
      out.lines.push({
        outcome: {
          ...base,
          reason: err.message,
          code: err.code,
          ...(d.holder ? { holder: d.holder } : {}),
          ...(d.expires_at ? { expires_at: d.expires_at } : {}),
        },
        text: `${code(command.raw)}: ${inline(err.message)}`,
      })
    }
  }
  return out
}

function tokenOf(task: Task, actor: string): number {
  return task.lease && task.lease.holder.toLowerCase() === actor.toLowerCase()
    ? task.lease.token
    : 0
}

/** Run one authorised command (inside a savepoint); throws TaskError on refusal. */
function run(
  rt: AppRuntime,
  r: RepoRef,
  taskId: string,
  actor: string,
  command: ParsedCommand,
  out: Execution,
  config: Config,
  canOverride: boolean,
): ReplyLine {
  const e = rt.engine
  const task = e.get(taskId)
  const ok = (text: string, extra: Partial<Outcome> = {}): ReplyLine => ({
    outcome: { command: command.name, ok: true, task: taskId, token: null, reason: null, ...extra },
    text,
  })
  const mine = task.lease !== null && task.lease.holder.toLowerCase() === actor.toLowerCase()
  switch (command.name) {
    case 'claim': {
      const grant = e.claim(taskId, actor, command.ttlMs, rt.policy(config))
      return ok(
        `${mention(actor)} holds this task: lease token **${grant.lease.token}**, expires ${when(grant.lease.expires_at)}. Send \`/heartbeat\` before then.`,
        {
          token: grant.lease.token,
          holder: actor,
          expires_at: grant.lease.expires_at,
        },
      )
    }
    case 'heartbeat': {
      const holder = task.lease?.holder ?? actor
      const lease = e.heartbeat(
        taskId,
        holder,
        mine ? tokenOf(task, actor) : (task.lease?.token ?? 0),
        undefined,
        rt.policy(config),
      )
      return ok(`Lease of ${mention(holder)} extended to ${when(lease.expires_at)}.`, {
        token: lease.token,
        holder,
        expires_at: lease.expires_at,
      })
    }
    case 'release': {
      if (mine) e.release(taskId, actor, tokenOf(task, actor), 'released on GitHub')
      else if (task.lease) e.revokeLease(taskId, actor, `released by @${actor}`)
      else e.release(taskId, actor, 0)
      out.formerHolders.set(taskId, task.lease?.holder ?? actor)
      return ok(
        `Released${mine ? '' : ` ${mention(task.lease?.holder ?? '')}'s lease`}; the task is back in the queue.`,
        { token: task.lease?.token ?? null },
      )
    }
    case 'done': {
      // Nothing to complete before a claim: say so (NoLease) before asking the gate.
      if (task.lease === null) throw noLease(taskId, task.status)
      // Tasks with success criteria or an approval checkpoint go through the gate (see gate.ts).
      let verified: { by: string; evidence: Record<string, unknown> } | undefined
      if (task.success_criteria.length > 0 || task.requires_approval) {
        const decision = decideGate(rt, taskId, config, canOverride)
        if (!decision.passed) {
          return refuse(
            command.name,
            taskId,
            'CriteriaFailed',
            `not completed yet — ${decision.missing.join('; ')}`,
          )
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
        `Completed${done.unblocked.length ? `; unblocked ${done.unblocked.length} dependent task(s)` : ''}.`,
        { token: task.lease?.token ?? null },
      )
    }
    case 'fail': {
      const holder = task.lease?.holder ?? actor
      const result = e.fail(
        taskId,
        holder,
        task.lease?.token ?? 0,
        command.reason ?? 'failed on GitHub',
      )
      out.formerHolders.set(taskId, holder)
      return ok(
        result.status === 'failed'
          ? `Failed after ${result.attempts} of ${result.max_attempts} attempts; it needs a person.`
          : `Back in the queue (attempt ${result.attempts} of ${result.max_attempts}).`,
        { token: task.lease?.token ?? null },
      )
    }
    case 'block':
      e.block(taskId, command.reason, actor)
      return ok(`Blocked: ${inline(command.reason)}`)
    case 'unblock': {
      const after = e.unblock(taskId, actor)
      return ok(
        after.status === 'blocked'
          ? 'Manual block lifted; still blocked by unfinished dependencies.'
          : 'Unblocked; the task is pending.',
      )
    }
    case 'reopen': {
      // Reopening a completed task blocks its dependents again (a lease on one
      // ends): their issues are mirrored too.
      const dependents = e.show(taskId).dependents.map((id) => e.get(id))
      if (!e.reopen(taskId, actor)) {
        // As `/approve` twice: nothing to do is not a refusal.
        return ok(`Nothing to reopen: the task is ${task.status}, not finished.`)
      }
      for (const d of dependents) {
        out.touched.add(d.id)
        if (d.lease && e.get(d.id).lease === null) out.formerHolders.set(d.id, d.lease.holder)
      }
      const after = e.get(taskId)
      return ok(
        `Reopened (was ${task.status}): the task is ${after.status}${after.status === 'blocked' ? ' until its dependencies complete' : ''}, attempts reset to 0 of ${after.max_attempts}.`,
      )
    }
    case 'progress':
      e.progress(taskId, actor, command.percent, command.message ?? '')
      return ok(
        `Progress ${command.percent} %${command.message ? `: ${inline(command.message)}` : ''}.`,
      )
    case 'join': {
      const p = e.join(taskId, actor, command.role ?? null)
      return ok(`${mention(actor)} joined${p.role ? ` as ${inline(p.role)}` : ''}.`)
    }
    case 'share': {
      const entry = e.share(taskId, command.key, parseContextValue(command.value), actor)
      return ok(
        `Shared ${code(entry.key)} = ${code(JSON.stringify(entry.value))} with everyone on this task; dependents inherit it on completion.`,
      )
    }
    case 'ask': {
      const asked = e.ask(taskId, actor, command.user, command.question)
      return ok(
        `Question for ${mention(command.user)} recorded${asked.paused ? '; the task is waiting and its lease clock is paused until `/answer …`' : ''}.`,
      )
    }
    case 'answer': {
      const answered = e.answer(taskId, actor, command.text)
      return ok(
        `Answered ${mention(answered.question.asked_by)}'s question${answered.resumed && answered.expires_at ? `; the task resumed, lease expires ${when(answered.expires_at)}` : ''}.`,
        answered.resumed && task.lease
          ? { token: task.lease.token, holder: task.lease.holder, expires_at: answered.expires_at! }
          : {},
      )
    }
    case 'approve': {
      const approval = e.approve(taskId, actor)
      return ok(
        approval.changed
          ? `Approved by ${mention(actor)}; the task completes once its success criteria hold.`
          : `Already approved by ${mention(approval.approved_by)} ${when(approval.approved_at)}.`,
      )
    }
    case 'depends-on': {
      const added: string[] = []
      const context = { owner: r.owner, repo: r.repo, ...(rt.host ? { host: rt.host } : {}) }
      for (const ref of command.refs) {
        const dep = rt.taskId({ owner: ref.owner, repo: ref.repo }, ref.number)
        e.get(dep) // must be a known issue; list new ones under `### Depends on` in the body
        if (e.depend(taskId, dep, actor)) added.push(formatIssueReference(ref, context))
      }
      if (added.length) {
        // The body is the source of truth for dependencies: write the new ones into it.
        const body = out.bodies.get(taskId) ?? rt.state.issue(taskId)?.accepted_body ?? ''
        out.bodies.set(taskId, addChecklistItems(body, 'dependsOn', added, context))
      }
      return ok(added.length ? `Now depends on ${inline(added.join(', '))}.` : 'No new dependency.')
    }
    case 'feedback':
      e.feedback(taskId, actor, {
        quality: command.quality,
        timeliness: command.timeliness,
        ...(command.notes ? { notes: command.notes } : {}),
      })
      return ok(`Feedback recorded: quality ${command.quality}, timeliness ${command.timeliness}.`)
    case 'priority':
      e.update(taskId, { priority: command.priority }, actor)
      return ok(`Priority set to ${command.priority}.`)
    case 'persona':
      e.update(taskId, { persona: command.persona }, actor)
      return ok(`Persona set to ${inline(command.persona)}.`)
    case 'metrics': {
      // This repository's figures over the last 30 days, the commenter's own line included.
      const since = iso(rt.clock.now() - 30 * 86_400_000)
      const m = e.metrics({ since, scope: `${r.owner}/${r.repo}#` })
      return ok(metricsSummary(m, actor, 30))
    }
    case 'status': {
      const t = e.get(taskId)
      return ok(
        `Status: ${t.status}${t.lease ? `, held by ${mention(t.lease.holder)} until ${when(t.lease.expires_at)}` : ''}; attempts ${t.attempts} of ${t.max_attempts}.`,
        {
          ...(t.lease
            ? { token: t.lease.token, holder: t.lease.holder, expires_at: t.lease.expires_at }
            : {}),
        },
      )
    }
    default: {
      // Every command with a permission rule is handled above; a new one lands here.
      const name = (command as ParsedCommand).name
      return refuse(name, taskId, 'Unsupported', `/${name} is not available on this app yet`)
    }
  }
}

function refuse(command: string, task: string, errorCode: string, reason: string): ReplyLine {
  return {
    outcome: { command, ok: false, task, token: null, reason, code: errorCode },
    text: `${code(`/${command}`)}: ${inline(reason)}`,
  }
}
