/**
 * A person relabelled a task by hand: read the labels back into the engine —
 * but a label may do only what the matching command may do for that person
 * (issue 14, "Labels bypass the gate"). Each change is checked against its
 * rule (`priority`, `persona`, `close`, `cancel`, `block`, `unblock`,
 * `release`, `reopen`; `override` on someone else's lease); `status:
 * completed` goes through the completion gate as closing by hand does. What is
 * refused changes nothing: the mirror puts the task's own label back, and one
 * reply says which permission or which gate condition was missing.
 */
import { isTaskError } from '../core/errors.js'
import type { Config } from '../github/config.js'
import { historyReasons } from '../github/history-reasons.js'
import { parseLabels } from '../github/labels.js'
import { labelChanges, labelWhat, manualEditReplies } from '../github/manual-edits.js'
import type { AppDeps } from './deps.js'
import type { GateDecision } from './gate.js'
import type { ActorPermission } from './manual-permission.js'
import type { Octokit, RepoRef } from './runtime.js'

/**
 * What reading labels back touches: the engine, the issue's record (its
 * number), the completion gate's decision, and the mirror's writer.
 */
export type LabelDeps = Pick<AppDeps, 'engine' | 'state' | 'repoKey' | 'decideGate' | 'mirror'>

/**
 * Apply what the labels `labels` of the issue of `taskId` ask, as far as
 * `who` may; publish the result and reply once when something was refused.
 */
export async function readLabelsBack(
  deps: LabelDeps,
  octokit: Octokit,
  r: RepoRef,
  taskId: string,
  labels: string[],
  config: Config,
  who: ActorPermission,
): Promise<void> {
  const parsed = parseLabels(labels, config)
  const task = deps.engine.get(taskId)
  const actor = who.actor || null
  const touched = new Set<string>([taskId])
  const completed: string[] = []
  const refused: string[] = []
  let gate: { label: string; decision: GateDecision } | null = null
  const allowed = []
  for (const change of labelChanges(task, parsed, config)) {
    const auth = await who.may(change.rule, labelWhat(change), change.holder)
    if (!auth.allowed) {
      refused.push(auth.reason)
      continue
    }
    if (
      change.action.kind === 'complete' &&
      (task.success_criteria.length > 0 || task.requires_approval)
    ) {
      // As closing by hand: a maintainer completes it; anyone else only through the gate.
      const canOverride = await who.canOverride()
      if (!canOverride) {
        const decision = deps.decideGate(taskId, config, false)
        if (!decision.passed) {
          gate = { label: change.label, decision }
          continue
        }
        allowed.push({ ...change, verified: decision })
        continue
      }
    }
    allowed.push({ ...change, verified: null })
  }
  const open = !['completed', 'failed', 'cancelled'].includes(task.status)
  if (parsed.requiresApproval && !task.requires_approval && open) {
    // Only ever adds the checkpoint, which makes completing harder: anyone who may label may.
    deps.engine.update(taskId, { requires_approval: true }, actor)
  }
  for (const change of allowed) {
    try {
      deps.engine.write(() => {
        const a = change.action
        const now = deps.engine.get(taskId)
        if (a.kind === 'priority') deps.engine.update(taskId, { priority: a.value }, actor)
        else if (a.kind === 'persona') deps.engine.update(taskId, { persona: a.value }, actor)
        else if (a.kind === 'complete') {
          const summary = historyReasons.completedByLabel(actor, change.label)
          if (change.verified && now.lease) {
            deps.engine.complete(taskId, now.lease.holder, now.lease.token, {
              summary,
              verified: { by: 'Task criteria check', evidence: change.verified.evidence },
            })
          } else if (deps.engine.closeByPerson(taskId, 'completed', actor, summary) === false)
            return
          completed.push(taskId)
        } else if (a.kind === 'cancel') deps.engine.closeByPerson(taskId, 'cancelled', actor)
        else if (a.kind === 'block')
          deps.engine.block(taskId, historyReasons.blockedByLabel(actor), actor)
        else if (a.kind === 'unblock') deps.engine.unblock(taskId, actor)
        else if (a.kind === 'revoke')
          deps.engine.revokeLease(taskId, actor, historyReasons.relabelledPending)
        else deps.engine.reopen(taskId, actor)
      })
    } catch (err) {
      if (!isTaskError(err)) throw err
      // The label asked for something the task cannot do (e.g. block a leased task): keep the task as it is.
    }
  }
  for (const id of deps.engine.show(taskId).dependents) touched.add(id)
  await deps.mirror.publish(octokit, config, deps.repoKey(r), { touched, completed })
  const replies = [
    ...(refused.length ? [manualEditReplies.labelsPutBack(refused)] : []),
    ...(gate ? [manualEditReplies.gateNotPassed(gate.label, gate.decision.missing)] : []),
  ]
  const number = deps.state.issue(taskId)?.number
  if (replies.length && number !== undefined) {
    await octokit.rest.issues.createComment({
      owner: r.owner,
      repo: r.repo,
      issue_number: number,
      body: replies.join('\n\n'),
    })
  }
}
