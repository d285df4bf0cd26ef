import { describe, expect, it } from 'vitest'
import type { TaskEvent } from '../../src/core/events.js'
import type { Task } from '../../src/core/model.js'
import { DEFAULT_CONFIG } from '../../src/github/config.js'
import { desiredIssue, issuePatch } from '../../src/github/mirror.js'
import { marker, readMarkers, renderReply } from '../../src/github/replies.js'
import { renderStatusComment } from '../../src/github/status-comment.js'

const task: Task = {
  id: 'octo/app#12',
  title: 'Parser',
  description: '',
  status: 'in_progress',
  priority: 'high',
  persona: 'implementer',
  milestone: null,
  parent_id: null,
  success_criteria: [
    { criterion: 'Tests pass', measurable: 'tests.failed == 0' },
    { criterion: 'Reviewed' },
  ],
  deadline: null,
  estimated_hours: null,
  actual_hours: null,
  completion_summary: null,
  feedback_quality: null,
  feedback_timeliness: null,
  feedback_notes: null,
  attempts: 1,
  max_attempts: 3,
  blocked_reason: null,
  assignee: 'ada',
  lease: {
    holder: 'ada',
    token: 2,
    acquired_at: '2026-03-01T09:00:00.000Z',
    heartbeat_at: '2026-03-01T09:00:00.000Z',
    expires_at: '2026-03-01T09:30:00.000Z',
  },
  fencing_seq: 2,
  claimable_after: null,
  requires_approval: false,
  approved_by: null,
  approved_at: null,
  archived_at: null,
  lease_seconds: 0,
  source: null,
  created_at: '2026-03-01T08:00:00.000Z',
  updated_at: '2026-03-01T09:00:00.000Z',
  completed_at: null,
}

describe('reply markers', () => {
  it('round-trip, one per command, and cannot end the HTML comment early', () => {
    const outcome = {
      command: 'done',
      ok: false,
      task: 'o/r#1',
      token: null,
      reason: 'no --> way <b>',
      code: 'X',
    }
    expect(marker(outcome)).not.toMatch(/-->.*-->/)
    const body = renderReply('ada', [
      {
        outcome: { command: 'claim', ok: true, task: 'o/r#1', token: 3, reason: null },
        text: 'ok',
      },
      { outcome, text: 'refused' },
    ])
    expect(body.startsWith('@ada')).toBe(true)
    expect(readMarkers(body)).toEqual([
      { command: 'claim', ok: true, task: 'o/r#1', token: 3, reason: null },
      outcome,
    ])
  })
})

describe('status comment', () => {
  it('shows state, holder, expiry, progress, criteria, dependencies, hand-over and history', () => {
    const history: TaskEvent[] = [
      {
        id: 1,
        at: '2026-03-01T09:00:00.000Z',
        type: 'claimed',
        task_id: task.id,
        actor: 'ada',
        details: { token: 2 },
      },
    ]
    expect(
      renderStatusComment({
        task,
        dependencies: [{ ref: '#10', done: true }],
        context: [{ from: '#10', summary: 'schema ready' }],
        criteria: [
          { criterion: 'Tests pass', measurable: 'tests.failed == 0', state: 'pending' },
          { criterion: 'Reviewed', state: 'confirmed' },
        ],
        progress: { percent: 40, message: 'lexer done' },
        history,
      }),
    ).toMatchInlineSnapshot(`
      "<!-- task-orchestrator:status {"task":"octo/app#12","v":1,"status":"in_progress","priority":"high","persona":"implementer","milestone":null,"lease":{"holder":"ada","token":2,"acquired_at":"2026-03-01T09:00:00.000Z","heartbeat_at":"2026-03-01T09:00:00.000Z","expires_at":"2026-03-01T09:30:00.000Z"},"attempts":1,"max_attempts":3,"blocked_reason":null,"requires_approval":false,"approved_by":null,"approved_at":null,"progress":{"percent":40,"message":"lexer done"},"completion_summary":null,"feedback":null,"participants":[],"open_questions":[],"criteria":["pending","confirmed"],"history":[{"at":"2026-03-01T09:00:00.000Z","type":"claimed","actor":"ada","details":{"token":2}}]} -->
      ### Task status

      | | |
      |---|---|
      | State | 🔵 in progress |
      | Holder | @ada · lease token 2 |
      | Lease expires | 2026-03-01 09:30 UTC — send \`/heartbeat\` before then |
      | Priority | high · persona \`implementer\` |
      | Attempts | 1 of 3 |
      | Progress | ▓▓▓▓░░░░░░ 40 % — lexer done |

      **Success criteria**

      - ⏳ Tests pass \`tests.failed == 0\`
      - ✅ Reviewed _(manual)_

      **Depends on** #10 ✅

      **Handed over by finished dependencies**

      - #10: schema ready

      <details><summary>History</summary>

      - 2026-03-01 09:00 UTC · claimed by @ada (token 2)

      </details>"
    `)
  })
})

describe('mirror', () => {
  const current = {
    state: 'open' as const,
    state_reason: null,
    labels: ['task', 'status: pending', 'priority: medium', 'bug'],
    assignees: ['someone'],
  }

  it('sets status, priority and persona labels, keeps others, assigns the holder', () => {
    const desired = desiredIssue(task, current, DEFAULT_CONFIG)
    expect(desired.labels).toEqual([
      'bug',
      'task',
      'status: in_progress',
      'priority: high',
      'persona: implementer',
    ])
    expect(desired.assignees).toEqual(['someone', 'ada'])
    expect(issuePatch(current, desired)).toEqual({
      labels: desired.labels,
      assignees: desired.assignees,
    })
    expect(issuePatch(desired, desired)).toBeNull()
  })

  it('closes completed and cancelled tasks with the right reason; unassigns a former holder', () => {
    const done = { ...task, status: 'completed' as const, lease: null }
    const withAda = { ...current, assignees: ['ada', 'someone'] }
    const desired = desiredIssue(done, withAda, DEFAULT_CONFIG, 'ada')
    expect(desired).toMatchObject({
      state: 'closed',
      state_reason: 'completed',
      assignees: ['someone'],
    })
    expect(
      desiredIssue({ ...done, status: 'cancelled' }, current, DEFAULT_CONFIG).state_reason,
    ).toBe('not_planned')
    const failed = desiredIssue({ ...task, status: 'failed', lease: null }, current, DEFAULT_CONFIG)
    expect(failed.labels).toContain('needs: person')
  })
})
