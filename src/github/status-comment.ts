/**
 * The status comment: one per task, edited in place, never re-posted. It
 * shows the state, the lease holder and expiry, progress, success criteria,
 * dependencies with the context they handed over, and recent history. Its
 * first line is the status marker (`./markers.ts`): the same state as JSON,
 * for agents and for the rebuild from GitHub (`./rebuild-status.ts`), which
 * never need to read the prose.
 */
import { createHash } from 'node:crypto'
import type { Participant } from '../core/collaboration.js'
import type { TaskEvent } from '../core/events.js'
import type { Task } from '../core/model.js'
import type { Question } from '../core/questions.js'
import { BODY_LIMIT, fitBody, sizeOf } from './fit.js'
import { type StatusState, statusMarker } from './markers.js'
import { code, inline, mention } from './neutralise.js'

const STATUS_ICON: Record<Task['status'], string> = {
  blocked: '⛔ blocked',
  pending: '🟢 pending — ready to `/claim`',
  in_progress: '🔵 in progress',
  waiting: '🟣 waiting for an answer — lease paused',
  completed: '✅ completed',
  failed: '🛑 failed — needs a person',
  cancelled: '⚪ cancelled',
}

/** What the status comment shows besides the task itself. */
export interface StatusView {
  /** The task; with participants and open questions when read through `engine.show`. */
  task: Task & { participants?: Participant[]; open_questions?: Question[] }
  /** Dependencies: reference as written (`#12`), and whether done. */
  dependencies: { ref: string; done: boolean }[]
  /** Context handed over by finished dependencies. */
  context: { from: string; summary: string }[]
  /** Criteria with their last known outcome. */
  criteria: {
    criterion: string
    measurable?: string
    state: 'pass' | 'fail' | 'error' | 'pending' | 'confirmed'
  }[]
  progress?: { percent: number; message: string } | null
  history: TaskEvent[]
}

/**
 * The task's state as the status marker carries it (see `StatusState` in
 * `./markers.ts` and docs/github-replies.md): from the view the comment is
 * rendered from, so marker and prose never disagree. Lists are in the order
 * the comment shows them; history entries keep the `token` and `reason` of
 * their details (what the comment shows).
 */
export function statusState(view: StatusView): StatusState {
  const { task } = view
  const lease = task.lease
  const feedback =
    task.feedback_quality === null &&
    task.feedback_timeliness === null &&
    task.feedback_notes === null
      ? null
      : {
          quality: task.feedback_quality,
          timeliness: task.feedback_timeliness,
          notes: task.feedback_notes,
        }
  return {
    task: task.id,
    v: 1,
    status: task.status,
    priority: task.priority,
    persona: task.persona,
    milestone: task.milestone ?? null,
    lease: lease
      ? {
          holder: lease.holder,
          token: lease.token,
          acquired_at: lease.acquired_at,
          heartbeat_at: lease.heartbeat_at,
          expires_at: lease.expires_at,
          ...(lease.paused ? { paused: { ...lease.paused } } : {}),
        }
      : null,
    attempts: task.attempts,
    max_attempts: task.max_attempts,
    blocked_reason: task.blocked_reason,
    requires_approval: task.requires_approval ?? false,
    approved_by: task.approved_by ?? null,
    approved_at: task.approved_at ?? null,
    progress: view.progress
      ? { percent: view.progress.percent, message: view.progress.message }
      : null,
    completion_summary: task.completion_summary,
    feedback,
    participants: (task.participants ?? []).map((p) => ({
      agent: p.agent,
      role: p.role,
      joined_at: p.joined_at,
    })),
    open_questions: (task.open_questions ?? []).map((q) => ({
      asked_by: q.asked_by,
      asked_of: q.asked_of,
      question: q.question,
      asked_at: q.asked_at,
    })),
    criteria: view.criteria.map((c) => c.state),
    history: view.history.map((e) => ({
      at: e.at,
      type: e.type,
      actor: e.actor,
      details: {
        ...(typeof e.details.token === 'number' ? { token: e.details.token } : {}),
        ...(typeof e.details.reason === 'string' ? { reason: e.details.reason } : {}),
      },
    })),
  }
}

function when(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`
}

function bar(percent: number): string {
  const filled = Math.round(percent / 10)
  return `${'▓'.repeat(filled)}${'░'.repeat(10 - filled)} ${percent} %`
}

const CRITERION_ICON = {
  pass: '✅',
  confirmed: '✅',
  fail: '❌',
  error: '⚠️',
  pending: '⏳',
} as const

/**
 * How much a rendering shows: items per list (criteria, participants, open
 * questions, hand-overs, history) and characters per free-text field. The
 * first level that fits GitHub's limit is used (see {@link renderStatusComment}).
 */
interface Level {
  items: number
  text: number
}

const LEVELS: Level[] = [
  { items: Number.POSITIVE_INFINITY, text: 1000 },
  { items: 50, text: 300 },
  { items: 10, text: 100 },
  { items: 3, text: 40 },
]

/** The first `level.items` of `list`, and a line saying how many more there are. */
function capped<T>(list: readonly T[], level: Level, render: (item: T) => string, what: string) {
  const shown = list.slice(0, level.items).map(render)
  const left = list.length - shown.length
  return left > 0 ? [...shown, `- …and ${left} more ${what}`] : shown
}

/** One line of history for an event. */
function historyLine(e: TaskEvent, level: Level): string {
  const who = e.actor ? ` by ${mention(e.actor)}` : ''
  const token = typeof e.details.token === 'number' ? ` (token ${e.details.token})` : ''
  const reason =
    typeof e.details.reason === 'string' ? ` — ${inline(e.details.reason, level.text)}` : ''
  return `- ${when(e.at)} · ${e.type.replace(/_/g, ' ')}${who}${token}${reason}`
}

/**
 * What the app keeps of a status comment it sent: a digest of its body
 * (`sha256:<hex>`), enough to tell whether a new rendering differs, at a
 * tenth of the body's size in the state (the state travels as an artifact in
 * the Actions-hosted mode, so its size is a product figure).
 */
export function statusCommentDigest(body: string): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`
}

