// Bundles the `tm` command line with esbuild:
//   build/tm.cjs          the CLI (bin `tm`): scripts/launcher.cjs, which runs
//                         build/tm-main.cjs with a V8 code cache
//   build/tm-worker.cjs   the demo's agent program
//   build/lazy/*.cjs      code only some commands need, loaded on first use
//   build/app-server.mjs  the GitHub app's Probot server (`npm start`, and
//                         through build/app.mjs the bin `task-orchestrator-app`)
//   build/lib/index.mjs   the library (package.json `exports`: src/index.ts);
//                         its types come from `npm run build:types` (tsc)
//
// Everything is bundled except better-sqlite3 (a native addon), which is thus
// the package's only `dependencies` entry: a production install stays lean
// (bench/package.bench.ts; Probot's own dependencies install 14 copies of
// @octokit/openapi-types, 5 MB of type declarations each).
//
// `tm` is started once per agent action, so its start-up time is a product
// figure (bench/cli.bench.ts: within 1.6× of `node -e 0`). One CommonJS file
// loads faster than an ES module graph on Node 20, and V8 parses every byte
// of a file it loads, so code that only some commands need lives in separate
// files under build/lazy/: our modules reached through `await import()` (JUnit
// and context parsing, importers, the demo) and the packages loaded through
// src/core/lazy.ts (CEL, YAML, the XML parser). better-sqlite3 stays external
// because it loads a native addon.
import { chmod, copyFile, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { build as esbuild } from 'esbuild'
import { licenses } from './build-action.mjs'

/** Every input bundled so far, for build/licenses.txt. */
const inputs = {}
/** esbuild's build, keeping the list of bundled inputs. */
async function build(options) {
  const result = await esbuild({ ...options, metafile: true })
  Object.assign(inputs, result.metafile.inputs)
  return result
}

/** Packages src/core/lazy.ts may load (and `await import()` may name). */
const LAZY_PACKAGES = [
  '@marcbachmann/cel-js',
  're2js',
  'yaml',
  'fast-xml-parser',
  'tinyglobby',
  'cli-progress',
]
/** Our modules the CLI loads with `await import()`. */
const LAZY_MODULES = [
  'src/core/criteria/context.ts',
  'src/core/import/detect.ts',
  'src/cli/demo/run.ts',
  'src/cli/commands/rebuild-run.ts',
  'src/cli/commands/report-run.ts',
  'src/cli/github-session.ts',
  'src/mcp/run-mcp.ts',
]

const fileOf = (name) => `${name.replace(/^@/, '').replace(/[/]/g, '-')}.cjs`
const moduleName = (path) => basename(path).replace(/\.[tj]s$/, '')

/** Redirect lazy loads to the files in build/lazy/, resolved at run time. */
const lazyLoads = {
  name: 'lazy-loads',
  setup(b) {
    b.onLoad({ filter: /src[\\/]core[\\/]lazy\.ts$/ }, () => ({
      loader: 'js',
      contents: `export function lazy(id) {
  let module
  return () => (module ??= require(__tmRoot + '/lazy/' + id.replace(/^@/, '').replace(/[/]/g, '-') + '.cjs'))
}`,
    }))
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined
      if (LAZY_PACKAGES.includes(args.path))
        return { path: `./lazy/${fileOf(args.path)}`, external: true }
      const name = moduleName(args.path)
      if (LAZY_MODULES.some((m) => moduleName(m) === name))
        return { path: `./lazy/${name}.cjs`, external: true }
      return undefined
    })
  },
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  external: ['better-sqlite3'],
  define: { 'import.meta.url': '__tmImportMetaUrl' },
  // import() of a build/lazy file becomes a require(), which keeps named exports.
  supported: { 'dynamic-import': false },
  plugins: [lazyLoads],
  sourcemap: 'linked',
  logLevel: 'warning',
}
const banner = (root) =>
  `var __tmImportMetaUrl = require('node:url').pathToFileURL(__filename).href; var __tmRoot = ${root};`

