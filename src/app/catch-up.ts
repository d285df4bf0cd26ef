/**
 * The reconcile scan: find command comments the app never handled and handle
 * them now. A server misses them when a webhook delivery fails; in the
 * Actions-hosted mode (src/action/orchestrator/) a run can be cancelled
 * before its event is handled, or its state can lose a race. Either way the
 * comments are on GitHub, so the next run reads them back.
 *
 * One listing, paginated: `GET /repos/{owner}/{repo}/issues/comments` with
 * `since` (the stored cursor minus an overlap), oldest first, 100 per page —
 * ⌈n / 100⌉ requests for n comments, never one request per issue. Each
 * comment whose id is not in `gh_comments` and that holds commands is handed
 * to the app as an `issue_comment.created` event (the same handler, so the
 * same rules and the same idempotence: the comment id is recorded in the
 * transaction of its effects). Comments the app already answered — a reply
 * carrying the comment's id in its marker, posted by the app itself (its
 * login, `AppOptions.appLogin`) in a run whose state was then lost, or by
 * another workflow run working at the same time — are re-applied without a
 * second reaction or reply; markers in anyone else's comments are ignored
 * (src/app/answered.ts).
 *
 * A missed comment may be in flight: the run its own event started can be
 * answering it right now. So the handler of a comment the scan delivers
 * (delivery id {@link CATCH_UP_DELIVERY}…) looks at the issue's comments once
 * more just before it reacts and replies (`answeredOnGitHub`: one request per
 * caught-up comment that is about to be answered).
 */
import type { EmitterWebhookEvent } from '@octokit/webhooks'
import { parseComment } from '../github/commands.js'
import { noteAnswers } from './answered.js'
import type { AppRuntime, Octokit, RepoRef } from './runtime.js'

export { ACTIONS_LOGIN } from './answered.js'

/**
 * Delivery ids of the events the scan hands to the app start with this
 * (`catch-up:<comment id>`): their handler checks GitHub for a reply before
 * it answers.
 */
export const CATCH_UP_DELIVERY = 'catch-up:'

/** Comments created this long before the cursor are scanned again (GitHub's listings can lag). */
export const CATCH_UP_OVERLAP_MS = 10 * 60_000

/** One comment the scan handed to the app. */
export interface CaughtUp {
  comment: number
  issue: number
  author: string
  /** Commands (and unparseable command lines) in the comment. */
  commands: number
  /**
   * Re-applied without a reaction or reply: the app had answered it — in a
   * run whose state was lost, or in another run meanwhile (its handler's
   * last look at the issue found the reply).
   */
  quiet: boolean
}

/**
 * Scans that may fail on one comment before it is given up: recorded as
 * handled (so never retried again) and reported with its last error.
 */
export const CATCH_UP_ATTEMPTS = 3

/** What one scan did. */
export interface CatchUpReport {
  /** Comments listed. */
  scanned: number
  /** Pages requested (API requests made by the scan itself). */
  requests: number
  caught: CaughtUp[]
  /**
   * Missed comments whose handling failed (retried by the next scan), with
   * the error's message and the failures so far (this one included).
   */
  failed: (Omit<CaughtUp, 'quiet'> & { error: string; attempts: number })[]
  /**
   * Missed comments whose handling failed for the {@link CATCH_UP_ATTEMPTS}th
   * time in this scan: recorded as handled without effect, never retried.
   */
  gaveUp: (Omit<CaughtUp, 'quiet'> & { error: string; attempts: number })[]
  /** The cursor after the scan (ISO-8601), or null when the repository has no comments yet. */
  cursor: string | null
}

/** The `repository` object of a webhook payload, as far as the handlers read it. */
export interface RepositoryPayload {
  id: number
  name: string
  full_name: string
  owner: { login: string; id?: number; type?: string }
  [key: string]: unknown
}

type RestComment = Awaited<
  ReturnType<Octokit['rest']['issues']['listCommentsForRepo']>
>['data'][number]

/** One listing of a repository's recent comments: read once, used for answers and for missed commands. */
export interface CommentListing {
  /** Comments created or edited since `from`, as GitHub lists them. */
  comments: RestComment[]
  /** Pages requested. */
  requests: number
  /** Where the listing starts (ISO-8601): the cursor minus {@link CATCH_UP_OVERLAP_MS}, or the first scan's start. */
  from: string
  /** The stored cursor it was listed from (ISO-8601), or null. */
  cursor: string | null
}

/**
 * List the comments of `repository` created or edited since the catch-up
 * cursor (minus {@link CATCH_UP_OVERLAP_MS}; `since` overrides the stored
 * cursor; with neither, from `firstScanFrom`, default now) — one paginated
 * `GET /repos/{owner}/{repo}/issues/comments`, ⌈n / 100⌉ requests — and note
 * every comment the app has answered in `rt.answeredElsewhere` (markers in
 * the app's own comments only). The Actions-hosted mode lists before it
 * handles its run's own event, so a comment another run has answered
 * meanwhile is not answered again, and hands the listing to
 * {@link catchUpComments}. Request errors propagate; nothing is saved.
 */
