/**
 * The built `tm` (build/tm.cjs) as an asynchronous child process, in a clean
 * GitHub environment: every variable that selects GitHub or a token
 * (`TM_GITHUB`, `TM_GITHUB_MODE`, `TM_GITHUB_APP_LOGIN`, `GITHUB_TOKEN`,
 * `GH_TOKEN`, `GITHUB_API_URL`) and `TM_AGENT` are emptied, so only what a
 * test passes in `env` reaches it. Asynchronous because the fake GitHub that
 * answers it usually runs in the test's own process.
 */
import { execFile } from 'node:child_process'
import { join, resolve } from 'node:path'

const TM = resolve('build/tm.cjs')

/** What a run of `tm` printed and its exit code. */
export interface TmRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * Run `tm args` in `cwd` with `TM_DB=<cwd>/tasks.db` and the clean GitHub
 * environment above, `env` applied last. Resolves (never rejects) when tm
 * exits.
 */
export function runTm(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<TmRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [TM, ...args],
      {
        cwd,
        env: {
          ...process.env,
          TM_DB: join(cwd, 'tasks.db'),
          TM_AGENT: '',
          TM_GITHUB: '',
          TM_GITHUB_MODE: '',
          TM_GITHUB_APP_LOGIN: '',
          GITHUB_TOKEN: '',
          GH_TOKEN: '',
          GITHUB_API_URL: '',
          ...env,
        },
      },
      (err, stdout, stderr) =>
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}
