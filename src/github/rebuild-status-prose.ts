/**
 * Reading a status comment written before its marker carried the task's
 * state (marker `{"task":…}` without `v`, see `./markers.ts`): the state is
 * read back from the Markdown written for people, as `./status-comment.ts`
 * rendered it then. Only the rebuild from GitHub uses this
 * (`./rebuild-status.ts`), and only for such comments — comments already on
 * GitHub from earlier versions of the app. New comments are read from their
 * marker; the prose may be reworded freely, and this reader must keep
 * reading the wording of those earlier versions (the recorded repository in
 * `test/fixtures/github/rebuild/repository.json` holds it).
 */
import { EVENT_TYPES, type EventType } from '../core/events.js'
import { readInline } from './neutralise.js'
import type { HistoryEntry, StatusCommentFacts } from './rebuild-status.js'

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
 * Read the prose of a status comment of task `task` as the app wrote it
 * before version 1 of the status marker: a table of `| Key | value |` rows
 * (`|` in a value escaped as `\|`), an optional `**Completion summary:**`
 * paragraph and the `History` list. Rows it does not know are ignored; what
 * the comment does not say is null (or empty). Times are to the minute, as
 * shown; texts as folded onto one line and cut when they were rendered.
 */
export function readStatusProse(body: string, task: string): StatusCommentFacts {
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
