/**
 * What the GitHub transport's verbs share: its defaults, the `/next`
 * refusal that means "nothing claimable", and the making of command text
 * and results from reply markers.
 */
import { TaskError } from '../../core/errors.js'
import { MARKER_PREFIX, type Outcome } from '../../github/markers.js'
import { ClientError } from '../errors.js'
import type { Grant } from '../types.js'

/** Defaults per hosting mode (see {@link GitHubClientOptions}). */
export const GITHUB_DEFAULTS = {
  server: { appLogin: 'task-orchestrator[bot]', maxPollIntervalMs: 10_000, timeoutMs: 120_000 },
  actions: { appLogin: 'github-actions[bot]', maxPollIntervalMs: 60_000, timeoutMs: 1_800_000 },
  pollIntervalMs: 1_000,
} as const

/** Refusal codes of `/next` that mean "nothing claimable right now" (`{task: null, grant: null}`). */
export const NOTHING_CLAIMABLE: ReadonlySet<string> = new Set(['NothingClaimable'])

/** One line of command text: line breaks become spaces; the app's marker prefix is refused. */
export function oneLine(text: string, what: string): string {
  const line = text.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ').trim()
  if (line.includes(MARKER_PREFIX.trim()))
    throw new TaskError(
      'InvalidInput',
      `The ${what} contains "${MARKER_PREFIX.trim()}", which makes the app ignore the comment; reword it.`,
    )
  return line
}

/** A GitHub login; a bot's ends in `[bot]`. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\[bot\])?$/

/**
 * `text` when it is a GitHub login, so that a command naming it (`/ask
 * @login …`) stays one command on one line; `InvalidInput` naming `what`
 * otherwise.
 */
export function gitHubLogin(text: string, what: string): string {
  if (LOGIN.test(text)) return text
  throw new TaskError(
    'InvalidInput',
    `${what} "${text.slice(0, 100)}" is not a GitHub login (letters, digits and single hyphens, at most 39; a bot's ends in [bot]).`,
  )
}

/** `Unsupported`: `what` cannot be done on GitHub; `instead` says what to do. */
export function unsupported(what: string, instead: string): ClientError {
  return new ClientError('Unsupported', `${what} is not available on GitHub; ${instead}`)
}

/** A lease from a reply marker (GitHub: holder, token and expiry only). */
export function leaseOf(o: Outcome, fallbackHolder: string | null): Grant['lease'] {
  return {
    holder: o.holder ?? fallbackHolder ?? '',
    token: o.token ?? 0,
    expires_at: o.expires_at ?? '',
  }
}
