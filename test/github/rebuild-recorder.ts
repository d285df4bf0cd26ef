/**
 * A GitHub repository kept in memory and served through the nock harness
 * (every request checked against GitHub's REST description and logged in
 * `recordedRequests`), for recording what GitHub holds after the real app
 * ran through a sequence of events, and for serving a recorded state back to
 * a rebuild. It answers what the app sends (issue updates, comments and
 * their edits, labels, reactions, sub-issues, native dependencies,
 * collaborator permissions) and what a rebuild reads (the paginated
 * listings of issues, comments and labels, single issues, `blocked_by`
 * links), with `Link` headers for pages, as GitHub does.
 *
 * Events of people (opening, editing, closing, labelling an issue;
 * commenting) change the repository and return the webhook payload GitHub
 * would deliver, for the test to hand to the app.
 */
import nock from 'nock'
import type { FakeClock } from '../../src/core/clock.js'
import type {
  RecordedComment,
  RecordedIssue,
  RepositoryState,
} from '../../src/github/rebuild-plan.js'
import { GITHUB_API, githubApi } from '../support/github/nock.js'
import { INSTALLATION, webhookExample } from '../support/github/webhooks.js'

/** The app's login in recordings (Probot with a token acts as a bot). */
export const APP_LOGIN = 'task-orchestrator[bot]'

interface User {
  login: string
  type: string
}

/** An issue as the fake keeps it. */
export interface FakeIssue {
  id: number
  number: number
  title: string
  body: string
  state: 'open' | 'closed'
  state_reason: string | null
  labels: string[]
  assignees: string[]
  user: User
  created_at: string
  updated_at: string
  closed_at: string | null
  pullRequest?: boolean
  /** Number of the parent issue (GitHub sub-issues). */
  parent?: number
}

/** A comment as the fake keeps it. */
export interface FakeComment {
  id: number
  issue: number
  body: string
  user: User
  created_at: string
  updated_at: string
}

/** Everything the fake holds; JSON, so a recording can be saved and loaded. */
export interface FakeData {
  owner: string
  repo: string
  config: string | null
  labels: { name: string; color: string; description: string | null }[]
  issues: FakeIssue[]
  comments: FakeComment[]
  /** Native `blocked_by` links: issue number → GitHub ids of the blocking issues. */
  blockedBy: Record<number, number[]>
  /** Collaborator permissions by login (default `write`). */
  permissions: Record<string, string>
  nextCommentId: number
}

const iso = (clock: FakeClock) => new Date(clock.now()).toISOString()

function userJson(u: User, id = 1) {
  return { login: u.login, id, node_id: `U_${u.login}`, avatar_url: '', type: u.type }
}

/** The repository, its REST shapes, and the nock routes serving them. */
export class FakeRepository {
  readonly data: FakeData
  private interceptors: nock.Interceptor[] = []

  constructor(
    data: FakeData,
    private readonly clock: FakeClock,
  ) {
    this.data = structuredClone(data)
  }

  /** An empty repository `owner/repo` with `labels` and an optional config file. */
  static create(
    clock: FakeClock,
    owner: string,
    repo: string,
    config: string | null,
    labels: string[],
  ) {
    return new FakeRepository(
      {
        owner,
        repo,
        config,
        labels: labels.map((name) => ({ name, color: 'ededed', description: null })),
        issues: [],
        comments: [],
        blockedBy: {},
        permissions: {},
        nextCommentId: 10_001,
      },
      clock,
    )
  }

  private get base() {
    return `${GITHUB_API}/repos/${this.data.owner}/${this.data.repo}`
  }

  issue(number: number): FakeIssue {
    const i = this.data.issues.find((x) => x.number === number)
    if (!i) throw new Error(`fake: no issue #${number}`)
    return i
  }

