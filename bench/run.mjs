// Runs every benchmark in bench/ and writes bench/RESULTS.md.
// Usage: npm run bench            (all)
//        node bench/run.mjs cli   (only those whose name contains "cli")
// Benchmarks are TypeScript files bundled with esbuild into build/bench/ so
// that they measure the same engine code `tm` ships.
import { execFileSync } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { build } from 'esbuild'

const only = process.argv[2]
const files = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)))
  .sort()
await build({
  entryPoints: Object.fromEntries([
    ...files.map((f) => [f.replace(/\.ts$/, ''), `bench/${f}`]),
    ['race-worker', 'test/support/race-worker.ts'],
    ['fake-repository-server', 'test/action/orchestrator/support/fake-repository-server.ts'],
  ]),
  outdir: 'build/bench',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', '@marcbachmann/cel-js'],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
})
const sections = []
for (const f of files) {
  const out = f.replace(/\.ts$/, '.js')
  process.stderr.write(`== ${f}\n`)
  const text = execFileSync(process.execPath, [`build/bench/${out}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
  })
  process.stdout.write(text)
  sections.push(text.trim())
}
const cpu = cpus()[0]?.model ?? 'unknown CPU'
const machine = `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`
if (!only) {
  writeFileSync(
    'bench/RESULTS.md',
    `# Benchmark results\n\nProduced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}.\n\nMachine: ${machine}\n\n${sections.join('\n\n')}\n`,
  )
  process.stderr.write('Wrote bench/RESULTS.md\n')
}
