/**
 * The fake GitHub for tests and benchmarks: see `./fake-github.ts`.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
export { serveArtifacts } from './artifacts.js'
export {
  type ExtraRoute,
  FakeGitHub,
  type FakeGitHubOptions,
  type LoggedRequest,
  type RawRequest,
  type RawResponse,
  type RequestSummary,
} from './fake-github.js'
export * from './model.js'
export { type NockServing, serveThroughNock } from './nock-transport.js'
export { type ProbotOnFakeOptions, probotOnFake } from './probot.js'
export type { EmittedEvent, Json, Reply } from './route-kit.js'
export { type FakeServer, fakeFetch, listen } from './transports.js'
export { type Delivery, deliveryFor } from './webhooks.js'
