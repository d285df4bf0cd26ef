/**
 * `issue_comment.created`: run the comment's commands. The comment is
 * recorded in the same transaction as its commands' effects, so a
 * redelivery (or the reconcile scan) never runs them twice; edited comments
 * are not subscribed to, so editing never re-runs a command.
 *
 * A comment answered on GitHub that this state does not record as handled
 * (`answeredElsewhere`: a lost state, an overlapping workflow run) has
 * its commands re-applied without a reaction or reply. A comment delivered
 * by the catch-up scan may be answered right now by the run its own event
 * started, so its handler looks at the issue's comments once more
 * (`answeredOnGitHub`, one request) after applying and mirroring, and then
 * reacts and replies only if no reply is there.
 */
import type { Context } from 'probot'
import type { CommandResult } from '../../github/command-replies.js'
import { parseComment } from '../../github/commands.js'
import {
  commandErrorResult,
  notATaskResults,
  renderCommentReply,
  renderNotATaskReply,
} from '../../github/comment-reply.js'
import { findAgent } from '../../github/config.js'
import { MARKER_PREFIX } from '../../github/replies.js'
import { CATCH_UP_DELIVERY } from '../catch-up.js'
import { DASHBOARD_MARKER, DashboardState } from '../dashboard.js'
import type { AppDeps } from '../deps.js'
import { type Execution, executeCommands, needsPermission, READ_ONLY_COMMANDS } from '../execute.js'
import type { CommandDeps } from '../run-command.js'

/**
 * What handling a comment touches: the commands' services
 * ({@link CommandDeps}), the app's bookkeeping (comments handled, replies
 * owed), the config and permission lookups, what was answered elsewhere,
 * and the mirror's writer.
 */
export type CommentDeps = CommandDeps &
  Pick<
    AppDeps,
    | 'now'
    | 'repoKey'
    | 'config'
    | 'permission'
    | 'answeredElsewhere'
    | 'answeredNext'
    | 'answeredOnGitHub'
    | 'mirror'
  >

/**
 * Handle one comment. Returns the number of commands read. While it runs, the
 * reply it owes is its own to post: a flush meanwhile leaves it alone
 * (`AppState.handlingStarted`), and posts it only if the handler ends without.
 */
export async function onCommentCreated(
  deps: CommentDeps,
  context: Context<'issue_comment.created'>,
): Promise<number> {
  const id = context.payload.comment.id
  deps.state.handlingStarted(id)
  try {
    return await handleComment(deps, context)
  } finally {
    deps.state.handlingDone(id)
  }
}

