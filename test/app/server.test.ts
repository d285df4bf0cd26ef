/**
 * `npm start` (build/app-server.mjs, built by the global setup): the GitHub
 * app as a Probot server in its own process. A signed webhook is accepted,
 * an unsigned or wrongly signed one refused; missing variables stop it with
 * a message naming them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkEnvironment } from '../../src/app/server.js'
import { tempDir } from '../helpers.js'

const SERVER = resolve('build/app-server.mjs')
const SECRET = 'secret'

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

/**
 * The environment of the child: nothing inherited but PATH, so no stray
 * APP_ID — and, in the Node 24 run (test/node24/run.mjs), what points
 * better-sqlite3 at its Node 24 build.
 */
function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const node24 = process.env.TM_NODE24_ADDON
    ? { NODE_OPTIONS: process.env.NODE_OPTIONS, TM_NODE24_ADDON: process.env.TM_NODE24_ADDON }
    : {}
  return { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...node24, ...vars }
}

/** Wait until the child prints `pattern` on stdout; reject if it exits first. */
function waitFor(child: ChildProcess, pattern: RegExp, output: () => string): Promise<void> {
  return new Promise((done, fail) => {
    const check = () => {
      if (pattern.test(output())) {
        child.stdout?.off('data', check)
        child.off('exit', exited)
        done()
      }
    }
    const exited = (code: number | null) =>
      fail(new Error(`the server exited (${code}) before it listened:\n${output()}`))
    child.stdout?.on('data', check)
    child.once('exit', exited)
    check()
  })
}

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

describe('the app server (build/app-server.mjs)', () => {
  const dir = tempDir('tm-app-server-')
  const db = join(dir, 'state', 'tasks.db')
  let child: ChildProcess
  let url: string
  let output = ''

  beforeAll(async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    const port = await freePort()
    child = spawn(process.execPath, [SERVER], {
      cwd: dir,
      env: childEnv({
        APP_ID: '1',
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: SECRET,
        PORT: String(port),
        HOST: '127.0.0.1',
        TM_DB: db,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    await waitFor(child, /Listening on http/, () => output)
    url = `http://127.0.0.1:${port}/api/github/webhooks`
  })

  afterAll(async () => {
    if (!child || child.exitCode !== null) return
    const exited = new Promise((done) => child.once('exit', done))
    child.kill('SIGTERM')
    await exited
  })

  const post = (body: string, headers: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'ping',
        'x-github-delivery': randomUUID(),
        ...headers,
      },
    })
  const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 })

  it('opens the database named by TM_DB and says where it is', () => {
    expect(existsSync(db)).toBe(true)
    expect(output).toContain(`task database ${db}`)
  })

  it('accepts a webhook signed with the secret', async () => {
    const res = await post(ping, { 'x-hub-signature-256': sign(ping) })
    expect(res.status).toBe(200)
  })

  it('refuses a webhook without a signature', async () => {
    const res = await post(ping, {})
    expect([400, 401]).toContain(res.status)
  })

  it('refuses a webhook signed with another secret', async () => {
    const res = await post(ping, { 'x-hub-signature-256': sign(ping, 'not the secret') })
    expect([400, 401]).toContain(res.status)
  })

  it('stops on SIGTERM with status 0', async () => {
    const exited = new Promise<number | null>((done) => child.once('exit', done))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})

describe('the app server without its variables', () => {
  const run = (vars: Record<string, string>) =>
    spawnSync(process.execPath, [SERVER], {
      cwd: tempDir('tm-app-server-env-'),
      env: childEnv(vars),
      encoding: 'utf8',
      timeout: 20_000,
    })

  it('names every missing variable and exits non-zero', () => {
    const result = run({})
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('cannot start the GitHub app server')
    expect(result.stderr).toContain('APP_ID is not set')
    expect(result.stderr).toContain('PRIVATE_KEY or PRIVATE_KEY_PATH is not set')
    expect(result.stderr).toContain('WEBHOOK_SECRET is not set')
    expect(result.stdout).not.toContain('Listening')
  })

  it('names only what is missing or wrong', () => {
    const result = run({ APP_ID: '12', PRIVATE_KEY_PATH: 'missing.pem', PORT: '0' })
    expect(result.status).toBe(1)
    expect(result.stderr).not.toContain('APP_ID')
    expect(result.stderr).toContain('PRIVATE_KEY_PATH names a file that does not exist')
    expect(result.stderr).toContain('WEBHOOK_SECRET is not set')
    expect(result.stderr).toContain('PORT must be a port number')
  })

  it('reads the variables from .env in the working directory', () => {
    const dir = tempDir('tm-app-server-dotenv-')
    writeFileSync(join(dir, '.env'), 'APP_ID=12\nWEBHOOK_SECRET=s\n')
    const result = spawnSync(process.execPath, [SERVER], {
      cwd: dir,
      env: childEnv({}),
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect(result.status).toBe(1)
    expect(result.stderr).not.toContain('APP_ID')
    expect(result.stderr).not.toContain('WEBHOOK_SECRET')
    expect(result.stderr).toContain('PRIVATE_KEY or PRIVATE_KEY_PATH is not set')
  })
})

describe('checkEnvironment', () => {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  const base = { APP_ID: '7', WEBHOOK_SECRET: 's' }

  it('takes the private key as Probot does: PEM, with \\n escapes, or base64', () => {
    expect(checkEnvironment({ ...base, PRIVATE_KEY: privateKey })).toEqual([])
    expect(checkEnvironment({ ...base, PRIVATE_KEY: privateKey.replace(/\n/g, '\\n') })).toEqual([])
    const b64 = Buffer.from(privateKey).toString('base64')
    expect(checkEnvironment({ ...base, PRIVATE_KEY: b64 })).toEqual([])
    expect(checkEnvironment({ ...base, PRIVATE_KEY: 'not a key' })).toEqual([
      expect.stringContaining('PRIVATE_KEY is not a PEM private key'),
    ])
  })

  it('checks the optional variables when they are set', () => {
    // A plain record: Probot's typings narrow process.env.LOG_LEVEL to its levels.
    const wrong: Record<string, string> = {
      ...base,
      PRIVATE_KEY: privateKey,
      GHE_PROTOCOL: 'ftp',
      LOG_LEVEL: 'verbose',
      PORT: '70000',
    }
    const problems = checkEnvironment(wrong)
    expect(problems).toEqual([
      expect.stringContaining('PORT must be a port number'),
      expect.stringContaining('GHE_PROTOCOL must be http or https'),
      expect.stringContaining('GHE_PROTOCOL is set but GHE_HOST is not'),
      expect.stringContaining('LOG_LEVEL must be one of'),
    ])
    expect(
      checkEnvironment({
        ...base,
        PRIVATE_KEY: privateKey,
        GHE_HOST: 'github.example.com',
        GHE_PROTOCOL: 'http',
        LOG_LEVEL: 'debug',
        PORT: '8080',
      }),
    ).toEqual([])
  })
})
