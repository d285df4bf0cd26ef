/**
 * The Task Orchestrator GitHub app (Probot 14): wires webhook events to
 * handlers, and runs the background sweep and status refresh. Handlers live
 * in `handlers/`, one module per event; the work is in plain functions.
 *
 * `npm start` runs it as a Probot server (see `server.ts`); tests build it
 * with {@link taskOrchestrator} and a fake clock.
 */
import type { ApplicationFunction, Context, Probot } from 'probot'
import { openStore, resolveDbPath } from '../core/db/open.js'
import { Engine } from '../core/engine.js'
import { isTaskError } from '../core/errors.js'
import {
  flushOwedReplies,
  flushStatusComments,
  type OctokitFor,
  sweepAndReport,
} from './background.js'
import { DashboardState, refreshDashboards } from './dashboard.js'
import { appDeps } from './deps.js'
import { onCommentCreated } from './handlers/comment-created.js'
import { onCheckRunCompleted, onPullRequest } from './handlers/gate-events.js'
import { onIssueAssignment } from './handlers/issue-assigned.js'
import { onIssueClosedOrReopened } from './handlers/issue-closed.js'
import { onIssueChanged } from './handlers/issues.js'
import { onPush } from './handlers/push.js'
import { type AppOptions, AppRuntime } from './runtime.js'
import { onSubIssueChanged } from './sub-issues.js'

export interface TaskOrchestratorOptions extends AppOptions {
  /** Run the sweep and status refresh on timers (default true; tests drive them by hand). */
  timers?: boolean
  /** Sweep interval in ms (default: the shortest `lease.sweep_interval` of the repositories seen, else 60 s). */
  sweepIntervalMs?: number
  /** Delay before changed status comments are refreshed, coalescing bursts (default 5 s). */
  statusDelayMs?: number
}

/** The app, with handles for tests and the server. */
export interface TaskOrchestratorApp extends ApplicationFunction {
  runtime: AppRuntime
  /** Sweep expired leases now and report them on their issues. */
  sweep(): Promise<number>
  /** Refresh changed status comments now. */
  flush(): Promise<number>
  /** Stop the timers. */
  stop(): void
}

