/** `tm events [--follow]` and `tm metrics`. */
import type { Command } from 'commander'
import { TaskError } from '../../core/errors.js'
import type { TaskEvent } from '../../core/events.js'
import type { Metrics } from '../../core/metrics.js'
import { normaliseTime } from '../../core/model.js'
import { FAILED_TRIES_LABEL, failedTries } from '../../core/report/markdown.js'
import { formatHours } from '../../core/report/units.js'
import { escapeLine, printJson, table, writeText } from '../output.js'
import { action, globals, openEngine, parseDuration, parseNumber, reportError } from '../runtime.js'

/** One event as one line of text; stored text in it is escaped (see `escapeLine`). */
function eventLine(e: TaskEvent): string {
  const details = Object.entries(e.details)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')
  return escapeLine(
    `${e.at}  #${e.id}  ${e.type.padEnd(20)} ${(e.task_id ?? '-').padEnd(8)}  ${(e.actor ?? '-').padEnd(12)}  ${details}`,
  )
}

/** `--since` as UTC ISO-8601 (so it compares with stored times); a usage error when not a time. */
export function sinceOption(text: string): string {
  try {
    return normaliseTime(text)
  } catch {
    throw new TaskError(
      'InvalidInput',
      `--since: "${text}" is not an ISO-8601 date or time, e.g. 2026-11-20 or 2026-11-20T09:00:00Z.`,
    )
  }
}

/** Hours as a readable duration (`1.6 s`, `3.5 min`, `2.3 h`, `3.1 d`; `-` for none): the report's units. */
export function duration(hours: number | null): string {
  return formatHours(hours, '-')
}

/** Human rendering of {@link Metrics}. */
export function metricsText(m: Metrics): string {
  const f = (n: number | null) => (n === null ? '-' : `${n}`)
  const pct = (n: number | null) => (n === null ? '-' : `${Math.round(n * 1000) / 10} %`)
  const days = m.throughput.slice(-14)
  const total = m.throughput.reduce((sum, d) => sum + d.completed, 0)
  const tasks = Object.entries(m.tasks).map(([s, n]) => `${s} ${n}`)
  const perDay = days.map((d) => `${d.day} ${d.completed}`).join(', ')
  const cycle = m.cycle_time_h
  const lead = m.lead_time_h
  const lines = [
    `Tasks: ${tasks.join(', ') || 'none'}; work in progress ${m.wip}`,
    `Throughput: ${total} completed${m.throughput_per_day === null ? '' : ` (${m.throughput_per_day}/day)`}${days.length ? ` — ${m.throughput.length > days.length ? 'last 14 active days: ' : ''}${perDay}` : ''}`,
    `Cycle time (first claim → done): p50 ${duration(cycle.p50)}, p90 ${duration(cycle.p90)}, mean ${duration(cycle.mean)} over ${cycle.count} tasks`,
    `Lead time (created → done): p50 ${duration(lead.p50)}, p90 ${duration(lead.p90)}, mean ${duration(lead.mean)} over ${lead.count} tasks`,
    `Time blocked: ${duration(m.blocked_h.total)} over ${m.blocked_h.count} tasks (p50 ${duration(m.blocked_h.p50)}, p90 ${duration(m.blocked_h.p90)})`,
    `Leases: ${m.claims} claims, ${duration(m.lease_hours)} under lease, ${m.expiries} expired; attempts counted ${m.attempts}`,
    `Success rate: ${pct(m.success_rate)} (completions ÷ (completions + failed tries))`,
    `${FAILED_TRIES_LABEL}: ${failedTries(m)}`,
    `Estimate accuracy (actual/estimated): mean ${f(m.estimate_accuracy.mean_ratio)}, median ${f(m.estimate_accuracy.median_ratio)} over ${m.estimate_accuracy.count}`,
    `Feedback (1–5): quality ${f(m.feedback.quality)}, timeliness ${f(m.feedback.timeliness)} over ${m.feedback.count}`,
  ]
  const breakdown = (title: string, rows: Metrics['per_agent']) =>
    Object.keys(rows).length
      ? `\n${title}\n${table(
          [
            'NAME',
            'CLAIMS',
            'DONE',
            'FAILED TRIES',
            'EXPIRED',
            'SUCCESS',
            'UNDER LEASE',
            'CYCLE P50',
            'LEAD P50',
            'BLOCKED',
            'WIP',
          ],
          Object.entries(rows).map(([k, b]) => [
            k,
            b.claims,
            b.completed,
            b.failed_attempts,
            b.expiries,
            pct(b.success_rate),
            duration(b.lease_hours),
            duration(b.cycle_time_h.p50),
            duration(b.lead_time_h.p50),
            duration(b.blocked_hours),
            b.wip,
          ]),
        )}`
      : ''
  return (
    lines.join('\n') +
    breakdown('Per agent', m.per_agent) +
    breakdown('Per persona', m.per_persona) +
    breakdown('Per milestone', m.per_milestone)
  )
}

