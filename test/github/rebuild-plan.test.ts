/**
 * The pure half of the rebuild: from a recorded repository state to tasks
 * and bookkeeping — broken references and cycles skipped and reported,
 * statuses as the app maps them, lease holders and fencing tokens, the app's
 * comments told from people's, and the status comment read back.
 */
import { describe, expect, it } from 'vitest'
import { planRebuild } from '../../src/app/rebuild/rebuild-plan.js'
import type { RepositoryState } from '../../src/app/rebuild/rebuild-state.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import type { Task } from '../../src/core/model.js'
import { restoreTasks } from '../../src/core/restore.js'
import { readStatusComment } from '../../src/github/rebuild-status.js'
import { marker } from '../../src/github/replies.js'
import { renderStatusComment } from '../../src/github/status-comment.js'
import { legacyStatusComment } from './legacy-status.js'
import { APP_LOGIN, FakeRepository, repositoryState } from './rebuild-recorder.js'

const O = 'octo'
const R = 'board'
const id = (n: number) => `${O}/${R}#${n}`
const NOW = '2026-05-01T12:00:00.000Z'

function repository() {
  const clock = new FakeClock('2026-05-01T10:00:00.000Z')
  return { clock, fake: FakeRepository.create(clock, O, R, null, ['task']) }
}

/** Plan `state` and restore it into a fresh engine; returns both. */
function rebuild(state: RepositoryState) {
  const plan = planRebuild(state, { now: NOW })
  const engine = new Engine(openStore(':memory:'), { clock: new FakeClock(NOW) })
  const restored = engine.write((ctx) => restoreTasks(ctx, plan.restore, 'test'))
  return { plan, engine, skipped: [...plan.skipped, ...restored.skipped] }
}

/** A status comment as the app renders it, for task `n`, with `patch` applied to a plain task. */
function statusComment(n: number, patch: Partial<Task> = {}) {
  const engine = new Engine(openStore(':memory:'), { clock: new FakeClock(NOW) })
  const task = engine.add({ id: id(n), title: `Task ${n}` })
  return renderStatusComment({
    task: { ...task, ...patch },
    dependencies: [],
    context: [],
    criteria: [],
    history: [],
  })
}

const lease = (holder: string, token: number) => ({
  holder,
  token,
  acquired_at: NOW,
  heartbeat_at: NOW,
  expires_at: '2026-05-01T12:30:00.000Z',
})

