/**
 * Validation of engine input with zod (`zod/mini`: the same checks,
 * tree-shakable, a tenth of full zod's start-up cost in `tm`). Schemas are
 * built on first use, and {@link parseInput} turns a zod error into `TaskError('InvalidInput')`
 * whose message names every bad field (`priority: Invalid option …`).
 */
import * as z from 'zod/mini'
import { TaskError } from './errors.js'
import {
  type Criterion,
  GITHUB_TASK_ID_PATTERN,
  PERSONA_PATTERN,
  PRIORITIES,
  type Priority,
  TASK_ID_PATTERN,
} from './model.js'

function build() {
  const text = (max: number, empty = 'must not be empty') =>
    z.string().check(z.trim(), z.minLength(1, empty), z.maxLength(max))
  const wholeNumber = (min: number, max: number) =>
    z
      .int('must be a whole number')
      .check(
        z.gte(min, `must be from ${min} to ${max}`),
        z.lte(max, `must be from ${min} to ${max}`),
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
  const Milestone = z
    .string()
    .check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(100))
  const Hours = z.number().check(z.positive('must be greater than 0'), z.lte(10_000))
  const Criterion = z.strictObject({
    criterion: text(500, 'must describe the criterion'),
    measurable: z.optional(text(2000)),
  })
  const Criteria = z.array(Criterion).check(z.maxLength(100))
  return {
    NewTask: z.strictObject({
      id: z.optional(TaskId),
      title: text(300),
      description: z._default(z.string().check(z.maxLength(65_536)), ''),
      priority: z._default(Priority, 'medium'),
      persona: z.optional(Persona),
      parent_id: z.optional(TaskId),
      depends_on: z._default(z.array(TaskId), []),
      success_criteria: z._default(Criteria, []),
      deadline: z.optional(IsoTime),
      estimated_hours: z.optional(Hours),
      max_attempts: z.optional(wholeNumber(1, 100)),
      milestone: z.optional(Milestone),
      requires_approval: z._default(z.boolean(), false),
    }),
    TaskPatch: z.strictObject({
      title: z.optional(text(300)),
      description: z.optional(z.string().check(z.maxLength(65_536))),
      priority: z.optional(Priority),
      persona: z.optional(z.nullable(Persona)),
      deadline: z.optional(z.nullable(IsoTime)),
      estimated_hours: z.optional(z.nullable(Hours)),
      success_criteria: z.optional(Criteria),
      max_attempts: z.optional(wholeNumber(1, 100)),
      parent_id: z.optional(z.nullable(TaskId)),
      milestone: z.optional(z.nullable(Milestone)),
      requires_approval: z.optional(z.boolean()),
    }),
    Agent: z.strictObject({
      id: z
        .string()
        .check(
          z.minLength(1, 'must not be empty'),
          z.maxLength(100, 'must be at most 100 characters'),
          z.regex(/^[^\s]+$/, 'must not contain spaces'),
        ),
      personas: z._default(z.array(Persona).check(z.maxLength(20)), []),
      capacity: z._default(wholeNumber(1, 1000), 1),
    }),
    Rating: wholeNumber(1, 5),
    Feedback: z.strictObject({
      quality: wholeNumber(1, 5),
      timeliness: wholeNumber(1, 5),
      notes: z.optional(z.string().check(z.maxLength(2000))),
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

/**
 * Parse `value` with `schema`, turning a zod error into
 * `TaskError('InvalidInput')` whose message names every bad field
 * (`priority: expected one of low|medium|high|critical`).
 */
export function parseInput<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  what = 'input',
): z.output<S> {
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