  /** The REST shape of an issue. */
  issueJson(i: FakeIssue) {
    const blocked = this.data.blockedBy[i.number] ?? []
    const children = this.data.issues.filter((c) => c.parent === i.number)
    return {
      id: i.id,
      node_id: `I_${i.id}`,
      url: `${this.base}/issues/${i.number}`,
      repository_url: this.base,
      labels_url: `${this.base}/issues/${i.number}/labels{/name}`,
      comments_url: `${this.base}/issues/${i.number}/comments`,
      events_url: `${this.base}/issues/${i.number}/events`,
      html_url: `https://github.com/${this.data.owner}/${this.data.repo}/${i.pullRequest ? 'pull' : 'issues'}/${i.number}`,
      number: i.number,
      state: i.state,
      state_reason: i.state_reason,
      title: i.title,
      body: i.body,
      user: userJson(i.user),
      labels: i.labels.map((name, n) => ({
        id: n + 1,
        node_id: `L_${name}`,
        url: `${this.base}/labels/${encodeURIComponent(name)}`,
        name,
        color: this.data.labels.find((l) => l.name === name)?.color ?? 'ededed',
        default: false,
        description: null,
      })),
      assignee: i.assignees[0] ? userJson({ login: i.assignees[0], type: 'User' }) : null,
      assignees: i.assignees.map((login) => userJson({ login, type: 'User' })),
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: this.data.comments.filter((c) => c.issue === i.number).length,
      created_at: i.created_at,
      updated_at: i.updated_at,
      closed_at: i.closed_at,
      author_association: 'MEMBER',
      sub_issues_summary: {
        total: children.length,
        completed: children.filter((c) => c.state === 'closed').length,
        percent_completed: 0,
      },
      issue_dependencies_summary: {
        blocked_by: blocked.length,
        blocking: 0,
        total_blocked_by: blocked.length,
        total_blocking: 0,
      },
      parent_issue_url: i.parent ? `${this.base}/issues/${i.parent}` : null,
      ...(i.pullRequest
        ? {
            pull_request: {
              url: `${this.base}/pulls/${i.number}`,
              html_url: `https://github.com/${this.data.owner}/${this.data.repo}/pull/${i.number}`,
              diff_url: '',
              patch_url: '',
              merged_at: null,
            },
          }
        : {}),
    }
  }

  /** The REST shape of a comment. */
  commentJson(c: FakeComment) {
    const kind = this.issue(c.issue).pullRequest ? 'pull' : 'issues'
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${this.base}/issues/comments/${c.id}`,
      html_url: `https://github.com/${this.data.owner}/${this.data.repo}/${kind}/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${this.base}/issues/${c.issue}`,
      body: c.body,
      user: userJson(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
    }
  }

  /** What a rebuild reads, as `fetchRepositoryState` records it (for pure tests). */
  recordedState(taskLabel = 'task'): { issues: RecordedIssue[]; comments: RecordedComment[] } {
    return {
      issues: this.data.issues
        .filter((i) => i.labels.some((l) => l.toLowerCase() === taskLabel))
        .map((i) => this.issueJson(i) as RecordedIssue),
      comments: this.data.comments.map((c) => this.commentJson(c)),
    }
  }

  // --- people's events -------------------------------------------------

  /** A person opens issue `number` (numbers are given, as they are known in advance). */
  open(number: number, title: string, body: string, labels: string[], login = 'maint') {
    const now = iso(this.clock)
    for (const name of labels) this.ensureLabel(name)
    const issue: FakeIssue = {
      id: 1000 + number,
      number,
      title,
      body,
      state: 'open',
      state_reason: null,
      labels,
      assignees: [],
      user: { login, type: 'User' },
      created_at: now,
      updated_at: now,
      closed_at: null,
    }
    this.data.issues.push(issue)
    return webhookExample('issues.opened', {
      issue: this.issueJson(issue),
      sender: { login, type: 'User' },
      installation: INSTALLATION,
    } as never)
  }

  /** A pull request (not delivered: the app reads pull requests only for the gate). */
  openPullRequest(number: number, title: string, labels: string[]) {
    const now = iso(this.clock)
    this.data.issues.push({
      id: 1000 + number,
      number,
      title,
      body: '',
      state: 'open',
      state_reason: null,
      labels,
      assignees: [],
      user: { login: 'ada', type: 'User' },
      created_at: now,
      updated_at: now,
      closed_at: null,
      pullRequest: true,
    })
  }

  /** A person edits the body of issue `number`. */
  edit(number: number, body: string, login = 'maint') {
    const i = this.issue(number)
    const from = i.body
    i.body = body
    i.updated_at = iso(this.clock)
    return webhookExample('issues.edited', {
      issue: this.issueJson(i),
      changes: { body: { from } },
      sender: { login, type: 'User' },
      installation: INSTALLATION,
    } as never)
  }

  /** A person closes issue `number` (`completed` or `not_planned`). */
  close(number: number, reason: 'completed' | 'not_planned', login = 'maint') {
    const i = this.issue(number)
    const now = iso(this.clock)
    Object.assign(i, { state: 'closed', state_reason: reason, closed_at: now, updated_at: now })
    // The examples have no `issues.closed`: a real `issues.reopened` turned into one.
    const payload = webhookExample('issues.reopened', {
      issue: this.issueJson(i),
      sender: { login, type: 'User' },
      installation: INSTALLATION,
    } as never)
    return { ...payload, action: 'closed' }
  }

