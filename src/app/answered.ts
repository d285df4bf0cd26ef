/**
 * What the app has already answered on GitHub. Every reply carries a hidden
 * marker naming the comment it answers (`"comment": <id>`, see
 * src/github/replies.ts), and only markers in comments posted by the app's
 * own login count: anyone can write a marker into their own comment.
 *
 * The database records what this process (or the run whose state it
 * continues) answered; GitHub holds every reply. They differ when a state was
 * lost (the catch-up re-applies such comments quietly) and when two workflow
 * runs of the Actions-hosted mode overlap: each works on its own copy of the
 * state, so only GitHub tells one run what the other has answered.
 */
import { MARKER_PREFIX, type Outcome, readMarkers } from '../github/replies.js'
import type { AppRuntime, Octokit, RepoRef } from './runtime.js'

/** The login of replies posted with a workflow's `GITHUB_TOKEN` (the Actions-hosted mode). */
export const ACTIONS_LOGIN = 'github-actions[bot]'

/** The login the app's replies are posted as: `rt.appLogin`, else {@link ACTIONS_LOGIN}. */
export function appLoginOf(rt: AppRuntime): string {
  return (rt.appLogin ?? ACTIONS_LOGIN).toLowerCase()
}

/** A listed comment, as far as markers are concerned. */
export interface ListedComment {
  body?: string | null | undefined
  user?: { login: string } | null | undefined
}

/**
 * The ids of the comments that `comments` answer: read from the reply
 * markers of those posted by `appLogin` (compared case-insensitively).
 */
export function answersIn(comments: Iterable<ListedComment>, appLogin: string): Set<number> {
  return new Set(outcomesIn(comments, appLogin).keys())
}

/**
 * The outcomes of the app's replies in `comments`, by the id of the comment
 * each answers, in reply order (markers in comments by `appLogin` only, as
 * {@link answersIn}).
 */
export function outcomesIn(
  comments: Iterable<ListedComment>,
  appLogin: string,
): Map<number, Outcome[]> {
  const own = appLogin.toLowerCase()
  const answered = new Map<number, Outcome[]>()
  for (const c of comments) {
    if (!c.body?.includes(MARKER_PREFIX)) continue
    if (c.user?.login.toLowerCase() !== own) continue
    for (const outcome of readMarkers(c.body)) {
      if (outcome.comment === undefined) continue
      answered.set(outcome.comment, [...(answered.get(outcome.comment) ?? []), outcome])
    }
  }
  return answered
}

/**
 * Note in `rt.answeredElsewhere` every comment that `comments` (a listing
 * already fetched) show the app has answered: their commands are then
 * re-applied without a second reaction or reply (and the `/next` outcomes
 * in `rt.answeredNext`: such a `/next` re-applies the grant it was answered
 * with). Returns how many were noted.
 */
export function noteAnswers(rt: AppRuntime, comments: Iterable<ListedComment>): number {
  const answered = outcomesIn(comments, appLoginOf(rt))
  for (const [id, outcomes] of answered) {
    rt.answeredElsewhere.add(id)
    // What `/next` granted, so that re-applying it claims that task again (src/app/next.ts).
    const next = outcomes.filter((o) => o.command === 'next')
    if (next.length > 0) rt.answeredNext.set(id, next)
  }
  return answered.size
}

/**
 * True when the app has answered comment `comment.id` on issue `issue`: a
 * comment there by the app's login (see {@link appLoginOf}) whose reply
 * marker names it. Reads the issue's comments created or edited since the
 * command was created (`GET /repos/{owner}/{repo}/issues/{issue}/comments`,
 * `since` = `comment.created_at`, ISO-8601, 100 a page): one request, more
 * only when over 100 comments followed it; it stops at the first page that
 * holds the reply. Request errors propagate.
 */
export async function answeredOnGitHub(
  rt: AppRuntime,
  octokit: Octokit,
  r: RepoRef,
  issue: number,
  comment: { id: number; created_at: string },
): Promise<boolean> {
  const own = appLoginOf(rt)
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner: r.owner,
    repo: r.repo,
    issue_number: issue,
    since: comment.created_at,
    per_page: 100,
  })) {
    if (answersIn(page.data, own).has(comment.id)) return true
  }
  return false
}
