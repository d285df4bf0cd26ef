/**
 * The gate Action's runner: reads the inputs and the run's environment,
 * runs the gate (`main.ts`), sets the outputs and the job summary, and turns
 * a failing criterion or any error into `core.setFailed` — a failing step
 * whose message names what failed (the criterion, the input, the file, the
 * API call). Tests and `@github/local-action` call {@link run}; the bundled
 * entry point (`run.ts`) only calls it.
 */
import * as core from '@actions/core'
import { TaskError } from '../../core/errors.js'
import { readEnvironment } from './environment.js'
import { createGitHub } from './github-api.js'
import { readInputs } from './inputs.js'
import { gate } from './main.js'
import { failureMessage, gateOutputs } from './outputs.js'

/**
 * Run the gate Action once. Never throws: every failure becomes
 * `core.setFailed` (exit code 1), with the output `passed` set to `false`.
 */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs(core.getInput)
    if (inputs.token === '') {
      throw new TaskError(
        'InvalidInput',
        'Input `token` is empty: leave it out to use the default (the workflow token, GITHUB_TOKEN), or pass a token.',
      )
    }
    const env = readEnvironment(process.env)
    const result = await gate({
      inputs,
      env,
      github: createGitHub(inputs.token, env.apiUrl),
      log: core,
    })
    const outputs = gateOutputs(result)
    core.setOutput('passed', outputs.passed)
    core.setOutput('results', outputs.results)
    core.setOutput('task', outputs.task)
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(result.summary).write()
    if (!result.passed) core.setFailed(failureMessage(result))
  } catch (err) {
    core.setOutput('passed', 'false')
    core.setFailed(err instanceof Error ? err.message : String(err))
  }
}
