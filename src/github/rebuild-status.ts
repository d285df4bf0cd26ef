/**
 * Reading the app's own comments back, for a rebuild from GitHub
 * (`./rebuild-plan.ts`): the status comment of each task (`./status-comment.ts`)
 * and the hidden outcome markers of its replies (`./replies.ts`,
 * docs/github-replies.md). They hold what labels and assignees cannot: the
 * fencing token of a lease, attempts, the reason a task was blocked, the
 * completion summary, and which command comments the app answered.
 *
 * Only comments by the app count: by `appLogin` when it is known, otherwise
 * by any bot account that is not a listed agent — so a person who copies a
 * marker into a comment changes nothing.
 */
import { EVENT_TYPES, type EventType } from '../core/events.js'
import type { Config } from './config.js'
import { findAgent } from './config.js'
import { readInline } from './neutralise.js'
import { MARKER_PREFIX, type Outcome, readMarkers } from './replies.js'

/** A repository comment as `GET /repos/{owner}/{repo}/issues/comments` lists it. */
export interface RecordedComment {
  id: number
  /** `https://api.github.com/repos/o/r/issues/12` (also for pull requests). */
  issue_url: string
  /** `https://github.com/o/r/issues/12#issuecomment-1`; `/pull/12#…` on a pull request. */
  html_url?: string
  body?: string | null
  user: { login: string; type?: string } | null
  created_at: string
  updated_at?: string
}

/** What a status comment says, as far as a rebuild needs it; null where it says nothing. */
export interface StatusCommentFacts {
  /** The task its marker names, `owner/repo#12`. */
  task: string
  holder: string | null
  token: number | null
  attempts: number | null
  maxAttempts: number | null
  blockedReason: string | null
  completionSummary: string | null
  /** The progress bar's percent and message. */
  progress: { percent: number; message: string } | null
  milestone: string | null
  /** Who approved the task and when (ISO-8601, to the minute), when it needs approval. */
  approval: { by: string; at: string } | null
  participants: { agent: string; role: string | null }[]
  /** When the lease clock was paused (ISO-8601, to the minute): the task waits for an answer. */
  pausedAt: string | null
  openQuestions: { askedBy: string; askedOf: string | null; question: string }[]
  /**
   * The history the comment lists (the task's last events), oldest first.
   * Times are to the minute, as shown; details are the token and reason shown.
   */
  history: HistoryEntry[]
}

/** One line of a status comment's history. */
export interface HistoryEntry {
  /** ISO-8601 UTC, to the minute. */
  at: string
  type: EventType
  actor: string | null
  details: { token?: number; reason?: string }
}

const STATUS_MARKER = /^<!-- task-orchestrator:status (\{.*?\}) -->/
const ROW = /^\| ([^|]+?) \| (.*) \|$/
const TYPES = [...EVENT_TYPES]
  .sort((a, b) => b.length - a.length)
  .map((t) => t.replace(/_/g, ' '))
  .join('|')
/** A history line: `- 2026-03-01 09:10 UTC · claimed by @ada (token 1) — reason`. */
const HISTORY = new RegExp(
  `^- (\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2}) UTC · (${TYPES})(?: by @(\\S+))?(?: \\(token (\\d+)\\))?(?: — (.*))?$`,
)

/** `2026-03-01 09:10 UTC` (how the status comment shows a time) as ISO-8601. */
function isoOfShown(date: string, time: string): string {
  return `${date}T${time}:00.000Z`
}

/** History lines back into entries (the inverse of the status comment's `historyLine`). */
function readHistory(body: string): HistoryEntry[] {
  const from = body.indexOf('<details><summary>History</summary>')
  if (from < 0) return []
  const out: HistoryEntry[] = []
  for (const line of body.slice(from).split('\n')) {
    const m = HISTORY.exec(line)
    if (!m) continue
    out.push({
      at: isoOfShown(m[1]!, m[2]!),
      type: m[3]!.replace(/ /g, '_') as EventType,
      actor: m[4] ?? null,
      details: {
        ...(m[5] ? { token: Number(m[5]) } : {}),
        ...(m[6] !== undefined ? { reason: readInline(m[6]) } : {}),
      },
    })
  }
  return out
}

/**
 * Read a status comment body as `renderStatusComment` writes it: the marker
 * on the first line, then a table of `| Key | value |` rows (`|` in a value
 * escaped as `\|`), an optional `**Completion summary:**` paragraph and the
 * `History` list.
 * Rows it does not know are ignored. Returns null when the body does not
 * start with a status marker naming a task.
 */
