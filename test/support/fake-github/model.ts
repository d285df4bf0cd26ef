/**
 * The state of the fake GitHub: repositories with their issues (and pull
 * requests, which GitHub keeps as issues), comments, labels, check runs,
 * collaborator permissions, sub-issues and `blocked_by` links, and the users
 * that act on them. Plain data and a few helpers that keep it consistent
 * (ids, `updated_at`); what a request does to it is in `./routes-*.ts`, and
 * the JSON GitHub answers with is in `./shapes.ts`.
 *
 * Times are ISO-8601 UTC to the second, as GitHub writes them
 * (`2026-03-01T09:00:00Z`), taken from the clock the fake is given.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */

/** A repository permission, as `GET …/collaborators/{username}/permission` names it in `role_name`. */
export type Permission = 'none' | 'read' | 'triage' | 'write' | 'maintain' | 'admin'

/** A GitHub account; a login ending in `[bot]` is a Bot. */
export interface FakeUser {
  login: string
  id: number
  type: 'User' | 'Bot'
}

export interface FakeLabel {
  id: number
  name: string
  color: string
  description: string | null
}

/** What an issue that is a pull request adds. */
export interface FakePullRequest {
  head_sha: string
  head_ref: string
  base_ref: string
  merged_at: string | null
  draft: boolean
}

export interface FakeIssue {
  id: number
  /** GraphQL's id (`I_<id>`). */
  node_id: string
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  state_reason: string | null
  /** Label names, as given (GitHub keeps the label's own spelling). */
  labels: string[]
  /** Logins. */
  assignees: string[]
  /** The author's login. */
  user: string
  created_at: string
  updated_at: string
  closed_at: string | null
  closed_by: string | null
  /** Present when the issue is a pull request. */
  pull_request?: FakePullRequest
  /** Number of the parent issue (GitHub sub-issues). */
  parent?: number
  /** GitHub ids (not numbers) of the issues this one is blocked by. */
  blocked_by: number[]
}

export interface FakeComment {
  id: number
  /** The issue's number. */
  issue: number
  body: string
  /** The author's login. */
  user: string
  created_at: string
  updated_at: string
}

export interface FakeCheckRun {
  id: number
  name: string
  head_sha: string
  status: string
  conclusion: string | null
  external_id: string | null
  details_url: string | null
  started_at: string | null
  completed_at: string | null
  output: { title: string | null; summary: string | null; text: string | null }
  /** Login of the app that created it. */
  app: string
}

/** A workflow artifact (see `./artifacts.ts` for the service that uploads and serves them). */
export interface FakeArtifact {
  id: number
  name: string
  bytes: Buffer
  /** `sha256:<hex>` of `bytes`. */
  digest: string
  created_at: string
  expired: boolean
  /** The workflow run that uploaded it. */
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

export interface FakeRepository {
  id: number
  owner: string
  name: string
  /** Files on the default branch, by path (`.github/task-orchestrator.yml`). */
  files: Map<string, string>
  labels: FakeLabel[]
  issues: Map<number, FakeIssue>
  comments: FakeComment[]
  checkRuns: FakeCheckRun[]
  /** Workflow artifacts, in upload order. */
  artifacts: FakeArtifact[]
  /** Permission by login; a login not listed has `defaultPermission`. */
  permissions: Map<string, Permission>
  defaultPermission: Permission
  /** Issue numbers pinned through GraphQL's `pinIssue`. */
  pinned: Set<number>
  nextNumber: number
}

/** The clock the fake stamps with: milliseconds since the epoch. */
export type Now = () => number

/** ISO-8601 UTC to the second, as GitHub writes times. */
export function githubTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

/** Kinds of ids with a sequence of their own. */
export type IdKind = 'default' | 'comment' | 'check_run'
const START: Record<IdKind, number> = { default: 10_000, comment: 10_000, check_run: 20_000 }

/** Every repository and user the fake knows, and its id counters. */
export class FakeState {
  readonly repositories = new Map<string, FakeRepository>()
  readonly users = new Map<string, FakeUser>()
  readonly #next = new Map<IdKind, number>()

  constructor(readonly now: Now) {}

