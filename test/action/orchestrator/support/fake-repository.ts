/**
 * A GitHub repository and the Actions artifact service, served on 127.0.0.1
 * for runs of the orchestrator: the REST calls the app makes (issues, labels,
 * comments, reactions, permissions, dependencies, check runs), the REST
 * artifact listing and download redirect, blob storage, and the Actions
 * results service (`CreateArtifact` / `FinalizeArtifact` over Twirp) that
 * `@actions/artifact` uploads through. State is kept in memory, so a sequence
 * of runs sees what earlier runs wrote — as on GitHub.
 *
 * Every REST request is checked against GitHub's OpenAPI description (the
 * same validator as the nock harness); `problems` lists what did not conform
 * or had no route, and tests assert it is empty.
 *
 * No vitest import here: the benchmarks run it under plain Node.
 */
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { validateRequest } from '../../../support/github/openapi.js'

export interface FakeLabel {
  name: string
  color: string
  description: string | null
}
export interface FakeIssue {
  number: number
  id: number
  node_id: string
  title: string
  body: string
  state: 'open' | 'closed'
  state_reason: string | null
  labels: string[]
  assignees: string[]
  user: string
  created_at: string
  updated_at: string
  closed_at: string | null
  pull_request?: boolean
}
export interface FakeComment {
  id: number
  issue: number
  body: string
  user: string
  user_type: 'User' | 'Bot'
  created_at: string
  updated_at: string
}
export interface FakeArtifact {
  id: number
  name: string
  bytes: Buffer
  digest: string
  created_at: string
  expired: boolean
  run_id: number
  /**
   * The repository the uploading run's head came from (a fork's id for a
   * fork's pull request; default this repository's). `null`: the listing
   * names none.
   */
  head_repository_id?: number | null
  /** The listing names no workflow run at all (`workflow_run: null`). */
  no_workflow_run?: boolean
}

export interface FakeRequest {
  method: string
  path: string
  body: unknown
}

/** The running fake. */
export interface FakeRepository {
  url: string
  owner: string
  repo: string
  issues: Map<number, FakeIssue>
  comments: FakeComment[]
  labels: Map<string, FakeLabel>
  artifacts: FakeArtifact[]
  checkRuns: Record<string, unknown>[]
  /** Permission by login (default `write`). */
  permissions: Map<string, string>
  requests: FakeRequest[]
  problems: string[]
  /** The run that uploads next (artifacts record it). */
  runId: number
  /** The login the app posts as. */
  appLogin: string
  /** Answer every REST write with 403, as for a workflow without `issues: write`. */
  failWrites: boolean
  /**
   * Answer REST requests this returns a reply for (`status`, `message`)
   * instead of serving them: a token without a permission, an outage.
   */
  refuse: ((method: string, path: string) => { status: number; message: string } | undefined) | null
  /**
   * Awaited, when it returns a promise, after a REST request is served and
   * before its response is sent: a test holds one run there (what it was
   * told is decided, what it does next waits) while another run goes on.
   */
  holdResponse: ((method: string, path: string) => Promise<void> | undefined) | null
  /** Add an issue as a person would (not through the app). */
  openIssue(input: {
    number: number
    title?: string
    body?: string
    labels?: string[]
    user?: string
  }): FakeIssue
  /** Add a comment as a person would. */
  addComment(issue: number, body: string, user?: string): FakeComment
  /** Requests with `method` whose path starts with `prefix`. */
  find(method: string, prefix: string): FakeRequest[]
  close(): Promise<void>
}