  /** A person adds label `name` to issue `number`. */
  label(number: number, name: string, login = 'maint') {
    const i = this.issue(number)
    this.ensureLabel(name)
    i.labels = [...i.labels, name]
    i.updated_at = iso(this.clock)
    return webhookExample('issues.labeled', {
      issue: this.issueJson(i),
      label: {
        id: 99,
        node_id: 'L',
        url: '',
        name,
        color: 'ededed',
        default: false,
        description: null,
      },
      sender: { login, type: 'User' },
      installation: INSTALLATION,
    } as never)
  }

  /** `login` comments `body` on issue (or pull request) `number`. */
  comment(number: number, body: string, login: string) {
    const c = this.addComment(number, body, { login, type: 'User' })
    const i = this.issue(number)
    return webhookExample(
      'issue_comment.created',
      {
        issue: {
          number,
          id: i.id,
          pull_request: i.pullRequest ? this.issueJson(i).pull_request : undefined,
        },
        comment: this.commentJson(c),
        sender: { login, type: 'User' },
        installation: INSTALLATION,
      } as never,
      { variant: 2 },
    )
  }

  private addComment(number: number, body: string, user: User): FakeComment {
    const now = iso(this.clock)
    const c = {
      id: this.data.nextCommentId++,
      issue: number,
      body,
      user,
      created_at: now,
      updated_at: now,
    }
    this.data.comments.push(c)
    this.issue(number).updated_at = now
    return c
  }

  private ensureLabel(name: string) {
    if (!this.data.labels.some((l) => l.name.toLowerCase() === name.toLowerCase()))
      this.data.labels.push({ name, color: 'ededed', description: null })
  }

  // --- the REST API ------------------------------------------------------

  /** Serve the repository until {@link stop}. */
  serve(): this {
    const scope = githubApi().persist()
    const route = (method: string) => (uri: string, body: unknown) =>
      this.answer(method, uri, body as Record<string, unknown> | undefined)
    const match = (path: string) => path.startsWith(`/repos/${this.data.owner}/${this.data.repo}/`)
    for (const [method, interceptor] of [
      ['GET', scope.get(match)],
      ['POST', scope.post(match)],
      ['PATCH', scope.patch(match)],
      ['DELETE', scope.delete(match)],
    ] as const) {
      interceptor.reply(route(method) as never)
      this.interceptors.push(interceptor)
    }
    return this
  }

  /** Stop serving (the interceptors are removed, so none is left pending). */
  stop(): void {
    for (const i of this.interceptors) nock.removeInterceptor(i)
    this.interceptors = []
  }

  private page<T>(items: T[], uri: string): [number, T[], Record<string, string>] {
    const url = new URL(uri, GITHUB_API)
    const perPage = Number(url.searchParams.get('per_page') ?? 30)
    const page = Number(url.searchParams.get('page') ?? 1)
    const slice = items.slice((page - 1) * perPage, page * perPage)
    const headers: Record<string, string> = {}
    if (page * perPage < items.length) {
      url.searchParams.set('page', String(page + 1))
      headers.link = `<${GITHUB_API}${url.pathname}?${url.searchParams}>; rel="next"`
    }
    return [200, slice, headers]
  }

