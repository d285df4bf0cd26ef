/**
 * The local transport of the agent client: an agent's whole loop on a temp
 * SQLite file, each result of the shape `tm --json` prints for the same verb
 * (the built `tm`, run as a user runs it, on the same database), and the
 * engine's refusals as TaskErrors with its codes.
 */
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { type AgentClient, createLocalClient, isTaskError } from '../../src/client/index.js'
import { tempDir } from '../helpers.js'

const TM = resolve('build/tm.cjs')
let db: string

/** `tm --json …` on the test's database; its document without `ok`. */
function tm(args: string[], agent = 'ada'): Record<string, unknown> {
  const r = spawnSync(process.execPath, [TM, '--json', ...args], {
    env: { ...process.env, TM_DB: db, TM_AGENT: agent },
    encoding: 'utf8',
  })
  const { ok: _ok, ...rest } = JSON.parse(r.stdout) as Record<string, unknown>
  return rest
}

/** The shape of a JSON value: keys and value types, arrays by their first item. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : []
  if (value === null) return 'null'
  if (typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as object)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shape(v)]),
    )
  return typeof value
}

/** The result as `tm --json` would print it: JSON, undefined keys dropped. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown

beforeEach(() => {
  db = join(tempDir('tm-client-'), 'tasks.db')
  spawnSync(process.execPath, [TM, 'init'], { env: { ...process.env, TM_DB: db } })
})

describe('local transport', () => {
  it('runs the loop with the results tm --json prints', async () => {
    const first = (tm(['add', 'Parser', '-p', 'high']).task as { id: string }).id
    const second = (tm(['add', 'Lexer']).task as { id: string }).id
    const client: AgentClient = await createLocalClient({ agent: 'ada', db })
    try {
      expect(client.transport).toBe('local')
      // Reads: the same documents.
      expect(asJson(await client.ready())).toEqual(tm(['ready']))
      expect(asJson(await client.status(first))).toEqual(tm(['show', first]))
      // next claims the most urgent task, as `tm next --claim` would.
      const next = await client.next()
      expect(next.task?.id).toBe(first)
      expect(shape(asJson(next))).toEqual(shape(tm(['next', '--claim'], 'bob')))
      const token = next.grant?.lease.token as number
      const bobToken = (tm(['show', second]).task as { lease: { token: number } }).lease.token
      // Each verb: the shape tm prints, bob running it on his task.
      const pairs: [unknown, Record<string, unknown>][] = [
        [
          await client.heartbeat(first, token),
          tm(['heartbeat', second, '--token', String(bobToken)], 'bob'),
        ],
        [
          await client.progress(first, { percent: 50, message: 'half' }),
          tm(['progress', second, '50', 'half'], 'bob'),
        ],
        [
          await client.share(first, 'api', { base: 'v2' }),
          tm(['share', second, 'api', '{base: v2}'], 'bob'),
        ],
        [await client.context(first), tm(['context', second], 'bob')],
        [
          await client.ask(first, 'Which endpoint?', { to: 'carol' }),
          tm(['ask', second, 'Which endpoint?', '--to', 'carol'], 'bob'),
        ],
      ]
      for (const [mine, theirs] of pairs) expect(shape(asJson(mine))).toEqual(shape(theirs))
      tm(['answer', first, 'v2'], 'carol')
      tm(['answer', second, 'v2'], 'carol')
      const done = await client.complete(first, token, { summary: 'parsed' })
      expect(shape(asJson(done))).toEqual(
        shape(tm(['complete', second, '--token', String(bobToken), '-m', 'lexed'], 'bob')),
      )
      expect(done).toMatchObject({ task: first, verdict: null, unblocked: [] })
    } finally {
      client.close()
    }
  })

  it('fail, release and claim have tm’s shapes; refusals are TaskErrors with the engine’s codes', async () => {
    const id = (tm(['add', 'Flaky']).task as { id: string }).id
    const client = await createLocalClient({ agent: 'ada', db })
    try {
      const grant = await client.claim(id, { ttlMs: 60_000 })
      expect(grant).toMatchObject({ task: id, lease: { holder: 'ada', token: 1 } })
      const bob = await createLocalClient({ agent: 'bob', db })
      await expect(bob.claim(id)).rejects.toMatchObject({ name: 'TaskError', code: 'LeaseHeld' })
      bob.close()
      await expect(client.heartbeat(id, 7)).rejects.toMatchObject({ code: 'UnknownToken' })
      expect(await client.fail(id, grant.lease.token, 'broke')).toEqual({
        task: id,
        status: 'pending',
        attempts: 1,
        max_attempts: 3,
      })
      const again = await client.claim(id)
      expect(await client.release(id, again.lease.token)).toEqual({ task: id })
      const err = await client.release(id, again.lease.token).catch((e: unknown) => e)
      expect(isTaskError(err, 'NoLease')).toBe(true)
      expect(await client.next()).toMatchObject({
        task: { id },
        grant: { task: id, lease: { token: 3 } },
      })
    } finally {
      client.close()
    }
  })

  it('a missing database is StorageError, as in tm (run tm init)', async () => {
    await expect(
      createLocalClient({ agent: 'ada', db: join(tempDir(), 'none.db') }),
    ).rejects.toMatchObject({
      code: 'StorageError',
    })
    await expect(createLocalClient({ agent: ' ', db })).rejects.toMatchObject({
      code: 'InvalidInput',
    })
  })
})
