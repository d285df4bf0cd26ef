/**
 * Validation of engine input with zod (`zod/mini`: the same checks,
 * tree-shakable, a tenth of full zod's start-up cost in `tm`). Schemas are
 * built on first use, and {@link parseInput} turns a zod error into
 * `TaskError('InvalidInput')` whose message names every bad field in words
 * and, for a limit, the limit and what was given (`title: at most 300
 * characters (got 301)`, `success criterion 2 expression: at most 2000
 * characters (got 2005)`). `zod/mini` loads no message locale, so every
 * check here carries its own message, and {@link parseInput} words the rest.
 */
import * as z from 'zod/mini'
import * as core from 'zod/v4/core'
import { TaskError } from './errors.js'
import type { InputProblem } from './input-problem.js'
import {
  type Criterion,
  GITHUB_TASK_ID_PATTERN,
  PERSONA_PATTERN,
  PRIORITIES,
  type Priority,
  STATUSES,
  TASK_ID_PATTERN,
} from './model.js'

/**
 * The limits of a task's fields, stated once: the schemas below are built
 * from them, and an importer that fits a source's free text into a task (a
 * criterion line cut to length, an estimate in minutes) reads them from
 * here rather than writing the number again.
 */
export const TASK_LIMITS = {
  /** Characters of a title (after trimming). */
  title: 300,
  /** Characters of a description. */
  description: 65_536,
  /** Characters of one success criterion's text. */
  criterion: 500,
  /** Characters of one criterion's CEL expression. */
  expression: 2000,
  /** Success criteria of one task. */
  criteria: 100,
  /** Estimated hours (exclusive of 0). */
  hours: 10_000,
  /** Characters of a milestone. */
  milestone: 100,
  /** Characters of reviewer feedback notes. */
  feedbackNotes: 2000,
  /** Characters of an agent name (holder, assignee, approver). */
  agent: 1000,
  /**
   * Characters of a field the engine writes from free text of any length
   * (completion summary, blocked reason, source), so that any database's
   * export reads back.
   */
  freeText: 1_048_576,
  /** Recorded hours of work. */
  actualHours: 1_000_000,
  /** Attempts counted on one task. */
  attempts: 1000,
} as const

/** Length of a string or an array as zod's issue carries it in `input`. */
function lengthOf(input: unknown): number | string {
  return typeof input === 'string' || Array.isArray(input) ? input.length : '?'
}

/** At most `max` characters, saying so with the length given. */
function maxChars(max: number) {
  return z.maxLength(max, {
    error: (iss) => `at most ${max} characters (got ${lengthOf(iss.input)})`,
  })
}

/** At most `max` entries of a list, saying so with the number given. */
function maxItems(max: number, what: string) {
  return z.maxLength(max, {
    error: (iss) => `at most ${max} ${what} (got ${lengthOf(iss.input)})`,
  })
}

/**
 * `z.strictObject(shape)` of zod/mini, parsed by zod core's compiled object
 * parser (`$ZodObjectJIT`, what full zod's `z.object` uses; zod/mini keeps
 * the generic one to stay small). Same checks, issues and output; about
 * half the time and far fewer allocations per parse, which an import of
 * 100,000 rows feels (bench/import-chain.bench.ts). Falls back to the
 * generic parser where code generation is not allowed.
 */
function compiledStrictObject<S extends z.core.$ZodLooseShape>(shape: S) {
  const generic = z.strictObject(shape)
  type Init = (inst: unknown, def: unknown) => void
  const Compiled = core.$constructor('ZodMiniObjectJIT', (inst: core.$ZodObject, def) => {
    ;(core.$ZodObjectJIT.init as Init)(inst, def)
    ;(z.ZodMiniType.init as Init)(inst, def)
  })
  return new Compiled(generic._zod.def) as unknown as typeof generic
}

