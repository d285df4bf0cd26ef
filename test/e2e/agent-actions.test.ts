/**
 * The agent client's GitHub transport against the Actions-hosted app
 * (issue 10): the client (`mode: 'actions'`, replies read from
 * `github-actions[bot]`) against the one fake GitHub, where its command
 * comments reach no app — each triggers a workflow run of the orchestrator
 * (download the state artifact → handle the event → catch up → upload) that
 * starts some fake time later (`./actions-world.ts`). The clients sleep on
 * the fake clock, so minutes of backoff take the seconds the runs take, and
 * their polls are counted from the fake's request log: every poll that
 * found the page unchanged was a `304`.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { isClientError, type NextResult } from '../../src/client/index.js'
import { marker, readMarkers } from '../../src/github/markers.js'
import type { LoggedRequest } from '../support/fake-github/index.js'
import { loadGitHubDescription } from '../support/github/openapi.js'
import { type ActionsWorld, actionsWorld } from './actions-world.js'

const COMMENTS = '/repos/{owner}/{repo}/issues/{issue_number}/comments'
const MINUTE = 60_000

let world: ActionsWorld | undefined
beforeAll(() => {
  loadGitHubDescription()
})
afterEach(async () => {
  vi.useRealTimers()
  const w = world
  world = undefined
  if (!w) return
  expect(w.fake.problems).toEqual([])
  await w.close()
})

/**
 * The client's waits for a reply that can first be seen `ms` after its
 * command was posted: 1 s, doubling, at most 60 s apart (the defaults of
 * `mode: 'actions'`), until the first poll at or after `ms`.
 */
function backoff(ms: number): number[] {
  const waits: number[] = []
  for (let at = 0, wait = 1000; at < ms; wait = Math.min(wait * 2, MINUTE)) {
    waits.push(wait)
    at += wait
  }
  return waits
}

/** `login`'s polls for replies (GETs of an issue's comments `since` a time) in the log from index `from`. */
function polls(w: ActionsWorld, login: string, from = 0): LoggedRequest[] {
  return w.fake.github.log
    .slice(from)
    .filter(
      (r) =>
        r.login === login &&
        r.method === 'GET' &&
        r.template === COMMENTS &&
        r.path.includes('since='),
    )
}

/** The comments `login` posted, oldest first. */
function commentsBy(w: ActionsWorld, login: string) {
  return w.fake.comments.filter((c) => c.user === login)
}

/** Replies whose marker names comment `id`, by anyone. */
function repliesTo(w: ActionsWorld, id: number) {
  return w.fake.comments.filter((c) => readMarkers(c.body).some((o) => o.comment === id))
}

/** Time of a comment (GitHub's whole seconds), ms since the epoch. */
const timeOf = (c: { created_at: string }) => Date.parse(c.created_at)

