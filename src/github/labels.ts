/**
 * The labels the GitHub app manages (DESIGN "On GitHub"): one `status: …`,
 * `priority: …` and at most one `persona: …` label per task issue, and the
 * special `needs: person`, `needs: answer` and `requires approval` labels —
 * names from the repository config. Status labels use the engine's status
 * names (`status: in_progress`), so people, agents and `--json` share one
 * vocabulary. {@link parseLabels} reads a person's manual relabelling back.
 * GitHub compares label names case-insensitively, and so does this module.
 */
import { TaskError } from '../core/errors.js'
import { isPersona, PRIORITIES, type Priority, STATUSES, type Status } from '../core/model.js'
import type { Config } from './config.js'

/** A label as GitHub's "create a label" API takes it. */
export interface LabelSpec {
  name: string
  /** Six hex digits, no `#`. */
  color: string
  /** At most 100 characters (GitHub's limit). */
  description: string
}

/** GitHub's limit on a label name. */
export const LABEL_NAME_MAX = 50

/** Status colours: blocked orange, pending yellow, in progress blue, waiting purple, completed green, failed red, cancelled grey. */
export const STATUS_COLORS: Record<Status, string> = {
  blocked: 'd93f0b',
  pending: 'fbca04',
  in_progress: '1d76db',
  waiting: '8a63d2',
  completed: '0e8a16',
  failed: 'b60205',
  cancelled: 'bfc5cc',
}

const STATUS_DESCRIPTIONS: Record<Status, string> = {
  blocked: 'Task: waiting on a dependency or blocked by hand',
  pending: 'Task: ready to claim (comment /claim)',
  in_progress: 'Task: claimed; the assignee holds the lease',
  waiting: 'Task: the holder asked a question; lease paused until /answer',
  completed: 'Task: done, success criteria met',
  failed: 'Task: failed (attempts exhausted or given up)',
  cancelled: 'Task: cancelled',
}

/** Priority colours, pale to strong with urgency. */
export const PRIORITY_COLORS: Record<Priority, string> = {
  low: 'c2e0c6',
  medium: 'fef2c0',
  high: 'f9a66c',
  critical: 'e11d21',
}

/** Colours of the other labels; every persona label shares one. */
export const OTHER_COLORS = {
  task: '5319e7',
  persona: 'bfdadc',
  needs_person: 'd876e3',
  needs_answer: 'cc317c',
  requires_approval: '006b75',
} as const

function checkedName(name: string): string {
  if (name.length > LABEL_NAME_MAX) {
    throw new TaskError(
      'InvalidInput',
      `Label "${name}" is longer than GitHub's ${LABEL_NAME_MAX} characters; shorten the prefix in the config or the name.`,
    )
  }
  return name
}

/** The status label, e.g. `status: in_progress`. */
export function statusLabel(status: Status, config: Config): string {
  return `${config.labels.status_prefix}${status}`
}

/** The priority label, e.g. `priority: high`. */
export function priorityLabel(priority: Priority, config: Config): string {
  return `${config.labels.priority_prefix}${priority}`
}

/**
 * The persona label, e.g. `persona: reviewer`.
 *
 * @throws TaskError('InvalidInput') when `persona` is not a persona name
 *   (lowercase letters, digits, `-`, `_`) or the label would exceed 50 characters
 */
export function personaLabel(persona: string, config: Config): string {
  if (!isPersona(persona)) {
    throw new TaskError(
      'InvalidInput',
      `"${persona}" is not a persona: use lowercase letters, digits, "-" or "_" (max 40).`,
    )
  }
  return checkedName(`${config.labels.persona_prefix}${persona}`)
}

/** The fixed labels: the task label and the three flags, by role. */
export function specialLabels(config: Config): {
  task: string
  needsPerson: string
  needsAnswer: string
  requiresApproval: string
} {
  return {
    task: config.task_label,
    needsPerson: config.labels.needs_person,
    needsAnswer: config.labels.needs_answer,
    requiresApproval: config.labels.requires_approval,
  }
}

function personaSpec(persona: string, config: Config): LabelSpec {
  return {
    name: personaLabel(persona, config),
    color: OTHER_COLORS.persona,
    description: `Task for the ${persona} persona`,
  }
}

/**
 * Every label the app may create, with colour and description: the task
 * label, the six status labels, the four priorities, the three flags, and a
 * persona label for each persona of the config's agents and of `personas`
 * (deduplicated, sorted).
 *
 * @throws TaskError('InvalidInput') for a persona that is not a persona name
 */
export function LABEL_SPECS(config: Config, personas: Iterable<string> = []): LabelSpec[] {
  const all = new Set([...config.agents.flatMap((a) => a.personas), ...personas])
  return [
    {
      name: config.task_label,
      color: OTHER_COLORS.task,
      description: 'A task managed by Task Orchestrator',
    },
    ...STATUSES.map((s) => ({
      name: statusLabel(s, config),
      color: STATUS_COLORS[s],
      description: STATUS_DESCRIPTIONS[s],
    })),
    ...PRIORITIES.map((p) => ({
      name: priorityLabel(p, config),
      color: PRIORITY_COLORS[p],
      description: `Task priority: ${p}`,
    })),
    {
      name: config.labels.needs_person,
      color: OTHER_COLORS.needs_person,
      description: 'Task: a person must look at it (attempts exhausted or stuck)',
    },
    {
      name: config.labels.needs_answer,
      color: OTHER_COLORS.needs_answer,
      description: 'Task: waiting for an answer to a question',
    },
    {
      name: config.labels.requires_approval,
      color: OTHER_COLORS.requires_approval,
      description: 'Task: completion needs /approve by a maintainer',
    },
    ...[...all].sort().map((p) => personaSpec(p, config)),
  ]
}

