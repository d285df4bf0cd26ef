/**
 * What a route of the fake GitHub is given and returns, and the helpers
 * routes share (pagination with GitHub's `Link` header, errors in GitHub's
 * shape). Routes are keyed by the REST description's operation
 * (`METHOD template`), which the request validator found, so the fake and
 * the description cannot disagree on which endpoint a request is.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import type { FakeIssue, FakeRepository, FakeState, FakeUser } from './model.js'

export type Json = Record<string, unknown>

/** A webhook the change causes: the event name with its action, and the payload's own part. */
export interface EmittedEvent {
  /** e.g. `issue_comment.created`, `issues.labeled`. */
  name: string
  repo: FakeRepository
  /** `issue`, `comment`, `changes`, `label`, `assignee`, … (repository, sender and installation are added). */
  fields: Json
}

/** One request, as a route sees it. */
export interface Call {
  state: FakeState
  /** The repository of `{owner}/{repo}` (the dispatcher answers 404 when it does not exist). */
  repo: FakeRepository
  /** Decoded path parameters of the template. */
  params: Record<string, string>
  query: URLSearchParams
  /** The full request URL as the transport received it (base of `Link` headers). */
  url: URL
  /** Parsed JSON body (`{}` when none). */
  body: Json
  /** The request's headers (lower-case names): `accept` picks a media type. */
  headers: Record<string, string | undefined>
  /** Who is acting (from the token); writes without a token are refused before routes run. */
  actor: FakeUser
  /** Record a webhook to deliver once the response is sent. */
  emit(name: string, fields: Json): void
}

export interface Reply {
  status: number
  data?: unknown
  headers?: Record<string, string>
  /** Send this text as the body instead of `data` as JSON (a raw media type). */
  raw?: { body: string | Buffer; contentType?: string }
}

export type Route = (call: Call) => Reply

export const notFound = (): Reply => ({
  status: 404,
  data: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
})

export const validationFailed = (resource: string, field: string, code: string): Reply => ({
  status: 422,
  data: {
    message: 'Validation Failed',
    errors: [{ resource, field, code }],
    documentation_url: 'https://docs.github.com/rest',
  },
})

/**
 * `items` cut to the page the query asks for (`per_page` default 30, max
 * 100; `page` from 1), each shaped by `shape`, with GitHub's `Link` header
 * (`next`, `last`, `prev`, `first`) pointing at the URL the request came to.
 */
export function page<T>(items: T[], call: Call, shape: (item: T) => unknown): Reply {
  const perPage = Math.min(100, Number(call.query.get('per_page') ?? 30) || 30)
  const n = Math.max(1, Number(call.query.get('page') ?? 1) || 1)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const at = (p: number) => {
    const u = new URL(call.url)
    u.searchParams.set('page', String(p))
    return `<${u.href}>`
  }
  const links: string[] = []
  if (n < last) links.push(`${at(n + 1)}; rel="next"`, `${at(last)}; rel="last"`)
  if (n > 1) links.push(`${at(n - 1)}; rel="prev"`, `${at(1)}; rel="first"`)
  return {
    status: 200,
    data: items.slice((n - 1) * perPage, n * perPage).map(shape),
    ...(links.length ? { headers: { link: links.join(', ') } } : {}),
  }
}

/**
 * A test for GitHub's `since` parameter: kept when `updatedAt` is at or after
 * it. GitHub's times have whole seconds, so `since` is cut to its second (a
 * comment of 09:00:00 is kept for `since=09:00:00.500Z`). Absent: keeps all.
 */
export function since(value: string | null): (updatedAt: string) => boolean {
  if (!value) return () => true
  const at = Math.floor(Date.parse(value) / 1000) * 1000
  return (updatedAt) => Date.parse(updatedAt) >= at
}

/** Order of two ISO-8601 UTC times (GitHub's, all the same length): a plain comparison, not the locale's. */
export function byTime(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The issue `{issue_number}` of the call's repository, or undefined. */
export function issueOf(call: Call, param = 'issue_number'): FakeIssue | undefined {
  return call.repo.issues.get(Number(call.params[param]))
}
