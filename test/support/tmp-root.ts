/**
 * Vitest global setup: a temporary folder of the run's own, which must be
 * empty when the run ends.
 *
 * Before the workers start, `TMPDIR` (and `TMP`, `TEMP`) is pointed at a fresh
 * `<system temp>/tm-vitest-<pid>-XXXXXX/`, so `os.tmpdir()` in the tests, in
 * the code they run and in every process they start is that folder. At the
 * end of the run whatever is still in it is listed, the folder is removed,
 * and the run fails (exit code 1): a test that makes a temporary file or folder removes it
 * (test/support/temp.ts's `tempDir()` does so after the test file).
 *
 * Folders of earlier runs whose process is gone (a run stopped with Ctrl-C
 * twice, a crash) are removed at the start.
 *
 * Caches kept from run to run on purpose live under build/ (the Node 24
 * binary and addon in build/node24/, `tm`'s V8 code cache in
 * build/.v8-cache/), never in the temporary folder.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const PREFIX = 'tm-vitest-'

/** Is process `pid` still running (on this machine)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Remove `<system>/tm-vitest-<pid>-*` folders of runs that are no longer running. */
function sweepStale(system: string): void {
  for (const name of readdirSync(system)) {
    const pid = Number(/^tm-vitest-(\d+)-/.exec(name)?.[1])
    if (pid && pid !== process.pid && !alive(pid)) {
      rmSync(join(system, name), { recursive: true, force: true })
    }
  }
}

/** Entries under `dir`, as paths relative to it, down to `depth` levels (for the message). */
function listing(dir: string, depth = 2, at = ''): string[] {
  return readdirSync(join(dir, at), { withFileTypes: true }).flatMap((e) => {
    const path = at ? `${at}/${e.name}` : e.name
    return e.isDirectory() && depth > 1
      ? [`${path}/`, ...listing(dir, depth - 1, path).map((p) => `  ${p}`)]
      : [path]
  })
}

export default function setup(): () => void {
  const system = tmpdir()
  sweepStale(system)
  const root = mkdtempSync(join(system, `${PREFIX}${process.pid}-`))
  // mkdtemp makes it 0700; tests that run `tm` as another user (root runs it
  // as `nobody` to test file modes) need to pass through it, not to list it.
  chmodSync(root, 0o711)
  const saved = { TMPDIR: process.env.TMPDIR, TMP: process.env.TMP, TEMP: process.env.TEMP }
  process.env.TMPDIR = root
  process.env.TMP = root
  process.env.TEMP = root
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
    const left = readdirSync(root)
    const detail = listing(root)
    rmSync(root, { recursive: true, force: true, maxRetries: 3 })
    if (left.length > 0) {
      // Thrown errors of a global teardown are logged but leave the exit code
      // at 0: set it, and say what was left.
      process.exitCode = 1
      console.error(
        `\nThe tests left ${left.length} ${left.length === 1 ? 'entry' : 'entries'} in their temporary folder ${root} (now removed):\n` +
          `${detail.slice(0, 40).join('\n')}${detail.length > 40 ? '\n…' : ''}\n` +
          'Make them with tempDir() from test/helpers.ts, or remove them in an afterEach/afterAll hook.\n',
      )
    }
  }
}
