/**
 * `tm mcp --github owner/repo` as an MCP client runs it: the built `tm` in
 * its own process, driven by the SDK's `Client` over stdio, talking HTTP to
 * the one fake GitHub (`GITHUB_API_URL`), whose comments are delivered to
 * the real app in this process — so the tools post command comments and
 * read the app's replies exactly as on GitHub, with every request checked
 * against GitHub's REST description.
 */
import { resolve } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type AgentWorld, agentWorld, REPO } from '../e2e/agent-world.js'
import { type FakeServer, listen } from '../support/fake-github/index.js'
import { loadGitHubDescription } from '../support/github/openapi.js'

const TM = resolve('build/tm.cjs')
let world: AgentWorld | undefined
let server: FakeServer | undefined
let client: Client | undefined

beforeAll(() => {
  loadGitHubDescription()
})
afterEach(async () => {
  await client?.close()
  client = undefined
  if (world) {
    await world.fake.settled()
    expect(world.fake.problems).toEqual([])
    expect(world.fake.deliveryErrors).toEqual([])
    world.close()
  }
  await server?.close()
  world = undefined
  server = undefined
})

/** `tm mcp --github REPO` acting as `login` (its token on the fake). */
async function connect(w: AgentWorld, api: string, login: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [TM, 'mcp', '--github', REPO, '--wait', '30s'],
    env: {
      GITHUB_API_URL: api,
      GITHUB_TOKEN: w.fake.tokenFor(login),
      TM_GITHUB_APP_LOGIN: w.fake.appLogin,
    },
    stderr: 'pipe',
  })
  const c = new Client({ name: 'tm-mcp-github-test', version: '1.0.0' })
  await c.connect(transport)
  return c
}

async function call(name: string, args: Record<string, unknown> = {}) {
  return (await client!.callTool({ name, arguments: args })) as CallToolResult
}

describe('tm mcp --github', () => {
  it('runs next → heartbeat → complete as comments the app answers; a stale token is a tool error', async () => {
    world = await agentWorld({ tasks: 1 })
    server = await listen(world.fake)
    client = await connect(world, server.url, 'agent-1')

    const next = await call('next')
    expect(next.isError, JSON.stringify(next.content)).toBeFalsy()
    const { grant } = next.structuredContent as {
      grant: { task: string; lease: { holder: string; token: number } }
    }
    expect(grant.lease).toMatchObject({ holder: 'agent-1', token: 1 })
    const id = grant.task
    expect(id).toBe(`${REPO}#${world.tasks[0]}`)

    const beat = await call('heartbeat', { task: id, token: 1 })
    expect(beat.structuredContent).toMatchObject({ lease: { holder: 'agent-1', token: 1 } })
    // The app names the lease it acted on; the client refuses a token that is not it.
    const stale = await call('heartbeat', { task: id, token: 7 })
    expect(stale.isError).toBe(true)
    const refusal = JSON.parse((stale.content[0] as { text: string }).text)
    expect(refusal.error.code).toBe('StaleToken')
    expect(refusal.error.fix).toBeTruthy()
    // Evidence is for the local engine: on GitHub the CI gate decides, and saying so loses nothing.
    const evidence = await call('complete', { task: id, token: 1, context: { tests: {} } })
    expect(evidence.isError).toBe(true)
    expect(JSON.parse((evidence.content[0] as { text: string }).text).error.code).toBe(
      'Unsupported',
    )

    // /release takes no reason: refused rather than dropped, and the lease is kept.
    const reason = await call('release', { task: id, token: 1, reason: 'blocked on review' })
    expect(JSON.parse((reason.content[0] as { text: string }).text).error.code).toBe('Unsupported')

    const done = await call('complete', { task: id, token: 1, summary: 'parser written' })
    expect(done.isError, JSON.stringify(done.content)).toBeFalsy()
    expect(done.structuredContent).toMatchObject({ task: id })
    await world.fake.settled()
    expect(world.engine.get(id)).toMatchObject({
      status: 'completed',
      completion_summary: 'parser written',
    })
    const comments = world.fake
      .repository(REPO)
      .comments.filter((c) => c.user === 'agent-1')
      .map((c) => c.body.split('\n')[0])
    expect(comments).toEqual(['/next', '/heartbeat', '/heartbeat', '/done parser written'])
  })
})
