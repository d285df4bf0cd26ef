/**
 * The JSON GitHub answers with (and puts in webhook payloads) for the fake's
 * state: users, labels, repositories, issues (with `pull_request`,
 * `sub_issues_summary`, `issue_dependencies_summary`, `parent_issue_url`),
 * comments, check runs. Field names and types follow GitHub's REST API
 * description (`@octokit/openapi`); URLs inside bodies point at
 * api.github.com and github.com whatever transport served them, as GitHub's
 * do (pagination `Link` headers point at the transport, see `./routes.ts`).
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import type {
  FakeCheckRun,
  FakeComment,
  FakeIssue,
  FakeLabel,
  FakeRepository,
  FakeState,
} from './model.js'

export const API = 'https://api.github.com'
export const WEB = 'https://github.com'

type Json = Record<string, unknown>

/** `simple-user`. */
export function userJson(state: FakeState, login: string): Json {
  const u = state.user(login)
  return {
    login: u.login,
    id: u.id,
    node_id: `U_${u.id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`,
    gravatar_id: '',
    url: `${API}/users/${u.login}`,
    html_url: `${WEB}/${u.login}`,
    type: u.type,
    site_admin: false,
  }
}

/** `label`. */
export function labelJson(repo: FakeRepository, label: FakeLabel): Json {
  return {
    id: label.id,
    node_id: `LA_${label.id}`,
    url: `${repoApi(repo)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: false,
    description: label.description,
  }
}

export function repoApi(repo: FakeRepository): string {
  return `${API}/repos/${repo.owner}/${repo.name}`
}

function repoWeb(repo: FakeRepository): string {
  return `${WEB}/${repo.owner}/${repo.name}`
}

/** A repository as webhook payloads and `GET /repos/{owner}/{repo}` carry it (the fields the project reads, and GitHub's required ones). */
export function repositoryJson(state: FakeState, repo: FakeRepository): Json {
  return {
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    private: false,
    owner: userJson(state, repo.owner),
    html_url: repoWeb(repo),
    description: null,
    fork: false,
    url: repoApi(repo),
    default_branch: 'main',
    visibility: 'public',
    has_issues: true,
    archived: false,
    disabled: false,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    pushed_at: '2025-01-01T00:00:00Z',
  }
}

const commentCounts = new WeakMap<FakeRepository, { key: string; counts: Map<number, number> }>()

/**
 * Comments per issue number of `repo`, counted once per state of the
 * comment list (its length and last id), not once per issue shaped: a page
 * of 100 issues in a repository of 5,000 comments would cost 500,000 steps.
 */
function commentCount(repo: FakeRepository, number: number): number {
  const key = `${repo.comments.length}:${repo.comments.at(-1)?.id ?? 0}`
  let cached = commentCounts.get(repo)
  if (cached?.key !== key) {
    const counts = new Map<number, number>()
    for (const c of repo.comments) counts.set(c.issue, (counts.get(c.issue) ?? 0) + 1)
    cached = { key, counts }
    commentCounts.set(repo, cached)
  }
  return cached.counts.get(number) ?? 0
}

/** `issue`; `single` adds `closed_by`, which GitHub sends for one issue and not in listings. */
export function issueJson(
  state: FakeState,
  repo: FakeRepository,
  issue: FakeIssue,
  single = false,
): Json {
  const api = `${repoApi(repo)}/issues/${issue.number}`
  const children = [...repo.issues.values()].filter((c) => c.parent === issue.number)
  const closed = children.filter((c) => c.state === 'closed').length
  const blocking = [...repo.issues.values()].filter((i) => i.blocked_by.includes(issue.id)).length
  const user = (login: string) => userJson(state, login)
  return {
    id: issue.id,
    node_id: issue.node_id,
    url: api,
    repository_url: repoApi(repo),
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: `${repoWeb(repo)}/${issue.pull_request ? 'pull' : 'issues'}/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.state_reason,
    title: issue.title,
    body: issue.body,
    user: user(issue.user),
    labels: issue.labels.map((name) => {
      const label = repo.labels.find((l) => l.name === name)
      return label ? labelJson(repo, label) : { name }
    }),
    assignee: issue.assignees[0] ? user(issue.assignees[0]) : null,
    assignees: issue.assignees.map(user),
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: commentCount(repo, issue.number),
    created_at: issue.created_at,
    updated_at: issue.updated_at,
    closed_at: issue.closed_at,
    ...(single ? { closed_by: issue.closed_by ? user(issue.closed_by) : null } : {}),
    author_association: 'MEMBER',
    sub_issues_summary: {
      total: children.length,
      completed: closed,
      percent_completed: children.length ? Math.round((100 * closed) / children.length) : 0,
    },
    issue_dependencies_summary: {
      blocked_by: issue.blocked_by.length,
      blocking,
      total_blocked_by: issue.blocked_by.length,
      total_blocking: blocking,
    },
    parent_issue_url: issue.parent ? `${repoApi(repo)}/issues/${issue.parent}` : null,
    ...(issue.pull_request
      ? {
          pull_request: {
            url: `${repoApi(repo)}/pulls/${issue.number}`,
            html_url: `${repoWeb(repo)}/pull/${issue.number}`,
            diff_url: `${repoWeb(repo)}/pull/${issue.number}.diff`,
            patch_url: `${repoWeb(repo)}/pull/${issue.number}.patch`,
            merged_at: issue.pull_request.merged_at,
          },
        }
      : {}),
  }
}

