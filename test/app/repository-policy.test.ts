/**
 * One server, several repositories, one engine: each repository's lease
 * policy (`lease.ttl`, `lease.max_ttl`, `lease.lock_delay`) applies to its own
 * tasks only, whichever repository the app heard from last — in commands and
 * in the background sweep, which covers every repository at once.
 */
import { describe, expect, it } from 'vitest'
import type { AppRuntime } from '../../src/app/runtime.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { DEFAULT_SETTINGS, type EngineSettings } from '../../src/core/tasks.js'
import { type Outcome, readMarkers } from '../../src/github/replies.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { INSTALLATION, receive, webhookExample } from '../support/github/webhooks.js'
import { KNOWN_LABELS, makeApp } from './helpers.js'

useGitHubHarness()

/** Two repositories on one installation, with different lease policies. */
const A = { owner: 'Codertocat', repo: 'Hello-World' }
const B = { owner: 'octo-org', repo: 'octo-repo' }
type Repo = typeof A
const CONFIG = new Map<Repo, string>([
  [A, 'lease:\n  ttl: 10m\n  max_ttl: 1h\n  lock_delay: 5m\n'],
  [B, 'lease:\n  ttl: 45m\n  max_ttl: 2h\n  lock_delay: 20m\n'],
])
const key = (r: Repo) => `${r.owner}/${r.repo}`
const path = (r: Repo) => `/repos/${r.owner}/${r.repo}`

/** A task issue of `r` as the app tracks it, its config not read yet. */
function seed(rt: AppRuntime, r: Repo, number: number): string {
  const id = `${key(r)}#${number}`
  rt.engine.add({ id, title: `Task ${number}` }, 'seed')
  rt.state.saveRepo(key(r), rt.now(), { config: null, labels: KNOWN_LABELS })
  const record = {
    task_id: id,
    repo: key(r),
    number,
    issue_id: 2000 + number,
    installation_id: INSTALLATION.id,
    is_task: true,
    state: 'open' as const,
    state_reason: null,
    labels: ['task', 'status: pending', 'priority: medium'],
    assignees: [],
    body: '',
    accepted_body: '',
    status_comment_id: 9000 + number,
    status_comment: 'old',
    status_dirty: false,
    native_blocked_by: [],
    github_updated_at: null,
    updated_at: rt.now(),
  }
  rt.state.saveIssue(record)
  return id
}

let nextComment = 7000

/**
 * `login` (with write permission) comments `body` on issue `number` of `r`;
 * returns the outcome in the app's reply marker. The repository's config is
 * served on its first command; the issue is updated (labels, assignee) when
 * `mirrored`.
 */
async function command(
  app: Awaited<ReturnType<typeof makeApp>>,
  r: Repo,
  number: number,
  body: string,
  login: string,
  mirrored = false,
): Promise<Outcome> {
  const commentId = nextComment++
  const api = githubApi()
  if (app.rt.state.repo(key(r)).config === null) {
    api
      .get(`${path(r)}/contents/.github%2Ftask-orchestrator.yml`)
      .reply(200, configFile(CONFIG.get(r)!))
  }
  let reply = ''
  api
    .get(`${path(r)}/collaborators/${login}/permission`)
    .optionally()
    .reply(200, { permission: 'write', role_name: 'write', user: { login } })
    .post(`${path(r)}/issues/comments/${commentId}/reactions`)
    .reply(201, {})
  if (mirrored) api.patch(`${path(r)}/issues/${number}`).reply(200, {})
  api
    .post(`${path(r)}/issues/${number}/comments`, (b) => {
      reply = b.body
      return true
    })
    .reply(201, { id: 1 })
  const payload = webhookExample(
    'issue_comment.created',
    {
      repository: { name: r.repo, full_name: key(r), owner: { login: r.owner } },
      issue: { number, id: 2000 + number, pull_request: undefined },
      comment: { id: commentId, body, user: { login } },
      sender: { login, type: 'User' },
      installation: INSTALLATION,
    },
    { variant: 2 },
  )
  await receive(app.probot, 'issue_comment.created', payload)
  const [outcome] = readMarkers(reply)
  return outcome!
}

/** The background sweep, with the issue updates and notes of the tasks it expires. */
async function sweep(app: Awaited<ReturnType<typeof makeApp>>, expiring: [Repo, number][]) {
  for (const [r, n] of expiring) {
    githubApi()
      .patch(`${path(r)}/issues/${n}`)
      .reply(200, {})
      .post(`${path(r)}/issues/${n}/comments`, (b) => b.body.includes('expired'))
      .reply(201, { id: 1 })
  }
  expect(await app.app.sweep()).toBe(expiring.length)
}

function configFile(text: string) {
  return {
    type: 'file',
    encoding: 'base64',
    size: text.length,
    name: 'task-orchestrator.yml',
    path: '.github/task-orchestrator.yml',
    content: Buffer.from(text).toString('base64'),
    sha: 'abc',
    url: '',
    git_url: null,
    html_url: null,
    download_url: null,
    _links: { self: '', git: null, html: null },
  }
}

