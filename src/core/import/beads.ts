/**
 * Importer for beads (steveyegge/beads) `issues.jsonl`: one JSON object per
 * line, as `bd export` / `bd sync` write it in `.beads/issues.jsonl`.
 *
 * Pure: reads the text it is given and describes what it found as an
 * {@link ImportPlan}; it writes nothing.
 */
import { TaskError } from '../errors.js'
import type { Priority, Status } from '../model.js'
import { TASK_LIMITS } from '../schemas.js'
import { mapDependencies } from './beads-links.js'
import { criteriaFromText } from './criteria-text.js'
import { textOf, timeOf, wrongType } from './field-types.js'
import type { ImportedTask, ImportPlan, Unmapped } from './plan.js'

/**
 * Beads issue types that are not work at all but records gastown keeps in the
 * same table: agent identities, role definitions, mail between agents and
 * events. They are reported and not imported as tasks.
 */
export const BEADS_NON_WORK_TYPES: readonly string[] = ['agent', 'role', 'message', 'event']

/** Blocked reason given to issues that beads had as `blocked`. */
export const BEADS_BLOCKED_REASON = 'imported as blocked from beads'

const STATUS_MAP: Record<string, { status: Status; note?: string }> = {
  open: { status: 'pending' },
  in_progress: { status: 'in_progress' },
  closed: { status: 'completed' },
  blocked: { status: 'blocked' },
  tombstone: { status: 'cancelled' },
  hooked: {
    status: 'in_progress',
    note: "'hooked' (gastown: work put on an agent's hook) imported as in_progress; no lease or holder was imported",
  },
  deferred: { status: 'pending', note: "'deferred' imported as pending (claimable)" },
  pinned: {
    status: 'pending',
    note: "'pinned' (a bead kept open on purpose) imported as pending",
  },
  review: { status: 'in_progress', note: "'review' imported as in_progress (awaiting review)" },
}

const PRIORITY_MAP: Record<number, Priority> = {
  0: 'critical',
  1: 'high',
  2: 'medium',
  3: 'low',
  4: 'low',
}

/** Fields this importer reads (everything else is reported as dropped). */
const KNOWN_FIELDS = new Set([
  'id',
  'title',
  'description',
  'design',
  'notes',
  'acceptance_criteria',
  'status',
  'priority',
  'issue_type',
  'assignee',
  'labels',
  'estimated_minutes',
  'created_at',
  'updated_at',
  'closed_at',
  'close_reason',
  'dependencies',
  'deleted_at',
  'deleted_by',
  'delete_reason',
  'original_type',
])

