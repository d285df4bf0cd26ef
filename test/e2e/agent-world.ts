/**
 * An agent's world on GitHub, all in process: the one fake GitHub
 * (`test/support/fake-github`), the real app (`taskOrchestrator`, in-memory
 * engine, fake clock, no timers) loaded in a Probot that the fake delivers
 * its webhooks to, a repository with task issues opened by a maintainer,
 * and agent clients (`createGitHubClient`) whose Octokit talks to the fake.
 *
 * The fake stamps GitHub's times with the real clock (the client looks for
 * its comments by time); the app's lease clock is a `FakeClock` started at
 * the real time, so a test can expire a lease by advancing it.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */

import { retry } from '@octokit/plugin-retry'
import { Octokit } from '@octokit/rest'
import { type TaskOrchestratorApp, taskOrchestrator } from '../../src/app/index.js'
import { createGitHubClient, type GitHubClientOptions } from '../../src/client/index.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import {
  FakeGitHub,
  fakeFetch,
  type Permission,
  probotOnFake,
} from '../support/fake-github/index.js'

export const OWNER = 'Codertocat'
export const NAME = 'Hello-World'
export const REPO = `${OWNER}/${NAME}`
export const CONFIG_PATH = '.github/task-orchestrator.yml'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

export interface AgentWorld {
  fake: FakeGitHub
  app: TaskOrchestratorApp
  engine: Engine
  clock: FakeClock
  /** Numbers of the task issues, in the order they were opened. */
  tasks: number[]
  /** The dashboard issue's number (null when the config does not enable it). */
  dashboard: number | null
  /** A GitHub client acting as `login` (write permission unless the world says otherwise). */
  client(
    login: string,
    options?: Partial<GitHubClientOptions>,
  ): ReturnType<typeof createGitHubClient>
  /** An Octokit acting as `login`, through the fake in process (retries on, as the client's default). */
  octokit(login: string): Octokit
  /** Stop the app and close the engine. */
  close(): void
}

/**
 * Build the world: `tasks` task issues (titles `Task 1…`), opened through
 * the fake by `maint` and delivered to the app; `config` is the
 * repository's `.github/task-orchestrator.yml` (default: the dashboard on,
 * so `/next` has its issue); `permissions` by login (others: write).
 */
export async function agentWorld(
  options: { tasks?: number; config?: string; permissions?: Record<string, Permission> } = {},
): Promise<AgentWorld> {
  const fake = new FakeGitHub()
  fake.addRepository(REPO, {
    files: { [CONFIG_PATH]: options.config ?? 'dashboard:\n  enabled: true\n' },
    permissions: { maint: 'maintain', ...options.permissions },
  })
  const clock = new FakeClock(new Date().toISOString())
  const engine = new Engine(openStore(':memory:'), { clock })
  const app = taskOrchestrator({ engine, clock, timers: false })
  await probotOnFake(fake, app)
  const tasks: number[] = []
  for (let i = 1; i <= (options.tasks ?? 3); i++) {
    const { data } = await fake.send('maint', 'POST', `/repos/${REPO}/issues`, {
      title: `Task ${i}`,
      body: 'Do the work.',
      labels: ['task'],
    })
    tasks.push((data as { number: number }).number)
  }
  await fake.settled()
  // The flush opens the dashboard (search, create, pin) and refreshes status comments.
  await app.flush()
  await fake.settled()
  const repo = fake.repository(REPO)
  const dashboard =
    [...repo.issues.values()].find((i) => i.user === fake.appLogin && !tasks.includes(i.number))
      ?.number ?? null
  const RetryingOctokit = Octokit.plugin(retry)
  const octokit = (login: string) =>
    new RetryingOctokit({
      auth: fake.tokenFor(login),
      log: quiet,
      request: { fetch: fakeFetch(fake) },
    }) as Octokit
  return {
    fake,
    app,
    engine,
    clock,
    tasks,
    dashboard,
    octokit,
    client: (login, extra = {}) =>
      createGitHubClient({
        repo: REPO,
        octokit: octokit(login),
        pollIntervalMs: 20,
        maxPollIntervalMs: 100,
        timeoutMs: 10_000,
        ...extra,
      }),
    close() {
      app.stop()
      engine.store.close()
    },
  }
}
