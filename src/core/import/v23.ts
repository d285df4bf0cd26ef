/**
 * Importer for a Task Orchestrator v2.3 data directory (the Python tool
 * T72/task-orchestrator, `.task-orchestrator/`), the layout its users migrate
 * from:
 *
 * ```
 * tasks.db                              SQLite: tasks, dependencies, participants, notifications
 * contexts/<id>.yaml                    {task_id, title, created, contributions: [...]}
 * contexts/<id>_progress.jsonl          {"timestamp", "update", "agent"} per line
 * contexts/shared_<id>.md               shared updates, joins, discoveries, sync points
 * contexts/context_<id>_<agent>.md      one agent's view: who joined when, its updates
 * notes/notes_<id>_<agent>.md           private notes, "### Note [time]" blocks
 * telemetry/*.jsonl                     usage telemetry (not imported)
 * archives/*.tar.gz                     contexts of completed tasks (not imported)
 * ```
 *
 * Pure: opens `tasks.db` read-only and reads files; writes nothing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import Database from 'better-sqlite3'
import { parse as parseYaml } from 'yaml'
import { TaskError } from '../errors.js'
import {
  type Criterion,
  isPersona,
  PRIORITIES,
  type Priority,
  STATUSES,
  type Status,
  TASK_ID_PATTERN,
} from '../model.js'
import { capCriterion } from './beads.js'
import type {
  ImportedContext,
  ImportedNote,
  ImportedParticipant,
  ImportedProgress,
  ImportedTask,
  ImportPlan,
  Unmapped,
} from './plan.js'

/** Blocked reason for a v2.3 task blocked by hand (blocked, without dependencies). */
export const V23_BLOCKED_REASON = 'imported as blocked from Task Orchestrator v2.3'

/** A v2.3 task id inside a file name (v2.3 ids are `uuid4().hex[:8]`). */
const FILE_ID = '([0-9a-z]{8})'

/** Columns of `tasks` this importer maps; any other non-null column is reported. */
const TASK_COLUMNS = new Set([
  'id',
  'title',
  'description',
  'status',
  'priority',
  'assignee',
  'created_at',
  'updated_at',
  'completed_at',
  'success_criteria',
  'feedback_quality',
  'feedback_timeliness',
  'feedback_notes',
  'completion_summary',
  'deadline',
  'estimated_hours',
  'actual_hours',
])

const KNOWN_TABLES = new Set([
  'tasks',
  'dependencies',
  'participants',
  'notifications',
  'sqlite_sequence',
])

type Row = Record<string, unknown>

/** A shared-context entry before numbering. */
interface Shared {
  task: string
  kind: 'update' | 'discovery' | 'sync'
  agent?: string
  at?: string
  message: string
}

/** What one walk of the directory collects. */
interface State {
  dir: string
  ids: Set<string>
  unmapped: Unmapped[]
  participants: Map<string, ImportedParticipant>
  shared: Shared[]
  notes: ImportedNote[]
  progress: ImportedProgress[]
  context: ImportedContext[]
}

