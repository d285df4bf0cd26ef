/**
 * Reading a `tm export --format json` file back (the `task-orchestrator-export`
 * import format). The file is untrusted — it may have been edited, or come
 * from someone else — so every field is checked with the engine's own field
 * schemas (`schemas().fields`: the limits `tm add` and `tm update` apply) and
 * the limits of the engine's other writers (context keys and values,
 * questions, progress messages). A file that breaks a rule is refused as a
 * whole, every problem named with its place (`tasks[3].title: at most 300
 * characters (got 301)`); a field this version does not know is reported and
 * left out, never silently dropped.
 */
import * as z from 'zod/mini'
import { PROGRESS_MESSAGE_MAX } from '../collaboration.js'
import { CONTEXT_KEY_PATTERN, CONTEXT_VALUE_MAX, HANDED_OVER_PREFIX } from '../context.js'
import { TaskError } from '../errors.js'
import { EXPORT_FORMAT_NAME, EXPORT_VERSION, type ExportedTask } from '../export.js'
import { QUESTION_MAX } from '../questions.js'
import { schemas, TASK_LIMITS } from '../schemas.js'
import type { Unmapped } from './plan.js'

/** Deepest nesting of a shared-context value (arrays and objects), so that no reader recurses without bound. */
export const CONTEXT_VALUE_DEPTH = 64

/**
 * Longest text of a field the engine itself does not limit (completion
 * summary, blocked reason, source), so that any database's export reads back.
 */
export const FREE_TEXT_MAX = TASK_LIMITS.freeText

/** Most tasks in one export file. */
export const EXPORT_TASKS_MAX = 1_000_000

/** A `tm export --format json` file, checked. */
export interface ExportFile {
  format: typeof EXPORT_FORMAT_NAME
  version: typeof EXPORT_VERSION
  /** ISO-8601 UTC. */
  exported_at: string
  tasks: ExportedTask[]
  /** Fields this version does not know (left out, reported). */
  unmapped: Unmapped[]
}

/** Nesting depth of a JSON value, computed without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length) {
    const [v, d] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (d + 1 > deepest) deepest = d + 1
    if (deepest > CONTEXT_VALUE_DEPTH) return deepest
    for (const child of Object.values(v)) stack.push([child, d + 1])
  }
  return deepest
}

function build() {
  const f = schemas().fields
  const nullable = <T extends z.ZodMiniType>(s: T) => z._default(z.nullable(s), null)
  const Text = (max: number) => z.string().check(f.maxChars(max))
  // Agent names and roles are kept as written (the engine does not limit them).
  const Agent = f.Agent
  const Time = f.IsoTime
  const Count = (max: number) => f.wholeNumber(0, max)
  const Lease = z.strictObject({
    holder: Agent,
    token: f.wholeNumber(1, Number.MAX_SAFE_INTEGER),
    acquired_at: Time,
    heartbeat_at: Time,
    expires_at: Time,
    paused: z.optional(z.strictObject({ at: Time, remaining_ms: Count(Number.MAX_SAFE_INTEGER) })),
  })
  const ContextKey = z.string().check(
    z.regex(
      CONTEXT_KEY_PATTERN,
      'a context key starts with a letter, then letters, digits, "_", "-" or "." (max 100)',
    ),
    z.refine(
      (k) => !k.startsWith(HANDED_OVER_PREFIX),
      `keys starting with "${HANDED_OVER_PREFIX}" are handed over by finished dependencies, not exported`,
    ),
  )
  const ContextValue = z.unknown().check(
    z.refine((v) => v !== undefined, 'a value is required'),
    z.refine(
      (v) => depthOf(v) <= CONTEXT_VALUE_DEPTH,
      `nested more than ${CONTEXT_VALUE_DEPTH} levels deep`,
    ),
    z.refine(
      (v) => depthOf(v) > CONTEXT_VALUE_DEPTH || JSON.stringify(v).length <= CONTEXT_VALUE_MAX,
      `at most ${CONTEXT_VALUE_MAX} characters as JSON`,
    ),
  )
  const Question = z
    .strictObject({
      asked_by: Agent,
      asked_of: nullable(Agent),
      question: f.text(QUESTION_MAX),
      asked_at: Time,
      answer: nullable(f.text(QUESTION_MAX)),
      answered_by: nullable(Agent),
      answered_at: nullable(Time),
    })
    .check(
      z.refine(
        (q) => (q.answer === null) === (q.answered_at === null),
        'an answer and its time come together (both null while unanswered)',
      ),
    )
  const Progress = z.strictObject({
    agent: nullable(Agent),
    percent: nullable(f.wholeNumber(0, 100)),
    message: Text(PROGRESS_MESSAGE_MAX),
    at: Time,
  })
  const Participant = z.strictObject({
    agent: Agent,
    role: nullable(Text(TASK_LIMITS.agent)),
    joined_at: Time,
  })
  const Task = z.strictObject({
    id: f.TaskId,
    title: f.Title,
    description: f.Description,
    status: f.Status,
    priority: f.Priority,
    persona: nullable(f.Persona),
    milestone: nullable(f.Milestone),
    parent_id: nullable(f.TaskId),
    success_criteria: f.Criteria,
    deadline: nullable(Time),
    estimated_hours: nullable(f.Hours),
    actual_hours: nullable(f.ActualHours),
    completion_summary: nullable(f.FreeText),
    feedback_quality: nullable(f.Rating),
    feedback_timeliness: nullable(f.Rating),
    feedback_notes: nullable(f.FeedbackNotes),
    attempts: Count(TASK_LIMITS.attempts),
    max_attempts: f.MaxAttempts,
    blocked_reason: nullable(f.FreeText),
    assignee: nullable(Agent),
    lease: nullable(Lease),
    fencing_seq: Count(Number.MAX_SAFE_INTEGER),
    claimable_after: nullable(Time),
    lease_seconds: z.number().check(z.gte(0, 'must not be negative')),
    requires_approval: z.boolean(),
    approved_by: nullable(Agent),
    approved_at: nullable(Time),
    archived_at: nullable(Time),
    source: nullable(f.FreeText),
    created_at: Time,
    updated_at: Time,
    completed_at: nullable(Time),
    depends_on: z.array(f.TaskId).check(z.maxLength(10_000, 'at most 10000 dependencies')),
    participants: z.array(Participant).check(z.maxLength(1000, 'at most 1000 participants')),
    context: z.record(ContextKey, ContextValue),
    questions: z._default(
      z.array(Question).check(z.maxLength(10_000, 'at most 10000 questions')),
      [],
    ),
    progress: z._default(
      z.array(Progress).check(z.maxLength(100_000, 'at most 100000 progress entries')),
      [],
    ),
  })
  return { Task }
}

let built: ReturnType<typeof build> | undefined

const TOP_FIELDS = ['format', 'version', 'exported_at', 'tasks'] as const

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Check a parsed `tm export --format json` document (`doc`, from `file`).
 * Fields this version does not know — at the top or on a task — are left out
 * and listed in `unmapped` (`{item: task id or file, field, value, reason}`).
 *
 * @throws TaskError('BadImport') when `format` is not
 *   `task-orchestrator-export`, `version` is not one this version reads (a
 *   newer one names the upgrade), or any field breaks its rule: the message
 *   lists up to 20 problems as `tasks[i].field: what is wrong`
 *   (`details.problems` all of them).
 */
