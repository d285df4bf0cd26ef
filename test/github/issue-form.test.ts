/**
 * The task issue form (.github/ISSUE_TEMPLATE/task.yml) against the rules of
 * GitHub's issue-form syntax that can be checked offline ("Syntax for issue
 * forms", "Syntax for GitHub's form schema", "Common validation errors when
 * creating issue forms" on docs.github.com), and against the body format
 * that parseIssueBody reads.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { checkExpression } from '../../src/core/criteria/cel.js'
import {
  FORM_FIELDS,
  headingKey,
  NO_RESPONSE,
  parseIssueBody,
  SECTION_HEADINGS,
} from '../../src/github/issue-body.js'

interface Element {
  type: string
  id?: string
  attributes: Record<string, unknown>
  validations?: Record<string, unknown>
}

interface Form {
  name: string
  description: string
  title?: string
  labels?: string[] | string
  body: Element[]
}

const source = readFileSync('.github/ISSUE_TEMPLATE/task.yml', 'utf8')
const form = parse(source) as Form
const inputs = form.body.filter((e) => e.type !== 'markdown')
const label = (e: Element): string => e.attributes.label as string
const byLabel = (l: string): Element => {
  const element = inputs.find((e) => label(e) === l)
  expect(element, l).toBeDefined()
  return element!
}

const TOP_LEVEL_KEYS = [
  'name',
  'description',
  'body',
  'assignees',
  'labels',
  'title',
  'projects',
  'type',
]
const ATTRIBUTES: Record<string, { allowed: string[]; required: string[] }> = {
  markdown: { allowed: ['value'], required: ['value'] },
  textarea: {
    allowed: ['label', 'description', 'placeholder', 'value', 'render'],
    required: ['label'],
  },
  input: { allowed: ['label', 'description', 'placeholder', 'value'], required: ['label'] },
  dropdown: {
    allowed: ['label', 'description', 'multiple', 'options', 'default'],
    required: ['label', 'options'],
  },
  checkboxes: { allowed: ['label', 'description', 'options'], required: ['label', 'options'] },
}
const FORBIDDEN_KEYS = ['y', 'yes', 'n', 'no', 'true', 'false', 'on', 'off']
const nonEmptyString = (v: unknown): boolean => typeof v === 'string' && v.trim() !== ''

/** Every key of every mapping in `value`, recursively. */
function allKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allKeys)
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [k, ...allKeys(v)])
  }
  return []
}

/**
 * The issue body GitHub writes when the form is submitted: for each input in
 * order `### <label>`, a blank line, the answer (`_No response_` when empty),
 * a blank line; dropdowns give the chosen options joined by ", ", checkboxes
 * one `- [X] ` / `- [ ] ` line per option, textareas with `render` a fence.
 */
function renderSubmission(answers: Record<string, string | string[] | boolean[]>): string {
  return inputs
    .map((e) => {
      const answer = answers[e.id ?? label(e)]
      let value: string
      if (e.type === 'checkboxes') {
        const options = e.attributes.options as { label: string }[]
        value = options
          .map((o, i) => `- [${(answer as boolean[] | undefined)?.[i] ? 'X' : ' '}] ${o.label}`)
          .join('\n')
      } else if (e.type === 'dropdown') {
        value = ((answer as string[] | undefined) ?? []).join(', ')
      } else {
        value = (answer as string | undefined) ?? ''
        if (value && typeof e.attributes.render === 'string') {
          value = `\`\`\`${e.attributes.render}\n${value}\n\`\`\``
        }
      }
      return `### ${label(e)}\n\n${value.trim() === '' ? NO_RESPONSE : value}\n\n`
    })
    .join('')
}

