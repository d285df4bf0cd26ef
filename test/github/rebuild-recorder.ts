/**
 * A repository of the one fake GitHub (`test/support/fake-github`) for the
 * rebuild tests: recording what GitHub holds after the real app ran through
 * a sequence of events, and serving a recorded state back to a rebuild. The
 * fake answers what the app sends and what a rebuild reads (served through
 * the nock harness by {@link serveRepository}: every request checked against
 * GitHub's REST description and logged in `recordedRequests`).
 *
 * A recording is {@link FakeData}, plain JSON (`test/fixtures/github/rebuild/`):
 * `new FakeRepository(data, clock)` loads one, `fake.data` writes one.
 *
 * Events of people (opening, editing, closing, labelling an issue;
 * commenting) change the repository and return the webhook payload GitHub
 * would deliver (built by the fake from `@octokit/webhooks-examples`), for
 * the test to hand to the app.
 */

import type {
  RecordedComment,
  RecordedIssue,
  RepositoryState,
} from '../../src/app/rebuild/rebuild-state.js'
import type { FakeClock } from '../../src/core/clock.js'
import {
  deliveryFor,
  type FakeComment,
  FakeGitHub,
  type FakeIssue,
  findLabel,
  type Json,
  type FakeRepository as ModelRepository,
  type NockServing,
  serveThroughNock,
} from '../support/fake-github/index.js'
import { issueJson, labelJson, commentJson as restComment } from '../support/fake-github/shapes.js'

export type { FakeComment, FakeIssue }

/** The app's login in recordings (Probot with a token acts as a bot). */
export const APP_LOGIN = 'task-orchestrator[bot]'
const CONFIG_PATH = '.github/task-orchestrator.yml'

interface User {
  login: string
  type: string
}

/** An issue as a recording keeps it. */
export interface RecordedFakeIssue {
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
  closed_by?: string | null
  pullRequest?: boolean
  parent?: number
}

/** Everything a recording holds; JSON, so it can be saved and loaded. */
export interface FakeData {
  owner: string
  repo: string
  config: string | null
  labels: { name: string; color: string; description: string | null }[]
  issues: RecordedFakeIssue[]
  comments: {
    id: number
    issue: number
    body: string
    user: User
    created_at: string
    updated_at: string
  }[]
  /** Native `blocked_by` links: issue number → GitHub ids of the blocking issues. */
  blockedBy: Record<number, number[]>
  /** Collaborator permissions by login (default `write`). */
  permissions: Record<string, string>
  nextCommentId: number
}

/** The repository of a recording, in the one fake GitHub. */
export class FakeRepository {
  readonly github: FakeGitHub
  readonly repo: ModelRepository

  /** Load `data` (a recording); `clock` stamps what happens next. */
  constructor(
    data: FakeData,
    readonly clock: FakeClock,
  ) {
    const github = new FakeGitHub({ now: () => clock.now(), appLogin: APP_LOGIN })
    const repo = github.addRepository(`${data.owner}/${data.repo}`, {
      files: data.config === null ? {} : { [CONFIG_PATH]: data.config },
      permissions: data.permissions as never,
    })
    for (const l of data.labels) repo.labels.push({ id: github.state.id(), ...l })
    for (const i of data.issues) {
      const issue = github.state.addIssue(repo, {
        number: i.number,
        id: i.id,
        title: i.title,
        body: i.body,
        labels: i.labels,
        assignees: i.assignees,
        user: i.user.login,
        ...(i.pullRequest ? { pull_request: {} } : {}),
        ...(i.parent !== undefined ? { parent: i.parent } : {}),
      })
      Object.assign(issue, {
        state: i.state,
        state_reason: i.state_reason,
        created_at: i.created_at,
        updated_at: i.updated_at,
        closed_at: i.closed_at,
        closed_by: i.closed_by ?? null,
        blocked_by: [...(data.blockedBy[i.number] ?? [])],
      })
    }
    for (const c of data.comments) {
      github.state.user(c.user.login)
      repo.comments.push({ ...c, user: c.user.login })
    }
    github.state.reserveIds('comment', data.nextCommentId - 1)
    this.github = github
    this.repo = repo
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

  /** The recording of what the repository holds now (JSON). */
  get data(): FakeData {
    const { repo, github } = this
    const user = (login: string): User => ({ login, type: github.state.user(login).type })
    const issues = [...repo.issues.values()]
    return {
      owner: repo.owner,
      repo: repo.name,
      config: repo.files.get(CONFIG_PATH) ?? null,
      labels: repo.labels.map(({ name, color, description }) => ({ name, color, description })),
      issues: issues.map((i) => ({
        id: i.id,
        number: i.number,
        title: i.title,
        body: i.body ?? '',
        state: i.state,
        state_reason: i.state_reason,
        labels: i.labels,
        assignees: i.assignees,
        user: user(i.user),
        created_at: i.created_at,
        updated_at: i.updated_at,
        closed_at: i.closed_at,
        closed_by: i.closed_by,
        ...(i.pull_request ? { pullRequest: true } : {}),
        ...(i.parent !== undefined ? { parent: i.parent } : {}),
      })),
      comments: repo.comments.map((c) => ({ ...c, user: user(c.user) })),
      blockedBy: Object.fromEntries(
        issues.filter((i) => i.blocked_by.length).map((i) => [i.number, [...i.blocked_by]]),
      ),
      permissions: Object.fromEntries(repo.permissions),
      nextCommentId: github.state.peekId('comment'),
    }
  }

  issue(number: number): FakeIssue {
    const i = this.repo.issues.get(number)
    if (!i) throw new Error(`fake: no issue #${number}`)
    return i
  }

  /** The REST shape of an issue; `single`: as `GET …/issues/{n}` answers (with `closed_by`). */
  issueJson(i: FakeIssue, single = false) {
    return issueJson(this.github.state, this.repo, i, single)
  }

  /** The REST shape of a comment. */
  commentJson(c: FakeComment) {
    return restComment(this.github.state, this.repo, c)
  }

  /** What a rebuild reads, as `fetchRepositoryState` records it (for pure tests). */
  recordedState(taskLabel = 'task'): { issues: RecordedIssue[]; comments: RecordedComment[] } {
    return {
      issues: [...this.repo.issues.values()]
        .filter((i) => i.labels.some((l) => l.toLowerCase() === taskLabel))
        .map((i) => this.issueJson(i) as unknown as RecordedIssue),
      comments: this.repo.comments.map((c) => this.commentJson(c) as unknown as RecordedComment),
    }
  }

  // --- people's events -------------------------------------------------

  /** The payload GitHub delivers for `name` caused by `login`. */
  #payload(name: string, fields: Json, login: string) {
    return deliveryFor(this.github.state, { name, repo: this.repo, fields }, login).payload as never
  }

