/**
 * `dist/` is built by one script (scripts/build-action.mjs) and committed,
 * because the Actions runner runs `dist/gate/index.js` as it is in the
 * repository. This test rebuilds the bundle into a temporary directory and
 * fails when the committed one differs — a stale `dist/`.
 *
 * "Committed" is git's copy (the index: what is committed plus what is
 * staged) when the file is tracked, as `git diff --exit-code dist/` would
 * check after a build; outside a git checkout, or before the file is first
 * added, it is the file in the working tree.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.js'

const DIST = 'dist/gate/index.js'
const STALE =
  'dist/ is stale: run `npm run build:action` and commit dist/ (the Actions runner ' +
  'runs the committed bundle, not the source).'

/** The committed bundle: git's copy when tracked, else the working tree's. */
function committed(path: string): { bytes: Buffer; from: string } {
  try {
    execFileSync('git', ['ls-files', '--error-unmatch', path], { stdio: 'ignore' })
    const bytes = execFileSync('git', ['show', `:${path}`], { maxBuffer: 1 << 26 })
    return { bytes, from: 'git' }
  } catch {
    return { bytes: readFileSync(path), from: 'working tree' }
  }
}

describe('dist/ (the bundled Actions)', () => {
  it('is what scripts/build-action.mjs builds from the current source', () => {
    const out = tempDir('actions-dist-')
    execFileSync(process.execPath, ['scripts/build-action.mjs', out], { stdio: 'inherit' })
    for (const action of ['gate', 'orchestrator']) {
      for (const name of ['index.js', 'licenses.txt']) {
        const path = `dist/${action}/${name}`
        const fresh = readFileSync(join(out, action, name))
        const { bytes, from } = committed(path)
        expect(fresh.equals(bytes), `${STALE} (${path}, compared with the ${from} copy)`).toBe(true)
        expect(readFileSync(path).equals(fresh), `${STALE} (${path})`).toBe(true)
      }
    }
  }, 180_000)

  it('gate: at most 2 MB', () => {
    expect(statSync(DIST).size).toBeLessThanOrEqual(2 * 1024 * 1024)
  })

  it('gate: what action.yml runs, on node24', () => {
    const yml = readFileSync('action.yml', 'utf8')
    expect(yml).toMatch(/^runs:\n {2}using: node24\n {2}main: dist\/gate\/index\.js$/m)
  })

  it('orchestrator: what orchestrator/action.yml runs, on node24', () => {
    const yml = readFileSync('orchestrator/action.yml', 'utf8')
    expect(yml).toMatch(
      /^runs:\n {2}using: node24\n {2}main: \.\.\/dist\/orchestrator\/index\.js$/m,
    )
  })
})
