import { describe, expect, it } from 'vitest'
import { parseContextValue } from '../../src/core/context.js'
import { renderExport } from '../../src/core/export.js'
import { expectTaskError, MINUTE, makeEngine } from '../helpers.js'

const DAY = 24 * 60 * MINUTE

describe('shared context', () => {
  it('parses values as YAML and refuses bad YAML with the reason', () => {
    expect(parseContextValue('42')).toBe(42)
    expect(parseContextValue('true')).toBe(true)
    expect(parseContextValue('[a, b]')).toEqual(['a', 'b'])
    expect(parseContextValue('{url: "https://x", retries: 3}')).toEqual({
      url: 'https://x',
      retries: 3,
    })
    expect(parseContextValue('https://api.example.com')).toBe('https://api.example.com')
    expect(parseContextValue('')).toBeNull()
    expectTaskError(() => parseContextValue('[unclosed'), 'InvalidInput')
    // The YAML error's first line, without its dangling ":" before the code frame.
    expect(expectTaskError(() => parseContextValue('{a: '), 'InvalidInput').message).toMatch(
      /^The value is not valid YAML: Flow map must end with a \} at line 1, column 5\. Quote it to share it as text\.$/,
    )
  })

  it('is handed to dependents at completion and merged: inherited first, own values win', () => {
    const { engine, clock } = makeEngine()
    const api = engine.add({ title: 'API' })
    const db = engine.add({ title: 'DB' })
    const ui = engine.add({ title: 'UI', depends_on: [api.id, db.id] })
    engine.share(api.id, 'base_url', 'https://v1', 'ada')
    engine.share(api.id, 'base_url', 'https://v2', 'ada') // replaces
    engine.share(api.id, 'timeout', 30, 'ada')
    engine.share(db.id, 'timeout', 60, 'lin')
    engine.share(ui.id, 'theme', 'dark', 'grace')
    engine.claim(api.id, 'ada')
    engine.complete(api.id, 'ada', 1, { summary: 'API on /v2' })
    clock.advance(MINUTE)
    engine.claim(db.id, 'lin')
    engine.complete(db.id, 'lin', 1, { summary: 'schema ready' })
    engine.share(ui.id, 'timeout', 5, 'grace')

    const c = engine.context(ui.id)
    expect(c.own.map((e) => [e.key, e.value])).toEqual([
      ['theme', 'dark'],
      ['timeout', 5],
    ])
    expect(c.inherited.map((i) => [i.from, i.summary, i.context])).toEqual([
      [api.id, 'API on /v2', { base_url: 'https://v2', timeout: 30 }],
      [db.id, 'schema ready', { timeout: 60 }],
    ])
    expect(c.merged).toEqual({ base_url: 'https://v2', timeout: 5, theme: 'dark' })
    expect(engine.events({ task: ui.id, type: 'context_handed_over' })).toHaveLength(2)
  })

  it('refuses bad keys, handed-over keys, finished tasks; nothing changes', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x' })
    expectTaskError(() => engine.share(t.id, 'has space', 1), 'InvalidInput')
    expectTaskError(() => engine.share(t.id, 'dependency.abc', 1), 'InvalidInput')
    expectTaskError(() => engine.share('zzzzzzzz', 'k', 1), 'TaskNotFound')
    engine.cancel(t.id)
    expectTaskError(() => engine.share(t.id, 'k', 1), 'InvalidTransition')
    expect(engine.context(t.id).own).toEqual([])
  })
})

describe('private notes and progress history', () => {
  it('lists an agent only its own notes; the event has no text', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.note(t.id, 'ada', 'try the v2 client')
    engine.note(t.id, 'grace', 'ada looks stuck')
    expect(engine.notes(t.id, 'ada').map((n) => n.text)).toEqual(['try the v2 client'])
    expect(engine.notes(t.id, 'grace').map((n) => n.text)).toEqual(['ada looks stuck'])
    expect(JSON.stringify(engine.events({ type: 'note_added' }))).not.toContain('stuck')
    expectTaskError(() => engine.note(t.id, 'ada', '  '), 'InvalidInput')
  })

  it('keeps progress as a history and refuses 150 %', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x' })
    engine.progress(t.id, 'ada', 20, 'parsing')
    engine.progress(t.id, 'ada', 60, 'tests')
    expectTaskError(() => engine.progress(t.id, 'ada', 150, 'too much'), 'InvalidInput')
    expect(engine.progressHistory(t.id).map((p) => p.percent)).toEqual([20, 60])
  })
})