  /** A person opens issue `number` (numbers are given, as they are known in advance). */
  open(number: number, title: string, body: string, labels: string[], login = 'maint') {
    const issue = this.github.state.addIssue(this.repo, {
      number,
      id: 1000 + number,
      title,
      body,
      labels,
      user: login,
    })
    return this.#payload('issues.opened', { issue: this.issueJson(issue) }, login)
  }

  /** A pull request (not delivered: the app reads pull requests only for the gate). */
  openPullRequest(number: number, title: string, labels: string[]) {
    this.github.state.addIssue(this.repo, {
      number,
      id: 1000 + number,
      title,
      body: '',
      labels,
      user: 'ada',
      pull_request: {},
    })
  }

  /** A person edits the body of issue `number`. */
  edit(number: number, body: string, login = 'maint') {
    const i = this.issue(number)
    const from = i.body ?? ''
    i.body = body
    i.updated_at = this.github.state.time()
    return this.#payload(
      'issues.edited',
      { issue: this.issueJson(i), changes: { body: { from } } },
      login,
    )
  }

  /** A person closes issue `number` (`completed` or `not_planned`). */
  close(number: number, reason: 'completed' | 'not_planned', login = 'maint') {
    const i = this.issue(number)
    const now = this.github.state.time()
    Object.assign(i, {
      state: 'closed',
      state_reason: reason,
      closed_at: now,
      closed_by: login,
      updated_at: now,
    })
    return this.#payload('issues.closed', { issue: this.issueJson(i) }, login)
  }

  /** A person replaces label `remove` with `add` on issue `number` (the `labeled` event of the two). */
  relabel(number: number, remove: string, add: string, login = 'maint') {
    const i = this.issue(number)
    const label = this.github.state.ensureLabel(this.repo, add)
    i.labels = [...i.labels.filter((l) => l !== remove), label.name]
    i.updated_at = this.github.state.time()
    return this.#payload(
      'issues.labeled',
      { issue: this.issueJson(i), label: labelJson(this.repo, label) },
      login,
    )
  }

  /** `login` comments `body` on issue (or pull request) `number`. */
  comment(number: number, body: string, login: string) {
    const c = this.addComment(number, body, { login, type: 'User' })
    return this.#payload(
      'issue_comment.created',
      { issue: this.issueJson(this.issue(number)), comment: this.commentJson(c) },
      login,
    )
  }

  /** Add a comment (the app's, or a person's) and bump the issue's `updated_at`. */
  addComment(number: number, body: string, user: User): FakeComment {
    return this.github.state.addComment(this.repo, this.issue(number), body, user.login)
  }

  /** Make sure the repository has label `name`. */
  ensureLabel(name: string) {
    if (!findLabel(this.repo, name)) this.github.state.ensureLabel(this.repo, name)
  }
}

/**
 * Serve `fake` at `https://api.github.com/repos/{owner}/{repo}/…` through
 * the nock harness until `stop()`.
 */
export function serveRepository(fake: FakeRepository): NockServing {
  return serveThroughNock(fake.github)
}

/** The recorded state a rebuild would read, built from the fake (for pure planner tests). */
export function repositoryState(fake: FakeRepository): RepositoryState {
  const { issues, comments } = fake.recordedState()
  return {
    owner: fake.repo.owner,
    repo: fake.repo.name,
    config: fake.repo.files.get(CONFIG_PATH) ?? '',
    labels: fake.repo.labels.map((l) => l.name),
    issues,
    comments,
    referenced: {},
    subIssues: {},
    blockedBy: {},
  }
}
