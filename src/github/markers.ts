/**
 * The app's hidden markers: the machine interface on GitHub (DESIGN "Agents:
 * one loop, two transports"), one codec for both kinds, documented in
 * docs/github-replies.md.
 *
 * * **Reply markers**, one per command outcome in a reply (`./replies.ts`):
 *
 *       <!-- task-orchestrator: {"command":"claim","ok":true,"task":"o/r#1","token":3,"reason":null,"v":1} -->
 *
 * * **The status marker**, the first line of a task's status comment
 *   (`./status-comment.ts`): the task's state as JSON, so that agents and
 *   the rebuild from GitHub (`./rebuild-status.ts`) read it without parsing
 *   the prose written for people:
 *
 *       <!-- task-orchestrator:status {"task":"o/r#1","v":1,"status":"in_progress","lease":{…},…} -->
 *
 * Both are versioned: `v` is the version of the marker's shape, raised only
 * when a field changes meaning or goes away; fields are added without
 * raising it, and a reader keeps keys it does not know (they round-trip
 * through decode and encode). Reply markers without `v` were written before
 * the version field and have the shape of version 1; a status marker without
 * `v` (`{"task":…}` alone) was written before the state moved into it, and
 * its state is only in the prose (`./rebuild-status-prose.ts` reads that).
 *
 * Hostile text cannot break out: the JSON is written by {@link markerJson},
 * which escapes `<`, `>`, `&` and `@`, so no `-->`, `--!>` or `<!--` (and no
 * plain-text mention) can appear, whatever the strings hold; a marker is
 * always one line. Markers are bounded (reply fields cut to
 * {@link REASON_MAX}/{@link FIELD_MAX}; the status marker to
 * {@link STATUS_MARKER_MAX} characters, cuts named in its `cut` field), so
 * fitting a body to GitHub's limit (`./fit.ts`) never cuts one. Decoding
 * validates with zod and skips what does not validate. Which comments to
 * decode at all is the caller's concern: only the app's own (by author).
 */
import * as z from 'zod'
import { truncate } from './neutralise.js'

/** Version of the markers' shape this code writes and reads. */
export const MARKER_VERSION = 1

/** The prefix every reply marker starts with. */
export const MARKER_PREFIX = '<!-- task-orchestrator: '

/**
 * The hidden marker at the top of the dashboard issue's body and title
 * (`src/app/dashboard.ts`), by which the app — and an agent's client looking
 * for where to post `/next` — finds the dashboard again.
 */
export const DASHBOARD_MARKER = '<!-- task-orchestrator: dashboard -->'

/** The prefix of the status marker (no space after the colon: never a reply marker). */
export const STATUS_MARKER_PREFIX = '<!-- task-orchestrator:status '

/** Longest `reason` a reply marker carries, in characters (then `…`); other strings: {@link FIELD_MAX}. */
export const REASON_MAX = 1000
/** Longest `command`, `holder` and other string field a marker carries (logins, ids, times, names). */
export const FIELD_MAX = 200
/** Longest status marker, in characters: a quarter of GitHub's body limit, the rest is for people. */
export const STATUS_MARKER_MAX = 16_384

/**
 * JSON that cannot end or open an HTML comment: `<`, `>`, `&` (and `@`, so
 * no plain-text reading finds a mention, and `` ` ``, so no Markdown reader
 * pairs a backtick in a marker with one outside it) are written as
 * `\u003c`, `\u003e`, `\u0026`, `\u0040`, `\u0060` — JSON escapes, read
 * back exactly by any JSON parser — so neither `-->` nor `--!>` nor `<!--`
 * can appear, whatever the strings hold. The result is one line for every
 * reader: JSON escapes `\n` and `\r`, and U+2028 and U+2029 (line
 * terminators to JavaScript's `.` and `^`, which `JSON.stringify` leaves
 * raw) are written `\u2028`, `\u2029`. Used by every marker the app writes.
 */
