/**
 * The collaboration commands as a user runs them: the built `tm` in a
 * separate process, --json output, documented exit codes, and refusals that
 * change nothing.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { writeSnapshot } from '../../src/action/orchestrator/state-file.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { tempDir } from '../helpers.js'

const TM = resolve('build/tm.cjs')
const V23 = resolve('test/fixtures/task-orchestrator-v2.3')
let dir: string

function tm(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [TM, ...args], {
    cwd: dir,
    env: { ...process.env, TM_DB: '', TM_AGENT: '', ...env },
    encoding: 'utf8',
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function json(args: string[], agent?: string) {
  const r = tm(['--json', ...args], agent ? { TM_AGENT: agent } : {})
  return { code: r.code, out: JSON.parse(r.stdout) }
}

beforeEach(() => {
  dir = tempDir('tm-collab-')
  tm(['init'])
})

describe('tm collaboration commands', () => {
  it('join, share, context (merged, own wins), progress history, private notes', () => {
    const api = json(['add', 'API', '--milestone', 'v1']).out.task
    const ui = json(['add', 'UI', '--depends-on', api.id]).out.task
    expect(api.milestone).toBe('v1')
    expect(json(['join', ui.id, '--role', 'reviewer'], 'grace').out.participants).toEqual([
      expect.objectContaining({ agent: 'grace', role: 'reviewer' }),
    ])
    expect(
      json(['share', api.id, 'base_url', 'https://api.example.com/v2'], 'ada').out.entry,
    ).toMatchObject({ key: 'base_url', value: 'https://api.example.com/v2', author: 'ada' })
    json(['share', api.id, 'limits', '{rps: 5, burst: [1, 2]}'], 'ada')
    json(['share', ui.id, 'limits', 'none'], 'grace')
    expect(json(['claim', api.id], 'ada').code).toBe(0)
    expect(json(['progress', api.id, '40', 'parser', 'done'], 'ada').out.progress).toEqual([
      expect.objectContaining({ percent: 40, message: 'parser done', agent: 'ada' }),
    ])
    json(['progress', api.id, '80%', 'tests'], 'ada')
    expect(
      json(['progress', api.id]).out.progress.map((p: { percent: number }) => p.percent),
    ).toEqual([40, 80])
    json(['complete', api.id, '--token', '1', '--summary', 'v2 live'], 'ada')
    const ctx = json(['context', ui.id]).out.context
    expect(ctx.merged).toEqual({ base_url: 'https://api.example.com/v2', limits: 'none' })
    expect(ctx.inherited).toEqual([
      expect.objectContaining({
        from: api.id,
        summary: 'v2 live',
        context: { base_url: 'https://api.example.com/v2', limits: { rps: 5, burst: [1, 2] } },
      }),
    ])
    expect(tm(['context', ui.id]).stdout).toContain(
      `base_url: https://api.example.com/v2   (${api.id})`,
    )
    json(['note', ui.id, 'remember', 'the', 'cache'], 'grace')
    expect(json(['notes', ui.id], 'grace').out.notes.map((n: { text: string }) => n.text)).toEqual([
      'remember the cache',
    ])
    expect(json(['notes', ui.id], 'ada').out.notes).toEqual([])
    // Who is acting is required for these.
    expect(tm(['note', ui.id, 'x']).code).toBe(2)
  })

  it('refuses progress of 150 %, a rating of 6, bad YAML — exit 2, nothing changed', () => {
    const t = json(['add', 'x']).out.task
    const before = json(['events']).out.events.length
    const p = json(['progress', t.id, '150', 'too', 'much'], 'ada')
    expect(p).toMatchObject({ code: 2, out: { ok: false, error: { code: 'InvalidInput' } } })
    expect(p.out.error.message).toContain('from 0 to 100')
    expect(json(['share', t.id, 'k', '[unclosed'], 'ada').code).toBe(2)
    tm(['cancel', t.id])
    const done = json(['add', 'done']).out.task
    json(['claim', done.id], 'ada')
    json(['complete', done.id, '--token', '1'], 'ada')
    const six = json(['feedback', done.id, '--quality', '6', '--timeliness', '3'], 'lin')
    expect(six.code).toBe(2)
    expect(six.out.error.message).toContain('quality: must be from 1 to 5')
    expect(json(['show', done.id]).out.task.feedback_quality).toBeNull()
    // Feedback on a task that is not completed: a conflict.
    expect(json(['feedback', t.id, '--quality', '4', '--timeliness', '4'], 'lin').code).toBe(4)
    expect(json(['progress', t.id]).out.progress).toEqual([])
    const types = json(['events'])
      .out.events.slice(before)
      .map((e: { type: string }) => e.type)
    expect(types).not.toContain('progress')
    expect(types).not.toContain('context_shared')
    expect(types).not.toContain('feedback')
  })

  it('ask pauses the lease, questions lists it, answer resumes; answer with no question is refused', () => {
    const t = json(['add', 'Call the API']).out.task
    json(['claim', t.id], 'ada')
    const none = json(['answer', t.id, 'nothing', 'asked'], 'lin')
    expect(none).toMatchObject({ code: 4, out: { error: { code: 'InvalidTransition' } } })
    const asked = json(['ask', t.id, '--to', '@lin', 'Which', 'endpoint?'], 'ada').out
    expect(asked).toMatchObject({
      paused: true,
      question: { asked_of: 'lin', question: 'Which endpoint?' },
    })
    expect(json(['show', t.id]).out.task).toMatchObject({
      status: 'waiting',
      lease: { holder: 'ada', paused: expect.any(Object) },
      open_questions: [expect.objectContaining({ question: 'Which endpoint?' })],
    })
    expect(json(['list', '--status', 'waiting']).out.tasks).toHaveLength(1)
    expect(json(['questions']).out.questions).toEqual([
      expect.objectContaining({ task_id: t.id, asked_by: 'ada', answered_at: null }),
    ])
    expect(tm(['heartbeat', t.id, '--token', '1'], { TM_AGENT: 'ada' }).stdout).toContain('paused')
    expect(json(['complete', t.id, '--token', '1'], 'ada').code).toBe(4)
    expect(json(['answer', t.id, 'Use', 'v2'], 'lin').out).toMatchObject({
      resumed: true,
      question: { answer: 'Use v2', answered_by: 'lin' },
    })
    expect(json(['questions']).out.questions).toEqual([])
    expect(json(['questions', '--task', t.id]).out.questions).toHaveLength(1)
    expect(json(['complete', t.id, '--token', '1'], 'ada').code).toBe(0)
  })

  it('approval: add --requires-approval, complete refused until tm approve', () => {
    const t = json(['add', 'Release', '--requires-approval']).out.task
    expect(t.requires_approval).toBe(true)
    json(['claim', t.id], 'ada')
    const refused = json(['complete', t.id, '--token', '1'], 'ada')
    expect(refused).toMatchObject({
      code: 4,
      out: { error: { details: { missing: ['approval'] } } },
    })
    expect(json(['approve', t.id], 'lin').out.approval).toMatchObject({
      approved_by: 'lin',
      changed: true,
    })
    expect(json(['complete', t.id, '--token', '1'], 'ada').code).toBe(0)
    const other = json(['add', 'plain']).out.task
    expect(json(['approve', other.id], 'lin').code).toBe(4)
    expect(
      json(['update', other.id, '--requires-approval', '--milestone', 'v2']).out.task,
    ).toMatchObject({
      requires_approval: true,
      milestone: 'v2',
    })
    expect(
      json(['update', other.id, '--no-requires-approval', '--milestone', 'none']).out.task,
    ).toMatchObject({ requires_approval: false, milestone: null })
  })

  it('export json|csv|md to stdout or --out, archive --older-than, list --archived', () => {
    const a = json(['add', 'Ship, "now"', '--milestone', 'v1']).out.task
    const b = json(['add', 'Later']).out.task
    tm(['cancel', a.id])
    const out = join(dir, 'tasks.csv')
    expect(json(['export', '--format', 'csv', '--out', out]).out).toMatchObject({
      tasks: 2,
      format: 'csv',
    })
    const csv = readFileSync(out, 'utf8').split('\r\n')
    expect(csv[0]!.split(',').slice(0, 3)).toEqual(['id', 'title', 'status'])
    expect(csv).toContain(
      `${a.id},"Ship, ""now""",cancelled,medium,,v1,,,,,,,,0,false,,,,,${csv[1]!.split(',').slice(-4).join(',')}`,
    )
    const exported = JSON.parse(tm(['export']).stdout)
    expect(exported).toMatchObject({ format: 'task-orchestrator-export', version: 1 })
    expect(exported.tasks.map((t: { id: string }) => t.id).sort()).toEqual([a.id, b.id].sort())
    expect(tm(['export', '--format', 'md']).stdout).toContain(
      `| ${a.id} | cancelled | medium | v1 |`,
    )
    expect(tm(['export', '--format', 'xml']).code).toBe(2)

    expect(json(['archive', '--older-than', '-3']).code).toBe(2)
    expect(json(['archive', '--older-than', '0']).out.archived).toEqual([a.id])
    expect(json(['archive', '--older-than', '0']).out.archived).toEqual([])
    expect(json(['list']).out.tasks.map((t: { id: string }) => t.id)).toEqual([b.id])
    expect(json(['list', '--archived']).out.tasks.map((t: { id: string }) => t.id)).toEqual([a.id])
    expect(JSON.parse(tm(['export', '--archived', 'exclude']).stdout).tasks).toHaveLength(1)
    // Metrics still count it.
    expect(json(['metrics']).out.metrics.tasks.cancelled).toBe(1)
  })

  it('import of the v2.3 fixture: participants, context, notes, progress and feedback through these commands', () => {
    expect(tm(['import', V23]).code).toBe(0)
    expect(json(['show', '82b8775a']).out.task.participants).toEqual([
      expect.objectContaining({ agent: 'planner' }),
    ])
    expect(json(['context', '82b8775a']).out.context.merged).toMatchObject({
      'update.1': 'API base is /api/v1',
    })
    expect(json(['notes', '82b8775a'], 'planner').out.notes).toEqual([
      expect.objectContaining({ text: 'consider rate limits' }),
    ])
    expect(json(['progress', 'c34304ed']).out.progress).toEqual([
      expect.objectContaining({ agent: 'planner', message: 'schema drafted' }),
    ])
    expect(json(['show', 'c34304ed']).out.task).toMatchObject({
      feedback_quality: 5,
      feedback_timeliness: 4,
    })
    expect(tm(['show', 'c34304ed']).stdout).toMatch(
      /\n {2}feedback {3}quality 5, timeliness 4 \(1–5\)/,
    )
  })
})

describe('tm watch', () => {
  it('follows events live with filters while another process writes, and stops cleanly on SIGTERM', async () => {
    const t = json(['add', 'watched']).out.task
    const other = json(['add', 'other']).out.task
    const child = spawn(
      process.execPath,
      [TM, '--json', 'watch', '--task', t.id, '--type', 'claimed,progress', '--interval', '50ms'],
      { cwd: dir, env: { ...process.env, TM_DB: '', TM_AGENT: '' } },
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    await new Promise((r) => setTimeout(r, 700))
    json(['claim', t.id], 'ada')
    json(['claim', other.id], 'grace') // another task: filtered out
    json(['progress', t.id, '30', 'first'], 'ada')
    json(['note', t.id, 'not', 'a', 'watched', 'type'], 'ada')
    await new Promise((r) => setTimeout(r, 700))
    child.kill('SIGTERM')
    const code = await new Promise((r) => child.on('exit', (c) => r(c)))
    expect(err).toBe('')
    expect(code).toBe(0)
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(events.map((e) => [e.type, e.task_id, e.actor])).toEqual([
      ['claimed', t.id, 'ada'],
      ['progress', t.id, 'ada'],
    ])
  })

  it('starts after --since-id, filters by agent, prints text lines; refuses unknown types', () => {
    const t = json(['add', 'x']).out.task
    json(['join', t.id], 'ada')
    json(['join', t.id], 'grace')
    const child = spawnSync(
      process.execPath,
      [TM, 'watch', '--since-id', '0', '--agent', 'grace', '--interval', '50ms'],
      {
        cwd: dir,
        env: { ...process.env, TM_DB: '', TM_AGENT: '' },
        encoding: 'utf8',
        timeout: 800,
        killSignal: 'SIGINT',
      },
    )
    expect(child.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/#\d+\s+joined\s+\S+\s+grace/),
    ])
    expect(tm(['watch', '--type', 'nonsense']).code).toBe(2)
    // An unknown task is refused at once rather than watched in silence forever.
    const unknown = tm(['watch', '--task', 'nosuchid'])
    expect(unknown.code).toBe(3)
    expect(unknown.stderr).toContain('No task with id "nosuchid"')
  })
})

describe('tm watch on a state file downloaded from the Actions-hosted orchestrator', () => {
  it('prints its event log (the snapshot the workflow uploads, as written by writeSnapshot)', () => {
    const live = openStore(join(dir, 'live.db'))
    const engine = new Engine(live, { clock: new FakeClock('2026-03-01T09:00:00.000Z') })
    const t = engine.add({ id: 'octo/api#12', title: 'Ship' }, 'seed')
    engine.claim(t.id, 'ada')
    engine.progress(t.id, 'ada', 40, 'half')
    const state = join(dir, 'task-orchestrator.db')
    writeSnapshot(live, state, 7)
    live.close()
    const child = spawnSync(
      process.execPath,
      [TM, '--db', state, '--json', 'watch', '--since-id', '0', '--task', t.id],
      {
        cwd: dir,
        env: { ...process.env, TM_DB: '', TM_AGENT: '' },
        encoding: 'utf8',
        timeout: 1_500,
        killSignal: 'SIGINT',
      },
    )
    expect(child.stderr).toBe('')
    const types = child.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).type)
    expect(types).toEqual(['task_created', 'claimed', 'progress'])
  })
})