/**
 * Read a Task Orchestrator v2.3 data directory into an {@link ImportPlan}
 * (`format` and `sourcePrefix` are `task-orchestrator-v2.3`; `sourceId` and
 * `localId` are the v2.3 id, 8 lowercase hex characters).
 *
 * Mapping of `tasks.db`:
 * - `status` maps directly (pending, in_progress, completed, blocked, …); an
 *   unknown value → pending (reported). A `blocked` task with no
 *   dependencies was blocked by hand: it gets `blocked_reason`
 *   {@link V23_BLOCKED_REASON}.
 * - `priority` maps directly; NULL (v2.3 wrote NULL when none was given) and
 *   unknown values → medium (reported).
 * - `assignee`: v2.3 assigned tasks to agent roles (`backend_dev`). It is kept
 *   as `assignee` and, lowercased, also set as `persona` when it is a valid
 *   persona; either way it is reported so the user can check.
 * - `success_criteria` (JSON `[{criterion, measurable}]`): `measurable` is
 *   kept as the CEL expression it is. v2.3 also wrote the flags `"true"` /
 *   `"false"`: `"true"` is kept as the CEL literal `true` (it always holds —
 *   reported), `"false"` would never hold, so the criterion becomes manual
 *   (reported). Criterion text is cut to 500 characters (reported).
 * - `feedback_*`, `completion_summary`, `deadline`, `estimated_hours`,
 *   `actual_hours`, times: as found; ratings outside 1–5 and hours that are
 *   not positive are reported and dropped. Other non-null columns (a later
 *   `created_by`) are reported.
 * - `dependencies` rows → `dependsOn`; rows naming unknown tasks are reported.
 * - `participants` rows → participants; `notifications` rows are reported
 *   (delivery state, not imported).
 *
 * Mapping of the files:
 * - `contexts/shared_<id>.md`: `[time] agent: message` → context
 *   `update.<n>`; `🔍 DISCOVERY [time] agent: message` → `discovery.<n>`;
 *   `🔄 SYNC POINT` blocks → `sync.<n>`; `[time] Agent X joined task` →
 *   participant. `<n>` counts from 1 per task and kind, in time order; the
 *   value is the message, with `author` and `at`.
 * - `contexts/context_<id>_<agent>.md`: `Agent:`/`Joined:` → participant
 *   (participants come from here when the table is empty); its updates repeat
 *   the shared file's and are only added when missing there.
 * - `contexts/<id>.yaml`: `contributions` → context entries as above (by
 *   their `type`); other keys but `task_id`/`title`/`created` → context with
 *   that key.
 * - `contexts/<id>_progress.jsonl` → progress (message = `update`; v2.3 had
 *   no percent).
 * - `notes/notes_<id>_<agent>.md` → one note per `### Note [time]` block.
 * - `telemetry/*`, `archives/*`, files of tasks not in `tasks.db` and any
 *   other file are reported as not imported.
 *
 * Participants are deduplicated per task and agent (earliest join kept).
 *
 * @param dir the data directory (the one holding `tasks.db`)
 * @throws TaskError('BadImport') when `dir` is not a directory, has no
 *   `tasks.db`, the database cannot be read or has no `tasks` table, or a
 *   YAML/JSONL file is malformed (naming the file and line).
 */
export function parseV23(dir: string): ImportPlan {
  let isDir = false
  try {
    isDir = statSync(dir).isDirectory()
  } catch {
    // reported below
  }
  if (!isDir) {
    throw new TaskError(
      'BadImport',
      `${dir} is not a directory: a Task Orchestrator v2.3 import reads its data directory (the one holding tasks.db)`,
      { path: dir },
    )
  }
  const dbPath = join(dir, 'tasks.db')
  try {
    if (!statSync(dbPath).isFile()) throw new Error('not a file')
  } catch {
    throw new TaskError(
      'BadImport',
      `${dir} has no tasks.db: not a Task Orchestrator v2.3 data directory`,
      { path: dir },
    )
  }

  const unmapped: Unmapped[] = []
  const { tasks, participants } = readDatabase(dbPath, unmapped)
  const state: State = {
    dir,
    ids: new Set(tasks.map((t) => t.sourceId)),
    unmapped,
    participants: new Map(),
    shared: [],
    notes: [],
    progress: [],
    context: [],
  }
  for (const p of participants) addParticipant(state, p)

  for (const file of listFiles(dir)) readFile(state, file)

  return {
    format: 'task-orchestrator-v2.3',
    sourcePrefix: 'task-orchestrator-v2.3',
    tasks,
    participants: [...state.participants.values()],
    context: [...numberShared(state.shared, state.ids), ...state.context],
    notes: state.notes,
    progress: state.progress,
    unmapped,
  }
}

// ---------------------------------------------------------------- database

