/**
 * `tm mcp` as an MCP client runs it: the built `tm` in its own process,
 * driven by the SDK's `Client` over `StdioClientTransport` — the tools and
 * their output schemas, an agent's whole loop on the local database, and
 * refusals as tool errors carrying the engine's code and a fix.
 */
import { spawn, spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js'
import { Ajv } from 'ajv'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.js'

const TM = resolve('build/tm.cjs')
const JUNIT = resolve('test/fixtures/junit')
let dir: string
let db: string
const open: Client[] = []

/** `tm --json …` on the test's database, for setting up tasks. */
function tm(args: string[], agent = ''): Record<string, unknown> {
  const r = spawnSync(process.execPath, [TM, '--json', ...args], {
    cwd: dir,
    env: { ...process.env, TM_DB: db, TM_AGENT: agent },
    encoding: 'utf8',
  })
  return JSON.parse(r.stdout) as Record<string, unknown>
}

/** A task id made with `tm add`. */
function add(title: string, ...flags: string[]): string {
  return (tm(['add', title, ...flags]).task as { id: string }).id
}

/** An MCP client connected to `tm mcp` as `agent` (env as an MCP client's config sets it). */
async function connect(agent: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [TM, 'mcp'],
    env: { TM_DB: db, TM_AGENT: agent },
    cwd: dir,
    stderr: 'pipe',
  })
  const client = new Client({ name: 'tm-mcp-test', version: '1.0.0' })
  await client.connect(transport)
  open.push(client)
  return client
}

/** Call a tool; returns its result (the SDK client has checked structuredContent against the output schema). */
async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  return (await client.callTool({ name, arguments: args })) as CallToolResult
}

/** The refusal a tool error carries (its one text block is `tm --json`'s error shape plus `fix`). */
function refusal(result: CallToolResult): { code: string; message: string; fix: string } {
  expect(result.isError).toBe(true)
  expect(result.structuredContent).toBeUndefined()
  const text = (result.content[0] as { type: 'text'; text: string }).text
  const parsed = JSON.parse(text) as {
    ok: false
    error: { code: string; message: string; fix: string }
  }
  expect(parsed.ok).toBe(false)
  return parsed.error
}

beforeEach(() => {
  dir = tempDir('tm-mcp-')
  db = join(dir, 'tasks.db')
  tm(['init'])
})

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()))
})

