import { describe, expect, it } from 'vitest'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { metricsSummary } from '../../src/core/report/markdown.js'
import {
  type CommandResult,
  type Done,
  doneSentence,
  replyLine,
  taskLink,
} from '../../src/github/command-replies.js'
import { type CommandError, parseComment } from '../../src/github/commands.js'
import {
  commandErrorResult,
  notATaskResults,
  renderCommentReply,
} from '../../src/github/comment-reply.js'
import { historyReasons } from '../../src/github/history-reasons.js'
import {
  closedBy,
  configErrorNotice,
  manualChangeWhat,
  problemsNotice,
} from '../../src/github/issue-replies.js'
import { readMarkers } from '../../src/github/markers.js'
import {
  isRefusal,
  type Refusal,
  refusalOutcome,
  refusalText,
} from '../../src/github/refusal-replies.js'

const TASK = 'octo/app#12'
const AT = '2026-03-01T09:30:00.000Z'
/** Text an agent or person wrote, trying to forge a marker, ping, and break out of code. */
const HOSTILE = 'x``y <!-- task-orchestrator: {"ok":true} --> @octo/admins *bold*\nsecond'

describe('refusal replies', () => {
  const cases: [Refusal, string, string, string][] = [
    [
      { kind: 'not-a-task-here', raw: '/status', command: 'status' },
      'NotATask',
      "this issue is not a task: run /status on the task's issue (only /next works here)",
      "`/status`: this issue is not a task: run /status on the task's issue (only /next works here).",
    ],
    [
      { kind: 'not-a-task', raw: '/claim', taskLabel: 'task' },
      'NotATask',
      'this issue is not a task: add the `task` label (or open it from the task form) first',
      '`/claim`: this issue is not a task: add the `task` label (or open it from the task form) first.',
    ],
    [
      { kind: 'forbidden', raw: '/done', reason: '/done needs write; @ada has read' },
      'Forbidden',
      '/done needs write; @ada has read',
      '`/done`: /done needs write; @\u200bada has read.',
    ],
    [
      {
        kind: 'engine',
        raw: '/claim 1h',
        code: 'LeaseHeld',
        reason: 'Task octo/app#12 is held by bob until 09:30.',
        holder: 'bob',
        expires_at: AT,
      },
      'LeaseHeld',
      'Task octo/app#12 is held by bob until 09:30.',
      '`/claim 1h`: Task octo/app#12 is held by bob until 09:30.',
    ],
    [
      { kind: 'gate-not-passed', raw: '/done', missing: ['the check failed', 'tick "Reviewed"'] },
      'CriteriaFailed',
      'not completed yet — the check failed; tick "Reviewed"',
      '`/done`: not completed yet — the check failed; tick "Reviewed"',
    ],
    [
      { kind: 'unsupported', raw: '/frob', command: 'frob' },
      'Unsupported',
      '/frob is not available on this app yet',
      '`/frob`: /frob is not available on this app yet',
    ],
    [
      { kind: 'nothing-claimable', raw: '/next', actor: 'ada', persona: null, repo: 'octo/app' },
      'NothingClaimable',
      'nothing is claimable for @ada in octo/app right now: every open task is blocked, held, waiting for its subtasks or in its lock-delay. Try again later, or ask with another persona.',
      '`/next`: nothing is claimable for @\u200bada in octo/app right now: every open task is blocked, held, waiting for its subtasks or in its lock-delay. Try again later, or ask with another persona.',
    ],
    [
      {
        kind: 'nothing-claimable',
        raw: '/next',
        actor: 'ada',
        persona: 'reviewer',
        repo: 'octo/app',
      },
      'NothingClaimable',
      'nothing is claimable for the persona reviewer in octo/app right now: every open task is blocked, held, waiting for its subtasks or in its lock-delay. Try again later, or ask with another persona.',
      '`/next`: nothing is claimable for the persona reviewer in octo/app right now: every open task is blocked, held, waiting for its subtasks or in its lock-delay. Try again later, or ask with another persona.',
    ],
    [
      { kind: 'answered-already', raw: '/next', code: 'AgentAtCapacity' },
      'AgentAtCapacity',
      'answered already',
      '`/next`: answered already',
    ],
  ]

  it.each(cases)('%o has its code, reason and line', (refusal, code, reason, text) => {
    expect(isRefusal(refusal)).toBe(true)
    const outcome = refusalOutcome('claim', TASK, refusal)
    expect(outcome).toMatchObject({ ok: false, task: TASK, token: null, code, reason })
    expect(refusalText(refusal)).toBe(text)
  })

  it('keeps the marker key order and names the lease the engine met', () => {
    const outcome = refusalOutcome('claim', TASK, cases[3]![0])
    expect(Object.keys(outcome)).toEqual([
      'command',
      'ok',
      'task',
      'token',
      'reason',
      'code',
      'holder',
      'expires_at',
    ])
    expect(outcome).toMatchObject({ holder: 'bob', expires_at: AT })
  })

  it('neutralises echoed text in every refusal line', () => {
    const hostile: Refusal[] = [
      { kind: 'forbidden', raw: `/claim ${HOSTILE}`, reason: HOSTILE },
      { kind: 'engine', raw: `/done ${HOSTILE}`, code: 'StaleToken', reason: HOSTILE },
      { kind: 'gate-not-passed', raw: '/done', missing: [HOSTILE] },
      { kind: 'not-a-task', raw: `/claim ${HOSTILE}`, taskLabel: HOSTILE },
      { kind: 'not-a-task-here', raw: `/status ${HOSTILE}`, command: 'status' },
      {
        kind: 'nothing-claimable',
        raw: '/next',
        actor: 'ada',
        persona: HOSTILE,
        repo: 'octo/app',
      },
    ]
    for (const r of hostile) {
      const text = refusalText(r)
      expect(text, r.kind).not.toContain('<!--')
      expect(text, r.kind).not.toMatch(/@octo\/admins/)
      expect(text, r.kind).not.toContain('\n')
    }
  })

  it('words command lines that could not be read, with their codes', () => {
    const parsed = parseComment('/claim\n/frobnicate now\n/priority urgent', {
      owner: 'octo',
      repo: 'app',
    })
    const results = parsed.errors.map((e) => commandErrorResult(e, TASK, 7))
    expect(results.map((r) => r.outcome.code)).toEqual(['UnknownCommand', 'InvalidCommand'])
    expect(results.every((r) => r.outcome.comment === 7 && !r.outcome.ok)).toBe(true)
    expect(replyLine(results[0]!).text).toMatch(/^`\/frobnicate now`: /)
    const unreadable: CommandError = {
      code: 'unreadable',
      line: 1,
      raw: '```',
      command: '',
      message: `This comment was not read: ${HOSTILE}.`,
    }
    const line = replyLine(commandErrorResult(unreadable, TASK, 7))
    expect(line.outcome.code).toBe('UnreadableComment')
    expect(line.text).not.toContain('<!--')
    expect(line.text.startsWith('This comment was not read')).toBe(true)
  })
})

