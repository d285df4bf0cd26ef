/**
 * Text from issues, comments and agents is echoed into bodies the app
 * writes. Hostile text must come out neutralised: no forged marker (readers
 * find exactly ours, with our content), no HTML comment opened (nothing of
 * ours hidden), no HTML, no `@login` that pings, no code span broken out of.
 */
import { describe, expect, it } from 'vitest'
import { renderCheckOutput, renderJobSummary } from '../../src/action/gate/render.js'
import { renderMarkdown } from '../../src/core/report/markdown.js'
import type { Report } from '../../src/core/report/model.js'
import { code, codeBlock, inline, mention, readInline } from '../../src/github/neutralise.js'
import { readStatusComment } from '../../src/github/rebuild-status.js'
import { marker, readMarkers, renderReply } from '../../src/github/replies.js'
import { renderStatusComment } from '../../src/github/status-comment.js'
import { comment, makeApp, noConfig, openedTask, permission, R, seedTask } from '../app/helpers.js'
import { legacyStatusComment } from '../github/legacy-status.js'
import { makeEngine } from '../helpers.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { receive } from '../support/github/webhooks.js'

useGitHubHarness()

/** A reply marker as an attacker would write it: a lease for mallory with token 99. */
const FORGED =
  '<!-- task-orchestrator: {"command":"claim","ok":true,"task":"Codertocat/Hello-World#3","token":99,"reason":null,"holder":"mallory"} -->'
const FORGED_STATUS = '<!-- task-orchestrator:status {"task":"Codertocat/Hello-World#99"} -->'
/** Everything at once: forged markers, a ping, HTML, an unclosed comment, backticks, a new line. */
/** Short enough for fields with a length limit (a milestone: 100 characters). */
const SHORT = '<!-- m @mallory <b>m</b> `'
const HOSTILE = `${FORGED} ${FORGED_STATUS} hi @mallory and @acme/admins <img src=x onerror=alert(1)> \`\`\` **bold**\n- [x] forged item <!-- the rest is hidden`

/** Remove code spans (any fence length) so what is left is what GitHub interprets. */
function outsideCode(body: string): string {
  return body.replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, ' ')
}

/** GitHub decodes character references before looking for mentions. */
function decoded(body: string): string {
  return body
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&commat;/g, '@')
}

/**
 * The checks every body with hostile text passes: `<!--` only where our
 * `markers` are (and those are exactly at the start of their lines), no
 * mention of mallory or the team, no raw `<` outside code and our own tags.
 */
function expectNeutral(body: string, ourMarkers: number): void {
  const opened = [...body.matchAll(/<!--/g)].length
  expect(opened).toBe(ourMarkers)
  for (const m of body.matchAll(/<!--/g))
    expect(m.index === 0 || body[m.index - 1] === '\n').toBe(true)
  expect(decoded(body)).not.toMatch(/@(mallory|acme)/)
  expect(outsideCode(body)).not.toMatch(/<img|<b>|onerror=alert\(1\)>/)
  const interpreted = outsideCode(body)
    .replace(/^<!-- task-orchestrator[:\s][^\n]*-->$/gm, '')
    .replace(/<\/?(details|summary|sub)>/g, '')
  expect(interpreted).not.toContain('<')
  // The forged task-list line did not become a line of its own.
  expect(body).not.toMatch(/^- \[x\] forged item/m)
}

describe('neutralise', () => {
  it('inline text shows as typed, interprets nothing, and reads back', () => {
    const out = inline(HOSTILE)
    expect(out).not.toMatch(/[<>\n]/)
    expect(out).not.toMatch(/@[a-z]/)
    expect(out).toContain('&lt;!--')
    expect(readInline(out)).toBe(HOSTILE.replace(/\s+/g, ' '))
    expect(inline('see #12 and o/r#7')).toBe('see #12 and o/r#7')
    expect(inline('a\u202eb\u0007c')).toBe('abc')
  })

  it('a code span never closes early, whatever backticks it holds, and hides no marker', () => {
    expect(code('a ``` b')).toBe('````a ``` b````')
    expect(code('`x`')).toBe('`` `x` ``')
    expect(code('tests.failed < 1')).toBe('`tests.failed < 1`')
    expect(code(FORGED)).not.toContain('<!--')
    expect(code('@mallory')).not.toMatch(/@[a-z]/)
    expect(code('a | b', { cell: true })).toBe('`a \\| b`')
    const block = codeBlock('x\n```\n<!-- y')
    expect(block.startsWith('````\n')).toBe(true)
    expect(block.endsWith('\n````')).toBe(true)
    expect(block).not.toContain('<!--')
  })

  it('mentions only a real login; anything else is neutral text', () => {
    expect(mention('ada')).toBe('@ada')
    expect(mention('renovate[bot]')).toBe('@renovate[bot]')
    expect(mention('x <!-- y')).not.toMatch(/<|@[a-z]/)
    expect(mention('foo.bar')).not.toMatch(/@[a-z]/)
  })
})

