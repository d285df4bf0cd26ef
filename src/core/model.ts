/**
 * The task model of DESIGN.md ("Task model"), as zod schemas and the types
 * inferred from them. Field names are the design's (snake_case), so the
 * database columns, `--json` output and documentation all use one vocabulary.
 *
 * Schemas use `zod/mini` (same validation, tree-shakable): `tm` is started
 * once per agent action, and full zod would double its start-up time.
 *
 * Validation errors name the field: {@link parseInput} turns a zod error into
 * a `TaskError('InvalidInput')` whose message lists `field: problem` lines.
 */
import * as z from 'zod/mini'
import { TaskError } from './errors.js'

/** Local task id: 8 lowercase alphanumerics (Task Orchestrator v2.3 compatible). */
export const TaskId = z
  .string()
  .check(z.regex(/^[a-z0-9]{8}$/, 'must be 8 lowercase letters or digits, e.g. "a1b2c3d4"'))

export const STATUSES = [
  'blocked',
  'pending',
  'in_progress',
  'completed',
  'failed',
  'cancelled',
] as const
export const Status = z.enum(STATUSES)
export type Status = z.infer<typeof Status>

/** Statuses from which a task never moves again without a person reopening it. */
export const FINAL_STATUSES: readonly Status[] = ['completed', 'failed', 'cancelled']

export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const
export const Priority = z.enum(PRIORITIES)
export type Priority = z.infer<typeof Priority>

/** Sort rank of a priority: higher is more urgent. */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p)
}

/** A persona: the kind of agent a task wants (`implementer`, `reviewer`, …). */
export const Persona = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be lowercase letters, digits, "-" or "_" (max 40)'))

/** Agent identity: a free-form name, as on GitHub (`octocat`, `agent-7[bot]`). */
export const AgentId = z
  .string()
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(100, 'must be at most 100 characters'),
    z.regex(/^[^\s]+$/, 'must not contain spaces'),
  )

/** Feedback rating, 1 (poor) to 5 (excellent). */
export const Rating = z.int('must be a whole number').check(z.gte(1), z.lte(5))

/** An ISO-8601 date or date-time; stored normalised to UTC `…Z`. */
export const IsoTime = z.union([
  z.iso.datetime({ offset: true, local: true, error: 'must be an ISO-8601 date or date-time' }),
  z.iso.date({ error: 'must be an ISO-8601 date or date-time' }),
])

/** Hours of work, e.g. `estimated_hours`: positive, at most ten thousand. */
export const Hours = z.number().check(z.positive('must be greater than 0'), z.lte(10_000))

/** A non-empty, trimmed line of text of at most `max` characters. */
export function text(max: number, empty = 'must not be empty') {
  return z.string().check(z.trim(), z.minLength(1, empty), z.maxLength(max))
}

/** A whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number) {
  return z.int('must be a whole number').check(z.gte(min), z.lte(max))
}

/**
 * A success criterion (DESIGN "Success criteria"): `measurable` is a CEL
 * expression over the CI context; without one the criterion is manual and must
 * be confirmed by a person.
 */
export const Criterion = z.strictObject({
  criterion: text(500, 'must describe the criterion'),
  measurable: z.optional(text(2000)),
})
export type Criterion = z.infer<typeof Criterion>

/** What `add` accepts. Everything but `title` has a default. */
export const NewTask = z.strictObject({
  id: z.optional(TaskId),
  title: text(300),
  description: z._default(z.string().check(z.maxLength(65_536)), ''),
  priority: z._default(Priority, 'medium'),
  persona: z.optional(Persona),
  parent_id: z.optional(TaskId),
  depends_on: z._default(z.array(TaskId), []),
  success_criteria: z._default(z.array(Criterion).check(z.maxLength(100)), []),
  deadline: z.optional(IsoTime),
  estimated_hours: z.optional(Hours),
  max_attempts: z.optional(wholeNumber(1, 100)),
})
export type NewTask = z.input<typeof NewTask>

/** The lease on a task (DESIGN "Leases"); times are ISO-8601 UTC. */
export interface Lease {
  holder: string
  /** Fencing token: grows with every grant of this task, never reused. */
  token: number
  acquired_at: string
  heartbeat_at: string
  expires_at: string
}

/** A task as the engine returns it. Times are ISO-8601 UTC strings. */
export interface Task {
  id: string
  title: string
  description: string
  status: Status
  priority: Priority
  persona: string | null
  parent_id: string | null
  success_criteria: Criterion[]
  deadline: string | null
  estimated_hours: number | null
  actual_hours: number | null
  completion_summary: string | null
  feedback_quality: number | null
  feedback_timeliness: number | null
  feedback_notes: string | null
  attempts: number
  max_attempts: number
  blocked_reason: string | null
  assignee: string | null
  lease: Lease | null
  /** Grants so far; the next claim's fencing token is `fencing_seq + 1`. */
  fencing_seq: number
  /** Lock-delay: the task may not be claimed before this time. */
  claimable_after: string | null
  /** Seconds spent under lease over all grants (feeds `actual_hours`). */
  lease_seconds: number
  /** Where an imported task came from, e.g. `beads:bd-05a8`. */
  source: string | null
  created_at: string
  updated_at: string
  completed_at: string | null
}

/**
 * Parse `value` with `schema`, turning a zod error into
 * `TaskError('InvalidInput')` whose message names every bad field
 * (`priority: expected one of low|medium|high|critical`).
 */
export function parseInput<S extends z.ZodMiniType>(schema: S, value: unknown, what = 'input'): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join('.') : what
    return `${field}: ${issue.message}`
  })
  throw new TaskError('InvalidInput', `Invalid ${what}:\n  ${problems.join('\n  ')}`, {
    problems,
  })
}

/** Normalise an ISO-8601 date or date-time to UTC `YYYY-MM-DDTHH:MM:SS.sssZ`. */
export function normaliseTime(value: string): string {
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new TaskError('InvalidInput', `not an ISO-8601 time: "${value}"`)
  return new Date(ms).toISOString()
}
