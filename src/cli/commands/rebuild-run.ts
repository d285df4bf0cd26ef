/**
 * The part of `tm rebuild` that talks to GitHub, loaded on first use (it
 * brings Octokit: `scripts/build.mjs` bundles it into `build/lazy/`, so
 * other commands do not pay for it at start-up). An Octokit with the
 * pagination plugin reads the repository; GitHub's refusals become clear
 * errors with the fix.
 */
import { Octokit } from '@octokit/core'
import { paginateRest } from '@octokit/plugin-paginate-rest'
import { type RebuildReport, rebuildFromGitHub, rebuildSummary } from '../../app/rebuild/rebuild.js'
import type { Engine } from '../../core/engine.js'
import { TaskError } from '../../core/errors.js'
import { table } from '../output.js'

/** What `tm rebuild` was asked for. */
export interface RebuildRequest {
  owner: string
  repo: string
  token: string
  /** REST API root, e.g. `https://api.github.com` or `https://ghe.example.com/api/v3`. */
  apiUrl: string
  replace: boolean
  installationId?: number
  appLogin?: string
}

const RestOctokit = Octokit.plugin(paginateRest)

/**
 * Rebuild `owner/repo` into `engine` (see `src/app/rebuild/rebuild.ts`). A GitHub
 * Enterprise Server API root also makes its host accepted in issue URLs.
 *
 * @throws TaskError('InvalidInput') when GitHub refuses the token (401), the
 *   repository is not found or not readable with it (404, 403), or the rate
 *   limit is spent; TaskError('Duplicate') for a database with tasks without
 *   `replace`
 */
export async function runRebuild(engine: Engine, r: RebuildRequest): Promise<RebuildReport> {
  const api = new URL(r.apiUrl)
  const octokit = new RestOctokit({
    auth: r.token,
    baseUrl: r.apiUrl.replace(/\/+$/, ''),
    userAgent: 'task-orchestrator-tm',
  })
  try {
    return await rebuildFromGitHub(octokit, { owner: r.owner, repo: r.repo }, engine, {
      replace: r.replace,
      actor: 'tm rebuild',
      ...(api.hostname !== 'api.github.com' ? { host: api.host } : {}),
      ...(r.installationId !== undefined ? { installationId: r.installationId } : {}),
      ...(r.appLogin ? { appLogin: r.appLogin } : {}),
    })
  } catch (err) {
    throw explain(err, r)
  }
}

/** A GitHub refusal as a TaskError that says what to do; anything else unchanged. */
function explain(err: unknown, r: RebuildRequest): unknown {
  const e = err as {
    status?: number
    message?: string
    response?: { headers?: Record<string, string> }
  }
  const status = e?.status
  if (typeof status !== 'number') return err
  const said = `GitHub answered HTTP ${status}${e.message ? ` (${e.message})` : ''}`
  const repo = `${r.owner}/${r.repo}`
  if (status === 401) {
    return new TaskError(
      'InvalidInput',
      `${said}: the token was refused. Pass a valid token with --token, or set GITHUB_TOKEN or GH_TOKEN.`,
      { status },
    )
  }
  if (status === 404) {
    return new TaskError(
      'InvalidInput',
      `${said}: ${repo} was not found at ${r.apiUrl}, or the token cannot read it. Check --github, --api-url and the token's access (issues: read).`,
      { status },
    )
  }
  if (status === 403 || status === 429) {
    const remaining = e.response?.headers?.['x-ratelimit-remaining']
    return new TaskError(
      'InvalidInput',
      remaining === '0'
        ? `${said}: the API rate limit is spent. Wait until it resets (x-ratelimit-reset), or use a token with a higher limit.`
        : `${said}: the token may not read ${repo}. Give it read access to the repository's issues and contents.`,
      { status },
    )
  }
  return err
}

/** Human text for a rebuild: the summary line, leases, what was skipped, commands left. */
export function rebuildText(r: RebuildReport): string {
  // The summary line is shared with the Actions job summary.
  const lines = [rebuildSummary(r)]
  if (r.configError)
    lines.push(`\n⚠ The config file is broken; the defaults were used:\n${r.configError}`)
  if (r.leases.length) {
    lines.push(
      '\nLeases restarted (fresh TTL):',
      table(
        ['TASK', 'HOLDER', 'TOKEN', 'EXPIRES'],
        r.leases.map((l) => [l.task, l.holder, l.token, l.expires_at]),
      ),
    )
  }
  if (r.statusComments.missing)
    lines.push(
      `\n${r.statusComments.missing} task(s) had no status comment: the app will post one.`,
    )
  if (r.skipped.length) {
    lines.push(
      `\nSkipped (${r.skipped.length}):`,
      table(
        ['ITEM', 'FIELD', 'WHY'],
        r.skipped.map((s) => [s.item, s.field, s.reason]),
      ),
    )
  }
  if (r.comments.unanswered.length) {
    lines.push(
      `\nCommand comments no reply of the app answers (left for the app to handle):`,
      table(
        ['COMMENT', 'ISSUE', 'AUTHOR', 'CREATED'],
        r.comments.unanswered.map((c) => [c.comment, `#${c.issue}`, c.author, c.created_at]),
      ),
    )
  }
  return lines.join('\n')
}