/**
 * The spec for one managed label name (any persona included), for creating
 * it when GitHub says it is missing; `undefined` when the app does not manage
 * a label of that name. Case-insensitive; the spec carries the canonical name.
 */
export function labelSpec(name: string, config: Config): LabelSpec | undefined {
  const lower = name.toLowerCase()
  const fixed = LABEL_SPECS(config).find((s) => s.name.toLowerCase() === lower)
  if (fixed) return fixed
  const persona = valueAfter(name, config.labels.persona_prefix)
  return persona !== undefined && isPersona(persona.toLowerCase())
    ? personaSpec(persona.toLowerCase(), config)
    : undefined
}

/** A managed label kind that an issue carries more than one value of. */
export interface LabelConflict {
  kind: 'status' | 'priority' | 'persona'
  /** The conflicting label names, as on the issue. */
  labels: string[]
}

/** What an issue's labels say, for reading manual relabelling back into the engine. */
export interface ParsedLabels {
  /** Carries the task label. */
  isTask: boolean
  /** The status, or null when none or conflicting. */
  status: Status | null
  priority: Priority | null
  persona: string | null
  needsPerson: boolean
  needsAnswer: boolean
  requiresApproval: boolean
  /** Kinds with more than one distinct value (their field above is null). */
  conflicts: LabelConflict[]
  /** Labels with a managed prefix but a value we do not know, e.g. `status: wip`. */
  unknown: string[]
  /** Labels the app does not manage. */
  others: string[]
}

/** The text after `prefix` (compared case-insensitively, trailing space optional), trimmed. */
function valueAfter(name: string, prefix: string): string | undefined {
  const stem = prefix.trimEnd().toLowerCase()
  if (!name.toLowerCase().startsWith(stem)) return undefined
  return name.slice(stem.length).trim()
}

const STATUS_ALIASES: Record<string, Status> = { canceled: 'cancelled' }

function readStatus(value: string): Status | undefined {
  const v = value.toLowerCase().replace(/[\s-]+/g, '_')
  return (STATUSES as readonly string[]).includes(v) ? (v as Status) : STATUS_ALIASES[v]
}

function readPriority(value: string): Priority | undefined {
  const v = value.toLowerCase()
  return (PRIORITIES as readonly string[]).includes(v) ? (v as Priority) : undefined
}

function readPersona(value: string): string | undefined {
  const v = value.toLowerCase()
  return isPersona(v) ? v : undefined
}

/**
 * Read status, priority, persona and flags from an issue's label names.
 * Lenient about what people type: case, a missing space after the prefix,
 * `in progress`/`in-progress` for `in_progress`, `canceled`. Two labels naming
 * the same value are fine; two different values of one kind are a conflict,
 * reported in `conflicts` with that field left null, so the caller decides
 * (the app keeps the engine's value and reports it).
 */
export function parseLabels(names: readonly string[], config: Config): ParsedLabels {
  const special = specialLabels(config)
  const is = (name: string, label: string) => name.toLowerCase() === label.toLowerCase()
  const out: ParsedLabels = {
    isTask: false,
    status: null,
    priority: null,
    persona: null,
    needsPerson: false,
    needsAnswer: false,
    requiresApproval: false,
    conflicts: [],
    unknown: [],
    others: [],
  }
  const found = {
    status: new Map<string, string[]>(),
    priority: new Map<string, string[]>(),
    persona: new Map<string, string[]>(),
  }
  const kinds = [
    ['status', config.labels.status_prefix, readStatus],
    ['priority', config.labels.priority_prefix, readPriority],
    ['persona', config.labels.persona_prefix, readPersona],
  ] as const
  for (const name of names) {
    if (is(name, special.task)) out.isTask = true
    else if (is(name, special.needsPerson)) out.needsPerson = true
    else if (is(name, special.needsAnswer)) out.needsAnswer = true
    else if (is(name, special.requiresApproval)) out.requiresApproval = true
    else {
      const kind = kinds.find(([, prefix]) => valueAfter(name, prefix) !== undefined)
      if (!kind) {
        out.others.push(name)
        continue
      }
      const [k, prefix, read] = kind
      const value = read(valueAfter(name, prefix)!)
      if (value === undefined) out.unknown.push(name)
      else found[k].set(value, [...(found[k].get(value) ?? []), name])
    }
  }
  const pick = (kind: LabelConflict['kind']): string | null => {
    const values = [...found[kind].keys()]
    if (values.length > 1) out.conflicts.push({ kind, labels: [...found[kind].values()].flat() })
    return values.length === 1 ? values[0]! : null
  }
  out.status = pick('status') as Status | null
  out.priority = pick('priority') as Priority | null
  out.persona = pick('persona')
  return out
}
