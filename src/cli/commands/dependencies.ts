/**
 * Dependency commands: depend, undepend, block, unblock, critical-path — how
 * tasks wait for each other and for people.
 */
import type { Command } from 'commander'
import { action, openEngine, optionalAgent } from '../runtime.js'

/** Register the dependency commands on `program`. */
export function registerDependencyCommands(program: Command): void {
  program
    .command('critical-path')
    .description(
      'The chain of open tasks with the most estimated work (1 h assumed where missing).',
    )
    .action(
      action(
        (g) => ({ critical_path: openEngine(g).criticalPath() }),
        (r) =>
          r.critical_path.tasks.length
            ? `${r.critical_path.tasks.join(' → ')}\n${r.critical_path.hours} h of estimated work`
            : '(no open tasks)',
      ),
    )

  program
    .command('block')
    .description('Block a task by hand, with a reason.')
    .argument('<id>', 'task id')
    .argument('<reason...>', 'why it is blocked')
    .action(
      action(
        (g, id: string, reason: string[]) => ({
          task: openEngine(g).block(id, reason.join(' '), optionalAgent(g)),
        }),
        (r) => `Blocked ${r.task.id}: ${r.task.blocked_reason}`,
      ),
    )

  program
    .command('unblock')
    .description('Lift a manual block (the task stays blocked while dependencies are unmet).')
    .argument('<id>', 'task id')
    .action(
      action(
        (g, id: string) => ({ task: openEngine(g).unblock(id, optionalAgent(g)) }),
        (r) => `${r.task.id} is now ${r.task.status}.`,
      ),
    )

  program
    .command('depend')
    .description('Make a task depend on others (refused if it would close a cycle).')
    .argument('<id>', 'the task that waits')
    .argument('<depends-on...>', 'the tasks it waits for')
    .action(
      action(
        (g, id: string, deps: string[]) => {
          const engine = openEngine(g)
          const added = engine.write(() =>
            deps.filter((d) => engine.depend(id, d, optionalAgent(g))),
          )
          return { task: engine.get(id), added }
        },
        (r) =>
          `${r.task.id} now depends on ${r.added.length ? r.added.join(', ') : '(nothing new)'}; status ${r.task.status}.`,
      ),
    )

  program
    .command('undepend')
    .description('Remove dependencies.')
    .argument('<id>', 'the task that waits')
    .argument('<depends-on...>', 'the dependencies to remove')
    .action(
      action(
        (g, id: string, deps: string[]) => {
          const engine = openEngine(g)
          const removed = engine.write(() =>
            deps.filter((d) => engine.undepend(id, d, optionalAgent(g))),
          )
          return { task: engine.get(id), removed }
        },
        (r) => `Removed ${r.removed.length} dependencies; ${r.task.id} is ${r.task.status}.`,
      ),
    )
}
