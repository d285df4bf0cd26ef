/**
 * `tm --github owner/repo …` (or `TM_GITHUB`): which commands go to GitHub
 * instead of the local database, and the checks made before any of them
 * runs. Only this small module is loaded at start-up; the GitHub transport
 * (Octokit, the token, the reply wait) is in `./github-session.ts`, loaded on
 * first use, so `tm --version` and every local command start as fast as
 * before (bench/cli.bench.ts).
 *
 * See docs/cli.md "tm --github".
 */
import type { Command } from 'commander'
import type { AgentClient, CallOptions } from '../client/types.js'
import { TaskError } from '../core/errors.js'
import { escapeBlock } from './output.js'
import { type Globals, parseDuration } from './runtime.js'

/**
 * The agent verbs that work on GitHub, as `tm` names them. Each one posts its
 * command comment (`/claim`, `/heartbeat`, …; `next --claim` posts `/next`)
 * or reads the task's issue (`show`, `ready`) through the GitHub transport of
 * the client library (src/client/).
 */
export const GITHUB_VERBS = [
  'next',
  'claim',
  'heartbeat',
  'progress',
  'complete',
  'fail',
  'release',
  'ask',
  'show',
  'ready',
] as const

export type GitHubVerb = (typeof GITHUB_VERBS)[number]

/**
 * Commands that take `--github` in a meaning of their own and run locally
 * with it: `tm rebuild --github owner/repo` rebuilds the local database from
 * that repository.
 */
const OWN_MEANING = new Set(['rebuild'])

/** `owner/repo` as GitHub allows them (logins, organisation and repository names). */
const REPOSITORY = /^([A-Za-z0-9][A-Za-z0-9_-]{0,99})\/([A-Za-z0-9._-]{1,100})$/

/** A repository named by `--github` or `TM_GITHUB`. */
export interface GitHubRepository {
  owner: string
  repo: string
}

/**
 * Read `owner/repo`. Throws `InvalidInput` (exit 2) naming `source` (the flag
 * or variable it came from) when `text` is not one, e.g. a URL or
 * `owner/repo#12`.
 */
export function parseRepository(text: string, source: string): GitHubRepository {
  const m = REPOSITORY.exec(text.trim())
  if (!m || m[2] === '.' || m[2] === '..') {
    throw new TaskError(
      'InvalidInput',
      `${source}: "${text}" is not a repository; write owner/repo, e.g. octo-org/backlog.`,
    )
  }
  return { owner: m[1]!, repo: m[2]! }
}

/**
 * The repository this run of `tm` works on, or `null` for the local
 * database: `--github owner/repo`, else `TM_GITHUB` (unless `--no-github`,
 * which keeps a command local whatever `TM_GITHUB` says). An empty
 * `TM_GITHUB` counts as unset.
 */
export function githubTarget(g: Pick<Globals, 'github'>): GitHubRepository | null {
  if (g.github === false) return null
  if (typeof g.github === 'string') return parseRepository(g.github, '--github')
  const env = process.env.TM_GITHUB?.trim()
  return env ? parseRepository(env, 'TM_GITHUB') : null
}

/** `tm next`, `tm agent list`: the command's words below the root program. */
export function commandPath(cmd: Command): string {
  const words: string[] = []
  for (let c: Command | null = cmd; c?.parent; c = c.parent) words.unshift(c.name())
  return words.join(' ')
}

/**
 * Refuse, before it runs, a command that cannot run on GitHub while a
 * repository is selected: `InvalidInput` (exit 2) naming the verbs that work
 * there and how to run the command locally instead. Also refuses `--wait`
 * and `--idempotency-key` without a repository (they are about GitHub's
 * replies). Local runs, the verbs of {@link GITHUB_VERBS}, `tm mcp` (which
 * serves them) and `tm rebuild` (its own `--github`) pass.
 */
export function checkGitHubCommand(cmd: Command): void {
  const g = cmd.optsWithGlobals() as Globals
  const path = commandPath(cmd)
  if (OWN_MEANING.has(path)) return
  const target = githubTarget(g)
  if (target === null) {
    for (const [flag, value] of [
      ['--wait', g.wait],
      ['--idempotency-key', g.idempotencyKey],
    ] as const) {
      if (value !== undefined) {
        throw new TaskError(
          'InvalidInput',
          `${flag} is for replies on GitHub; use it with --github owner/repo (or TM_GITHUB).`,
        )
      }
    }
    return
  }
  if ((GITHUB_VERBS as readonly string[]).includes(path)) return
  // `tm mcp --github owner/repo` serves these verbs as MCP tools (src/mcp/).
  if (path === 'mcp') return
  const from = typeof g.github === 'string' ? '--github' : 'TM_GITHUB'
  throw new TaskError(
    'InvalidInput',
    `\`tm ${path}\` does not work on GitHub (${from} ${target.owner}/${target.repo}). ` +
      `On GitHub tm runs: ${GITHUB_VERBS.map((v) => (v === 'next' ? 'next --claim' : v)).join(', ')}. ` +
      `To run \`tm ${path}\` on the local database, ${from === '--github' ? 'leave out --github' : 'unset TM_GITHUB or add --no-github'}; ` +
      'on GitHub, other changes are comment commands on the issue (docs/github-commands.md).',
    { command: path, github: `${target.owner}/${target.repo}`, verbs: [...GITHUB_VERBS] },
  )
}

/**
 * Run one verb on GitHub: check `--wait` (a duration above zero, in the
 * reply timeout's ms) and `--idempotency-key` (8–64 of `A-Z a-z 0-9 _ -`),
 * then load the GitHub transport (`./github-session.ts`, on first use) and
 * call `verb` with the client and the call options. `notes` (flags that mean
 * nothing on GitHub, what `--validate` does there) are written to stderr as
 * `tm: warning: …` before anything is sent, whatever the outcome. Throws
 * what the client throws: `TaskError` (the engine's codes) or `ClientError`.
 */
export async function onGitHub<R extends object>(
  g: Globals,
  repo: GitHubRepository,
  verb: (client: AgentClient, call: CallOptions) => Promise<R>,
  notes: string[] = [],
): Promise<R & { warnings?: string[] }> {
  const timeoutMs = g.wait === undefined ? undefined : parseDuration(g.wait, '--wait')
  if (timeoutMs === 0)
    throw new TaskError('InvalidInput', '--wait: give a duration above zero, e.g. 2m or 20m.')
  const key = g.idempotencyKey
  if (key !== undefined && !/^[A-Za-z0-9_-]{8,64}$/.test(key)) {
    throw new TaskError(
      'InvalidInput',
      `--idempotency-key: "${key}" is not a key; use the one a timed-out tm printed (8 to 64 letters, digits, "-" or "_").`,
    )
  }
  const agent = g.agent || process.env.TM_AGENT
  for (const note of notes) process.stderr.write(escapeBlock(`tm: warning: ${note}\n`))
  const { runOnGitHub } = await import('./github-session.js')
  return runOnGitHub(
    {
      repo,
      timeoutMs,
      idempotencyKey: key,
      named: agent ? { agent, from: g.agent ? '--agent' : 'TM_AGENT' } : undefined,
    },
    verb,
  )
}
