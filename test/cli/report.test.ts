/**
 * `tm metrics --json` and `tm report` end to end: the built binary in its own
 * process, on a small history made with `tm` itself.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.js'

const TM = resolve('build/tm.cjs')
let dir: string

function tm(args: string[]) {
  const r = spawnSync(process.execPath, [TM, ...args], {
    cwd: dir,
    env: { ...process.env, TM_DB: join(dir, 'tasks.db'), TM_AGENT: 'ada' },
    encoding: 'utf8',
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const json = (args: string[]) => JSON.parse(tm(['--json', ...args]).stdout)

beforeEach(() => {
  dir = tempDir('tm-report-')
  expect(tm(['init']).code).toBe(0)
  const a = json(['add', 'Design the schema', '--estimate', '2']).task.id as string
  json(['add', 'Build the API', '--depends-on', a])
  json(['claim', a])
  json(['complete', a, '--token', '1', '-m', 'tables'])
  json(['feedback', a, '--quality', '5', '--timeliness', '4'])
})

describe('tm metrics', () => {
  it('--json has the documented shape with the new figures', () => {
    const m = json(['metrics']).metrics
    expect(m).toMatchObject({
      since: null,
      tasks: { completed: 1, pending: 1 },
      claims: 1,
      success_rate: 1,
      wip: 0,
      feedback: { count: 1, quality: 5, timeliness: 4 },
    })
    expect(m.throughput).toHaveLength(1)
    for (const key of ['cycle_time_h', 'lead_time_h', 'blocked_h']) {
      expect(m[key]).toMatchObject({ count: 1 })
    }
    expect(Object.keys(m.per_milestone)).toEqual(['(none)'])
    expect(m.per_agent.ada).toMatchObject({ claims: 1, completed: 1, wip: 0 })
    const text = tm(['metrics']).stdout
    expect(text).toMatch(/Lead time \(created → done\)/)
    expect(text).toMatch(/Per milestone/)
  })

  it('refuses a bad --since with exit 2', () => {
    const r = tm(['--json', 'metrics', '--since', 'yesterday'])
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout).error.code).toBe('InvalidInput')
  })
})

describe('tm report', () => {
  it('prints Markdown with ids, Mermaid diagrams and charts', () => {
    const r = tm(['report'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^# Task board/)
    expect(r.stdout).toContain('### Ready (pending) (1)')
    expect(r.stdout).toMatch(/\| `[a-z0-9]{8}` \| Build the API \|/)
    expect(r.stdout).toContain('xychart-beta')
  })

  it('writes a standalone HTML file with --out', () => {
    const r = json(['report', '--format', 'html', '--out', 'board.html', '--title', 'Ours'])
    expect(r).toMatchObject({ ok: true, format: 'html', file: join(dir, 'board.html') })
    const html = readFileSync(join(dir, 'board.html'), 'utf8')
    expect(html).toContain('<title>Ours</title>')
    expect(html).toContain('<svg')
    expect(r.chars).toBe(html.length)
  })

  it('refuses a bad format or an unwritable file, writing nothing', () => {
    const bad = tm(['--json', 'report', '--format', 'pdf', '--out', 'x.pdf'])
    expect(bad.code).toBe(2)
    expect(JSON.parse(bad.stdout).error.message).toMatch(/use md or html/)
    expect(existsSync(join(dir, 'x.pdf'))).toBe(false)
    const nowhere = tm(['report', '--out', join(dir, 'missing', 'r.md')])
    expect(nowhere.code).toBe(2)
    expect(nowhere.stderr).toMatch(/cannot write/)
  })
})
