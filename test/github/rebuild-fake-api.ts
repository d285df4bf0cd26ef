/**
 * The REST API of a {@link FakeRepository}, through the nock harness: what
 * the app sends (issue updates, comments and their edits, labels, reactions,
 * sub-issues, native dependencies, collaborator permissions) and what a
 * rebuild reads (paginated listings with `Link` headers, single issues,
 * `blocked_by` links). Answers as GitHub does, including 422 for a label
 * that exists and 404 for what does not.
 */
import nock from 'nock'
import { GITHUB_API, githubApi } from '../support/github/nock.js'
import {
  APP_LOGIN,
  type FakeIssue,
  type FakeRepository,
  iso,
  userJson,
} from './rebuild-recorder.js'

export type Reply = readonly [number, unknown, Record<string, string>?]
type Body = Record<string, unknown>
type Handler = (fake: FakeRepository, m: RegExpExecArray, url: URL, body: Body) => Reply

const NOT_FOUND: Reply = [404, { message: 'Not Found' }]

/**
 * `items` cut to the page `url` asks for, each turned into its REST shape by
 * `shape` (only the page's), with GitHub's `Link: <…>; rel="next"`.
 */
function page<T>(items: T[], url: URL, shape: (item: T) => unknown): Reply {
  const perPage = Number(url.searchParams.get('per_page') ?? 30)
  const n = Number(url.searchParams.get('page') ?? 1)
  const headers: Record<string, string> = {}
  if (n * perPage < items.length) {
    const next = new URL(url)
    next.searchParams.set('page', String(n + 1))
    headers.link = `<${next.href}>; rel="next"`
  }
  return [200, items.slice((n - 1) * perPage, n * perPage).map(shape), headers]
}

const issueOr404 = (fake: FakeRepository, n: string | undefined) =>
  fake.data.issues.find((x) => x.number === Number(n))

/** Routes below `/repos/{owner}/{repo}`. */
const ROUTES: [string, RegExp, Handler][] = [
  [
    'GET',
    /^\/contents\/\.github%2Ftask-orchestrator\.yml$/,
    (fake) => {
      const text = fake.data.config
      if (text === null) return NOT_FOUND
      return [
        200,
        {
          type: 'file',
          encoding: 'base64',
          name: 'task-orchestrator.yml',
          path: '.github/task-orchestrator.yml',
          content: Buffer.from(text).toString('base64'),
          sha: 'c0ffee',
          size: text.length,
        },
      ]
    },
  ],
  [
    'GET',
    /^\/labels$/,
    (fake, _m, url) =>
      page(
        fake.data.labels.map((l, i) => ({ i, l })),
        url,
        ({ i, l }) => ({ id: i + 1, node_id: `L${i}`, url: '', default: false, ...l }),
      ),
  ],
  [
    'POST',
    /^\/labels$/,
    (fake, _m, _url, body) => {
      const name = String(body.name)
      if (fake.data.labels.some((l) => l.name.toLowerCase() === name.toLowerCase())) {
        return [
          422,
          {
            message: 'Validation Failed',
            errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }],
          },
        ]
      }
      const color = String(body.color)
      fake.data.labels.push({ name, color, description: (body.description as string) ?? null })
      return [
        201,
        { id: fake.data.labels.length, node_id: 'L', url: '', name, color, default: false },
      ]
    },
  ],
  [
    'GET',
    /^\/issues$/,
    (fake, _m, url) => {
      const label = url.searchParams.get('labels')?.toLowerCase()
      const state = url.searchParams.get('state') ?? 'open'
      const issues = fake.data.issues
        .filter((i) => !label || i.labels.some((l) => l.toLowerCase() === label))
        .filter((i) => state === 'all' || i.state === state)
        .sort((a, b) => b.number - a.number)
      return page(issues, url, (i) => fake.issueJson(i))
    },
  ],
  [
    'GET',
    /^\/issues\/comments$/,
    (fake, _m, url) =>
      page(
        [...fake.data.comments].sort((a, b) => a.id - b.id),
        url,
        (c) => fake.commentJson(c),
      ),
  ],
  [
    'PATCH',
    /^\/issues\/comments\/(\d+)$/,
    (fake, m, _url, body) => {
      const c = fake.data.comments.find((x) => x.id === Number(m[1]))
      if (!c) return NOT_FOUND
      Object.assign(c, { body: String(body.body), updated_at: iso(fake.clock) })
      return [200, fake.commentJson(c)]
    },
  ],
  [
    'POST',
    /^\/issues\/comments\/(\d+)\/reactions$/,
    (fake, _m, _url, body) => [
      201,
      {
        id: 1,
        node_id: 'R',
        user: userJson({ login: APP_LOGIN, type: 'Bot' }),
        content: body.content,
        created_at: iso(fake.clock),
      },
    ],
  ],
  [
    'GET',
    /^\/issues\/(\d+)$/,
    (fake, m) => {
      const i = issueOr404(fake, m[1])
      return i ? [200, fake.issueJson(i, true)] : NOT_FOUND
    },
  ],
  [
    'PATCH',
    /^\/issues\/(\d+)$/,
    (fake, m, _url, b) => {
      const i = issueOr404(fake, m[1])
      if (!i) return NOT_FOUND
      const now = iso(fake.clock)
      if (b.state === 'closed' && i.state !== 'closed')
        Object.assign(i, { closed_at: now, closed_by: APP_LOGIN })
      if (b.state === 'open')
        Object.assign(i, { closed_at: null, closed_by: null, state_reason: null })
      if (typeof b.state === 'string') i.state = b.state as FakeIssue['state']
      if (typeof b.state_reason === 'string') i.state_reason = b.state_reason
      if (Array.isArray(b.labels)) {
        i.labels = b.labels as string[]
        for (const l of i.labels) fake.ensureLabel(l)
      }
      if (Array.isArray(b.assignees)) i.assignees = b.assignees as string[]
      if (typeof b.body === 'string') i.body = b.body
      i.updated_at = now
      return [200, fake.issueJson(i)]
    },
  ],
  [
    'POST',
    /^\/issues\/(\d+)\/comments$/,
    (fake, m, _url, body) => {
      const c = fake.addComment(Number(m[1]), String(body.body), { login: APP_LOGIN, type: 'Bot' })
      return [201, fake.commentJson(c)]
    },
  ],
  [
    'GET',
    /^\/issues\/(\d+)\/sub_issues$/,
    (fake, m, url) =>
      page(
        fake.data.issues.filter((c) => c.parent === Number(m[1])),
        url,
        (c) => fake.issueJson(c),
      ),
  ],
  [
    'POST',
    /^\/issues\/(\d+)\/dependencies\/blocked_by$/,
    (fake, m, _url, body) => {
      const n = Number(m[1])
      fake.data.blockedBy[n] = [...(fake.data.blockedBy[n] ?? []), Number(body.issue_id)]
      const blocking = fake.data.issues.find((x) => x.id === Number(body.issue_id))
      return [201, blocking ? fake.issueJson(blocking) : {}]
    },
  ],
  [
    'GET',
    /^\/issues\/(\d+)\/dependencies\/blocked_by$/,
    (fake, m, url) => {
      const ids = fake.data.blockedBy[Number(m[1])] ?? []
      return page(
        fake.data.issues.filter((x) => ids.includes(x.id)),
        url,
        (x) => fake.issueJson(x),
      )
    },
  ],
  [
    'DELETE',
    /^\/issues\/(\d+)\/dependencies\/blocked_by\/(\d+)$/,
    (fake, m) => {
      const n = Number(m[1])
      fake.data.blockedBy[n] = (fake.data.blockedBy[n] ?? []).filter((id) => id !== Number(m[2]))
      return [200, fake.issueJson(fake.issue(n))]
    },
  ],
  [
    'GET',
    /^\/collaborators\/([^/]+)\/permission$/,
    (fake, m) => {
      const login = m[1] ?? ''
      const level = fake.data.permissions[login] ?? 'write'
      return [
        200,
        {
          permission: level === 'maintain' ? 'write' : level,
          role_name: level,
          user: userJson({ login, type: 'User' }),
        },
      ]
    },
  ],
]

