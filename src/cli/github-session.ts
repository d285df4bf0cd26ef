/**
 * The GitHub side of `tm --github owner/repo` (loaded on first use: it
 * bundles Octokit into build/lazy/github-session.cjs, see scripts/build.mjs).
 * It finds the token, builds the agent client's GitHub transport
 * (src/client/, `createGitHubClient` — the one GitHub client of the
 * project), runs one verb on it, and says what `tm` users need to know about
 * acting on GitHub (who they act as, how to pick up a reply that came late).
 *
 * See docs/cli.md "tm --github".
 */
import { execFile } from 'node:child_process'
import { ClientError, isClientError } from '../client/errors.js'
import { isTokenShaped } from '../client/github/octokit.js'
import { createGitHubClient } from '../client/index.js'
import type { AgentClient, CallOptions, HostingMode } from '../client/types.js'
import { TaskError } from '../core/errors.js'
import type { GitHubRepository } from './github.js'

/** How long `gh auth token` may take before `tm` gives up on it, in ms. */
export const GH_TIMEOUT_MS = 5_000

/** Where the token came from, for messages. */
export type TokenSource = 'GITHUB_TOKEN' | 'GH_TOKEN' | 'gh auth token'

/**
 * The hostname `gh` knows an API root by: `github.com` for
 * `https://api.github.com`, the server's host for GitHub Enterprise
 * (`https://ghe.example.com/api/v3` → `ghe.example.com`).
 */
export function ghHostname(apiUrl: string | undefined): string {
  if (!apiUrl) return 'github.com'
  const host = new URL(apiUrl).host
  return host === 'api.github.com' ? 'github.com' : host
}

/** Run `gh auth token --hostname HOST`; resolves the token, or why there is none. */
function ghAuthToken(hostname: string): Promise<{ token: string } | { problem: string }> {
  return new Promise((resolve) => {
    execFile(
      'gh',
      ['auth', 'token', '--hostname', hostname],
      { timeout: GH_TIMEOUT_MS, windowsHide: true, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const token = stdout.trim()
        if (!err && token) return resolve({ token })
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null
        if (e?.code === 'ENOENT')
          return resolve({ problem: 'the GitHub CLI `gh` is not installed' })
        if (e?.killed)
          return resolve({
            problem: `\`gh auth token\` did not answer within ${GH_TIMEOUT_MS / 1000} s`,
          })
        const said = stderr.trim().split('\n')[0] || 'it printed no token'
        resolve({ problem: `\`gh auth token --hostname ${hostname}\` failed: ${said}` })
      },
    )
  })
}

/**
 * The token to act with: `GITHUB_TOKEN`, else `GH_TOKEN`, else what
 * `gh auth token` prints for the API's host (run only when `gh` is on the
 * PATH, for at most {@link GH_TIMEOUT_MS}). Throws `InvalidInput` (exit 2)
 * when there is none, saying each way to give one.
 */
export async function resolveToken(
  apiUrl: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ token: string; source: TokenSource }> {
  if (env.GITHUB_TOKEN?.trim()) return shaped(env.GITHUB_TOKEN.trim(), 'GITHUB_TOKEN')
  if (env.GH_TOKEN?.trim()) return shaped(env.GH_TOKEN.trim(), 'GH_TOKEN')
  const hostname = ghHostname(apiUrl)
  const gh = await ghAuthToken(hostname)
  if ('token' in gh) return shaped(gh.token, 'gh auth token')
  throw new TaskError(
    'InvalidInput',
    `No GitHub token: set GITHUB_TOKEN or GH_TOKEN to a token that may comment on the repository's issues (issues: write), or log in with \`gh auth login --hostname ${hostname}\` so that tm can use \`gh auth token\` (${gh.problem}).`,
    { hostname, gh: gh.problem },
  )
}

/**
 * `token` from `source`, unless it has a character no GitHub token has
 * ({@link isTokenShaped}): then `InvalidInput` naming the source, never
 * the token (a request would fail with it quoted in the message).
 */
function shaped(token: string, source: TokenSource): { token: string; source: TokenSource } {
  if (isTokenShaped(token)) return { token, source }
  throw new TaskError(
    'InvalidInput',
    source === 'gh auth token'
      ? '`gh auth token` printed more than a token (a second line, spaces or control characters); run it yourself to see why, or set GITHUB_TOKEN. The output is not shown here.'
      : `${source} has a space, a line break or another character no GitHub token has; set it to the token alone. Its value is not shown here.`,
    { source },
  )
}

/**
 * `GITHUB_API_URL` checked: an http(s) URL that parses, without a user name
 * or password (fetch would refuse it, quoting them), or undefined for
 * github.com.
 */
