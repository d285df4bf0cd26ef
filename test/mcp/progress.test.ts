/**
 * While a tool call waits for the app's reply on GitHub, `tm mcp` sends
 * progress notifications to a client that asked for them, so a client that
 * resets its request timeout on progress keeps waiting. In process: the
 * server on the SDK's in-memory transport, the real GitHub client against
 * the real app through the one fake GitHub.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseDuration } from '../../src/core/duration.js'
import { buildEvidence } from '../../src/mcp/evidence.js'
import { createMcpServer } from '../../src/mcp/server.js'
import { type AgentWorld, agentWorld } from '../e2e/agent-world.js'
import { loadGitHubDescription } from '../support/github/openapi.js'

let world: AgentWorld | undefined
beforeAll(() => {
  loadGitHubDescription()
})
afterEach(async () => {
  if (!world) return
  await world.fake.settled()
  expect(world.fake.problems).toEqual([])
  world.close()
  world = undefined
})

describe('progress while waiting on GitHub', () => {
  it('notifies a client that asked, and not one that did not', async () => {
    world = await agentWorld({ tasks: 1 })
    // Replies are polled every 50 ms at first; progress every 5 ms.
    const github = await world.client('agent-1', { pollIntervalMs: 50, maxPollIntervalMs: 50 })
    const server = createMcpServer(github, {
      version: 'test',
      duration: parseDuration,
      evidence: (e) => buildEvidence(e),
      progressEveryMs: 5,
    })
    const [a, b] = InMemoryTransport.createLinkedPair()
    const mcp = new Client({ name: 'progress', version: '1' })
    await server.connect(a)
    await mcp.connect(b)
    try {
      const seen: Progress[] = []
      const next = (await mcp.callTool({ name: 'next', arguments: {} }, undefined, {
        onprogress: (p) => seen.push(p),
        resetTimeoutOnProgress: true,
      })) as CallToolResult
      expect(next.isError, JSON.stringify(next.content)).toBeFalsy()
      expect(seen.length).toBeGreaterThan(0)
      expect(seen[0]).toMatchObject({ progress: 1, message: 'waiting for next' })
      expect(seen.map((p) => p.progress)).toEqual(seen.map((_, i) => i + 1))

      // Without a progress token, no notification (the SDK drops unrequested ones, so count on the wire).
      const { grant } = next.structuredContent as { grant: { task: string } }
      let notifications = 0
      const onmessage = b.onmessage
      b.onmessage = (message, extra) => {
        if ('method' in message && message.method === 'notifications/progress') notifications += 1
        onmessage?.(message, extra)
      }
      const beat = (await mcp.callTool({
        name: 'heartbeat',
        arguments: { task: grant.task, token: 1 },
      })) as CallToolResult
      expect(beat.isError, JSON.stringify(beat.content)).toBeFalsy()
      expect(notifications).toBe(0)
    } finally {
      await mcp.close()
      github.close()
    }
  })
})