describe('approval checkpoints', () => {
  it('completes only after an approval; approving twice keeps the first; reopening withdraws it', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'Release', requires_approval: true })
    engine.claim(t.id, 'ada')
    const err = expectTaskError(() => engine.complete(t.id, 'ada', 1), 'InvalidTransition')
    expect(err.details).toMatchObject({ missing: ['approval'] })
    expect(engine.get(t.id).status).toBe('in_progress')
    expect(engine.approve(t.id, 'lin')).toMatchObject({ approved_by: 'lin', changed: true })
    expect(engine.approve(t.id, 'max')).toMatchObject({ approved_by: 'lin', changed: false })
    engine.complete(t.id, 'ada', 1)
    expect(engine.get(t.id)).toMatchObject({ status: 'completed', approved_by: 'lin' })
    engine.reopen(t.id, 'lin')
    expect(engine.get(t.id)).toMatchObject({ approved_by: null, approved_at: null })
  })

  it('refuses to approve a task that does not require it', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'x' })
    expectTaskError(() => engine.approve(t.id, 'lin'), 'InvalidTransition')
    engine.update(t.id, { requires_approval: true, milestone: 'v1.0' })
    expect(engine.get(t.id)).toMatchObject({ requires_approval: true, milestone: 'v1.0' })
    expect(engine.approve(t.id, 'lin').changed).toBe(true)
  })
})

describe('archive and export', () => {
  it('archives finished tasks older than N days, idempotently, out of the working set', () => {
    const { engine, clock } = makeEngine()
    const old = engine.add({ title: 'old' })
    const gone = engine.add({ title: 'gone' })
    const open = engine.add({ title: 'open' })
    engine.closeByPerson(old.id, 'completed', 'lin')
    engine.cancel(gone.id)
    clock.advance(10 * DAY)
    const recent = engine.add({ title: 'recent' })
    engine.closeByPerson(recent.id, 'completed', 'lin')
    clock.advance(DAY)
    expectTaskError(() => engine.archive(-1), 'InvalidInput')
    expectTaskError(() => engine.archive(5, null, ['pending']), 'InvalidInput')
    expect(engine.archive(5, 'lin').archived.sort()).toEqual([old.id, gone.id].sort())
    expect(engine.archive(5, 'lin').archived).toEqual([])
    expect(
      engine
        .list()
        .map((t) => t.id)
        .sort(),
    ).toEqual([open.id, recent.id].sort())
    expect(
      engine
        .list({ archived: true })
        .map((t) => t.id)
        .sort(),
    ).toEqual([old.id, gone.id].sort())
    expect(engine.get(old.id).archived_at).toBe('2026-03-12T09:00:00.000Z')
    expect(engine.exportTasks('exclude').map((t) => t.id)).not.toContain(old.id)
    engine.reopen(old.id, 'lin')
    expect(engine.get(old.id)).toMatchObject({ status: 'pending', archived_at: null })
  })

  it('renders CSV with RFC 4180 quoting and Markdown with escaped cells', () => {
    const { engine, clock } = makeEngine()
    const a = engine.add({ title: 'Parse "quoted", commas', milestone: 'v1' })
    clock.advance(MINUTE)
    const b = engine.add({ title: 'Pipe | here', depends_on: [a.id] })
    engine.join(b.id, 'ada', 'reviewer')
    const tasks = engine.exportTasks()
    const csv = renderExport(tasks, 'csv', '2026-03-01T09:00:00.000Z').split('\r\n')
    expect(csv[0]).toMatch(/^id,title,status,priority,persona,milestone,parent_id,depends_on,/)
    expect(csv[1]).toContain(`${a.id},"Parse ""quoted"", commas",pending,medium,,v1,,`)
    expect(csv[2]).toContain(`,${a.id},,ada:reviewer,`)
    const md = renderExport(tasks, 'md', '2026-03-01T09:00:00.000Z')
    expect(md).toContain('Pipe \\| here')
    expect(md).toContain('2 task(s): 1 pending, 1 blocked')
    const json = JSON.parse(renderExport(tasks, 'json', '2026-03-01T09:00:00.000Z'))
    expect(json).toMatchObject({ format: 'task-orchestrator-export', version: 1 })
    expect(json.tasks[1]).toMatchObject({ depends_on: [a.id], participants: [{ agent: 'ada' }] })
  })
})
