/**
 * A GitHub repository kept in memory (served through the nock harness by
 * `./rebuild-fake-api.ts`: every request checked against GitHub's REST
 * description and logged in `recordedRequests`), for recording what GitHub holds after the real app
 * ran through a sequence of events, and for serving a recorded state back to
 * a rebuild. It answers what the app sends (issue updates, comments and
 * their edits, labels, reactions, sub-issues, native dependencies,
 * collaborator permissions) and what a rebuild reads (the paginated
 * listings of issues, comments and labels, single issues, `blocked_by`
 * links), with `Link` headers for pages, as GitHub does.
 *
 * Events of people (opening, editing, closing, labelling an issue;
 * commenting) change the repository and return the webhook payload GitHub
 * would deliver, for the test to hand to the app. `./rebuild-fake-api.ts`
 * serves it.
 */

import type {
  RecordedComment,
  RecordedIssue,
  RepositoryState,
} from '../../src/app/rebuild/rebuild-state.js'
import type { FakeClock } from '../../src/core/clock.js'
import { GITHUB_API } from '../support/github/nock.js'
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
  /** Who closed it (GitHub shows it on a single issue, not in listings). */
  closed_by?: string | null
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

export const iso = (clock: FakeClock) => new Date(clock.now()).toISOString()

export function userJson(u: User, id = 1) {
  return { login: u.login, id, node_id: `U_${u.login}`, avatar_url: '', type: u.type }
}

/** The repository, its REST shapes, and the nock routes serving them. */
export class FakeRepository {
  readonly data: FakeData

  constructor(
    data: FakeData,
    readonly clock: FakeClock,
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

  /** `https://api.github.com/repos/owner/repo`. */
  get base() {
    return `${GITHUB_API}/repos/${this.data.owner}/${this.data.repo}`
  }

  issue(number: number): FakeIssue {
    const i = this.data.issues.find((x) => x.number === number)
    if (!i) throw new Error(`fake: no issue #${number}`)
    return i
  }

  /** The REST shape of an issue; `single`: as `GET …/issues/{n}` answers (with `closed_by`). */
  issueJson(i: FakeIssue, single = false) {
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
      ...(single
        ? { closed_by: i.closed_by ? userJson({ login: i.closed_by, type: 'User' }) : null }
        : {}),
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
    Object.assign(i, {
      state: 'closed',
      state_reason: reason,
      closed_at: now,
      closed_by: login,
      updated_at: now,
    })
    // The examples have no `issues.closed`: a real `issues.reopened` turned into one.
    const payload = webhookExample('issues.reopened', {
      issue: this.issueJson(i),
      sender: { login, type: 'User' },
      installation: INSTALLATION,
    } as never)
    return { ...payload, action: 'closed' }
  }

  /** A person replaces label `remove` with `add` on issue `number` (the `labeled` event of the two). */
  relabel(number: number, remove: string, add: string, login = 'maint') {
    const i = this.issue(number)
    const name = add
    this.ensureLabel(name)
    i.labels = [...i.labels.filter((l) => l !== remove), name]
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

  /** Add a comment (the app's, or a person's) and bump the issue's `updated_at`. */
  addComment(number: number, body: string, user: User): FakeComment {
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

  /** Make sure the repository has label `name`. */
  ensureLabel(name: string) {
    if (!this.data.labels.some((l) => l.name.toLowerCase() === name.toLowerCase()))
      this.data.labels.push({ name, color: 'ededed', description: null })
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
