/**
 * Entry point of the orchestrator Action (orchestrator/action.yml, bundled to
 * dist/orchestrator/index.js, `runs.using: node24`): the Task Orchestrator
 * app inside GitHub Actions, its SQLite state carried between runs as a
 * workflow artifact. See docs/actions-hosted.md.
 *
 * Reads the runner's environment (`GITHUB_EVENT_NAME`, `GITHUB_EVENT_PATH`,
 * `GITHUB_REPOSITORY`, `GITHUB_RUN_ID`, `GITHUB_API_URL`, `GITHUB_SERVER_URL`,
 * `RUNNER_TEMP`, and for uploads `ACTIONS_RUNTIME_TOKEN`/`ACTIONS_RESULTS_URL`)
 * and the inputs `token`, `app-login`, `state-name`, `retention-days`. Writes the job
 * summary and the outputs `generation`, `tasks`, `state-bytes`, `swept`,
 * `caught-up`, `rebuilt`; fails the step when a handler failed.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as core from '@actions/core'
import { Probot } from 'probot'
import { openNodeSqlite } from '../../core/db/node-sqlite.js'
import { LOGIN_PATTERN } from '../../github/config-checks.js'
import { githubArtifactStore } from './artifacts.js'
import { FORK_SUMMARY, fromFork } from './events.js'
import { orchestrate } from './orchestrate.js'
import { renderSummary } from './summary.js'

/** The login the default token (the job's `GITHUB_TOKEN`) posts as. */
export const ACTIONS_LOGIN = 'github-actions[bot]'

/**
 * The Action's inputs, checked: `token`, `app-login` (the login `token`
 * posts as: `github-actions[bot]` for the job's `GITHUB_TOKEN`, an App's
 * `<slug>[bot]` for its installation token — the run reads its own earlier
 * replies only in that account's comments, and agents must be told the same
 * login), `state-name`, `retention-days`. Throws an Error naming the input
 * and what is allowed.
 */
export function readInputs(): {
  token: string
  appLogin: string
  stateName: string
  retentionDays: number
} {
  const token = core.getInput('token')
  if (!token)
    throw new Error(
      'input "token" is empty: leave it at its default (the job\'s GITHUB_TOKEN) or pass a token with issues: write',
    )
  const appLogin = core.getInput('app-login') || ACTIONS_LOGIN
  if (!LOGIN_PATTERN.test(appLogin)) {
    throw new Error(
      `input "app-login" must be a GitHub login (e.g. ${ACTIONS_LOGIN}, or my-app[bot] for a GitHub App's token); got ${JSON.stringify(appLogin.slice(0, 100))}`,
    )
  }
  const stateName = core.getInput('state-name') || 'task-orchestrator.db'
  if (!/^[A-Za-z0-9._-]+$/.test(stateName)) {
    throw new Error(
      `input "state-name" must be a file name of letters, digits, ".", "_" and "-" (it names the artifact and the file in it); got "${stateName}"`,
    )
  }
  const retention = core.getInput('retention-days') || '90'
  const retentionDays = Number(retention)
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 400) {
    throw new Error(
      `input "retention-days" must be a whole number of days from 1 to 400; got "${retention}"`,
    )
  }
  return { token, appLogin, stateName, retentionDays }
}

function env(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: this Action runs inside GitHub Actions`)
  return value
}

async function main(): Promise<void> {
  const { token, appLogin, stateName, retentionDays } = readInputs()
  const payload = JSON.parse(readFileSync(env('GITHUB_EVENT_PATH'), 'utf8')) as Record<
    string,
    unknown
  >
  const [owner, name] = env('GITHUB_REPOSITORY').split('/') as [string, string]
  const repository = (payload.repository as Parameters<typeof orchestrate>[0]['repository']) ?? {
    id: Number(process.env.GITHUB_REPOSITORY_ID ?? 0),
    name,
    full_name: `${owner}/${name}`,
    owner: { login: owner },
  }
  const eventName = env('GITHUB_EVENT_NAME')
  if (fromFork({ name: eventName, payload, runId: '' })) {
    // The run's token is read-only: nothing could be written, so nothing is
    // touched — neither GitHub nor the state.
    await core.summary.addRaw(FORK_SUMMARY).write()
    core.info(
      'A pull request from a fork: skipped (its token is read-only); the state is untouched.',
    )
    return
  }
  const apiUrl = process.env.GITHUB_API_URL ?? 'https://api.github.com'
  const server = new URL(process.env.GITHUB_SERVER_URL ?? 'https://github.com')
  const runId = env('GITHUB_RUN_ID')
  const newProbot = () =>
    new Probot({ githubToken: token, baseUrl: apiUrl, logLevel: core.isDebug() ? 'debug' : 'info' })
  const listing = (await newProbot().auth()) as unknown as Parameters<typeof githubArtifactStore>[0]
  const report = await orchestrate({
    event: { name: eventName, payload, runId },
    repository,
    probot: newProbot,
    artifacts: githubArtifactStore(listing, { owner, repo: name, id: repository.id }, token),
    stateName,
    retentionDays,
    workDir: join(process.env.RUNNER_TEMP ?? '/tmp', `task-orchestrator-${runId}`),
    driver: openNodeSqlite,
    appLogin,
    ...(server.host !== 'github.com' ? { host: server.host } : {}),
  })
  core.setOutput('generation', report.generation)
  core.setOutput('tasks', report.tasks)
  core.setOutput('state-bytes', report.bytes)
  core.setOutput('swept', report.swept)
  core.setOutput('caught-up', report.catchUp?.caught.length ?? 0)
  core.setOutput('rebuilt', report.rebuilt ? 'true' : 'false')
  await core.summary.addRaw(renderSummary(report)).write()
  if (report.errors.length > 0) {
    core.setFailed(
      `Task Orchestrator: ${report.errors.length} error(s): ${report.errors.join('; ')}`,
    )
  }
}

main().catch(async (err: unknown) => {
  const text = err instanceof Error ? err.message : String(err)
  // A run that stops before it has a report still says why in the summary.
  await core.summary
    .addRaw(
      `## Task Orchestrator\n\n❌ The run stopped: ${text}\n\nNothing was uploaded; the state artifact is unchanged.\n`,
    )
    .write()
    .catch(() => {})
  core.setFailed(text)
})
