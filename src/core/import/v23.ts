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
 * Pure: opens `tasks.db` read-only and reads files; writes nothing. The
 * directory is untrusted: it may hold only regular files and folders (a
 * symbolic link, FIFO, device or socket anywhere in it refuses the import),
 * and every file is read within the caps of `IMPORT_LIMITS`
 * (`source-file.ts`). The database is read by `v23-database.ts`, the other
 * files are parsed by `v23-files.ts`.
 */
import { lstatSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { TaskError } from '../errors.js'
import type { ImportPlan, Unmapped } from './plan.js'
import { IMPORT_LIMITS, kindOf, mib, notRegularFile, readSourceFile } from './source-file.js'
import { readDatabase } from './v23-database.js'
import { addParticipant, FILE_ID, numberShared, type State, TASK_FILES } from './v23-files.js'

export { V23_BLOCKED_REASON } from './v23-database.js'

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
 * @param dir the data directory (the one holding `tasks.db`); it may itself
 *   be named through a symbolic link, nothing inside it may be one
 * @throws TaskError('BadImport') when `dir` is not a directory, has no
 *   `tasks.db`, the database cannot be read or has no `tasks` table, a
 *   YAML/JSONL file is malformed (naming the file and line), an entry is not
 *   a regular file or folder, or a size cap is exceeded (naming the limit).
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
    lstatSync(dbPath)
  } catch {
    throw new TaskError(
      'BadImport',
      `${dir} has no tasks.db: not a Task Orchestrator v2.3 data directory`,
      { path: dir },
    )
  }

  const files = listFiles(dir)
  const unmapped: Unmapped[] = []
  const { tasks, participants } = readDatabase(dbPath, unmapped)
  const state: State = {
    dir,
    ids: new Set(tasks.map((t) => t.sourceId)),
    unmapped,
    participants: new Map(),
    shared: [],
    sharedSeen: new Map(),
    bytesRead: 0,
    notes: [],
    progress: [],
    context: [],
  }
  for (const p of participants) addParticipant(state, p)

  for (const file of files) readFile(state, file)

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

// ---------------------------------------------------------------- files

/**
 * Every file under `dir` (relative, `/`-separated, sorted), the database
 * excepted. Iterative, so deep nesting cannot overflow the stack.
 *
 * @throws TaskError('BadImport') for an entry that is not a regular file or
 *   folder (symbolic link, FIFO, device, socket), or more than
 *   `IMPORT_LIMITS.v23Entries` entries.
 */
function listFiles(dir: string): string[] {
  const files: string[] = []
  const folders = ['']
  let entries = 0
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    for (const entry of readdirSync(join(dir, folder), { withFileTypes: true })) {
      const name = folder === '' ? entry.name : `${folder}/${entry.name}`
      if (++entries > IMPORT_LIMITS.v23Entries) {
        throw new TaskError(
          'BadImport',
          `${dir}: more than ${IMPORT_LIMITS.v23Entries} files and folders, over the limit for a v2.3 data directory; import a copy without what it need not carry (archives, telemetry)`,
          { path: dir, limit: IMPORT_LIMITS.v23Entries },
        )
      }
      if (entry.isDirectory()) folders.push(name)
      else if (entry.isFile()) files.push(name)
      else throw notRegularFile(join(dir, name), name, kindOf(entry))
    }
  }
  return files.filter((f) => !/^tasks\.db(?:-wal|-shm|-journal)?$/.test(f)).sort()
}

/** Read one file of the directory, within the per-file and total caps. */
function contentOf(state: State, file: string): string {
  const text = readSourceFile(join(state.dir, file), {
    label: file,
    limit: IMPORT_LIMITS.v23FileBytes,
    limitFor: 'a file of a v2.3 data directory',
  })
  state.bytesRead += Buffer.byteLength(text)
  if (state.bytesRead > IMPORT_LIMITS.v23TotalBytes) {
    throw new TaskError(
      'BadImport',
      `${state.dir}: its files hold more than ${mib(IMPORT_LIMITS.v23TotalBytes)} together (besides tasks.db), over the limit for a v2.3 data directory; import a copy without what it need not carry`,
      { path: state.dir, limit: IMPORT_LIMITS.v23TotalBytes },
    )
  }
  return text
}

function readFile(state: State, file: string): void {
  const notImported = (reason: string, value: unknown = file) =>
    state.unmapped.push({ item: file, field: 'file', value, reason })
  const content = () => contentOf(state, file)

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