/** Start the fake. `now()` stamps what it creates (use the test's clock). */
export async function startFakeRepository(
  options: { owner?: string; repo?: string; now?: () => string } = {},
): Promise<FakeRepository> {
  const owner = options.owner ?? 'Codertocat'
  const repo = options.repo ?? 'Hello-World'
  const now = options.now ?? (() => new Date().toISOString())
  let nextId = 9000
  let artifactClock = Date.parse('2026-01-01T00:00:00Z')
  const uploads = new Map<string, { name: string; blocks: Map<string, Buffer>; data?: Buffer }>()
  const fake: FakeRepository = {
    url: '',
    owner,
    repo,
    issues: new Map(),
    comments: [],
    labels: new Map(),
    artifacts: [],
    checkRuns: [],
    permissions: new Map(),
    requests: [],
    problems: [],
    runId: 1,
    appLogin: 'github-actions[bot]',
    failWrites: false,
    refuse: null,
    holdResponse: null,
    openIssue(input) {
      const at = now()
      const issue: FakeIssue = {
        number: input.number,
        id: 100_000 + input.number,
        node_id: `I_${input.number}`,
        title: input.title ?? `Task ${input.number}`,
        body: input.body ?? '',
        state: 'open',
        state_reason: null,
        labels: input.labels ?? ['task'],
        assignees: [],
        user: input.user ?? 'ada',
        created_at: at,
        updated_at: at,
        closed_at: null,
      }
      fake.issues.set(issue.number, issue)
      return issue
    },
    addComment(issue, body, user = 'ada') {
      const at = now()
      const c: FakeComment = {
        id: ++nextId,
        issue,
        body,
        user,
        user_type: user.endsWith('[bot]') ? 'Bot' : 'User',
        created_at: at,
        updated_at: at,
      }
      fake.comments.push(c)
      const i = fake.issues.get(issue)
      if (i) i.updated_at = at
      return c
    },
    find: (method, prefix) =>
      fake.requests.filter((r) => r.method === method && r.path.startsWith(prefix)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
  const base = `/repos/${owner}/${repo}`
  const html = (n: number) => `https://github.com/${owner}/${repo}/issues/${n}`
  const userOf = (login: string) => ({
    login,
    id: login.length,
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
  })
  const issueJson = (i: FakeIssue) => ({
    id: i.id,
    node_id: i.node_id,
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    state_reason: i.state_reason,
    labels: i.labels.map((name) => ({
      name,
      color: fake.labels.get(name)?.color ?? 'ededed',
      description: fake.labels.get(name)?.description ?? null,
    })),
    assignees: i.assignees.map(userOf),
    assignee: i.assignees[0] ? userOf(i.assignees[0]) : null,
    user: userOf(i.user),
    html_url: html(i.number),
    url: `https://api.github.com${base}/issues/${i.number}`,
    created_at: i.created_at,
    updated_at: i.updated_at,
    closed_at: i.closed_at,
    ...(i.pull_request ? { pull_request: { url: 'x' } } : {}),
  })
  const commentJson = (c: FakeComment) => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    body: c.body,
    user: { ...userOf(c.user), type: c.user_type },
    html_url: `${fake.issues.get(c.issue)?.pull_request ? html(c.issue).replace('/issues/', '/pull/') : html(c.issue)}#issuecomment-${c.id}`,
    issue_url: `https://api.github.com${base}/issues/${c.issue}`,
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: 'CONTRIBUTOR',
  })
  const artifactJson = (a: FakeArtifact) => ({
    id: a.id,
    node_id: `A_${a.id}`,
    name: a.name,
    size_in_bytes: a.bytes.length,
    url: `https://api.github.com${base}/actions/artifacts/${a.id}`,
    archive_download_url: `https://api.github.com${base}/actions/artifacts/${a.id}/zip`,
    expired: a.expired,
    digest: a.digest,
    created_at: a.created_at,
    updated_at: a.created_at,
    expires_at: '2027-01-01T00:00:00Z',
    workflow_run: a.no_workflow_run
      ? null
      : {
          id: a.run_id,
          repository_id: 1296269,
          ...(a.head_repository_id === null
            ? {}
            : { head_repository_id: a.head_repository_id ?? 1296269 }),
          head_branch: 'main',
          head_sha: 'abc',
        },
  })

  /** One page of `items` and GitHub's Link header for the others. */
  const paginate = <T>(items: T[], url: URL) => {
    const perPage = Number(url.searchParams.get('per_page') ?? 30)
    const page = Number(url.searchParams.get('page') ?? 1)
    const last = Math.max(1, Math.ceil(items.length / perPage))
    const link: string[] = []
    const at = (p: number) => {
      const u = new URL(url)
      u.searchParams.set('page', String(p))
      return `<${fake.url}${u.pathname}${u.search}>`
    }
    if (page < last) link.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`)
    return {
      data: items.slice((page - 1) * perPage, page * perPage),
      headers: (link.length ? { link: link.join(', ') } : {}) as Record<string, string>,
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const method = req.method ?? 'GET'
      const url = new URL(req.url ?? '/', fake.url)
      const path = url.pathname
      const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
        res.end(data === undefined ? '' : JSON.stringify(data))
      }
      // Artifact service: Twirp and blob storage (not the REST API).
      if (path.startsWith('/twirp/')) {
        const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>
        fake.requests.push({ method, path, body })
        if (path.endsWith('/CreateArtifact')) {
          const key = `u${++nextId}`
          uploads.set(key, { name: String(body.name), blocks: new Map() })
          return send(200, { ok: true, signed_upload_url: `${fake.url}/upload/${key}?sig=x` })
        }
        if (path.endsWith('/FinalizeArtifact')) {
          // Concurrent runs upload under the same name: finalize the oldest finished one.
          const entry = [...uploads.entries()].find(([, u]) => u.name === body.name && u.data)
          if (!entry?.[1].data) return send(400, { msg: 'nothing uploaded' })
          const [key, upload] = entry as [string, { name: string; data: Buffer }]
          uploads.delete(key)
          artifactClock += 60_000
          const a: FakeArtifact = {
            id: ++nextId,
            name: upload.name,
            bytes: upload.data,
            digest: `sha256:${createHash('sha256').update(upload.data).digest('hex')}`,
            created_at: new Date(artifactClock).toISOString().replace('.000', ''),
            expired: false,
            run_id: fake.runId,
          }
          fake.artifacts.push(a)
          return send(200, { ok: true, artifact_id: String(a.id) })
        }
        return send(404, { msg: 'no such method' })
      }
      if (path.startsWith('/upload/')) {
        fake.requests.push({ method, path: `${path}${url.search}`, body: null })
        const upload = uploads.get(path.slice('/upload/'.length))
        if (!upload) return send(404, undefined)
        const comp = url.searchParams.get('comp')
        if (comp === 'block') upload.blocks.set(url.searchParams.get('blockid') ?? '', raw)
        else if (comp === 'blocklist') {
          const ids = [
            ...raw.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)</g),
          ]
          upload.data = Buffer.concat(ids.map((m) => upload.blocks.get(m[1]!) ?? Buffer.alloc(0)))
        } else upload.data = raw
        res.writeHead(201, {
          etag: '"1"',
          'last-modified': new Date().toUTCString(),
          'x-ms-request-id': 'r',
        })
        return res.end()
      }
      if (path.startsWith('/blob/')) {
        fake.requests.push({ method, path, body: null })
        const a = fake.artifacts.find((x) => String(x.id) === path.slice('/blob/'.length))
        if (!a) return send(404, undefined)
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-disposition': `attachment; filename=${a.name}`,
        })
        return res.end(a.bytes)
      }
      // The REST API.
      const text = raw.toString('utf8')
      let body: Record<string, unknown> = {}
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {}
      } catch {
        fake.problems.push(`${method} ${path}: body is not JSON`)
      }
      fake.requests.push({ method, path: `${path}${url.search}`, body: text ? body : null })
      try {
        validateRequest({
          method,
          url: `https://api.github.com${path}${url.search}`,
          body: text || undefined,
        })
      } catch (err) {
        fake.problems.push(`${method} ${path}${url.search}: ${(err as Error).message}`)
      }
      if (fake.failWrites && method !== 'GET')
        return send(403, { message: 'Resource not accessible by integration' })
      const refused = fake.refuse?.(method, path)
      if (refused) return send(refused.status, { message: refused.message })
      const reply = route(method, path, url, body)
      if (!reply) {
        fake.problems.push(`no route for ${method} ${path}`)
        return send(404, { message: 'Not Found' })
      }
      const held = fake.holdResponse?.(method, path)
      if (held) void held.then(() => send(reply.status, reply.data, reply.headers))
      else send(reply.status, reply.data, reply.headers)
    })
  })

  type Reply = { status: number; data: unknown; headers?: Record<string, string> }
  function route(
    method: string,
    path: string,
    url: URL,
    body: Record<string, unknown>,
  ): Reply | null {
    if (!path.startsWith(`${base}/`)) return null
    const rest = path.slice(base.length)
    const perm = /^\/collaborators\/([^/]+)\/permission$/.exec(rest)
    const oneIssue = /^\/issues\/(\d+)$/.exec(rest)
    const issueComments = /^\/issues\/(\d+)\/comments$/.exec(rest)
    const oneComment = /^\/issues\/comments\/(\d+)$/.exec(rest)
    const checks = /^\/commits\/([^/]+)\/check-runs$/.exec(rest)
    const zip = /^\/actions\/artifacts\/(\d+)\/zip$/.exec(rest)
    if (method === 'GET' && rest.startsWith('/contents/'))
      return { status: 404, data: { message: 'Not Found' } }
    if (method === 'GET' && perm) {
      const login = decodeURIComponent(perm[1]!)
      const permission = fake.permissions.get(login) ?? 'write'
      return { status: 200, data: { permission, role_name: permission, user: userOf(login) } }
    }
    if (rest === '/labels' && method === 'GET') {
      const p = paginate([...fake.labels.values()], url)
      return { status: 200, data: p.data, headers: p.headers }
    }
    if (rest === '/labels' && method === 'POST') {
      const label = {
        name: String(body.name),
        color: String(body.color ?? 'ededed'),
        description: (body.description as string) ?? null,
      }
      if (fake.labels.has(label.name))
        return {
          status: 422,
          data: { message: 'Validation Failed', errors: [{ code: 'already_exists' }] },
        }
      fake.labels.set(label.name, label)
      return { status: 201, data: { id: fake.labels.size, ...label, default: false } }
    }
    if (rest === '/issues' && method === 'GET') {
      const state = url.searchParams.get('state') ?? 'open'
      const labels = url.searchParams.get('labels')?.split(',').filter(Boolean) ?? []
      const since = url.searchParams.get('since')
      const list = [...fake.issues.values()]
        .filter((i) => state === 'all' || i.state === state)
        .filter((i) => labels.every((l) => i.labels.includes(l)))
        .filter((i) => !since || i.updated_at >= since)
        .sort((a, b) => b.number - a.number)
      const p = paginate(list.map(issueJson), url)
      return { status: 200, data: p.data, headers: p.headers }
    }
    if (oneIssue) {
      const issue = fake.issues.get(Number(oneIssue[1]))
      if (!issue) return { status: 404, data: { message: 'Not Found' } }
      if (method === 'PATCH') {
        if (typeof body.body === 'string') issue.body = body.body
        if (typeof body.title === 'string') issue.title = body.title
        if (Array.isArray(body.labels))
          issue.labels = body.labels.map((l) =>
            typeof l === 'string' ? l : String((l as { name: string }).name),
          )
        if (Array.isArray(body.assignees)) issue.assignees = body.assignees.map(String)
        if (body.state === 'open' || body.state === 'closed') {
          issue.state = body.state
          issue.state_reason =
            (body.state_reason as string) ?? (body.state === 'closed' ? 'completed' : 'reopened')
          issue.closed_at = body.state === 'closed' ? now() : null
        }
        issue.updated_at = now()
      } else if (method !== 'GET') return null
      return { status: 200, data: issueJson(issue) }
    }
    if (method === 'POST' && issueComments) {
      const c = fake.addComment(Number(issueComments[1]), String(body.body), fake.appLogin)
      return { status: 201, data: commentJson(c) }
    }
    if (method === 'GET' && issueComments) {
      const since = url.searchParams.get('since')
      const list = fake.comments
        .filter((c) => c.issue === Number(issueComments[1]))
        .filter((c) => !since || c.updated_at >= since)
        .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id)
      const p = paginate(list.map(commentJson), url)
      return { status: 200, data: p.data, headers: p.headers }
    }
    if (rest === '/issues/comments' && method === 'GET') {
      const since = url.searchParams.get('since')
      const direction = url.searchParams.get('direction') ?? 'asc'
      const list = fake.comments
        .filter((c) => !since || c.updated_at >= since)
        .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id)
      if (direction === 'desc') list.reverse()
      const p = paginate(list.map(commentJson), url)
      return { status: 200, data: p.data, headers: p.headers }
    }
    if (oneComment) {
      const c = fake.comments.find((x) => x.id === Number(oneComment[1]))
      if (!c) return { status: 404, data: { message: 'Not Found' } }
      if (method === 'PATCH') {
        c.body = String(body.body)
        c.updated_at = now()
      }
      return { status: 200, data: commentJson(c) }
    }
    if (method === 'POST' && /^\/issues\/comments\/\d+\/reactions$/.test(rest))
      return {
        status: 201,
        data: { id: ++nextId, content: body.content, user: userOf(fake.appLogin) },
      }
    if (method === 'GET' && /^\/issues\/\d+\/sub_issues$/.test(rest))
      return { status: 200, data: [] }
    if (/^\/issues\/\d+\/dependencies\/blocked_by(\/\d+)?$/.test(rest)) {
      if (method === 'POST') return { status: 201, data: issueJson([...fake.issues.values()][0]!) }
      if (method === 'DELETE')
        return { status: 200, data: issueJson([...fake.issues.values()][0]!) }
    }
    if (method === 'GET' && checks) {
      const runs = fake.checkRuns.filter((r) => r.head_sha === checks[1])
      return { status: 200, data: { total_count: runs.length, check_runs: runs } }
    }
    if (rest === '/actions/artifacts' && method === 'GET') {
      const name = url.searchParams.get('name')
      const list = fake.artifacts
        .filter((a) => !name || a.name === name)
        .sort((a, b) => b.created_at.localeCompare(a.created_at))
      return { status: 200, data: { total_count: list.length, artifacts: list.map(artifactJson) } }
    }
    if (method === 'GET' && zip) {
      const a = fake.artifacts.find((x) => x.id === Number(zip[1]))
      if (!a || a.expired) return { status: 410, data: { message: 'Artifact has expired' } }
      return { status: 302, data: undefined, headers: { location: `${fake.url}/blob/${a.id}` } }
    }
    return null
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return fake
}

/** An `ACTIONS_RUNTIME_TOKEN` with the claim `@actions/artifact` reads (unsigned; the fake does not check it). */
export function runtimeToken(): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ scp: 'Actions.Results:run-backend:job-backend' })}.x`
}