function readDatabase(
  dbPath: string,
  unmapped: Unmapped[],
): { tasks: ImportedTask[]; participants: ImportedParticipant[] } {
  let db: Database.Database
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true })
  } catch (err) {
    throw new TaskError('BadImport', `${dbPath} cannot be opened: ${(err as Error).message}`, {
      path: dbPath,
    })
  }
  try {
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Row[]).map(
        (r) => r.name as string,
      ),
    )
    if (!tables.has('tasks')) {
      throw new TaskError(
        'BadImport',
        `${dbPath} has no "tasks" table: not a Task Orchestrator v2.3 database`,
        { path: dbPath },
      )
    }
    for (const table of [...tables].sort()) {
      if (!KNOWN_TABLES.has(table)) {
        const count = (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as Row).n
        unmapped.push({
          item: 'tasks.db',
          field: `table ${table}`,
          value: `${String(count)} rows`,
          reason: 'table unknown to v2.3 import; not imported',
        })
      }
    }

    const rows = db.prepare('SELECT * FROM tasks ORDER BY rowid').all() as Row[]
    const deps = tables.has('dependencies')
      ? (db.prepare('SELECT * FROM dependencies ORDER BY rowid').all() as Row[])
      : []
    const parts = tables.has('participants')
      ? (db.prepare('SELECT * FROM participants ORDER BY rowid').all() as Row[])
      : []
    const notifications = tables.has('notifications')
      ? (db.prepare('SELECT * FROM notifications ORDER BY rowid').all() as Row[])
      : []

    const tasks = rows.map((row) => mapTask(row, unmapped))
    const byId = new Map(tasks.map((t) => [t.sourceId, t]))

    for (const dep of deps) {
      const from = String(dep.task_id)
      const to = String(dep.depends_on)
      const task = byId.get(from)
      const value = { task_id: dep.task_id, depends_on: dep.depends_on }
      if (!task) {
        unmapped.push({
          item: from,
          field: 'dependencies',
          value,
          reason: `task ${from} is not in the tasks table; dependency dropped`,
        })
      } else if (!byId.has(to)) {
        unmapped.push({
          item: from,
          field: 'dependencies',
          value,
          reason: `task ${to} is not in the tasks table; dependency dropped`,
        })
      } else if (to === from) {
        unmapped.push({
          item: from,
          field: 'dependencies',
          value,
          reason: 'a task cannot depend on itself; dropped',
        })
      } else if (!task.dependsOn.includes(to)) {
        task.dependsOn.push(to)
      }
    }
    for (const task of tasks) {
      if (task.status === 'blocked' && task.dependsOn.length === 0) {
        task.blocked_reason = V23_BLOCKED_REASON
      }
    }

    const participants: ImportedParticipant[] = []
    for (const p of parts) {
      const task = String(p.task_id)
      if (!byId.has(task)) {
        unmapped.push({
          item: task,
          field: 'participants',
          value: p,
          reason: `task ${task} is not in the tasks table; participant dropped`,
        })
        continue
      }
      const participant: ImportedParticipant = { taskSourceId: task, agent: String(p.agent_id) }
      if (typeof p.joined_at === 'string') participant.joined_at = p.joined_at
      participants.push(participant)
    }

    for (const n of notifications) {
      unmapped.push({
        item: typeof n.task_id === 'string' ? n.task_id : 'tasks.db',
        field: 'notifications',
        value: { type: n.type, message: n.message, agent_id: n.agent_id, read: n.read },
        reason:
          'v2.3 notification (delivery state) is not imported; the engine records its own events',
      })
    }
    return { tasks, participants }
  } catch (err) {
    if (err instanceof TaskError) throw err
    throw new TaskError('BadImport', `${dbPath} cannot be read: ${(err as Error).message}`, {
      path: dbPath,
    })
  } finally {
    db.close()
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

function mapTask(row: Row, unmapped: Unmapped[]): ImportedTask {
  const id = String(row.id)
  const report = (field: string, value: unknown, reason: string) =>
    unmapped.push({ item: id, field, value, reason })

  let status: Status = 'pending'
  if ((STATUSES as readonly unknown[]).includes(row.status)) status = row.status as Status
  else report('status', row.status, 'not a Task Orchestrator status; imported as pending')

  let priority: Priority = 'medium'
  if ((PRIORITIES as readonly unknown[]).includes(row.priority)) {
    priority = row.priority as Priority
  } else if (row.priority === null || row.priority === undefined) {
    report('priority', null, 'no priority (NULL in v2.3); imported as medium')
  } else {
    report('priority', row.priority, 'unknown priority; imported as medium')
  }

  const task: ImportedTask = {
    sourceId: id,
    title: String(row.title ?? '').trim(),
    description: typeof row.description === 'string' ? row.description : '',
    status,
    priority,
    dependsOn: [],
    success_criteria: [],
  }
  if (TASK_ID_PATTERN.test(id)) task.localId = id
  else report('id', id, 'not 8 lowercase letters or digits; a new local id will be given')

  const assignee = str(row.assignee)?.trim()
  if (assignee) {
    task.assignee = assignee
    const persona = assignee.toLowerCase()
    if (isPersona(persona)) {
      task.persona = persona
      report(
        'assignee',
        assignee,
        `v2.3 assigned tasks to agent roles: kept as assignee and set as persona '${persona}'`,
      )
    } else {
      report(
        'assignee',
        assignee,
        'v2.3 assigned tasks to agent roles: kept as assignee; not a valid persona name, so no persona set',
      )
    }
  }

  for (const key of [
    'created_at',
    'updated_at',
    'completed_at',
    'deadline',
    'completion_summary',
    'feedback_notes',
  ] as const) {
    const value = str(row[key])
    if (value !== undefined) task[key] = value
  }
  for (const key of ['feedback_quality', 'feedback_timeliness'] as const) {
    const value = row[key]
    if (value === null || value === undefined) continue
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5) {
      task[key] = value
    } else {
      report(key, value, 'not a rating from 1 to 5; dropped')
    }
  }
  for (const key of ['estimated_hours', 'actual_hours'] as const) {
    const value = row[key]
    if (value === null || value === undefined) continue
    if (typeof value === 'number' && value > 0 && value <= 10_000) task[key] = value
    else report(key, value, 'not a positive number of hours (at most 10000); dropped')
  }

  if (row.success_criteria !== null && row.success_criteria !== undefined) {
    task.success_criteria = mapCriteria(id, row.success_criteria, report, unmapped)
  }

  for (const [key, value] of Object.entries(row)) {
    if (!TASK_COLUMNS.has(key) && value !== null && value !== undefined) {
      report(key, value, 'column has no place in Task Orchestrator; dropped')
    }
  }
  return task
}

