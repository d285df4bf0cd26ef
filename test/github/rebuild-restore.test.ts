/**
 * The engine side of a rebuild (`src/core/restore.ts`): tasks written as an
 * outside record shows them — ids, tokens and attempts kept, leases
 * restarted — with what cannot be written as recorded skipped and reported.
 */
import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { type RestorePlan, removeTasks, restoreTasks } from '../../src/core/restore.js'

const NOW = '2026-05-01T12:00:00.000Z'

function engine() {
  return new Engine(openStore(':memory:'), { clock: new FakeClock(NOW) })
}

function plan(p: Partial<RestorePlan>): RestorePlan {
  return { source: 'test', tasks: [], dependencies: [], parents: [], leaseTtlMs: 60_000, ...p }
}

describe('restoreTasks', () => {
  it('keeps the fencing token of a restarted lease, so the holder can go on and no token is granted twice', () => {
    const e = engine()
    const report = e.write((ctx) =>
      restoreTasks(
        ctx,
        plan({
          tasks: [
            {
              id: 'a',
              title: 'A',
              status: 'in_progress',
              lease: { holder: 'ada', token: 4 },
              fencing_seq: 6,
              attempts: 2,
            },
          ],
        }),
        'test',
      ),
    )
    expect(report.leases).toEqual([
      { task: 'a', holder: 'ada', token: 4, expires_at: '2026-05-01T12:01:00.000Z' },
    ])
    expect(e.heartbeat('a', 'ada', 4).token).toBe(4)
    e.release('a', 'ada', 4)
    expect(e.claim('a', 'bob').lease.token).toBe(7)
    expect(e.get('a').attempts).toBe(2)
    expect(e.events({ type: 'imported' })).toEqual([
      expect.objectContaining({
        task_id: null,
        actor: 'test',
        details: { source: 'test', rebuilt: true, tasks: 1, leases: 1 },
      }),
    ])
  })

  it('skips and reports what it cannot write as recorded, and writes the rest', () => {
    const e = engine()
    const report = e.write((ctx) =>
      restoreTasks(
        ctx,
        plan({
          tasks: [
            { id: 'a', title: 'A', status: 'in_progress' },
            { id: 'b', title: 'B', status: 'in_progress', lease: { holder: 'bob', token: 0 } },
            { id: 'c', title: 'C', status: 'waiting', lease: { holder: 'cy', token: 1 } },
            {
              id: 'd',
              title: 'D',
              status: 'pending',
              persona: 'Not A Persona',
              success_criteria: [{ criterion: 'x', measurable: 'tests.failed ==' }],
            },
            { id: 'e', title: 'E', status: 'blocked' },
          ],
          dependencies: [
            { task: 'a', dependsOn: 'zz' },
            { task: 'd', dependsOn: 'e' },
          ],
          parents: [
            { task: 'a', parent: 'b' },
            { task: 'b', parent: 'a' },
          ],
        }),
        'test',
      ),
    )
    expect(e.get('a')).toMatchObject({ status: 'pending', parent_id: 'b' })
    expect(e.get('b')).toMatchObject({ status: 'pending', lease: null, parent_id: null })
    expect(e.get('c')).toMatchObject({ status: 'in_progress', lease: { holder: 'cy', token: 1 } })
    expect(e.get('d')).toMatchObject({ status: 'blocked', persona: null, success_criteria: [] })
    expect(e.get('e').status).toBe('pending')
    expect(report.skipped.map((s) => `${s.item} ${s.field}: ${s.reason}`)).toEqual([
      'a status: in_progress with nobody to hold the lease; now pending',
      'b lease: not a holder with a fencing token ≥ 1; lease not restored',
      'b status: in_progress with nobody to hold the lease; now pending',
      'c status: waiting, but not when the lease paused; now in progress',
      expect.stringMatching(
        /^d success_criteria: success criterion 1 expression: .* — criteria not restored$/,
      ),
      'd persona: not a valid persona name; dropped',
      'a dependsOn: task zz is not known; dependency skipped',
      'b parent: b would become its own ancestor; parent link skipped',
      'd status: a dependency is not completed; restored as blocked',
      'e status: no unmet dependency and no reason to block it; restored as pending',
    ])
  })

  it('refuses a task that exists (the caller removes what it replaces), changing nothing', () => {
    const e = engine()
    e.add({ id: 'a1b2c3d4', title: 'Here already' })
    expect(() =>
      e.write((ctx) =>
        restoreTasks(
          ctx,
          plan({ tasks: [{ id: 'a1b2c3d4', title: 'Again', status: 'pending' }] }),
          null,
        ),
      ),
    ).toThrow(expect.objectContaining({ code: 'Duplicate' }))
    expect(e.get('a1b2c3d4').title).toBe('Here already')
  })

  it('removeTasks removes one prefix and returns the links other tasks had to those tasks', () => {
    const e = engine()
    e.add({ id: 'o/r#1', title: 'One' })
    e.add({ id: 'o/r#2', title: 'Two', depends_on: ['o/r#1'], parent_id: 'o/r#1' })
    e.add({ id: 'x/y#1', title: 'Elsewhere', depends_on: ['o/r#1'], parent_id: 'o/r#2' })
    const { removed, links } = e.write((ctx) => removeTasks(ctx, 'o/r#'))
    expect(removed).toBe(2)
    expect(links).toEqual({
      dependencies: [{ task: 'x/y#1', dependsOn: 'o/r#1' }],
      parents: [{ task: 'x/y#1', parent: 'o/r#2' }],
    })
    expect(e.list().map((t) => t.id)).toEqual(['x/y#1'])
  })
})