/** Register `tm events` and `tm metrics`. */
export function registerEventCommands(program: Command): void {
  program
    .command('events')
    .description('The event log, oldest first; --follow keeps printing new events.')
    .option('--task <id>', 'only this task')
    .option('--actor <agent>', 'only this actor')
    .option('--type <type>', 'only this event type')
    .option('--since <iso-8601>', 'only events at or after this time')
    .option('-n, --limit <n>', 'only the newest n')
    .option('-f, --follow', 'keep watching for new events (Ctrl-C to stop)')
    .option('--interval <duration>', 'poll interval with --follow (default 500ms)')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const g = globals(cmd)
      const filter = {
        ...(o.task ? { task: o.task as string } : {}),
        ...(o.actor ? { actor: o.actor as string } : {}),
        ...(o.type ? { type: o.type as string } : {}),
        ...(o.since ? { since: sinceOption(o.since as string) } : {}),
      }
      try {
        const limit = o.limit ? parseNumber(o.limit as string, '--limit', 1, 1e9, true) : undefined
        const engine = openEngine(g)
        const first = engine.events({ ...filter, ...(limit ? { limit } : {}) })
        if (!o.follow) {
          if (g.json) printJson({ ok: true, events: first })
          else writeText(first.length ? `${first.map(eventLine).join('\n')}\n` : '(no events)\n')
          engine.store.close()
          return
        }
        // --follow: one JSON object per line (JSON Lines) with --json, else text lines.
        const emit = (e: TaskEvent) => {
          if (g.json) process.stdout.write(`${JSON.stringify(e)}\n`)
          else writeText(`${eventLine(e)}\n`)
        }
        first.forEach(emit)
        let last = first.at(-1)?.id ?? engine.events({ limit: 1 }).at(-1)?.id ?? 0
        const interval = o.interval ? parseDuration(o.interval as string, '--interval') : 500
        await new Promise<void>((resolve) => {
          const timer = setInterval(() => {
            for (const e of engine.events({ ...filter, afterId: last })) {
              emit(e)
              last = e.id
            }
          }, interval)
          const stop = () => {
            clearInterval(timer)
            resolve()
          }
          process.once('SIGINT', stop)
          process.once('SIGTERM', stop)
        })
        engine.store.close()
      } catch (err) {
        process.exitCode = reportError(err, g.json ?? false)
      }
    })

  program
    .command('metrics')
    .description(
      'Throughput, cycle and lead time, time blocked, leases, expiries, attempts, success rate, estimate accuracy, feedback, work in progress — overall, per agent, per persona, per milestone.',
    )
    .option('--since <iso-8601>', 'only activity at or after this time')
    .action(
      action(
        (g, o: { since?: string }) => ({
          metrics: openEngine(g).metrics(o.since ? { since: sinceOption(o.since) } : {}),
        }),
        (r) => metricsText(r.metrics),
      ),
    )
}