function mapCriteria(
  id: string,
  raw: unknown,
  report: (field: string, value: unknown, reason: string) => void,
  unmapped: Unmapped[],
): Criterion[] {
  if (typeof raw === 'string' && raw.trim() === '') return []
  let list: unknown
  try {
    list = typeof raw === 'string' ? JSON.parse(raw) : raw
  } catch {
    report('success_criteria', raw, 'not valid JSON; no criteria imported')
    return []
  }
  if (!Array.isArray(list)) {
    report('success_criteria', raw, 'not a JSON list; no criteria imported')
    return []
  }
  const criteria: Criterion[] = []
  list.forEach((item: unknown, i) => {
    const field = `success_criteria[${i}]`
    if (typeof item === 'string') item = { criterion: item }
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      report(field, item, 'not a {criterion, measurable} object; dropped')
      return
    }
    const entry = item as Row
    let measurable: string | undefined
    const m = entry.measurable
    const flag = typeof m === 'string' ? m.trim().toLowerCase() : m
    if (flag === true || flag === 'true') {
      measurable = 'true'
      report(
        `${field}.measurable`,
        m,
        'v2.3 flag "true" kept as the CEL expression `true`, which always holds; replace it with a real check or remove it to make the criterion manual',
      )
    } else if (flag === false || flag === 'false') {
      report(
        `${field}.measurable`,
        m,
        'v2.3 flag "false" (not measurable): imported as a manual criterion without an expression',
      )
    } else if (typeof m === 'string' && m.trim() !== '') {
      if (m.trim().length <= 2000) measurable = m.trim()
      else
        report(
          `${field}.measurable`,
          m,
          'expression longer than 2000 characters; criterion imported as manual',
        )
    } else if (m !== undefined && m !== null && m !== '') {
      report(`${field}.measurable`, m, 'not an expression; criterion imported as manual')
    }
    let text = typeof entry.criterion === 'string' ? entry.criterion.trim() : ''
    if (text === '') {
      if (measurable === undefined) {
        report(field, item, 'criterion has neither text nor expression; dropped')
        return
      }
      text = measurable
      report(
        `${field}.criterion`,
        entry.criterion ?? null,
        'no criterion text; the expression is used as its text',
      )
    }
    const criterion: Criterion = {
      criterion: capCriterion(text, id, `${field}.criterion`, unmapped),
    }
    if (measurable !== undefined) criterion.measurable = measurable
    for (const key of Object.keys(entry)) {
      if (key !== 'criterion' && key !== 'measurable') {
        report(`${field}.${key}`, entry[key], 'no such criterion field; dropped')
      }
    }
    criteria.push(criterion)
  })
  return criteria
}

