/**
 * Hostile input to `tm mcp`: what arrives on stdin is whatever the MCP
 * client (or a model driving it) sends. A line that is not JSON changes
 * nothing and the server keeps answering; a message past the 4 MiB bound
 * closes the connection without reading it whole; keys such as `__proto__`
 * in a tool's object arguments stay data, pollute nothing, and are refused
 * or kept as the engine's own rules say.
 */
import { spawn, spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterEach, describe, expect, it } from 'vitest'
import { LocalClient } from '../../src/client/local.js'
import { parseDuration } from '../../src/core/duration.js'
import { buildEvidence } from '../../src/mcp/evidence.js'
import { createMcpServer } from '../../src/mcp/server.js'
import { tempDir } from '../helpers.js'

const TM = resolve('build/tm.cjs')
const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** A task database with one task, made with the built `tm`; returns its path and the task id. */
function database(): { db: string; id: string } {
  const dir = tempDir('tm-mcp-hostile-')
  const db = join(dir, 'tasks.db')
  const run = (args: string[]) =>
    spawnSync(process.execPath, [TM, '--json', ...args], {
      env: { ...process.env, TM_DB: db, TM_AGENT: 'ada' },
      encoding: 'utf8',
    })
  run(['init'])
  const id = (
    JSON.parse(run(['add', 'Target', '-c', 'Fast `metrics.p95 < 200`']).stdout) as {
      task: { id: string }
    }
  ).task.id
  return { db, id }
}

/** `tm mcp` as a raw process: send lines, collect stdout lines and stderr. */
function raw(db: string) {
  const child = spawn(process.execPath, [TM, 'mcp'], {
    env: { ...process.env, TM_DB: db, TM_AGENT: 'ada' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString()
  })
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString()
  })
  const exited = new Promise<number | null>((done) => child.on('exit', done))
  // A server that closes the connection makes our pending writes fail (EPIPE): expected.
  child.stdin.on('error', () => {})
  cleanup.push(() => {
    if (child.exitCode === null) child.kill()
  })
  const lines = () => stdout.split('\n').filter(Boolean)
  const until = (test: () => boolean) =>
    new Promise<void>((done) => {
      const poll = setInterval(() => {
        if (test()) {
          clearInterval(poll)
          done()
        }
      }, 20)
    })
  return { child, exited, lines, until, stderr: () => stderr }
}

const initialize = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'hostile', version: '1' },
  },
})}\n`

describe('tm mcp on hostile stdin', () => {
  it('answers after a line that is not JSON-RPC, and writes nothing for it', async () => {
    const { db } = database()
    const p = raw(db)
    p.child.stdin.write(initialize)
    p.child.stdin.write('{"jsonrpc":"2.0","id":\n')
    p.child.stdin.write('\u0000\u001b[2J not json at all\n')
    p.child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ready', arguments: {} } })}\n`,
    )
    await p.until(() => p.lines().length >= 2)
    p.child.stdin.end()
    expect(await p.exited).toBe(0)
    expect(p.lines().map((l) => JSON.parse(l).id)).toEqual([1, 2])
  })

  it('closes the connection on a message over 4 MiB instead of reading it whole', async () => {
    const { db } = database()
    const p = raw(db)
    p.child.stdin.write(initialize)
    await p.until(() => p.lines().length >= 1)
    // One unterminated line of 5 MiB: buffered until the bound, then refused.
    p.child.stdin.write(
      `{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":"${'a'.repeat(5 * 1024 * 1024)}`,
    )
    expect(await p.exited).toBe(0)
    expect(p.stderr()).toMatch(/exceeded maximum size/)
    expect(p.lines()).toHaveLength(1)
  })
})

describe('tool arguments as data', () => {
  it('keeps __proto__ keys in context as data: no pollution, the criterion judged on them', async () => {
    const { db, id } = database()
    const client = new LocalClient({ agent: 'ada', db })
    const server = createMcpServer(client, {
      version: 'test',
      duration: parseDuration,
      evidence: (e) => buildEvidence(e),
    })
    const [a, b] = InMemoryTransport.createLinkedPair()
    const mcp = new Client({ name: 'hostile', version: '1' })
    await server.connect(a)
    await mcp.connect(b)
    cleanup.push(async () => {
      await mcp.close()
      client.close()
    })
    const call = async (name: string, args: Record<string, unknown>) =>
      (await mcp.callTool({ name, arguments: args })) as CallToolResult

    const grant = (await call('claim', { task: id })).structuredContent as {
      lease: { token: number }
    }
    const hostile = JSON.parse(
      '{"__proto__":{"polluted":true},"metrics":{"__proto__":{"p95":1},"constructor":{"prototype":{"polluted":true}}}}',
    ) as Record<string, unknown>
    const refused = await call('complete', { task: id, token: grant.lease.token, context: hostile })
    expect(refused.isError).toBe(true)
    const error = JSON.parse((refused.content[0] as { text: string }).text).error
    // metrics.p95 is missing (the __proto__ key is data, not a prototype with p95 on it).
    expect(error.code).toBe('CriteriaFailed')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).p95).toBeUndefined()

    const shared = await call('share', { task: id, key: 'note', value: hostile })
    expect(shared.isError, JSON.stringify(shared.content)).toBeFalsy()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const context = (await call('context', { task: id })).structuredContent as {
      context: { merged: Record<string, unknown> }
    }
    expect(Object.hasOwn(context.context.merged.note as object, '__proto__')).toBe(true)
  })
})
