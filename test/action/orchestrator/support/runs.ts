/**
 * Running the orchestrator in-process against the fake repository: one call
 * is one workflow run (download → handle → upload), with the real artifact
 * client (`@actions/artifact`) talking to the fake artifact service.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaults as githubDefaults } from '@actions/github/lib/utils'
import { Probot, ProbotOctokit } from 'probot'
import { githubArtifactStore } from '../../../../src/action/orchestrator/artifacts.js'
import { orchestrate, type RunReport } from '../../../../src/action/orchestrator/orchestrate.js'
import type { Octokit } from '../../../../src/app/runtime.js'
import type { Clock } from '../../../../src/core/clock.js'
import { type FakeRepository, runtimeToken } from './fake-repository.js'

export const STATE_NAME = 'task-orchestrator.db'

/**
 * Point `@actions/artifact` at the fake. Uploads read `ACTIONS_RESULTS_URL`
 * when they run; downloads go through `@actions/github`, whose Octokit
 * defaults read `GITHUB_API_URL` once, when the module is first evaluated (on
 * a runner: at process start, with the variable set). In this process it is
 * already loaded, so its defaults object is pointed at the fake instead.
 */
export function useFakeRunner(fake: FakeRepository): void {
  process.env.ACTIONS_RUNTIME_TOKEN = runtimeToken()
  process.env.ACTIONS_RESULTS_URL = `${fake.url}/`
  process.env.GITHUB_API_URL = fake.url
  githubDefaults.baseUrl = fake.url
}

/** A Probot authenticated with a token, against the fake, quiet, without retries. */
export function tokenProbot(fake: FakeRepository): () => Probot {
  return () =>
    new Probot({
      githubToken: 'ghs_run_token',
      baseUrl: fake.url,
      logLevel: (process.env.TEST_LOG_LEVEL as 'fatal' | undefined) ?? 'fatal',
      logFormat: 'json',
      Octokit: ProbotOctokit.defaults((o: { throttle?: object }) => ({
        ...o,
        retry: { enabled: false },
        throttle: { ...o.throttle, enabled: false },
      })),
    })
}

/** The `repository` object of the fake's payloads. */
export function repositoryOf(fake: FakeRepository) {
  return {
    id: 1296269,
    node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
    name: fake.repo,
    full_name: `${fake.owner}/${fake.repo}`,
    private: false,
    owner: { login: fake.owner, id: 1, type: 'User' },
  }
}

/** One workflow run for `name`/`payload`. */
export async function runOnce(
  fake: FakeRepository,
  clock: Clock,
  name: string,
  payload: Record<string, unknown>,
  options: {
    maxRetries?: number
    /** Awaited before the run checks for a newer state (after handling, before uploading). */
    beforeCheck?: () => Promise<void>
    /** Awaited once the run has downloaded its state, before it handles anything (a slow runner). */
    afterDownload?: () => Promise<void>
  } = {},
): Promise<RunReport> {
  const runId = ++fake.runId
  const probot = tokenProbot(fake)
  const listing = (await probot().auth()) as unknown as Octokit
  const artifacts = githubArtifactStore(
    listing,
    { owner: fake.owner, repo: fake.repo, id: repositoryOf(fake).id },
    'ghs_run_token',
  )
  let lists = 0
  const list = artifacts.list.bind(artifacts)
  artifacts.list = async (name) => {
    if (++lists === 2 && options.beforeCheck) await options.beforeCheck()
    return list(name)
  }
  let downloads = 0
  const download = artifacts.download.bind(artifacts)
  artifacts.download = async (artifact, dir) => {
    const file = await download(artifact, dir)
    if (++downloads === 1 && options.afterDownload) await options.afterDownload()
    return file
  }
  // The run's scratch folder goes when the run ends, as RUNNER_TEMP goes with its job.
  const workDir = mkdtempSync(join(tmpdir(), 'orchestrator-run-'))
  try {
    return await orchestrate({
      event: {
        name,
        payload: { ...payload, repository: repositoryOf(fake) },
        runId: String(runId),
      },
      repository: repositoryOf(fake),
      probot,
      artifacts,
      stateName: STATE_NAME,
      retentionDays: 7,
      workDir,
      clock,
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    })
  } finally {
    rmSync(workDir, { recursive: true, force: true })
  }
}