/** `pull-request` (the fields the project reads, with head and base). */
export function pullJson(state: FakeState, repo: FakeRepository, issue: FakeIssue): Json {
  const pr = issue.pull_request
  if (!pr) throw new Error(`#${issue.number} is not a pull request`)
  const ref = (name: string, sha: string) => ({
    label: `${repo.owner}:${name}`,
    ref: name,
    sha,
    user: userJson(state, repo.owner),
    repo: repositoryJson(state, repo),
  })
  return {
    ...issueJson(state, repo, issue),
    url: `${repoApi(repo)}/pulls/${issue.number}`,
    html_url: `${repoWeb(repo)}/pull/${issue.number}`,
    head: ref(pr.head_ref, pr.head_sha),
    base: ref(pr.base_ref, 'b'.repeat(40)),
    merged: pr.merged_at !== null,
    merged_at: pr.merged_at,
    draft: pr.draft,
  }
}

/** `issue-comment`. */
export function commentJson(state: FakeState, repo: FakeRepository, comment: FakeComment): Json {
  const issue = repo.issues.get(comment.issue)
  const kind = issue?.pull_request ? 'pull' : 'issues'
  const author = state.user(comment.user)
  return {
    id: comment.id,
    node_id: `IC_${comment.id}`,
    url: `${repoApi(repo)}/issues/comments/${comment.id}`,
    html_url: `${repoWeb(repo)}/${kind}/${comment.issue}#issuecomment-${comment.id}`,
    issue_url: `${repoApi(repo)}/issues/${comment.issue}`,
    body: comment.body,
    user: userJson(state, comment.user),
    created_at: comment.created_at,
    updated_at: comment.updated_at,
    author_association: author.type === 'Bot' ? 'NONE' : 'MEMBER',
  }
}

/** `check-run`. */
export function checkRunJson(state: FakeState, repo: FakeRepository, run: FakeCheckRun): Json {
  return {
    id: run.id,
    node_id: `CR_${run.id}`,
    head_sha: run.head_sha,
    external_id: run.external_id,
    url: `${repoApi(repo)}/check-runs/${run.id}`,
    html_url: `${repoWeb(repo)}/runs/${run.id}`,
    details_url: run.details_url,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.started_at,
    completed_at: run.completed_at,
    output: { ...run.output, annotations_count: 0, annotations_url: '' },
    name: run.name,
    check_suite: { id: 1 },
    app: { id: 1, slug: run.app.replace(/\[bot\]$/, ''), owner: userJson(state, repo.owner) },
    pull_requests: [],
  }
}
