// Bundles the `tm` command line with esbuild:
//   build/tm.cjs          the CLI (bin `tm`): scripts/launcher.cjs, which runs
//                         build/tm-main.cjs with a V8 code cache
//   build/tm-worker.cjs   the demo's agent program
//   build/lazy/*.cjs      code only some commands need, loaded on first use
//   build/app-server.mjs  the GitHub app's Probot server (`npm start`)
//
// `tm` is started once per agent action, so its start-up time is a product
// figure (bench/cli.bench.ts: within 1.6× of `node -e 0`). One CommonJS file
// loads faster than an ES module graph on Node 20, and V8 parses every byte
// of a file it loads, so code that only some commands need lives in separate
// files under build/lazy/: our modules reached through `await import()` (JUnit
// and context parsing, importers, the demo) and the packages loaded through
// src/core/lazy.ts (CEL, YAML, the XML parser). better-sqlite3 stays external
// because it loads a native addon.
import { chmod, copyFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { build } from 'esbuild'

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
// The GitHub app server: a long-running process, so start-up time does not
// matter and it stays an ES module; its packages (probot, better-sqlite3, …)
// are not bundled but loaded from node_modules.
await build({
  entryPoints: { 'app-server': 'src/app/server.ts' },
  outdir: 'build',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
})
await copyFile('scripts/launcher.cjs', 'build/tm.cjs')
await chmod('build/tm.cjs', 0o755)
