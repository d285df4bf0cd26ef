/**
 * Run the bundled gate Action (`dist/gate/index.js`) the way the GitHub
 * Actions runner does: a `node` process (`runs.using: node24`) whose inputs
 * are `INPUT_<NAME>` variables — every input of action.yml, defaults applied —
 * with `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files to write, the event
 * payload in `GITHUB_EVENT_PATH`, and the `GITHUB_*` variables of a run. The
 * environment is built from scratch so that a CI run of these tests on GitHub
 * Actions does not leak its own variables into the Action.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'

/** The bundled Action. */
export const ACTION_ENTRY = resolve('dist/gate/index.js')

/** What a run of the Action gives. */
export interface ActionRun {
  /** Exit code: 0 passed, 1 failed. */
  code: number
  stdout: string
  stderr: string
  /** Outputs written to the `GITHUB_OUTPUT` file. */
  outputs: Record<string, string>
  /** What was written to the `GITHUB_STEP_SUMMARY` file. */
  summary: string
  /** Wall-clock milliseconds from spawn to exit. */
  ms: number
}

/** How to run it. */
export interface ActionRunOptions {
  /** The `node` binary; default the one running the tests. */
  node?: string
  /** The bundle to run; default {@link ACTION_ENTRY}. */
  entry?: string
  /** Input values by name, as a workflow's `with:` (the runner's defaults fill the rest). */
  inputs?: Record<string, string>
  /** The event payload (written to `GITHUB_EVENT_PATH`) and its name. */
  event: { name: string; payload: unknown }
  /** `GITHUB_API_URL`. */
  apiUrl: string
  /** Working directory (`GITHUB_WORKSPACE`); default the repository root. */
  cwd?: string
  /** More environment variables (override the defaults). */
  env?: Record<string, string>
  /** The merge commit a pull_request run checks out (`GITHUB_SHA`). */
  sha?: string
  /** The action.yml whose inputs apply; default the gate's (`action.yml`). */
  actionYml?: string
}

/** The `token` input's default, which the runner replaces with the job's token. */
const GITHUB_TOKEN_EXPRESSION = ['$', '{{ github.token }}'].join('')

interface ActionYml {
  inputs: Record<string, { default?: string }>
}

/** `INPUT_<NAME>` as the runner spells it: upper case, spaces as `_`. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/**
 * The `INPUT_*` variables the runner sets for `with`: every input of
 * action.yml, with its default unless given; the default `${{ github.token }}`
 * becomes `test-token`, as the runner would put the job's token there.
 */
export function inputEnvironment(
  withInputs: Record<string, string> = {},
  actionYml = 'action.yml',
): Record<string, string> {
  const action = parse(readFileSync(actionYml, 'utf8')) as ActionYml
  const env: Record<string, string> = {}
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = withInputs[name] ?? spec.default ?? ''
    env[inputVariable(name)] = value === GITHUB_TOKEN_EXPRESSION ? 'test-token' : value
  }
  for (const name of Object.keys(withInputs)) {
    if (!(name in action.inputs)) throw new Error(`${actionYml} has no input "${name}"`)
  }
  return env
}

/** Read a `GITHUB_OUTPUT` file: `name<<DELIMITER\nvalue\nDELIMITER` blocks and `name=value` lines. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name = '', delimiter] = heredoc
      const value: string[] = []
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i] ?? '')
      out[name] = value.join('\n')
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
    }
  }
  return out
}

/**
 * Run the Action once; resolves when the process exits. Its RUNNER_TEMP,
 * event, output and summary files are in a temporary folder removed when it
 * has been read, as a runner's goes with its job.
 */
export async function runAction(options: ActionRunOptions): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gate-run-'))
  try {
    return await runIn(dir, options)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function runIn(dir: string, options: ActionRunOptions): Promise<ActionRun> {
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary.md')
  const eventFile = join(dir, 'event.json')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  writeFileSync(eventFile, JSON.stringify(options.event.payload))
  const payload = options.event.payload as { repository?: { full_name?: string } }
  const workspace = options.cwd ?? process.cwd()
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    ...(process.env.SYSTEMROOT ? { SYSTEMROOT: process.env.SYSTEMROOT } : {}),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: payload.repository?.full_name ?? 'Codertocat/Hello-World',
    GITHUB_EVENT_NAME: options.event.name,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_SHA: options.sha ?? 'f'.repeat(40),
    GITHUB_REF: 'refs/pull/2/merge',
    GITHUB_RUN_ID: '1234',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: options.apiUrl,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: dir,
    ...inputEnvironment(options.inputs, options.actionYml),
    ...options.env,
  }
  const start = process.hrtime.bigint()
  const child = spawn(options.node ?? process.execPath, [options.entry ?? ACTION_ENTRY], {
    cwd: workspace,
    env,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d
  })
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d
  })
  const code = await new Promise<number>((resolvePromise, reject) => {
    child.on('error', reject)
    child.on('close', (c) => resolvePromise(c ?? -1))
  })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    ms,
  }
}