  /**
   * A fresh id of `kind`: comments and check runs have sequences of their
   * own (ids are per kind on GitHub; the first comment is 10001); everything
   * else shares one.
   */
  id(kind: IdKind = 'default'): number {
    const next = (this.#next.get(kind) ?? START[kind]) + 1
    this.#next.set(kind, next)
    return next
  }

  /** The id `id(kind)` would give next, without taking it. */
  peekId(kind: IdKind = 'default'): number {
    return (this.#next.get(kind) ?? START[kind]) + 1
  }

  /** Make the next id of `kind` at least `last + 1` (after importing a recording with its own ids). */
  reserveIds(kind: IdKind, last: number): void {
    this.#next.set(kind, Math.max(this.#next.get(kind) ?? START[kind], last))
  }

  /** Number the next check runs from `last + 1`: for tests that name their ids. */
  setLastCheckRunId(last: number): void {
    this.#next.set('check_run', last)
  }

  /** Now, as GitHub writes it. */
  time(): string {
    return githubTime(this.now())
  }

  /** The user `login`, created on first use. */
  user(login: string): FakeUser {
    let user = this.users.get(login.toLowerCase())
    if (!user) {
      user = { login, id: this.id(), type: login.endsWith('[bot]') ? 'Bot' : 'User' }
      this.users.set(login.toLowerCase(), user)
    }
    return user
  }

  /** The repository `owner/name` (case-insensitive, as on GitHub), or undefined. */
  repository(owner: string, name: string): FakeRepository | undefined {
    return this.repositories.get(`${owner}/${name}`.toLowerCase())
  }

  /** Add an empty repository (with GitHub id `id`, default the next). Throws when it exists. */
  addRepository(owner: string, name: string, id?: number): FakeRepository {
    const key = `${owner}/${name}`.toLowerCase()
    if (this.repositories.has(key)) throw new Error(`fake GitHub: ${owner}/${name} exists already`)
    const repo: FakeRepository = {
      id: id ?? this.id(),
      owner,
      name,
      files: new Map(),
      labels: [],
      issues: new Map(),
      comments: [],
      checkRuns: [],
      artifacts: [],
      permissions: new Map(),
      defaultPermission: 'write',
      pinned: new Set(),
      nextNumber: 1,
    }
    this.repositories.set(key, repo)
    this.user(owner)
    return repo
  }

  /** The label of `repo` named `name` (case-insensitive), created with GitHub's grey when missing. */
  ensureLabel(repo: FakeRepository, name: string): FakeLabel {
    const found = findLabel(repo, name)
    if (found) return found
    const label = { id: this.id(), name, color: 'ededed', description: null }
    repo.labels.push(label)
    return label
  }

  /** Open an issue (a pull request with `pull_request`) and return it; `number` defaults to the next. */
  addIssue(
    repo: FakeRepository,
    input: {
      number?: number
      /** GitHub's id of the issue (default: the next id). */
      id?: number
      title: string
      body?: string | null
      labels?: string[]
      assignees?: string[]
      user: string
      pull_request?: Partial<FakePullRequest>
      parent?: number
    },
  ): FakeIssue {
    const number = input.number ?? repo.nextNumber
    if (repo.issues.has(number)) throw new Error(`fake GitHub: #${number} exists already`)
    repo.nextNumber = Math.max(repo.nextNumber, number + 1)
    const at = this.time()
    const labels = (input.labels ?? []).map((l) => this.ensureLabel(repo, l).name)
    const id = input.id ?? this.id()
    const issue: FakeIssue = {
      id,
      node_id: `I_${id}`,
      number,
      title: input.title,
      body: input.body ?? null,
      state: 'open',
      state_reason: null,
      labels,
      assignees: input.assignees ?? [],
      user: this.user(input.user).login,
      created_at: at,
      updated_at: at,
      closed_at: null,
      closed_by: null,
      blocked_by: [],
      ...(input.parent !== undefined ? { parent: input.parent } : {}),
      ...(input.pull_request
        ? {
            pull_request: {
              head_sha: 'a'.repeat(40),
              head_ref: `task-${number}`,
              base_ref: 'main',
              merged_at: null,
              draft: false,
              ...input.pull_request,
            },
          }
        : {}),
    }
    repo.issues.set(number, issue)
    return issue
  }

  /** Add a comment by `login` and bump its issue's `updated_at`. */
  addComment(repo: FakeRepository, issue: FakeIssue, body: string, login: string): FakeComment {
    const at = this.time()
    const comment: FakeComment = {
      id: this.id('comment'),
      issue: issue.number,
      body,
      user: this.user(login).login,
      created_at: at,
      updated_at: at,
    }
    repo.comments.push(comment)
    issue.updated_at = at
    return comment
  }
}

/** The label of `repo` named `name`, compared case-insensitively as GitHub does. */
export function findLabel(repo: FakeRepository, name: string): FakeLabel | undefined {
  const key = name.toLowerCase()
  return repo.labels.find((l) => l.name.toLowerCase() === key)
}
