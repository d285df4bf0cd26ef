/**
 * Issue 13 on the command line (the built `tm` in its own process): a parent
 * with open subtasks is not offered or claimable; personas can be enforced
 * on claims (`tm init --enforce-personas`); `tm reopen` brings a failed task
 * back; `tm assign` grants a named agent a lease; `tm delete` removes a task
 * nobody depends on and keeps its events.
 */
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.js'

const TM = resolve('build/tm.cjs')
let dir: string

function tm(args: string[], agent = '') {
  const r = spawnSync(process.execPath, [TM, '--json', ...args], {
    cwd: dir,
    env: { ...process.env, TM_DB: '', TM_AGENT: agent },
    encoding: 'utf8',
  })
  return { code: r.status, out: JSON.parse(r.stdout) }
}

function add(title: string, ...options: string[]): string {
  return tm(['add', title, ...options]).out.task.id
}

beforeEach(() => {
  dir = tempDir('tm-maint-')
  expect(tm(['init']).code).toBe(0)
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('a parent task with open subtasks', () => {
  it('is not ready, next --claim takes the subtask, and claim is refused with SubtasksOpen', () => {
    const parent = add('Integrate', '-p', 'critical')
    const child = add('Part', '--parent', parent)
    expect(tm(['ready']).out.tasks.map((t: { id: string }) => t.id)).toEqual([child])
    const refused = tm(['claim', parent], 'ada')
    expect(refused.code).toBe(4)
    expect(refused.out.error).toMatchObject({
      code: 'SubtasksOpen',
      details: { task: parent, subtasks: [child] },
    })
    const next = tm(['next', '--claim'], 'ada')
    expect(next.out.task.id).toBe(child)
    expect(tm(['complete', child, '--token', String(next.out.grant.lease.token)], 'ada').code).toBe(
      0,
    )
    // Done with its subtasks, the parent is the next piece of work.
    expect(tm(['next', '--claim'], 'grace').out.task.id).toBe(parent)
  })
})

describe('tm init --enforce-personas', () => {
  it('refuses a claim without the persona, naming it; --no-enforce-personas lifts it', () => {
    expect(tm(['init', '--enforce-personas']).out.settings.enforcePersonas).toBe(true)
    const review = add('Review', '--persona', 'reviewer')
    tm(['agent', 'register', 'impl', '--persona', 'implementer'])
    const refused = tm(['claim', review], 'impl')
    expect(refused.code).toBe(4)
    expect(refused.out.error).toMatchObject({
      code: 'PersonaMismatch',
      details: { task: review, persona: 'reviewer', agent: 'impl', personas: ['implementer'] },
    })
    expect(tm(['next', '--claim'], 'impl').out.task).toBeNull()
    // Kept in the database: a later init without the flag leaves it on.
    expect(tm(['init']).out.settings.enforcePersonas).toBe(true)
    expect(tm(['init', '--no-enforce-personas']).out.settings.enforcePersonas).toBe(false)
    expect(tm(['claim', review], 'impl').code).toBe(0)
  })
})

describe('tm reopen', () => {
  it('brings a failed task back to pending with attempts reset and its history kept', () => {
    const id = add('Flaky', '--max-attempts', '1')
    expect(tm(['claim', id], 'ada').code).toBe(0)
    expect(tm(['fail', id, 'broke', '--token', '1'], 'ada').out.status).toBe('failed')
    expect(tm(['claim', id], 'ada').code).toBe(4)
    const reopened = tm(['reopen', id], 'maint')
    expect(reopened.code).toBe(0)
    expect(reopened.out).toMatchObject({
      reopened: true,
      was: 'failed',
      task: { id, status: 'pending', attempts: 0 },
    })
    const events = tm(['events', '--task', id]).out.events
    expect(events.map((e: { type: string }) => e.type)).toEqual([
      'task_created',
      'claimed',
      'failed',
      'reopened',
    ])
    expect(events.at(-1)).toMatchObject({ actor: 'maint', details: { was: 'failed' } })
    expect(tm(['claim', id], 'grace').out.lease.token).toBe(2)
    // An open task: nothing to reopen, nothing changed.
    expect(tm(['reopen', id]).out).toMatchObject({
      reopened: false,
      task: { status: 'in_progress' },
    })
  })

  it('brings a finished task back blocked while a dependency is open', () => {
    const dep = add('Dependency')
    const id = add('Dependent', '--depends-on', dep)
    expect(tm(['cancel', id]).code).toBe(0)
    expect(tm(['reopen', id]).out.task.status).toBe('blocked')
  })
})

describe('tm assign', () => {
  it('grants the named agent a lease and prints its token; refused like a claim', () => {
    const id = add('Task')
    const assigned = tm(['assign', id, 'ada'], 'maint')
    expect(assigned.code).toBe(0)
    expect(assigned.out).toMatchObject({ task: id, lease: { holder: 'ada', token: 1 } })
    expect(tm(['heartbeat', id, '--token', '1'], 'ada').code).toBe(0)
    const claimed = tm(['events', '--task', id, '--type', 'claimed']).out.events[0]
    expect(claimed).toMatchObject({ actor: 'ada', details: { assigned_by: 'maint' } })
    const again = tm(['assign', id, 'grace'])
    expect(again.code).toBe(4)
    expect(again.out.error).toMatchObject({ code: 'LeaseHeld', details: { holder: 'ada' } })
    expect(tm(['assign', 'nope1234', 'ada']).code).toBe(3)
  })
})

describe('tm delete', () => {
  it('refuses a task others depend on, naming them; deletes one nobody does and keeps its events', () => {
    const a = add('A')
    const b = add('B', '--depends-on', a)
    const refused = tm(['delete', a])
    expect(refused.code).toBe(4)
    expect(refused.out.error).toMatchObject({
      code: 'HasDependents',
      details: { task: a, dependents: [b] },
    })
    expect(refused.out.error.message).toContain(b)
    const deleted = tm(['delete', b], 'maint')
    expect(deleted.code).toBe(0)
    expect(deleted.out.deleted).toMatchObject({ id: b, title: 'B', status: 'blocked' })
    expect(tm(['show', b]).code).toBe(3)
    const events = tm(['events', '--task', b]).out.events
    expect(events.at(-1)).toMatchObject({
      type: 'deleted',
      actor: 'maint',
      details: { title: 'B', depends_on: [a] },
    })
    expect(events[0].type).toBe('task_created')
    expect(tm(['delete', a]).code).toBe(0)
  })
})