// ---------------------------------------------------------------- files

/** Every file under `dir` (relative, `/`-separated, sorted), the database excepted. */
function listFiles(dir: string): string[] {
  const files: string[] = []
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name)
      if (entry.isDirectory()) walk(full)
      else files.push(relative(dir, full).split(sep).join('/'))
    }
  }
  walk(dir)
  return files.filter((f) => !/^tasks\.db(?:-wal|-shm|-journal)?$/.test(f)).sort()
}

/** File kinds of the v2.3 layout that carry a task's data, by file-name pattern. */
const TASK_FILES: [
  RegExp,
  (state: State, file: string, task: string, agent: string, text: string) => void,
][] = [
  [new RegExp(`^contexts/${FILE_ID}\\.yaml$`), (s, f, t, _a, x) => readYamlContext(s, f, t, x)],
  [
    new RegExp(`^contexts/${FILE_ID}_progress\\.jsonl$`),
    (s, f, t, _a, x) => readProgress(s, f, t, x),
  ],
  [new RegExp(`^contexts/shared_${FILE_ID}\\.md$`), (s, f, t, _a, x) => readSharedFile(s, f, t, x)],
  [new RegExp(`^contexts/context_${FILE_ID}_(.+)\\.md$`), readAgentContext],
  [new RegExp(`^notes/notes_${FILE_ID}_(.+)\\.md$`), readNotes],
]

function readFile(state: State, file: string): void {
  const notImported = (reason: string, value: unknown = file) =>
    state.unmapped.push({ item: file, field: 'file', value, reason })
  const content = () => readFileSync(join(state.dir, file), 'utf8')

  if (file.startsWith('telemetry/')) {
    const events = content()
      .split('\n')
      .filter((l) => l.trim() !== '').length
    notImported('v2.3 usage telemetry is not imported', `${events} events`)
    return
  }
  if (file.startsWith('archives/')) {
    const task = new RegExp(`task_${FILE_ID}_`).exec(file)?.[1]
    notImported(
      task
        ? `archived context of task ${task} (packed on completion) is not imported; extract it into contexts/ to import it`
        : 'archive is not imported',
    )
    return
  }
  for (const [pattern, read] of TASK_FILES) {
    const m = pattern.exec(file)
    if (!m) continue
    const task = m[1]!
    if (state.ids.has(task)) read(state, file, task, m[2] ?? '', content())
    else notImported(`task ${task} is not in tasks.db; file not imported`)
    return
  }
  notImported('file unknown to the v2.3 layout; not imported')
}

function addParticipant(state: State, p: ImportedParticipant): void {
  const key = `${p.taskSourceId}\n${p.agent}`
  const known = state.participants.get(key)
  if (!known) {
    state.participants.set(key, { ...p })
  } else if (p.joined_at && (!known.joined_at || p.joined_at < known.joined_at)) {
    known.joined_at = p.joined_at
  }
}

function addShared(state: State, entry: Shared): void {
  const same = state.shared.some(
    (s) =>
      s.task === entry.task &&
      s.kind === entry.kind &&
      s.at === entry.at &&
      s.message === entry.message &&
      (s.agent === undefined || entry.agent === undefined || s.agent === entry.agent),
  )
  if (!same) state.shared.push(entry)
}

/**
 * Shared entries by task (in `tasks.db` order), then time, keyed `<kind>.<n>`
 * with n from 1 per task and kind.
 */