interface Line {
  issue: Record<string, unknown>
  line: number
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

/**
 * Parse a beads `issues.jsonl` into an {@link ImportPlan} (`format` and
 * `sourcePrefix` are `beads`; `sourceId` is the beads id, e.g. `bd-05a8`).
 *
 * Source format: one JSON object per line with `id`, `title`, `description`,
 * `status`, `priority` (0–4), `issue_type`, `dependencies`
 * (`[{issue_id, depends_on_id, type, created_at, created_by}]`), `assignee`,
 * `created_at`, `updated_at`, `closed_at`, and optionally `close_reason`,
 * `design`, `acceptance_criteria`, `notes`, `labels`, `estimated_minutes`;
 * tombstones (deleted issues) add `deleted_at`, `deleted_by`,
 * `delete_reason`, `original_type`. Blank lines are skipped.
 *
 * Mapping:
 * - status: `open`→pending (the engine computes `blocked` from dependencies
 *   later), `in_progress`→in_progress, `closed`→completed,
 *   `blocked`→blocked (with `blocked_reason` {@link BEADS_BLOCKED_REASON}),
 *   `tombstone`→cancelled (reported with the deletion),
 *   `hooked`→in_progress, `review`→in_progress, `deferred`/`pinned`→pending
 *   (all reported); anything else → pending (reported).
 * - priority 0 critical, 1 high, 2 medium, 3 low, 4 (backlog) low (reported);
 *   anything else medium (reported).
 * - `description`, then `design` under `## Design` and `notes` under
 *   `## Notes`, form the description.
 * - `acceptance_criteria` → manual success criteria, one per non-empty line.
 * - `close_reason` → `completion_summary`; `closed_at` → `completed_at` for
 *   completed issues; `estimated_minutes` → `estimated_hours` (÷ 60);
 *   `assignee` → `assignee`.
 * - dependencies (the issue is `issue_id`): `blocks` → `dependsOn`;
 *   `parent-child` → `parentSourceId` (`depends_on_id` is the parent; when an
 *   issue has several, the earliest-created edge wins and the others are
 *   reported); every other type is reported and dropped. An edge to an id not
 *   in the file (or to an issue not imported, or to itself) is reported and
 *   dropped. Duplicate edges are merged.
 * - `issue_type` other than `task` and `labels` are reported (kept nowhere);
 *   issues of the types in {@link BEADS_NON_WORK_TYPES} are not imported at
 *   all (reported). Any other field is reported as dropped.
 *
 * Every {@link Unmapped} entry names the issue id, the field, the value as
 * found and what was done instead.
 *
 * @param jsonlText the file's content
 * @param file the file's name, used in error messages
 * @throws TaskError('BadImport') naming `file:line` for a line that is not a
 *   JSON object with a string `id` and `title`, and for a duplicate id.
 */
export function parseBeads(jsonlText: string, file: string): ImportPlan {
  const lines = readLines(jsonlText, file)
  const unmapped: Unmapped[] = []
  const allIds = new Set(lines.map((l) => l.issue.id as string))
  const imported = new Set(
    lines
      .filter((l) => !BEADS_NON_WORK_TYPES.includes(String(l.issue.issue_type)))
      .map((l) => l.issue.id as string),
  )
  const tasks: ImportedTask[] = []

  for (const { issue, line } of lines) {
    const id = issue.id as string
    const type = typeof issue.issue_type === 'string' ? issue.issue_type : 'task'
    const first = unmapped.length
    if (!imported.has(id)) {
      unmapped.push({
        item: id,
        field: 'issue_type',
        value: type,
        reason: `beads '${type}' record (gastown bookkeeping, not work); issue not imported as a task`,
      })
    } else {
      const task = mapIssue(issue, id, type, allIds, imported, unmapped)
      task.line = line
      tasks.push(task)
    }
    // Every report about this issue names its line.
    for (let i = first; i < unmapped.length; i++) unmapped[i]!.line = line
  }

  return {
    format: 'beads',
    sourcePrefix: 'beads',
    tasks,
    participants: [],
    context: [],
    notes: [],
    progress: [],
    unmapped,
  }
}

function readLines(text: string, file: string): Line[] {
  const lines: Line[] = []
  const seen = new Map<string, number>()
  const raw = text.split('\n')
  for (let i = 0; i < raw.length; i++) {
    const source = raw[i]!.trim()
    if (source === '') continue
    const line = i + 1
    let issue: unknown
    try {
      issue = JSON.parse(source)
    } catch (err) {
      throw new TaskError(
        'BadImport',
        `${file}:${line}: not valid JSON (${(err as Error).message}); a beads issues.jsonl has one JSON object per line`,
        { file, line },
      )
    }
    if (!isRecord(issue)) {
      throw new TaskError(
        'BadImport',
        `${file}:${line}: expected a JSON object (one beads issue)`,
        {
          file,
          line,
        },
      )
    }
    for (const key of ['id', 'title'] as const) {
      const value = issue[key]
      // A title that is a number or boolean is imported as its text (reported).
      if (key === 'title' && (typeof value === 'number' || typeof value === 'boolean')) continue
      if (typeof value !== 'string' || value.trim() === '') {
        throw new TaskError(
          'BadImport',
          `${file}:${line}: beads issue has no "${key}" (a non-empty string is required)`,
          { file, line, field: key },
        )
      }
    }
    const id = issue.id as string
    const first = seen.get(id)
    if (first !== undefined) {
      throw new TaskError(
        'BadImport',
        `${file}:${line}: duplicate beads id "${id}" (first on line ${first})`,
        { file, line, id },
      )
    }
    seen.set(id, line)
    lines.push({ issue, line })
  }
  return lines
}

function mapIssue(
  issue: Record<string, unknown>,
  id: string,
  type: string,
  allIds: Set<string>,
  imported: Set<string>,
  unmapped: Unmapped[],
): ImportedTask {
  const report = (field: string, value: unknown, reason: string) =>
    unmapped.push({ item: id, field, value, reason })
  const text = (field: string) => textOf(issue[field], (why) => report(field, issue[field], why))
  const timeField = (field: string) =>
    timeOf(issue[field], (why) => report(field, issue[field], why))

  // status
  const rawStatus = issue.status
  const mapped = typeof rawStatus === 'string' ? STATUS_MAP[rawStatus] : undefined
  const status: Status = mapped?.status ?? 'pending'
  if (!mapped && typeof rawStatus !== 'string') {
    report(
      'status',
      rawStatus,
      wrongType(
        'a string (a beads status such as open or closed)',
        rawStatus,
        'imported as pending',
      ),
    )
  } else if (!mapped) {
    report('status', rawStatus, 'unknown beads status; imported as pending')
  } else if (rawStatus === 'tombstone') {
    const how = [
      optionalString(issue.delete_reason) ?? 'no reason given',
      optionalString(issue.deleted_by) && `by ${issue.deleted_by}`,
      optionalString(issue.deleted_at) && `at ${issue.deleted_at}`,
    ]
      .filter(Boolean)
      .join(' ')
    report('status', rawStatus, `deleted in beads (${how}); imported as cancelled`)
    for (const key of ['deleted_at', 'deleted_by', 'delete_reason'] as const) {
      if (key === 'deleted_at') timeField(key)
      else text(key)
    }
  } else if (mapped.note) {
    report('status', rawStatus, mapped.note)
  }
  if (rawStatus !== 'tombstone' && issue.deleted_at !== undefined) {
    report(
      'deleted_at',
      { deleted_at: issue.deleted_at, delete_reason: issue.delete_reason },
      `${String(rawStatus)} issue carries deletion marks; kept as ${status}, marks dropped`,
    )
  }
  if (issue.original_type !== undefined && issue.original_type !== issue.issue_type) {
    report('original_type', issue.original_type, 'type before deletion; dropped')
  }

  // priority
  const rawPriority = issue.priority
  let priority: Priority = 'medium'
  const p = typeof rawPriority === 'number' ? PRIORITY_MAP[rawPriority] : undefined
  if (typeof rawPriority !== 'number') {
    report(
      'priority',
      rawPriority ?? null,
      wrongType('a number (a beads priority 0-4)', rawPriority ?? null, 'imported as medium'),
    )
  } else if (p === undefined) {
    report('priority', rawPriority, 'not a beads priority 0-4; imported as medium')
  } else {
    priority = p
    if (rawPriority === 4)
      report('priority', 4, 'P4 (backlog) has no level of its own; mapped to low')
  }

  if (
    issue.issue_type !== undefined &&
    issue.issue_type !== null &&
    typeof issue.issue_type !== 'string'
  ) {
    report(
      'issue_type',
      issue.issue_type,
      wrongType('a string (a beads issue type)', issue.issue_type, 'imported as a task'),
    )
  } else if (type !== 'task') {
    report('issue_type', type, `beads issue type '${type}' is not kept; imported as a task`)
  }
  if (Array.isArray(issue.labels) ? issue.labels.length > 0 : issue.labels !== undefined) {
    report('labels', issue.labels, 'labels are not kept; dropped')
  }

  // description
  const parts: string[] = []
  const description = text('description')
  if (description?.trim()) parts.push(description.trimEnd())
  const design = text('design')
  if (design?.trim()) parts.push(`## Design\n\n${design.trim()}`)
  const notes = text('notes')
  if (notes?.trim()) parts.push(`## Notes\n\n${notes.trim()}`)

  const task: ImportedTask = {
    sourceId: id,
    title: text('title')!.trim(),
    description: parts.join('\n\n'),
    status,
    priority,
    dependsOn: [],
    success_criteria: [],
  }

  if (status === 'blocked') task.blocked_reason = BEADS_BLOCKED_REASON
  const criteria = text('acceptance_criteria')
  if (criteria?.trim()) {
    task.success_criteria = criteriaFromText(criteria, id, 'acceptance_criteria', unmapped)
  }
  const assignee = text('assignee')?.trim()
  if (assignee) task.assignee = assignee
  for (const key of ['created_at', 'updated_at'] as const) {
    const at = timeField(key)
    if (at?.trim()) task[key] = at
  }
  const closedAt = timeField('closed_at')?.trim() || undefined
  if (closedAt) {
    if (status === 'completed') task.completed_at = closedAt
    else report('closed_at', closedAt, `issue is ${status}, not completed; close time dropped`)
  }
  const closeReason = text('close_reason')?.trim()
  if (closeReason) task.completion_summary = closeReason
  if (issue.estimated_minutes !== undefined && issue.estimated_minutes !== null) {
    const minutes = issue.estimated_minutes
    if (typeof minutes === 'number' && minutes > 0 && minutes / 60 <= TASK_LIMITS.hours) {
      task.estimated_hours = minutes / 60
    } else {
      report(
        'estimated_minutes',
        minutes,
        typeof minutes === 'number'
          ? `not a positive number of minutes (at most ${(TASK_LIMITS.hours * 60).toLocaleString('en')}); dropped`
          : wrongType('a number of minutes', minutes, 'dropped'),
      )
    }
  }

  mapDependencies(issue, id, task, allIds, imported, report)

  for (const key of Object.keys(issue)) {
    if (!KNOWN_FIELDS.has(key)) {
      report(key, issue[key], 'no such field in Task Orchestrator; dropped')
    }
  }
  return task
}
