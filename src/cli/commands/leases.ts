/**
 * Lease commands: claim, next, heartbeat, release, complete, fail, sweep.
 * Every command after `claim` names the holder (`--agent`/`TM_AGENT`) and the
 * fencing token the claim printed (`--token`).
 */
import type { Command } from 'commander'
import type { CriterionResult } from '../../core/criteria/evaluate.js'
import { TaskError } from '../../core/errors.js'
import { type GitHubRepository, githubTarget, onGitHub } from '../github.js'
import { escapeBlock, table, taskTable } from '../output.js'
import {
  action,
  type Globals,
  leaseToken,
  openEngine,
  parseDuration,
  parseNumber,
  parseToken,
  requireAgent,
} from '../runtime.js'

const collect = (value: string, previous: string[] = []) => [...previous, value]

function ttlOf(o: { ttl?: string }): number | undefined {
  return o.ttl ? parseDuration(o.ttl, '--ttl') : undefined
}

/** Expand globs (quoted by the user so the shell left them alone); each must match something. */
async function expand(patterns: string[], flag: string): Promise<string[]> {
  if (patterns.length === 0) return []
  const { glob, isDynamicPattern } = await import('tinyglobby')
  const files: string[] = []
  for (const p of patterns) {
    const matches = isDynamicPattern(p) ? await glob(p, { absolute: true }) : [p]
    if (matches.length === 0)
      throw new TaskError('BadReport', `${flag} ${p}: no file matches this pattern.`)
    files.push(...matches.sort())
  }
  return files
}

/** `complete`'s options. */
interface CompleteFlags {
  token?: string
  summary?: string
  validate?: boolean
  junit?: string[]
  coverage?: string[]
  context?: string[]
  set?: string[]
  confirm?: string[]
  actualHours?: string
}

/**
 * `tm complete` on GitHub: posts `/done [summary]` and waits for its reply.
 * Nothing is evaluated here: the CI gate decides (the app completes only
 * when the gate passed and the manual criteria are ticked), which
 * `--validate` is told on stderr. Context flags are ignored with a warning
 * (the gate Action reads the reports in CI, so one script serves both
 * transports); `--confirm` (a person ticks manual criteria on the issue) and
 * `--actual-hours` (the app counts lease time) are refused, as they would be
 * lost.
 */
function completeOnGitHub(g: Globals, github: GitHubRepository, id: string, o: CompleteFlags) {
  if (o.confirm?.length) {
    throw new TaskError(
      'InvalidInput',
      '--confirm does not work on GitHub: a person allowed to tick criteria ticks the manual ones in the issue’s "Success criteria" list.',
    )
  }
  if (o.actualHours !== undefined) {
    throw new TaskError(
      'InvalidInput',
      '--actual-hours does not work on GitHub: /done takes a summary only, and the app counts the lease time.',
    )
  }
  const context = (
    [
      ['--junit', o.junit],
      ['--coverage', o.coverage],
      ['--context', o.context],
      ['--set', o.set],
    ] as const
  ).filter(([, v]) => v?.length)
  if (context.length && !o.validate) {
    throw new TaskError(
      'InvalidInput',
      'Context options were given without --validate; add --validate.',
    )
  }
  const warnings: string[] = []
  if (context.length)
    warnings.push(
      `${context.map(([flag]) => flag).join(', ')} not read on GitHub: the gate Action reads the reports in CI.`,
    )
  const token = parseToken(o.token)
  if (o.validate) {
    process.stderr.write(
      escapeBlock(
        `tm: on GitHub nothing is evaluated here: the CI gate decides (its check run on the pull request, and the manual criteria ticked on the issue). Posting /done on ${id} and waiting for the app's reply…\n`,
      ),
    )
  }
  return onGitHub(
    g,
    github,
    (c, call) => c.complete(id, token, { ...call, ...(o.summary ? { summary: o.summary } : {}) }),
    warnings,
  )
}

/** The criteria table printed by `complete`. */
export function criteriaTable(results: CriterionResult[]): string {
  const mark = { pass: '✅', confirmed: '✅', fail: '❌', error: '⚠️', unconfirmed: '⏳' } as const
  return table(
    ['#', 'OK', 'CRITERION', 'EXPRESSION', 'ACTUAL'],
    results.map((r) => [
      r.index,
      mark[r.outcome],
      r.criterion,
      r.measurable ?? '(manual)',
      [
        Object.entries(r.actual)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(' '),
        r.message ?? '',
      ]
        .filter(Boolean)
        .join(' — '),
    ]),
  )
}

