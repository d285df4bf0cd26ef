/**
 * What the app's handlers read from each webhook payload they subscribe to,
 * as zod schemas: a delivery is checked against them before any handler
 * runs, so a signed but malformed payload (a field missing or of the wrong
 * type) is refused with one sentence naming the field, instead of failing
 * deep inside a handler. Only the fields the app reads are described; others
 * pass through unchecked (GitHub adds fields over time). The shapes follow
 * GitHub's webhook payloads ("Webhook events and payloads",
 * docs.github.com) as recorded in @octokit/webhooks-examples; every example
 * there of these events passes (test/security/webhooks.test.ts).
 */
import * as z from 'zod'

const id = z.number().int().nonnegative()
const number = z.number().int().positive()
const login = z.looseObject({ login: z.string() })
const repository = z.looseObject({
  name: z.string(),
  owner: z.looseObject({ login: z.string().optional(), name: z.string().optional() }),
  full_name: z.string().optional(),
})
const common = {
  repository,
  installation: z.looseObject({ id }).nullish(),
  sender: z.looseObject({ login: z.string(), type: z.string().optional() }).optional(),
}
const issue = z.looseObject({
  number,
  id: id.optional(),
  title: z.string(),
  body: z.string().nullish(),
  state: z.string().optional(),
  state_reason: z.string().nullish(),
  labels: z.array(z.union([z.string(), z.looseObject({ name: z.string().optional() })])).optional(),
  assignees: z.array(login.nullable()).nullish(),
  updated_at: z.string().optional(),
})
const pathList = z.array(z.string()).nullish()

/** The schema of each event the app handles, by `X-GitHub-Event`. */
const PAYLOADS = {
  issue_comment: z.looseObject({
    ...common,
    sender: z.looseObject({ login: z.string(), type: z.string().optional() }),
    issue: z.looseObject({ number }),
    comment: z.looseObject({ id, body: z.string() }),
  }),
  issues: z.looseObject({
    ...common,
    issue,
    changes: z.looseObject({ body: z.looseObject({ from: z.string() }).optional() }).optional(),
    assignee: login.nullish(),
  }),
  push: z.looseObject({
    ...common,
    ref: z.string(),
    repository: repository.extend({ default_branch: z.string() }),
    commits: z.array(z.looseObject({ added: pathList, modified: pathList, removed: pathList })),
  }),
  check_run: z.looseObject({
    ...common,
    check_run: z.looseObject({
      id,
      name: z.string(),
      head_sha: z.string(),
      conclusion: z.string().nullish(),
      html_url: z.string().nullish(),
      completed_at: z.string().nullish(),
      output: z.looseObject({ summary: z.string().nullish() }).nullish(),
      app: z.looseObject({ id: id.nullish(), slug: z.string().nullish() }).nullish(),
    }),
  }),
  pull_request: z.looseObject({
    ...common,
    pull_request: z.looseObject({
      number,
      body: z.string().nullish(),
      head: z.looseObject({ ref: z.string(), sha: z.string() }),
      user: login.nullish(),
      state: z.string(),
      merged: z.boolean().nullish(),
      merged_by: login.nullish(),
    }),
  }),
  sub_issues: z.looseObject({
    ...common,
    repository: repository.optional(),
    parent_issue: z.looseObject({ number }),
    sub_issue: z.looseObject({ number, repository_url: z.string().optional() }),
  }),
} as const

/** The events whose payloads {@link payloadProblem} checks field by field. */
export const CHECKED_EVENTS = Object.keys(PAYLOADS) as (keyof typeof PAYLOADS)[]

/**
 * What is wrong with `payload` (the parsed JSON body of a delivery of event
 * `event`, the `X-GitHub-Event` header), as one sentence naming the fields
 * (at most three), or null when the app can handle it. Every event's payload
 * must be a JSON object; those of {@link CHECKED_EVENTS} must also have the
 * fields their handlers read, with the right types. The sentence quotes no
 * value of the payload. Pure; never throws.
 */
export function payloadProblem(event: string, payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return `the ${describeEvent(event)} payload is not a JSON object`
  }
  const schema = (PAYLOADS as Record<string, z.ZodType>)[event]
  if (!schema) return null
  const result = schema.safeParse(payload, { reportInput: true })
  if (result.success) return null
  const fields = result.error.issues.slice(0, 3).map((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
    return `${path.replace(/^\./, '') || '(top level)'}: ${expected(i)}`
  })
  const more = result.error.issues.length > 3 ? ` (and ${result.error.issues.length - 3} more)` : ''
  return `the ${describeEvent(event)} payload is malformed: ${fields.join('; ')}${more}`
}

/** The event name as safe text: GitHub's names are lowercase words with underscores. */
function describeEvent(event: string): string {
  return /^[a-z_]{1,50}$/.test(event) ? event : 'webhook'
}

/** What a field should have been, without quoting what it was. */
function expected(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined
      ? `missing (expected ${issue.expected})`
      : `expected ${issue.expected}`
  }
  if (issue.code === 'too_small') return 'expected a positive whole number'
  if (issue.code === 'invalid_union') return 'expected a label name or an object with a name'
  return 'not what GitHub sends'
}
