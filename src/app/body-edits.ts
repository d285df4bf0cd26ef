/**
 * An edit of a task's issue body by a person (issue 14, "Issue authors
 * without write control their task"): the parts that steer the task — success
 * criteria, dependencies, subtasks, the priority and persona fields — change
 * only for people with the rule the config names for them (`edit_criteria`,
 * `edit_claimed_criteria` while a lease is held, `edit_dependencies`,
 * `edit_subtasks`, `priority`, `persona`). Refused parts are set back to the
 * last accepted body; the rest of the edit (prose, title, ticks) stays —
 * unless the set-back could not be sent (over GitHub's size limit) or told
 * apart from the rest, then the whole edit is set back.
 *
 * The baseline is always the last body the app ACCEPTED (`accepted_body` of
 * the record), never GitHub's copy: a refused edit whose set-back
 * has not reached GitHub yet (GitHub answered 422 or 5xx) must not become
 * what the next edit is judged against.
 */
import {
  changedParts,
  type GuardedPart,
  type RestoredBody,
  restoreParts,
} from '../github/body-sections.js'
import { partRule, partWhat } from '../github/manual-edits.js'
import type { AppDeps } from './deps.js'
import type { ActorPermission } from './manual-permission.js'
import type { RepoRef } from './runtime.js'

/** What of an edit is accepted. */
export interface BodyEditDecision {
  /** The body to read into the task: the edit with refused parts set back. */
  accepted: string
  /** The parts set back. */
  restored: GuardedPart[]
  /** Null, or why the whole edit was set back (see `restoreParts`). */
  whole: RestoredBody['whole']
  /** Why, one sentence per refused part. */
  reasons: string[]
}

/**
 * Judge an edit of the body of `taskId` from `baseline` (the last accepted
 * body: the record's `accepted_body`, never GitHub's copy) to `edited`, by
 * `who`. Reads the task from the engine (`host`: GitHub Enterprise's, for
 * issue references). Looks the actor's permission up only when a changed
 * part needs it.
 * The accepted body fits GitHub's limit whenever `baseline` does.
 */
export async function judgeBodyEdit(
  deps: Pick<AppDeps, 'engine' | 'host'>,
  r: RepoRef,
  taskId: string,
  baseline: string,
  edited: string,
  who: ActorPermission,
): Promise<BodyEditDecision> {
  const context = { owner: r.owner, repo: r.repo, ...(deps.host ? { host: deps.host } : {}) }
  const task = deps.engine.get(taskId)
  const restored: GuardedPart[] = []
  const reasons: string[] = []
  for (const part of changedParts(baseline, edited, context)) {
    const auth = await who.may(partRule(part, task), partWhat(part, task))
    if (!auth.allowed) {
      restored.push(part)
      reasons.push(auth.reason)
    }
  }
  if (restored.length === 0) return { accepted: edited, restored, reasons, whole: null }
  const { body, whole } = restoreParts(edited, baseline, restored, context)
  return { accepted: body, restored, reasons, whole }
}

/**
 * True when a bot's edit of a task body changed only what bots may change
 * (ticks) against `accepted` (the record's `accepted_body`): then the app
 * accepts it as the body its own edits start from. A bot that is not a
 * listed agent changes no task, and its changes to the guarded parts are not
 * taken as the last accepted body either. `host`: GitHub Enterprise's, for
 * issue references (undefined on github.com).
 */
export function onlyTicksChanged(
  host: string | undefined,
  r: RepoRef,
  accepted: string,
  after: string,
): boolean {
  const context = { owner: r.owner, repo: r.repo, ...(host ? { host } : {}) }
  return changedParts(accepted, after, context).length === 0
}
