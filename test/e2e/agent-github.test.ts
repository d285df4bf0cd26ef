/**
 * The agent client's GitHub transport end to end (issue 10): the client
 * against the real app through the one fake GitHub, in process — the
 * client's comments are delivered to the app as webhooks, the app's replies
 * are read back by the client's conditional polling, and every request of
 * both is checked against GitHub's REST description.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { keepAlive } from '../../src/client/index.js'
import { readMarkers } from '../../src/github/replies.js'
import { loadGitHubDescription } from '../support/github/openapi.js'
import { type AgentWorld, agentWorld, REPO } from './agent-world.js'

let world: AgentWorld | undefined
beforeAll(() => {
  loadGitHubDescription()
})
afterEach(async () => {
  if (!world) return
  const { fake } = world
  await fake.settled()
  world.close()
  world = undefined
  expect(fake.problems).toEqual([])
  expect(fake.deliveryErrors).toEqual([])
})

/** Command comments `login` posted (their first line), oldest first. */
function commandsBy(w: AgentWorld, login: string): string[] {
  return w.fake
    .repository(REPO)
    .comments.filter((c) => c.user === login)
    .map((c) => c.body.split('\n')[0] ?? '')
}

describe('the GitHub transport against the real app', () => {
  it('next → heartbeat ×3 → done: one comment per step, the task completed and its issue closed', async () => {
    world = await agentWorld({ tasks: 2 })
    expect(world.dashboard).not.toBeNull()
    const client = await world.client('agent-1')
    const { task, grant } = await client.next()
    expect(grant).toMatchObject({ lease: { holder: 'agent-1', token: 1 } })
    expect(task?.id).toBe(grant?.task)
    const id = grant!.task
    for (let i = 0; i < 3; i++) {
      const { lease } = await client.heartbeat(id, grant!.lease.token)
      expect(lease).toMatchObject({ holder: 'agent-1', token: 1 })
    }
    await expect(client.done(id, 1, { summary: 'parser written' })).resolves.toMatchObject({
      task: id,
    })
    await world.fake.settled()
    expect(world.engine.get(id)).toMatchObject({
      status: 'completed',
      completion_summary: 'parser written',
    })
    const number = Number(id.split('#')[1])
    expect(world.fake.repository(REPO).issues.get(number)).toMatchObject({
      state: 'closed',
      state_reason: 'completed',
    })
    expect(commandsBy(world, 'agent-1')).toEqual([
      '/next',
      '/heartbeat',
      '/heartbeat',
      '/heartbeat',
      '/done parser written',
    ])
    const agentWrites = world.fake.requests((r) => r.login === 'agent-1' && r.contentCreating)
    expect(agentWrites).toHaveLength(5)
    expect(world.engine.events({ task: id, type: 'heartbeat' })).toHaveLength(3)
  })

  it('a lost lease is noticed by keep-alive: the app sweeps the expired lease, the next heartbeat is refused, the signal aborts', async () => {
    world = await agentWorld({ tasks: 1 })
    const client = await world.client('agent-1')
    const { grant } = await client.next()
    const id = grant!.task
    const alive = keepAlive(client, {
      task: id,
      token: grant!.lease.token,
      ttlMs: 4_000,
      fraction: 0.05,
    })
    const beats: number[] = []
    alive.on('heartbeat', (lease) => beats.push(lease.token))
    const lost = new Promise<Error>((resolve) => alive.on('lost', resolve))
    // Let one heartbeat through, then the lease expires on the app's clock and the sweep runs.
    await new Promise<void>((resolve) => alive.once('heartbeat', () => resolve()))
    world.clock.advance(31 * 60_000)
    const swept = await world.app.sweep()
    expect(swept).toBe(1)
    const err = (await lost) as Error & { code?: string }
    expect(['NoLease', 'StaleToken', 'NotHolder']).toContain(err.code)
    expect(alive.signal.aborted).toBe(true)
    expect(alive.signal.reason).toBe(err)
    await alive.stop()
    expect(beats.every((t) => t === 1)).toBe(true)
    expect(world.engine.get(id)).toMatchObject({ status: 'pending', lease: null })
    // The expiry notice is on the issue, with its marker.
    const notices = world.fake
      .repository(REPO)
      .comments.filter((c) => c.user === world!.fake.appLogin)
      .flatMap((c) => readMarkers(c.body))
      .filter((o) => o.command === 'expire')
    expect(notices).toEqual([expect.objectContaining({ holder: 'agent-1', token: 1 })])
  })

  it('two clients racing next get different tasks', async () => {
    world = await agentWorld({ tasks: 2 })
    const [a, b] = await Promise.all([world.client('agent-a'), world.client('agent-b')])
    const [ra, rb] = await Promise.all([a.next(), b.next()])
    expect(ra.grant?.lease.holder).toBe('agent-a')
    expect(rb.grant?.lease.holder).toBe('agent-b')
    expect(ra.grant?.task).not.toBe(rb.grant?.task)
    for (const [r, holder] of [
      [ra, 'agent-a'],
      [rb, 'agent-b'],
    ] as const) {
      expect(world.engine.get(r.grant!.task)).toMatchObject({
        status: 'in_progress',
        lease: { holder, token: 1 },
      })
    }
    // A third agent finds nothing claimable.
    const c = await world.client('agent-c')
    await expect(c.next()).resolves.toEqual({ task: null, grant: null })
  })

  it('a call whose answer was dropped after GitHub applied it acts once: the retry finds its comment', async () => {
    world = await agentWorld({ tasks: 2 })
    let drops = 1
    world.fake.dropResponse = (r) =>
      r.login === 'agent-1' && r.method === 'POST' && r.path.endsWith('/comments') && drops-- > 0
    const client = await world.client('agent-1')
    const { grant } = await client.next()
    expect(grant).toMatchObject({ lease: { holder: 'agent-1', token: 1 } })
    expect(world.fake.log.filter((r) => r.dropped)).toHaveLength(1)
    await world.fake.settled()
    // One /next on GitHub, one task claimed, one grant.
    expect(commandsBy(world, 'agent-1')).toEqual(['/next'])
    const claimed = world.tasks.filter(
      (n) => world!.engine.get(`${REPO}#${n}`).status === 'in_progress',
    )
    expect(claimed).toHaveLength(1)
    expect(world.engine.events({ type: 'claimed' })).toHaveLength(1)
  })
})
