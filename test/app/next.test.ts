/**
 * `/next [persona]` on GitHub (issue 10): the best claimable task of the
 * repository for the commenter, claimed in one transaction — the choice of
 * `tm next --claim` — assigned and labelled as for `/claim`, answered with a
 * `next` marker; `NothingClaimable` when nothing is left.
 */
import { describe, expect, it } from 'vitest'
import { noteAnswers } from '../../src/app/answered.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { type Outcome, readMarkers } from '../../src/github/replies.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { receive } from '../support/github/webhooks.js'
import { comment, makeApp, permission, R } from './helpers.js'
import { agentsConfig, BOARD, buildBoard, REPO_KEY, seedBoard } from './next-support.js'

useGitHubHarness()

const DASHBOARD = 100
const ISSUE_PATH = new RegExp(`^${R}/issues/(\\d+)$`)

/** Nock one handled comment: its reaction, one issue update (any task's, recorded), its reply. */
function expectAnswer(
  onIssue: number,
  commentId: number,
  seen: { patches: Map<number, { assignees?: string[]; labels?: string[] }>; replies: string[] },
  grant = true,
) {
  const api = githubApi()
    .post(`${R}/issues/comments/${commentId}/reactions`)
    .reply(201, {})
    .post(`${R}/issues/${onIssue}/comments`, (b) => {
      seen.replies.push(b.body)
      return true
    })
    .reply(201, { id: 1 })
  if (grant) {
    api
      .patch(
        (path) => ISSUE_PATH.test(path),
        (b) => b !== undefined,
      )
      .reply(200, function record(this: { req: { path: string } }, _uri, body) {
        const n = Number(ISSUE_PATH.exec(this.req.path)?.[1])
        seen.patches.set(n, body as { assignees?: string[] })
        return {}
      })
  }
}

/** The one marker of a reply answering comment `commentId`. */
function answerOf(replies: string[], commentId: number): Outcome {
  const found = replies.flatMap((r) => readMarkers(r)).filter((o) => o.comment === commentId)
  expect(found).toHaveLength(1)
  return found[0]!
}

const seen = () => ({
  patches: new Map<number, { assignees?: string[]; labels?: string[] }>(),
  replies: [] as string[],
})

