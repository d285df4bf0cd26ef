/**
 * Signed but malformed webhooks: a delivery with a valid signature whose body
 * is not JSON, not an object, or lacks (or mistypes) a field a handler reads
 * gets HTTP 400 with one sentence about the payload — no stack, no internal
 * message — and the server keeps running. A handler that fails on a good
 * payload answers 500 with a fixed sentence; the reason goes to the log only.
 *
 * The first part runs the built server (build/app-server.mjs, built by the
 * global setup) in its own process, signed with its WEBHOOK_SECRET as
 * test/app/server.test.ts does; the second serves the guarded middleware of
 * an in-process Probot with the app loaded, GitHub answered by nock.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto'
import { type ClientRequest, createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { Probot, ProbotOctokit } from 'probot'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { taskOrchestrator } from '../../src/app/index.js'
import { guardWebhookEndpoint } from '../../src/app/server.js'
import { MAX_CONCURRENT_READS, MAX_PAYLOAD_BYTES } from '../../src/app/webhook-guard.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { CHECKED_EVENTS, payloadProblem } from '../../src/github/webhook-payloads.js'
import { comment, noConfig, R } from '../app/helpers.js'
import { tempDir } from '../helpers.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { webhookExample, webhookExampleNames } from '../support/github/webhooks.js'

const SECRET = 'secret'
const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`

/** POST `body` as event `event`, signed (unless `signature` is given). */
async function deliver(url: string, event: string, body: string | Buffer, signature?: string) {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': signature ?? sign(body.toString()),
    },
  })
  return { status: res.status, text: await res.text() }
}

/** An answer that gives nothing of the app's insides away. */
function expectNoInternals(text: string) {
  expect(text).not.toMatch(
    /\n\s+at |TypeError|ReferenceError|Cannot read|undefined|\.ts:|\.mjs|node_modules|SQLITE/,
  )
}

const repository = { name: 'Hello-World', owner: { login: 'Codertocat' } }
const sender = { login: 'ada', type: 'User' }
/** Signed deliveries the handlers cannot use, and what the answer must name. */
const MALFORMED: [event: string, body: string, names: RegExp][] = [
  ['issue_comment', 'not json {', /not JSON/],
  ['issue_comment', 'null', /not a JSON object/],
  ['issues', '[1, 2]', /not a JSON object/],
  ['issue_comment', '"a string"', /not a JSON object/],
  ['issue_comment', '{"action":"created"}', /repository: missing/],
  [
    'issue_comment',
    JSON.stringify({
      action: 'created',
      repository,
      sender,
      issue: { number: 1 },
      comment: { id: 5, body: 42 },
    }),
    /comment\.body: expected string/,
  ],
  [
    'issues',
    JSON.stringify({ action: 'opened', repository, sender, issue: { number: '7', title: 't' } }),
    /issue\.number: expected number/,
  ],
  [
    'check_run',
    JSON.stringify({ action: 'completed', repository, check_run: { name: 'Task criteria' } }),
    /check_run\.id: missing/,
  ],
  [
    'pull_request',
    JSON.stringify({
      action: 'opened',
      repository,
      pull_request: { number: 2, state: 'open', head: null },
    }),
    /pull_request\.head: expected object/,
  ],
  ['push', JSON.stringify({ ref: 'refs/heads/main', repository, commits: 'all' }), /commits/],
]

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer()
    probe.once('error', fail)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => done(port))
    })
  })
}

describe('the built server refuses signed but malformed webhooks', () => {
  const SERVER = resolve('build/app-server.mjs')
  const dir = tempDir('tm-webhooks-')
  let child: ChildProcess
  let base = ''
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
      env: {
        PATH: process.env.PATH ?? '',
        APP_ID: '1',
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: SECRET,
        PORT: String(port),
        HOST: '127.0.0.1',
        TM_DB: join(dir, 'tasks.db'),
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString()
    })
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString()
    })
    await new Promise<void>((done, fail) => {
      const look = () => {
        if (/Listening on http/.test(output)) done()
      }
      child.stdout?.on('data', look)
      child.once('exit', (code) => fail(new Error(`the server exited (${code}):\n${output}`)))
    })
    base = `http://127.0.0.1:${port}`
  })

  afterAll(async () => {
    if (!child || child.exitCode !== null) return
    const exited = new Promise((done) => child.once('exit', done))
    child.kill('SIGTERM')
    await exited
  })

  it.each(MALFORMED)('%s %s → 400 naming the problem', async (event, body, names) => {
    const { status, text } = await deliver(`${base}/api/github/webhooks`, event, body)
    expect(status).toBe(400)
    const { error } = JSON.parse(text) as { error: string }
    expect(error).toMatch(names)
    expectNoInternals(text)
  })

  it('is still running and answering afterwards', async () => {
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 })
    expect((await deliver(`${base}/api/github/webhooks`, 'ping', ping)).status).toBe(200)
    expect((await fetch(`${base}/ping`)).status).toBe(200)
    expect(child.exitCode).toBeNull()
  })

  it('still refuses a wrong signature before looking at the body', async () => {
    const { status, text } = await deliver(
      `${base}/api/github/webhooks`,
      'issue_comment',
      'null',
      sign('something else'),
    )
    expect([400, 401]).toContain(status)
    expect(text).not.toMatch(/JSON object/)
  })
})