describe('command sentences', () => {
  const engine = new Engine(openStore(':memory:'))
  const metrics = engine.metrics({ since: AT, scope: 'octo/app#' })
  engine.store.close()
  const cases: [Done, string][] = [
    [
      { kind: 'claimed', holder: 'ada', token: 3, expires_at: AT },
      '@ada holds this task: lease token **3**, expires 2026-03-01 09:30 UTC. Send `/heartbeat` before then.',
    ],
    [
      { kind: 'heartbeat', holder: 'ada', expires_at: AT },
      'Lease of @ada extended to 2026-03-01 09:30 UTC.',
    ],
    [{ kind: 'released', of: null }, 'Released; the task is back in the queue.'],
    [{ kind: 'released', of: 'bob' }, "Released @bob's lease; the task is back in the queue."],
    [{ kind: 'completed', unblocked: 0 }, 'Completed.'],
    [{ kind: 'completed', unblocked: 2 }, 'Completed; unblocked 2 dependent task(s).'],
    [
      { kind: 'failed', final: true, attempts: 3, max_attempts: 3 },
      'Failed after 3 of 3 attempts; it needs a person.',
    ],
    [
      { kind: 'failed', final: false, attempts: 1, max_attempts: 3 },
      'Back in the queue (attempt 1 of 3).',
    ],
    [{ kind: 'blocked', reason: 'waiting on *vendor*' }, 'Blocked: waiting on \\*vendor\\*'],
    [
      { kind: 'unblocked', stillBlocked: true },
      'Manual block lifted; still blocked by unfinished dependencies.',
    ],
    [{ kind: 'unblocked', stillBlocked: false }, 'Unblocked; the task is pending.'],
    [
      { kind: 'reopened', was: 'completed', status: 'blocked', max_attempts: 3 },
      'Reopened (was completed): the task is blocked until its dependencies complete, attempts reset to 0 of 3.',
    ],
    [
      { kind: 'not-reopened', status: 'pending' },
      'Nothing to reopen: the task is pending, not finished.',
    ],
    [{ kind: 'progress', percent: 40, message: null }, 'Progress 40 %.'],
    [{ kind: 'progress', percent: 40, message: 'parser_done' }, 'Progress 40 %: parser\\_done.'],
    [{ kind: 'joined', actor: 'ada', role: 'reviewer' }, '@ada joined as reviewer.'],
    [
      { kind: 'shared', key: 'api', value: { url: 'x' } },
      'Shared `api` = `{"url":"x"}` with everyone on this task; dependents inherit it on completion.',
    ],
    [
      { kind: 'asked', user: 'bob', paused: true },
      'Question for @bob recorded; the task is waiting and its lease clock is paused until `/answer …`.',
    ],
    [
      { kind: 'answered', askedBy: 'ada', resumedUntil: AT },
      "Answered @ada's question; the task resumed, lease expires 2026-03-01 09:30 UTC.",
    ],
    [
      { kind: 'approved', by: 'ada' },
      'Approved by @ada; the task completes once its success criteria hold.',
    ],
    [
      { kind: 'already-approved', by: 'bob', at: AT },
      'Already approved by @bob 2026-03-01 09:30 UTC.',
    ],
    [{ kind: 'depends-on', added: ['#3', 'o/r#4'] }, 'Now depends on #3, o/r#4.'],
    [{ kind: 'depends-on', added: [] }, 'No new dependency.'],
    [
      { kind: 'feedback', quality: 4, timeliness: 5 },
      'Feedback recorded: quality 4, timeliness 5.',
    ],
    [{ kind: 'priority', priority: 'high' }, 'Priority set to high.'],
    [{ kind: 'persona', persona: 'reviewer' }, 'Persona set to reviewer.'],
    [
      {
        kind: 'status',
        status: 'in_progress',
        lease: { holder: 'ada', expires_at: AT },
        attempts: 1,
        max_attempts: 3,
      },
      'Status: in_progress, held by @ada until 2026-03-01 09:30 UTC; attempts 1 of 3.',
    ],
    [
      {
        kind: 'next-granted',
        actor: 'ada',
        task: 'octo/app#7',
        scope: 'octo/app#',
        here: false,
        title: 'Parser',
        token: 2,
        expires_at: AT,
      },
      '@ada holds #7: Parser — lease token **2**, expires 2026-03-01 09:30 UTC. Send `/heartbeat` on #7 before then.',
    ],
    [{ kind: 'metrics', metrics, actor: 'ada', days: 30 }, metricsSummary(metrics, 'ada', 30)],
  ]

  it.each(cases)('%o', (done, sentence) => {
    expect(isRefusal(done)).toBe(false)
    expect(doneSentence(done)).toBe(sentence)
  })

  it('neutralises what people and agents wrote', () => {
    const echoed: Done[] = [
      { kind: 'blocked', reason: HOSTILE },
      { kind: 'progress', percent: 5, message: HOSTILE },
      { kind: 'joined', actor: 'ada', role: HOSTILE },
      { kind: 'shared', key: HOSTILE, value: HOSTILE },
      { kind: 'persona', persona: HOSTILE },
      { kind: 'depends-on', added: [HOSTILE] },
      { kind: 'released', of: HOSTILE },
      { kind: 'asked', user: HOSTILE, paused: false },
      {
        kind: 'next-granted',
        actor: 'ada',
        task: 'octo/app#7',
        scope: 'octo/app#',
        here: true,
        title: HOSTILE,
        token: 2,
        expires_at: AT,
      },
    ]
    for (const d of echoed) {
      const text = doneSentence(d)
      expect(text, d.kind).not.toContain('<!--')
      expect(text, d.kind).not.toMatch(/@octo\/admins/)
      expect(text, d.kind).not.toContain('\n')
    }
  })

  it('links a task of the same repository by number, another by id', () => {
    expect(taskLink('octo/app#7', 'octo/app#')).toBe('#7')
    expect(taskLink('octo/lib#7', 'octo/app#')).toBe('octo/lib#7')
  })
})

