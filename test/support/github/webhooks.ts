/**
 * Real webhook payloads (`@octokit/webhooks-examples`) and a Probot instance
 * for tests.
 *
 * The examples package is one JSON array (`api.github.com/index.json`, 4 MB):
 * one entry per event (`issues`, `issue_comment`, …) with `examples`, several
 * per action. `webhookExample('issue_comment.created')` returns a deep clone
 * of the first example with that action. All of them are about
 * `Codertocat/Hello-World` issue #1 (comment id 492700400, sender
 * `Codertocat`). Only 133 of the 329 examples carry `installation`, which a
 * delivery to an App always has (`issue_comment.created`: variant 3 of 0–4;
 * `issues.opened`: none): add it with `{ installation: INSTALLATION }`.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { type ApplicationFunction, type Context, Probot, ProbotOctokit } from 'probot'

/** Every webhook name Probot knows: `issues`, `issues.opened`, `issue_comment.created`, … */
export type WebhookName = Context['name']
/** The payload type Probot gives handlers of `N`. */
export type WebhookPayload<N extends WebhookName> = Context<N>['payload']

/** Objects are patched key by key; arrays and scalars are replaced as given. */
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T

/** The `installation` of the one example that has it, for payloads that lack it. */
export const INSTALLATION = { id: 1, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' }

interface Definition {
  name: string
  actions: string[]
  examples: Record<string, unknown>[]
}

let examples: Map<string, Record<string, unknown>[]> | undefined

function load(): Map<string, Record<string, unknown>[]> {
  if (examples) return examples
  const file = createRequire(import.meta.url).resolve('@octokit/webhooks-examples')
  const definitions = JSON.parse(readFileSync(file, 'utf8')) as Definition[]
  examples = new Map()
  for (const definition of definitions) {
    for (const example of definition.examples) {
      const key =
        typeof example.action === 'string'
          ? `${definition.name}.${example.action}`
          : definition.name
      const list = examples.get(key) ?? []
      list.push(example)
      examples.set(key, list)
    }
  }
  return examples
}

/** Names that have at least one example, sorted (`issues.opened`, `push`, …). */
export function webhookExampleNames(): string[] {
  return [...load().keys()].sort()
}

/**
 * A deep clone of a real payload for `name`, with `patch` merged into it
 * (objects key by key, arrays replaced). `variant` picks among the package's
 * examples for that name (default 0; see `webhookExampleNames`). Throws when
 * the package has no example for `name`, listing the names of the same event
 * that it has.
 */
export function webhookExample<N extends WebhookName>(
  name: N,
  patch?: DeepPartial<WebhookPayload<N>>,
  options: { variant?: number } = {},
): WebhookPayload<N> {
  const list = load().get(name)
  const example = list?.[options.variant ?? 0]
  if (!example) {
    const event = name.split('.')[0]
    const known = webhookExampleNames().filter((n) => n.split('.')[0] === event)
    throw new Error(
      list
        ? `@octokit/webhooks-examples has ${list.length} example(s) of ${name}, not variant ${options.variant}`
        : `@octokit/webhooks-examples has no example of ${name} (has: ${known.join(', ') || 'none'})`,
    )
  }
  const payload = structuredClone(example)
  if (patch) merge(payload, patch as Record<string, unknown>)
  return payload as WebhookPayload<N>
}

function merge(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key]
    if (isPlainObject(value) && isPlainObject(current)) merge(current, value)
    else target[key] = structuredClone(value)
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export interface ProbotForTestsOptions {
  /** API root for GitHub Enterprise Server, e.g. `https://ghe.example.com/api/v3`. */
  baseUrl?: string
  /** Default `fatal`, or `TEST_LOG_LEVEL` from the environment. */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
}

/**
 * A Probot authenticated with the token `test` (no App id or private key is
 * needed in Probot 14 then; `context.octokit` uses the token whether or not
 * the payload has an `installation`), retries and throttling off, with
 * `appFn` loaded.
 *
 * Throttling is switched off with a *function* passed to
 * `ProbotOctokit.defaults`: the object form of the usual recipe
 * (`ProbotOctokit.defaults({ throttle: { enabled: false } })`) is silently
 * undone by Probot 14, whose own defaults replace `throttle` wholesale
 * (probot/probot#2039), so every comment-creating request after the first
 * waits ~3 s in the throttling plugin's process-wide "notifications" queue.
 */
export async function probotForTests(
  appFn: ApplicationFunction,
  options: ProbotForTestsOptions = {},
): Promise<Probot> {
  const probot = new Probot({
    githubToken: 'test',
    logLevel:
      options.logLevel ??
      (process.env.TEST_LOG_LEVEL as ProbotForTestsOptions['logLevel']) ??
      'fatal',
    logFormat: 'json',
    baseUrl: options.baseUrl,
    Octokit: ProbotOctokit.defaults((octokitOptions: { throttle?: object }) => ({
      ...octokitOptions,
      retry: { enabled: false },
      throttle: { ...octokitOptions.throttle, enabled: false },
    })),
  })
  await probot.load(appFn)
  return probot
}

/**
 * Deliver `payload` as the webhook `name` (`issue_comment.created` is sent as
 * event `issue_comment`; the action is in the payload). Resolves when every
 * handler has finished; rejects with handler errors Probot did not catch.
 */
export function receive<N extends WebhookName>(
  probot: Probot,
  name: N,
  payload: WebhookPayload<N>,
  id: string = randomUUID(),
): Promise<void> {
  const event = name.split('.')[0]
  return probot.receive({ id, name: event, payload } as Parameters<Probot['receive']>[0])
}
