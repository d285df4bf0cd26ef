/**
 * An agent's world on GitHub with the app hosted in GitHub Actions, all in
 * process and on a fake clock: the one fake GitHub
 * (`test/support/fake-github`, through the orchestrator tests' fake
 * repository and artifact service), agent clients (`createGitHubClient`,
 * `mode: 'actions'`) whose Octokit talks to it, and **workflows**: the
 * comments and issues people and agents post reach no app directly — each
 * GitHub delivery that would trigger the orchestrator's workflow
 * (`issues`, `issue_comment`, not caused by `github-actions[bot]`, as
 * GitHub starts no workflow for changes made with a `GITHUB_TOKEN`) queues
 * a run, which starts `startDelayMs` of fake time later and is one call of
 * the orchestrator (`runOnce`: download the state artifact → handle the
 * event → catch up → sweep → upload), one run at a time in start order (the
 * workflow's `concurrency` with `queue: max`). With `cronMs`, scheduled
 * runs start at every multiple of it.
 *
 * Fake time passes only in {@link ActionsWorld.pass}, which the clients
 * are given as their `sleep`: a client that waits 60 s lets every run due
 * in those 60 s happen, then polls again. So a test of minutes of waiting
 * takes the seconds its runs take, and the clients' polls are exactly
 * those of their backoff.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Octokit } from '@octokit/rest'
import type { RunReport } from '../../src/action/orchestrator/orchestrate.js'
import {
  createGitHubClient,
  type GitHubClient,
  type GitHubClientOptions,
} from '../../src/client/index.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import {
  type FakeRepository,
  startFakeRepository,
} from '../action/orchestrator/support/fake-repository.js'
import { runOnce, STATE_NAME, useFakeRunner } from '../action/orchestrator/support/runs.js'
import { tempDir } from '../helpers.js'
import { type Delivery, fakeFetch } from '../support/fake-github/index.js'
import { byTime } from '../support/fake-github/route-kit.js'

export const CONFIG_PATH = '.github/task-orchestrator.yml'
/** Events the orchestrator's workflow is triggered by (those these tests cause). */
const TRIGGERS = new Set(['issues', 'issue_comment'])

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/** A workflow run waiting to start. */
export interface QueuedRun {
  name: string
  payload: Record<string, unknown>
  /** Fake time it starts at, ms since the epoch. */
  at: number
  /** The comment that triggered it (issue_comment), if any. */
  comment: number | null
  /** Another workflow of the repository (see {@link ActionsWorld.otherWorkflow}); absent: the orchestrator's. */
  other?: true
}

/** A workflow run that happened (or was cancelled before it started). */
export interface RunRecord extends QueuedRun {
  /** The orchestrator's report; null when cancelled. */
  report: RunReport | null
}

export interface ActionsWorld {
  fake: FakeRepository
  clock: FakeClock
  repo: string
  /** Runs in the order they started (cancelled ones included, with `report: null`). */
  runs: RunRecord[]
  /** Runs queued and not started yet. */
  queued: QueuedRun[]
  /** Every wait the clients asked for, in ms, in order. */
  sleeps: number[]
  /** Queue delay of the next runs, ms of fake time (default 45 s: a runner picking the job up). */
  startDelayMs: number
  /** Drop a queued run instead of starting it (a cancelled run: nothing of it happens). */
  cancel: ((run: QueuedRun) => boolean) | null
  /**
   * Lose a run's state: it handles its event and posts its replies, but its
   * upload never lands (the runner died before the artifact was finalized).
   */
  lose: ((run: QueuedRun) => boolean) | null
  /**
   * Another workflow of the repository, triggered by the same events and
   * posting with its own `GITHUB_TOKEN` (as `github-actions[bot]`), which
   * starts `otherDelayMs` after each event (default 10 s: before the
   * orchestrator's run).
   */
  otherWorkflow: ((trigger: QueuedRun) => Promise<void>) | null
  otherDelayMs: number
  /** Called at the end of each wait with its length (a test with fake timers advances them). */
  afterWait: ((ms: number) => void) | null
  /** Awaited in each orchestrator run after it handled its work, before it uploads (another agent acts meanwhile). */
  duringRun: ((run: QueuedRun) => Promise<void>) | null
  /** A client acting as `login` in the Actions-hosted mode, sleeping through {@link pass}. */
  client(login: string, options?: Partial<GitHubClientOptions>): Promise<GitHubClient>
  /**
   * Let `ms` of fake time pass: every run due meanwhile starts (the clock
   * set to its start) and finishes, then the clock is at the end. Rejects
   * with `signal`'s reason when it is aborted at the end. Waits of several
   * clients take turns: one starts when the one before it has ended.
   */
  pass(ms: number, signal?: AbortSignal): Promise<void>
  /** Run every queued run now, however late it is due (the clock moves to each start). */
  drain(): Promise<void>
  /** Read the newest state artifact (the state the next run downloads) with the engine. */
  state<T>(read: (engine: Engine) => T): T
  close(): Promise<void>
}

