/**
 * The job summary of an orchestrator run: the event, what changed, leases
 * swept, commands caught up, where the state came from (artifact, fallback,
 * rebuild), its generation and size, and the time each phase took.
 *
 * Errors, logins and reasons quote what people and GitHub sent (a comment's
 * text can end up in a handler's error): they are neutralised as inline text
 * (`src/github/neutralise.ts`), and the summary is cut to GitHub's 1 MiB.
 */
import { bytesOf, fitBody, JOB_SUMMARY_BYTES } from '../../github/fit.js'
import { code, inline } from '../../github/neutralise.js'
import type { RunReport } from './orchestrate.js'

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
const msText = (ms: number | undefined) => `${Math.round(ms ?? 0)} ms`

/** Markdown for `GITHUB_STEP_SUMMARY`, at most 1 MiB (UTF-8), cut at a line. */
export function renderSummary(report: RunReport): string {
  const lines: string[] = ['## Task Orchestrator', '']
  const event = report.action ? `${report.event}.${report.action}` : report.event
  const delivered = report.delivered.length
    ? report.delivered
        .map((d) => `${code(d.name)}${d.error ? ` ❌ ${inline(d.error)}` : ' ✅'}`)
        .join(', ')
    : 'nothing to deliver (catch-up and sweep only)'
  lines.push(`**Event:** ${code(event)} — ${delivered}`, '')
  const changes = Object.entries(report.changes)
  lines.push(
    `**What changed:** ${changes.length ? changes.map(([type, n]) => `${type} × ${n}`).join(', ') : 'nothing'}`,
    '',
    `**Leases swept:** ${report.swept}`,
    '',
  )
  const caught = report.catchUp?.caught ?? []
  lines.push(
    `**Commands caught up:** ${caught.length}${report.catchUp ? ` (${report.catchUp.scanned} comments scanned in ${report.catchUp.requests} request${report.catchUp.requests === 1 ? '' : 's'})` : ' (scan failed)'}`,
  )
  for (const c of caught) {
    lines.push(
      `- #${c.issue} comment ${c.comment} by ${who(c.author)}: ${c.commands} command${c.commands === 1 ? '' : 's'}${c.quiet ? ' (already answered on GitHub; re-applied quietly)' : ''}`,
    )
  }
  for (const f of report.catchUp?.failed ?? []) {
    lines.push(
      `- ❌ #${f.issue} comment ${f.comment} by ${who(f.author)}: ${inline(f.error)} (failed ${f.attempts} time${f.attempts === 1 ? '' : 's'}; retried by the next run)`,
    )
  }
  for (const f of report.catchUp?.gaveUp ?? []) {
    lines.push(
      `- ⛔ #${f.issue} comment ${f.comment} by ${who(f.author)}: given up after ${f.attempts} failed runs, nothing in it applied and it is not retried; last error: ${inline(f.error)}`,
    )
  }
  if (report.reconciled) {
    lines.push(
      `**Issues reconciled:** ${report.reconciled.tracked.length ? report.reconciled.tracked.map((n) => `#${n}`).join(', ') : 'none'} newly tracked (${report.reconciled.scanned} open task issues listed in ${report.reconciled.requests} request${report.reconciled.requests === 1 ? '' : 's'})`,
    )
  }
  lines.push('')
  const src = report.source
  if (report.rebuilt) {
    lines.push(
      `**State:** ⚠️ rebuilt from GitHub — ${inline(report.rebuilt.detail)}; ${report.rebuilt.tasks} tasks read back from issues, labels and bodies, live leases restarted with a fresh TTL.`,
    )
  } else if (src.artifact) {
    lines.push(
      `**State:** artifact ${src.artifact.id} (generation ${src.generation}, ${src.artifact.created_at}).`,
    )
  }
  for (const r of src.rejected) {
    lines.push(`- skipped artifact ${r.id} (${r.created_at}): ${inline(r.reason)}`)
  }
  if (report.reapplied > 0) {
    lines.push(
      `- another run uploaded a newer state meanwhile: this run's work was re-applied on it (${report.reapplied}×).`,
    )
  }
  lines.push(
    '',
    `**Saved:** generation ${report.generation}, ${report.tasks} tasks, ${kib(report.bytes)}${report.uploaded ? ` (artifact ${report.uploaded.id})` : ' (not uploaded)'}`,
    '',
    '| phase | time |',
    '| --- | ---: |',
    ...Object.entries(report.ms).map(
      ([phase, ms]) => `| ${phase.replace(/_/g, ' ')} | ${msText(ms)} |`,
    ),
    '',
  )
  if (report.errors.length) {
    lines.push('**Errors:**', ...report.errors.map((e) => `- ${inline(e)}`), '')
  }
  return fitBody(lines.join('\n'), JOB_SUMMARY_BYTES, bytesOf)
}

/** A login as summary text: `@` and the login, neutralised (it never pings, nor injects). */
function who(login: string): string {
  return inline(`@${login}`, 100)
}