describe('tm mcp', () => {
  it('lists the loop as tools, each with an output schema its results satisfy', async () => {
    const client = await connect('ada')
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual([
      'next',
      'claim',
      'heartbeat',
      'progress',
      'complete',
      'fail',
      'release',
      'ask',
      'share',
      'status',
      'ready',
      'context',
    ])
    const ajv = new Ajv({ strict: false })
    const validators = new Map(
      tools.map((t: Tool) => {
        expect(t.outputSchema?.type).toBe('object')
        expect(t.description?.length).toBeLessThanOrEqual(160)
        return [t.name, ajv.compile(t.outputSchema!)] as const
      }),
    )
    const id = add('Write the parser', '-p', 'high')
    for (const [name, args] of [
      ['ready', {}],
      ['status', { task: id }],
      ['context', { task: id }],
      ['share', { task: id, key: 'branch', value: 'parser' }],
    ] as const) {
      const result = await call(client, name, args)
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy()
      expect(validators.get(name)!(result.structuredContent), name).toBe(true)
      // The text block is the same object, for clients that read only text.
      expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(
        result.structuredContent,
      )
    }
  })

  it("runs an agent's loop: next → heartbeat → progress → complete with criteria", async () => {
    const first = add('Design the schema', '-p', 'high')
    const id = add(
      'Build the API',
      '--depends-on',
      first,
      '-c',
      'Tests pass `tests.failed == 0 && tests.total > 0`',
      '-c',
      'Docs reviewed',
    )
    const ada = await connect('ada')

    const next = (await call(ada, 'next')).structuredContent as {
      task: { id: string }
      grant: { task: string; lease: { holder: string; token: number } }
    }
    expect(next.task.id).toBe(first)
    expect(next.grant.lease).toMatchObject({ holder: 'ada', token: 1 })
    const done = await call(ada, 'complete', { task: first, token: 1, summary: 'tables ready' })
    expect(done.structuredContent).toMatchObject({ task: first, unblocked: [id] })

    const grant = (await call(ada, 'claim', { task: id, ttl: '10m' })).structuredContent as {
      lease: { token: number; expires_at: string }
    }
    const beat = await call(ada, 'heartbeat', { task: id, token: grant.lease.token, ttl: '20m' })
    expect(
      Date.parse((beat.structuredContent as { lease: { expires_at: string } }).lease.expires_at),
    ).toBeGreaterThan(Date.parse(grant.lease.expires_at))
    const progress = await call(ada, 'progress', { task: id, percent: 60, message: 'routes done' })
    expect(progress.structuredContent).toMatchObject({
      task: id,
      progress: [{ agent: 'ada', percent: 60, message: 'routes done' }],
    })
    const context = await call(ada, 'context', { task: id })
    expect(context.structuredContent).toMatchObject({
      context: { inherited: [{ from: first, summary: 'tables ready' }] },
    })

    // Without evidence the measurable criterion fails, and says what it needs.
    const bare = refusal(await call(ada, 'complete', { task: id, token: grant.lease.token }))
    expect(bare.code).toBe('CriteriaFailed')
    expect(bare.fix).toMatch(/junit/)
    // A failing report is refused with the actual values; nothing changes.
    const failing = refusal(
      await call(ada, 'complete', {
        task: id,
        token: grant.lease.token,
        junit: [join(JUNIT, 'pytest-junit.fail.xml')],
        confirm: [2],
      }),
    )
    expect(failing.code).toBe('CriteriaFailed')
    expect((await call(ada, 'status', { task: id })).structuredContent).toMatchObject({
      task: { id, status: 'in_progress' },
    })
    // Passing reports (a glob, relative to the server's folder) and the manual criterion confirmed.
    const completed = await call(ada, 'complete', {
      task: id,
      token: grant.lease.token,
      junit: [`${JUNIT}/jest-*.xml`],
      confirm: [2],
      summary: 'API built',
    })
    expect(completed.isError, JSON.stringify(completed.content)).toBeFalsy()
    expect(completed.structuredContent).toMatchObject({
      task: id,
      verdict: { passed: true },
    })
    expect(tm(['show', id]).task).toMatchObject({
      status: 'completed',
      completion_summary: 'API built',
    })
  })

  it('refuses as tool errors with the code and a fix: LeaseHeld, StaleToken, UnknownToken', async () => {
    const id = add('Contended task')
    const ada = await connect('ada')
    const grace = await connect('grace')
    const held = (await call(ada, 'claim', { task: id })).structuredContent as {
      lease: { token: number }
    }
    expect(held.lease.token).toBe(1)

    const leaseHeld = refusal(await call(grace, 'claim', { task: id }))
    expect(leaseHeld).toMatchObject({ code: 'LeaseHeld', fix: expect.stringMatching(/next/) })
    expect(leaseHeld.message).toContain('ada')

    // A token never issued, then a token of an earlier lease.
    expect(refusal(await call(ada, 'heartbeat', { task: id, token: 9 })).code).toBe('UnknownToken')
    await call(ada, 'release', { task: id, token: 1, reason: 'lunch' })
    const again = (await call(ada, 'claim', { task: id })).structuredContent as {
      lease: { token: number }
    }
    expect(again.lease.token).toBe(2)
    const stale = refusal(await call(ada, 'heartbeat', { task: id, token: 1 }))
    expect(stale).toMatchObject({ code: 'StaleToken', fix: expect.stringMatching(/stop/i) })

    // grace is not the holder; a missing task is TaskNotFound; bad arguments are tool errors too.
    expect(refusal(await call(grace, 'heartbeat', { task: id, token: 2 })).code).toBe('NotHolder')
    expect(refusal(await call(grace, 'status', { task: 'nosuchid' })).code).toBe('TaskNotFound')
    const bad = refusal(await call(grace, 'heartbeat', { task: id, token: 'two' }))
    expect(bad).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/token/) })
    expect(refusal(await call(ada, 'claim', { task: id, ttl: 'soon' })).code).toBe('InvalidInput')
  })

  it('writes only protocol to stdout, and ends when stdin closes', async () => {
    const child = spawn(process.execPath, [TM, 'mcp'], {
      cwd: dir,
      env: { ...process.env, TM_DB: db, TM_AGENT: 'ada' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString()
    })
    const exited = new Promise<number | null>((done) => child.on('exit', done))
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`)
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'raw', version: '1' },
      },
    })
    send({ jsonrpc: '2.0', method: 'notifications/initialized' })
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ready', arguments: {} } })
    await new Promise<void>((done) => {
      const poll = setInterval(() => {
        if (stdout.split('\n').filter(Boolean).length >= 2) {
          clearInterval(poll)
          done()
        }
      }, 20)
    })
    child.stdin.end()
    expect(await exited).toBe(0)
    const lines = stdout.split('\n').filter(Boolean)
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([1, 2])
    expect(JSON.parse(lines[0]!).result.instructions).toMatch(/heartbeat/)
  })

  it('fails to start with a clear message on stderr and nothing on stdout', () => {
    const missing = spawnSync(process.execPath, [TM, 'mcp'], {
      cwd: dir,
      env: { ...process.env, TM_DB: join(dir, 'none.db'), TM_AGENT: 'ada' },
      input: '',
      encoding: 'utf8',
    })
    expect(missing.status).toBe(6)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toContain('tm init')
    const nobody = spawnSync(process.execPath, [TM, 'mcp', '--json'], {
      cwd: dir,
      env: { ...process.env, TM_DB: db, TM_AGENT: '' },
      input: '',
      encoding: 'utf8',
    })
    expect(nobody.status).toBe(2)
    expect(nobody.stdout).toBe('')
    expect(nobody.stderr).toContain('TM_AGENT')
  })
})