/**
 * GitHub's answer to `method uri` (a path below the API root, with its query)
 * for `fake`: `[status, body, headers?]`. A request no route knows gets a 500
 * naming it, so a test sees it. `apiRoot` (default api.github.com) is where
 * the `Link` headers of pages point.
 */
export function answer(
  fake: FakeRepository,
  method: string,
  uri: string,
  body: unknown,
  apiRoot: string = GITHUB_API,
): Reply {
  const prefix = `/repos/${fake.data.owner}/${fake.data.repo}`
  const url = new URL(uri, apiRoot)
  // GitHub compares owner and repository names case-insensitively.
  if (!url.pathname.toLowerCase().startsWith(`${prefix}/`.toLowerCase())) return NOT_FOUND
  const path = url.pathname.slice(prefix.length)
  for (const [m, re, handler] of ROUTES) {
    const match = m === method ? re.exec(path) : null
    if (match) return handler(fake, match, url, (body ?? {}) as Body)
  }
  return [500, { message: `fake GitHub: no route for ${method} ${path}` }]
}

/** A repository being served; `stop()` removes its interceptors, so none is left pending. */
export interface Served {
  stop(): void
}

/** Serve `fake` at `https://api.github.com/repos/{owner}/{repo}/…` (see {@link answer}) until `stop()`. */
export function serveRepository(fake: FakeRepository): Served {
  const prefix = `/repos/${fake.data.owner}/${fake.data.repo}`
  const scope = githubApi().persist()
  const interceptors: nock.Interceptor[] = []
  for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
    const interceptor = scope.intercept(
      (path: string) => path.toLowerCase().startsWith(`${prefix}/`.toLowerCase()),
      method,
    )
    interceptor.reply(((uri: string, body: unknown) => answer(fake, method, uri, body)) as never)
    interceptors.push(interceptor)
  }
  return {
    stop: () => {
      for (const i of interceptors) nock.removeInterceptor(i)
    },
  }
}