function build() {
  const text = (max: number, empty = 'must not be empty') =>
    z.string().check(z.trim(), z.minLength(1, empty), maxChars(max))
  const wholeNumber = (min: number, max: number) =>
    z
      .int('must be a whole number')
      .check(
        z.gte(min, { error: (iss) => `must be from ${min} to ${max} (got ${iss.input})` }),
        z.lte(max, { error: (iss) => `must be from ${min} to ${max} (got ${iss.input})` }),
      )
  const TaskId = z
    .string()
    .check(
      z.refine(
        (id) => TASK_ID_PATTERN.test(id) || GITHUB_TASK_ID_PATTERN.test(id),
        'must be 8 lowercase letters or digits ("a1b2c3d4") or an issue ("owner/repo#12")',
      ),
    )
  const Persona = z
    .string()
    .check(z.regex(PERSONA_PATTERN, 'must be lowercase letters, digits, "-" or "_" (max 40)'))
  const Priority = z.enum(PRIORITIES)
  const IsoTime = z.union([
    z.iso.datetime({ offset: true, local: true, error: 'must be an ISO-8601 date or date-time' }),
    z.iso.date({ error: 'must be an ISO-8601 date or date-time' }),
  ])
  const L = TASK_LIMITS
  const Milestone = z
    .string()
    .check(z.trim(), z.minLength(1, 'must not be empty'), maxChars(L.milestone))
  const Hours = z
    .number()
    .check(
      z.positive('must be greater than 0'),
      z.lte(L.hours, { error: (iss) => `at most ${L.hours} hours (got ${iss.input})` }),
    )
  const Criterion = z.strictObject({
    criterion: text(L.criterion, 'must describe the criterion'),
    measurable: z.optional(text(L.expression)),
  })
  const Criteria = z.array(Criterion).check(maxItems(L.criteria, 'success criteria'))
  const Description = z.string().check(maxChars(L.description))
  const Title = text(L.title)
  const Agent = z.string().check(z.minLength(1, 'must name an agent'), maxChars(L.agent))
  const FreeText = z.string().check(maxChars(L.freeText))
  const ActualHours = z
    .number()
    .check(z.gte(0, 'must not be negative'), z.lte(L.actualHours, `at most ${L.actualHours}`))
  const Count = (max: number) => wholeNumber(0, max)
  const Rating = wholeNumber(1, 5)
  const FeedbackNotes = z.string().check(maxChars(L.feedbackNotes))
  const MaxAttempts = wholeNumber(1, 100)
  const Status = z.enum(STATUSES)
  /**
   * One row of the `tasks` table as every writer inserts it (`task-row.ts`:
   * `tm add`, the importers, the import of a `tm export` file, a restore):
   * the one place a row's limits are checked. Ids are checked where they
   * are chosen (`NewTask`, an export file); here an id is any non-empty text.
   */
  const TaskRow = compiledStrictObject({
    id: z.string().check(z.minLength(1, 'must not be empty'), maxChars(L.agent)),
    title: Title,
    description: Description,
    status: Status,
    priority: Priority,
    persona: z.nullable(Persona),
    parent_id: z.nullable(z.string()),
    success_criteria: Criteria,
    deadline: z.nullable(IsoTime),
    estimated_hours: z.nullable(Hours),
    actual_hours: z.nullable(ActualHours),
    completion_summary: z.nullable(FreeText),
    feedback_quality: z.nullable(Rating),
    feedback_timeliness: z.nullable(Rating),
    feedback_notes: z.nullable(FeedbackNotes),
    attempts: Count(L.attempts),
    max_attempts: MaxAttempts,
    blocked_reason: z.nullable(FreeText),
    assignee: z.nullable(Agent),
    lease: z.nullable(
      z.strictObject({
        holder: Agent,
        token: wholeNumber(1, Number.MAX_SAFE_INTEGER),
        acquired_at: IsoTime,
        heartbeat_at: IsoTime,
        expires_at: IsoTime,
        paused_at: z.nullable(IsoTime),
        remaining_ms: z.nullable(Count(Number.MAX_SAFE_INTEGER)),
      }),
    ),
    fencing_seq: Count(Number.MAX_SAFE_INTEGER),
    claimable_after: z.nullable(IsoTime),
    lease_seconds: z.number().check(z.gte(0, 'must not be negative')),
    milestone: z.nullable(Milestone),
    requires_approval: z.boolean(),
    approved_by: z.nullable(Agent),
    approved_at: z.nullable(IsoTime),
    archived_at: z.nullable(IsoTime),
    source: z.nullable(FreeText),
    created_at: IsoTime,
    updated_at: IsoTime,
    completed_at: z.nullable(IsoTime),
  })
  return {
    /**
     * The field schemas the ones below are built from, for other readers of
     * task data (the import of `tm export`, `import/export-file.ts`), so a
     * limit is stated once.
     */
    fields: {
      text,
      wholeNumber,
      maxChars,
      TaskId,
      Persona,
      Priority,
      IsoTime,
      Milestone,
      Hours,
      Criteria,
      Description,
      Title,
      Agent,
      FreeText,
      ActualHours,
      Count,
      Rating,
      FeedbackNotes,
      MaxAttempts,
      Status,
    },
    TaskRow,
    NewTask: z.strictObject({
      id: z.optional(TaskId),
      title: Title,
      description: z._default(Description, ''),
      priority: z._default(Priority, 'medium'),
      persona: z.optional(Persona),
      parent_id: z.optional(TaskId),
      depends_on: z._default(z.array(TaskId), []),
      success_criteria: z._default(Criteria, []),
      deadline: z.optional(IsoTime),
      estimated_hours: z.optional(Hours),
      max_attempts: z.optional(MaxAttempts),
      milestone: z.optional(Milestone),
      requires_approval: z._default(z.boolean(), false),
    }),
    TaskPatch: z.strictObject({
      title: z.optional(Title),
      description: z.optional(Description),
      priority: z.optional(Priority),
      persona: z.optional(z.nullable(Persona)),
      deadline: z.optional(z.nullable(IsoTime)),
      estimated_hours: z.optional(z.nullable(Hours)),
      success_criteria: z.optional(Criteria),
      max_attempts: z.optional(MaxAttempts),
      parent_id: z.optional(z.nullable(TaskId)),
      milestone: z.optional(z.nullable(Milestone)),
      requires_approval: z.optional(z.boolean()),
    }),
    Agent: z.strictObject({
      id: z
        .string()
        .check(
          z.minLength(1, 'must not be empty'),
          maxChars(100),
          z.regex(/^[^\s]+$/, 'must not contain spaces'),
        ),
      personas: z._default(z.array(Persona).check(maxItems(20, 'personas')), []),
      capacity: z._default(wholeNumber(1, 1000), 1),
    }),
    Rating,
    Feedback: z.strictObject({
      quality: Rating,
      timeliness: Rating,
      notes: z.optional(FeedbackNotes),
    }),
  }
}

