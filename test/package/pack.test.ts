/**
 * The npm package as a user gets it: `npm pack`, then `npm install -g
 * --omit=dev` of the tarball into an empty prefix (no clone, no dev tools),
 * then the installed bins: `tm --version`, `tm init`, a claim/complete cycle
 * through a measurable criterion (the lazily loaded CEL bundle), `tm demo`
 * with the example plan shipped in the package, the library through
 * `exports` (JavaScript and its types), and the app server's bin until it
 * answers HTTP on Probot's `/ping`.
 *
 * It needs the npm registry (better-sqlite3 and what it pulls) and, where no
 * prebuilt addon matches, a C++ toolchain: the install takes from seconds to
 * about two minutes.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.js'
import {
  type Installed,
  installedPackages,
  installGlobal,
  MANIFEST,
  type Packed,
  pack,
} from './install.js'

const INSTALL_TIMEOUT = 600_000

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer()
    probe.once('error', fail)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => done(port))
    })
  })
}

describe('the npm package, installed from its tarball with --omit=dev', () => {
  const dir = tempDir('tm-pack-')
  const work = join(dir, 'work')
  const db = join(work, 'tasks.db')
  let packed: Packed
  let installed: Installed
  let server: ChildProcess | undefined

  /** Run an installed bin in `work`; returns stdout, throws with stderr on a non-zero exit. */
  const run = (bin: string, args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(installed.bin(bin), args, {
      cwd: work,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: dir, TM_DB: db, ...env },
      timeout: 120_000,
    })
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
    return r.stdout
  }

  beforeAll(() => {
    packed = pack(join(dir, 'pack'))
    installed = installGlobal(packed.tarball, join(dir, 'prefix'))
    execFileSync('mkdir', ['-p', work])
  }, INSTALL_TIMEOUT)

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((done) => server?.once('exit', done))
      server.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('carries only what runs: the bundles, the types, the demo plan, app.yml and the licence', () => {
    const paths = packed.files.map((f) => f.path)
    expect(paths.filter((p) => !p.startsWith('build/types/'))).toEqual([
      'LICENSE',
      'README.md',
      'app.yml',
      'build/app-server.mjs',
      'build/app.mjs',
      ...paths.filter((p) => p.startsWith('build/lazy/')),
      ...paths.filter((p) => p.startsWith('build/lib/chunks/')),
      'build/lib/client.mjs',
      'build/lib/index.mjs',
      'build/licenses.txt',
      'build/tm-main.cjs',
      'build/tm-worker.cjs',
      'build/tm.cjs',
      'examples/plans/README.md',
      'examples/plans/beads-issues.jsonl',
      'package.json',
    ])
    expect(paths).toContain('build/types/index.d.ts')
    expect(paths.every((p) => !p.endsWith('.map') && !p.startsWith('src/'))).toBe(true)
    expect(paths.filter((p) => p.startsWith('build/lazy/')).length).toBeGreaterThan(5)
  })

  it('installs better-sqlite3 and what it needs, and none of the dev tools', () => {
    expect(Object.keys(MANIFEST.dependencies)).toEqual(['better-sqlite3'])
    const names = new Set(installedPackages(installed).values())
    expect(names.has('better-sqlite3')).toBe(true)
    for (const dev of [
      '@octokit/openapi',
      '@actions/core',
      '@actions/artifact',
      'probot',
      'vitest',
      'typescript',
      'esbuild',
    ])
      expect(names.has(dev), dev).toBe(false)
  })

  it('tm --version prints the package version', () => {
    expect(run('tm', ['--version']).trim()).toBe(MANIFEST.version)
  })

  it('tm init, add with a measurable criterion, claim and complete --validate', () => {
    run('tm', ['init'])
    const add = JSON.parse(
      run('tm', ['--json', 'add', 'Ship it', '-c', 'Tests pass `tests.failed == 0`']),
    )
    const id = add.task.id as string
    const claim = JSON.parse(run('tm', ['--json', '--agent', 'ada', 'claim', id]))
    expect(claim.lease).toMatchObject({ holder: 'ada', token: 1 })
    const done = JSON.parse(
      run('tm', [
        '--json',
        '--agent',
        'ada',
        'complete',
        id,
        '--token',
        '1',
        '--validate',
        '--set',
        'tests.failed=0',
        '-m',
        'shipped',
      ]),
    )
    expect(done.verdict.passed).toBe(true)
    expect(JSON.parse(run('tm', ['--json', 'show', id])).task.status).toBe('completed')
  })

  it('tm demo imports the example plan shipped in the package and runs its agents', () => {
    const out = spawnSync(installed.bin('tm'), ['demo', '--agents', '2', '--no-kill'], {
      cwd: work,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: dir },
      timeout: 180_000,
    })
    expect(out.status, out.stderr).toBe(0)
    expect(out.stderr).toMatch(/Imported .*beads-issues\.jsonl/)
  }, 200_000)

  it('exports the agent client as task-orchestrator/client', () => {
    const program = join(installed.prefix, 'lib', 'use-client.mjs')
    writeFileSync(
      program,
      `import { Engine, openStore } from 'task-orchestrator'
import { createLocalClient, keepAlive } from 'task-orchestrator/client'
const engine = new Engine(openStore('client.db', { create: true }))
const task = engine.add({ title: 'Through the client' })
engine.store.close()
const client = await createLocalClient({ agent: 'ada', db: 'client.db' })
const { grant } = await client.next()
const alive = keepAlive(client, { task: grant.task, token: grant.lease.token, ttlMs: 60000 })
await alive.stop()
const done = await client.done(task.id, grant.lease.token)
client.close()
console.log(JSON.stringify({ task: done.task === task.id, token: grant.lease.token }))
`,
    )
    const out = execFileSync(process.execPath, [program], { encoding: 'utf8', cwd: dir })
    expect(JSON.parse(out)).toEqual({ task: true, token: 1 })
    expect(packed.files.map((f) => f.path)).toContain('build/types/client/index.d.ts')
  })

  it('exports the engine as a library, with types', () => {
    // A program next to the installed package resolves it by name, as a user's would.
    const program = join(installed.prefix, 'lib', 'use-library.mjs')
    writeFileSync(
      program,
      `import { Engine, openStore, TaskError } from 'task-orchestrator'
const engine = new Engine(openStore(':memory:'))
const task = engine.add({ title: 'From the library', success_criteria: [{ criterion: 'green', measurable: 'tests.failed == 0' }] })
const grant = engine.claim(task.id, 'ada')
try { engine.claim(task.id, 'bob') } catch (err) { if (!(err instanceof TaskError) || err.code !== 'LeaseHeld') throw err }
const outcome = engine.complete(task.id, 'ada', grant.lease.token, { validate: true, context: { tests: { failed: 0 } } })
console.log(JSON.stringify({ passed: outcome.verdict.passed, status: engine.get(task.id).status }))
`,
    )
    const out = execFileSync(process.execPath, [program], { encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual({ passed: true, status: 'completed' })

    const consumer = join(installed.prefix, 'lib', 'consumer.mts')
    writeFileSync(
      consumer,
      `import { Engine, openStore, type Task, type Grant } from 'task-orchestrator'
const engine: Engine = new Engine(openStore('tasks.db'))
const task: Task = engine.add({ title: 'typed' })
const grant: Grant = engine.claim(task.id, 'ada')
export const token: number = grant.lease.token
// The client's types too: they name no type of a package the user lacks (zod is bundled).
import { createGitHubClient, createLocalClient, type AgentClient } from 'task-orchestrator/client'
export const local: () => Promise<AgentClient> = () => createLocalClient({ agent: 'ada' })
export const remote: () => Promise<AgentClient> = () => createGitHubClient({ repo: 'o/r', token: 't' })
`,
    )
    const tsc = spawnSync(
      process.execPath,
      [
        resolve('node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--typeRoots',
        resolve('node_modules/@types'),
        consumer,
      ],
      { encoding: 'utf8', cwd: join(installed.prefix, 'lib') },
    )
    expect(tsc.stdout + tsc.stderr).toBe('')
    expect(tsc.status).toBe(0)
  }, 60_000)

  it('task-orchestrator-app serves Probot with the same environment as npm start', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    const port = await freePort()
    let output = ''
    server = spawn(installed.bin('task-orchestrator-app'), [], {
      cwd: work,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        APP_ID: '1',
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: 'secret',
        PORT: String(port),
        HOST: '127.0.0.1',
        TM_DB: join(work, 'app', 'tasks.db'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    server.stdout?.on('data', (chunk) => {
      output += chunk
    })
    server.stderr?.on('data', (chunk) => {
      output += chunk
    })
    const deadline = Date.now() + 30_000
    let answer = ''
    while (Date.now() < deadline && server.exitCode === null) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/ping`)
        answer = `${res.status} ${await res.text()}`
        break
      } catch {
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    expect(answer, output).toBe('200 PONG')
    expect(output).toContain(join(work, 'app', 'tasks.db'))
  }, 60_000)
})