describe('the task issue form follows GitHub issue-form syntax', () => {
  it('has only permitted top-level keys, a name, a description, the task label and no title prefix', () => {
    for (const key of Object.keys(form)) expect(TOP_LEVEL_KEYS, key).toContain(key)
    expect(nonEmptyString(form.name)).toBe(true)
    expect(nonEmptyString(form.description)).toBe(true)
    expect(form.labels).toEqual(['task'])
    expect(form).not.toHaveProperty('title')
  })

  it('uses no key that YAML reads as a boolean', () => {
    for (const key of allKeys(form)) expect(FORBIDDEN_KEYS, key).not.toContain(key.toLowerCase())
  })

  it('has a body with at least one input, valid types, permitted keys and attributes', () => {
    expect(Array.isArray(form.body)).toBe(true)
    expect(inputs.length).toBeGreaterThan(0)
    form.body.forEach((e, i) => {
      const where = `body[${i}]`
      for (const key of Object.keys(e)) {
        expect(['type', 'id', 'attributes', 'validations'], `${where}.${key}`).toContain(key)
      }
      const rules = ATTRIBUTES[e.type]
      expect(rules, `${where}.type ${e.type}`).toBeDefined()
      for (const key of Object.keys(e.attributes)) {
        expect(rules!.allowed, `${where}.attributes.${key}`).toContain(key)
      }
      for (const key of rules!.required) {
        expect(e.attributes[key], `${where}.attributes.${key}`).toBeDefined()
      }
      for (const key of ['label', 'description', 'placeholder', 'value', 'render']) {
        if (key in e.attributes)
          expect(nonEmptyString(e.attributes[key]), `${where}.${key}`).toBe(true)
      }
      if (e.type === 'markdown') expect(e, where).not.toHaveProperty('id')
      if (e.validations !== undefined) {
        expect(e.type, `${where} validations`).not.toMatch(/^(markdown|checkboxes)$/)
        expect(Object.keys(e.validations)).toEqual(['required'])
        expect(typeof e.validations.required).toBe('boolean')
      }
    })
  })

  it('has unique ids made of letters, digits, - and _', () => {
    const ids = form.body.flatMap((e) => (e.id === undefined ? [] : [e.id]))
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(new Set(ids).size).toBe(ids.length)
    // Every input has an id, so prefill URLs and the render below can name it.
    expect(ids).toHaveLength(inputs.length)
  })

  it('has unique labels (checkbox options included) without forbidden words', () => {
    const labels = [
      ...inputs.map(label),
      ...inputs
        .filter((e) => e.type === 'checkboxes')
        .flatMap((e) => (e.attributes.options as { label: string }[]).map((o) => o.label)),
    ]
    expect(new Set(labels.map((l) => l.toLowerCase())).size).toBe(labels.length)
    for (const l of labels) expect(l.toLowerCase()).not.toMatch(/password|passwd|secret|token/)
  })

  it('has valid dropdown options and defaults, and valid checkbox options', () => {
    for (const e of inputs.filter((x) => x.type === 'dropdown')) {
      const options = e.attributes.options as unknown[]
      expect(options.length).toBeGreaterThan(0)
      for (const o of options) expect(nonEmptyString(o), String(o)).toBe(true)
      expect(new Set(options).size).toBe(options.length)
      expect(options.map((o) => String(o).toLowerCase())).not.toContain('none')
      if ('default' in e.attributes) {
        expect(Number.isInteger(e.attributes.default)).toBe(true)
        expect(e.attributes.default as number).toBeGreaterThanOrEqual(0)
        expect(e.attributes.default as number).toBeLessThan(options.length)
      }
      if ('multiple' in e.attributes) expect(typeof e.attributes.multiple).toBe('boolean')
    }
    for (const e of inputs.filter((x) => x.type === 'checkboxes')) {
      const options = e.attributes.options as Record<string, unknown>[]
      expect(options.length).toBeGreaterThan(0)
      for (const o of options) {
        for (const key of Object.keys(o)) expect(['label', 'required']).toContain(key)
        expect(nonEmptyString(o.label)).toBe(true)
        if ('required' in o) expect(typeof o.required).toBe('boolean')
      }
    }
  })
})

