/**
 * The status comment: one per task, edited in place, never re-posted. It
 * shows the state, the lease holder and expiry, progress, success criteria,
 * dependencies with the context they handed over, and recent history.
 */
import { createHash } from 'node:crypto'
import type { Participant } from '../core/collaboration.js'
import type { TaskEvent } from '../core/events.js'
import type { Task } from '../core/model.js'
import type { Question } from '../core/questions.js'

/** Hidden marker identifying a status comment and its task. */
export function statusMarker(task: string): string {
  return `<!-- task-orchestrator:status ${JSON.stringify({ task }).replace(/>/g, '\\u003e')} -->`
}

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

/** One line of history for an event. */
function historyLine(e: TaskEvent): string {
  const who = e.actor ? ` by @${e.actor}` : ''
  const token = typeof e.details.token === 'number' ? ` (token ${e.details.token})` : ''
  const reason = typeof e.details.reason === 'string' ? ` — ${e.details.reason}` : ''
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

/** The Markdown body of a task's status comment. */
export function renderStatusComment(view: StatusView): string {
  const { task } = view
  const rows: [string, string][] = [['State', STATUS_ICON[task.status]]]
  if (task.blocked_reason) rows.push(['Blocked because', task.blocked_reason])
  if (task.lease) {
    rows.push(['Holder', `@${task.lease.holder} · lease token ${task.lease.token}`])
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
  if (task.participants?.length) {
    rows.push([
      'Participants',
      task.participants.map((p) => `@${p.agent}${p.role ? ` (${p.role})` : ''}`).join(', '),
    ])
  }
  for (const q of task.open_questions ?? []) {
    rows.push([
      'Open question',
      `@${q.asked_by}${q.asked_of ? ` → @${q.asked_of}` : ''}: ${q.question.replace(/\s+/g, ' ')} — reply \`/answer …\``,
    ])
  }
  if (task.requires_approval) {
    rows.push([
      'Approval',
      task.approved_by
        ? `✅ approved by @${task.approved_by} ${when(task.approved_at!)}`
        : '⏳ required: `/approve` by a maintainer',
    ])
  }
  if (task.milestone) rows.push(['Milestone', task.milestone])
  rows.push(['Priority', `${task.priority}${task.persona ? ` · persona \`${task.persona}\`` : ''}`])
  rows.push(['Attempts', `${task.attempts} of ${task.max_attempts}`])
  if (view.progress)
    rows.push([
      'Progress',
      `${bar(view.progress.percent)}${view.progress.message ? ` — ${view.progress.message}` : ''}`,
    ])
  const lines = [
    statusMarker(task.id),
    `### Task status`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`),
  ]
  if (view.criteria.length) {
    lines.push('', '**Success criteria**', '')
    for (const c of view.criteria) {
      lines.push(
        `- ${CRITERION_ICON[c.state]} ${c.criterion}${c.measurable ? ` \`${c.measurable}\`` : ' _(manual)_'}`,
      )
    }
  }
  if (view.dependencies.length) {
    lines.push(
      '',
      `**Depends on** ${view.dependencies.map((d) => `${d.ref} ${d.done ? '✅' : '⏳'}`).join(' · ')}`,
    )
  }
  if (view.context.length) {
    lines.push('', '**Handed over by finished dependencies**', '')
    for (const c of view.context) lines.push(`- ${c.from}: ${c.summary || '_(no summary)_'}`)
  }
  if (task.completion_summary) lines.push('', `**Completion summary:** ${task.completion_summary}`)
  if (view.history.length) {
    lines.push(
      '',
      '<details><summary>History</summary>',
      '',
      ...view.history.map(historyLine),
      '',
      '</details>',
    )
  }
  return lines.join('\n')
}