describe('references and cycles in bodies', () => {
  it('skips what cannot apply — a deleted issue, a pull request, a cycle, a self-reference, a line that is no reference — and applies the rest', () => {
    const { fake } = repository()
    fake.open(1, 'One', '### Depends on\n\n- [ ] #2\n- [ ] #99\n- [ ] #50\n- [ ] soon\n', ['task'])
    fake.open(2, 'Two', '### Depends on\n\n- [ ] #3\n', ['task'])
    fake.open(3, 'Three', '### Depends on\n\n- [ ] #1\n\n### Subtasks\n\n- [ ] #3\n', ['task'])
    fake.open(4, 'Four', '### Depends on\n\n- [ ] #4\n- [ ] other/lib#7\n', ['task'])
    fake.openPullRequest(50, 'A pull request', [])
    const state = repositoryState(fake)
    state.referenced = {
      [id(99)]: null,
      [id(50)]: fake.issueJson(fake.issue(50)) as never,
      'other/lib#7': null,
    }
    const { engine, skipped } = rebuild(state)

    expect(engine.show(id(1)).depends_on).toEqual([id(2)])
    expect(engine.show(id(2)).depends_on).toEqual([id(3)])
    expect(engine.show(id(3)).depends_on).toEqual([]) // 3 → 1 would close 1 → 2 → 3 → 1
    expect(engine.show(id(4)).depends_on).toEqual([])
    expect(engine.get(id(3)).parent_id).toBeNull()
    expect(
      engine
        .list()
        .map((t) => t.id)
        .sort(),
    ).toEqual([1, 2, 3, 4].map(id).sort())
    const why = skipped.map((s) => `${s.item} ${s.field}: ${s.reason}`)
    expect(why).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/#1 dependsOn: .*#99 could not be read on GitHub/),
        expect.stringMatching(/#1 dependsOn: .*#50 is a pull request, not an issue/),
        expect.stringMatching(/#1 body: Depends on, line 6: "soon" is not an issue reference/),
        expect.stringMatching(
          /#3 dependsOn: would close the cycle octo\/board#3 → octo\/board#1 → octo\/board#2 → octo\/board#3/,
        ),
        expect.stringMatching(/#3 parent: .*own ancestor/),
        expect.stringMatching(/#4 dependsOn: a task cannot depend on itself/),
        expect.stringMatching(/#4 dependsOn: other\/lib#7 could not be read/),
      ]),
    )
    // Blocked by what is unfinished, as the engine keeps it.
    expect(engine.get(id(1)).status).toBe('blocked')
    expect(engine.get(id(3)).status).toBe('pending')
  })
})

describe('statuses, as the app maps issues', () => {
  it('reads closed issues as completed or cancelled, open ones from their status label', () => {
    const { fake } = repository()
    const cases: [number, string[], 'open' | 'completed' | 'not_planned' | 'closed', string][] = [
      [1, ['task'], 'completed', 'completed'],
      [2, ['task', 'status: in_progress'], 'not_planned', 'cancelled'],
      [3, ['task'], 'closed', 'completed'], // closed with no reason: a person's closing
      [4, ['task', 'status: failed'], 'open', 'failed'],
      [5, ['task', 'status: canceled'], 'open', 'cancelled'],
      [6, ['task'], 'open', 'pending'],
      [7, ['task', 'status: pending', 'status: blocked'], 'open', 'pending'],
      [8, ['task', 'Status: In Progress'], 'open', 'pending'], // nobody assigned
      [9, ['task', 'status: blocked'], 'open', 'blocked'],
      [10, ['task', 'status: wip'], 'open', 'pending'],
    ]
    for (const [n, labels, state] of cases) {
      fake.open(n, `Task ${n}`, '', labels)
      const i = fake.issue(n)
      if (state !== 'open') {
        i.state = 'closed'
        i.state_reason = state === 'closed' ? null : state
        i.closed_at = NOW
      }
    }
    const { engine, skipped } = rebuild(repositoryState(fake))
    for (const [n, , , status] of cases) expect([n, engine.get(id(n)).status]).toEqual([n, status])
    const about = (n: number) => skipped.filter((s) => s.item === id(n)).map((s) => s.reason)
    expect(about(6)).toEqual(['no status label; the status follows from the dependencies'])
    expect(about(7)[0]).toBe('several status labels; the status is read from the rest')
    expect(about(8)).toEqual(['in progress but nobody is assigned; now pending'])
    expect(engine.get(id(9)).blocked_reason).toBe('labelled blocked on GitHub')
  })
})

describe('lease holders and fencing tokens', () => {
  it('takes the holder and token from the status comment, the replies, or the assignees, in that order', () => {
    const { fake } = repository()
    for (const n of [1, 2, 3, 4]) fake.open(n, `Task ${n}`, '', ['task', 'status: in_progress'])
    fake.issue(1).assignees = ['ada']
    fake.issue(2).assignees = ['carl']
    fake.issue(3).assignees = ['dan', 'erin']
    const bot = (n: number, body: string) =>
      fake.addComment(n, body, { login: APP_LOGIN, type: 'Bot' })
    const reply = (n: number, o: object) =>
      bot(n, marker({ command: 'claim', ok: true, task: id(n), token: null, reason: null, ...o }))
    bot(1, statusComment(1, { status: 'in_progress', lease: lease('ada', 3), attempts: 1 }))
    reply(1, { token: 5, ok: false, code: 'LeaseHeld' }) // a refusal still names a token seen
    bot(2, statusComment(2, { status: 'in_progress', lease: lease('bob', 2) }))
    reply(2, { token: 4, holder: 'carl' })
    reply(3, { command: 'expire', token: 2, holder: 'zed' })
    // A person's copy of a status comment changes nothing.
    fake.addComment(4, statusComment(4, { status: 'in_progress', lease: lease('mallory', 9) }), {
      login: 'mallory',
      type: 'User',
    })
    const { engine, skipped } = rebuild(repositoryState(fake))
    expect(engine.get(id(1))).toMatchObject({
      lease: { holder: 'ada', token: 3 },
      fencing_seq: 5,
      attempts: 1,
    })
    expect(engine.get(id(2))).toMatchObject({ lease: { holder: 'carl', token: 4 }, fencing_seq: 4 })
    expect(engine.get(id(3))).toMatchObject({ lease: { holder: 'dan', token: 3 }, fencing_seq: 3 })
    expect(engine.get(id(4))).toMatchObject({ status: 'pending', lease: null, fencing_seq: 0 })
    expect(skipped.find((s) => s.item === id(3))?.reason).toBe(
      'no lease recorded for the assignees; @dan holds it with token 3',
    )
    // Restarted with the config's TTL (default 30 minutes) from the rebuild.
    expect(engine.get(id(1)).lease?.expires_at).toBe('2026-05-01T12:30:00.000Z')
  })

  it('a status comment on another issue, or by a login other than the app, is not the task’s', () => {
    const { fake } = repository()
    fake.open(1, 'One', '', ['task', 'status: in_progress'])
    fake.open(2, 'Two', '', ['task'])
    fake.issue(1).assignees = ['ada']
    fake.addComment(2, statusComment(1, { status: 'in_progress', lease: lease('ada', 7) }), {
      login: APP_LOGIN,
      type: 'Bot',
    })
    fake.addComment(1, statusComment(1, { status: 'in_progress', lease: lease('ada', 8) }), {
      login: 'other-app[bot]',
      type: 'Bot',
    })
    const state = repositoryState(fake)
    const any = planRebuild(state, { now: NOW })
    expect(any.records.find((r) => r.task_id === id(1))?.status_comment_id).toBe(10_002)
    // Without the app's login, each bot's status comment is taken for the app's: the plan says so.
    expect(any.skipped).toContainEqual({
      item: `${O}/${R}`,
      field: 'appLogin',
      value: ['other-app[bot]', APP_LOGIN].sort(),
      reason: `status comments by several bot accounts (${['other-app[bot]', APP_LOGIN].sort().join(', ')}) were each read as the app's; give the app's login (tm rebuild --app-login) to read only its own`,
    })
    const only = planRebuild(state, { now: NOW, appLogin: APP_LOGIN })
    expect(only.skipped.map((s) => s.field)).not.toContain('appLogin')
    expect(only.records.find((r) => r.task_id === id(1))).toMatchObject({
      status_comment_id: null,
      status_dirty: true,
    })
  })
})

/** The status comment of a task with every field a rebuild reads set, as the app renders it now. */
function renderedStatus() {
  const engine = new Engine(openStore(':memory:'), { clock: new FakeClock(NOW) })
  const t = engine.add({ id: id(1), title: 'One', milestone: 'v1.2', requires_approval: true })
  engine.claim(t.id, 'ada')
  engine.progress(t.id, 'ada', 40, 'half | there')
  return renderStatusComment({
    task: {
      ...engine.show(t.id),
      blocked_reason: 'legal | review',
      completion_summary: 'two\nlines',
      attempts: 2,
      approved_by: 'maint',
      approved_at: '2026-05-01T11:59:30.000Z',
      participants: [
        { agent: 'ada', role: 'author', joined_at: NOW },
        { agent: 'bob', role: null, joined_at: NOW },
      ],
    },
    dependencies: [],
    context: [],
    criteria: [],
    progress: { percent: 40, message: 'half | there' },
    history: [
      ...engine.events({ task: t.id }),
      {
        id: 99,
        at: '2026-05-01T12:05:00.000Z',
        type: 'released',
        task_id: t.id,
        actor: 'maint',
        details: { token: 1, reason: 'closed as completed' },
      },
    ],
  })
}

describe('the status comment, read back', () => {
  it('reads what the app renders, from the prose of a comment before status marker v1: holder, token, reason, attempts, progress, summary, history', () => {
    const body = legacyStatusComment(renderedStatus())
    expect(readStatusComment(body)).toEqual({
      task: id(1),
      holder: 'ada',
      token: 1,
      attempts: 2,
      maxAttempts: 3,
      blockedReason: 'legal | review',
      // Echoed text is folded onto one line (it cannot add lines to the comment).
      completionSummary: 'two lines',
      progress: { percent: 40, message: 'half | there' },
      milestone: 'v1.2',
      approval: { by: 'maint', at: '2026-05-01T11:59:00.000Z' },
      participants: [
        { agent: 'ada', role: 'author' },
        { agent: 'bob', role: null },
      ],
      pausedAt: null,
      openQuestions: [],
      history: [
        { at: '2026-05-01T12:00:00.000Z', type: 'task_created', actor: null, details: {} },
        { at: '2026-05-01T12:00:00.000Z', type: 'claimed', actor: 'ada', details: { token: 1 } },
        { at: '2026-05-01T12:00:00.000Z', type: 'progress', actor: 'ada', details: {} },
        {
          at: '2026-05-01T12:05:00.000Z',
          type: 'released',
          actor: 'maint',
          details: { token: 1, reason: 'closed as completed' },
        },
      ],
    })
    expect(readStatusComment('<!-- task-orchestrator: {"command":"claim"} -->')).toBeNull()
    expect(readStatusComment('Just a comment.')).toBeNull()
  })

  it('reads the same from the status marker, exactly: times to the millisecond, texts as written', () => {
    expect(readStatusComment(renderedStatus())).toEqual({
      task: id(1),
      holder: 'ada',
      token: 1,
      attempts: 2,
      maxAttempts: 3,
      blockedReason: 'legal | review',
      completionSummary: 'two\nlines',
      progress: { percent: 40, message: 'half | there' },
      milestone: 'v1.2',
      approval: { by: 'maint', at: '2026-05-01T11:59:30.000Z' },
      participants: [
        { agent: 'ada', role: 'author' },
        { agent: 'bob', role: null },
      ],
      pausedAt: null,
      openQuestions: [],
      history: [
        { at: '2026-05-01T12:00:00.000Z', type: 'task_created', actor: null, details: {} },
        { at: '2026-05-01T12:00:00.000Z', type: 'claimed', actor: 'ada', details: { token: 1 } },
        { at: '2026-05-01T12:00:00.000Z', type: 'progress', actor: 'ada', details: {} },
        {
          at: '2026-05-01T12:05:00.000Z',
          type: 'released',
          actor: 'maint',
          details: { token: 1, reason: 'closed as completed' },
        },
      ],
    })
  })

  it('a status marker of a later version is reported and the task rebuilt without it (never read from the prose)', () => {
    const { fake } = repository()
    fake.open(1, 'One', '', ['task', 'status: in_progress'])
    fake.issue(1).assignees = ['ada']
    const later = statusComment(1, {
      status: 'in_progress',
      lease: lease('ada', 3),
      attempts: 2,
    }).replace('"v":1', '"v":2')
    const posted = fake.addComment(1, later, { login: APP_LOGIN, type: 'Bot' })
    const { engine, skipped } = rebuild(repositoryState(fake))
    expect(skipped).toContainEqual({
      item: id(1),
      field: 'status comment',
      value: posted.id,
      reason:
        'status marker version 2 is not one this version reads (1); update the app; read without it',
    })
    // The prose says attempts 2 and token 3; an unreadable marker's comment is not read at all.
    expect(engine.get(id(1))).toMatchObject({ attempts: 0, lease: { holder: 'ada', token: 1 } })
  })

  it.each([
    ['the prose of a comment before status marker v1', legacyStatusComment, 'Which schema?'],
    ['the status marker', (body: string) => body, 'Which   schema?'],
  ])(
    'brings back a task waiting for an answer from %s: its paused lease, open question, participants, approval and milestone',
    (_from, written, question) => {
      const { fake } = repository()
      fake.open(1, 'One', '', ['task', 'status: waiting', 'requires approval'])
      fake.issue(1).assignees = ['ada']
      const engine = new Engine(openStore(':memory:'), { clock: new FakeClock(NOW) })
      engine.add({ id: id(1), title: 'One', milestone: 'v2', requires_approval: true })
      engine.claim(id(1), 'ada')
      engine.join(id(1), 'bob', 'reviewer')
      engine.ask(id(1), 'ada', 'maint', 'Which   schema?')
      fake.addComment(
        1,
        written(
          renderStatusComment({
            task: engine.show(id(1)),
            dependencies: [],
            context: [],
            criteria: [],
            history: engine.events({ task: id(1) }),
          }),
        ),
        { login: APP_LOGIN, type: 'Bot' },
      )
      const { engine: rebuilt, skipped } = rebuild(repositoryState(fake))
      expect(skipped).toEqual([])
      const back = rebuilt.show(id(1))
      expect(back).toMatchObject({
        status: 'waiting',
        milestone: 'v2',
        requires_approval: true,
        approved_by: null,
        lease: { holder: 'ada', token: 1, paused: { at: NOW, remaining_ms: 30 * 60_000 } },
        participants: [expect.objectContaining({ agent: 'bob', role: 'reviewer' })],
        open_questions: [expect.objectContaining({ asked_by: 'ada', asked_of: 'maint', question })],
      })
      // Answering resumes the lease with the restarted TTL.
      rebuilt.answer(id(1), 'maint', 'The new one.')
      expect(rebuilt.get(id(1))).toMatchObject({ status: 'in_progress', lease: { holder: 'ada' } })
    },
  )
})

describe('command comments and the config', () => {
  it('records the commands a reply answered or that sit on non-task issues; leaves the rest for the catch-up scan', () => {
    const { fake } = repository()
    fake.open(1, 'One', '', ['task'])
    fake.open(2, 'Plain issue', '', [])
    fake.openPullRequest(3, 'A pull request', [])
    const answered = fake.addComment(1, '/claim', { login: 'ada', type: 'User' })
    fake.addComment(
      1,
      `@ada\n\n${marker({ command: 'claim', ok: true, task: id(1), token: 1, reason: null, comment: answered.id })}\n✅ held`,
      { login: APP_LOGIN, type: 'Bot' },
    )
    const lost = fake.addComment(1, 'Going on.\n/progress 50 halfway\n/frobnicate', {
      login: 'ada',
      type: 'User',
    })
    const onPlain = fake.addComment(2, '/claim', { login: 'bob', type: 'User' })
    fake.addComment(3, '/claim', { login: 'bob', type: 'User' })
    fake.addComment(1, 'No commands here.', { login: 'carl', type: 'User' })
    const plan = planRebuild(repositoryState(fake), { now: NOW })
    expect(plan.handled).toEqual([
      { comment: answered.id, issue: 1, commands: 1 },
      { comment: onPlain.id, issue: 2, commands: 1 },
    ])
    expect(plan.unanswered).toEqual([
      { comment: lost.id, issue: 1, author: 'ada', created_at: lost.created_at },
    ])
  })

  it('a broken config: the defaults are used and the error is reported, as the app does', () => {
    const { fake } = repository()
    fake.open(1, 'One', '', ['task'])
    const state = { ...repositoryState(fake), config: 'lease:\n  ttl: soon\n' }
    const plan = planRebuild(state, { now: NOW })
    expect(plan.configError).toContain('lease.ttl')
    expect(plan.restore.leaseTtlMs).toBe(30 * 60_000)
    expect(plan.restore.tasks.map((t) => t.id)).toEqual([id(1)])
  })
})