export async function listRecentComments(
  rt: AppRuntime,
  octokit: Octokit,
  repository: RepositoryPayload,
  options: { since?: string; firstScanFrom?: string } = {},
): Promise<CommentListing> {
  const r: RepoRef = { owner: repository.owner.login, repo: repository.name }
  const cursor = options.since ?? rt.state.catchUpCursor(rt.repoKey(r))
  const from = cursor
    ? new Date(Date.parse(cursor) - CATCH_UP_OVERLAP_MS).toISOString()
    : (options.firstScanFrom ?? rt.now())
  const listing: CommentListing = { comments: [], requests: 0, from, cursor }
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listCommentsForRepo, {
    owner: r.owner,
    repo: r.repo,
    since: from,
    sort: 'created',
    direction: 'asc',
    per_page: 100,
  })) {
    listing.requests++
    listing.comments.push(...page.data)
  }
  // Replies the app posted carry the id of the comment they answer.
  noteAnswers(rt, listing.comments)
  return listing
}

/**
 * Scan `repository` for unhandled command comments (in `options.listing`, or
 * listed now with {@link listRecentComments}) and hand each to
 * `deliver` (the app's `probot.receive`) as an `issue_comment.created` event
 * with delivery id `catch-up:<comment id>`. A comment whose handler throws
 * is listed in `failed` and the scan goes on with the next one (one failing
 * comment must not hold back every missed command after it); the cursor is
 * saved just before the first failure, so the next scan retries it (the
 * handled ones after it are recorded, and skipped then). Failures are
 * counted per comment: at the {@link CATCH_UP_ATTEMPTS}th the comment is
 * given up — recorded as handled with nothing applied, its last error kept
 * in the state, listed in `gaveUp` — and the cursor may pass it. Listing
 * errors propagate, the cursor unchanged. `since` overrides the
 * stored cursor (ISO-8601); with neither, the scan starts at `firstScanFrom`
 * (default: now — a new state does not replay the repository's history).
 */
export async function catchUpComments(
  rt: AppRuntime,
  octokit: Octokit,
  repository: RepositoryPayload,
  deliver: (event: EmitterWebhookEvent<'issue_comment.created'>) => Promise<void>,
  options: {
    since?: string
    firstScanFrom?: string
    /**
     * Called once, before the first missed command on an issue the app does
     * not track: a chance to reconcile issues first (see
     * {@link reconcileIssues}), so a command on a task whose opening was
     * missed too is not answered "not a task".
     */
    beforeUntracked?: () => Promise<void>
    /**
     * The comments, listed already in this run by {@link listRecentComments}
     * (their answers noted); `since` and `firstScanFrom` then do not apply.
     */
    listing?: CommentListing
  } = {},
): Promise<CatchUpReport> {
  const r: RepoRef = { owner: repository.owner.login, repo: repository.name }
  const repoKey = rt.repoKey(r)
  const { comments, requests, from, cursor } =
    options.listing ?? (await listRecentComments(rt, octokit, repository, options))
  const report: CatchUpReport = {
    scanned: comments.length,
    requests,
    caught: [],
    failed: [],
    gaveUp: [],
    cursor,
  }
  let beforeUntracked = options.beforeUntracked
  const ctx = { owner: r.owner, repo: r.repo, ...(rt.host ? { host: rt.host } : {}) }
  let newest = cursor
  try {
    for (const c of [...comments].sort((a, b) => a.created_at.localeCompare(b.created_at))) {
      // `since` selects by last update: an older comment edited lately comes
      // back too. Editing never runs a command (as on the server): comments
      // created before the window do not count, and in the overlap before the
      // cursor (seen by an earlier scan, unless GitHub's listing lagged) only
      // unedited ones do — an edit there added the command after it was seen.
      if (c.created_at < from) continue
      if (cursor && c.created_at <= cursor && c.updated_at !== c.created_at) continue
      const missed = missedCommands(rt, c, ctx)
      if (missed && beforeUntracked && !rt.state.issue(rt.taskId(r, missed.issue))?.is_task) {
        const reconcile = beforeUntracked
        beforeUntracked = undefined
        await reconcile()
      }
      if (missed) {
        const what = {
          comment: c.id,
          issue: missed.issue,
          author: c.user?.login ?? '',
          commands: missed.commands,
        }
        try {
          await deliver(commentEvent(c, missed.issue, repository))
          // Quiet when answered before the scan, or found answered by its handler's last look.
          report.caught.push({ ...what, quiet: rt.answeredElsewhere.has(c.id) })
        } catch (err) {
          // A comment that fails every time (a poison comment) must not be
          // retried forever: after CATCH_UP_ATTEMPTS scans it is recorded
          // as handled, with nothing applied, and reported once.
          const error = errorText(err)
          const at = rt.now()
          const attempts = rt.engine.write(() => {
            const n = rt.state.catchUpFailed(c.id, error, at)
            if (n >= CATCH_UP_ATTEMPTS) rt.state.recordComment(c.id, repoKey, missed.issue, 0, at)
            return n
          })
          if (attempts >= CATCH_UP_ATTEMPTS) report.gaveUp.push({ ...what, error, attempts })
          else report.failed.push({ ...what, error, attempts })
        }
      }
      // Only past handled (or skipped) comments: from the first failing one on, scanned again.
      if (report.failed.length === 0 && (!newest || c.created_at > newest)) newest = c.created_at
    }
  } finally {
    // No comment handled before the first failure and no cursor yet: keep the window's start.
    const at = newest ?? (report.failed.length > 0 ? from : rt.now())
    rt.engine.write(() => rt.state.saveCatchUpCursor(repoKey, at))
    report.cursor = rt.state.catchUpCursor(repoKey)
  }
  return report
}