export function markerJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&@`\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** The JSON of a marker line's match (group 1), parsed; undefined if there is none or it is not JSON. */
function parseAt(match: RegExpExecArray | RegExpMatchArray | null): unknown {
  if (!match) return undefined
  try {
    return JSON.parse(match[1]!) as unknown
  } catch {
    return undefined // not one of ours, or damaged by an edit
  }
}

/** A marker's `v`: absent means written before the version field. */
const version = z.optional(z.int().positive())

// --- Reply markers ----------------------------------------------------------

/** The machine-readable outcome of one command (the reply marker, `v` aside). */
export interface Outcome {
  command: string
  ok: boolean
  /** Task id (`owner/repo#number`). */
  task: string
  /** Fencing token of the lease the command created or used, when there is one. */
  token: number | null
  /** Why it was refused (a sentence), or null. */
  reason: string | null
  /** Engine error code when refused (`LeaseHeld`, `StaleToken`, …). */
  code?: string
  /** Current lease holder and expiry, when relevant. */
  holder?: string
  expires_at?: string
  /** Id of the comment whose command this answers (absent for the app's own notices). */
  comment?: number
}

/** A reply marker's JSON: the outcome's fields, keys of later versions kept. */
const OutcomeSchema = z.looseObject({
  v: version,
  command: z.string(),
  ok: z.boolean(),
  task: z.string(),
  token: z.nullable(z.number()),
  reason: z.nullable(z.string()),
  code: z.optional(z.string()),
  holder: z.optional(z.string()),
  expires_at: z.optional(z.string()),
  comment: z.optional(z.number()),
})

/**
 * The hidden marker for one outcome, one line: `<!-- task-orchestrator: {…} -->`,
 * the outcome's keys in order, then `"v":1`. The JSON is {@link markerJson};
 * `reason` is cut to {@link REASON_MAX} characters and other strings to
 * {@link FIELD_MAX} (with `…`), so a marker is always small enough to keep
 * whole when a reply is fitted.
 */
export function marker(outcome: Outcome): string {
  const bounded = Object.fromEntries(
    Object.entries(outcome).map(([k, v]) => [
      k,
      typeof v === 'string' ? truncate(v, k === 'reason' ? REASON_MAX : FIELD_MAX) : v,
    ]),
  )
  return `${MARKER_PREFIX}${markerJson({ ...bounded, v: MARKER_VERSION })} -->`
}

const MARKER_LINE = /^<!-- task-orchestrator: (\{.*?\}) -->/gm

/**
 * Every outcome marked in a reply body, in order (the inverse of
 * {@link marker}). A marker counts only at the start of a line, as the app
 * writes them (text the app echoes can never put one there, see
 * `./neutralise.ts`), and only when its JSON has an outcome's fields with
 * their types and a version this code reads (`v` absent or 1). `v` is not
 * part of the result; keys it does not know are kept.
 */
export function readMarkers(body: string): Outcome[] {
  const out: Outcome[] = []
  for (const match of body.matchAll(MARKER_LINE)) {
    const parsed = OutcomeSchema.safeParse(parseAt(match))
    if (!parsed.success || (parsed.data.v ?? 1) > MARKER_VERSION) continue
    const { v: _v, ...outcome } = parsed.data
    out.push(outcome as Outcome)
  }
  return out
}

// --- The status marker ------------------------------------------------------

const iso = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/)

/** Keys of later versions, kept when a loose object of a marker is read. */
type Later = { [key: string]: unknown }

/**
 * A task's state as its status marker carries it (version 1). Times are
 * ISO-8601 UTC as the engine keeps them (to the millisecond); texts are as
 * written (not neutralised: the marker's JSON escaping is enough), cut to
 * fit (see {@link statusMarker}); lists in the order the comment shows
 * them. `cut` names the top-level fields that were shortened. Keys of later
 * versions are kept when read. Written out (not inferred from the schema
 * below, which is checked against it) so the published types of the agent
 * client name no zod type.
 */
export interface StatusState extends Later {
  task: string
  v: 1
  status: string
  priority: string
  persona: string | null
  milestone: string | null
  lease:
    | (Later & {
        holder: string
        token: number
        acquired_at: string
        heartbeat_at: string
        expires_at: string
        paused?: (Later & { at: string; remaining_ms: number }) | undefined
      })
    | null
  attempts: number
  max_attempts: number
  blocked_reason: string | null
  requires_approval: boolean
  approved_by: string | null
  approved_at: string | null
  progress: (Later & { percent: number; message: string }) | null
  completion_summary: string | null
  feedback:
    | (Later & { quality: number | null; timeliness: number | null; notes: string | null })
    | null
  participants: (Later & { agent: string; role: string | null; joined_at?: string | undefined })[]
  open_questions: (Later & {
    asked_by: string
    asked_of: string | null
    question: string
    asked_at?: string | undefined
  })[]
  criteria: string[]
  history: (Later & {
    at: string
    type: string
    actor: string | null
    details: Later & { token?: number | undefined; reason?: string | undefined }
  })[]
  cut?: string[] | undefined
}