async function handleComment(
  deps: CommentDeps,
  context: Context<'issue_comment.created'>,
): Promise<number> {
  const { comment, issue, repository, sender } = context.payload
  if ('pull_request' in issue && issue.pull_request) return 0
  if (
    comment.body.includes(MARKER_PREFIX) ||
    comment.body.includes('<!-- task-orchestrator:status')
  )
    return 0
  const r = { owner: repository.owner.login, repo: repository.name }
  const repoKey = deps.repoKey(r)
  const ctx = { owner: r.owner, repo: r.repo, ...(deps.host ? { host: deps.host } : {}) }
  const parsed = parseComment(comment.body, ctx)
  if (parsed.commands.length === 0 && parsed.errors.length === 0) return 0
  const { config, error: configError } = await deps.config(context.octokit, r)
  if (sender.type === 'Bot' && !findAgent(sender.login, config)) return 0
  const actor = sender.login
  const taskId = deps.taskId(r, issue.number)
  const record = deps.state.issue(taskId)
  const octokit = context.octokit
  // Answered already (a run whose state was lost, another run meanwhile): re-apply, don't answer twice.
  let quiet = deps.answeredElsewhere.has(comment.id)
  // A missed comment's own run may be answering it right now: one last look before answering.
  const caughtUp = context.id.startsWith(CATCH_UP_DELIVERY)
  const lastLook = async () => {
    if (quiet || !caughtUp) return
    try {
      quiet = await deps.answeredOnGitHub(octokit, r, issue.number, comment)
    } catch (err) {
      // Better answered twice than not at all.
      context.log.warn({ err }, `could not check whether comment ${comment.id} is answered`)
      return
    }
    if (!quiet) return
    deps.answeredElsewhere.add(comment.id)
    deps.engine.write(() => deps.state.replySent(comment.id)) // not owed: it is on GitHub
  }
  const react = async (content: '+1' | '-1' | 'confused') => {
    if (config.replies.reactions && !quiet) {
      await octokit.rest.reactions.createForIssueComment({
        owner: r.owner,
        repo: r.repo,
        comment_id: comment.id,
        content,
      })
    }
  }
  // `/next` also runs on the repository's dashboard issue (src/app/next.ts).
  const onTask = record?.is_task === true
  if (!onTask && !isDashboardIssue(deps, repoKey, issue)) {
    if (
      !deps.state.recordComment(
        comment.id,
        repoKey,
        issue.number,
        parsed.commands.length,
        deps.now(),
      )
    )
      return 0
    if (parsed.commands.length === 0) return 0
    await lastLook()
    await react('-1')
    if (!quiet)
      await octokit.rest.issues.createComment({
        owner: r.owner,
        repo: r.repo,
        issue_number: issue.number,
        body: renderNotATaskReply(
          actor,
          notATaskResults(parsed.commands, taskId, config.task_label),
        ),
      })
    return parsed.commands.length
  }

  // Look the permission up before the transaction: no await may happen inside it.
  const level = needsPermission(deps, taskId, actor, parsed.commands, config, onTask)
    ? await deps.permission(octokit, r, actor)
    : 'none'
  // No await from here to the end of the transaction.
  const done = deps.engine.write(() => {
    if (
      !deps.state.recordComment(
        comment.id,
        repoKey,
        issue.number,
        parsed.commands.length,
        deps.now(),
      )
    )
      return null
    const replayNext = quiet ? (deps.answeredNext.get(comment.id) ?? []) : undefined
    const execution = executeCommands(deps, r, taskId, actor, parsed.commands, config, level, {
      onTask,
      ...(replayNext ? { replayNext } : {}),
    })
    for (const l of execution.results) l.outcome.comment = comment.id
    // The mirror's dirty marks commit with the effects (they survive a crash).
    if (execution.changed)
      deps.mirror.mark({
        touched: execution.touched,
        formerHolders: execution.formerHolders,
        completed: execution.results
          .filter((l) => l.outcome.ok && l.outcome.command === 'done')
          .map((l) => l.outcome.task),
        bodies: execution.bodies,
      })
    // The reply is owed in the same transaction as the effects it reports:
    // if posting it fails, the next flush posts it (src/app/background.ts).
    const body = replyBody(execution, parsed, taskId, comment.id, actor, configError)
    if (body && !quiet)
      deps.state.oweReply(comment.id, body, context.payload.installation?.id ?? null)
    return { execution, body }
  })
  if (!done) return 0 // already handled: a redelivery
  const { execution } = done

  const refused = execution.results.some((l) => !l.outcome.ok) || parsed.errors.length > 0
  const reaction = execution.results.length === 0 ? 'confused' : refused ? '-1' : '+1'
  // On receipt; a caught-up comment's after its last look, just before its reply.
  if (!caughtUp) await react(reaction)
  const completed = execution.results
    .filter((l) => l.outcome.ok && l.outcome.command === 'done')
    .map((l) => l.outcome.task)
  // A failed issue update must not swallow the reply: the record stays dirty
  // for the next flush, the reply still goes out, and the error is raised last.
  let mirrorError: unknown
  if (execution.changed) {
    try {
      // The mirror's writer also links `/depends-on` edges as native dependencies.
      await deps.mirror.publish(octokit, config, repoKey, {
        touched: execution.touched,
        formerHolders: execution.formerHolders,
        completed,
        bodies: execution.bodies,
      })
      // Leases `/next` found expired: told on their issues, as the sweep tells them.
      for (const e of execution.expired) {
        const expiredOn = deps.state.issue(e.task)
        if (expiredOn?.is_task) await deps.mirror.expiryNotice(octokit, e, r, expiredOn.number)
      }
    } catch (err) {
      mirrorError = err
    }
  }
  if (caughtUp) {
    if (config.replies.reactions || done.body) await lastLook()
    await react(reaction)
  }
  if (done.body && !quiet) {
    await octokit.rest.issues.createComment({
      owner: r.owner,
      repo: r.repo,
      issue_number: issue.number,
      body: done.body,
    })
    deps.engine.write(() => deps.state.replySent(comment.id))
  }
  if (mirrorError) throw mirrorError
  return parsed.commands.length + parsed.errors.length
}

/**
 * The reply to a comment whose commands ran, or null when none is due: one
 * line per command and per unreadable command line, in the comment's order.
 * A command that changed something, a refusal, or a read (`/status`,
 * `/metrics`) gets a reply; a comment that changed nothing and asked nothing
 * does not.
 */
function replyBody(
  execution: Execution,
  parsed: ReturnType<typeof parseComment>,
  taskId: string,
  commentId: number,
  actor: string,
  configError: string | null | undefined,
): string | null {
  const errors: CommandResult[] = parsed.errors.map((e) => commandErrorResult(e, taskId, commentId))
  const refused = execution.results.some((l) => !l.outcome.ok) || errors.length > 0
  // `/status` and `/metrics` change nothing but always get their answer.
  const asksToRead = execution.results.some((l) => READ_ONLY_COMMANDS.has(l.outcome.command))
  if (!execution.changed && !refused && !asksToRead) return null
  // Outcomes in the order the comment wrote them (results[i] answers commands[i]).
  return renderCommentReply({
    actor,
    results: [
      ...execution.results.map((result, i) => ({ line: parsed.commands[i]?.line ?? 0, result })),
      ...errors.map((result, i) => ({ line: parsed.errors[i]?.line ?? 0, result })),
    ],
    unknownCommand: parsed.errors.some((e) => e.code === 'unknown'),
    configError: configError ?? null,
  })
}

/**
 * True when `issue` is the dashboard of `repo`: the issue the app recorded
 * as its dashboard, or one whose body starts with the dashboard's marker (a
 * state that has not found it yet; the catch-up's events carry no body).
 */
function isDashboardIssue(
  deps: Pick<AppDeps, 'engine'>,
  repo: string,
  issue: { number: number; body?: string | null },
): boolean {
  if (new DashboardState(deps.engine.store).get(repo).number === issue.number) return true
  return typeof issue.body === 'string' && issue.body.startsWith(DASHBOARD_MARKER)
}
