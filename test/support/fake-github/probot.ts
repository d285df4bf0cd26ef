/**
 * A Probot app wired to a {@link FakeGitHub} in process: its Octokit sends
 * every request through the fake's `fetch` (no sockets, no nock), and the
 * fake's webhook deliveries go to `probot.receive`, so a comment posted
 * through the fake (by an agent's client, a person, or the app itself) runs
 * the app's handlers as a delivery from GitHub would.
 *
 * Retries and throttling are off, as in `probotForTests`
 * (`../github/webhooks.ts`, which explains why the function form is needed).
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import { type ApplicationFunction, Probot, ProbotOctokit } from 'probot'
import type { FakeGitHub } from './fake-github.js'
import { fakeFetch } from './transports.js'

export interface ProbotOnFakeOptions {
  /** Default `fatal`, or `TEST_LOG_LEVEL`. */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
  /** Deliver the fake's webhooks to this app (default true). */
  deliver?: boolean
}

/**
 * Load `appFn` into a Probot authenticated with the fake's app token
 * (`test`), its requests answered by `fake`, and (unless `deliver: false`)
 * subscribe it to the fake's webhooks.
 */
export async function probotOnFake(
  fake: FakeGitHub,
  appFn: ApplicationFunction,
  options: ProbotOnFakeOptions = {},
): Promise<Probot> {
  const probot = new Probot({
    githubToken: 'test',
    logLevel:
      options.logLevel ??
      (process.env.TEST_LOG_LEVEL as ProbotOnFakeOptions['logLevel']) ??
      'fatal',
    logFormat: 'json',
    request: { fetch: fakeFetch(fake) },
    Octokit: ProbotOctokit.defaults((octokitOptions: { throttle?: object }) => ({
      ...octokitOptions,
      retry: { enabled: false },
      throttle: { ...octokitOptions.throttle, enabled: false },
    })),
  })
  await probot.load(appFn)
  if (options.deliver !== false) {
    fake.onWebhook = (delivery) =>
      probot.receive({
        id: delivery.id,
        name: delivery.name,
        payload: delivery.payload,
      } as Parameters<Probot['receive']>[0])
  }
  return probot
}