/** The status marker's JSON, version 1 (see docs/github-replies.md, "The status comment"). */
const StatusStateSchema: z.ZodType<StatusState> = z.looseObject({
  task: z.string().min(1),
  v: z.literal(1),
  status: z.string(),
  priority: z.string(),
  persona: z.nullable(z.string()),
  milestone: z.nullable(z.string()),
  lease: z.nullable(
    z.looseObject({
      holder: z.string(),
      token: z.int().nonnegative(),
      acquired_at: iso,
      heartbeat_at: iso,
      expires_at: iso,
      paused: z.optional(z.looseObject({ at: iso, remaining_ms: z.number() })),
    }),
  ),
  attempts: z.int().nonnegative(),
  max_attempts: z.int().nonnegative(),
  blocked_reason: z.nullable(z.string()),
  requires_approval: z.boolean(),
  approved_by: z.nullable(z.string()),
  approved_at: z.nullable(iso),
  progress: z.nullable(z.looseObject({ percent: z.number(), message: z.string() })),
  completion_summary: z.nullable(z.string()),
  feedback: z.nullable(
    z.looseObject({
      quality: z.nullable(z.number()),
      timeliness: z.nullable(z.number()),
      notes: z.nullable(z.string()),
    }),
  ),
  participants: z.array(
    z.looseObject({ agent: z.string(), role: z.nullable(z.string()), joined_at: z.optional(iso) }),
  ),
  open_questions: z.array(
    z.looseObject({
      asked_by: z.string(),
      asked_of: z.nullable(z.string()),
      question: z.string(),
      asked_at: z.optional(iso),
    }),
  ),
  criteria: z.array(z.string()),
  history: z.array(
    z.looseObject({
      at: iso,
      type: z.string(),
      actor: z.nullable(z.string()),
      details: z.looseObject({ token: z.optional(z.number()), reason: z.optional(z.string()) }),
    }),
  ),
  cut: z.optional(z.array(z.string())),
})

/** How much of a status marker's lists and free texts is kept; the first that fits is used. */
const LEVELS = [
  { items: Number.POSITIVE_INFINITY, text: 1000 },
  { items: 50, text: 300 },
  { items: 10, text: 100 },
  { items: 3, text: 40 },
  { items: 0, text: 40 },
]
type Level = (typeof LEVELS)[number]

/** Keys whose strings are free text (cut per level); every other string is a name, id or time ({@link FIELD_MAX}). */
const FREE_TEXT = new Set([
  'blocked_reason',
  'completion_summary',
  'milestone',
  'message',
  'notes',
  'question',
  'reason',
  'role',
])
/** Top-level keys never shortened. */
const WHOLE = new Set(['task', 'v', 'cut'])
/** Nesting kept in keys of later versions; deeper values are dropped (and the key named in `cut`). */
const MAX_DEPTH = 6

/** Thrown by {@link bound} when a level cannot fit: at least `STATUS_MARKER_MAX` characters already. */
const TOO_BIG = Symbol('too big')

/** Shortening for one level, with a running lower bound of the JSON's length. */
interface Bounding {
  level: Level
  /** At least this many characters of JSON so far (strings and keys unescaped with their quotes, one separator each). */
  size: number
  cut: Set<string>
}

/**
 * `value` with strings and lists shortened for the level; `top` (the
 * top-level key it is under) is added to `cut` when anything was. Throws
 * {@link TOO_BIG} as soon as the JSON is sure to be over the bound, so a
 * level that cannot fit costs no more than the bound (a task with 5,000
 * participants is not encoded 5,000 times over).
 */