describe('the GitHub transport against the Actions-hosted app', () => {
  it('next → heartbeat → done across three workflow runs, the state carried by the artifact; the waits back off to 60 s and poll with 304s', async () => {
    world = await actionsWorld({ tasks: 2 })
    const before = world.runs.length
    const client = await world.client('agent-1')

    // Each run starts 45 s after its comment: polls after 1, 3, 7, 15 and 31 s find nothing.
    let mark = world.fake.github.log.length
    const { grant } = await client.next()
    expect(grant).toMatchObject({ lease: { holder: 'agent-1', token: 1 } })
    const id = grant!.task
    expect(world.sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 32000])
    expect(polls(world, 'agent-1', mark).map((r) => r.status)).toEqual([
      200, 304, 304, 304, 304, 200,
    ])

    // Runners are busy: the heartbeat's run starts 2.5 minutes later; the waits reach the 60 s cap.
    world.startDelayMs = 150_000
    world.sleeps.length = 0
    mark = world.fake.github.log.length
    const { lease } = await client.heartbeat(id, 1)
    expect(lease).toMatchObject({ holder: 'agent-1', token: 1 })
    expect(world.sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000])
    expect(world.sleeps).toEqual(backoff(150_000))
    const heartbeatPolls = polls(world, 'agent-1', mark)
    expect(heartbeatPolls.map((r) => r.status)).toEqual([200, 304, 304, 304, 304, 304, 304, 200])
    // Unchanged pages cost no rate limit: 2 of the 8 polls count.
    expect(heartbeatPolls.filter((r) => !r.notModified)).toHaveLength(2)

    world.startDelayMs = 45_000
    world.sleeps.length = 0
    await expect(client.done(id, 1, { summary: 'parser written' })).resolves.toEqual({ task: id })
    expect(world.sleeps).toEqual(backoff(45_000))

    // One comment per step, each answered once by github-actions[bot], in a run of its own.
    const posted = commentsBy(world, 'agent-1')
    expect(posted.map((c) => c.body.split('\n')[0])).toEqual([
      '/next',
      '/heartbeat',
      '/done parser written',
    ])
    const runs = world.runs.slice(before)
    expect(runs.map((r) => [r.name, r.comment])).toEqual(posted.map((c) => ['issue_comment', c.id]))
    for (const [i, c] of posted.entries()) {
      const replies = repliesTo(world, c.id)
      expect(replies.map((r) => r.user)).toEqual(['github-actions[bot]'])
      expect(timeOf(replies[0]!) - timeOf(c)).toBe(i === 1 ? 150_000 : 45_000)
    }
    // Each run started from the state the run before it uploaded.
    for (const [i, run] of runs.entries()) {
      const report = run.report!
      expect(report.errors).toEqual([])
      expect(report.delivered).toEqual([expect.objectContaining({ error: null })])
      const previous = i === 0 ? world.runs[before - 1]!.report! : runs[i - 1]!.report!
      expect(report.source.artifact?.id).toBe(previous.uploaded!.id)
      expect(report.generation).toBeGreaterThan(previous.generation)
    }
    world.state((engine) => {
      expect(engine.get(id)).toMatchObject({
        status: 'completed',
        completion_summary: 'parser written',
      })
      expect(engine.events({ task: id, type: 'heartbeat' })).toHaveLength(1)
      expect(engine.events({ type: 'claimed' })).toHaveLength(1)
    })
    expect(world.fake.issues.get(Number(id.split('#')[1]))).toMatchObject({ state: 'closed' })
    // What the agent spent: one content-creating request per step.
    const agent = world.fake.github.log.filter((r) => r.login === 'agent-1')
    expect(agent.filter((r) => r.contentCreating)).toHaveLength(3)
  }, 60_000)

  it("a cancelled run: the next run's catch-up answers the command; a lost run: its reply counts, the next run re-applies it quietly — one reply, one effect each", async () => {
    world = await actionsWorld({ tasks: 2, cronMs: 10 * MINUTE })
    const client = await world.client('agent-1')
    const { grant } = await client.next()
    const id = grant!.task
    const bodyOf = (run: { payload: Record<string, unknown> }) =>
      String((run.payload.comment as { body?: string } | undefined)?.body ?? '')

    // The first heartbeat's run is cancelled; the scheduled run at 09:10 catches it up.
    let cancelled = 0
    world.cancel = (run) => bodyOf(run).startsWith('/heartbeat') && cancelled++ === 0
    world.sleeps.length = 0
    const mark = world.fake.github.log.length
    await expect(client.heartbeat(id, 1)).resolves.toMatchObject({ lease: { token: 1 } })
    const [first] = commentsBy(world, 'agent-1').slice(-1)
    const scheduled = Date.parse('2026-03-01T09:10:00Z')
    expect(world.sleeps).toEqual(backoff(scheduled - timeOf(first!)))
    const waited = polls(world, 'agent-1', mark)
    // Posted at 09:01:48, answered at 09:10:00: 14 polls, the 12 between the first and last 304s.
    expect(waited).toHaveLength(14)
    expect(waited.map((r) => r.status)).toEqual([200, ...waited.slice(2).map(() => 304), 200])
    const [cancelledRun, caughtBy] = world.runs.slice(-2)
    expect(cancelledRun).toMatchObject({ comment: first!.id, report: null })
    expect(caughtBy).toMatchObject({ name: 'schedule', at: scheduled })
    expect(caughtBy!.report!.catchUp!.caught).toEqual([
      expect.objectContaining({ comment: first!.id, quiet: false }),
    ])
    expect(repliesTo(world, first!.id).map((c) => c.user)).toEqual(['github-actions[bot]'])

    // The second heartbeat's run answers, but its state is lost: the client has its reply at once…
    world.lose = (run) => bodyOf(run).startsWith('/heartbeat')
    world.sleeps.length = 0
    await expect(client.heartbeat(id, 1)).resolves.toMatchObject({ lease: { token: 1 } })
    expect(world.sleeps).toEqual(backoff(45_000))
    world.lose = null
    const [second] = commentsBy(world, 'agent-1').slice(-1)
    // … and the next run (the scheduled one at 09:20) finds it answered: re-applied without a reply.
    await world.pass(10 * MINUTE)
    const next = world.runs.at(-1)!
    expect(next).toMatchObject({ name: 'schedule', at: Date.parse('2026-03-01T09:20:00Z') })
    expect(next.report!.catchUp!.caught).toEqual([
      expect.objectContaining({ comment: second!.id, quiet: true }),
    ])
    expect(repliesTo(world, second!.id).map((c) => c.user)).toEqual(['github-actions[bot]'])
    // Two heartbeats posted, two applied, each answered once.
    expect(commentsBy(world, 'agent-1').map((c) => c.body.split('\n')[0])).toEqual([
      '/next',
      '/heartbeat',
      '/heartbeat',
    ])
    world.state((engine) => {
      expect(engine.events({ task: id, type: 'heartbeat' })).toHaveLength(2)
      expect(engine.get(id)).toMatchObject({ lease: { holder: 'agent-1', token: 1 } })
    })
  }, 60_000)

  it('a client that times out before its run starts, retried with the same idempotency key after it ran: no second comment, one grant', async () => {
    world = await actionsWorld({ tasks: 2 })
    const client = await world.client('agent-1')
    // No runner for 45 minutes; the client gives up after its 30 (the default of mode 'actions').
    world.startDelayMs = 45 * MINUTE
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    world.afterWait = (ms) => vi.advanceTimersByTime(ms)
    const mark = world.fake.github.log.length
    const err = await client.next().then(
      () => expect.unreachable('next() answered without a run'),
      (e: unknown) => e,
    )
    vi.useRealTimers()
    world.afterWait = null
    expect(isClientError(err) && err.code).toBe('Timeout')
    const details = (err as { details: { comment: number; idempotency_key: string } }).details
    const [posted] = commentsBy(world, 'agent-1')
    expect(details.comment).toBe(posted!.id)
    // 30 minutes of waiting: 34 polls, of which the 33 that found nothing new were 304s.
    expect(world.sleeps).toEqual(backoff(30 * MINUTE))
    const waited = polls(world, 'agent-1', mark)
    expect(waited).toHaveLength(world.sleeps.length - 1)
    expect(waited.filter((r) => r.notModified)).toHaveLength(waited.length - 1)
    expect(world.runs.at(-1)!.comment).not.toBe(posted!.id)

    // The run finally happens; the retry finds the comment by its key and reads the reply.
    await world.drain()
    expect(world.runs.at(-1)).toMatchObject({ comment: posted!.id })
    world.sleeps.length = 0
    const { grant } = await client.next({ idempotencyKey: details.idempotency_key })
    expect(grant).toMatchObject({ lease: { holder: 'agent-1', token: 1 } })
    expect(world.sleeps).toEqual([])
    expect(commentsBy(world, 'agent-1')).toHaveLength(1)
    expect(repliesTo(world, posted!.id)).toHaveLength(1)
    world.state((engine) => {
      expect(engine.events({ type: 'claimed' })).toHaveLength(1)
      expect(engine.get(grant!.task)).toMatchObject({ lease: { holder: 'agent-1', token: 1 } })
    })
  }, 60_000)

  it("another workflow's github-actions[bot] comment with a marker for the client's comment is taken as the reply, and the orchestrator then applies the command quietly (the same trust as the state)", async () => {
    world = await actionsWorld({ tasks: 2 })
    const client = await world.client('agent-1')
    const { grant } = await client.next()
    const id = grant!.task
    const number = Number(id.split('#')[1])
    // A workflow of the repository answers each /heartbeat first, falsely: "StaleToken".
    world.otherWorkflow = async (trigger) => {
      if (!trigger.comment || trigger.name !== 'issue_comment') return
      const forged = marker({
        command: 'heartbeat',
        ok: false,
        task: id,
        token: 1,
        reason: 'forged by another workflow',
        code: 'StaleToken',
        comment: trigger.comment,
      })
      await world!.fake.github.send(
        world!.fake.appLogin,
        'POST',
        `/repos/${world!.repo}/issues/${number}/comments`,
        { body: `Not the orchestrator.\n\n${forged}` },
      )
    }
    const err = await client.heartbeat(id, 1).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'StaleToken' })
    const [heartbeat] = commentsBy(world, 'agent-1').slice(-1)
    // The forged reply came 10 s after the comment; the orchestrator's run comes at 45 s …
    await world.pass(MINUTE)
    const run = world.runs.at(-1)!
    expect(run).toMatchObject({ comment: heartbeat!.id })
    expect(run.report!.errors).toEqual([])
    // … and, finding the comment answered on GitHub, applies it without a reply of its own.
    expect(repliesTo(world, heartbeat!.id).map((c) => c.body.split('\n')[0])).toEqual([
      'Not the orchestrator.',
    ])
    world.state((engine) => {
      expect(engine.events({ task: id, type: 'heartbeat' })).toHaveLength(1)
      expect(engine.get(id)).toMatchObject({
        status: 'in_progress',
        lease: { holder: 'agent-1', token: 1 },
      })
    })
  }, 60_000)

  it("a command posted while a run works (after its listing, before its upload) whose own run is cancelled is answered by the next run's catch-up", async () => {
    world = await actionsWorld({ tasks: 2, cronMs: 10 * MINUTE })
    const w = world
    const [a, b] = await Promise.all([w.client('agent-a'), w.client('agent-b')])
    // agent-b's /next lands while agent-a's run is about to upload; agent-b's own run is cancelled.
    let second: Promise<NextResult> | undefined
    w.duringRun = async () => {
      if (second) return
      second = b.next()
      while (commentsBy(w, 'agent-b').length === 0) await new Promise((r) => setImmediate(r))
    }
    w.cancel = (run) => run.comment !== null && run.comment === commentsBy(w, 'agent-b')[0]?.id
    const first = await a.next()
    expect(second).toBeDefined()
    const other = await second!
    expect(first.grant).toMatchObject({ lease: { holder: 'agent-a', token: 1 } })
    expect(other.grant).toMatchObject({ lease: { holder: 'agent-b', token: 1 } })
    expect(other.grant!.task).not.toBe(first.grant!.task)
    const [posted] = commentsBy(w, 'agent-b')
    const caughtBy = w.runs.at(-1)!
    expect(caughtBy).toMatchObject({ name: 'schedule', at: Date.parse('2026-03-01T09:10:00Z') })
    expect(caughtBy.report!.catchUp!.caught).toEqual([
      expect.objectContaining({ comment: posted!.id, quiet: false }),
    ])
    expect(w.runs.filter((r) => r.comment === posted!.id)).toEqual([
      expect.objectContaining({ report: null }),
    ])
    expect(repliesTo(w, posted!.id).map((c) => c.user)).toEqual(['github-actions[bot]'])
    w.state((engine) => {
      expect(engine.events({ type: 'claimed' })).toHaveLength(2)
    })
  }, 60_000)
})
