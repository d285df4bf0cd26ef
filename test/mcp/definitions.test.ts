/**
 * The MCP tool definitions and refusals in process: every refusal code the
 * engine or the client can throw has a fix sentence, and the schemas sent
 * in tools/list lose only what says nothing to a client.
 */
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import * as z from 'zod/v4'
import { CLIENT_ERROR_CODES } from '../../src/client/types.js'
import { ERROR_KINDS, TaskError } from '../../src/core/errors.js'
import { REFUSAL_CODES, refusalOf, toolError } from '../../src/mcp/errors.js'
import { compactSchema, toolDefinition } from '../../src/mcp/server.js'
import { TOOLS } from '../../src/mcp/tools.js'

describe('refusals', () => {
  it('knows every code of the engine and of the client, each with a fix', () => {
    const codes = [...Object.values(ERROR_KINDS).flat(), ...CLIENT_ERROR_CODES]
    expect([...REFUSAL_CODES].sort()).toEqual([...new Set(codes)].sort())
    for (const code of codes) {
      const r = refusalOf(new TaskError(code as never, 'why'))
      expect(r.error.fix.length, code).toBeGreaterThan(10)
    }
  })

  it('is a tool error whose text is tm --json with the fix; other errors are Internal', () => {
    const held = toolError(new TaskError('LeaseHeld', 'Task a is held by ada.', { holder: 'ada' }))
    expect(held.isError).toBe(true)
    expect(held.structuredContent).toBeUndefined()
    expect(JSON.parse((held.content[0] as { text: string }).text)).toEqual({
      ok: false,
      error: {
        code: 'LeaseHeld',
        message: 'Task a is held by ada.',
        fix: expect.stringContaining('next'),
        details: { holder: 'ada' },
      },
    })
    // A Node error's code is not a refusal code.
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })
    const stderr = process.stderr.write
    process.stderr.write = () => true
    try {
      expect(refusalOf(enoent).error).toMatchObject({ code: 'Internal', message: enoent.message })
    } finally {
      process.stderr.write = stderr
    }
  })
})

describe('tool definitions', () => {
  it('drop only the draft marker, default members and the safe-integer range', () => {
    const written = z.toJSONSchema(
      z.looseObject({ n: z.number().int().min(1), m: z.record(z.string(), z.unknown()) }),
      { io: 'input' },
    )
    expect(compactSchema(written)).toEqual({
      type: 'object',
      properties: {
        n: { type: 'integer', minimum: 1 },
        m: { type: 'object' },
      },
      required: ['n', 'm'],
    })
  })

  it('accept what the zod schemas accept and refuse what they refuse', () => {
    const ajv = new Ajv({ strict: false })
    const heartbeat = TOOLS.find((t) => t.name === 'heartbeat')!
    const check = ajv.compile(toolDefinition(heartbeat).inputSchema)
    const schema = z.object(heartbeat.input)
    for (const args of [
      { task: 'a', token: 1 },
      { task: 'a', token: 1, ttl: '5m' },
      { task: 'a', token: 0 },
      { task: 'a', token: 1.5 },
      { task: '', token: 1 },
      { token: 1 },
    ]) {
      expect(check(args), JSON.stringify(args)).toBe(schema.safeParse(args).success)
    }
  })
})
