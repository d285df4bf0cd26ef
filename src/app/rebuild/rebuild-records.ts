/**
 * The app's bookkeeping from a repository's state, for a rebuild
 * (`./rebuild-plan.ts`): an issue record per task and tracked issue (what
 * the app last saw and sent: labels, assignees, body, its status comment,
 * its native `blocked_by` links), and which command comments it handled.
 */

import { parseComment } from '../../github/commands.js'
import { type AppComments, commentIssueNumber, onPullRequest } from '../../github/rebuild-status.js'
import type { RepoContext } from '../../github/references.js'
import { statusCommentDigest } from '../../github/status-comment.js'
import type { IssueRecord } from '../state.js'
import { labelNames } from '../tasks-from-issues.js'
import {
  assigneesOf,
  type RecordedComment,
  type RecordedIssue,
  type RepositoryState,
  refOfId,
} from './rebuild-state.js'

/** A command comment a rebuild left for the catch-up scan: no reply of the app names it. */
export interface UnansweredComment {
  comment: number
  issue: number
  author: string
  created_at: string
}

/** What the records are built from. */
export interface RecordSources {
  repoKey: string
  /** Task issues by task id. */
  tasks: Map<string, RecordedIssue>
  /** Tracked issues (named by tasks, not tasks) by task id. */
  tracked: Map<string, RecordedIssue>
  dependencies: { task: string; dependsOn: string }[]
  blockedBy: RepositoryState['blockedBy']
  app: AppComments
  installationId: number | null
  now: string
}

/**
 * Issue records as the app keeps them. A task's status comment is the one
 * found (none: `status_dirty`, so the app posts one); its native links are
 * those GitHub shows that mirror a body dependency (links a person made
 * stay theirs); the mirror's copy of GitHub's last answer is the body the
 * listing showed, without an `ETag` (a listing's is the page's). A tracked
 * issue is recorded as the app records it: no body or labels, its GitHub id
 * only once closed.
 */
export function issueRecords(s: RecordSources): IssueRecord[] {
  const base = { installation_id: s.installationId, updated_at: s.now }
  const records: IssueRecord[] = []
  for (const [id, issue] of s.tasks) {
    const found = s.app.status.get(id)?.comment
    const depIds = new Set(
      s.dependencies
        .filter((d) => d.task === id)
        .map((d) => (s.tasks.get(d.dependsOn) ?? s.tracked.get(d.dependsOn))?.id),
    )
    records.push({
      ...base,
      task_id: id,
      repo: s.repoKey,
      number: issue.number,
      issue_id: issue.id,
      is_task: true,
      state: issue.state === 'closed' ? 'closed' : 'open',
      state_reason: issue.state_reason ?? null,
      labels: labelNames(issue),
      assignees: assigneesOf(issue),
      body: issue.body ?? '',
      // Rebuilt from GitHub: the body there is all there is to accept.
      accepted_body: issue.body ?? '',
      status_comment_id: found?.id ?? null,
      status_comment: found ? statusCommentDigest(found.body ?? '') : null,
      status_dirty: !found,
      native_blocked_by: (s.blockedBy[issue.number] ?? []).filter((n) => depIds.has(n)),
      github_updated_at: issue.updated_at,
      // The listing is GitHub's latest answer about the issue: its body is the
      // one answered. No ETag: a listing's is the page's, so the mirror's
      // first read of the issue is unconditional.
      etag: null,
      etag_body: issue.body ?? '',
      // GitHub's body is the accepted one: no edit is left to judge.
      unjudged_edit: false,
      // Holders to unassign and refused native links are not on GitHub: none.
      former_holders: [],
      native_refused: [],
    })
  }
  for (const [id, issue] of s.tracked) {
    const ref = refOfId(id)
    const closed = issue.state === 'closed'
    records.push({
      ...base,
      task_id: id,
      repo: `${ref.owner}/${ref.repo}`,
      number: issue.number,
      issue_id: closed ? issue.id : null,
      is_task: false,
      state: closed ? 'closed' : 'open',
      state_reason: closed ? (issue.state_reason ?? null) : null,
      labels: [],
      assignees: [],
      body: '',
      accepted_body: '',
      status_comment_id: null,
      status_comment: null,
      status_dirty: false,
      native_blocked_by: [],
      github_updated_at: null,
      // The app never reads a tracked issue's body.
      etag: null,
      etag_body: null,
      unjudged_edit: false,
      former_holders: [],
      native_refused: [],
    })
  }
  return records
}

/**
 * Sort the command comments (people's comments with commands, on issues,
 * not pull requests) into handled — a reply of the app names them, or they
 * are on an issue that is not a task, where the app could only refuse them —
 * and unanswered, left for the catch-up scan (`src/app/catch-up.ts`).
 * `commands` counts what the app records: the commands read, not the lines
 * it could not read.
 */
export function commandComments(
  comments: readonly RecordedComment[],
  context: RepoContext,
  isTask: (issue: number) => boolean,
  app: AppComments,
): {
  handled: { comment: number; issue: number; commands: number }[]
  unanswered: UnansweredComment[]
} {
  const handled: { comment: number; issue: number; commands: number }[] = []
  const unanswered: UnansweredComment[] = []
  for (const c of comments) {
    const body = c.body ?? ''
    const issue = commentIssueNumber(c)
    if (!issue || onPullRequest(c) || body.includes('<!-- task-orchestrator')) continue
    // A command starts a line with `/`: most comments need no Markdown parse.
    if (!/^[ \t]*\//m.test(body)) continue
    const parsed = parseComment(body, context)
    if (parsed.commands.length + parsed.errors.length === 0) continue
    if (app.answered.has(c.id) || !isTask(issue))
      handled.push({ comment: c.id, issue, commands: parsed.commands.length })
    else
      unanswered.push({
        comment: c.id,
        issue,
        author: c.user?.login ?? '',
        created_at: c.created_at,
      })
  }
  return { handled, unanswered }
}
