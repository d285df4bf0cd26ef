/**
 * Pack this project as npm would publish it and install the tarball the way a
 * user does (`npm install -g`), into an empty temporary prefix: shared by
 * test/package/pack.test.ts and bench/package.bench.ts.
 *
 * `npm pack` runs with `--ignore-scripts`: its `prepack` script would rebuild
 * build/ while other tests run the files in it, so the caller's build (the
 * test's global setup, or `npm run build` before a bench) is packed, and the
 * types are generated here (`npm run build:types`, into build/types/ only).
 * The install runs npm's own scripts (better-sqlite3 fetches or compiles its
 * addon) with the registry configured for this user.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** What `npm pack --json` reports of one tarball. */
export interface Packed {
  /** Absolute path of the .tgz. */
  tarball: string
  /** Compressed size, bytes. */
  size: number
  /** Sum of the files' sizes, bytes. */
  unpackedSize: number
  /** Paths inside the package, sorted. */
  files: { path: string; size: number }[]
}

/** An installed package under a prefix of its own. */
export interface Installed {
  prefix: string
  /** The package's folder: `<prefix>/lib/node_modules/task-orchestrator`. */
  root: string
  /** Path of an installed bin (`tm`, `task-orchestrator-app`). */
  bin(name: string): string
  /** Milliseconds the install took. */
  installMs: number
}

/** The project (tests and benches run from its folder). */
const ROOT = resolve('.')
const NPM_SETTINGS =
  /^npm_config_(registry|cache|userconfig|proxy|https_proxy|noproxy|cafile|strict_ssl)$/i

/**
 * The environment for npm: this process's, without what `npm test` put in it
 * for its own script (`npm_package_*`, `npm_lifecycle_*`, and settings such
 * as `npm_config_global` that would change the install), except the few
 * settings that say how to reach the registry.
 */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !NPM_SETTINGS.test(key)) continue
    env[key] = value
  }
  return { ...env, ...extra }
}

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {
    cwd,
    env: npmEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 26,
  })

/** Generate the types and pack the project into `dir`. Throws npm's message when it fails. */
export function pack(dir: string): Packed {
  npm(['run', '--silent', 'build:types'], ROOT)
  mkdirSync(dir, { recursive: true })
  const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)
  const [info] = JSON.parse(out) as {
    filename: string
    size: number
    unpackedSize: number
    files: { path: string; size: number }[]
  }[]
  if (!info) throw new Error(`npm pack printed no package: ${out}`)
  return {
    tarball: join(dir, info.filename),
    size: info.size,
    unpackedSize: info.unpackedSize,
    files: info.files
      .map(({ path, size }) => ({ path, size }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  }
}

/** `npm install -g --omit=dev` of `tarball` into the empty folder `prefix`. */
export function installGlobal(tarball: string, prefix: string): Installed {
  mkdirSync(prefix, { recursive: true })
  const started = performance.now()
  npm(
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      tarball,
    ],
    prefix,
  )
  const installMs = performance.now() - started
  const root = join(prefix, 'lib', 'node_modules', 'task-orchestrator')
  if (!existsSync(join(root, 'package.json'))) throw new Error(`npm installed nothing at ${root}`)
  return {
    prefix,
    root,
    installMs,
    bin: (name) =>
      process.platform === 'win32' ? join(prefix, `${name}.cmd`) : join(prefix, 'bin', name),
  }
}

/** The packages of a production install: `npm ls --all --omit=dev --json` under `root`, flattened. */
export function installedPackages(installed: Installed): Map<string, string> {
  const out = npm(
    ['ls', '--all', '--omit=dev', '--json', '--global', '--prefix', installed.prefix],
    installed.prefix,
  )
  const found = new Map<string, string>()
  type Node = { version?: string; dependencies?: Record<string, Node> }
  const walk = (deps: Record<string, Node> | undefined) => {
    for (const [name, node] of Object.entries(deps ?? {})) {
      if (!found.has(`${name}@${node.version}`)) {
        found.set(`${name}@${node.version}`, name)
        walk(node.dependencies)
      }
    }
  }
  const tree = JSON.parse(out) as Node
  walk(tree.dependencies?.['task-orchestrator']?.dependencies)
  return found
}

/** Bytes of every file under `dir` (symbolic links counted as links, not followed). */
export function diskBytes(dir: string): number {
  const s = lstatSync(dir, { throwIfNoEntry: false })
  if (!s) return 0
  if (!s.isDirectory()) return s.isFile() ? s.size : 0
  let total = 0
  for (const name of readdirSync(dir)) total += diskBytes(join(dir, name))
  return total
}

/** This project's package.json. */
export const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string
  version: string
  dependencies: Record<string, string>
}
if (MANIFEST.name !== 'task-orchestrator')
  throw new Error(`run from the project folder, not ${ROOT}`)