export function parseExportFile(doc: unknown, file: string): ExportFile {
  const fail = (why: string, details: Record<string, unknown> = {}) =>
    new TaskError('BadImport', `${file}: ${why}`, { file, ...details })
  if (!isRecord(doc) || doc.format !== EXPORT_FORMAT_NAME) {
    throw fail(`not a tm export: expected {"format": "${EXPORT_FORMAT_NAME}", …}`)
  }
  if (doc.version !== EXPORT_VERSION) {
    throw fail(
      typeof doc.version === 'number' && doc.version > EXPORT_VERSION
        ? `written in export version ${doc.version} by a newer tm; this tm reads version ${EXPORT_VERSION}: upgrade tm to import it`
        : `export version ${JSON.stringify(doc.version)} is not one tm wrote; expected ${EXPORT_VERSION}`,
      { version: doc.version },
    )
  }
  const problems: string[] = []
  if (typeof doc.exported_at !== 'string' || Number.isNaN(Date.parse(doc.exported_at))) {
    problems.push('exported_at: expected an ISO-8601 time')
  }
  if (!Array.isArray(doc.tasks)) problems.push('tasks: expected a list of tasks')
  else if (doc.tasks.length > EXPORT_TASKS_MAX) {
    problems.push(`tasks: at most ${EXPORT_TASKS_MAX} tasks (got ${doc.tasks.length})`)
  }
  const unmapped: Unmapped[] = []
  for (const key of Object.keys(doc)) {
    if (!(TOP_FIELDS as readonly string[]).includes(key)) {
      unmapped.push({
        item: file,
        field: key,
        value: doc[key],
        reason: 'not a field of export version 1; left out',
      })
    }
  }
  built ??= build()
  const { Task } = built
  const known = new Set(Object.keys(Task.shape))
  const tasks: ExportedTask[] = []
  for (const [i, raw] of (Array.isArray(doc.tasks) ? doc.tasks : []).entries()) {
    let input = raw
    if (isRecord(raw)) {
      const extra = Object.keys(raw).filter((k) => !known.has(k))
      if (extra.length) {
        input = Object.fromEntries(Object.entries(raw).filter(([k]) => known.has(k)))
        for (const k of extra) {
          unmapped.push({
            item: typeof raw.id === 'string' ? raw.id : `tasks[${i}]`,
            field: k,
            value: raw[k],
            reason: 'not a field of an exported task in this version of tm; left out',
          })
        }
      }
    }
    const result = Task.safeParse(input)
    if (result.success) tasks.push(result.data as ExportedTask)
    else {
      for (const issue of result.error.issues) {
        const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        problems.push(`tasks[${i}]${path.join('')}: ${wordIssue(issue)}`)
      }
    }
  }
  if (problems.length) {
    throw fail(
      `not a valid tm export (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems
        .slice(0, 20)
        .join('\n  ')}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ''}`,
      { problems },
    )
  }
  return {
    format: EXPORT_FORMAT_NAME,
    version: EXPORT_VERSION,
    exported_at: doc.exported_at as string,
    tasks,
    unmapped,
  }
}

/** One zod issue in words (checks here and in `schemas.ts` carry their own message). */
function wordIssue(issue: z.core.$ZodIssue): string {
  if (issue.message !== 'Invalid input') return issue.message
  switch (issue.code) {
    case 'invalid_key':
      return issue.issues.map((i) => wordIssue(i as z.core.$ZodIssue)).join('; ')
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'a whole number' : issue.expected}`
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`
    default:
      return issue.message
  }
}
