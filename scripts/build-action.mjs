// Bundles the two GitHub Actions with esbuild, each into one self-contained
// ES module (committed: the runner does not install dependencies) and the
// licences of what it bundles:
//   dist/gate/          the CI gate (action.yml): src/action/gate/run.ts
//   dist/orchestrator/  the app inside Actions (orchestrator/action.yml):
//                       src/action/orchestrator/run.ts
//
// Usage: node scripts/build-action.mjs [outroot]   (default dist)
//
// The bundles target Node 20 so that they run on Node 20 and 24 (the
// action.yml files run them on node24); minified to start fast
// (bench/gate.bench.ts). Substitutions keep them self-contained and lean:
//
// * src/core/lazy.ts loads packages through createRequire at run time, which
//   would look for node_modules next to dist/. Here it is replaced by literal
//   require() calls of the packages it may load, so esbuild bundles them and
//   still evaluates each on first use.
// * gate: @actions/core imports @actions/http-client (and with it undici,
//   ~400 kB) only for getIDToken (OIDC), which the gate never calls; that
//   module is replaced by a stub that says so.
// * orchestrator: better-sqlite3 (a native addon) is replaced by a stub; the
//   Action opens its state with node:sqlite.
//
// The output is deterministic: test/action/dist-fresh.test.ts rebuilds it
// into a temporary directory and fails when the committed dist/ is stale.
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'

/** Packages src/core/lazy.ts may load in the gate. */
const LAZY_PACKAGES = ['@marcbachmann/cel-js', 're2js', 'yaml', 'fast-xml-parser', 'tinyglobby']

/** src/core/lazy.ts with literal require() calls of `packages`, so esbuild bundles them. */
const staticLazy = (packages) => ({
  name: 'static-lazy',
  setup(b) {
    b.onLoad({ filter: /src[\\/]core[\\/]lazy\.ts$/ }, () => ({
      loader: 'js',
      contents: `const loaders = {
${packages.map((p) => `  ${JSON.stringify(p)}: () => require(${JSON.stringify(p)}),`).join('\n')}
}
export function lazy(id) {
  const load = loaders[id]
  if (!load) throw new Error('lazy(' + JSON.stringify(id) + ') is not bundled into this Action: add it to its list in scripts/build-action.mjs')
  let module
  return () => (module ??= load())
}`,
    }))
  },
})

const noOidc = {
  name: 'no-oidc',
  setup(b) {
    b.onLoad({ filter: /@actions[\\/]core[\\/]lib[\\/]oidc-utils\.js$/ }, () => ({
      loader: 'js',
      contents: `export class OidcClient {
  static getIDToken() {
    return Promise.reject(new Error('core.getIDToken is not available in the task-orchestrator gate bundle'))
  }
}`,
    }))
  },
}

/** The licences of the packages whose files are in the bundle, sorted by name. */
export function licenses(metafile) {
  const roots = new Set()
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
    if (m) roots.add(m[1])
  }
  const entries = [...roots].map((root) => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    const file = readdirSync(root).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f))
    const text = file
      ? readFileSync(join(root, file), 'utf8').trim()
      : '(no licence file in the package)'
    return { id: `${pkg.name}@${pkg.version}`, license: pkg.license ?? 'UNKNOWN', text }
  })
  const unique = new Map(entries.map((e) => [e.id, e]))
  return [...unique.values()]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((e) => `${e.id} — ${e.license}\n\n${e.text}\n`)
    .join('\n---\n\n')
}

/** better-sqlite3 is a native addon the runner cannot load: the orchestrator uses node:sqlite. */
const noBetterSqlite3 = {
  name: 'no-better-sqlite3',
  setup(b) {
    b.onResolve({ filter: /^better-sqlite3$/ }, () => ({
      path: 'better-sqlite3',
      namespace: 'stub',
    }))
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      loader: 'js',
      contents: `export default function Database() {
  throw new Error('better-sqlite3 is not bundled into the task-orchestrator Action: it opens the state with node:sqlite')
}`,
    }))
  },
}

/** Packages src/core/lazy.ts may load in the orchestrator (the app validates config with zod). */
const ORCHESTRATOR_LAZY = [...LAZY_PACKAGES, 'zod']

/** Bundle one Action: `entry` into `outdir/index.js` and `outdir/licenses.txt`. */
async function bundle(entry, outdir, plugins) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    // CommonJS packages inside an ES module bundle call require() for Node's
    // built-ins; give them a real one.
    banner: {
      js: "import { createRequire as __gateRequire } from 'node:module'; const require = __gateRequire(import.meta.url);",
    },
    plugins,
    write: false,
    metafile: true,
    logLevel: 'warning',
  })
  const [output] = result.outputFiles
  const file = join(outdir, 'index.js')
  await mkdir(outdir, { recursive: true })
  await writeFile(file, output.contents)
  await writeFile(join(outdir, 'licenses.txt'), licenses(result.metafile))
  return { file, bytes: output.contents.length }
}

/**
 * Bundle the gate Action into `outdir/index.js` (and `outdir/licenses.txt`).
 * Returns the bundle's path and size in bytes.
 */
export function buildAction(outdir = 'dist/gate') {
  return bundle('src/action/gate/run.ts', outdir, [staticLazy(LAZY_PACKAGES), noOidc])
}

/**
 * Bundle the orchestrator Action (orchestrator/action.yml: the app inside
 * GitHub Actions) into `outdir/index.js` and `outdir/licenses.txt`. Unlike
 * the gate it keeps @actions/core's HTTP client: @actions/artifact needs it.
 */
export function buildOrchestrator(outdir = 'dist/orchestrator') {
  return bundle('src/action/orchestrator/run.ts', outdir, [
    staticLazy(ORCHESTRATOR_LAZY),
    noBetterSqlite3,
  ])
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = process.argv[2] ?? 'dist'
  await buildAction(join(root, 'gate'))
  await buildOrchestrator(join(root, 'orchestrator'))
}