  private answer(method: string, uri: string, body: Record<string, unknown> | undefined) {
    const url = new URL(uri, GITHUB_API)
    const path = url.pathname.slice(`/repos/${this.data.owner}/${this.data.repo}`.length)
    const now = iso(this.clock)
    const notFound = [404, { message: 'Not Found' }] as const
    let m: RegExpExecArray | null
    if (
      method === 'GET' &&
      path === `/contents/${encodeURIComponent('.github/task-orchestrator.yml')}`
    ) {
      if (this.data.config === null) return notFound
      return [
        200,
        {
          type: 'file',
          encoding: 'base64',
          name: 'task-orchestrator.yml',
          path: '.github/task-orchestrator.yml',
          content: Buffer.from(this.data.config).toString('base64'),
          sha: 'c0ffee',
          size: this.data.config.length,
        },
      ]
    }
    if (method === 'GET' && path === '/labels')
      return this.page(
        this.data.labels.map((l, i) => ({
          id: i + 1,
          node_id: `L${i}`,
          url: '',
          default: false,
          ...l,
        })),
        uri,
      )
    if (method === 'POST' && path === '/labels') {
      const name = String(body?.name)
      if (this.data.labels.some((l) => l.name.toLowerCase() === name.toLowerCase()))
        return [
          422,
          {
            message: 'Validation Failed',
            errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }],
          },
        ]
      this.data.labels.push({
        name,
        color: String(body?.color),
        description: (body?.description as string) ?? null,
      })
      return [
        201,
        {
          id: this.data.labels.length,
          node_id: 'L',
          url: '',
          name,
          color: body?.color,
          default: false,
        },
      ]
    }
    if (method === 'GET' && path === '/issues') {
      const label = url.searchParams.get('labels')
      const state = url.searchParams.get('state') ?? 'open'
      const issues = this.data.issues
        .filter((i) => !label || i.labels.some((l) => l.toLowerCase() === label.toLowerCase()))
        .filter((i) => state === 'all' || i.state === state)
        .sort((a, b) => b.number - a.number)
        .map((i) => this.issueJson(i))
      return this.page(issues, uri)
    }
    if (method === 'GET' && path === '/issues/comments')
      return this.page(
        [...this.data.comments].sort((a, b) => a.id - b.id).map((c) => this.commentJson(c)),
        uri,
      )
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(path)) && method === 'PATCH') {
      const c = this.data.comments.find((x) => x.id === Number(m![1]))
      if (!c) return notFound
      Object.assign(c, { body: String(body?.body), updated_at: now })
      return [200, this.commentJson(c)]
    }
    if ((m = /^\/issues\/comments\/(\d+)\/reactions$/.exec(path)) && method === 'POST')
      return [
        201,
        {
          id: 1,
          node_id: 'R',
          user: userJson({ login: APP_LOGIN, type: 'Bot' }),
          content: body?.content,
          created_at: now,
        },
      ]
    if ((m = /^\/issues\/(\d+)$/.exec(path))) {
      const i = this.data.issues.find((x) => x.number === Number(m![1]))
      if (!i) return notFound
      if (method === 'GET') return [200, this.issueJson(i)]
      if (method === 'PATCH') {
        const b = body ?? {}
        if (b.state === 'closed' && i.state !== 'closed') i.closed_at = now
        if (b.state === 'open') Object.assign(i, { closed_at: null, state_reason: null })
        if (typeof b.state === 'string') i.state = b.state as FakeIssue['state']
        if (typeof b.state_reason === 'string') i.state_reason = b.state_reason
        if (Array.isArray(b.labels)) {
          i.labels = b.labels as string[]
          for (const l of i.labels) this.ensureLabel(l)
        }
        if (Array.isArray(b.assignees)) i.assignees = b.assignees as string[]
        if (typeof b.body === 'string') i.body = b.body
        i.updated_at = now
        return [200, this.issueJson(i)]
      }
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(path)) && method === 'POST') {
      const c = this.addComment(Number(m[1]), String(body?.body), { login: APP_LOGIN, type: 'Bot' })
      return [201, this.commentJson(c)]
    }
    if ((m = /^\/issues\/(\d+)\/sub_issues$/.exec(path)) && method === 'GET') {
      const children = this.data.issues.filter((c) => c.parent === Number(m![1]))
      return this.page(
        children.map((c) => this.issueJson(c)),
        uri,
      )
    }
    if ((m = /^\/issues\/(\d+)\/dependencies\/blocked_by$/.exec(path))) {
      const n = Number(m[1])
      if (method === 'POST') {
        this.data.blockedBy[n] = [...(this.data.blockedBy[n] ?? []), Number(body?.issue_id)]
        const blocking = this.data.issues.find((x) => x.id === Number(body?.issue_id))
        return [201, blocking ? this.issueJson(blocking) : {}]
      }
      if (method === 'GET') {
        const ids = this.data.blockedBy[n] ?? []
        return this.page(
          this.data.issues.filter((x) => ids.includes(x.id)).map((x) => this.issueJson(x)),
          uri,
        )
      }
    }
    if (
      (m = /^\/issues\/(\d+)\/dependencies\/blocked_by\/(\d+)$/.exec(path)) &&
      method === 'DELETE'
    ) {
      const n = Number(m[1])
      this.data.blockedBy[n] = (this.data.blockedBy[n] ?? []).filter((id) => id !== Number(m![2]))
      return [200, this.issueJson(this.issue(n))]
    }
    if ((m = /^\/collaborators\/([^/]+)\/permission$/.exec(path)) && method === 'GET') {
      const level = this.data.permissions[m[1]!] ?? 'write'
      return [
        200,
        {
          permission: level === 'maintain' ? 'write' : level,
          role_name: level,
          user: userJson({ login: m[1]!, type: 'User' }),
        },
      ]
    }
    return [500, { message: `fake GitHub: no route for ${method} ${path}` }]
  }
}

/** The recorded state a rebuild would read, built from the fake (for pure planner tests). */
export function repositoryState(fake: FakeRepository): RepositoryState {
  const { issues, comments } = fake.recordedState()
  return {
    owner: fake.data.owner,
    repo: fake.data.repo,
    config: fake.data.config ?? '',
    labels: fake.data.labels.map((l) => l.name),
    issues,
    comments,
    referenced: {},
    subIssues: {},
    blockedBy: {},
  }
}