function bound(value: unknown, key: string, top: string, depth: number, b: Bounding): unknown {
  const grow = (n: number) => {
    b.size += n
    if (b.size > STATUS_MARKER_MAX) throw TOO_BIG
  }
  if (typeof value === 'string') {
    const out = truncate(value, FREE_TEXT.has(key) ? b.level.text : FIELD_MAX)
    if (out !== value) b.cut.add(top)
    grow(out.length + 2)
    return out
  }
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_DEPTH) {
    b.cut.add(top)
    return null
  }
  if (Array.isArray(value)) {
    const kept = value.slice(0, b.level.items)
    if (kept.length < value.length) b.cut.add(top)
    return kept.map((item) => {
      grow(1)
      return bound(item, key, top, depth + 1, b)
    })
  }
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      grow(k.length + 3)
      return [k, bound(v, k, top, depth + 1, b)]
    }),
  )
}

/**
 * The status marker line for `state`: `<!-- task-orchestrator:status {…} -->`,
 * `task` and `v` first, JSON by {@link markerJson}, at most
 * {@link STATUS_MARKER_MAX} characters: the first of a few levels that fits
 * (all list items and texts up to 1,000 characters, down to no list items
 * and texts of 40); names, ids and times are cut at {@link FIELD_MAX} only.
 * Every top-level field shortened is named in `cut` (sorted), with those
 * `state.cut` already names. Keys of later versions in `state` are written
 * too (bounded alike).
 */
export function statusMarker(state: StatusState): string {
  const { task, v: _v, cut: before, ...rest } = state
  for (const level of LEVELS) {
    // A field cut when the state was read from a marker stays named as cut.
    const b: Bounding = { level, size: 0, cut: new Set(before ?? []) }
    let fields: Record<string, unknown>
    try {
      fields = Object.fromEntries(
        Object.entries(rest)
          .filter(([k]) => !WHOLE.has(k))
          .map(([k, v]) => {
            b.size += k.length + 3
            return [k, bound(v, k, k, 0, b)]
          }),
      )
    } catch (err) {
      if (err === TOO_BIG) continue
      throw err
    }
    const value = {
      task,
      v: MARKER_VERSION,
      ...fields,
      ...(b.cut.size ? { cut: [...b.cut].sort() } : {}),
    }
    const line = `${STATUS_MARKER_PREFIX}${markerJson(value)} -->`
    if (line.length <= STATUS_MARKER_MAX) return line
  }
  // Only names of absurd length get here: keep the task, say everything was cut.
  return `${STATUS_MARKER_PREFIX}${markerJson({ task: truncate(task, FIELD_MAX), v: MARKER_VERSION, cut: ['*'] })} -->`
}

/** What the status marker at the start of a body says. */
export type StatusMarkerReading =
  /** Written before version 1: `{"task":…}` only; the state is in the prose. */
  | { kind: 'legacy'; task: string }
  /** Version 1, validated. */
  | { kind: 'state'; task: string; state: StatusState }
  /** A version this code does not read, or fields that do not validate: `problem` says which. */
  | { kind: 'unreadable'; task: string; problem: string }

const STATUS_LINE = /^<!-- task-orchestrator:status (\{.*?\}) -->/

/**
 * Read the status marker that starts `body` (the inverse of
 * {@link statusMarker}); null when the body does not start with one naming
 * a task. A marker without `v` is `legacy` (the caller reads the prose); a
 * `v` above {@link MARKER_VERSION}, or a version-1 marker whose fields do
 * not validate, is `unreadable` with the reason (path of the first bad
 * field). Keys this version does not know are kept in `state`.
 */
export function readStatusMarker(body: string): StatusMarkerReading | null {
  const value = parseAt(STATUS_LINE.exec(body))
  const head = z
    .looseObject({ task: z.string().min(1), v: z.optional(z.unknown()) })
    .safeParse(value)
  if (!head.success) return null
  const { task, v } = head.data
  if (v === undefined) return { kind: 'legacy', task }
  if (!version.safeParse(v).success || (v as number) > MARKER_VERSION)
    return {
      kind: 'unreadable',
      task,
      problem: `status marker version ${JSON.stringify(v)} is not one this version reads (${MARKER_VERSION}); update the app`,
    }
  const parsed = StatusStateSchema.safeParse(value)
  if (parsed.success) return { kind: 'state', task, state: parsed.data }
  const issue = parsed.error.issues[0]!
  return {
    kind: 'unreadable',
    task,
    problem: `status marker field ${issue.path.join('.') || '(root)'}: ${issue.message}`,
  }
}
