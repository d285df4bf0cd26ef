/**
 * A maintainer's commands: reopen a finished task (failed, completed or
 * cancelled), assign a task to a named agent (a lease granted on its behalf),
 * delete a task nobody depends on. On the command line whoever runs `tm` is
 * the maintainer; `--agent`/`TM_AGENT`, when set, is recorded as the actor.
 * `assign` and `delete` also exist in the original Task Orchestrator v2.3.
 */
import type { Command } from 'commander'
import { action, openEngine, optionalAgent, parseDuration } from '../runtime.js'

/** Register `reopen`, `assign` and `delete` on `program`. */
export function registerMaintenanceCommands(program: Command): void {
  program
    .command('reopen')
    .description(
      'Bring a failed, completed or cancelled task back: pending (blocked while dependencies are open), attempts reset, history kept.',
    )
    .argument('<id>', 'task id')
    .action(
      action(
        (g, id: string) => {
          const engine = openEngine(g)
          const before = engine.get(id).status
          const reopened = engine.reopen(id, optionalAgent(g))
          return { reopened, was: before, task: engine.get(id) }
        },
        (r) =>
          r.reopened
            ? `Reopened ${r.task.id} (was ${r.was}): now ${r.task.status}, attempts reset to 0.`
            : `${r.task.id} is ${r.task.status}, not finished: nothing to reopen.`,
      ),
    )

  program
    .command('assign')
    .description(
      'Grant a named agent a lease on a task, as if it had claimed it; prints the fencing token to give it.',
    )
    .argument('<id>', 'task id')
    .argument('<agent>', 'the agent that is to do it (its --agent / TM_AGENT name)')
    .option('--ttl <duration>', 'lease time-to-live (default from `tm init`, 30m)')
    .action(
      action(
        (g, id: string, agent: string, o: { ttl?: string }) =>
          openEngine(g).assign(
            id,
            agent,
            optionalAgent(g),
            o.ttl ? parseDuration(o.ttl, '--ttl') : undefined,
          ),
        (r) =>
          `Assigned ${r.task} to ${r.lease.holder}: token ${r.lease.token}, expires ${r.lease.expires_at}. The agent heartbeats and completes with this token.`,
      ),
    )

  program
    .command('delete')
    .description(
      'Delete a task nobody depends on and no task has as parent; its events stay in the log.',
    )
    .argument('<id>', 'task id')
    .action(
      action(
        (g, id: string) => ({ deleted: openEngine(g).delete(id, optionalAgent(g)) }),
        (r) => `Deleted ${r.deleted.id} (${r.deleted.status}). Its events stay in \`tm events\`.`,
      ),
    )
}
