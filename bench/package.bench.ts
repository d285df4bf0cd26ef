/**
 * The npm package as users get it: `npm pack` (after `npm run build`), then
 * `npm install -g --omit=dev` of the tarball into an empty prefix
 * (test/package/install.ts, as in test/package/pack.test.ts). Reports the
 * packed and installed sizes, the packages a production install brings, and
 * the start-up of the installed `tm --version` next to `node -e 0`, runs
 * interleaved (node, tm, the clone's tm, npx tm, node, …) so that load on
 * the machine affects all alike. Target: `tm --version` median within 1.6× of
 * `node -e 0`, as for the clone (bench/cli.bench.ts). `npx tm --version` (a
 * project with the package in its node_modules) adds npm's own start-up,
 * which is not ours to cut: reported without a target.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { diskBytes, installedPackages, installGlobal, pack } from '../test/package/install.js'
import { fmt, median } from './util.js'

const dir = join(tmpdir(), `tm-package-bench-${process.pid}`)
rmSync(dir, { recursive: true, force: true })
try {
  const packed = pack(join(dir, 'pack'))
  const installed = installGlobal(packed.tarball, join(dir, 'prefix'))
  const packages = installedPackages(installed)
  const installedBytes = diskBytes(installed.root)
  const ownBytes = installedBytes - diskBytes(join(installed.root, 'node_modules'))
  const sqlite = join(installed.root, 'node_modules', 'better-sqlite3')
  const sqliteBytes = diskBytes(sqlite)
  // node-gyp leaves its object files; a prebuilt addon comes without them.
  const compiled = existsSync(join(sqlite, 'build', 'Release', 'obj.target'))

  // A project that depends on the package, as `npm install` lays it out, for `npx tm`.
  const project = join(dir, 'project')
  mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true })
  symlinkSync(installed.root, join(project, 'node_modules', 'task-orchestrator'))
  symlinkSync(
    join(project, 'node_modules', 'task-orchestrator', 'build', 'tm.cjs'),
    join(project, 'node_modules', '.bin', 'tm'),
  )
  const env = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: dir }
  const timed = (command: string, args: string[]) => {
    const start = process.hrtime.bigint()
    const r = spawnSync(command, args, { cwd: project, env, encoding: 'utf8' })
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`)
    return ms
  }
  const ROUNDS = 30
  const samples = {
    node: [] as number[],
    tm: [] as number[],
    clone: [] as number[],
    npx: [] as number[],
  }
  for (let i = 0; i < ROUNDS + 3; i++) {
    const warm = i >= 3 // the first rounds warm the file cache and tm's code cache
    const node = timed(process.execPath, ['-e', '0'])
    const tm = timed(installed.bin('tm'), ['--version'])
    const clone = timed(process.execPath, [resolve('build/tm.cjs'), '--version'])
    const npx = timed('npx', ['--no-install', 'tm', '--version'])
    if (!warm) continue
    samples.node.push(node)
    samples.tm.push(tm)
    samples.clone.push(clone)
    samples.npx.push(npx)
  }
  const base = median(samples.node)
  const ratio = median(samples.tm) / base
  const mb = (bytes: number) => `${fmt(bytes / 1e6, 1)} MB`
  process.stdout.write(
    [
      '## The npm package: size of a production install, and `tm` from it',
      '',
      `\`npm pack\`, then \`npm install -g --omit=dev\` of the tarball into an empty prefix (${fmt(installed.installMs / 1000, 0)} s here; better-sqlite3 ${compiled ? 'compiled from source: no prebuilt addon was reachable' : 'prebuilt'}). Start-up: median of ${ROUNDS} interleaved runs; \`node -e 0\` median ${fmt(base, 1)} ms on the same machine.`,
      '',
      '| figure | value | target | |',
      '|---|---|---|---|',
      `| tarball (\`npm pack\`) | ${mb(packed.size)} packed, ${mb(packed.unpackedSize)} unpacked, ${packed.files.length} files | | |`,
      `| installed, total | ${mb(installedBytes)} | | |`,
      `| … our files | ${mb(ownBytes)} (bundles, types, the demo plan) | | |`,
      `| … better-sqlite3 | ${mb(sqliteBytes)} ${compiled ? '(compiled: with its sources and object files)' : '(prebuilt addon)'} | | |`,
      `| packages installed (\`npm ls --all --omit=dev\`) | ${packages.size}: better-sqlite3 and what it needs | no \`@octokit/openapi\`, no \`@actions/*\` | ${[...packages.values()].some((n) => n === '@octokit/openapi' || n.startsWith('@actions/')) ? '❌' : '✅'} |`,
      `| \`tm --version\` (installed bin) | ${fmt(median(samples.tm), 1)} ms, ${fmt(ratio)}× \`node -e 0\` | ≤ 1.6× | ${ratio <= 1.6 ? '✅' : '❌'} |`,
      `| \`node build/tm.cjs --version\` (the clone, for reference) | ${fmt(median(samples.clone), 1)} ms, ${fmt(median(samples.clone) / base)}× \`node -e 0\` | | |`,
      `| \`npx tm --version\` (in a project depending on it) | ${fmt(median(samples.npx), 1)} ms, ${fmt(median(samples.npx) / base)}× \`node -e 0\` | (npm's start-up) | |`,
      '',
    ].join('\n'),
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