export function readStatusComment(body: string): StatusCommentFacts | null {
  const m = STATUS_MARKER.exec(body)
  if (!m) return null
  let task: unknown
  try {
    task = (JSON.parse(m[1]!) as { task?: unknown }).task
  } catch {
    return null
  }
  if (typeof task !== 'string' || !task) return null
  const rows = new Map<string, string>()
  const questions: StatusCommentFacts['openQuestions'] = []
  for (const line of body.split('\n')) {
    const row = ROW.exec(line)
    if (!row) continue
    const value = row[2]!.replace(/\\\|/g, '|')
    rows.set(row[1]!.trim(), value)
    const q = /^@(\S+?)(?: → @(\S+))?: ([\s\S]*) — reply `\/answer …`$/.exec(value)
    if (row[1]!.trim() === 'Open question' && q)
      questions.push({ askedBy: q[1]!, askedOf: q[2] ?? null, question: readInline(q[3]!) })
  }
  const approval = /^✅ approved by @(\S+) (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC$/.exec(
    rows.get('Approval') ?? '',
  )
  const paused = /^paused since (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC/.exec(rows.get('Lease') ?? '')
  const participants = [
    ...(rows.get('Participants') ?? '').matchAll(/@([^\s,(]+)(?: \(([^)]*)\))?/g),
  ].map((m) => ({ agent: m[1]!, role: m[2] === undefined ? null : readInline(m[2]) }))
  const holder = /^@(\S+) · lease token (\d+)$/.exec(rows.get('Holder') ?? '')
  const attempts = /^(\d+) of (\d+)$/.exec(rows.get('Attempts') ?? '')
  const summary =
    /\n\*\*Completion summary:\*\* ([\s\S]*?)(?:\n\n<details><summary>History|$)/.exec(body)
  const progress = /(\d{1,3}) %(?: — ([\s\S]*))?$/.exec(rows.get('Progress') ?? '')
  return {
    task,
    holder: holder ? holder[1]! : null,
    token: holder ? Number(holder[2]) : null,
    attempts: attempts ? Number(attempts[1]) : null,
    maxAttempts: attempts ? Number(attempts[2]) : null,
    blockedReason: readOptional(rows.get('Blocked because')),
    completionSummary: summary ? readInline(summary[1]!) : null,
    progress: progress
      ? { percent: Number(progress[1]), message: readInline(progress[2] ?? '') }
      : null,
    history: readHistory(body),
    milestone: readOptional(rows.get('Milestone')),
    approval: approval ? { by: approval[1]!, at: isoOfShown(approval[2]!, approval[3]!) } : null,
    participants,
    pausedAt: paused ? isoOfShown(paused[1]!, paused[2]!) : null,
    openQuestions: questions,
  }
}

/** Echoed text as it was before the status comment neutralised it (`./neutralise.ts`). */
function readOptional(shown: string | undefined): string | null {
  return shown === undefined ? null : readInline(shown)
}

/** Who the app is, to tell its comments from people's. */
export interface AppIdentity {
  /** The app's login (`my-app[bot]`, `github-actions[bot]`); default: any bot not listed as an agent. */
  appLogin?: string | undefined
  config: Config
}

/** True when `comment` was written by the app (see the module comment). */
export function isAppComment(comment: RecordedComment, who: AppIdentity): boolean {
  const user = comment.user
  if (!user) return false
  if (who.appLogin) return user.login.toLowerCase() === who.appLogin.toLowerCase()
  return user.type === 'Bot' && !findAgent(user.login, who.config)
}

/** The issue (or pull request) number a comment is on, from its `issue_url`; null if unreadable. */
export function commentIssueNumber(comment: RecordedComment): number | null {
  const n = Number(/\/issues\/(\d+)$/.exec(comment.issue_url)?.[1])
  return Number.isSafeInteger(n) && n > 0 ? n : null
}

/** True when the comment is on a pull request's conversation. */
export function onPullRequest(comment: RecordedComment): boolean {
  return /\/pull\/\d+(?:#|$)/.test(comment.html_url ?? '')
}

/** What the app's replies tell about one task. */
export interface ReplyFacts {
  /** Highest fencing token any reply or expiry notice names (0 when none). */
  maxToken: number
  /** The newest granted or extended lease a reply names. */
  lastLease: { holder: string; token: number } | null
}

/** What the app's comments in a repository tell, read by {@link readAppComments}. */
export interface AppComments {
  /** The status comment of each task, by task id: the app's oldest one on that issue. */
  status: Map<string, { comment: RecordedComment; facts: StatusCommentFacts }>
  /** Reply facts by task id. */
  replies: Map<string, ReplyFacts>
  /** Ids of comments a reply answered (its outcomes' `comment`). */
  answered: Set<number>
  /** Comments by the app that contain `text` (for notices such as the native-dependency refusal). */
  containing(text: string): RecordedComment[]
}

/**
 * Sort the app's comments out of a repository's comments: status comments
 * (by the task their marker names, on that task's issue — `issueOf(task)`
 * gives the issue number of a task of this repository, else null), and the
 * outcome markers of replies and expiry notices, in `created_at` order.
 */
export function readAppComments(
  comments: readonly RecordedComment[],
  who: AppIdentity,
  issueOf: (task: string) => number | null,
): AppComments {
  const mine = comments
    .filter((c) => c.body && isAppComment(c, who))
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id)
  const status = new Map<string, { comment: RecordedComment; facts: StatusCommentFacts }>()
  const replies = new Map<string, ReplyFacts>()
  const answered = new Set<number>()
  for (const c of mine) {
    const body = c.body ?? ''
    const facts = readStatusComment(body)
    if (facts) {
      const onItsIssue = issueOf(facts.task) === commentIssueNumber(c)
      const known = status.get(facts.task)
      if (onItsIssue && (!known || c.id < known.comment.id))
        status.set(facts.task, { comment: c, facts })
      continue
    }
    if (!body.includes(MARKER_PREFIX)) continue
    for (const outcome of readMarkers(body)) {
      if (typeof outcome.comment === 'number') answered.add(outcome.comment)
      if (typeof outcome.task !== 'string') continue
      const r = replies.get(outcome.task) ?? { maxToken: 0, lastLease: null }
      if (typeof outcome.token === 'number' && outcome.token > r.maxToken)
        r.maxToken = outcome.token
      if (grantsLease(outcome)) r.lastLease = { holder: outcome.holder!, token: outcome.token! }
      replies.set(outcome.task, r)
    }
  }
  return {
    status,
    replies,
    answered,
    containing: (text) => mine.filter((c) => (c.body ?? '').includes(text)),
  }
}

function grantsLease(o: Outcome): boolean {
  return (
    o.ok &&
    (o.command === 'claim' || o.command === 'heartbeat') &&
    typeof o.holder === 'string' &&
    typeof o.token === 'number' &&
    o.token >= 1
  )
}