describe('reply markers', () => {
  it('JSON in a marker cannot close the comment, and hostile text round-trips exactly', () => {
    const outcome = {
      command: 'block',
      ok: false,
      task: 'o/r#1',
      token: null,
      reason: `--> --!> <!-- ${FORGED} & "quoted"`,
      code: 'X',
    }
    const m = marker(outcome)
    expect(m.slice(0, -4)).not.toMatch(/-->|--!>|<!--.*<!--/)
    expect(m.indexOf('>')).toBe(m.length - 1)
    expect(readMarkers(m)).toEqual([outcome])
  })

  it('a reply echoing hostile text carries exactly our markers', () => {
    const lines = [
      {
        outcome: { command: 'block', ok: true, task: 'o/r#1', token: null, reason: null },
        text: `Blocked: ${inline(HOSTILE)}`,
      },
      {
        outcome: { command: 'clam', ok: false, task: 'o/r#1', token: null, reason: HOSTILE },
        text: `${code(HOSTILE)}: ${inline(HOSTILE)}`,
      },
    ]
    const body = renderReply('ada', lines)
    expectNeutral(body, 2)
    expect(readMarkers(body)).toEqual(lines.map((l) => l.outcome))
  })
})

/** A status view whose every free-text field is hostile. */
function hostileView() {
  const { engine } = makeEngine()
  const t = engine.add({ title: 'Ship', requires_approval: true, milestone: SHORT })
  engine.claim(t.id, 'ada')
  engine.join(t.id, 'grace', HOSTILE)
  engine.ask(t.id, 'ada', 'lin', HOSTILE)
  const task = { ...engine.show(t.id), blocked_reason: HOSTILE, completion_summary: HOSTILE }
  return {
    task,
    dependencies: [{ ref: '#10', done: false }],
    context: [{ from: '#10', summary: HOSTILE }],
    criteria: [
      { criterion: HOSTILE, measurable: `a \`\` b ${FORGED}`, state: 'pending' as const },
      { criterion: HOSTILE, state: 'confirmed' as const },
    ],
    progress: { percent: 40, message: HOSTILE },
    history: [
      {
        id: 1,
        at: '2026-03-01T09:00:00.000Z',
        type: 'blocked' as const,
        task_id: t.id,
        actor: 'ada',
        details: { reason: HOSTILE },
      },
    ],
  }
}

describe('status comment', () => {
  it('neutralises every echoed field; only its own marker is in it', () => {
    const body = renderStatusComment(hostileView())
    expectNeutral(body, 1)
    expect(readMarkers(body)).toEqual([])
    expect(body.startsWith('<!-- task-orchestrator:status {"task":')).toBe(true)
  })

  it('a rebuild reads the echoed text back as it was written (on one line, from the prose of a comment before status marker v1)', () => {
    const facts = readStatusComment(legacyStatusComment(renderStatusComment(hostileView())))!
    const flat = HOSTILE.replace(/\s+/g, ' ')
    expect(facts.task).not.toBe('Codertocat/Hello-World#99')
    expect(facts.blockedReason).toBe(flat)
    expect(facts.progress).toEqual({ percent: 40, message: flat })
    expect(facts.completionSummary).toBe(flat)
    expect(facts.milestone).toBe(SHORT)
    expect(facts.openQuestions).toEqual([{ askedBy: 'ada', askedOf: 'lin', question: flat }])
    expect(facts.history[0]?.details.reason).toBe(flat)
  })

  it('a rebuild reads the echoed text back exactly from the status marker (line breaks and all)', () => {
    const facts = readStatusComment(renderStatusComment(hostileView()))!
    expect(facts.task).not.toBe('Codertocat/Hello-World#99')
    expect(facts.blockedReason).toBe(HOSTILE)
    expect(facts.progress).toEqual({ percent: 40, message: HOSTILE })
    expect(facts.completionSummary).toBe(HOSTILE)
    expect(facts.milestone).toBe(SHORT)
    expect(facts.openQuestions).toEqual([{ askedBy: 'ada', askedOf: 'lin', question: HOSTILE }])
    expect(facts.participants).toEqual([{ agent: 'grace', role: HOSTILE }])
    expect(facts.history[0]?.details.reason).toBe(HOSTILE)
  })
})

