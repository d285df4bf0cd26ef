/**
 * Agents and personas. An agent registers the personas it can play and how
 * many leases it may hold at once; `next` picks the best claimable task for
 * it — persona match first, then priority, then deadline, then age — and can
 * claim it in the same transaction, so two agents asking at once never get
 * the same task.
 */
import { CLAIMABLE_SQL } from './claim-rules.js'
import { appendEvent } from './events.js'
import { claim, type Grant, sweep } from './leases.js'
import type { Task } from './model.js'
import { parseInput, schemas } from './schemas.js'
import { type Ctx, rowToTask, TASK_COLUMNS, type TaskRow } from './tasks.js'

/** A registered agent. */
export interface Agent {
  id: string
  personas: string[]
  /** Most leases held at once. */
  capacity: number
  registered_at: string
  last_seen_at: string | null
  /** Leases held right now (filled by `listAgents`). */
  leases?: number
}

/** Register or update an agent. Throws `InvalidInput` naming the bad field. */
export function registerAgent(
  ctx: Ctx,
  input: { id: string; personas?: string[]; capacity?: number },
  actor: string | null,
): Agent {
  const a = parseInput(schemas().Agent, input, 'agent')
  ctx.store.run(
    `INSERT INTO agents (id, personas, capacity, registered_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET personas = excluded.personas, capacity = excluded.capacity`,
    [a.id, JSON.stringify(a.personas), a.capacity, ctx.now],
  )
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'agent_registered',
    task_id: null,
    actor: actor ?? a.id,
    details: { agent: a.id, personas: a.personas, capacity: a.capacity },
  })
  return getAgent(ctx, a.id)!
}

type AgentRow = Omit<Agent, 'personas'> & { personas: string }

function toAgent(row: AgentRow): Agent {
  return { ...row, personas: JSON.parse(row.personas) as string[] }
}

/** The agent with `id`, or undefined when it never registered. */
export function getAgent(ctx: Ctx, id: string): Agent | undefined {
  const row = ctx.store.get<AgentRow>('SELECT * FROM agents WHERE id = ?', [id])
  return row && toAgent(row)
}

/** All registered agents with their current lease counts. */
export function listAgents(ctx: Ctx): Agent[] {
  return ctx.store
    .all<AgentRow & { leases: number }>(
      `SELECT a.*, (SELECT count(*) FROM tasks t WHERE t.lease_holder = a.id) AS leases
       FROM agents a ORDER BY a.id`,
    )
    .map(toAgent)
}

const ORDER = 'ORDER BY priority_rank DESC, deadline_key, created_at LIMIT 1'

/**
 * The best claimable task for `agent` (claimable as `claim-rules.ts` says:
 * pending, past any lock-delay, no open subtask): tasks for one of its
 * personas first, then tasks without a persona, then — unless personas are
 * enforced on claims (`settings.enforcePersonas`) — any other claimable
 * task; within each group by priority, deadline (none last) and age.
 * Returns undefined when nothing is claimable. Each probe is one indexed query.
 */
export function pickNext(ctx: Ctx, agent: string, options: NextOptions = {}): Task | undefined {
  const row = pickNextRow(ctx, personasFor(ctx, agent, options), options.scope)
  return row && rowToTask(row)
}

/**
 * Where `next` looks and as whom, beyond the agent's registration. Both are
 * for front doors that share one database between several task lists (the
 * GitHub app: one per repository); `tm` passes neither.
 */
export interface NextOptions {
  /**
   * Only tasks whose id starts with this text are considered, and only
   * their expired leases are swept first: `owner/repo#` for one repository's
   * tasks on GitHub. Absent: every task.
   */
  scope?: string
  /**
   * The personas to look for first, instead of the agent's registered ones
   * (`/next reviewer`). Names as `PERSONA_PATTERN`; absent: the registration's.
   * Persona enforcement on claims (`settings.enforcePersonas`) still checks
   * the registration, so asking for a persona one does not play is refused
   * with `PersonaMismatch` when it is on.
   */
  personas?: string[]
}

function personasFor(ctx: Ctx, agent: string, options: NextOptions): string[] {
  return options.personas ?? getAgent(ctx, agent)?.personas ?? []
}

/** SQL condition (with `@scope`) for a task id within {@link NextOptions.scope}. */
const IN_SCOPE_SQL = 'substr(id, 1, length(@scope)) = @scope'

/** {@link pickNext} on rows, for callers that go on to claim in the same transaction. */
function pickNextRow(ctx: Ctx, personas: string[], scope?: string): TaskRow | undefined {
  const claimable = scope === undefined ? CLAIMABLE_SQL : `${CLAIMABLE_SQL} AND ${IN_SCOPE_SQL}`
  const params = scope === undefined ? { now: ctx.now } : { now: ctx.now, scope }
  const candidates: TaskRow[] = []
  for (const persona of personas) {
    const row = ctx.store.get<TaskRow>(
      `SELECT ${TASK_COLUMNS}, priority_rank, deadline_key FROM tasks WHERE ${claimable} AND persona = @persona ${ORDER}`,
      { ...params, persona },
    )
    if (row) candidates.push(row)
  }
  if (candidates.length) return candidates.sort(byUrgency)[0]!
  const unassigned = ctx.store.get<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM tasks WHERE ${claimable} AND persona IS NULL ${ORDER}`,
    params,
  )
  if (unassigned || ctx.settings.enforcePersonas) return unassigned
  return ctx.store.get<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM tasks WHERE ${claimable} ${ORDER}`,
    params,
  )
}

type Ranked = TaskRow & { priority_rank?: number; deadline_key?: string }

function byUrgency(a: Ranked, b: Ranked): number {
  return (
    (b.priority_rank ?? 0) - (a.priority_rank ?? 0) ||
    (a.deadline_key ?? '').localeCompare(b.deadline_key ?? '') ||
    a.created_at.localeCompare(b.created_at)
  )
}

/** Result of `next`: the task, and the grant when it was claimed. */
export interface NextOutcome {
  task: Task | null
  grant: Grant | null
}

/**
 * Pick (and with `claimIt`, claim) the next task for `agent` in one
 * transaction, after sweeping expired leases (within `options.scope` when
 * given, see {@link NextOptions}). When the agent is at capacity and asked to claim, throws
 * `AgentAtCapacity` before picking.
 */
export function next(
  ctx: Ctx,
  agent: string,
  claimIt: boolean,
  ttlMs?: number,
  options: NextOptions = {},
): NextOutcome {
  sweep(ctx, options.scope === undefined ? undefined : { scope: options.scope })
  const registered = getAgent(ctx, agent)
  const row = pickNextRow(ctx, options.personas ?? registered?.personas ?? [], options.scope)
  if (!row) return { task: null, grant: null }
  const task = rowToTask(row)
  if (!claimIt) return { task, grant: null }
  const grant = claim(ctx, task.id, agent, ttlMs, {
    row,
    capacity: registered?.capacity ?? ctx.settings.defaultCapacity,
  })
  // The claim's UPDATE changed exactly these fields.
  const claimed: Task = {
    ...task,
    status: 'in_progress',
    lease: grant.lease,
    assignee: agent,
    fencing_seq: grant.lease.token,
    claimable_after: null,
    updated_at: ctx.now,
  }
  return { task: claimed, grant }
}