/**
 * The Markdown body of a task's status comment. Everything echoed from the
 * task (reasons, roles, questions, criteria, messages, summaries) is
 * neutralised (`./neutralise.ts`); logins are deliberate mentions. Always
 * within GitHub's {@link BODY_LIMIT}: the first rendering that fits, from
 * all items with texts up to 1,000 characters down to 3 items per list with
 * texts of 40 ("…and N more" says what was left out); the marker, first
 * ({@link statusState} through `statusMarker`, at most 16,384 characters),
 * is never cut.
 */
export function renderStatusComment(view: StatusView): string {
  const marker = statusMarker(statusState(view))
  let body = ''
  for (const level of LEVELS) {
    body = renderAt(view, level, marker)
    if (sizeOf(body) <= BODY_LIMIT) return body
  }
  return fitBody(body)
}

function renderAt(view: StatusView, level: Level, marker: string): string {
  const { task } = view
  const text = (t: string) => inline(t, level.text)
  const rows: [string, string][] = [['State', STATUS_ICON[task.status]]]
  if (task.blocked_reason) rows.push(['Blocked because', text(task.blocked_reason)])
  if (task.lease) {
    rows.push(['Holder', `${mention(task.lease.holder)} · lease token ${task.lease.token}`])
    if (task.lease.paused) {
      const minutes = Math.round(task.lease.paused.remaining_ms / 60_000)
      rows.push([
        'Lease',
        `paused since ${when(task.lease.paused.at)}; ${minutes} min left once answered`,
      ])
    } else {
      rows.push([
        'Lease expires',
        `${when(task.lease.expires_at)} — send \`/heartbeat\` before then`,
      ])
    }
  }
  const participants = task.participants ?? []
  if (participants.length) {
    const shown = participants
      .slice(0, level.items)
      .map((p) => `${mention(p.agent)}${p.role ? ` (${text(p.role)})` : ''}`)
    const left = participants.length - shown.length
    rows.push(['Participants', [...shown, ...(left > 0 ? [`…and ${left} more`] : [])].join(', ')])
  }
  const questions = task.open_questions ?? []
  for (const q of questions.slice(0, level.items)) {
    rows.push([
      'Open question',
      `${mention(q.asked_by)}${q.asked_of ? ` → ${mention(q.asked_of)}` : ''}: ${text(q.question)} — reply \`/answer …\``,
    ])
  }
  if (questions.length > level.items) {
    rows.push(['Open questions', `…and ${questions.length - level.items} more`])
  }
  if (task.requires_approval) {
    rows.push([
      'Approval',
      task.approved_by
        ? `✅ approved by ${mention(task.approved_by)} ${when(task.approved_at!)}`
        : '⏳ required: `/approve` by a maintainer',
    ])
  }
  if (task.milestone) rows.push(['Milestone', text(task.milestone)])
  rows.push([
    'Priority',
    `${task.priority}${task.persona ? ` · persona ${code(task.persona, { max: 100 })}` : ''}`,
  ])
  rows.push(['Attempts', `${task.attempts} of ${task.max_attempts}`])
  if (view.progress)
    rows.push([
      'Progress',
      `${bar(view.progress.percent)}${view.progress.message ? ` — ${text(view.progress.message)}` : ''}`,
    ])
  const lines = [
    marker,
    `### Task status`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`),
  ]
  if (view.criteria.length) {
    lines.push(
      '',
      '**Success criteria**',
      '',
      ...capped(
        view.criteria,
        level,
        (c) =>
          `- ${CRITERION_ICON[c.state]} ${text(c.criterion)}${c.measurable ? ` ${code(c.measurable, { max: level.text })}` : ' _(manual)_'}`,
        'criteria',
      ),
    )
  }
  if (view.dependencies.length) {
    const shown = view.dependencies
      .slice(0, level.items)
      .map((d) => `${text(d.ref)} ${d.done ? '✅' : '⏳'}`)
    const left = view.dependencies.length - shown.length
    lines.push(
      '',
      `**Depends on** ${[...shown, ...(left > 0 ? [`…and ${left} more`] : [])].join(' · ')}`,
    )
  }
  if (view.context.length) {
    lines.push(
      '',
      '**Handed over by finished dependencies**',
      '',
      ...capped(
        view.context,
        level,
        (c) => `- ${text(c.from)}: ${c.summary ? text(c.summary) : '_(no summary)_'}`,
        'hand-overs',
      ),
    )
  }
  if (task.completion_summary)
    lines.push('', `**Completion summary:** ${text(task.completion_summary)}`)
  if (view.history.length) {
    lines.push(
      '',
      '<details><summary>History</summary>',
      '',
      ...capped(view.history, level, (e) => historyLine(e, level), 'events'),
      '',
      '</details>',
    )
  }
  return lines.join('\n')
}
