/**
 * A third way to reach a {@link FakeGitHub}: through the nock harness
 * (`../github/nock.ts`), for tests whose app talks to `https://api.github.com`
 * with nock intercepting (the Probot of `test/app/helpers.ts`). Requests to
 * the fake's repositories (`/repos/{owner}/{repo}/…`, any case, as GitHub
 * compares names) are answered by the fake; the harness validates and logs
 * them as it does every request (`recordedRequests`), and other requests are
 * left to the test's own interceptors.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import nock from 'nock'
import { GITHUB_API, githubApi } from '../github/nock.js'
import type { FakeGitHub } from './fake-github.js'

/** Interceptors serving a fake; `stop()` removes them, so none is left pending. */
export interface NockServing {
  stop(): void
}

/** Answer requests to `fake`'s repositories through nock until `stop()`. */
export function serveThroughNock(fake: FakeGitHub, baseUrl: string = GITHUB_API): NockServing {
  const scope = githubApi({ baseUrl }).persist()
  const interceptors: nock.Interceptor[] = []
  const root = new URL(baseUrl)
  const prefix = root.pathname.replace(/\/$/, '')
  const ours = (path: string) => {
    const m = /^\/repos\/([^/]+)\/([^/?]+)\//.exec(path.slice(prefix.length))
    return (
      !!m &&
      fake.state.repository(decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? '')) !==
        undefined
    )
  }
  // The methods the app and the rebuild use (an unused persisted interceptor is reported pending).
  for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
    const interceptor = scope.intercept(ours, method)
    interceptor.reply(async function (this: nock.ReplyFnContext, uri: string, body: unknown) {
      const headers: Record<string, string | undefined> = {}
      for (const [key, value] of Object.entries(this.req.headers))
        headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
      const res = await fake.handle({
        method,
        url: `${root.origin}${uri}`,
        headers,
        body:
          body === undefined || body === ''
            ? undefined
            : typeof body === 'string'
              ? body
              : JSON.stringify(body),
        baseUrl,
      })
      return [res.status, res.body.toString(), res.headers]
    } as never)
    interceptors.push(interceptor)
  }
  return {
    stop: () => {
      for (const i of interceptors) nock.removeInterceptor(i)
    },
  }
}
