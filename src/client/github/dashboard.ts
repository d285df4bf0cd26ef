/**
 * Where `/next` is posted: the repository's dashboard issue, found as the
 * app finds it again (`src/app/dashboard.ts`): an issue whose body starts
 * with the dashboard's hidden marker — written by the app, so only an issue
 * opened by the app's login is taken, and the search asks for the app's
 * issues only (`author:app/<slug>`). One search per client.
 */
import { DASHBOARD_MARKER } from '../../github/markers.js'
import { ClientError } from '../errors.js'
import type { ExchangeContext } from './exchange.js'

interface SearchItem {
  number: number
  body?: string | null
  user?: { login: string; type?: string } | null
  pull_request?: unknown
}

/**
 * The dashboard issue's number. Throws {@link ClientError} `Unsupported`
 * when the repository has none (the dashboard is opt-in:
 * `dashboard.enabled: true` in `.github/task-orchestrator.yml`), saying to
 * pass `nextIssue` (any task issue) instead.
 */
export async function findDashboard(
  ctx: ExchangeContext,
  repo: { owner: string; repo: string },
  signal: AbortSignal | undefined,
): Promise<number> {
  // By the app only: issues by others that quote the marker cannot crowd it out of the page.
  const bot = /^(.+)\[bot\]$/i.exec(ctx.appLogin)
  const author = bot ? `app/${bot[1]}` : ctx.appLogin
  const { data } = await ctx.octokit.request('GET /search/issues', {
    q: `repo:${repo.owner}/${repo.repo} is:issue in:body "task-orchestrator: dashboard" author:${author}`,
    per_page: 5,
    ...(signal ? { request: { signal } } : {}),
  })
  const found = (data as { items: SearchItem[] }).items.find(
    (i) =>
      !i.pull_request &&
      (i.body ?? '').startsWith(DASHBOARD_MARKER) &&
      i.user?.login.toLowerCase() === ctx.appLogin.toLowerCase(),
  )
  if (!found)
    throw new ClientError(
      'Unsupported',
      `${repo.owner}/${repo.repo} has no dashboard issue by ${ctx.appLogin} to post /next on: enable it (dashboard.enabled: true in .github/task-orchestrator.yml) or pass nextIssue (any task issue) to createGitHubClient.`,
      { repo: `${repo.owner}/${repo.repo}` },
    )
  return found.number
}
