/**
 * The task model of DESIGN.md ("Task model"): statuses, priorities and the
 * record types. Field names are the design's (snake_case), so the database
 * columns, `--json` output and documentation all use one vocabulary.
 * Validation schemas (zod) live in `./schemas.ts` and are built on first use.
 */
import { TaskError } from './errors.js'

export const STATUSES = [
  'blocked',
  'pending',
  'in_progress',
  /** Leased, but the holder asked a question: the lease clock is paused until it is answered. */
  'waiting',
  'completed',
  'failed',
  'cancelled',
] as const
export type Status = (typeof STATUSES)[number]

/** Statuses from which a task never moves again without a person reopening it. */
export const FINAL_STATUSES: readonly Status[] = ['completed', 'failed', 'cancelled']

export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const
export type Priority = (typeof PRIORITIES)[number]

/** Sort rank of a priority: higher is more urgent. */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p)
}

/** Local task id: 8 lowercase alphanumerics (Task Orchestrator v2.3 compatible). */
export const TASK_ID_PATTERN = /^[a-z0-9]{8}$/

/**
 * A task that is a GitHub issue: `owner/repo#number` (DESIGN "Task model").
 * Owner and repository names as GitHub allows them.
 */
export const GITHUB_TASK_ID_PATTERN =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}#[1-9]\d{0,9}$/

/** A persona: lowercase letters, digits, `-`, `_`; at most 40 characters. */
export const PERSONA_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/

/** The id of the task for issue `number` of `owner/repo`. */
export function githubTaskId(owner: string, repo: string, number: number): string {
  return `${owner}/${repo}#${number}`
}

/** True when `value` is a valid local task id. */
export function isTaskId(value: unknown): value is string {
  return typeof value === 'string' && TASK_ID_PATTERN.test(value)
}

/** True when `value` is a valid persona name. */
export function isPersona(value: unknown): value is string {
  return typeof value === 'string' && PERSONA_PATTERN.test(value)
}

/**
 * A success criterion (DESIGN "Success criteria"): `measurable` is a CEL
 * expression over the CI context; without one the criterion is manual and must
 * be confirmed by a person.
 */
export interface Criterion {
  criterion: string
  measurable?: string
}

/** What `add` accepts. Everything but `title` has a default (see `schemas.ts`). */
export interface NewTask {
  id?: string
  title: string
  description?: string
  priority?: Priority
  persona?: string
  parent_id?: string
  depends_on?: string[]
  success_criteria?: Criterion[]
  /** ISO-8601 date or date-time. */
  deadline?: string
  estimated_hours?: number
  max_attempts?: number
  /** A release or phase the task belongs to (free text, e.g. `v1.2`); metrics group by it. */
  milestone?: string
  /** Completion needs an approval (`tm approve`, `/approve`) on top of the success criteria. */
  requires_approval?: boolean
}

/** The lease on a task (DESIGN "Leases"); times are ISO-8601 UTC. */
export interface Lease {
  holder: string
  /** Fencing token: grows with every grant of this task, never reused. */
  token: number
  acquired_at: string
  heartbeat_at: string
  expires_at: string
  /**
   * Present while the task is `waiting`: the lease clock stopped `at`, with
   * `remaining_ms` of its TTL left; the answer restarts it (expiry = answer
   * time + remaining). `expires_at` is meaningless meanwhile.
   */
  paused?: { at: string; remaining_ms: number }
}

/** A task as the engine returns it. Times are ISO-8601 UTC strings. */
export interface Task {
  id: string
  title: string
  description: string
  status: Status
  priority: Priority
  persona: string | null
  milestone: string | null
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
  /** Completion needs an approval (see `approval.ts`). */
  requires_approval: boolean
  /** Who approved it and when (null until approved; cleared when reopened). */
  approved_by: string | null
  approved_at: string | null
  /** When `tm archive` took the finished task out of the working set (null: not archived). */
  archived_at: string | null
  /** Where an imported task came from, e.g. `beads:bd-05a8`. */
  source: string | null
  created_at: string
  updated_at: string
  completed_at: string | null
}

/**
 * Normalise an ISO-8601 date or date-time to UTC `YYYY-MM-DDTHH:MM:SS.sssZ`.
 * A date-time without a zone is read as UTC (not the machine's local time),
 * so the same input gives the same instant on every machine.
 */
export function normaliseTime(value: string): string {
  const zoneless = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/.test(value.trim())
  const ms = Date.parse(zoneless ? `${value.trim().replace(' ', 'T')}Z` : value)
  if (Number.isNaN(ms)) throw new TaskError('InvalidInput', `not an ISO-8601 time: "${value}"`)
  return new Date(ms).toISOString()
}
