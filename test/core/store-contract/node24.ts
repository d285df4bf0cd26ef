/**
 * Rerun a driver-dependent test file under Node 24 with the node:sqlite
 * driver, from inside the Node 20 test run, and hand back what it reported.
 *
 * Why a child process: node:sqlite exists only from Node 22 (this driver needs 22.16), while the
 * tests (and better-sqlite3's addon, compiled for Node 20) run on Node 20.
 * The Node 24 binary comes from test/action/support/node24.ts. The child is
 * vitest itself (`node24 node_modules/vitest/vitest.mjs run <file>`) with
 * `TM_TEST_DRIVER=node:sqlite` and `./vitest.node24.config.ts`; its JSON
 * report is read back so that the calling test can assert that every test of
 * the suite ran and passed there. Merely importing better-sqlite3 on Node 24
 * is fine: it loads its addon only when a database is opened with it.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { node24 } from '../../action/support/node24.js'
import { DRIVER_ENV } from './driver-under-test.js'

/** One test as vitest's JSON reporter lists it. */
export interface ReportedTest {
  title: string
  fullName: string
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo'
  failureMessages: string[]
}

/** The outcome of a Node 24 rerun. */
export interface Node24Run {
  /** `process.version` of the binary used. */
  node: string
  exitCode: number
  tests: ReportedTest[]
  /** The child's stdout and stderr, for failure messages. */
  output: string
}

/**
 * Run `file` (a path relative to the repository root, listed in
 * vitest.node24.config.ts) under Node 24 with `TM_TEST_DRIVER=node:sqlite`.
 * Resolves when the child exits, whatever its outcome.
 *
 * @throws Error when no Node 24 can be had (see node24.ts) or the child wrote
 *   no report (it crashed before running tests; the message has its output).
 */
export async function runUnderNode24(file: string): Promise<Node24Run> {
  const binary = node24()
  const dir = mkdtempSync(join(tmpdir(), 'tm-node24-'))
  const reportPath = join(dir, 'report.json')
  const env: NodeJS.ProcessEnv = { ...process.env, [DRIVER_ENV]: 'node:sqlite' }
  // The child is a fresh vitest, not a worker of this one.
  for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key]
  try {
    const { code, output } = await new Promise<{ code: number; output: string }>((done) => {
      execFile(
        binary,
        [
          resolve('node_modules/vitest/vitest.mjs'),
          'run',
          '--config',
          'test/core/store-contract/vitest.node24.config.ts',
          '--reporter=json',
          `--outputFile=${reportPath}`,
          file,
        ],
        { env, cwd: process.cwd(), maxBuffer: 1 << 26, encoding: 'utf8' },
        (err, stdout, stderr) => {
          const exit = (err as { code?: unknown } | null)?.code
          done({ code: typeof exit === 'number' ? exit : err ? 1 : 0, output: stdout + stderr })
        },
      )
    })
    let report: { testResults: { assertionResults: ReportedTest[] }[] }
    try {
      report = JSON.parse(readFileSync(reportPath, 'utf8'))
    } catch {
      throw new Error(`vitest under Node 24 wrote no report (exit ${code}):\n${output}`)
    }
    const version = await new Promise<string>((done) =>
      execFile(binary, ['--version'], { encoding: 'utf8' }, (_e, out) => done(out.trim())),
    )
    return {
      node: version,
      exitCode: code,
      tests: report.testResults.flatMap((r) => r.assertionResults),
      output,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