await build({
  ...common,
  entryPoints: { 'tm-main': 'src/cli/main.ts', 'tm-worker': 'src/cli/demo/worker.ts' },
  outdir: 'build',
  outExtension: { '.js': '.cjs' },
  banner: { js: banner('__dirname') },
})
await build({
  ...common,
  entryPoints: Object.fromEntries(LAZY_MODULES.map((m) => [moduleName(m), m])),
  outdir: 'build/lazy',
  outExtension: { '.js': '.cjs' },
  banner: { js: banner("require('node:path').dirname(__dirname)") },
})
for (const pkg of LAZY_PACKAGES) {
  await build({
    ...common,
    plugins: [],
    stdin: {
      contents: `module.exports = require(${JSON.stringify(pkg)})`,
      resolveDir: '.',
      loader: 'js',
    },
    outfile: `build/lazy/${fileOf(pkg)}`,
  })
}
/** The packages src/core/lazy.ts is asked for (`lazy('…')` calls in src/core). */
const CORE_LAZY_PACKAGES = ['@marcbachmann/cel-js', 're2js', 'yaml', 'fast-xml-parser']
/** src/core/lazy.ts with literal require() calls of those packages, so esbuild bundles them. */
const staticLazy = {
  name: 'static-lazy',
  setup(b) {
    b.onLoad({ filter: /src[\\/]core[\\/]lazy\.ts$/ }, () => ({
      loader: 'js',
      contents: `const loaders = {
${CORE_LAZY_PACKAGES.map((p) => `  ${JSON.stringify(p)}: () => require(${JSON.stringify(p)}),`).join('\n')}
}
export function lazy(id) {
  const load = loaders[id]
  if (!load) throw new Error('lazy(' + JSON.stringify(id) + ') is not bundled: add it to CORE_LAZY_PACKAGES in scripts/build.mjs')
  let module
  return () => (module ??= load())
}`,
    }))
  },
}
/** ES modules: bundled CommonJS code may require() Node's own modules. */
const esm = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [staticLazy],
  // Minified for a lean install; names kept for stack traces and error names.
  minify: true,
  keepNames: true,
  banner: {
    js: "import { createRequire as __tmCreateRequire } from 'node:module'; const require = __tmCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
}
// The GitHub app server: a long-running process, so start-up time does not
// matter and it stays an ES module, with Probot bundled (it loads no file of
// its own at run time: its pages and assets are modules, its logger writes to
// stdout in-process; only Sentry, when SENTRY_DSN is set, comes through npx).
await build({
  ...esm,
  entryPoints: { 'app-server': 'src/app/server.ts' },
  outdir: 'build',
  outExtension: { '.js': '.mjs' },
  external: ['better-sqlite3'],
  sourcemap: 'linked',
})
// The library: the engine, for programs of your own (`exports` in package.json).
await build({
  ...esm,
  entryPoints: { index: 'src/index.ts' },
  outdir: 'build/lib',
  outExtension: { '.js': '.mjs' },
  external: ['better-sqlite3'],
})
// The agent client (`task-orchestrator/client`, src/client/): an entry of its
// own, so engine users load no Octokit; the local transport (and with it
// better-sqlite3) is a chunk loaded only when a local client is created.
await build({
  ...esm,
  entryPoints: { client: 'src/client/index.ts' },
  outdir: 'build/lib',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: ['better-sqlite3'],
})
// The licences of the packages bundled into the files above (better-sqlite3
// is installed with its own).
await writeFile('build/licenses.txt', licenses({ inputs }))
await copyFile('scripts/app-bin.mjs', 'build/app.mjs')
await chmod('build/app.mjs', 0o755)
await copyFile('scripts/launcher.cjs', 'build/tm.cjs')
await chmod('build/tm.cjs', 0o755)
