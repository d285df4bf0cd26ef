/**
 * The reasons and summaries the app records in a task's history when a
 * change comes from GitHub rather than from the command's own words: a
 * lease released or ended by someone, a failure without a reason, a label
 * that completed or blocked the task. People read them in the status
 * comment, `tm show` and the audit log; a completion summary is handed to
 * dependents. Kept with the other words of the app (issue 11); the engine
 * stores them as given, and what echoes them neutralises them then. Logins
 * are GitHub's (`null`: the event named none).
 */
export const historyReasons = {
  /** `/release` by the holder. */
  released: 'released on GitHub',
  /** `/fail` without a reason. */
  failed: 'failed on GitHub',
  /** `/release` of someone else's lease by `actor` (with the override rule). */
  releasedBy(actor: string): string {
    return `released by @${actor}`
  },
  /** The holder `assignee` unassigned by `actor`: the end of their lease. */
  unassignedBy(assignee: string, actor: string | null): string {
    return `@${assignee} unassigned by @${actor ?? 'someone'}`
  },
  /** The completion summary of a task completed by `actor` setting `label`. */
  completedByLabel(actor: string | null, label: string): string {
    return `completed by @${actor ?? 'someone'} (label \`${label}\`)`
  },
  /** The block reason of a task `actor` labelled blocked. */
  blockedByLabel(actor: string | null): string {
    return `labelled blocked by @${actor ?? 'someone'}`
  },
  /** A lease ended by relabelling the task pending. */
  relabelledPending: 'relabelled pending',
}
