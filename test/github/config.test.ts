import { readFileSync, writeFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import type * as z from 'zod'
import type { TaskError } from '../../src/core/errors.js'
import {
  type AgentConfig,
  COMMANDS,
  type CommandPermission,
  type Config,
  type ConfigProblem,
  configJsonSchema,
  configSchema,
  DEFAULT_CONFIG,
  durationMs,
  engineSettings,
  findAgent,
  PERMISSION_RULES,
  type PermissionRule,
  parseConfig,
  type RepoPermission,
} from '../../src/github/config.js'
import { expectTaskError } from '../helpers.js'

const SCHEMA_FILE = 'schema/task-orchestrator.schema.json'
const EXAMPLE_FILE = 'docs/examples/task-orchestrator.yml'

/** The TaskError parseConfig throws for `text`, with its message lines. */
function refused(text: string, source?: string): TaskError & { lines: string[] } {
  const err = expectTaskError(() => parseConfig(text, source), 'InvalidInput')
  return Object.assign(err, { lines: err.message.split('\n').map((l) => l.trim()) })
}

describe('parseConfig: defaults', () => {
  it('gives the documented defaults for an empty file, a comment-only file and {}', () => {
    for (const text of ['', '# nothing yet\n', '{}\n', '---\n']) {
      expect(parseConfig(text)).toEqual(DEFAULT_CONFIG)
    }
    expect(DEFAULT_CONFIG).toMatchObject({
      task_label: 'task',
      lease: { ttl: '30m', max_ttl: '4h', lock_delay: '0s', max_attempts: 3, sweep_interval: '1m' },
      labels: {
        status_prefix: 'status: ',
        priority_prefix: 'priority: ',
        persona_prefix: 'persona: ',
        needs_person: 'needs: person',
        needs_answer: 'needs: answer',
        requires_approval: 'requires approval',
      },
      agents: [],
      replies: { reactions: true },
    })
  })

  it('requires write (agents allowed) for every command, maintain (no agents) for feedback, approve, override; write without agents to confirm', () => {
    expect(Object.keys(DEFAULT_CONFIG.permissions).sort()).toEqual([...PERMISSION_RULES].sort())
    for (const rule of PERMISSION_RULES) {
      const special =
        rule === 'feedback' ||
        rule === 'approve' ||
        rule === 'override' ||
        rule === 'reopen' ||
        rule === 'edit_claimed_criteria'
      const expected =
        rule === 'confirm' || rule === 'edit_criteria'
          ? { level: 'write', agents: false }
          : special
            ? { level: 'maintain', agents: false }
            : { level: 'write', agents: true }
      expect(DEFAULT_CONFIG.permissions[rule], rule).toEqual(expected)
    }
    expect(COMMANDS).toContain('depends-on')
    expect(PERMISSION_RULES).not.toContain('/claim')
  })

  it('fills in what a partial file leaves out, per field and per command', () => {
    const c = parseConfig(
      'lease:\n  ttl: 10m\npermissions:\n  done:\n    level: maintain\n  feedback:\n    agents: true\nagents:\n  - login: bot[bot]\n',
    )
    expect(c.lease).toEqual({ ...DEFAULT_CONFIG.lease, ttl: '10m' })
    expect(c.permissions.done).toEqual({ level: 'maintain', agents: true })
    expect(c.permissions.feedback).toEqual({ level: 'maintain', agents: true })
    expect(c.permissions.claim).toEqual({ level: 'write', agents: true })
    expect(c.agents).toEqual([{ login: 'bot[bot]', personas: [], capacity: 1 }])
    expect(c.labels).toEqual(DEFAULT_CONFIG.labels)
  })

  it('returns fresh objects: DEFAULT_CONFIG is frozen, parsed configs are not shared', () => {
    expect(Object.isFrozen(DEFAULT_CONFIG.permissions.claim)).toBe(true)
    const a = parseConfig('')
    const b = parseConfig('')
    a.permissions.claim.level = 'admin'
    a.agents.push({ login: 'x', personas: [], capacity: 1 })
    expect(b.permissions.claim.level).toBe('write')
    expect(b.agents).toEqual([])
    expect(DEFAULT_CONFIG.permissions.claim.level).toBe('write')
  })

  it('maps the lease policy to engine settings in milliseconds', () => {
    expect(engineSettings(DEFAULT_CONFIG)).toEqual({
      leaseTtlMs: 30 * 60_000,
      maxLeaseTtlMs: 4 * 3_600_000,
      lockDelayMs: 0,
      maxAttempts: 3,
      enforcePersonas: false,
    })
    const c = parseConfig('lease:\n  ttl: 90s\n  lock_delay: 1.5m\n  max_attempts: 5\n')
    expect(engineSettings(c)).toMatchObject({
      leaseTtlMs: 90_000,
      lockDelayMs: 90_000,
      maxAttempts: 5,
    })
  })

  it('finds agents case-insensitively', () => {
    const c = parseConfig('agents:\n  - login: Review-Bot[bot]\n    personas: [reviewer]\n')
    expect(findAgent('review-bot[bot]', c)?.personas).toEqual(['reviewer'])
    expect(findAgent('review-bot', c)).toBeUndefined()
  })
})

describe('durationMs', () => {
  it('reads a number and a unit, or several (the one grammar: test/core/duration.test.ts)', () => {
    expect(durationMs('30m')).toBe(1_800_000)
    expect(durationMs('4h')).toBe(14_400_000)
    expect(durationMs('0s')).toBe(0)
    expect(durationMs('1.5h')).toBe(5_400_000)
    expect(durationMs('2 days')).toBe(172_800_000)
    expect(durationMs('250ms')).toBe(250)
    expect(durationMs('1h30m')).toBe(5_400_000)
  })

  it('refuses bare numbers, negatives, unknown units and words', () => {
    for (const bad of ['30', '-5m', '5 parsecs', 'soon', '', '30M']) {
      const err = expectTaskError(() => durationMs(bad), 'InvalidInput')
      expect(err.message).toBe(
        `${JSON.stringify(bad)} is not a duration; use a number and a unit, e.g. 90s, 30m, 4h, 1h30m.`,
      )
    }
  })

  it('lease settings take compound durations, as /claim does', () => {
    const c = parseConfig('lease:\n  ttl: 1h30m\n  max_ttl: 1d 12h\n  lock_delay: 2m30s\n')
    expect(engineSettings(c)).toMatchObject({
      leaseTtlMs: 5_400_000,
      maxLeaseTtlMs: 129_600_000,
      lockDelayMs: 150_000,
    })
  })
})

describe('parseConfig: bad input names the file, the field, its line and what is expected', () => {
  it('unknown key at the top level and in a section, with the keys it knows', () => {
    const err = refused('lease:\n  ttl: 20m\n  tll: 3m\ncolour: red\n')
    expect(err.lines).toEqual([
      '.github/task-orchestrator.yml is not valid:',
      'lease.tll (line 3, column 3): unknown key; expected one of: ttl, max_ttl, lock_delay, max_attempts, sweep_interval, enforce_personas',
      'colour (line 4, column 1): unknown key; expected one of: task_label, lease, labels, agents, permissions, replies, dashboard, gate',
    ])
    expect(err.details.source).toBe('.github/task-orchestrator.yml')
    expect(err.details.problems).toEqual<ConfigProblem[]>([
      { path: 'lease.tll', line: 3, column: 3, message: expect.stringContaining('unknown key') },
      { path: 'colour', line: 4, column: 1, message: expect.stringContaining('unknown key') },
    ])
  })

  it('unknown command under permissions and unknown key in a rule', () => {
    const err = refused('permissions:\n  destroy: {}\n  done:\n    lvl: admin\n')
    expect(err.lines[1]).toMatch(
      /^permissions\.destroy \(line 2, column 3\): unknown key; expected one of: claim, heartbeat, .*, unblock, reopen, .*, status, override, confirm, track, close, cancel, edit_criteria, edit_claimed_criteria, edit_dependencies, edit_subtasks$/,
    )
    expect(err.lines[2]).toBe(
      'permissions.done.lvl (line 4, column 5): unknown key; expected one of: level, agents',
    )
  })

  it('names the source given', () => {
    expect(refused('x: 1\n', 'acme/widgets:.github/task-orchestrator.yml').lines[0]).toBe(
      'acme/widgets:.github/task-orchestrator.yml is not valid:',
    )
  })

  it('bad durations', () => {
    const err = refused(
      'lease:\n  ttl: soon\n  max_ttl: 30\n  lock_delay: -1m\n  sweep_interval: 0s\n',
    )
    const expected = 'expected a duration: a number and a unit, e.g. 90s, 30m, 4h, 1h30m'
    expect(err.lines.slice(1)).toEqual([
      `lease.ttl (line 2, column 8): ${expected}; got "soon"`,
      `lease.max_ttl (line 3, column 12): ${expected}; got 30`,
      `lease.lock_delay (line 4, column 15): ${expected}; got "-1m"`,
      'lease.sweep_interval (line 5, column 19): must be at least 1s; got "0s"',
    ])
  })

  it('max_ttl shorter than ttl, also when max_ttl is the default', () => {
    expect(refused('lease:\n  ttl: 1h\n  max_ttl: 30m\n').lines[1]).toBe(
      'lease.max_ttl (line 3, column 12): must be at least lease.ttl (1h); it is 30m',
    )
    expect(refused('lease:\n  ttl: 5h\n').lines[1]).toBe(
      'lease.max_ttl (line 2, column 3): must be at least lease.ttl (5h); it is 4h',
    )
  })

  it('bad numbers', () => {
    const err = refused('lease:\n  max_attempts: 0\nagents:\n  - login: a\n    capacity: 1.5\n')
    expect(err.lines.slice(1)).toEqual([
      'lease.max_attempts (line 2, column 17): expected at least 1; got 0',
      'agents[0].capacity (line 5, column 15): expected a whole number; got 1.5',
    ])
  })

  it('bad permission level and bad agents flag', () => {
    const err = refused('permissions:\n  done:\n    level: owner\n    agents: sometimes\n')
    expect(err.lines.slice(1)).toEqual([
      'permissions.done.level (line 3, column 12): expected one of read, triage, write, maintain, admin; got "owner"',
      'permissions.done.agents (line 4, column 13): expected true or false; got "sometimes"',
    ])
    // YAML 1.2: yes/no are strings, not booleans.
    expect(refused('replies:\n  reactions: yes\n').lines[1]).toBe(
      'replies.reactions (line 2, column 14): expected true or false; got "yes"',
    )
    // `none` is a level a user can have, not one a command can require.
    expect(refused('permissions:\n  status:\n    level: none\n').lines[1]).toContain(
      'expected one of read, triage, write, maintain, admin; got "none"',
    )
  })

  it('bad agents: login, persona, duplicates, shape', () => {
    const err = refused(
      'agents:\n  - login: "@ada"\n  - login: Bot[bot]\n    personas: [Reviewer]\n  - login: bot[BOT]\n  - login: BOT[bot]\n',
    )
    expect(err.lines.slice(1)).toEqual([
      'agents[0].login (line 2, column 12): expected a GitHub login such as octocat or my-app[bot] (without @); got "@ada"',
      'agents[1].personas[0] (line 4, column 16): expected a persona: lowercase letters, digits, "-" or "_" (max 40); got "Reviewer"',
      'agents[2].login (line 5, column 12): expected a GitHub login such as octocat or my-app[bot] (without @); got "bot[BOT]"',
      'agents[3].login (line 6, column 12): BOT[bot] is listed twice (also agents[1])',
    ])
    expect(refused('agents:\n  - login: a\n  - login: A\n').lines[1]).toBe(
      'agents[1].login (line 3, column 12): A is listed twice (also agents[0])',
    )
    expect(refused('agents:\n  - personas: [x]\n').lines[1]).toBe(
      'agents[0].login (line 2, column 5): expected a GitHub login; got nothing',
    )
    expect(refused('agents: ada\n').lines[1]).toBe(
      'agents (line 1, column 9): expected a list; got "ada"',
    )
  })

  it('an empty section is an error, not a silent default', () => {
    expect(refused('lease:\n  # ttl: 1h\n').lines[1]).toBe(
      'lease (line 1, column 7): expected a mapping (key: value lines); got nothing: indent its keys under it, or remove it',
    )
  })

  it('a file that is not a mapping', () => {
    expect(refused('- task\n').lines[1]).toBe(
      'line 1, column 1: expected a mapping (key: value lines); got a list',
    )
    expect(refused('just words\n').lines[1]).toBe(
      'line 1, column 1: expected a mapping (key: value lines); got "just words"',
    )
  })

  it('bad label names: empty, too long, clashing', () => {
    expect(refused("task_label: ''\n").lines[1]).toBe(
      'task_label (line 1, column 13): must not be empty',
    )
    expect(refused(`labels:\n  needs_answer: ${'x'.repeat(51)}\n`).lines[1]).toBe(
      "labels.needs_answer (line 2, column 17): must be at most 50 characters (GitHub's limit for labels)",
    )
    expect(refused("labels:\n  needs_person: 'status: person'\n").lines[1]).toBe(
      'labels.needs_person (line 2, column 17): starts with labels.status_prefix ("status: "), so it would be read as one of those labels',
    )
    expect(refused("labels:\n  status_prefix: 'p'\n").lines[1]).toBe(
      'labels.status_prefix (line 2, column 18): overlaps labels.priority_prefix ("priority: "); prefixes must be distinct',
    )
    expect(refused("task_label: 'Needs: Answer'\n").lines[1]).toBe(
      'labels.needs_answer (line 1, column 1): is the same label as task_label',
    )
  })

  it('YAML syntax errors give line and column', () => {
    const dup = refused('task_label: a\nlease:\n  ttl: 1h\ntask_label: b\n')
    expect(dup.lines).toEqual([
      '.github/task-orchestrator.yml has a YAML syntax error:',
      'line 4, column 1: Map keys must be unique',
    ])
    const quote = refused('lease:\n  ttl: "1h\n')
    expect(quote.lines[1]).toBe('line 3, column 1: Missing closing "quote')
    const indent = refused('lease:\n  ttl: 1h\n max_ttl: 2h\n')
    expect(indent.lines[0]).toBe('.github/task-orchestrator.yml has a YAML syntax error:')
    expect(indent.lines[1]).toMatch(/^line 3, column \d+: /)
    expect(indent.details.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '', line: 3 })]),
    )
  })

  it('refuses an alias bomb instead of expanding it', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i)
      const next = String.fromCharCode(97 + i)
      lines.push(
        `${next}: &${next} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`,
      )
    }
    const err = refused(`${lines.join('\n')}\n`)
    expect(err.lines[0]).toBe('.github/task-orchestrator.yml cannot be read:')
    expect(err.lines[1]).toMatch(/alias/i)
  })
})