/**
 * Start the world: the fake repository with `config` as
 * `.github/task-orchestrator.yml` (default: the dashboard on, where `/next`
 * is posted), `tasks` task issues opened by `maint`, and the runs they
 * trigger (the first rebuilds the state from the issues: no artifact yet).
 */
export async function actionsWorld(
  options: { tasks?: number; config?: string; cronMs?: number } = {},
): Promise<ActionsWorld> {
  const clock = new FakeClock('2026-03-01T09:00:00.000Z')
  const fake = await startFakeRepository({ now: () => new Date(clock.now()).toISOString() })
  useFakeRunner(fake)
  const repo = `${fake.owner}/${fake.repo}`
  fake.github
    .repository(repo)
    .files.set(CONFIG_PATH, options.config ?? 'dashboard:\n  enabled: true\n')
  fake.permissions.set('maint', 'maintain')
  let seen = 0
  let turns: Promise<void> = Promise.resolve()
  const cronMs = options.cronMs ?? null
  let lastCron = clock.now()

  const world: ActionsWorld = {
    fake,
    clock,
    repo,
    runs: [],
    queued: [],
    sleeps: [],
    startDelayMs: 45_000,
    cancel: null,
    lose: null,
    otherWorkflow: null,
    otherDelayMs: 10_000,
    afterWait: null,
    duringRun: null,
    async client(login, extra = {}) {
      const octokit = new Octokit({
        auth: fake.github.tokenFor(login),
        log: quiet,
        request: { fetch: fakeFetch(fake.github) },
      })
      return createGitHubClient({
        repo,
        octokit,
        mode: 'actions',
        sleep: (ms, signal) => {
          world.sleeps.push(ms)
          return world.pass(ms, signal)
        },
        ...extra,
      })
    },
    pass(ms, signal) {
      const turn = turns.then(async () => {
        const until = clock.now() + ms
        collect()
        for (;;) {
          const due = nextDue(until)
          if (!due) break
          await start(due)
        }
        clock.set(until)
        world.afterWait?.(ms)
      })
      turns = turn.catch(() => {})
      return turn.then(() => signal?.throwIfAborted())
    },
    async drain() {
      collect()
      for (let due = nextDue(Number.POSITIVE_INFINITY, false); due; ) {
        await start(due)
        due = nextDue(Number.POSITIVE_INFINITY, false)
      }
    },
    state(read) {
      const newest = [...fake.artifacts].sort((a, b) => byTime(b.created_at, a.created_at))[0]
      if (!newest) throw new Error('no state artifact yet')
      const file = join(tempDir('actions-world-'), STATE_NAME)
      writeFileSync(file, newest.bytes)
      const engine = new Engine(openStore(file))
      try {
        return read(engine)
      } finally {
        engine.store.close()
      }
    },
    close: () => fake.close(),
  }

  /** Queue a run for each new delivery that triggers the workflow. */
  function collect(): void {
    const fresh: Delivery[] = fake.github.deliveries.slice(seen)
    seen = fake.github.deliveries.length
    for (const d of fresh) {
      if (!TRIGGERS.has(d.name) || d.sender === fake.appLogin) continue
      const payload = d.payload as Record<string, unknown>
      const comment = (payload.comment as { id?: number } | undefined)?.id ?? null
      world.queued.push({ name: d.name, payload, at: clock.now() + world.startDelayMs, comment })
      if (world.otherWorkflow)
        world.queued.push({
          name: d.name,
          payload,
          at: clock.now() + world.otherDelayMs,
          comment,
          other: true,
        })
    }
  }

  /** The first run due by `until` (a scheduled one when the cron ticks first), removed from the queue. */
  function nextDue(until: number, cron = true): QueuedRun | undefined {
    world.queued.sort((a, b) => a.at - b.at)
    const queued = world.queued[0]
    const tick = cronMs && cron ? (Math.floor(lastCron / cronMs) + 1) * cronMs : null
    if (tick !== null && tick <= until && (!queued || tick < queued.at)) {
      lastCron = tick
      return { name: 'schedule', payload: {}, at: tick, comment: null }
    }
    if (!queued || queued.at > until) return undefined
    return world.queued.shift()
  }

  async function start(run: QueuedRun): Promise<void> {
    if (clock.now() < run.at) clock.set(run.at)
    if (run.other) {
      await world.otherWorkflow?.(run)
    } else if (world.cancel?.(run)) {
      world.runs.push({ ...run, report: null })
    } else {
      const during = world.duringRun
      const report = await runOnce(fake, clock, run.name, run.payload, {
        ...(during ? { beforeCheck: () => during(run) } : {}),
      })
      if (world.lose?.(run)) {
        const lost = fake.artifacts.findIndex((a) => a.id === report.uploaded?.id)
        if (lost >= 0) fake.artifacts.splice(lost, 1)
      }
      world.runs.push({ ...run, report })
    }
    collect()
  }

  for (let i = 1; i <= (options.tasks ?? 3); i++) {
    await fake.github.send('maint', 'POST', `/repos/${repo}/issues`, {
      title: `Task ${i}`,
      body: 'Do the work.',
      labels: ['task'],
    })
  }
  await world.drain()
  return world
}
