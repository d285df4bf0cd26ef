// Bundles the `tm` command line into build/tm.js with esbuild.
// One file starts faster than hundreds of module loads: `tm` is invoked once
// per agent action, so start-up time is a product figure (bench/cli-startup).
// better-sqlite3 stays external because it loads a native addon.
import { chmod, rm } from 'node:fs/promises'
import { build } from 'esbuild'

await rm('build', { recursive: true, force: true })
await build({
  entryPoints: { tm: 'src/cli/main.ts', 'tm-worker': 'src/cli/demo/worker.ts' },
  outdir: 'build',
  bundle: true,
  splitting: true,
  minify: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __tmCreateRequire } from 'node:module'; const require = __tmCreateRequire(import.meta.url);",
  },
  outExtension: { '.js': '.js' },
  sourcemap: 'linked',
  logLevel: 'warning',
})
await chmod('build/tm.js', 0o755)