describe('the task issue form matches the issue-body format', () => {
  it('labels its fields with exactly the headings parseIssueBody reads', () => {
    const expected = [...Object.values(SECTION_HEADINGS), ...Object.values(FORM_FIELDS)].sort()
    expect(inputs.map(label).sort()).toEqual(expected)
  })

  it('has the fields the issue asks for, with the right types', () => {
    expect(byLabel(FORM_FIELDS.description)).toMatchObject({
      type: 'textarea',
      validations: { required: true },
    })
    expect(byLabel(FORM_FIELDS.priority)).toMatchObject({
      type: 'dropdown',
      attributes: { options: ['low', 'medium', 'high', 'critical'], default: 1 },
    })
    for (const l of [FORM_FIELDS.persona, FORM_FIELDS.estimate, FORM_FIELDS.deadline]) {
      expect(byLabel(l).type, l).toBe('input')
    }
    for (const l of Object.values(SECTION_HEADINGS)) {
      expect(byLabel(l).type, l).toBe('textarea')
      expect(byLabel(l).attributes.render, l).toBeUndefined() // a fence would hide the task list
    }
    expect(byLabel(FORM_FIELDS.requiresApproval).type).toBe('checkboxes')
  })

  it('shows placeholders that are themselves valid task lists and CEL expressions', () => {
    const dependsOn = byLabel(SECTION_HEADINGS.dependsOn).attributes.placeholder as string
    expect(dependsOn).toContain('- [ ] #12')
    const deps = parseIssueBody(`### Depends on\n\n${dependsOn}`, { owner: 'o', repo: 'r' })
    expect(deps.problems).toEqual([])
    expect(deps.dependsOn.length).toBeGreaterThan(0)

    const criteria = byLabel(SECTION_HEADINGS.criteria).attributes.placeholder as string
    const parsed = parseIssueBody(`### Success criteria\n\n${criteria}`, { owner: 'o', repo: 'r' })
    expect(parsed.problems).toEqual([])
    const measurable = parsed.criteria.flatMap((c) => (c.measurable ? [c.measurable] : []))
    expect(measurable.length).toBeGreaterThan(0)
    for (const expression of measurable) expect(() => checkExpression(expression)).not.toThrow()

    const subtasks = byLabel(SECTION_HEADINGS.subtasks).attributes.placeholder as string
    const subs = parseIssueBody(`### Subtasks\n\n${subtasks}`, { owner: 'o', repo: 'r' })
    expect(subs.problems).toEqual([])
    expect(subs.subtasks.length).toBeGreaterThan(0)
  })

  it('parses a fully filled-in submission into the right fields and lists', () => {
    const body = renderSubmission({
      description: 'Add rate limiting to **POST /login**.\n\nSee the RFC.',
      priority: ['high'],
      persona: 'implementer',
      estimate: '4',
      deadline: '2025-12-31',
      'depends-on': '- [ ] #12\n- [ ] octo-org/api#7',
      'success-criteria':
        '- [ ] All tests pass `tests.failed == 0`\n- [ ] Coverage `coverage.lines >= 80`\n- [ ] Docs reviewed',
      subtasks: '- [ ] #21',
      'requires-approval': [true],
    })
    expect(body).toContain('### Priority\n\nhigh\n\n### Persona\n\nimplementer\n\n')
    const parsed = parseIssueBody(body, { owner: 'octo-org', repo: 'backlog' })
    expect(parsed.problems).toEqual([])
    expect(parsed.fields).toEqual({
      description: 'Add rate limiting to **POST /login**.\n\nSee the RFC.',
      priority: 'high',
      persona: 'implementer',
      'estimate (hours)': '4',
      deadline: '2025-12-31',
      'requires approval': '- [X] A maintainer must approve the result before this task completes.',
    })
    expect(parsed.dependsOn.map((d) => d.ref)).toEqual([
      { owner: 'octo-org', repo: 'backlog', number: 12 },
      { owner: 'octo-org', repo: 'api', number: 7 },
    ])
    expect(parsed.criteria).toEqual([
      expect.objectContaining({ criterion: 'All tests pass', measurable: 'tests.failed == 0' }),
      expect.objectContaining({ criterion: 'Coverage', measurable: 'coverage.lines >= 80' }),
      { criterion: 'Docs reviewed', checked: false, line: expect.any(Number) },
    ])
    expect(parsed.subtasks.map((s) => s.ref.number)).toEqual([21])
  })

  it('parses a minimal submission: empty answers are _No response_ and read as empty', () => {
    const body = renderSubmission({ description: 'Just do it.', priority: ['medium'] })
    expect(body).toContain(`### ${SECTION_HEADINGS.dependsOn}\n\n${NO_RESPONSE}\n\n`)
    const parsed = parseIssueBody(body, { owner: 'o', repo: 'r' })
    expect(parsed).toEqual({
      dependsOn: [],
      criteria: [],
      subtasks: [],
      fields: {
        description: 'Just do it.',
        priority: 'medium',
        persona: '',
        'estimate (hours)': '',
        deadline: '',
        'requires approval':
          '- [ ] A maintainer must approve the result before this task completes.',
      },
      problems: [],
    })
    expect(parsed.fields[headingKey(FORM_FIELDS.persona)]).toBe('')
  })

  it('parses CRLF submissions the same way', () => {
    const body = renderSubmission({
      description: 'Line one\r\nline two',
      priority: ['low'],
      'depends-on': '- [ ] #3\r\n- [x] #4',
    }).replace(/(?<!\r)\n/g, '\r\n')
    const parsed = parseIssueBody(body, { owner: 'o', repo: 'r' })
    expect(parsed.fields.priority).toBe('low')
    expect(parsed.fields.description).toBe('Line one\r\nline two')
    expect(parsed.dependsOn.map((d) => [d.ref.number, d.checked])).toEqual([
      [3, false],
      [4, true],
    ])
  })
})
