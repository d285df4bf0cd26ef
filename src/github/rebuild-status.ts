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
import {
  MARKER_PREFIX,
  type Outcome,
  readMarkers,
  readStatusMarker,
  type StatusState,
} from './markers.js'
import { readStatusProse } from './rebuild-status-prose.js'

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

/**
 * What a status comment says, as far as a rebuild needs it; null where it
 * says nothing. Read from its marker, or from the prose of a comment written
 * before the marker carried the state (see {@link readStatusComment}).
 */
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
   * The history the comment lists (the task's last events), in its order.
   * Details are the token and reason shown.
   */
  history: HistoryEntry[]
  /** Why the status marker could not be read (then every fact is null or empty). */
  problem?: string
}

/** One line of a status comment's history. */
export interface HistoryEntry {
  /** ISO-8601 UTC (to the minute when read from the prose of an older comment). */
  at: string
  type: EventType
  actor: string | null
  details: { token?: number; reason?: string }
}

const KNOWN_EVENTS: ReadonlySet<string> = new Set(EVENT_TYPES)

/** Facts of a status comment with nothing read (an unreadable marker). */
function noFacts(task: string, problem: string): StatusCommentFacts {
  return {
    task,
    holder: null,
    token: null,
    attempts: null,
    maxAttempts: null,
    blockedReason: null,
    completionSummary: null,
    progress: null,
    milestone: null,
    approval: null,
    participants: [],
    pausedAt: null,
    openQuestions: [],
    history: [],
    problem,
  }
}

/** The facts a version-1 status marker gives (times to the millisecond, texts as written). */
function factsOfState(state: StatusState): StatusCommentFacts {
  const lease = state.lease
  return {
    task: state.task,
    holder: lease?.holder ?? null,
    token: lease?.token ?? null,
    attempts: state.attempts,
    maxAttempts: state.max_attempts,
    blockedReason: state.blocked_reason,
    completionSummary: state.completion_summary,
    progress: state.progress
      ? { percent: state.progress.percent, message: state.progress.message }
      : null,
    milestone: state.milestone,
    approval:
      state.approved_by && state.approved_at
        ? { by: state.approved_by, at: state.approved_at }
        : null,
    participants: state.participants.map((p) => ({ agent: p.agent, role: p.role })),
    pausedAt: lease?.paused?.at ?? null,
    openQuestions: state.open_questions.map((q) => ({
      askedBy: q.asked_by,
      askedOf: q.asked_of,
      question: q.question,
    })),
    // Event types of later versions are left out: the log only takes known ones.
    history: state.history
      .filter((h) => KNOWN_EVENTS.has(h.type))
      .map((h) => ({
        at: h.at,
        type: h.type as EventType,
        actor: h.actor,
        details: {
          ...(h.details.token !== undefined ? { token: h.details.token } : {}),
          ...(h.details.reason !== undefined ? { reason: h.details.reason } : {}),
        },
      })),
  }
}

/**
 * Read a status comment body: the status marker on its first line
 * (`readStatusMarker` of `./markers.ts`). A version-1 marker gives the
 * task's state as the app had it (times to the millisecond, texts as
 * written, cut only where the marker says); a marker without a version —
 * a comment written before the state moved into the marker — is read from
 * its prose (`./rebuild-status-prose.ts`); an unreadable marker (a later
 * version, fields that do not validate) gives no facts and a `problem`.
 * Returns null when the body does not start with a status marker naming a
 * task.
 */
export function readStatusComment(body: string): StatusCommentFacts | null {
  const marker = readStatusMarker(body)
  if (!marker) return null
  if (marker.kind === 'legacy') return readStatusProse(body, marker.task)
  if (marker.kind === 'unreadable') return noFacts(marker.task, marker.problem)
  return factsOfState(marker.state)
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
  /**
   * The logins (as written, sorted) of the comments taken for the app's
   * that hold a status marker: more than one means, without `appLogin`,
   * several bots' comments were read as the app's.
   */
  statusAuthors: string[]
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
  const statusAuthors = new Set<string>()
  for (const c of mine) {
    const body = c.body ?? ''
    const facts = readStatusComment(body)
    if (facts) {
      statusAuthors.add(c.user!.login)
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
    statusAuthors: [...statusAuthors].sort(),
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