function numberShared(shared: Shared[], ids: Set<string>): ImportedContext[] {
  const taskOrder = new Map([...ids].map((id, i) => [id, i]))
  const sorted = shared
    .map((s, i) => ({ s, i }))
    .sort(
      (a, b) =>
        taskOrder.get(a.s.task)! - taskOrder.get(b.s.task)! ||
        (a.s.at ?? '').localeCompare(b.s.at ?? '') ||
        a.i - b.i,
    )
  const counters = new Map<string, number>()
  return sorted.map(({ s }) => {
    const counter = `${s.task}\n${s.kind}`
    const n = (counters.get(counter) ?? 0) + 1
    counters.set(counter, n)
    const entry: ImportedContext = { taskSourceId: s.task, key: `${s.kind}.${n}`, value: s.message }
    if (s.agent) entry.author = s.agent
    if (s.at) entry.at = s.at
    return entry
  })
}

const TIME = '\\[([^\\]]+)\\]'
const JOIN_LINE = new RegExp(`^${TIME} Agent (\\S+) joined task$`)
const UPDATE_LINE = new RegExp(`^${TIME} ([^\\s:]+): ?(.*)$`)
const DISCOVERY_LINE = new RegExp(`^\\*{0,2}🔍 DISCOVERY ${TIME} ([^\\s:]+): ?(.*)$`)
const SYNC_LINE = new RegExp(`^🔄 SYNC POINT ${TIME}$`)

/** Remove the `**…**` emphasis v2.3 puts around a discovery in the shared file. */
function stripEmphasis(message: string): string {
  return message.endsWith('**') ? message.slice(0, -2) : message
}