describe('docs/config.md', () => {
  const doc = readFileSync('docs/config.md', 'utf8')

  it('shows the message parseConfig really gives for its example', () => {
    const m =
      /For this file\n\n```yaml\n([\s\S]*?)```\n\nthe message is\n\n```\n([\s\S]*?)```/.exec(doc)
    expect(m).not.toBeNull()
    const err = expectTaskError(() => parseConfig(m![1]!), 'InvalidInput')
    expect(err.message).toBe(m![2]!.trimEnd())
  })

  it('documents every key', () => {
    const keys = (o: object, prefix: string): string[] =>
      Object.entries(o).flatMap(([k, v]) =>
        v && typeof v === 'object' && !Array.isArray(v) && prefix !== 'permissions.'
          ? keys(v, `${prefix}${k}.`)
          : [`${prefix}${k}`],
      )
    for (const key of keys(DEFAULT_CONFIG, '')) {
      const shown = key.startsWith('permissions.')
        ? `\`${key.slice('permissions.'.length)}\``
        : `\`${key}\``
      expect(doc, key).toContain(shown)
    }
    for (const key of ['agents[].login', 'agents[].personas', 'agents[].capacity']) {
      expect(doc).toContain(`\`${key}\``)
    }
  })
})

describe('the example file and the JSON Schema', () => {
  it('docs/examples/task-orchestrator.yml parses and uses non-default values', () => {
    const c = parseConfig(readFileSync(EXAMPLE_FILE, 'utf8'), EXAMPLE_FILE)
    expect(c.lease).toMatchObject({ ttl: '45m', max_ttl: '8h', lock_delay: '2m' })
    expect(c.agents.map((a) => a.login)).toEqual(['review-bot[bot]', 'octo-agent'])
    expect(c.permissions['depends-on']).toEqual({ level: 'triage', agents: true })
    expect(c.labels).toEqual(DEFAULT_CONFIG.labels)
  })

  it(`${SCHEMA_FILE} is the generated schema (regenerate: UPDATE_CONFIG_SCHEMA=1 npx vitest run test/github/config.test.ts, then npx biome format --write ${SCHEMA_FILE})`, () => {
    const generated = configJsonSchema()
    if (process.env.UPDATE_CONFIG_SCHEMA) {
      writeFileSync(SCHEMA_FILE, `${JSON.stringify(generated, null, 2)}\n`)
    }
    expect(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))).toEqual(generated)
  })

  it('the schema forbids unknown keys and documents defaults and descriptions', () => {
    const schema = configJsonSchema() as {
      additionalProperties: boolean
      properties: Record<string, { default?: unknown; description?: string }>
    }
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties.lease?.default).toEqual(DEFAULT_CONFIG.lease)
    for (const [key, prop] of Object.entries(schema.properties)) {
      expect(prop.description, key).toBeTruthy()
    }
  })

  it('editors using the schema agree with parseConfig on the example and on bad files', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    const validate = ajv.compile(configJsonSchema())
    expect(validate(parseYaml(readFileSync(EXAMPLE_FILE, 'utf8')))).toBe(true)
    expect(validate({})).toBe(true)
    for (const bad of [
      { lease: { tll: '1m' } },
      { lease: { ttl: '30' } },
      { permissions: { done: { level: 'owner' } } },
      { agents: [{ login: '@ada' }] },
      { replies: { reactions: 'yes' } },
    ]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false)
      expect(() => parseConfig(JSON.stringify(bad))).toThrow()
    }
  })
})

