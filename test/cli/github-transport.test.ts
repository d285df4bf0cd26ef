/**
 * `tm --github owner/repo …` as a user runs it: the built `tm` in its own
 * process, pointed with `GITHUB_API_URL` at the one fake GitHub served over
 * HTTP on 127.0.0.1, whose webhooks go to the real app in this process
 * (test/e2e/agent-world.ts). Every request of `tm` and of the app is checked
 * against GitHub's REST description (`fake.problems` stays empty). The same
 * verbs run on a local database alongside, to compare output, `--json`
 * shapes and exit codes.
 */

import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type AgentWorld, agentWorld, REPO } from '../e2e/agent-world.js'
import { tempDir } from '../helpers.js'
import { type FakeServer, listen } from '../support/fake-github/index.js'
import { loadGitHubDescription } from '../support/github/openapi.js'
import { runTm, type TmRun } from '../support/tm-github-process.js'

let world: AgentWorld | undefined
let server: FakeServer | undefined
let dir = ''

beforeAll(() => {
  loadGitHubDescription()
})
beforeEach(() => {
  dir = tempDir('tm-github-')
})
afterEach(async () => {
  await server?.close()
  server = undefined
  if (!world) return
  const { fake } = world
  await fake.settled()
  world.close()
  world = undefined
  expect(fake.problems).toEqual([])
  expect(fake.deliveryErrors).toEqual([])
})

/** Run the built tm in this test's folder (the fake GitHub answers from this process). */
function tm(args: string[], env: Record<string, string> = {}): Promise<TmRun> {
  return runTm(dir, args, env)
}

/** `tm --json …`, parsed. */
async function json(args: string[], env: Record<string, string> = {}) {
  const r = await tm(['--json', ...args], env)
  return { code: r.code, out: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr }
}

/** The world, served over HTTP; env for tm acting as `login` on it. */
async function github(options: Parameters<typeof agentWorld>[0] = {}) {
  world = await agentWorld(options)
  server = await listen(world.fake)
  const w = world
  const as = (login: string): Record<string, string> => ({
    GITHUB_API_URL: server!.url,
    GITHUB_TOKEN: w.fake.tokenFor(login),
  })
  return { world: w, as }
}

/** Key paths of a JSON value (`lease.token`), sorted: its shape. */
function shape(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix]
  return Object.entries(value)
    .flatMap(([k, v]) => shape(v, prefix ? `${prefix}.${k}` : k))
    .sort()
}

/** Task ids and times replaced, to compare text printed locally and on GitHub. */
const normalise = (text: string) =>
  text
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
    .replace(new RegExp(`${REPO}#\\d+`, 'g'), '<task>')
    .replace(/\b[a-z0-9]{8}\b/g, '<task>')

