import { describe, expect, it } from 'vitest'
import { PRIORITIES, STATUSES } from '../../src/core/model.js'
import { DEFAULT_CONFIG, parseConfig } from '../../src/github/config.js'
import {
  LABEL_SPECS,
  labelSpec,
  parseLabels,
  personaLabel,
  priorityLabel,
  specialLabels,
  statusLabel,
} from '../../src/github/labels.js'
import { expectTaskError } from '../helpers.js'

const config = parseConfig(
  'agents:\n  - login: a\n    personas: [reviewer, backend]\n  - login: b\n    personas: [reviewer]\n',
)
const custom = parseConfig(
  "task_label: work\nlabels:\n  status_prefix: 'state/'\n  priority_prefix: 'prio/'\n  persona_prefix: 'who/'\n  needs_person: help wanted\n",
)

describe('label names', () => {
  it('follow the configured prefixes and the engine vocabulary', () => {
    expect(statusLabel('in_progress', DEFAULT_CONFIG)).toBe('status: in_progress')
    expect(priorityLabel('high', DEFAULT_CONFIG)).toBe('priority: high')
    expect(personaLabel('reviewer', DEFAULT_CONFIG)).toBe('persona: reviewer')
    expect(statusLabel('pending', custom)).toBe('state/pending')
    expect(priorityLabel('low', custom)).toBe('prio/low')
    expect(personaLabel('qa', custom)).toBe('who/qa')
    expect(specialLabels(DEFAULT_CONFIG)).toEqual({
      task: 'task',
      needsPerson: 'needs: person',
      needsAnswer: 'needs: answer',
      requiresApproval: 'requires approval',
    })
    expect(specialLabels(custom)).toMatchObject({ task: 'work', needsPerson: 'help wanted' })
  })

  it('refuse a bad persona and a label over 50 characters', () => {
    expect(
      expectTaskError(() => personaLabel('Reviewer', DEFAULT_CONFIG), 'InvalidInput').message,
    ).toBe('"Reviewer" is not a persona: use lowercase letters, digits, "-" or "_" (max 40).')
    const long = parseConfig("labels:\n  persona_prefix: 'assigned persona: '\n")
    expect(
      expectTaskError(() => personaLabel('a'.repeat(40), long), 'InvalidInput').message,
    ).toMatch(/^Label "assigned persona: a+" is longer than GitHub's 50 characters/)
  })
})

describe('LABEL_SPECS', () => {
  const specs = LABEL_SPECS(config, ['docs', 'reviewer'])

  it('covers the task label, every status, every priority, the flags and the personas', () => {
    expect(specs.map((s) => s.name)).toEqual([
      'task',
      ...STATUSES.map((s) => `status: ${s}`),
      ...PRIORITIES.map((p) => `priority: ${p}`),
      'needs: person',
      'needs: answer',
      'requires approval',
      'persona: backend',
      'persona: docs',
      'persona: reviewer',
    ])
    expect(LABEL_SPECS(custom).map((s) => s.name)).toContain('state/in_progress')
  })

  it('has valid colours and descriptions GitHub accepts', () => {
    for (const s of specs) {
      expect(s.color, s.name).toMatch(/^[0-9a-f]{6}$/)
      expect(s.description.length, s.name).toBeGreaterThan(0)
      expect(s.description.length, s.name).toBeLessThanOrEqual(100)
      expect(s.name.length, s.name).toBeLessThanOrEqual(50)
    }
  })

  it('gives each status and each priority its own colour, and all personas one', () => {
    const colors = (prefix: string) =>
      specs.filter((s) => s.name.startsWith(prefix)).map((s) => s.color)
    expect(new Set(colors('status: ')).size).toBe(STATUSES.length)
    expect(new Set(colors('priority: ')).size).toBe(PRIORITIES.length)
    expect(new Set(colors('persona: ')).size).toBe(1)
    const nonPersona = specs.filter((s) => !s.name.startsWith('persona: ')).map((s) => s.color)
    expect(new Set(nonPersona).size).toBe(nonPersona.length)
  })

  it('labelSpec finds any managed label, personas included, case-insensitively', () => {
    expect(labelSpec('Status: Blocked', DEFAULT_CONFIG)).toMatchObject({
      name: 'status: blocked',
      color: specs.find((s) => s.name === 'status: blocked')?.color,
    })
    expect(labelSpec('persona: security', DEFAULT_CONFIG)).toMatchObject({
      name: 'persona: security',
      description: 'Task for the security persona',
    })
    expect(labelSpec('bug', DEFAULT_CONFIG)).toBeUndefined()
    expect(labelSpec('persona: Not A Persona!', DEFAULT_CONFIG)).toBeUndefined()
  })
})

describe('parseLabels', () => {
  it('reads status, priority, persona and flags; keeps other labels aside', () => {
    expect(
      parseLabels(
        [
          'task',
          'bug',
          'status: in_progress',
          'priority: critical',
          'persona: reviewer',
          'needs: person',
          'requires approval',
        ],
        DEFAULT_CONFIG,
      ),
    ).toEqual({
      isTask: true,
      status: 'in_progress',
      priority: 'critical',
      persona: 'reviewer',
      needsPerson: true,
      needsAnswer: false,
      requiresApproval: true,
      conflicts: [],
      unknown: [],
      others: ['bug'],
    })
  })

  it('is lenient about what people type', () => {
    for (const [label, status] of [
      ['Status: In Progress', 'in_progress'],
      ['status:in-progress', 'in_progress'],
      ['STATUS: COMPLETED', 'completed'],
      ['status: canceled', 'cancelled'],
    ] as const) {
      expect(parseLabels([label], DEFAULT_CONFIG).status, label).toBe(status)
    }
    expect(
      parseLabels(['Priority: HIGH', 'Persona: QA', 'Needs: Answer'], DEFAULT_CONFIG),
    ).toMatchObject({ priority: 'high', persona: 'qa', needsAnswer: true, isTask: false })
  })

  it('reports two statuses (or priorities, personas) as a conflict and sets none', () => {
    const parsed = parseLabels(
      ['status: pending', 'status: blocked', 'priority: low', 'persona: a', 'persona: b'],
      DEFAULT_CONFIG,
    )
    expect(parsed.status).toBeNull()
    expect(parsed.priority).toBe('low')
    expect(parsed.persona).toBeNull()
    expect(parsed.conflicts).toEqual([
      { kind: 'status', labels: ['status: pending', 'status: blocked'] },
      { kind: 'persona', labels: ['persona: a', 'persona: b'] },
    ])
  })

  it('two spellings of one value are not a conflict', () => {
    const parsed = parseLabels(['status: in_progress', 'status: in progress'], DEFAULT_CONFIG)
    expect(parsed).toMatchObject({ status: 'in_progress', conflicts: [] })
  })

  it('lists managed-prefix labels with unknown values', () => {
    const parsed = parseLabels(['status: wip', 'priority: urgent', 'persona: '], DEFAULT_CONFIG)
    expect(parsed).toMatchObject({ status: null, priority: null, persona: null })
    expect(parsed.unknown).toEqual(['status: wip', 'priority: urgent', 'persona: '])
    expect(parsed.others).toEqual([])
  })

  it('uses the configured names', () => {
    expect(
      parseLabels(
        ['work', 'state/failed', 'prio/high', 'who/qa', 'help wanted', 'status: pending'],
        custom,
      ),
    ).toMatchObject({
      isTask: true,
      status: 'failed',
      priority: 'high',
      persona: 'qa',
      needsPerson: true,
      others: ['status: pending'],
    })
  })
})
