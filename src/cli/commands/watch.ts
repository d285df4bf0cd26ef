/**
 * `tm watch`: follow the event log live. Polls by event id (ids only grow,
 * see events.ts), so nothing is missed or printed twice however the writes
 * interleave; prints one line per event, or one JSON object per line (JSON
 * Lines) with `--json`; stops cleanly (exit 0, database closed) on SIGINT or
 * SIGTERM.
 */
import type { Command } from 'commander'
import type { Engine } from '../../core/engine.js'
import { TaskError } from '../../core/errors.js'
import { EVENT_TYPES, type TaskEvent } from '../../core/events.js'
import { escapeLine, writeText } from '../output.js'
import { globals, openEngine, parseDuration, parseNumber, reportError } from '../runtime.js'

/** One event as one line of text; stored text in it is escaped (see `escapeLine`). */
function line(e: TaskEvent): string {
  const details = Object.entries(e.details)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')
  return escapeLine(
    `${e.at}  #${e.id}  ${e.type.padEnd(19)} ${(e.task_id ?? '-').padEnd(8)}  ${(e.actor ?? '-').padEnd(12)}  ${details}`.trimEnd(),
  )
}

/** Register `tm watch` on `program`. */
export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description(
      'Follow events live (Ctrl-C to stop): one line per event, or JSON Lines with --json.',
    )
    .option('--task <id>', 'only events of this task')
    // `--agent` is the root program's option (commander reads it anywhere on
    // the line), so the filter is read from there: here it names whose events
    // to follow. TM_AGENT does not filter.
    .option('--actor <name>', 'only events by this agent or person (same as --agent here)')
    .option('--type <types>', 'only these event types, comma-separated (e.g. claimed,completed)')
    .option('--since-id <n>', 'start after this event id (default: only new events)')
    .option('--interval <duration>', 'poll interval (default 250ms)')
    .action(async (o: Record<string, string | undefined>, cmd: Command) => {
      const g = globals(cmd)
      let engine: Engine | undefined
      try {
        const types = o.type
          ? o.type
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean)
          : []
        const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t))
        if (unknown.length) {
          throw new TaskError(
            'InvalidInput',
            `--type: unknown event type ${unknown.join(', ')}; known: ${EVENT_TYPES.join(', ')}.`,
          )
        }
        const interval = o.interval ? parseDuration(o.interval, '--interval') : 250
        engine = openEngine(g)
        const e = engine
        // A mistyped id would otherwise wait forever in silence.
        if (o.task) e.get(o.task)
        let last =
          o.sinceId !== undefined
            ? parseNumber(o.sinceId, '--since-id', 0, Number.MAX_SAFE_INTEGER, true)
            : (e.events({ limit: 1 }).at(-1)?.id ?? 0)
        const filter = {
          ...(o.task ? { task: o.task } : {}),
          ...((o.actor ?? g.agent) ? { actor: (o.actor ?? g.agent)! } : {}),
          ...(types.length === 1 ? { type: types[0]! } : {}),
        }
        const poll = () => {
          for (const event of e.events({ ...filter, afterId: last })) {
            last = event.id
            if (types.length > 1 && !types.includes(event.type)) continue
            if (g.json) process.stdout.write(`${JSON.stringify(event)}\n`)
            else writeText(`${line(event)}\n`)
          }
        }
        poll()
        await new Promise<void>((resolve) => {
          const timer = setInterval(poll, interval)
          const stop = () => {
            clearInterval(timer)
            process.off('SIGINT', stop)
            process.off('SIGTERM', stop)
            resolve()
          }
          process.on('SIGINT', stop)
          process.on('SIGTERM', stop)
        })
        poll() // whatever was committed before the signal
      } catch (err) {
        process.exitCode = reportError(err, g.json ?? false)
      } finally {
        engine?.store.close()
      }
    })
}