/** Register the lease commands on `program`. */
export function registerLeaseCommands(program: Command): void {
  program
    .command('claim')
    .description('Take a lease on a task; prints the fencing token to use from now on.')
    .argument('<id>', 'task id')
    .option('--ttl <duration>', 'lease time-to-live (default from `tm init`, 30m)')
    .action(
      action(
        (g, id: string, o: { ttl?: string }) => {
          const ttlMs = ttlOf(o)
          const github = githubTarget(g)
          if (github)
            return onGitHub(g, github, (c, call) =>
              c.claim(id, { ...call, ...(ttlMs ? { ttlMs } : {}) }),
            )
          return openEngine(g).claim(id, requireAgent(g), ttlMs)
        },
        (r) => `Claimed ${r.task}: token ${r.lease.token}, expires ${r.lease.expires_at}`,
      ),
    )

  program
    .command('next')
    .description('The best claimable task for this agent (persona, priority, deadline, age).')
    .option('--claim', 'claim it in the same transaction')
    .option('--ttl <duration>', 'lease time-to-live when claiming')
    .action(
      action(
        (g, o: { claim?: boolean; ttl?: string }) => {
          const ttlMs = ttlOf(o)
          const github = githubTarget(g)
          if (github) {
            if (!o.claim)
              throw new TaskError(
                'InvalidInput',
                'On GitHub `tm next` claims (the app’s /next picks and claims in one step): add --claim, or use `tm ready` to look without claiming.',
              )
            return onGitHub(g, github, (c, call) =>
              c.next({ ...call, ...(ttlMs ? { ttlMs } : {}) }),
            )
          }
          return openEngine(g).next(requireAgent(g), {
            claim: o.claim ?? false,
            ...(ttlMs ? { ttlMs } : {}),
          })
        },
        (r) =>
          r.task === null
            ? 'Nothing claimable right now.'
            : r.grant
              ? `Claimed ${r.task.id}: token ${r.grant.lease.token}, expires ${r.grant.lease.expires_at}\n${taskTable([r.task])}`
              : taskTable([r.task]),
      ),
    )

  program
    .command('heartbeat')
    .description(
      'Keep a lease alive: expiry becomes now + TTL (a no-op while the task waits for an answer).',
    )
    .argument('<id>', 'task id')
    .option('--token <n>', 'fencing token from the claim')
    .option('--ttl <duration>', 'new time-to-live')
    .action(
      action(
        (g, id: string, o: { token?: string; ttl?: string }) => {
          const github = githubTarget(g)
          if (github) {
            const ttlMs = ttlOf(o)
            const token = parseToken(o.token)
            return onGitHub(g, github, (c, call) =>
              c.heartbeat(id, token, { ...call, ...(ttlMs ? { ttlMs } : {}) }),
            )
          }
          const agent = requireAgent(g)
          const engine = openEngine(g)
          return {
            lease: engine.heartbeat(
              id,
              agent,
              leaseToken(engine, id, o.token, 'heartbeat'),
              ttlOf(o),
            ),
          }
        },
        (r) =>
          r.lease.paused
            ? `Lease paused since ${r.lease.paused.at} while the task waits for an answer; nothing to extend.`
            : `Lease extended to ${r.lease.expires_at}`,
      ),
    )

  program
    .command('release')
    .description('Give a lease back without counting an attempt.')
    .argument('<id>', 'task id')
    .option('--token <n>', 'fencing token from the claim')
    .option('--reason <text>', 'why')
    .action(
      action(
        (g, id: string, o: { token?: string; reason?: string }) => {
          const github = githubTarget(g)
          if (github) {
            if (o.reason !== undefined)
              throw new TaskError(
                'InvalidInput',
                '--reason does not work on GitHub: /release takes no reason. Leave it out (write the reason in a comment on the issue if people should read it).',
              )
            const token = parseToken(o.token)
            return onGitHub(g, github, (c, call) => c.release(id, token, call))
          }
          const agent = requireAgent(g)
          const engine = openEngine(g)
          engine.release(id, agent, leaseToken(engine, id, o.token, 'release'), o.reason)
          return { task: id }
        },
        (r) => `Released ${r.task}.`,
      ),
    )

  program
    .command('complete')
    .description('Complete a task; its success criteria must hold.')
    .argument('<id>', 'task id')
    .option('--token <n>', 'fencing token from the claim')
    .option('-m, --summary <text>', 'completion summary, handed to dependent tasks')
    .option(
      '--validate',
      'evaluate measurable criteria against the context below (required when there are any)',
    )
    .option('--junit <glob>', 'JUnit XML report(s) → tests.* (repeatable, globs allowed)', collect)
    .option(
      '--coverage <file>',
      'coverage summary (istanbul JSON, LCOV, Cobertura) → coverage.* (repeatable)',
      collect,
    )
    .option('--context <file>', 'JSON/YAML file merged into the context (repeatable)', collect)
    .option(
      '--set <key=value>',
      'inline context value, e.g. metrics.p95_ms=180 (repeatable)',
      collect,
    )
    .option('--confirm <n>', 'confirm manual criterion number n (repeatable)', collect)
    .option('--actual-hours <hours>', 'hours spent (default: summed lease time)')
    .action(
      action(
        async (g, id: string, o: CompleteFlags) => {
          const github = githubTarget(g)
          if (github) return completeOnGitHub(g, github, id, o)
          const agent = requireAgent(g)
          const engine = openEngine(g)
          const token = leaseToken(engine, id, o.token, 'complete')
          let context: Record<string, unknown> = {}
          if (o.validate) {
            const { buildContext } = await import('../../core/criteria/context.js')
            const built = buildContext({
              junit: await expand(o.junit ?? [], '--junit'),
              coverage: await expand(o.coverage ?? [], '--coverage'),
              files: await expand(o.context ?? [], '--context'),
              set: o.set ?? [],
            })
            context = built.context
          } else if (o.junit || o.coverage || o.context || o.set) {
            throw new TaskError(
              'InvalidInput',
              'Context options were given without --validate; add --validate.',
            )
          }
          return engine.complete(id, agent, token, {
            ...(o.summary ? { summary: o.summary } : {}),
            validate: o.validate ?? false,
            context,
            confirm: (o.confirm ?? []).map((n) => parseNumber(n, '--confirm', 1, 100, true)),
            ...(o.actualHours
              ? { actualHours: parseNumber(o.actualHours, '--actual-hours', 0, 10000) }
              : {}),
          })
        },
        (r) =>
          [
            // On GitHub the reply names the task only (hours, verdict and
            // unblocked tasks are the app's to publish).
            r.actual_hours === undefined
              ? `Completed ${r.task}.`
              : `Completed ${r.task} (${r.actual_hours} h).`,
            r.verdict ? criteriaTable(r.verdict.results) : '',
            r.unblocked?.length ? `Unblocked: ${r.unblocked.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
      ),
    )

  program
    .command('fail')
    .description('Report failure: retried while attempts remain, else failed.')
    .argument('<id>', 'task id')
    .argument('<reason...>', 'what went wrong')
    .option('--token <n>', 'fencing token from the claim')
    .option('--no-retry', 'mark failed now, without another attempt')
    .action(
      action(
        (g, id: string, reason: string[], o: { token?: string; retry: boolean }) => {
          const github = githubTarget(g)
          if (github) {
            const token = parseToken(o.token)
            return onGitHub(g, github, (c, call) =>
              c.fail(id, token, reason.join(' '), {
                ...call,
                ...(o.retry ? {} : { retry: false }),
              }),
            )
          }
          const agent = requireAgent(g)
          const engine = openEngine(g)
          const token = leaseToken(engine, id, o.token, 'fail')
          return { task: id, ...engine.fail(id, agent, token, reason.join(' '), o.retry) }
        },
        (r) =>
          r.status === undefined
            ? `Reported failure on ${r.task}; the app retries it while attempts remain (tm show ${r.task}).`
            : r.status === 'failed'
              ? `${r.task} failed after ${r.attempts}/${r.max_attempts} attempts; it needs a person.`
              : `${r.task} returned to the queue (attempt ${r.attempts}/${r.max_attempts}).`,
      ),
    )

  program
    .command('sweep')
    .description('Return tasks whose lease expired to the queue (counting an attempt).')
    .action(
      action(
        (g) => ({ expired: openEngine(g).sweep() }),
        (r) =>
          r.expired.length
            ? table(
                ['TASK', 'HOLDER', 'TOKEN', 'EXPIRED AT', 'ATTEMPTS', 'NOW'],
                r.expired.map((e) => [
                  e.task,
                  e.holder,
                  e.token,
                  e.expired_at,
                  e.attempts,
                  e.status,
                ]),
              )
            : 'No expired leases.',
      ),
    )
}