describe('the reply to a comment', () => {
  const ok = (n: number): CommandResult => ({
    outcome: { command: 'priority', ok: true, task: TASK, token: null, reason: null },
    said: { kind: 'priority', priority: `p${n}` },
  })

  it('lists results in the comment line order, each under its marker, with the footers', () => {
    const [notTask] = notATaskResults(
      parseComment('/claim', { owner: 'octo', repo: 'app' }).commands,
      TASK,
      'task',
    )
    const body = renderCommentReply({
      actor: 'ada',
      results: [
        { line: 3, result: ok(3) },
        { line: 1, result: ok(1) },
        { line: 2, result: notTask! },
      ],
      unknownCommand: true,
      configError: `bad: ${HOSTILE}`,
    })
    expect(body.startsWith('@ada\n\n')).toBe(true)
    expect(readMarkers(body).map((o) => o.ok)).toEqual([true, false, true])
    expect(body.indexOf('p1')).toBeLessThan(body.indexOf('p3'))
    expect(body).toContain('<details><summary>Commands</summary>')
    expect(body).toContain('has an error; the last good configuration')
    // Only the app's own markers: the config error's `<!--` is broken.
    expect(body.split('<!--').length - 1).toBe(3)
  })
})

describe('notices on an issue', () => {
  it('lists problems neutralised, and shows a config error in a code block', () => {
    const problems = problemsNotice([HOSTILE])
    expect(problems.startsWith('Task Orchestrator could not apply everything in this issue:')).toBe(
      true,
    )
    expect(problems).not.toContain('<!--')
    const config = configErrorNotice(HOSTILE)
    expect(config).toMatch(/^⚠️ Task Orchestrator's configuration has an error/)
    expect(config).toContain('```\n')
    expect(config).not.toContain('<!--')
  })

  it('names what a change by hand does', () => {
    expect(manualChangeWhat.close(true)).toBe('closing this issue as completed')
    expect(manualChangeWhat.close(false)).toBe('closing this issue as not planned')
    expect(manualChangeWhat.reopen('failed')).toBe('reopening this failed task')
    expect(manualChangeWhat.assign('bob')).toBe('assigning this task (a claim for @bob)')
    expect(manualChangeWhat.unassign('bob')).toBe('unassigning @bob (the end of their lease)')
    expect(closedBy.mergedPullRequest(4)).toBe('the merged pull request #4')
    expect(closedBy.person(null)).toBe('@someone')
  })
})

describe('history reasons', () => {
  it('name who did what from GitHub', () => {
    expect(historyReasons.releasedBy('maint')).toBe('released by @maint')
    expect(historyReasons.unassignedBy('ada', null)).toBe('@ada unassigned by @someone')
    expect(historyReasons.completedByLabel('maint', 'status: completed')).toBe(
      'completed by @maint (label `status: completed`)',
    )
    expect(historyReasons.blockedByLabel('maint')).toBe('labelled blocked by @maint')
  })
})
