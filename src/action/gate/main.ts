/**
 * The gate, start to verdict (DESIGN.md "Success criteria and the CI gate"):
 *
 * 1. find the task(s) the run is about (`find-tasks.ts`);
 * 2. build the context from the reports (`context.ts`);
 * 3. read each task issue and judge its `### Success criteria` (`judge.ts`);
 * 4. publish one `Task criteria` check run per task on the head commit, with
 *    the table and the hidden verdict marker (`render.ts`, `../../github/verdict.ts`),
 *    and meanwhile tick the measurable criteria that passed in the issue,
 *    untick those that now fail (`ticks.ts`; one PATCH, only when the body
 *    changes).
 *
 * Inputs, outputs and failing the step are the runner's (`runner.ts`).
 */
import { criteriaDigest, parseIssueBody, SECTION_HEADINGS } from '../../github/issue-body.js'
import type { IssueRef } from '../../github/references.js'
import { VERDICT_CHECK_NAME } from '../../github/verdict.js'
import { buildGateContext } from './context.js'
import type { GateEnvironment } from './environment.js'
import { findTasks, type TaskSource, taskId } from './find-tasks.js'
import {
  createCheckRun,
  type GitHub,
  readTaskIssue,
  type TaskIssue,
  updateIssueBody,
} from './github-api.js'
import type { GateInputs } from './inputs.js'
import { judgeCriteria, type TaskVerdict } from './judge.js'
import { renderCheckOutput, renderJobSummary, renderSources, renderTally } from './render.js'
import { tickCriteria } from './ticks.js'

/** Where the gate reports progress (`@actions/core` has these). */
export interface GateLog {
  info(message: string): void
  notice(message: string): void
  warning(message: string): void
}

/** What the gate needs: the inputs, the run's environment, a GitHub client and a log. */
export interface GateOptions {
  inputs: GateInputs
  env: GateEnvironment
  github: GitHub
  log: GateLog
}

/** The check run published for a task. */
export interface PublishedCheck {
  task: string
  id: number
  url: string
}

/** What the gate decided. */
export interface GateResult {
  /** True when every measurable criterion of every task passed (or no task was named). */
  passed: boolean
  /** Where the tasks came from; `none` when nothing named a task. */
  source: TaskSource
  verdicts: TaskVerdict[]
  checks: PublishedCheck[]
  /** Markdown for the job summary. */
  summary: string
}

/**
 * Run the gate. Returns the verdicts; the step's outcome is the runner's to
 * set from `passed`.
 *
 * @throws TaskError for bad inputs or reports (naming the input and file),
 *   Error for a GitHub call that failed (naming the call and what the token
 *   needs). A failure to tick the issue body is only a warning: the check run
 *   is the verdict.
 */
export async function gate({ inputs, env, github, log }: GateOptions): Promise<GateResult> {
  const found = findTasks({
    override: inputs.task,
    pullRequest: env.pullRequest,
    refName: env.refName,
    repository: env.repository,
  })
  if (found.tasks.length === 0) return noTask(env, github, log)
  log.info(`Checking ${found.tasks.map(taskId).join(', ')} (named by the ${found.source}).`)

  // The issues are fetched while the reports are read (a report error still
  // wins: the requests' failures are only observed when awaited below).
  const issues = found.tasks.map((ref) => readTaskIssue(github, ref))
  for (const pending of issues) pending.catch(() => {})
  const context = await buildGateContext(inputs)
  const footer = renderSources(context) + (env.runUrl ? ` [Workflow run](${env.runUrl})` : '')

  const judged: { ref: IssueRef; issue: TaskIssue; verdict: TaskVerdict }[] = []
  for (const [i, ref] of found.tasks.entries()) {
    const issue = await issues[i]!
    const body = parseIssueBody(issue.body, {
      owner: ref.owner,
      repo: ref.repo,
      host: env.repository.host,
    })
    const judgement = judgeCriteria(body.criteria, context.context)
    if (body.criteria.length === 0) {
      log.notice(`${taskId(ref)} has no \`### Success criteria\` items: nothing to check.`)
    }
    judged.push({
      ref,
      issue,
      verdict: {
        task: taskId(ref),
        title: issue.title,
        url: issue.url,
        digest: criteriaDigest(body.criteria),
        sha: env.sha,
        passed: judgement.passed,
        criteria: judgement.criteria,
        problems: body.problems.filter((p) => p.startsWith(`${SECTION_HEADINGS.criteria},`)),
      },
    })
  }

  // Each verdict is published and its issue's ticks updated at the same time.
  const checks = await Promise.all(
    judged.map(async ({ ref, issue, verdict }): Promise<PublishedCheck> => {
      const output = renderCheckOutput(verdict, footer)
      const [run] = await Promise.all([
        createCheckRun(github, env.repository, VERDICT_CHECK_NAME, {
          headSha: env.sha,
          conclusion: verdict.passed ? 'success' : 'failure',
          title: output.title,
          summary: output.summary,
          detailsUrl: env.runUrl,
          externalId: verdict.task,
        }).then((created) => {
          log.info(
            `${verdict.passed ? '✅' : '❌'} ${verdict.task}: ${renderTally(verdict)} ${created.url}`,
          )
          return created
        }),
        updateTicks(github, ref, issue.body, verdict, log),
      ])
      return { task: verdict.task, id: run.id, url: run.url }
    }),
  )

  const verdicts = judged.map((j) => j.verdict)
  return {
    passed: verdicts.every((v) => v.passed),
    source: found.source,
    verdicts,
    checks,
    summary: renderJobSummary(verdicts, footer),
  }
}

/**
 * Tick the criteria of `verdict` in the issue body `body` (one PATCH, only when
 * it changes). A refusal is a warning, not a failure: the check run is the
 * verdict.
 */
async function updateTicks(
  github: GitHub,
  ref: IssueRef,
  body: string,
  verdict: TaskVerdict,
  log: GateLog,
): Promise<void> {
  const ticked = tickCriteria(body, verdict.criteria)
  if (ticked === body) return
  try {
    await updateIssueBody(github, ref, ticked)
    log.info(`Updated the ticks of the criteria in ${verdict.task}.`)
  } catch (err) {
    log.warning((err as Error).message)
  }
}

/**
 * Nothing names a task: pass with a notice. On a pull request, a neutral
 * `Task criteria` check run (without a verdict marker) says so, so that a
 * branch protection rule requiring the check does not wait forever.
 */
async function noTask(env: GateEnvironment, github: GitHub, log: GateLog): Promise<GateResult> {
  const message =
    `No task named ${env.pullRequest ? `by pull request #${env.pullRequest.number}` : 'for this run'}: ` +
    'write `Closes #N` or a `Task: #N` line in the pull request description, use a `task/N-…` ' +
    'branch, or set the `task` input. Nothing to check.'
  log.notice(message)
  const checks: PublishedCheck[] = []
  if (env.pullRequest) {
    const run = await createCheckRun(github, env.repository, VERDICT_CHECK_NAME, {
      headSha: env.sha,
      conclusion: 'neutral',
      title: 'No task named',
      summary: message,
      detailsUrl: env.runUrl,
      externalId: null,
    })
    checks.push({ task: '', id: run.id, url: run.url })
  }
  return {
    passed: true,
    source: 'none',
    verdicts: [],
    checks,
    summary: `## Task criteria\n\n${message}\n`,
  }
}
