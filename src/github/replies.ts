/**
 * Replies to comment commands. Each outcome carries a hidden marker that
 * agents reading replies through the API parse instead of the prose:
 *
 *     <!-- task-orchestrator: {"command":"claim","ok":true,"task":"o/r#1","token":3,"reason":null} -->
 *
 * One reply per comment lists the outcome of every command in it (one marker
 * per command, in order). The format is documented in docs/github-replies.md.
 */

/** The machine-readable outcome of one command. */
export interface Outcome {
  command: string
  ok: boolean
  /** Task id (`owner/repo#number`). */
  task: string
  /** Fencing token of the lease the command created or used, when there is one. */
  token: number | null
  /** Why it was refused (a sentence), or null. */
  reason: string | null
  /** Engine error code when refused (`LeaseHeld`, `StaleToken`, …). */
  code?: string
  /** Current lease holder and expiry, when relevant. */
  holder?: string
  expires_at?: string
  /** Id of the comment whose command this answers (absent for the app's own notices). */
  comment?: number
}

/** The prefix every marker starts with. */
export const MARKER_PREFIX = '<!-- task-orchestrator: '

/** The hidden marker for one outcome. `>` is escaped so the JSON cannot end the comment. */
export function marker(outcome: Outcome): string {
  const json = JSON.stringify(outcome).replace(/</g, '\\u003c').replace(/>/g, '\\u003e')
  return `${MARKER_PREFIX}${json} -->`
}

/** Every outcome marked in a reply body, in order (the inverse of {@link renderReply}). */
export function readMarkers(body: string): Outcome[] {
  const out: Outcome[] = []
  for (const match of body.matchAll(/<!-- task-orchestrator: (\{.*?\}) -->/g)) {
    try {
      out.push(JSON.parse(match[1]!) as Outcome)
    } catch {
      // Not one of ours, or damaged by an edit: skip it.
    }
  }
  return out
}

/** One line of prose per outcome, prefixed by ✅ or ❌. */
export interface ReplyLine {
  outcome: Outcome
  text: string
}

/**
 * The reply to a comment: for each command a marker and a sentence. `to` is
 * the login the reply addresses.
 */
export function renderReply(to: string, lines: ReplyLine[], footer?: string): string {
  const parts = lines.map((l) => `${marker(l.outcome)}\n${l.outcome.ok ? '✅' : '❌'} ${l.text}`)
  return [`@${to}`, ...parts, ...(footer ? [footer] : [])].join('\n\n')
}