function readSharedFile(state: State, file: string, task: string, text: string): void {
  const lines = text.split(/\r?\n/)
  const unknown: string[] = []
  let current: Shared | undefined
  let inSync = false
  const flush = () => {
    if (current) {
      current.message = current.message.trim()
      if (current.kind === 'discovery') current.message = stripEmphasis(current.message).trim()
      addShared(state, current)
    }
    current = undefined
  }
  for (const [i, line] of lines.entries()) {
    if (i < 4 && (/^# Shared Context for Task /.test(line) || /^Created: /.test(line))) continue
    if (/^={10,}$/.test(line)) {
      flush()
      inSync = !inSync
      continue
    }
    if (inSync) {
      const sync = SYNC_LINE.exec(line)
      const agent = /^Agent: (.*)$/.exec(line)
      const message = /^Message: ?(.*)$/.exec(line)
      if (sync) current = { task, kind: 'sync', at: sync[1]!, message: '' }
      else if (current && agent) current.agent = agent[1]!.trim()
      else if (current && message) current.message = message[1]!
      else if (current && line.trim() !== '') current.message += `\n${line}`
      continue
    }
    const joined = JOIN_LINE.exec(line)
    const discovery = DISCOVERY_LINE.exec(line)
    const update = UPDATE_LINE.exec(line)
    if (joined) {
      flush()
      addParticipant(state, { taskSourceId: task, agent: joined[2]!, joined_at: joined[1]! })
    } else if (discovery) {
      flush()
      current = {
        task,
        kind: 'discovery',
        at: discovery[1]!,
        agent: discovery[2]!,
        message: discovery[3]!,
      }
    } else if (update) {
      flush()
      current = { task, kind: 'update', at: update[1]!, agent: update[2]!, message: update[3]! }
    } else if (current) {
      current.message += `\n${line}`
    } else if (line.trim() !== '' && line.trim() !== '---') {
      unknown.push(line)
    }
  }
  flush()
  if (unknown.length > 0) {
    state.unmapped.push({
      item: file,
      field: 'lines',
      value: unknown,
      reason: 'lines outside any shared update; not imported',
    })
  }
}

function readAgentContext(
  state: State,
  file: string,
  task: string,
  fileAgent: string,
  text: string,
): void {
  const agent = /^Agent: (\S+)\s*$/m.exec(text)?.[1] ?? fileAgent
  const joined = /^Joined: (\S+)\s*$/m.exec(text)?.[1]
  const participant: ImportedParticipant = { taskSourceId: task, agent }
  if (joined) participant.joined_at = joined
  addParticipant(state, participant)

  // "### Update [time]" / "### 🔍 DISCOVERY [time]" blocks with **Type** and **Message**.
  const blocks = text.split(/^### /m).slice(1)
  for (const block of blocks) {
    const head = new RegExp(`^(?:Update|🔍 DISCOVERY) ${TIME}`).exec(block)
    const message = /^\*\*Message\*\*: ?([\s\S]*)$/m.exec(block)?.[1]?.trim()
    if (!head || message === undefined) {
      state.unmapped.push({
        item: file,
        field: 'lines',
        value: `### ${block.trim()}`,
        reason: 'block not understood; not imported',
      })
      continue
    }
    const type = /^\*\*Type\*\*: (.*)$/m.exec(block)?.[1]?.trim()
    const kind = type === 'Critical Discovery' || block.startsWith('🔍') ? 'discovery' : 'update'
    addShared(state, { task, kind, agent, at: head[1]!, message })
  }
}

function readYamlContext(state: State, file: string, task: string, text: string): void {
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    throw new TaskError(
      'BadImport',
      `${join(state.dir, file)}: not valid YAML (${(err as Error).message})`,
      {
        file,
      },
    )
  }
  if (doc === null || doc === undefined) return
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    state.unmapped.push({
      item: file,
      field: 'file',
      value: doc,
      reason: 'not a YAML mapping; not imported',
    })
    return
  }
  for (const [key, value] of Object.entries(doc as Row)) {
    if (key === 'task_id' || key === 'title' || key === 'created') continue
    if (key === 'contributions' && Array.isArray(value)) {
      value.forEach((c: unknown, i) => {
        const entry = (typeof c === 'object' && c !== null ? c : {}) as Row
        const content = entry.content
        if (typeof content !== 'string' || content.trim() === '') {
          state.unmapped.push({
            item: file,
            field: `contributions[${i}]`,
            value: c,
            reason: 'contribution without content; not imported',
          })
          return
        }
        const kind =
          entry.type === 'discovery' ? 'discovery' : entry.type === 'sync' ? 'sync' : 'update'
        const shared: Shared = { task, kind, message: content.trim() }
        if (typeof entry.agent === 'string') shared.agent = entry.agent
        if (typeof entry.timestamp === 'string') shared.at = entry.timestamp
        addShared(state, shared)
      })
      continue
    }
    state.context.push({ taskSourceId: task, key, value })
  }
}

function readProgress(state: State, file: string, task: string, text: string): void {
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return
    let entry: unknown
    try {
      entry = JSON.parse(raw)
    } catch (err) {
      throw new TaskError(
        'BadImport',
        `${join(state.dir, file)}:${i + 1}: not valid JSON (${(err as Error).message})`,
        { file, line: i + 1 },
      )
    }
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Row
    if (typeof e.update !== 'string' || e.update.trim() === '') {
      state.unmapped.push({
        item: `${file}:${i + 1}`,
        field: 'update',
        value: entry,
        reason: 'progress entry without an "update" message; not imported',
      })
      return
    }
    const progress: ImportedProgress = { taskSourceId: task, message: e.update.trim() }
    if (typeof e.agent === 'string') progress.agent = e.agent
    if (typeof e.timestamp === 'string') progress.at = e.timestamp
    state.progress.push(progress)
    for (const key of Object.keys(e)) {
      if (!['update', 'agent', 'timestamp'].includes(key)) {
        state.unmapped.push({
          item: `${file}:${i + 1}`,
          field: key,
          value: e[key],
          reason: 'progress field has no place in Task Orchestrator; dropped',
        })
      }
    }
  })
}

function readNotes(state: State, _file: string, task: string, agent: string, text: string): void {
  const parts = text.split(new RegExp(`^### Note ${TIME}[ \\t]*$`, 'm'))
  const preamble = parts[0]!.trim()
  if (preamble !== '') state.notes.push({ taskSourceId: task, agent, text: preamble })
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const body = parts[i + 1]!.trim()
    if (body === '') continue
    state.notes.push({ taskSourceId: task, agent, text: body, at: parts[i]! })
  }
}
