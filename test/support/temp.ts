/**
 * Temporary folders of the tests, removed when their test file ends.
 *
 * `tempDir()` makes a folder under `os.tmpdir()` and remembers it;
 * test/support/setup-file.ts (a vitest `setupFiles` entry) calls
 * `removeTempDirs()` after each test file, so a folder may be made anywhere
 * (in a test, a hook, or a `describe` body shared by several tests) and lives
 * until the file's last test has run. Kept apart from test/helpers.ts so that
 * every test file can load it without loading the engine.
 *
 * The run as a whole is checked by test/support/tmp-root.ts: everything a run
 * leaves in its temporary folder fails it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const made = new Set<string>()

/**
 * A fresh temporary directory (`<os.tmpdir()>/<prefix>XXXXXX`), removed with
 * everything in it after the current test file.
 */
export function tempDir(prefix = 'tm-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.add(dir)
  return dir
}

/**
 * Remove every folder `tempDir()` made in this test file (recursively; a
 * folder already gone is no error). Retries a few times where a child process
 * still closing a file makes removal fail (Windows).
 */
export function removeTempDirs(): void {
  for (const dir of made) {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
    made.delete(dir)
  }
}
