import { describe, expect, it } from 'vitest'
import {
  criteriaDigest,
  FORM_FIELDS,
  headingKey,
  parseIssueBody,
  setChecked,
} from '../../src/github/issue-body.js'

const ctx = { owner: 'octo-org', repo: 'backlog' }
const ref = (number: number, owner = 'octo-org', repo = 'backlog') => ({ owner, repo, number })

/** Offsets at which `a` and `b` differ (they must have the same length). */
function differingOffsets(a: string, b: string): number[] {
  expect(b.length).toBe(a.length)
  const out: number[] = []
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i)
  return out
}

/** Replace the first occurrence of `from`, failing when it is absent. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from)
  expect(at, from).toBeGreaterThanOrEqual(0)
  return text.slice(0, at) + to + text.slice(at + from.length)
}

describe('parseIssueBody', () => {
  it('reads the three task-list sections and the other sections as fields', () => {
    const body = [
      'Build the login endpoint.',
      '',
      '### Depends on',
      '',
      '- [ ] #12',
      '- [x] octocat/api#7',
      '- [ ] https://github.com/octocat/web/issues/4',
      '',
      '### Success criteria',
      '',
      '- [ ] All tests pass `tests.failed == 0`',
      '- [x] The API docs are updated',
      '',
      '### Subtasks',
      '',
      '- [ ] #21',
      '',
      '### Priority',
      '',
      'high',
    ].join('\n')
    expect(parseIssueBody(body, ctx)).toEqual({
      dependsOn: [
        { ref: ref(12), checked: false, line: 5 },
        { ref: ref(7, 'octocat', 'api'), checked: true, line: 6 },
        { ref: ref(4, 'octocat', 'web'), checked: false, line: 7 },
      ],
      criteria: [
        { criterion: 'All tests pass', measurable: 'tests.failed == 0', checked: false, line: 11 },
        { criterion: 'The API docs are updated', checked: true, line: 12 },
      ],
      subtasks: [{ ref: ref(21), checked: false, line: 16 }],
      fields: { priority: 'high' },
      problems: [],
    })
  })

  it('matches headings of level 2 to 4 case-insensitively, with a trailing colon', () => {
    for (const heading of [
      '## Depends on',
      '### DEPENDS ON:',
      '#### depends  on :',
      'Depends on\n---',
    ]) {
      const body = `${heading}\n\n- [ ] #3\n`
      expect(parseIssueBody(body, ctx).dependsOn, heading).toEqual([
        { ref: ref(3), checked: false, line: heading.includes('\n') ? 4 : 3 },
      ])
    }
  })

  it('ignores level 1, 5 and 6 headings as section starts', () => {
    expect(parseIssueBody('# Depends on\n\n- [ ] #3', ctx).dependsOn).toEqual([])
    expect(parseIssueBody('##### Depends on\n\n- [ ] #3', ctx).dependsOn).toEqual([])
    // A level 1 heading ends a section; a level 5 one does not.
    const body = '### Depends on\n\n- [ ] #1\n\n##### More\n\n- [ ] #2\n\n# Elsewhere\n\n- [ ] #3\n'
    expect(parseIssueBody(body, ctx).dependsOn.map((d) => d.ref.number)).toEqual([1, 2])
  })

  it('reads task lists outside sections, in quotes and in code as nothing', () => {
    const body = [
      '- [ ] #1 before any section',
      '',
      '### Depends on',
      '',
      '> - [ ] #2 quoted',
      '',
      '```',
      '- [ ] #3 in code',
      '```',
      '',
      '- [ ] #4',
    ].join('\n')
    expect(parseIssueBody(body, ctx).dependsOn.map((d) => d.ref.number)).toEqual([4])
  })

  it('reads nested and ordered task lists, any bullet, upper-case X, and text after a reference', () => {
    const body = [
      '### Depends on',
      '* [X] #1 the schema',
      '+ [ ] #2: the API',
      '  - [x] #3',
      '    1. [ ] #4',
      '2) [ ] [the web app](https://github.com/octo-org/web/issues/5)',
    ].join('\n')
    expect(parseIssueBody(body, ctx).dependsOn).toEqual([
      { ref: ref(1), checked: true, line: 2 },
      { ref: ref(2), checked: false, line: 3 },
      { ref: ref(3), checked: true, line: 4 },
      { ref: ref(4), checked: false, line: 5 },
      { ref: ref(5, 'octo-org', 'web'), checked: false, line: 6 },
    ])
  })

  it('resolves enterprise URLs with the context host', () => {
    const body = '### Subtasks\n\n- [ ] https://ghe.corp.example/team/app/issues/8\n'
    expect(parseIssueBody(body, ctx).subtasks).toEqual([])
    expect(parseIssueBody(body, { ...ctx, host: 'ghe.corp.example' }).subtasks).toEqual([
      { ref: ref(8, 'team', 'app'), checked: false, line: 3 },
    ])
  })

  it('reads criteria: a final code span is the CEL expression; separators and blanks are tidied', () => {
    const body = [
      '## Success criteria',
      '',
      '- [ ] All tests pass: `tests.failed == 0 && tests.total > 0`',
      '- [ ] Coverage — `coverage.lines >= 80`',
      '- [ ] `metrics.p99_ms < 25`',
      '- [ ] `npm test` passes on **CI**',
      '- [ ] A long criterion',
      '      over two lines `tests.skipped == 0`  ',
      '- [ ] Reviewed by `@octocat` `  ` ',
    ].join('\n')
    expect(parseIssueBody(body, ctx).criteria).toEqual([
      {
        criterion: 'All tests pass',
        measurable: 'tests.failed == 0 && tests.total > 0',
        checked: false,
        line: 3,
      },
      { criterion: 'Coverage', measurable: 'coverage.lines >= 80', checked: false, line: 4 },
      {
        criterion: 'metrics.p99_ms < 25',
        measurable: 'metrics.p99_ms < 25',
        checked: false,
        line: 5,
      },
      { criterion: '`npm test` passes on **CI**', checked: false, line: 6 },
      {
        criterion: 'A long criterion over two lines',
        measurable: 'tests.skipped == 0',
        checked: false,
        line: 7,
      },
      // A blank final code span is no expression; blanks are collapsed everywhere.
      { criterion: 'Reviewed by `@octocat` ` `', checked: false, line: 9 },
    ])
  })

  it('reads fields as trimmed Markdown, _No response_ as empty, and keys them by heading', () => {
    const body = [
      '### Description',
      '',
      'Add **rate limiting**.',
      '',
      'Second paragraph.',
      '',
      '### Persona',
      '',
      '_No response_',
      '',
      '### Estimate (hours):',
      '',
      '4',
      '',
      '### Depends on',
      '',
      '_No response_',
    ].join('\n')
    const parsed = parseIssueBody(body, ctx)
    expect(parsed.fields).toEqual({
      description: 'Add **rate limiting**.\n\nSecond paragraph.',
      persona: '',
      'estimate (hours)': '4',
    })
    expect(parsed.fields[headingKey(FORM_FIELDS.estimate)]).toBe('4')
    expect(parsed.dependsOn).toEqual([])
    expect(parsed.problems).toEqual([])
  })

  it('reports items that are not references, not task-list items, or empty, and repeated fields', () => {
    const body = [
      '### Depends on',
      '',
      '- [ ] write the tests',
      '- #12',
      '- [ ] https://github.com/octo-org/backlog/pull/3',
      '',
      '#12, #13',
      '',
      '### Success criteria',
      '',
      '- [ ] Fine `tests.failed == 0`',
      '- Tests pass',
      '',
      '### Priority',
      '',
      'high',
      '',
      '### Priority',
      '',
      'low',
    ].join('\n')
    const parsed = parseIssueBody(body, ctx)
    expect(parsed.dependsOn).toEqual([])
    expect(parsed.criteria.map((c) => c.criterion)).toEqual(['Fine'])
    expect(parsed.fields).toEqual({ priority: 'high' })
    expect(parsed.problems).toEqual([
      'Depends on, line 3: "write the tests" is not an issue reference; write #12, owner/repo#7 or an issue URL.',
      'Depends on, line 4: "#12" is not a task-list item; write it as `- [ ] #12`.',
      'Depends on, line 5: "https://github.com/octo-org/backlog/pull/3" is not an issue reference; write #12, owner/repo#7 or an issue URL.',
      'Depends on, line 7: "#12, #13" is not in a task list and is ignored; write each item as `- [ ] …`.',
      'Success criteria, line 12: "Tests pass" is not a task-list item; write it as `- [ ] Tests pass`.',
      'Line 18: a second "Priority" section is ignored.',
    ])
  })

  it('merges a task-list section that appears twice', () => {
    const body = '### Depends on\n- [ ] #1\n### Notes\nx\n### Depends on\n- [ ] #2\n'
    expect(parseIssueBody(body, ctx).dependsOn.map((d) => d.ref.number)).toEqual([1, 2])
  })

  it('gives empty results for a body without sections', () => {
    expect(parseIssueBody('', ctx)).toEqual({
      dependsOn: [],
      criteria: [],
      subtasks: [],
      fields: {},
      problems: [],
    })
    expect(parseIssueBody('Just text\n- [ ] #1', ctx).dependsOn).toEqual([])
  })
})

describe('setChecked', () => {
  // Odd formatting on purpose: CRLF, tabs, trailing blanks, several bullets, nested
  // and ordered lists, lookalike brackets outside task lists, quotes, code, and
  // text outside any section. Only the characters between brackets may change.
  const body = [
    'Intro with a [ ] bracket and - [ ] fake item mid-sentence.  ',
    '- [ ] #1 outside every section',
    '',
    '###   Depends On:   ',
    '',
    '-   [ ] #12   trailing blanks   ',
    '* [X] octo-org/api#7',
    '+\t[ ] https://github.com/a/b/issues/4',
    '  - [ ] #13 nested',
    '    1. [ ] #14 deeper',
    '- [ ] not a reference',
    '> - [ ] #15 quoted',
    '',
    '```',
    '- [ ] #16 in code',
    '```',
    '## Success criteria',
    '1) [ ] Tests pass `tests.failed == 0`',
    '2) [x] Reviewed by a person',
    '#### Notes',
    '- [ ] #17 under a field heading',
    '',
    '<!-- task-orchestrator: keep -->',
    '',
  ].join('\r\n')

  it('ticks matching dependencies and changes nothing else, byte for byte', () => {
    const out = setChecked(body, 'dependsOn', () => true, true, ctx)
    let expected = body
    expected = replaceOnce(expected, '-   [ ] #12', '-   [x] #12')
    expected = replaceOnce(expected, '+\t[ ] https', '+\t[x] https')
    expected = replaceOnce(expected, '- [ ] #13', '- [x] #13')
    expected = replaceOnce(expected, '1. [ ] #14', '1. [x] #14')
    expect(Buffer.from(out, 'utf8').equals(Buffer.from(expected, 'utf8'))).toBe(true)
    expect(differingOffsets(body, out)).toEqual([
      body.indexOf('[ ] #12') + 1,
      body.indexOf('[ ] https') + 1,
      body.indexOf('[ ] #13') + 1,
      body.indexOf('[ ] #14') + 1,
    ])
    expect(parseIssueBody(out, ctx).dependsOn.every((d) => d.checked)).toBe(true)
  })

  it('ticks only the items that match', () => {
    const out = setChecked(body, 'dependsOn', (d) => d.ref.number === 13, true, ctx)
    expect(out).toBe(replaceOnce(body, '- [ ] #13', '- [x] #13'))
    expect(differingOffsets(body, out)).toHaveLength(1)
  })

  it('unticks an upper-case X', () => {
    const out = setChecked(
      body,
      'dependsOn',
      (d) => d.ref.owner === 'octo-org' && d.ref.repo === 'api',
      false,
      ctx,
    )
    expect(out).toBe(replaceOnce(body, '* [X] octo-org/api#7', '* [ ] octo-org/api#7'))
  })

  it('flips criteria the same way', () => {
    const ticked = setChecked(body, 'criteria', (c) => c.measurable === 'tests.failed == 0', true)
    expect(ticked).toBe(replaceOnce(body, '1) [ ] Tests', '1) [x] Tests'))
    const unticked = setChecked(body, 'criteria', () => true, false)
    expect(unticked).toBe(replaceOnce(body, '2) [x] Reviewed', '2) [ ] Reviewed'))
  })

  it('returns the body unchanged when nothing matches or every match is already in state', () => {
    expect(setChecked(body, 'dependsOn', () => false, true, ctx)).toBe(body)
    expect(setChecked(body, 'dependsOn', (d) => d.ref.number === 7, true, ctx)).toBe(body)
    expect(setChecked(body, 'subtasks', () => true, true, ctx)).toBe(body)
    expect(setChecked('', 'criteria', () => true, true)).toBe('')
  })

  it('never touches items outside the section, in quotes, in code, or under other headings', () => {
    const out = setChecked(body, 'dependsOn', () => true, true, ctx)
    for (const untouched of [
      '[ ] bracket',
      '- [ ] fake',
      '- [ ] #1 outside',
      '- [ ] not a',
      '> - [ ] #15',
      '- [ ] #16',
      '- [ ] #17',
    ]) {
      expect(out, untouched).toContain(untouched)
    }
  })

  it('keeps a body with LF endings and unicode intact', () => {
    const text = '### Subtasks\n\n- [ ] #5 — «ünïcödé» 🚀\n- [ ] #6\n'
    const out = setChecked(text, 'subtasks', (s) => s.ref.number === 6, true, ctx)
    expect(out).toBe('### Subtasks\n\n- [ ] #5 — «ünïcödé» 🚀\n- [x] #6\n')
  })
})

describe('criteriaDigest', () => {
  const criteria = [
    { criterion: 'All tests pass', measurable: 'tests.failed == 0' },
    { criterion: 'Docs updated' },
  ]

  it('is a stable SHA-256 hex digest', () => {
    const digest = criteriaDigest(criteria)
    expect(digest).toMatch(/^[0-9a-f]{64}$/)
    expect(digest).toBe('798f9f733f5162da5c1bddcae93097bc19365b627c9e00295a44d5cd6a63a257')
  })

  it('ignores blanks, ticks and lines, and treats an empty expression as none', () => {
    expect(
      criteriaDigest([
        {
          criterion: '  All   tests\npass ',
          measurable: ' tests.failed==0 '.replace('==', ' ==  '),
          checked: true,
          line: 9,
        } as never,
        { criterion: 'Docs updated', measurable: '' },
      ]),
    ).toBe(criteriaDigest(criteria))
  })

  it('changes with the order, the text, or the expression', () => {
    const base = criteriaDigest(criteria)
    expect(criteriaDigest([...criteria].reverse())).not.toBe(base)
    expect(
      criteriaDigest([{ ...criteria[0]!, criterion: 'All tests passed' }, criteria[1]!]),
    ).not.toBe(base)
    expect(
      criteriaDigest([{ ...criteria[0]!, measurable: 'tests.failed <= 0' }, criteria[1]!]),
    ).not.toBe(base)
    expect(
      criteriaDigest([criteria[0]!, { criterion: 'Docs updated', measurable: 'true' }]),
    ).not.toBe(base)
    expect(criteriaDigest([])).not.toBe(base)
  })

  it('keeps blanks inside string literals of the expression', () => {
    const a = criteriaDigest([{ criterion: 'x', measurable: 'metrics.name == "a  b"' }])
    const b = criteriaDigest([{ criterion: 'x', measurable: 'metrics.name == "a b"' }])
    const c = criteriaDigest([{ criterion: 'x', measurable: 'metrics.name  ==  "a  b"' }])
    expect(a).not.toBe(b)
    expect(a).toBe(c)
  })
})