describe('the guarded endpoint of an in-process app', () => {
  useGitHubHarness()
  let server: Server
  let url = ''

  beforeAll(async () => {
    const clock = new FakeClock('2026-03-01T09:00:00.000Z')
    const engine = new Engine(openStore(':memory:'), { clock })
    const probot = new Probot({
      githubToken: 'test',
      secret: SECRET,
      logLevel: 'fatal',
      Octokit: ProbotOctokit.defaults((options: { throttle?: object }) => ({
        ...options,
        retry: { enabled: false },
        throttle: { ...options.throttle, enabled: false },
      })),
    })
    await probot.load(taskOrchestrator({ engine, clock, timers: false }))
    guardWebhookEndpoint(probot)
    const middleware = await probot.getNodeMiddleware()
    server = createServer(async (req, res) => {
      if (!(await middleware(req, res))) res.writeHead(404).end()
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`
  })

  afterAll(() => new Promise<void>((done) => server.close(() => done())))

  it('a handler failing on a well-formed delivery answers 500 without its message', async () => {
    // GitHub refuses the config read with a message the answer must not carry.
    githubApi()
      .get(`${R}/contents/.github%2Ftask-orchestrator.yml`)
      .reply(500, { message: 'SQLITE internal detail at /srv/app/src/app/runtime.ts:120' })
    const body = JSON.stringify(comment(1, '/claim'))
    const { status, text } = await deliver(url, 'issue_comment', body)
    expect(status).toBe(500)
    expect(JSON.parse(text)).toEqual({
      error: expect.stringMatching(
        /^the app could not handle delivery [0-9a-f-]+; the reason is in the app's log$/,
      ),
    })
    expectNoInternals(text)
  })

  it('a well-formed delivery is handled as before', async () => {
    noConfig()
    githubApi().post(`${R}/issues/comments/5001/reactions`).reply(201, {})
    githubApi().post(`${R}/issues/1/comments`).reply(201, { id: 1 })
    const body = JSON.stringify(comment(1, '/claim', 'ada', 5001))
    expect(await deliver(url, 'issue_comment', body)).toEqual({ status: 200, text: 'ok\n' })
  })

  it('a body larger than GitHub sends is refused with 413', async () => {
    const big = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20)
    const { status, text } = await deliver(url, 'issues', big, 'sha256=00')
    expect(status).toBe(413)
    expectNoInternals(text)
  })
})

/**
 * A POST whose body never ends (`headers` as given): the answer, if the server
 * sends one without waiting for the body, and the request to destroy.
 */
function openPost(url: string, headers: Record<string, string>) {
  let req: ClientRequest | undefined
  const answered = new Promise<number>((resolve, reject) => {
    req = request(url, { method: 'POST', headers }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.write('{"action":')
  })
  answered.catch(() => {})
  return { answered, req: req as unknown as ClientRequest }
}

/** The first of `answer` or `ms` milliseconds passing ('waiting'). */
function within<T>(answer: Promise<T>, ms: number): Promise<T | 'waiting'> {
  return Promise.race([answer, new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), ms))])
}

describe('what an unsigned request costs the server', () => {
  let server: Server
  let url = ''
  beforeAll(async () => {
    const probot = new Probot({ githubToken: 'test', secret: SECRET, logLevel: 'fatal' })
    guardWebhookEndpoint(probot)
    const middleware = await probot.getNodeMiddleware()
    server = createServer(async (req, res) => {
      if (!(await middleware(req, res))) res.writeHead(404).end()
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`
  })
  afterAll(() => {
    server.closeAllConnections()
    return new Promise<void>((done) => server.close(() => done()))
  })

  it('a request without the headers GitHub sends is refused before its body is read', async () => {
    const open = openPost(url, { 'content-type': 'application/json' })
    expect(await within(open.answered, 5_000)).toBe(400)
    open.req.destroy()
  })

  it('a declared body over 25 MB is refused before it is read', async () => {
    const open = openPost(url, {
      'content-type': 'application/json',
      'content-length': String(MAX_PAYLOAD_BYTES + 1),
      'x-github-event': 'issues',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': 'sha256=00',
    })
    expect(await within(open.answered, 5_000)).toBe(413)
    open.req.destroy()
  })

  it(`at most ${MAX_CONCURRENT_READS} bodies are read at once; the next is told to retry`, async () => {
    const headers = () => ({
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': 'sha256=00',
    })
    const slow = Array.from({ length: MAX_CONCURRENT_READS }, () => openPost(url, headers()))
    // Each of those is being read (its body never ends) …
    for (const s of slow) expect(await within(s.answered, 50)).toBe('waiting')
    // … so one more is refused at once.
    const extra = openPost(url, headers())
    expect(await within(extra.answered, 5_000)).toBe(503)
    for (const s of [...slow, extra]) s.req.destroy()
  })
})

describe('payloadProblem', () => {
  it('accepts every recorded GitHub payload of the events it checks', () => {
    const names = webhookExampleNames().filter((n) =>
      (CHECKED_EVENTS as string[]).includes(n.split('.')[0]!),
    )
    expect(names.length).toBeGreaterThan(30)
    for (const name of names) {
      for (let variant = 0; ; variant++) {
        let payload: unknown
        try {
          payload = webhookExample(name as never, undefined, { variant })
        } catch {
          break
        }
        expect(payloadProblem(name.split('.')[0]!, payload), `${name} #${variant}`).toBeNull()
      }
    }
  })

  it('checks only that other events are JSON objects, and names no value', () => {
    expect(payloadProblem('ping', { zen: 'z' })).toBeNull()
    expect(payloadProblem('ping', 'x')).toBe('the ping payload is not a JSON object')
    expect(payloadProblem('<script>', null)).toBe('the webhook payload is not a JSON object')
    const secretish = {
      action: 'created',
      repository,
      sender,
      issue: { number: 1 },
      comment: { id: 1, body: { token: 'ghp_secret' } },
    }
    expect(payloadProblem('issue_comment', secretish)).not.toContain('ghp_secret')
  })
})
