/**
 * Status comments as the app wrote them before their marker carried the
 * task's state (status marker version 1, `src/github/markers.ts`): the same
 * prose under a marker naming only the task, `{"task":"o/r#1"}`. The prose
 * of those comments is what renders today (only the marker changed), so a
 * body rendered now with its first line replaced is one such comment — the
 * rebuild's fallback (`src/github/rebuild-status-prose.ts`) is tested on
 * these and on the recorded ones in `test/fixtures/github/rebuild/`.
 */
import { STATUS_MARKER_PREFIX } from '../../src/github/markers.js'

/** `body` (a status comment rendered now) as the app wrote it before status marker version 1. */
export function legacyStatusComment(body: string): string {
  const task = (
    JSON.parse(/^<!-- task-orchestrator:status (\{.*?\}) -->/.exec(body)![1]!) as {
      task: string
    }
  ).task
  const marker = `${STATUS_MARKER_PREFIX}${JSON.stringify({ task }).replace(/[<>&@]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)} -->`
  return `${marker}${body.slice(body.indexOf('\n'))}`
}