let built: ReturnType<typeof build> | undefined

/** The engine's schemas, built on first call. */
export function schemas(): ReturnType<typeof build> {
  built ??= build()
  return built
}

/** A validated new task, defaults applied. */
export interface ValidNewTask {
  id?: string
  title: string
  description: string
  priority: Priority
  persona?: string
  parent_id?: string
  depends_on: string[]
  success_criteria: Criterion[]
  deadline?: string
  estimated_hours?: number
  max_attempts?: number
  milestone?: string
  requires_approval: boolean
}

/** One zod issue as zod/mini reports it (the fields {@link problemText} reads). */
interface Issue {
  code: string
  path: PropertyKey[]
  message: string
  expected?: string
  values?: unknown[]
  keys?: string[]
  maximum?: number | bigint
  minimum?: number | bigint
  origin?: string
}

/**
 * The field at `path` in words: `title`, `success criterion 2 expression`,
 * `dependency 1`; other paths as written (`estimated_hours`).
 */
export function fieldLabel(path: PropertyKey[], what = 'input'): string {
  const [head, index, field] = path
  const n = typeof index === 'number' ? index + 1 : undefined
  if (head === 'success_criteria') {
    if (n === undefined) return 'success criteria'
    return field === 'measurable' ? `success criterion ${n} expression` : `success criterion ${n}`
  }
  if (head === 'depends_on' && n !== undefined) return `dependency ${n}`
  if (head === 'personas' && n !== undefined) return `persona ${n}`
  return path.length ? path.map(String).join('.') : what
}

/**
 * What was wrong with one field. Checks here carry their own message; for the
 * rest `zod/mini` says only "Invalid input", so the issue's facts are worded
 * here (expected type, allowed values, unknown keys, bounds).
 */
function problemText(issue: Issue): string {
  if (issue.message !== 'Invalid input') return issue.message
  const unit =
    issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' entries' : ''
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'a whole number' : (issue.expected ?? 'another type')}`
    case 'invalid_value':
      return `expected one of ${(issue.values ?? []).map(String).join(', ')}`
    case 'unrecognized_keys':
      return `unknown field${(issue.keys ?? []).length === 1 ? '' : 's'} ${(issue.keys ?? []).join(', ')}`
    case 'too_big':
      return `at most ${String(issue.maximum)}${unit}`
    case 'too_small':
      return `at least ${String(issue.minimum)}${unit}`
    default:
      return issue.message
  }
}

export type { InputProblem } from './input-problem.js'

/**
 * Check `value` with `schema` without throwing: the parsed value, or every
 * refused field as an {@link InputProblem} worded as {@link parseInput}
 * words it — so an importer that collects refusals into its report and
 * `tm add` that throws them say the same sentence.
 */
export function checkInput<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  what = 'input',
): { ok: true; data: z.output<S> } | { ok: false; problems: InputProblem[] } {
  const result = schema.safeParse(value)
  if (result.success) return { ok: true, data: result.data }
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      path: issue.path,
      text: `${fieldLabel(issue.path, what)}: ${problemText(issue as Issue)}`,
    })),
  }
}

/**
 * Parse `value` with `schema`, turning a zod error into
 * `TaskError('InvalidInput')` whose message names every bad field in words,
 * and for a limit the limit and what was given (`title: at most 300
 * characters (got 301)`, `priority: expected one of low, medium, high,
 * critical`). `details.problems` lists the same lines; `what` names the
 * whole input (`task`, `agent`).
 */
export function parseInput<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  what = 'input',
): z.output<S> {
  const checked = checkInput(schema, value, what)
  if (checked.ok) return checked.data
  const problems = checked.problems.map((p) => p.text)
  throw new TaskError('InvalidInput', `Invalid ${what}:\n  ${problems.join('\n  ')}`, {
    problems,
  })
}
