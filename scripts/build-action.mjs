// Bundles the CI gate Action (action.yml) with esbuild:
//   dist/gate/index.js      src/action/gate/run.ts and everything it uses, in
//                           one self-contained ES module (committed: the runner
//                           does not install dependencies)
//   dist/gate/licenses.txt  name, version, licence and licence text of every
//                           package bundled into it
//
// Usage: node scripts/build-action.mjs [outdir]    (default dist/gate)
//
// The bundle targets Node 20 so that it runs on Node 20 and 24 (action.yml
// runs it on node24). It is minified to stay well under 2 MB and to start
// fast (bench/gate.bench.ts). Two substitutions keep it self-contained and lean:
//
// * src/core/lazy.ts loads packages through createRequire at run time, which
//   would look for node_modules next to dist/. Here it is replaced by literal
//   require() calls of the packages it may load, so esbuild bundles them and
//   still evaluates each on first use.
// * @actions/core imports @actions/http-client (and with it undici, ~400 kB)
//   only for getIDToken (OIDC), which the gate never calls; that module is
//   replaced by a stub that says so.
//
// The output is deterministic: test/action/dist-fresh.test.ts rebuilds it
// into a temporary directory and fails when the committed dist/ is stale.
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'

/** Packages src/core/lazy.ts may load in the gate. */
const LAZY_PACKAGES = ['@marcbachmann/cel-js', 'yaml', 'fast-xml-parser', 'tinyglobby']

const staticLazy = {
  name: 'static-lazy',
  setup(b) {
    b.onLoad({ filter: /src[\\/]core[\\/]lazy\.ts$/ }, () => ({
      loader: 'js',
      contents: `const loaders = {
${LAZY_PACKAGES.map((p) => `  ${JSON.stringify(p)}: () => require(${JSON.stringify(p)}),`).join('\n')}
}
export function lazy(id) {
  const load = loaders[id]
  if (!load) throw new Error('lazy(' + JSON.stringify(id) + ') is not bundled into the gate Action: add it to LAZY_PACKAGES in scripts/build-action.mjs')
  let module
  return () => (module ??= load())
}`,
    }))
  },
}

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
function licenses(metafile) {
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

/**
 * Bundle the gate Action into `outdir/index.js` (and `outdir/licenses.txt`).
 * Returns the bundle's path and size in bytes.
 */
export async function buildAction(outdir = 'dist/gate') {
  const result = await build({
    entryPoints: ['src/action/gate/run.ts'],
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
    plugins: [staticLazy, noOidc],
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildAction(process.argv[2])
}