function apiUrlFromEnv(): string | undefined {
  const url = process.env.GITHUB_API_URL?.trim()
  if (!url) return undefined
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {}
  if (parsed && (parsed.username || parsed.password)) {
    throw new TaskError(
      'InvalidInput',
      'GITHUB_API_URL has a user name or password in it; give the API root alone (e.g. https://ghe.example.com/api/v3) and the token in GITHUB_TOKEN. The URL is not shown here.',
    )
  }
  if (!parsed || !/^https?:\/\/[^/\s]+/.test(url) || !/^https?:$/.test(parsed.protocol)) {
    throw new TaskError(
      'InvalidInput',
      `GITHUB_API_URL: "${url.includes('@') ? '…' : url.slice(0, 200)}" is not an http(s) URL; for GitHub Enterprise Server write e.g. https://ghe.example.com/api/v3.`,
    )
  }
  return url
}

/** `TM_GITHUB_MODE`: `server` (default) or `actions`. */
function modeFromEnv(): HostingMode {
  const mode = process.env.TM_GITHUB_MODE?.trim() || 'server'
  if (mode !== 'server' && mode !== 'actions') {
    throw new TaskError(
      'InvalidInput',
      `TM_GITHUB_MODE: "${mode}" is not a hosting mode; write server (a GitHub App server, the default) or actions (the Actions-hosted mode).`,
    )
  }
  return mode
}

/** What `tm` passes to {@link runOnGitHub}, checked by `./github.ts`. */
export interface GitHubRunOptions {
  repo: GitHubRepository
  /** `--wait` in ms; undefined: the client's default for the hosting mode. */
  timeoutMs?: number | undefined
  /** `--idempotency-key`. */
  idempotencyKey?: string | undefined
  /** `--agent` or `TM_AGENT`, and which of them said it. */
  named?: { agent: string; from: '--agent' | 'TM_AGENT' } | undefined
}

/**
 * The GitHub transport for `options.repo`, as `tm --github` and `tm mcp
 * --github` use it: the token ({@link resolveToken}), `GITHUB_API_URL`,
 * `TM_GITHUB_MODE`, `TM_GITHUB_APP_LOGIN`, and `options.timeoutMs` (the
 * reply wait; default: the hosting mode's). The caller closes it. Throws
 * `InvalidInput` naming the variable or the missing token.
 */
export async function openGitHubClient(
  options: Pick<GitHubRunOptions, 'repo' | 'timeoutMs'>,
): Promise<AgentClient> {
  const baseUrl = apiUrlFromEnv()
  const mode = modeFromEnv()
  const { token } = await resolveToken(baseUrl)
  const appLogin = process.env.TM_GITHUB_APP_LOGIN?.trim()
  return createGitHubClient({
    repo: `${options.repo.owner}/${options.repo.repo}`,
    token,
    mode,
    ...(baseUrl ? { baseUrl } : {}),
    ...(appLogin ? { appLogin } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  })
}

/**
 * Run `verb` on the GitHub transport for `options.repo`: the client is
 * built from the token ({@link resolveToken}), `GITHUB_API_URL`,
 * `TM_GITHUB_MODE`, `TM_GITHUB_APP_LOGIN` and `options`, and closed
 * afterwards. The result is `verb`'s, with `warnings` added when
 * `--agent`/`TM_AGENT` names someone other than the token's login (who acts
 * on GitHub).
 *
 * Errors are the client's: `TaskError` with the engine's codes, or
 * `ClientError` (`Timeout` says how to pick the reply up later with
 * `--idempotency-key`).
 */
export async function runOnGitHub<R extends object>(
  options: GitHubRunOptions,
  verb: (client: AgentClient, call: CallOptions) => Promise<R>,
): Promise<R & { warnings?: string[] }> {
  const client = await openGitHubClient(options)
  try {
    const key = options.idempotencyKey
    const result = await verb(client, key ? { idempotencyKey: key } : {})
    const warnings = agentWarnings(options.named, client.agent)
    return warnings.length ? { ...result, warnings } : result
  } catch (err) {
    throw forTerminal(err)
  } finally {
    client.close()
  }
}

/** A warning when `--agent`/`TM_AGENT` is not the login that acted (GitHub acts as the token's owner). */
function agentWarnings(named: GitHubRunOptions['named'], login: string | null): string[] {
  if (!named || !login || named.agent.toLowerCase() === login.toLowerCase()) return []
  return [
    `on GitHub you act as ${login}, the token's login, not as ${named.agent} (${named.from}); ${named.from} is not used with --github.`,
  ]
}

/** The client's errors, worded for `tm` (flags instead of library options). */
function forTerminal(err: unknown): unknown {
  if (!isClientError(err) || (err.code !== 'Timeout' && err.code !== 'GitHubError')) return err
  const key = err.details.idempotency_key
  if (typeof key !== 'string' || !key) return err
  const retry = `run the same command again with --idempotency-key ${key} to wait for the reply without posting the command again`
  const message =
    err.code === 'Timeout'
      ? `No reply from the app within ${Math.round(Number(err.details.timeout_ms) / 1000)} s (--wait); it may still carry the command out: ${retry} (and a longer --wait; the Actions-hosted mode answers after a workflow run, minutes).`
      : `${err.message} — the command may have been posted: ${retry}.`
  return new ClientError(err.code, message, err.details)
}