/** The shape of the configuration as the app's code relies on it (was an interface beside the schema). */
interface ExpectedConfig {
  task_label: string
  lease: {
    ttl: string
    max_ttl: string
    lock_delay: string
    max_attempts: number
    sweep_interval: string
    enforce_personas: boolean
  }
  labels: {
    status_prefix: string
    priority_prefix: string
    persona_prefix: string
    needs_person: string
    needs_answer: string
    requires_approval: string
  }
  agents: { login: string; personas: string[]; capacity: number }[]
  permissions: Record<PermissionRule, { level: RepoPermission; agents: boolean }>
  replies: { reactions: boolean }
  dashboard: { enabled: boolean; title: string }
  gate: { app: string }
}

describe('the Config type', () => {
  it("is the schema's output, and has the shape the code relies on (checked by tsc)", () => {
    expectTypeOf<Config>().toEqualTypeOf<z.output<ReturnType<typeof configSchema>>>()
    expectTypeOf<Config>().toEqualTypeOf<ExpectedConfig>()
    expectTypeOf<AgentConfig>().toEqualTypeOf<ExpectedConfig['agents'][number]>()
    expectTypeOf<CommandPermission>().toEqualTypeOf<{ level: RepoPermission; agents: boolean }>()
    expectTypeOf(parseConfig('')).toEqualTypeOf<Config>()
    expect(configSchema().parse({})).toEqual(DEFAULT_CONFIG)
  })
})
