/**
 * What makes a pending task claimable work, beyond its status and the
 * lock-delay (`leases.claim`): a parent task is not claimable while any of
 * its subtasks is open — it could not be completed (`SubtasksOpen`, as in
 * `completion.ts`); it becomes claimable, for integration, once they are all
 * completed or cancelled. And, when the `enforcePersonas` setting is on, a
 * task with a persona may be claimed only by an agent registered with it.
 *
 * The ready set and `next` (`graph.readyTasks`, `agents.pickNext`) use the
 * same conditions as SQL, so they never offer a task that `claim` refuses.
 */
import type { Store } from './db/store.js'
import { TaskError } from './errors.js'
import type { Ctx, TaskRow } from './tasks.js'

/** Statuses in which a subtask no longer holds its parent back (as for completion). */
const DONE_SQL = `'completed','cancelled'`

/**
 * SQL condition over `tasks` rows (unaliased) that holds when the task has no
 * open subtask. One probe of the `tasks_parent` index per row tested, so the
 * ready set and `next` keep their cost per task returned.
 */
export const NO_OPEN_SUBTASKS_SQL = `NOT EXISTS (SELECT 1 FROM tasks AS sub
  WHERE sub.parent_id = tasks.id AND sub.status NOT IN (${DONE_SQL}))`

/**
 * SQL condition for claimable work at `@now`: pending, past any lock-delay,
 * and no open subtask (see the module comment).
 */
export const CLAIMABLE_SQL = `status = 'pending' AND (claimable_after IS NULL OR claimable_after <= @now)
  AND ${NO_OPEN_SUBTASKS_SQL}`

/** Ids of the open (not completed or cancelled) subtasks of `id`, sorted. */
export function openSubtasks(store: Store, id: string): string[] {
  return store
    .all<{ id: string }>(
      `SELECT id FROM tasks WHERE parent_id = ? AND status NOT IN (${DONE_SQL}) ORDER BY id`,
      [id],
    )
    .map((r) => r.id)
}

/**
 * Refuse to claim `row` while it has open subtasks: `SubtasksOpen`, details
 * `{ task, subtasks }` (the open subtask ids, sorted) — the code `complete`
 * uses for the same reason.
 */
export function requireNoOpenSubtasks(ctx: Ctx, row: TaskRow): void {
  const open = openSubtasks(ctx.store, row.id)
  if (open.length) {
    throw new TaskError(
      'SubtasksOpen',
      `Task ${row.id} has open subtasks: ${open.join(', ')}. Claim one of them instead; the parent can be claimed once they are completed or cancelled.`,
      { task: row.id, subtasks: open },
    )
  }
}

/** The personas `agent` registered with (none when it never registered). */
export function personasOf(ctx: Ctx, agent: string): string[] {
  const row = ctx.store.get<{ personas: string }>('SELECT personas FROM agents WHERE id = ?', [
    agent,
  ])
  return row ? (JSON.parse(row.personas) as string[]) : []
}

/**
 * With `settings.enforcePersonas` on, refuse `agent` a claim on a task with a
 * persona it is not registered with: `PersonaMismatch`, details
 * `{ task, persona, agent, personas }` (`persona` is the one needed,
 * `personas` the agent's). Tasks without a persona, and every task while the
 * setting is off (the default), pass.
 */
export function requirePersona(ctx: Ctx, row: TaskRow, agent: string): void {
  if (!ctx.settings.enforcePersonas || row.persona === null) return
  const personas = personasOf(ctx, agent)
  if (personas.includes(row.persona)) return
  throw new TaskError(
    'PersonaMismatch',
    `Task ${row.id} needs the persona ${row.persona}; ${agent} ${personas.length ? `plays ${personas.join(', ')}` : 'has no persona'}. Personas are enforced on claims: give ${agent} the persona ${row.persona} (\`tm agent register ${agent} --persona ${row.persona}\`, or its entry under agents in the GitHub config), or change the task's persona.`,
    { task: row.id, persona: row.persona, agent, personas },
  )
}
