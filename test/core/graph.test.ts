import { describe, expect, it } from 'vitest'
import { longestPath } from '../../src/core/critical-path.js'
import { buildReport } from '../../src/core/report/model.js'
import { expectTaskError, makeEngine } from '../helpers.js'

describe('dependencies', () => {
  it('blocks a task while a dependency is open and unblocks it in the same transaction as the completion', () => {
    const { engine } = makeEngine()
    const schema = engine.add({ title: 'Design schema' })
    const api = engine.add({ title: 'API', depends_on: [schema.id] })
    const ui = engine.add({ title: 'UI', depends_on: [schema.id, api.id] })
    expect([api, ui].map((t) => t.status)).toEqual(['blocked', 'blocked'])
    engine.claim(schema.id, 'ada')
    const out = engine.complete(schema.id, 'ada', 1, { summary: 'tables: tasks, deps' })
    expect(out.unblocked).toEqual([api.id])
    expect(engine.get(api.id).status).toBe('pending')
    expect(engine.get(ui.id).status).toBe('blocked')
    // The completion summary is handed to every dependent as context.
    expect(engine.show(api.id).context).toEqual([
      expect.objectContaining({
        key: `dependency.${schema.id}`,
        value: { title: 'Design schema', summary: 'tables: tasks, deps', context: {} },
      }),
    ])
    expect(engine.show(ui.id).context.map((c) => c.key)).toEqual([`dependency.${schema.id}`])
    const completedId = engine.events({ type: 'completed' })[0]!.id
    const unblockedEvent = engine.events({ type: 'unblocked', task: api.id })[0]!
    expect(unblockedEvent.id).toBeGreaterThan(completedId)
  })

  it('refuses an edge that would close a cycle and prints the cycle', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a' })
    const b = engine.add({ title: 'b', depends_on: [a.id] })
    const c = engine.add({ title: 'c', depends_on: [b.id] })
    const err = expectTaskError(() => engine.depend(a.id, c.id), 'DependencyCycle')
    expect(err.details.cycle).toEqual([a.id, c.id, b.id, a.id])
    expect(err.message).toContain(`${a.id} → ${c.id} → ${b.id} → ${a.id}`)
    expect(engine.get(a.id).status).toBe('pending')
    expectTaskError(() => engine.depend(a.id, a.id), 'DependencyCycle')
  })

  it('is all-or-nothing when several edges are added in one transaction', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a' })
    const b = engine.add({ title: 'b', depends_on: [a.id] })
    const c = engine.add({ title: 'c' })
    expectTaskError(
      () =>
        engine.write(() => {
          for (const d of [c.id, b.id]) engine.depend(a.id, d)
        }),
      'DependencyCycle',
    )
    expect(engine.show(a.id).depends_on).toEqual([])
    expect(engine.get(a.id).status).toBe('pending')
  })

  it('removing the last unmet dependency unblocks; a manual block survives it', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a' })
    const b = engine.add({ title: 'b', depends_on: [a.id] })
    engine.block(b.id, 'waiting for keys')
    engine.undepend(b.id, a.id)
    expect(engine.get(b.id)).toMatchObject({
      status: 'blocked',
      blocked_reason: 'waiting for keys',
    })
    engine.unblock(b.id)
    expect(engine.get(b.id).status).toBe('pending')
    expectTaskError(() => engine.unblock(b.id), 'InvalidTransition')
  })

  it('a manual block needs a reason and cannot be applied over a lease', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a' })
    expectTaskError(() => engine.block(a.id, '  '), 'InvalidInput')
    engine.claim(a.id, 'ada')
    expectTaskError(() => engine.block(a.id, 'stop'), 'InvalidTransition')
  })
})

describe('ready set and critical path', () => {
  it('orders claimable tasks by priority, then deadline (none last), then age', () => {
    const { engine, clock } = makeEngine()
    const low = engine.add({ title: 'low', priority: 'low' })
    clock.advance(1000)
    const medOld = engine.add({ title: 'medium old' })
    clock.advance(1000)
    const medDeadline = engine.add({ title: 'medium with deadline', deadline: '2026-04-01' })
    clock.advance(1000)
    const crit = engine.add({ title: 'critical', priority: 'critical' })
    const blocked = engine.add({ title: 'blocked', priority: 'critical', depends_on: [low.id] })
    expect(engine.ready().map((t) => t.id)).toEqual([crit.id, medDeadline.id, medOld.id, low.id])
    expect(engine.ready({ limit: 2 }).map((t) => t.id)).toEqual([crit.id, medDeadline.id])
    expect(engine.ready().map((t) => t.id)).not.toContain(blocked.id)
  })

  it('finds the chain with the most estimated work among open tasks', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a', estimated_hours: 2 })
    const b = engine.add({ title: 'b', estimated_hours: 5, depends_on: [a.id] })
    const c = engine.add({ title: 'c', estimated_hours: 1, depends_on: [a.id] })
    const d = engine.add({ title: 'd', estimated_hours: 1, depends_on: [b.id, c.id] })
    engine.add({ title: 'lonely', estimated_hours: 3 })
    expect(engine.criticalPath()).toEqual({ tasks: [a.id, b.id, d.id], hours: 8 })
    engine.claim(a.id, 'ada')
    engine.complete(a.id, 'ada', 1)
    expect(engine.criticalPath()).toEqual({ tasks: [b.id, d.id], hours: 6 })
  })

  it('keeps a task waiting for an answer on the critical path (it is still work ahead)', () => {
    const { engine } = makeEngine()
    const a = engine.add({ title: 'a', estimated_hours: 4 })
    const b = engine.add({ title: 'b', estimated_hours: 1, depends_on: [a.id] })
    engine.add({ title: 'short', estimated_hours: 2 })
    engine.claim(a.id, 'ada')
    engine.ask(a.id, 'ada', 'maint', 'Which licence?')
    expect(engine.get(a.id).status).toBe('waiting')
    expect(engine.criticalPath()).toEqual({ tasks: [a.id, b.id], hours: 5 })
  })

  it('is the same path for `tm critical-path` and the report, ties included', () => {
    const { engine } = makeEngine()
    // Equal chains: the store lists them in insertion order, the report by priority.
    const low = engine.add({ title: 'low', priority: 'low', estimated_hours: 2 })
    engine.add({ title: 'low 2', priority: 'low', depends_on: [low.id] })
    const high = engine.add({ title: 'high', priority: 'high', estimated_hours: 2 })
    engine.add({ title: 'high 2', priority: 'high', depends_on: [high.id] })
    const fromStore = engine.criticalPath()
    expect(fromStore.hours).toBe(3)
    const report = engine.read((ctx) => buildReport(ctx, { days: 7 }))
    expect(report.critical_path).toEqual(fromStore)
  })

  it('depends on the graph, not on the order it is listed in', () => {
    const t = (id: string, estimated_hours: number | null = null) => ({ id, estimated_hours })
    const nodes = [t('d'), t('a', 2), t('c'), t('b'), t('e', 2), t('f', 3)]
    const edges = [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'c' },
      { from: 'e', to: 'd' },
      { from: 'd', to: 'c' },
      { from: 'x', to: 'a' }, // an end outside the nodes: ignored
    ]
    const expected = { tasks: ['a', 'b', 'c'], hours: 4 }
    expect(longestPath(nodes, edges)).toEqual(expected)
    expect(longestPath([...nodes].reverse(), [...edges].reverse())).toEqual(expected)
    expect(longestPath([t('z'), t('y')], [])).toEqual({ tasks: ['y'], hours: 1 })
  })
})