describe('/next chooses as tm next --claim', () => {
  it('gives the same sequence of tasks as a local engine on the same board', async () => {
    const agents = ['rev-bot', 'impl-bot', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8']
    const personas = { 'rev-bot': ['reviewer'], 'impl-bot': ['implementer'] }
    // The local engine, as `tm` runs it.
    const localClock = new FakeClock('2026-03-01T09:00:00.000Z')
    const local = new Engine(openStore(':memory:'), { clock: localClock })
    const localIds = buildBoard(local, localClock, BOARD, () => undefined)
    for (const [id, p] of Object.entries(personas)) local.registerAgent({ id, personas: p })
    const numberOf = new Map([...localIds].map(([n, id]) => [id, n]))
    const expected = agents.map((a) => {
      const { task } = local.next(a, { claim: true })
      return task ? numberOf.get(task.id)! : null
    })
    // The app, on the same board, through /next comments on the dashboard.
    const { probot, rt, clock } = await makeApp()
    seedBoard(rt, clock, BOARD, agentsConfig(agents, personas), DASHBOARD)
    const s = seen()
    const chosen: (number | null)[] = []
    for (const [i, agent] of agents.entries()) {
      const id = 7000 + i
      expectAnswer(DASHBOARD, id, s, expected[i] !== null)
      await receive(probot, 'issue_comment.created', comment(DASHBOARD, '/next', agent, id))
      const outcome = answerOf(s.replies, id)
      chosen.push(outcome.ok ? Number(outcome.task.split('#')[1]) : null)
    }
    expect(chosen).toEqual(expected)
    // Sanity of the board: the rules all showed.
    expect(expected).toEqual([2, 7, 4, 3, 10, 9, 11, 1, 12, null])
    // Each grant's issue is assigned to its holder and labelled in progress, as for /claim.
    for (const [i, n] of chosen.entries()) {
      if (n === null) continue
      expect(s.patches.get(n)?.assignees).toEqual([agents[i]])
      expect(s.patches.get(n)?.labels).toContain('status: in_progress')
    }
  })

  it('/next <persona> looks for that persona first, as an agent registered with it', async () => {
    const { probot, rt, clock } = await makeApp()
    seedBoard(rt, clock, BOARD, agentsConfig(['a1']), DASHBOARD)
    const s = seen()
    expectAnswer(DASHBOARD, 7100, s)
    await receive(probot, 'issue_comment.created', comment(DASHBOARD, '/next Reviewer', 'a1', 7100))
    expect(answerOf(s.replies, 7100)).toMatchObject({ ok: true, task: `${REPO_KEY}#2` })
  })
})

describe('20 concurrent /next on 10 claimable tasks', () => {
  it('grants exactly 10, refuses 10, and never grants a task twice', async () => {
    const { probot, rt, clock } = await makeApp()
    const board = Array.from({ length: 10 }, (_, i) => ({ n: i + 1, title: `task ${i + 1}` }))
    const agents = Array.from({ length: 20 }, (_, i) => `agent-${i + 1}`)
    seedBoard(rt, clock, board, agentsConfig(agents), DASHBOARD)
    const s = seen()
    // Ten issue updates, one per task; the reactions and replies of all twenty.
    for (const [i] of agents.entries()) expectAnswer(DASHBOARD, 8000 + i, s, i < 10)
    await Promise.all(
      agents.map((agent, i) =>
        receive(probot, 'issue_comment.created', comment(DASHBOARD, '/next', agent, 8000 + i)),
      ),
    )
    const outcomes = agents.map((_, i) => answerOf(s.replies, 8000 + i))
    const grants = outcomes.filter((o) => o.ok)
    expect(grants).toHaveLength(10)
    expect(new Set(grants.map((o) => o.task)).size).toBe(10)
    expect(grants.every((o) => o.token === 1)).toBe(true)
    const refusals = outcomes.filter((o) => !o.ok)
    expect(refusals).toHaveLength(10)
    expect(new Set(refusals.map((o) => o.code))).toEqual(new Set(['NothingClaimable']))
    // The engine agrees with every reply, and each issue went to its holder.
    for (const o of grants) {
      expect(rt.engine.get(o.task).lease).toMatchObject({ holder: o.holder, token: 1 })
      expect(s.patches.get(Number(o.task.split('#')[1]))?.assignees).toEqual([o.holder])
    }
    expect(s.patches.size).toBe(10)
  })
})

describe('/next replies', () => {
  it('answers a grant with the next marker: task, token, holder, expiry and the comment', async () => {
    const { probot, rt, clock } = await makeApp()
    seedBoard(rt, clock, [{ n: 12, title: 'the only task' }], agentsConfig(['ada']), DASHBOARD)
    const s = seen()
    expectAnswer(DASHBOARD, 7200, s)
    await receive(probot, 'issue_comment.created', comment(DASHBOARD, '/next', 'ada', 7200))
    expect(readMarkers(s.replies[0]!)).toEqual([
      {
        command: 'next',
        ok: true,
        task: `${REPO_KEY}#12`,
        token: 1,
        reason: null,
        holder: 'ada',
        expires_at: '2026-03-01T09:30:01.000Z',
        comment: 7200,
      },
    ])
    expect(s.replies[0]).toContain('#12')
    expect(s.replies[0]).toMatch(/"v":1\} -->/)
  })

  it('refuses with NothingClaimable, naming the issue it was asked on, when nothing is claimable', async () => {
    const { probot, rt, clock } = await makeApp()
    const board = [{ n: 1, title: 'held' }]
    seedBoard(rt, clock, board, agentsConfig(['ada', 'bob']), DASHBOARD)
    rt.engine.claim(`${REPO_KEY}#1`, 'bob')
    const s = seen()
    expectAnswer(DASHBOARD, 7300, s, false)
    await receive(probot, 'issue_comment.created', comment(DASHBOARD, '/next', 'ada', 7300))
    expect(answerOf(s.replies, 7300)).toMatchObject({
      command: 'next',
      ok: false,
      task: `${REPO_KEY}#${DASHBOARD}`,
      token: null,
      code: 'NothingClaimable',
    })
    expect(s.replies[0]).toContain('nothing is claimable')
  })

  it('refuses a reader (Forbidden, the claim rule) and claims nothing', async () => {
    const { probot, rt, clock } = await makeApp()
    seedBoard(rt, clock, [{ n: 1, title: 'open' }], '', DASHBOARD)
    permission('mallory', 'read')
    const s = seen()
    expectAnswer(DASHBOARD, 7400, s, false)
    await receive(probot, 'issue_comment.created', comment(DASHBOARD, '/next', 'mallory', 7400))
    const outcome = answerOf(s.replies, 7400)
    expect(outcome).toMatchObject({ ok: false, code: 'Forbidden' })
    expect(outcome.reason).toMatch(/\/next needs write .*@mallory has read/)
    expect(rt.engine.get(`${REPO_KEY}#1`).status).toBe('pending')
  })

  it('on a task issue it replies there, granting the best task (not necessarily that one)', async () => {
    const { probot, rt, clock } = await makeApp()
    const board = [
      { n: 1, title: 'low', fields: { priority: 'low' as const } },
      { n: 2, title: 'high', fields: { priority: 'high' as const } },
    ]
    seedBoard(rt, clock, board, '', DASHBOARD)
    permission('ada', 'write')
    const s = seen()
    expectAnswer(1, 7500, s)
    await receive(probot, 'issue_comment.created', comment(1, '/next', 'ada', 7500))
    expect(answerOf(s.replies, 7500)).toMatchObject({ ok: true, task: `${REPO_KEY}#2` })
    expect(s.patches.get(2)?.assignees).toEqual(['ada'])
  })

  it('on the dashboard other commands are NotATask, /next in the same comment still runs', async () => {
    const { probot, rt, clock } = await makeApp()
    seedBoard(rt, clock, [{ n: 1, title: 'open' }], agentsConfig(['ada']), DASHBOARD)
    const s = seen()
    expectAnswer(DASHBOARD, 7600, s)
    await receive(
      probot,
      'issue_comment.created',
      comment(DASHBOARD, '/status\n/next', 'ada', 7600),
    )
    const outcomes = readMarkers(s.replies[0]!)
    expect(outcomes.map((o) => [o.command, o.ok, o.code])).toEqual([
      ['status', false, 'NotATask'],
      ['next', true, undefined],
    ])
  })

  it('sweeps the expired leases of the repository first, offers them, and tells their issues', async () => {
    const { probot, rt, clock } = await makeApp()
    seedBoard(rt, clock, [{ n: 1, title: 'once held' }], agentsConfig(['ada', 'bob']), DASHBOARD)
    rt.engine.claim(`${REPO_KEY}#1`, 'bob')
    clock.advance(31 * 60_000)
    const s = seen()
    expectAnswer(DASHBOARD, 7700, s)
    let notice = ''
    githubApi()
      .post(`${R}/issues/1/comments`, (b) => {
        notice = b.body
        return true
      })
      .reply(201, { id: 2 })
    await receive(probot, 'issue_comment.created', comment(DASHBOARD, '/next', 'ada', 7700))
    expect(answerOf(s.replies, 7700)).toMatchObject({ ok: true, task: `${REPO_KEY}#1`, token: 2 })
    expect(readMarkers(notice)).toMatchObject([{ command: 'expire', holder: 'bob', token: 1 }])
    expect(rt.engine.get(`${REPO_KEY}#1`).attempts).toBe(1)
  })

  it('a /next answered elsewhere re-applies the grant its reply named, never a second choice', async () => {
    const { probot, rt, clock } = await makeApp()
    const board = [
      { n: 1, title: 'high', fields: { priority: 'high' as const } },
      { n: 2, title: 'low', fields: { priority: 'low' as const } },
    ]
    seedBoard(rt, clock, board, agentsConfig(['ada', 'bob']), DASHBOARD)
    // The app answered 7800 in a run whose state is lost: it granted #2 (#1 was held then).
    const reply = (commentId: number, task: number) =>
      `@ada\n\n<!-- task-orchestrator: {"command":"next","ok":true,"task":"${REPO_KEY}#${task}","token":1,"reason":null,"holder":"ada","expires_at":"2026-03-01T09:30:00.000Z","comment":${commentId},"v":1} -->\n✅`
    noteAnswers(rt, [
      { body: reply(7800, 2), user: { login: 'github-actions[bot]' } },
      // Unknown outcome of 7801: answered, but the reply shows no /next.
      {
        body: `<!-- task-orchestrator: {"command":"status","ok":true,"task":"${REPO_KEY}#1","token":null,"reason":null,"comment":7801,"v":1} -->`,
        user: { login: 'github-actions[bot]' },
      },
    ])
    // Quiet: no reaction, no reply; #2's issue is mirrored.
    const s = seen()
    githubApi()
      .patch(`${R}/issues/2`, (b) => {
        s.patches.set(2, b)
        return true
      })
      .reply(200, {})
    await receive(probot, 'issue_comment.created', comment(DASHBOARD, '/next', 'ada', 7800))
    expect(rt.engine.get(`${REPO_KEY}#2`).lease?.holder).toBe('ada')
    expect(rt.engine.get(`${REPO_KEY}#1`).status).toBe('pending')
    expect(s.patches.get(2)?.assignees).toEqual(['ada'])
    // A /next answered with no known grant claims nothing.
    await receive(probot, 'issue_comment.created', comment(DASHBOARD, '/next', 'bob', 7801))
    expect(rt.engine.get(`${REPO_KEY}#1`).status).toBe('pending')
  })
})