function errorText(err: unknown): string {
  if (err instanceof AggregateError) return err.errors.map(errorText).join('; ')
  return err instanceof Error ? err.message : String(err)
}

/** What one issue reconcile did. */
export interface IssueReconcileReport {
  /** Issues listed. */
  scanned: number
  /** Pages requested. */
  requests: number
  /** Task issues the app had never seen, handed to it as `issues.opened`. */
  tracked: number[]
}

/**
 * Start tracking task issues whose `issues.opened` (or `labeled`) event was
 * never handled — a cancelled run, a failed delivery. One paginated listing
 * of the issues updated since the issue cursor (minus the overlap), ⌈n/100⌉
 * requests; every open issue with the task label that the database does not
 * track is handed to `deliver` as `issues.opened` from its author. Issues the
 * app tracks are left alone: their next event re-reads the whole body and
 * labels (edits are state, not history). The Actions-hosted mode runs this
 * on its scheduled runs.
 */
export async function reconcileIssues(
  rt: AppRuntime,
  octokit: Octokit,
  repository: RepositoryPayload,
  deliver: (event: EmitterWebhookEvent<'issues.opened'>) => Promise<void>,
): Promise<IssueReconcileReport> {
  const r: RepoRef = { owner: repository.owner.login, repo: repository.name }
  const repoKey = rt.repoKey(r)
  const key = `${repoKey}#issues`
  const cursor = rt.state.catchUpCursor(key)
  const { config } = await rt.config(octokit, r)
  const report: IssueReconcileReport = { scanned: 0, requests: 0, tracked: [] }
  let newest = cursor
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
    owner: r.owner,
    repo: r.repo,
    state: 'open',
    labels: config.task_label,
    sort: 'updated',
    direction: 'asc',
    per_page: 100,
    ...(cursor ? { since: new Date(Date.parse(cursor) - CATCH_UP_OVERLAP_MS).toISOString() } : {}),
  })) {
    report.requests++
    for (const issue of page.data) {
      report.scanned++
      if (!newest || issue.updated_at > newest) newest = issue.updated_at
      if (issue.pull_request) continue
      if (rt.state.issue(rt.taskId(r, issue.number))?.is_task) continue
      const user = issue.user ?? { login: 'ghost', id: 0, type: 'User' }
      await deliver({
        id: `reconcile:${issue.id}:${issue.updated_at}`,
        name: 'issues',
        payload: { action: 'opened', issue, repository, sender: user },
      } as unknown as EmitterWebhookEvent<'issues.opened'>)
      report.tracked.push(issue.number)
    }
  }
  if (newest) rt.engine.write(() => rt.state.saveCatchUpCursor(key, newest))
  return report
}

/** The issue number and command count of a comment the app has not handled, else null. */
function missedCommands(
  rt: AppRuntime,
  c: RestComment,
  ctx: { owner: string; repo: string; host?: string },
): { issue: number; commands: number } | null {
  if (!c.body || c.body.includes('<!-- task-orchestrator')) return null // the app's own
  if (/\/pull\/\d+#/.test(c.html_url)) return null // a pull request's conversation
  if (rt.state.commentRecorded(c.id)) return null
  const parsed = parseComment(c.body, ctx)
  const commands = parsed.commands.length + parsed.errors.length
  if (commands === 0) return null
  const issue = Number(/\/issues\/(\d+)$/.exec(c.issue_url)?.[1])
  return Number.isInteger(issue) ? { issue, commands } : null
}

/** The `issue_comment.created` event GitHub would have delivered for a listed comment. */
function commentEvent(
  c: RestComment,
  number: number,
  repository: RepositoryPayload,
): EmitterWebhookEvent<'issue_comment.created'> {
  const user = c.user ?? { login: 'ghost', id: 0, type: 'User' }
  const payload = {
    action: 'created',
    comment: c,
    issue: { number, html_url: c.html_url.replace(/#.*$/, ''), url: c.issue_url },
    repository,
    sender: user,
  }
  return {
    id: `${CATCH_UP_DELIVERY}${c.id}`,
    name: 'issue_comment',
    payload: payload as unknown as EmitterWebhookEvent<'issue_comment.created'>['payload'],
  } as EmitterWebhookEvent<'issue_comment.created'>
}