describe('tm --github', () => {
  it('claim → heartbeat → complete: the same text, --json shapes and exit codes as locally', async () => {
    const { world: w, as } = await github({ tasks: 2 })
    const [first, second] = w.tasks.map((n) => `#${n}`)
    const gh = ['--github', REPO]
    const agent = as('agent-1')

    // Locally, the same loop.
    expect((await tm(['init'])).code).toBe(0)
    const local = (await json(['add', 'Task 1'])).out.task as { id: string }
    const localClaim = await json(['claim', local.id, '--agent', 'ada'])
    const localBeat = await json(['heartbeat', local.id, '--token', '1', '--agent', 'ada'])
    const localDone = await json(['complete', local.id, '--token', '1', '--agent', 'ada'])

    const claim = await json([...gh, 'claim', first!], agent)
    expect(claim).toMatchObject({
      code: 0,
      out: { ok: true, task: `${REPO}#${w.tasks[0]}`, lease: { holder: 'agent-1', token: 1 } },
    })
    // GitHub's reply carries holder, token and expiry; the rest of the
    // local lease (acquired_at, heartbeat_at) is absent, never invented.
    expect(shape(claim.out)).toEqual(
      shape(localClaim.out).filter((k) => !/acquired_at|heartbeat_at/.test(k)),
    )
    expect(Date.parse((claim.out.lease as { expires_at: string }).expires_at)).toBeGreaterThan(
      Date.now(),
    )

    const beat = await json([...gh, 'heartbeat', first!, '--token', '1'], agent)
    expect(beat).toMatchObject({ code: 0, out: { ok: true, lease: { token: 1 } } })
    expect(shape(beat.out)).toEqual(
      shape(localBeat.out).filter((k) => !/acquired_at|heartbeat_at/.test(k)),
    )

    const done = await json([...gh, 'complete', first!, '--token', '1', '-m', 'parser written'], {
      ...agent,
    })
    expect(done).toMatchObject({ code: 0, out: { ok: true, task: `${REPO}#${w.tasks[0]}` } })
    expect(shape(localDone.out)).toEqual(expect.arrayContaining(shape(done.out)))
    await w.fake.settled()
    expect(w.engine.get(`${REPO}#${w.tasks[0]}`)).toMatchObject({
      status: 'completed',
      completion_summary: 'parser written',
    })

    // Text: the same sentences as locally.
    await tm(['add', 'Task 2', '--id', 'task0002'])
    const localText = await tm(['claim', 'task0002', '--agent', 'ada'])
    const text = await tm([...gh, 'claim', second!], agent)
    expect(text.code).toBe(0)
    expect(normalise(text.stdout)).toBe(normalise(localText.stdout))
    expect(text.stdout).toMatch(/^Claimed Codertocat\/Hello-World#\d+: token 1, expires /)
    const localBeatText = await tm(['heartbeat', 'task0002', '--token', '1', '--agent', 'ada'])
    const beatText = await tm([...gh, 'heartbeat', second!, '--token', '1'], agent)
    expect(normalise(beatText.stdout)).toBe(normalise(localBeatText.stdout))
    const releaseText = await tm([...gh, 'release', second!, '--token', '1'], agent)
    const localRelease = await tm(['release', 'task0002', '--token', '1', '--agent', 'ada'])
    expect(normalise(releaseText.stdout)).toBe(normalise(localRelease.stdout))
    expect(releaseText.stderr).toBe('')

    // Each verb was one command comment by the agent.
    await w.fake.settled()
    const posted = w.fake
      .repository(REPO)
      .comments.filter((c) => c.user === 'agent-1')
      .map((c) => c.body.split('\n')[0])
    expect(posted).toEqual([
      '/claim',
      '/heartbeat',
      '/done parser written',
      '/claim',
      '/heartbeat',
      '/release',
    ])
  }, 90_000)

  it('a refusal has the engine’s code and the local exit code; show, ready and next --claim read and claim', async () => {
    const { world: w, as } = await github({ tasks: 2 })
    const gh = ['--github', REPO]
    const id = `${REPO}#${w.tasks[0]}`
    expect((await json([...gh, 'claim', String(w.tasks[0])], as('agent-1'))).code).toBe(0)

    const refused = await json([...gh, 'claim', id], as('agent-2'))
    expect((await tm(['init'])).code).toBe(0)
    const local = (await json(['add', 'T'])).out.task as { id: string }
    await json(['claim', local.id, '--agent', 'ada'])
    const localRefused = await json(['claim', local.id, '--agent', 'bob'])
    expect(localRefused.code).toBe(4)
    expect(refused.code).toBe(localRefused.code)
    expect(refused.out).toMatchObject({
      ok: false,
      error: { code: 'LeaseHeld', details: { holder: 'agent-1' } },
    })
    const refusedText = await tm([...gh, 'claim', id], as('agent-2'))
    expect(refusedText.code).toBe(4)
    expect(refusedText.stderr).toMatch(/^tm: Task Codertocat\/Hello-World#\d+ is held by agent-1/)

    // A wrong token: StaleToken, as locally.
    const stale = await json([...gh, 'heartbeat', id, '--token', '9'], as('agent-1'))
    expect(stale).toMatchObject({ code: 4, out: { error: { code: 'StaleToken' } } })

    // The app's background flush refreshes the status comment `show` reads.
    await w.fake.settled()
    await w.app.flush()
    await w.fake.settled()
    const shown = await json([...gh, 'show', `#${w.tasks[0]}`], as('agent-2'))
    expect(shown).toMatchObject({
      code: 0,
      out: { task: { id, status: 'in_progress', lease: { holder: 'agent-1', token: 1 } } },
    })
    const shownText = await tm([...gh, 'show', id], as('agent-2'))
    expect(shownText.stdout).toContain(`${id}  Task 1`)
    expect(shownText.stdout).toMatch(/ {2}lease {6}agent-1, token 1, expires /)

    const ready = await json([...gh, 'ready'], as('agent-2'))
    expect(ready.code).toBe(0)
    expect((ready.out.tasks as { id: string }[]).map((t) => t.id)).toEqual([
      `${REPO}#${w.tasks[1]}`,
    ])

    // next without --claim: GitHub's /next always claims.
    const look = await json([...gh, 'next'], as('agent-2'))
    expect(look).toMatchObject({ code: 2, out: { error: { code: 'InvalidInput' } } })
    expect(look.out.error).toMatchObject({ message: expect.stringMatching(/--claim.*tm ready/) })
    const next = await json([...gh, 'next', '--claim'], as('agent-2'))
    expect(next).toMatchObject({
      code: 0,
      out: {
        task: { id: `${REPO}#${w.tasks[1]}`, status: 'in_progress' },
        grant: { task: `${REPO}#${w.tasks[1]}`, lease: { holder: 'agent-2', token: 1 } },
      },
    })
    const none = await tm([...gh, 'next', '--claim'], as('agent-3'))
    expect(none).toMatchObject({ code: 0, stdout: 'Nothing claimable right now.\n' })
  }, 90_000)

  it('progress, ask and fail: the reply in the local shapes, without what GitHub does not publish', async () => {
    const { world: w, as } = await github({ tasks: 1 })
    const gh = ['--github', REPO]
    const id = `${REPO}#${w.tasks[0]}`
    const agent = as('agent-1')
    expect((await tm([...gh, 'claim', id], agent)).code).toBe(0)
    const progress = await json([...gh, 'progress', id, '40%', 'lexer', 'done'], agent)
    expect(progress).toMatchObject({
      code: 0,
      out: {
        ok: true,
        task: id,
        progress: [{ agent: 'agent-1', percent: 40, message: 'lexer done' }],
      },
    })
    const progressText = await tm([...gh, 'progress', id, '60', 'parser'], agent)
    expect(progressText.stdout).toMatch(
      /^AT\s+AGENT\s+%\s+MESSAGE\n.*\n\s+agent-1\s+60\s+parser\n$/,
    )
    const ask = await json([...gh, 'ask', id, 'Which', 'grammar?', '--to', '@maint'], agent)
    expect(ask).toMatchObject({
      code: 0,
      out: {
        question: {
          task_id: id,
          asked_by: 'agent-1',
          asked_of: 'maint',
          question: 'Which grammar?',
        },
      },
    })
    expect(Object.keys(ask.out.question as object).sort()).toEqual([
      'asked_by',
      'asked_of',
      'question',
      'task_id',
    ])
    const noTo = await json([...gh, 'ask', id, 'Which?'], agent)
    expect(noTo).toMatchObject({ code: 2, out: { error: { code: 'Unsupported' } } })
    const fail = await tm([...gh, 'fail', id, 'grammar', 'unclear', '--token', '1'], agent)
    expect(fail).toMatchObject({ code: 0 })
    expect(fail.stdout).toBe(
      `Reported failure on ${id}; the app retries it while attempts remain (tm show ${id}).\n`,
    )
    await w.fake.settled()
    expect(w.engine.get(id)).toMatchObject({ status: 'pending', attempts: 1 })
  }, 60_000)

  it('complete --validate evaluates nothing locally: it says the CI gate decides and reports /done’s reply', async () => {
    const { world: w, as } = await github({ tasks: 0 })
    const { data } = await w.fake.send('maint', 'POST', `/repos/${REPO}/issues`, {
      title: 'Parser',
      body: '### Success criteria\n\n- [ ] Tests pass `tests.failed == 0 && tests.total > 0`\n',
      labels: ['task'],
    })
    await w.fake.settled()
    const id = `#${(data as { number: number }).number}`
    const gh = ['--github', REPO]
    expect((await tm([...gh, 'claim', id], as('agent-1'))).code).toBe(0)
    const r = await tm(
      [...gh, 'complete', id, '--token', '1', '--validate', '--set', 'tests.failed=0'],
      as('agent-1'),
    )
    expect(r.stderr).toMatch(/tm: on GitHub nothing is evaluated here: the CI gate decides/)
    expect(r.stderr).toMatch(/tm: .*CI gate|gate Action/)
    // The gate has not passed on any pull request: the app refuses, exit 5 as locally.
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(
      /warning: --set not read on GitHub: the gate Action reads the reports in CI/,
    )
    const asJson = await json([...gh, 'complete', id, '--token', '1', '--validate'], as('agent-1'))
    expect(asJson).toMatchObject({ code: 5, out: { ok: false, error: { code: 'CriteriaFailed' } } })
    // Nothing was evaluated locally: no database was created or opened.
    expect((await tm(['list'])).code).toBe(6)
  }, 60_000)

  it('--wait bounds the wait (exit 7); --idempotency-key picks up the late reply without posting again', async () => {
    const { world: w, as } = await github({ tasks: 1 })
    const deliver = w.fake.onWebhook!
    w.fake.onWebhook = null // the app hears nothing: no reply comes
    const gh = ['--github', REPO]
    const timedOut = await json([...gh, '--wait', '2s', 'claim', `#${w.tasks[0]}`], as('agent-1'))
    expect(timedOut).toMatchObject({ code: 7, out: { ok: false, error: { code: 'Timeout' } } })
    const error = timedOut.out.error as { message: string; details: { idempotency_key: string } }
    const key = error.details.idempotency_key
    expect(error.message).toContain(`--idempotency-key ${key}`)
    // The app catches up with the comment it missed.
    w.fake.onWebhook = deliver
    const missed = w.fake.deliveries.filter(
      (d) =>
        d.name === 'issue_comment' &&
        (d.payload as { comment?: { user?: { login?: string } } }).comment?.user?.login ===
          'agent-1',
    )
    expect(missed).toHaveLength(1)
    await deliver(missed[0]!)
    await w.fake.settled()
    const again = await json(
      [...gh, '--idempotency-key', key, 'claim', `#${w.tasks[0]}`],
      as('agent-1'),
    )
    expect(again).toMatchObject({ code: 0, out: { lease: { holder: 'agent-1', token: 1 } } })
    const posted = w.fake.repository(REPO).comments.filter((c) => c.user === 'agent-1')
    expect(posted).toHaveLength(1)
  }, 60_000)
})

describe('tm --github: what is needed before anything is sent', () => {
  it('without a token: an error naming GITHUB_TOKEN, GH_TOKEN and gh; a token from `gh auth token` works', async () => {
    const { world: w, as } = await github({ tasks: 1 })
    const bin = tempDir('tm-github-bin-')
    const requestsBefore = w.fake.log.length
    const noGh = await json(['--github', REPO, 'show', '#1'], {
      GITHUB_API_URL: as('x').GITHUB_API_URL!,
      PATH: bin,
    })
    expect(noGh.code).toBe(2)
    const message = (noGh.out.error as { message: string }).message
    expect(message).toMatch(/GITHUB_TOKEN/)
    expect(message).toMatch(/GH_TOKEN/)
    expect(message).toMatch(/gh auth login --hostname 127\.0\.0\.1:\d+/)
    expect(message).toMatch(/`gh` is not installed/)
    expect(w.fake.log).toHaveLength(requestsBefore)

    // gh logged out: its own message is passed on.
    const gh = join(bin, 'gh')
    writeFileSync(gh, '#!/bin/sh\necho "You are not logged into any GitHub hosts." >&2\nexit 1\n')
    chmodSync(gh, 0o755)
    const loggedOut = await tm(['--github', REPO, 'show', '#1'], {
      GITHUB_API_URL: as('x').GITHUB_API_URL!,
      PATH: bin,
    })
    expect(loggedOut.code).toBe(2)
    expect(loggedOut.stderr).toMatch(/You are not logged into any GitHub hosts/)

    // gh logged in for the API's host: its token is used.
    const host = new URL(as('x').GITHUB_API_URL!).host
    writeFileSync(
      gh,
      `#!/bin/sh\n[ "$*" = "auth token --hostname ${host}" ] || exit 3\necho ${w.fake.tokenFor('agent-1')}\n`,
    )
    const withGh = await json(['--github', REPO, 'claim', '#1'], {
      GITHUB_API_URL: as('x').GITHUB_API_URL!,
      PATH: bin,
    })
    expect(withGh).toMatchObject({ code: 0, out: { lease: { holder: 'agent-1' } } })
  }, 60_000)

  it('other commands are refused with the list of verbs that work on GitHub; --no-github keeps them local', async () => {
    const listed = await json(['--github', REPO, 'list'])
    expect(listed.code).toBe(2)
    expect(listed.out.error).toMatchObject({
      code: 'InvalidInput',
      details: { command: 'list', github: REPO },
    })
    const message = (listed.out.error as { message: string }).message
    expect(message).toContain('`tm list` does not work on GitHub')
    expect(message).toContain(
      'next --claim, claim, heartbeat, progress, complete, fail, release, ask, show, ready',
    )
    // From TM_GITHUB too, before anything is opened; --no-github runs it locally.
    const init = await tm(['init'], { TM_GITHUB: REPO })
    expect(init.code).toBe(2)
    expect(init.stderr).toMatch(
      /`tm init` does not work on GitHub .*unset TM_GITHUB or add --no-github/,
    )
    expect((await tm(['--no-github', 'init'], { TM_GITHUB: REPO })).code).toBe(0)
    // A subcommand's path is named whole.
    const nested = await tm(['--github', REPO, 'agent', 'list'])
    expect(nested.stderr).toContain('`tm agent list` does not work on GitHub')
    // Bad repository, and --wait without GitHub.
    const bad = await tm(['--github', 'octo/api#12', 'claim', '12'])
    expect(bad).toMatchObject({ code: 2 })
    expect(bad.stderr).toContain('--github: "octo/api#12" is not a repository; write owner/repo')
    const wait = await tm(['--wait', '5m', 'list'])
    expect(wait.code).toBe(2)
    expect(wait.stderr).toContain('--wait is for replies on GitHub')
    // tm rebuild keeps its own --github (checked in test/cli/rebuild.test.ts).
  })

  it('flags that would be lost on GitHub are refused before anything is sent', async () => {
    const gh = ['--github', REPO]
    const cases: [string[], RegExp][] = [
      [['release', '#1', '--token', '1', '--reason', 'x'], /--reason does not work on GitHub/],
      [['complete', '#1', '--token', '1', '--actual-hours', '2'], /--actual-hours does not work/],
      [['complete', '#1', '--token', '1', '--confirm', '1'], /--confirm does not work on GitHub/],
      [['complete', '#1', '--token', '1', '--set', 'a=1'], /without --validate; add --validate/],
      [['heartbeat', '#1'], /--token is required/],
      [['progress', '#1'], /On GitHub `tm progress` reports/],
      [['--wait', 'soon', 'claim', '#1'], /--wait: "soon" is not a duration/],
      [['--idempotency-key', 'a b', 'claim', '#1'], /--idempotency-key: "a b" is not a key/],
    ]
    for (const [args, message] of cases) {
      // No token and no API: nothing could be sent anyway; the flag is named first.
      const r = await tm([...gh, ...args], { PATH: '' })
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
  })

  it('an --agent that is not the token’s login is a warning: on GitHub the token’s login acts (here on an Enterprise API root)', async () => {
    const { world: w, as } = await github({ tasks: 1 })
    const env = as('agent-1')
    const r = await json(['--github', REPO, '--agent', 'bob', 'claim', `#${w.tasks[0]}`], {
      ...env,
      GITHUB_API_URL: `${env.GITHUB_API_URL}/api/v3`,
    })
    const byAgent = w.fake.log.filter((q) => q.login === 'agent-1')
    expect(byAgent.length).toBeGreaterThan(1)
    expect(byAgent.every((q) => q.url.includes('/api/v3/repos/'))).toBe(true)
    expect(r).toMatchObject({
      code: 0,
      out: {
        lease: { holder: 'agent-1' },
        warnings: [
          "on GitHub you act as agent-1, the token's login, not as bob (--agent); --agent is not used with --github.",
        ],
      },
    })
  }, 60_000)
})
