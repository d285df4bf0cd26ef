/**
 * The folder of the installed Task Orchestrator package (where package.json,
 * build/ and examples/ live), found by walking up from this file. Works from
 * the TypeScript sources and from the bundles in build/ and build/lazy/.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Absolute path of the package folder; throws when it cannot be found. */
export function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (
      existsSync(manifest) &&
      JSON.parse(readFileSync(manifest, 'utf8')).name === 'task-orchestrator'
    ) {
      return dir
    }
    if (dirname(dir) === dir) throw new Error('Cannot find the task-orchestrator package folder.')
  }
}