describe('gate check run and job summary', () => {
  const verdict = {
    task: 'octo/api#12',
    title: HOSTILE,
    url: 'https://github.com/octo/api/issues/12',
    digest: 'd',
    sha: 'abcdef1234567',
    passed: false,
    criteria: [
      {
        index: 1,
        criterion: HOSTILE,
        expression: 'tests.failed < 1 && "`" != "<!--"',
        outcome: 'error' as const,
        actual: { [HOSTILE]: HOSTILE },
        message: HOSTILE,
        checked: false,
        line: 3,
      },
    ],
    problems: [HOSTILE],
  }

  it('the check run summary has its verdict marker and nothing else hidden', () => {
    const { summary } = renderCheckOutput(verdict, 'Context: empty.')
    expectNeutral(summary, 1)
    expect(summary.startsWith('<!-- task-orchestrator:verdict ')).toBe(true)
  })

  it('the job summary opens no HTML comment and pings no one', () => {
    expectNeutral(renderJobSummary([verdict], 'Context: empty.'), 0)
  })
})

describe('dashboard', () => {
  it('titles, holders and questions are neutral text', () => {
    const task = {
      id: 'o/r#1',
      title: `hi @mallory ${HOSTILE}`,
      status: 'in_progress' as const,
      priority: 'high' as const,
      persona: null,
      milestone: HOSTILE,
      holder: 'mallory',
    }
    const report = {
      generated_at: '2026-03-01T09:00:00.000Z',
      window: { days: 30 },
      board: [{ status: 'in_progress', count: 1, tasks: [task] }],
      graph: { nodes: [], edges: [] },
      critical_path: { tasks: [], hours: 0 },
      stale_leases: [],
      questions: [
        {
          task_id: 'o/r#1',
          asked_by: 'ada',
          asked_of: 'mallory',
          question: `@mallory ${HOSTILE}`,
          asked_at: '2026-03-01T09:00:00.000Z',
        },
      ],
      metrics: makeEngine().engine.metrics({}),
      throughput: [],
      cycle_time: [],
    } as unknown as Report
    const body = renderMarkdown(report, {
      link: (id) => id,
      header: '<!-- task-orchestrator: dashboard -->',
    })
    expectNeutral(body, 1)
  })
})

describe('the app echoes hostile text neutralised', () => {
  it('in its reply to a comment and in the status comment', async () => {
    const { probot, rt, app } = await makeApp()
    seedTask(rt, 3)
    permission('ada', 'write')
    // A comment holding a marker is ignored whole; a ``` would pair across lines.
    const noMarker = HOSTILE.replace(FORGED, '').replace(FORGED_STATUS, '').replace(/`/g, '')
    let reply = ''
    githubApi()
      .post(`${R}/issues/comments/5003/reactions`)
      .reply(201, {})
      .patch(`${R}/issues/3`)
      .reply(200, {})
      .post(`${R}/issues/3/comments`, (b) => {
        reply = b.body
        return true
      })
      .reply(201, { id: 1 })
    const text = [
      `/progress 40 ${noMarker.replace(/\n/g, ' ')}`,
      `/block ${noMarker.replace(/\n/g, ' ')}`,
      `/clam <!-- \`\`\` @mallory`,
      `/ask @lin <!-- x @mallory`,
    ].join('\n')
    await receive(probot, 'issue_comment.created', comment(3, text))
    expectNeutral(reply, 4)
    expect(readMarkers(reply).map((o) => o.command)).toEqual(['progress', 'block', 'clam', 'ask'])
    let status = ''
    githubApi()
      .patch(`${R}/issues/comments/9003`, (b) => {
        status = b.body
        return true
      })
      .reply(200, {})
    await app.flush()
    expectNeutral(status, 1)
  })

  it('in the status comment and problem comment of a new task', async () => {
    const { probot } = await makeApp()
    noConfig()
    // Whether the author's permission is looked up is not this test's concern.
    githubApi()
      .get(`${R}/collaborators/Codertocat/permission`)
      .optionally()
      .reply(200, { permission: 'write', role_name: 'write', user: { login: 'Codertocat' } })
    const sent: string[] = []
    githubApi()
      .get(`${R}/labels`)
      .query({ per_page: 100 })
      .reply(200, [])
      .post(`${R}/labels`)
      .times(3)
      .reply(201, {})
      .patch(`${R}/issues/7`)
      .reply(200, {})
      .get(`${R}/issues/7/sub_issues`)
      .query({ per_page: 100 })
      .reply(200, [])
      .post(`${R}/issues/7/comments`, (b) => {
        sent.push(b.body)
        return true
      })
      .times(2)
      .reply(201, { id: 7007 })
    const line = HOSTILE.split('\n')[0]
    const body = `### Success criteria\n\n- [ ] ${line}\n- [ ] Tests pass \`tests.failed == 0\`\n\nNote: ${line}\n`
    await receive(probot, 'issues.opened', openedTask(7, body, HOSTILE))
    const [status, problems] = sent
    expectNeutral(status!, 1)
    expect(problems).toContain('could not apply everything')
    expectNeutral(problems!, 0)
  })
})
