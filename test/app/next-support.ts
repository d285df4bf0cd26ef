/**
 * The task sets of the `/next` tests (test/app/next*.test.ts): one board
 * built the same way in the app's engine (with the app's bookkeeping, as if
 * the issues had been tracked) and in a local engine (as `tm` would), so
 * the choices of `/next` and `tm next --claim` can be compared.
 */
import { DashboardState } from '../../src/app/dashboard.js'
import type { AppRuntime } from '../../src/app/runtime.js'
import type { FakeClock } from '../../src/core/clock.js'
import type { Engine } from '../../src/core/engine.js'
import type { NewTask } from '../../src/core/model.js'
import { KNOWN_LABELS, OWNER, REPO } from './helpers.js'

export const REPO_KEY = `${OWNER}/${REPO}`

/** One task of a board: its issue number and fields; `dependsOn`/`parent` name other numbers. */
export interface BoardTask {
  n: number
  title: string
  fields?: Omit<NewTask, 'id' | 'title' | 'depends_on' | 'parent_id'>
  dependsOn?: number[]
  parent?: number
  /** Blocked by hand after it is added. */
  blockedBy?: string
}

/**
 * A board with every rule of `next` in it: personas, priorities, deadlines
 * (none last), age, a task blocked by a dependency, one blocked by hand, and
 * a parent whose subtask is open.
 */
export const BOARD: BoardTask[] = [
  { n: 1, title: 'low, old', fields: { priority: 'low' } },
  { n: 2, title: 'review the API', fields: { priority: 'high', persona: 'reviewer' } },
  { n: 3, title: 'high, late deadline', fields: { priority: 'high', deadline: '2026-03-09' } },
  { n: 4, title: 'high, early deadline', fields: { priority: 'high', deadline: '2026-03-03' } },
  { n: 5, title: 'critical, blocked by #1', fields: { priority: 'critical' }, dependsOn: [1] },
  { n: 6, title: 'critical parent', fields: { priority: 'critical' } },
  {
    n: 7,
    title: 'subtask of #6',
    fields: { priority: 'medium', persona: 'implementer' },
    parent: 6,
  },
  {
    n: 8,
    title: 'critical, blocked by hand',
    fields: { priority: 'critical' },
    blockedBy: 'vendor',
  },
  { n: 9, title: 'medium, older' },
  { n: 10, title: 'high, no deadline', fields: { priority: 'high' } },
  { n: 11, title: 'medium, newer' },
  { n: 12, title: 'second review', fields: { priority: 'low', persona: 'reviewer' } },
]

/**
 * Add `board` to `engine`, a second apart on `clock`; `idOf(n)` is the id
 * to give task `n` (undefined: generated, as `tm add` does). Returns the id
 * of each number.
 */
export function buildBoard(
  engine: Engine,
  clock: FakeClock,
  board: BoardTask[],
  idOf: (n: number) => string | undefined,
): Map<number, string> {
  const ids = new Map<number, string>()
  for (const t of board) {
    const id = idOf(t.n)
    const task = engine.add(
      {
        ...(id ? { id } : {}),
        title: t.title,
        ...t.fields,
        ...(t.dependsOn ? { depends_on: t.dependsOn.map((n) => ids.get(n)!) } : {}),
        ...(t.parent ? { parent_id: ids.get(t.parent)! } : {}),
      },
      'seed',
    )
    ids.set(t.n, task.id)
    if (t.blockedBy) engine.block(task.id, t.blockedBy, 'seed')
    clock.advance(1000)
  }
  return ids
}

/** The labels the app would have put on `id`'s issue. */
function labelsOf(rt: AppRuntime, id: string): string[] {
  const t = rt.engine.get(id)
  return ['task', `status: ${t.status}`, `priority: ${t.priority}`].concat(
    t.persona ? [`persona: ${t.persona}`] : [],
  )
}

/**
 * `board` in the app: engine tasks `Codertocat/Hello-World#n`, their issue
 * records as if tracked (labels, a status comment 9000 + n), the labels
 * known in the repository, the config `configYaml` saved, and the
 * repository's dashboard issue recorded as number `dashboard`.
 */
export function seedBoard(
  rt: AppRuntime,
  clock: FakeClock,
  board: BoardTask[],
  configYaml: string,
  dashboard: number,
): Map<number, string> {
  const ids = buildBoard(rt.engine, clock, board, (n) => `${REPO_KEY}#${n}`)
  for (const [n, id] of ids) {
    rt.state.saveIssue({
      task_id: id,
      repo: REPO_KEY,
      number: n,
      issue_id: 1000 + n,
      installation_id: 1,
      is_task: true,
      state: 'open',
      state_reason: null,
      labels: labelsOf(rt, id),
      assignees: [],
      body: '',
      accepted_body: '',
      status_comment_id: 9000 + n,
      status_comment: 'old',
      status_dirty: false,
      native_blocked_by: [],
      github_updated_at: null,
      updated_at: rt.now(),
    })
  }
  const personas = ['reviewer', 'implementer'].map((p) => `persona: ${p}`)
  rt.state.saveRepo(REPO_KEY, rt.now(), {
    config: configYaml,
    labels: [...KNOWN_LABELS, ...personas],
  })
  new DashboardState(rt.engine.store).save(REPO_KEY, {
    number: dashboard,
    node_id: 'I_dashboard',
    title: 'Task board',
    body: null,
    refreshed_at: null,
    pin: 'pinned',
    searched: true,
    dirty: false,
  })
  return ids
}

/** A config listing `logins` as agents (with `personas` for some). */
export function agentsConfig(logins: string[], personas: Record<string, string[]> = {}): string {
  return [
    'agents:',
    ...logins.map(
      (login) => `  - login: ${login}\n    personas: [${(personas[login] ?? []).join(', ')}]`,
    ),
    '',
  ].join('\n')
}