describe('two repositories with different lease policies on one server', () => {
  it('each keeps its own TTL, maximum TTL and lock-delay through interleaved claims, heartbeats and sweeps', async () => {
    const app = await makeApp()
    const { rt, clock } = app
    const a1 = seed(rt, A, 1)
    const b1 = seed(rt, B, 1)
    seed(rt, A, 2)
    seed(rt, B, 2)

    // 09:00 — each claim gets its repository's TTL.
    expect(await command(app, A, 1, '/claim', 'ada', true)).toMatchObject({
      ok: true,
      expires_at: '2026-03-01T09:10:00.000Z',
    })
    expect(await command(app, B, 1, '/claim', 'bob', true)).toMatchObject({
      ok: true,
      expires_at: '2026-03-01T09:45:00.000Z',
    })
    // … and its repository's maximum TTL: 90m is over A's 1h, within B's 2h.
    expect(await command(app, A, 2, '/claim 90m', 'carol')).toMatchObject({
      ok: false,
      code: 'InvalidInput',
    })
    expect(await command(app, B, 2, '/claim 90m', 'dave', true)).toMatchObject({
      ok: true,
      expires_at: '2026-03-01T10:30:00.000Z',
    })

    // 09:11 — B was heard from last; A's expired lease gets A's lock-delay (5m).
    clock.set('2026-03-01T09:11:00.000Z')
    await sweep(app, [[A, 1]])
    expect(rt.engine.get(a1)).toMatchObject({
      status: 'pending',
      claimable_after: '2026-03-01T09:16:00.000Z',
    })

    // 09:12 — the lock-delay holds; B's heartbeat gets B's TTL.
    clock.set('2026-03-01T09:12:00.000Z')
    expect(await command(app, A, 1, '/claim', 'erin')).toMatchObject({
      ok: false,
      code: 'LockDelay',
    })
    expect(await command(app, B, 1, '/heartbeat', 'bob')).toMatchObject({
      ok: true,
      expires_at: '2026-03-01T09:57:00.000Z',
    })

    // 09:17 — A's task is claimable again, for A's TTL.
    clock.set('2026-03-01T09:17:00.000Z')
    expect(await command(app, A, 1, '/claim', 'erin', true)).toMatchObject({
      ok: true,
      expires_at: '2026-03-01T09:27:00.000Z',
    })

    // 09:58 — one sweep expires a lease of each: each gets its own lock-delay.
    clock.set('2026-03-01T09:58:00.000Z')
    await sweep(app, [
      [A, 1],
      [B, 1],
    ])
    expect(rt.engine.get(a1).claimable_after).toBe('2026-03-01T10:03:00.000Z')
    expect(rt.engine.get(b1).claimable_after).toBe('2026-03-01T10:18:00.000Z')
    // The engine's own policy (the default for `tm`) was never changed.
    expect(rt.engine.settings).toEqual(DEFAULT_SETTINGS)
  })
})

describe('the engine takes the policy with each command', () => {
  const policyA: EngineSettings = {
    ...DEFAULT_SETTINGS,
    leaseTtlMs: 10 * 60_000,
    maxLeaseTtlMs: 3_600_000,
    lockDelayMs: 5 * 60_000,
  }
  const policyB: EngineSettings = {
    ...DEFAULT_SETTINGS,
    leaseTtlMs: 45 * 60_000,
    maxLeaseTtlMs: 2 * 3_600_000,
    lockDelayMs: 20 * 60_000,
  }

  it("claims and heartbeats under one policy leave another command's untouched", () => {
    const clock = new FakeClock('2026-03-01T09:00:00.000Z')
    const engine = new Engine(openStore(':memory:'), { clock })
    const a = engine.add({ title: 'a' }).id
    const b = engine.add({ title: 'b' }).id
    const ga = engine.claim(a, 'ada', undefined, policyA)
    const gb = engine.claim(b, 'bob', undefined, policyB)
    expect(ga.lease.expires_at).toBe('2026-03-01T09:10:00.000Z')
    expect(gb.lease.expires_at).toBe('2026-03-01T09:45:00.000Z')
    // A heartbeat's maximum TTL is its command's: 90m is over A's 1h, within B's 2h.
    expect(() => engine.heartbeat(a, 'ada', ga.lease.token, 90 * 60_000, policyA)).toThrow(
      /lease TTL must be from 1s to 1h; got 1h30m/,
    )
    expect(engine.heartbeat(b, 'bob', gb.lease.token, 90 * 60_000, policyB).expires_at).toBe(
      '2026-03-01T10:30:00.000Z',
    )
    // Without a policy, the engine's own (the defaults here): 30m.
    expect(engine.heartbeat(a, 'ada', ga.lease.token).expires_at).toBe('2026-03-01T09:30:00.000Z')
    expect(engine.settings).toEqual(DEFAULT_SETTINGS)
    engine.store.close()
  })

  it('a sweep applies the policy of each task it expires', () => {
    const clock = new FakeClock('2026-03-01T09:00:00.000Z')
    const engine = new Engine(openStore(':memory:'), { clock })
    const a = engine.add({ title: 'a' }).id
    const b = engine.add({ title: 'b' }).id
    const c = engine.add({ title: 'c' }).id
    engine.claim(a, 'ada', undefined, policyA)
    engine.claim(b, 'bob', undefined, policyB)
    engine.claim(c, 'cy')
    clock.set('2026-03-01T11:00:00.000Z')
    const policyOf = (task: string) =>
      task === a ? policyA : task === b ? policyB : engine.settings
    expect(engine.sweep(policyOf).map((e) => e.task)).toEqual([a, c, b])
    expect(engine.get(a).claimable_after).toBe('2026-03-01T11:05:00.000Z')
    expect(engine.get(b).claimable_after).toBe('2026-03-01T11:20:00.000Z')
    expect(engine.get(c).claimable_after).toBeNull()
    engine.store.close()
  })
})