/** Build the app over an engine. */
export function taskOrchestrator(options: TaskOrchestratorOptions): TaskOrchestratorApp {
  const rt = new AppRuntime(options)
  const deps = appDeps(rt)
  let probot: Probot | undefined
  const timers: NodeJS.Timeout[] = []
  let stopped = false
  let flushTimer: NodeJS.Timeout | undefined
  const octokitFor: OctokitFor = async (installationId) => {
    if (!probot) throw new Error('The app is not loaded yet.')
    return (await probot.auth(installationId ?? undefined)) as Awaited<ReturnType<OctokitFor>>
  }
  const logError = (what: string) => (err: unknown, task: string) =>
    probot?.log.error({ err, task }, `${what} failed for ${task}`)
  // One flush at a time; a flush asked for meanwhile runs once more afterwards.
  let flushing: Promise<number> | undefined
  let again = false
  const flush = async (): Promise<number> => {
    if (flushing) {
      again = true
      return flushing
    }
    let total = 0
    flushing = (async () => {
      do {
        again = false
        total += await flushOwedReplies(rt, octokitFor, logError('posting an owed reply'))
        total += await flushStatusComments(rt, octokitFor, logError('refreshing the issue'))
        total += await refreshDashboards(
          rt,
          octokitFor,
          (err, repo) =>
            probot?.log.error({ err, repo }, `refreshing the dashboard of ${repo} failed`),
          (message) => probot?.log.warn(message),
        )
      } while (again)
      return total
    })()
    try {
      return await flushing
    } finally {
      flushing = undefined
    }
  }
  const scheduleFlush = () => {
    if (options.timers === false || flushTimer) return
    flushTimer = setTimeout(() => {
      flushTimer = undefined
      flush().catch((err) => probot?.log.error({ err }, 'refreshing status comments failed'))
    }, options.statusDelayMs ?? 5000)
    flushTimer.unref()
  }

  /** Run a handler once per delivery; log and rethrow what it could not handle. */
  const handle =
    <C extends Context>(name: string, fn: (context: C) => Promise<unknown>) =>
    async (context: C) => {
      const now = rt.now()
      if (rt.state.seenDelivery(context.id)) return
      try {
        await fn(context)
        rt.state.recordDelivery(context.id, name, now)
        const { repository, issue } = context.payload as {
          repository?: { full_name?: string }
          issue?: { number?: number }
        }
        if (repository?.full_name)
          new DashboardState(rt.engine.store).noteActivity(repository.full_name, issue?.number)
      } catch (err) {
        context.log.error(
          { err, event: name, delivery: context.id },
          isTaskError(err) ? err.message : 'handler failed',
        )
        throw err
      } finally {
        scheduleFlush()
      }
    }

  const app = ((p: Probot) => {
    probot = p
    // Each handler gets the services it names (src/app/deps.ts), not the runtime.
    p.on(
      'issue_comment.created',
      handle('issue_comment.created', (c) => onCommentCreated(deps, c)),
    )
    p.on(
      ['issues.opened', 'issues.edited', 'issues.labeled', 'issues.unlabeled'],
      handle('issues', (c) => onIssueChanged(deps, c)),
    )
    p.on(
      ['issues.closed', 'issues.reopened'],
      handle('issues.closed', (c) => onIssueClosedOrReopened(deps, c)),
    )
    p.on(
      ['issues.assigned', 'issues.unassigned'],
      handle('issues.assigned', (c) => onIssueAssignment(deps, c)),
    )
    p.on(
      'push',
      handle('push', (c) => onPush(deps, c)),
    )
    p.on(
      'check_run.completed',
      handle('check_run.completed', (c) => onCheckRunCompleted(rt, c)),
    )
    p.on(
      [
        'pull_request.opened',
        'pull_request.edited',
        'pull_request.synchronize',
        'pull_request.reopened',
        'pull_request.closed',
      ],
      handle('pull_request', (c) => onPullRequest(rt, c)),
    )
    p.on(
      ['sub_issues.sub_issue_added', 'sub_issues.sub_issue_removed'],
      handle('sub_issues', (c) => onSubIssueChanged(rt, c)),
    )
    if (options.timers !== false) {
      // The sweep re-arms itself with the shortest `lease.sweep_interval` of
      // the repositories seen so far (or the option, or one minute).
      const tick = () => {
        sweepAndReport(rt, octokitFor, logError('reporting an expired lease'))
          .then(() => flush())
          .catch((err) => p.log.error({ err }, 'sweeping expired leases failed'))
          .finally(() => arm())
      }
      const arm = () => {
        if (stopped) return
        const timer = setTimeout(tick, options.sweepIntervalMs ?? rt.sweepIntervalMs())
        timer.unref()
        timers.push(timer)
      }
      arm()
    }
  }) as unknown as TaskOrchestratorApp
  app.runtime = rt
  app.sweep = async () =>
    (await sweepAndReport(rt, octokitFor, logError('reporting an expired lease'))).length
  app.flush = flush
  app.stop = () => {
    stopped = true
    for (const t of timers) clearTimeout(t)
    if (flushTimer) clearTimeout(flushTimer)
  }
  return app
}

/**
 * The app as `probot run` loads it: the database from `TM_DB` (default
 * `./.task-orchestrator/tasks.db`), GitHub Enterprise Server from `GHE_HOST`.
 */
const defaultApp: ApplicationFunction = (probot, options) => {
  const engine = new Engine(openStore(resolveDbPath()))
  const host = process.env.GHE_HOST
  return taskOrchestrator({ engine, ...(host ? { host } : {}) })(probot, options)
}
export default defaultApp
