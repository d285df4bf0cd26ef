/**
 * Fixtures of the agent client's nock tests (test/client/github.test.ts,
 * test/security/agent-client.test.ts): accounts, an issue comment of
 * GitHub's shape on octo/api#12, the app's reply with one marker, a silent
 * Octokit log, and a client with fast polling.
 */
import { retry } from '@octokit/plugin-retry'
import { Octokit } from '@octokit/rest'
import { createGitHubClient, type GitHubClient } from '../../src/client/index.js'
import { marker, type Outcome } from '../../src/github/markers.js'

export const APP = { login: 'task-orchestrator[bot]', type: 'Bot' }
export const ADA = { login: 'ada', type: 'User' }
export const T0 = '2026-03-01T09:00:00Z'
/** The comments of octo/api#12, as the client lists them. */
export const ISSUE = '/repos/octo/api/issues/12/comments'

/** Octokit's log, silent (it reports each 304 and 4xx with console.error). */
export const QUIET = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/**
 * A client of octo/api on Octokit with the retry plugin (so the one POST
 * must turn its retries off) but without throttling, whose 3 s between
 * comments would only slow the tests; polls every 1–4 ms, 5 s timeout.
 */
export function client(
  extra: Partial<Parameters<typeof createGitHubClient>[0]> = {},
): Promise<GitHubClient> {
  return createGitHubClient({
    repo: 'octo/api',
    token: 'test-token',
    octokit: new (Octokit.plugin(retry))({ auth: 'test-token', log: QUIET }),
    pollIntervalMs: 1,
    maxPollIntervalMs: 4,
    timeoutMs: 5_000,
    ...extra,
  })
}

/** Issue comment `id` on octo/api#12 by `user`, created `at`, last updated `updated`. */
export function comment(
  id: number,
  user: { login: string; type: string },
  body: string,
  at = T0,
  updated = at,
) {
  return {
    id,
    node_id: `IC_${id}`,
    url: `https://api.github.com/repos/octo/api/issues/comments/${id}`,
    html_url: `https://github.com/octo/api/issues/12#issuecomment-${id}`,
    body,
    user: { ...user, id: id + 1000 },
    created_at: at,
    updated_at: updated,
    issue_url: 'https://api.github.com/repos/octo/api/issues/12',
    author_association: 'MEMBER',
  }
}

/** The app's reply `id`: one `claim` outcome (fields overridden by `outcome`) answering `outcome.comment`. */
export function reply(id: number, outcome: Partial<Outcome> & { comment: number }) {
  return comment(
    id,
    APP,
    `@ada\n\n${marker({ command: 'claim', ok: true, task: 'octo/api#12', token: null, reason: null, ...outcome })}\n✅ done`,
  )
}
