/**
 * The database half of the Task Orchestrator v2.3 importer (`v23.ts`):
 * `tasks.db` → tasks, dependencies and participants. The file is untrusted:
 * it is opened read-only, only when it is a regular file within
 * `IMPORT_LIMITS.v23DatabaseBytes`, with `trusted_schema` off; every table and
 * column name it supplies is quoted in the SQL built from it, and columns
 * computed on read (virtual generated columns) are reported, never computed.
 */
import { lstatSync } from 'node:fs'
import Database from 'better-sqlite3'
import { TaskError } from '../errors.js'
import { isPersona, STATUSES, type Status, TASK_ID_PATTERN } from '../model.js'
import type { ImportedParticipant, ImportedTask, Unmapped } from './plan.js'
import { checkSourceFile, IMPORT_LIMITS } from './source-file.js'
import { mapCriteria } from './v23-criteria.js'

/** Blocked reason for a v2.3 task blocked by hand (blocked, without dependencies). */
export const V23_BLOCKED_REASON = 'imported as blocked from Task Orchestrator v2.3'

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

/** `name` as an SQL identifier: in double quotes, inner quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** The database files SQLite may open besides `tasks.db` itself. */
const SIDE_FILES = ['-wal', '-journal', '-shm']

/**
 * Open `tasks.db` read-only after checking it (and any `-wal`, `-journal`,
 * `-shm` beside it) is a regular file, not a link, within
 * `IMPORT_LIMITS.v23DatabaseBytes`.
 */
function openDatabase(dbPath: string): Database.Database {
  const options = {
    label: dbPath,
    limit: IMPORT_LIMITS.v23DatabaseBytes,
    limitFor: 'the tasks.db of a v2.3 data directory',
  }
  checkSourceFile(dbPath, options)
  for (const side of SIDE_FILES) {
    const path = `${dbPath}${side}`
    let present = false
    try {
      lstatSync(path)
      present = true
    } catch {
      // absent: nothing to check
    }
    if (present) checkSourceFile(path, { ...options, label: path })
  }
  let db: Database.Database
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true })
  } catch (err) {
    throw new TaskError('BadImport', `${dbPath} cannot be opened: ${(err as Error).message}`, {
      path: dbPath,
    })
  }
  try {
    // Functions in the file's schema (views, defaults, generated columns) may
    // only be those SQLite marks harmless.
    db.pragma('trusted_schema = OFF')
  } catch {
    // an SQLite without the pragma: nothing to turn off
  }
  return db
}

/**
 * Every row of `table`, with the columns stored in the file; columns that
 * SQLite computes on read (virtual generated columns, whose expression the
 * file supplies) are reported under `item` and not read.
 */
function readTable(
  db: Database.Database,
  table: string,
  item: string,
  unmapped: Unmapped[],
): Row[] {
  const columns = db.prepare('SELECT name, hidden FROM pragma_table_xinfo(?)').all(table) as {
    name: string
    hidden: number
  }[]
  const stored: string[] = []
  for (const c of columns) {
    if (c.hidden === 0 || c.hidden === 3) stored.push(c.name)
    else if (c.hidden === 2) {
      unmapped.push({
        item,
        field: c.name,
        value: null,
        reason: `column of table ${table} is computed on read from an expression in the file; not read`,
      })
    }
  }
  if (stored.length === 0) return []
  return db
    .prepare(
      `SELECT ${stored.map(quoteIdentifier).join(', ')} FROM ${quoteIdentifier(table)} ORDER BY rowid`,
    )
    .all() as Row[]
}

/**
 * Read tasks, dependencies and participants of a v2.3 `tasks.db`, reporting
 * what does not map into `unmapped`.
 *
 * @throws TaskError('BadImport') when the file is not a regular file within
 *   its cap, cannot be opened or read, or has no `tasks` table.
 */
export function readDatabase(
  dbPath: string,
  unmapped: Unmapped[],
): { tasks: ImportedTask[]; participants: ImportedParticipant[] } {
  const db = openDatabase(dbPath)
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
        let value: string
        try {
          const count = (
            db.prepare(`SELECT count(*) AS n FROM ${quoteIdentifier(table)}`).get() as Row
          ).n
          value = `${String(count)} rows`
        } catch (err) {
          value = `rows not counted (${(err as Error).message})`
        }
        unmapped.push({
          item: 'tasks.db',
          field: `table ${table}`,
          value,
          reason: 'table unknown to v2.3 import; not imported',
        })
      }
    }

    const read = (table: string) =>
      tables.has(table)
        ? readTable(db, table, table === 'tasks' ? 'tasks.db' : table, unmapped)
        : []
    const rows = read('tasks')
    const deps = read('dependencies')
    const parts = read('participants')
    const notifications = read('notifications')

    const tasks = rows.map((row) => mapTask(row, unmapped))
    const byId = new Map(tasks.map((t) => [t.sourceId, t]))
    const edges = new Set<string>()

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
      } else if (!edges.has(`${from}\n${to}`)) {
        edges.add(`${from}\n${to}`)
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

  // v2.3 names priorities as we do: any other value goes to the task schema,
  // which refuses the row with its own sentence (see `refusals.ts`).
  let priority: ImportedTask['priority'] = 'medium'
  if (row.priority === null || row.priority === undefined) {
    report('priority', null, 'no priority (NULL in v2.3); imported as medium')
  } else {
    priority = String(row.priority)
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
