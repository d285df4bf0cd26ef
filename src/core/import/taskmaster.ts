/**
 * Importer for claude-task-master (eyaltoledano/claude-task-master)
 * `.taskmaster/tasks/tasks.json`.
 *
 * Pure: reads the text it is given and describes what it found as an
 * {@link ImportPlan}; it writes nothing.
 */
import { TaskError } from '../errors.js'
import type { Status } from '../model.js'
import { capCriterion, criteriaFromText } from './criteria-text.js'
import { textOf, timeOf, wrongType } from './field-types.js'
import type { ImportedTask, ImportPlan, Unmapped } from './plan.js'

const STATUS_MAP: Record<string, { status: Status; note?: string }> = {
  done: { status: 'completed' },
  pending: { status: 'pending' },
  'in-progress': { status: 'in_progress' },
  blocked: { status: 'blocked' },
  cancelled: { status: 'cancelled' },
  deferred: { status: 'pending', note: "'deferred' imported as pending (claimable again)" },
  review: {
    status: 'in_progress',
    note: "'review' (work done, awaiting review) imported as in_progress: not completed because nothing verified it, not offered as new work",
  },
}

/** Blocked reason given to tasks that task-master had as `blocked`. */
export const TASKMASTER_BLOCKED_REASON = 'imported as blocked from task-master'

const KNOWN_FIELDS = new Set([
  'id',
  'title',
  'description',
  'details',
  'testStrategy',
  'acceptanceCriteria',
  'status',
  'priority',
  'dependencies',
  'subtasks',
  'createdAt',
  'updatedAt',
])

/** Fields of a subtask that only repeat its parent (the nesting says it). */
const PARENT_FIELDS = new Set(['parentTaskId', 'parentId', 'parentTask', 'isSubtask'])

const DROPPED_REASON: Record<string, string> = {
  complexity: 'task-master complexity score is not kept; dropped',
  recommendedSubtasks: 'complexity-analysis suggestion is not kept; dropped',
  expansionPrompt: 'AI expansion prompt is not kept; dropped',
  previousStatus: 'status before the last change is not kept; the current status was imported',
}

type Raw = Record<string, unknown>

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A title as text: a string, or a number or boolean written as text (reported by the caller). */
function titleOf(value: unknown): string {
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : text(value)
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : ''
}

/** An id as task-master may write it (number or string), as a trimmed string. */
function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value === 'string' && value.trim() !== '') return value.trim()
  return undefined
}

interface Node {
  raw: Raw
  sourceId: string
  /** For a subtask: the parent node. */
  parent?: Node
  /** Sibling subtasks by their task-master id (first occurrence wins). */
  children: Map<string, string>
}

/**
 * Parse a task-master `tasks.json` into an {@link ImportPlan} (`format` and
 * `sourcePrefix` are `taskmaster`).
 *
 * Source format: tagged `{ "<tag>": { "tasks": [...], "metadata": {...} } }`
 * or the legacy untagged `{ "tasks": [...] }` (read as tag `master`). A task
 * has `id` (number or numeric string), `title`, `description`, `details`,
 * `testStrategy`, `status`, `priority`, `dependencies` (ids of tasks of the
 * same tag, numbers or strings, `"3.1"` naming subtask 1 of task 3) and
 * `subtasks` (same fields, no priority; numeric dependencies name sibling
 * subtasks).
 *
 * Mapping:
 * - source ids `"<tag>:<id>"`, subtasks `"<tag>:<parent>.<sub>"` with
 *   `parentSourceId` set to the parent. Duplicate ids (the real file has
 *   eight subtasks with one id) get `#2`, `#3`… in order and are reported;
 *   references to the id resolve to the first.
 * - status: `done`→completed, `pending`→pending, `in-progress`→in_progress,
 *   `blocked`→blocked with `blocked_reason`
 *   {@link TASKMASTER_BLOCKED_REASON}, `cancelled`→cancelled,
 *   `deferred`→pending (reported), `review`→in_progress (reported); anything
 *   else → pending (reported); a missing status is task-master's default,
 *   pending.
 * - priority `low`/`medium`/`high`/`critical` directly; a subtask without one
 *   takes its parent's; missing or unknown → medium (reported).
 * - description; then `details` under a `## Details` heading.
 * - `testStrategy` → one manual criterion (trimmed, cut to 500 characters;
 *   when cut, reported and the full text appended under `## Test strategy`).
 *   `acceptanceCriteria` → one manual criterion per non-empty line.
 * - dependencies resolved within the tag: a subtask's plain number is a
 *   sibling (or, if there is no such sibling, the top-level task, reported);
 *   `"a.b"` is subtask b of task a. Unresolvable ids and self-references are
 *   reported and dropped; duplicates merged.
 * - `updatedAt`/`createdAt` → `updated_at`/`created_at`; tag `metadata` and
 *   any other field (`complexity`, `expansionPrompt`…) are reported.
 *   `parentTaskId`/`parentId`/`parentTask`/`isSubtask` on subtasks repeat the
 *   nesting and are ignored, unless they name another parent (reported).
 *
 * @param jsonText the file's content
 * @param file the file's name, used in error messages
 * @throws TaskError('BadImport') when the text is not JSON, is not a
 *   task-master file (no `tasks` list, tagged or not), or a task has no id or
 *   title.
 */
export function parseTaskMaster(jsonText: string, file: string): ImportPlan {
  let root: unknown
  try {
    root = JSON.parse(jsonText)
  } catch (err) {
    throw new TaskError(
      'BadImport',
      `${file}: not valid JSON (${(err as Error).message}); expected a task-master tasks.json`,
      { file },
    )
  }
  const notTaskMaster = () =>
    new TaskError(
      'BadImport',
      `${file}: not a task-master tasks.json: expected {"<tag>": {"tasks": [...]}} or {"tasks": [...]}`,
      { file },
    )
  if (!isRecord(root)) throw notTaskMaster()

  const unmapped: Unmapped[] = []
  const tags: [string, Raw][] = []
  if (Array.isArray(root.tasks)) {
    tags.push(['master', root])
    for (const key of Object.keys(root)) {
      if (key !== 'tasks') {
        unmapped.push({
          item: file,
          field: key,
          value: root[key],
          reason: 'legacy untagged file (read as tag master): field not imported',
        })
      }
    }
  } else {
    for (const [key, value] of Object.entries(root)) {
      if (isRecord(value) && Array.isArray(value.tasks)) tags.push([key, value])
      else
        unmapped.push({
          item: file,
          field: key,
          value,
          reason: 'not a tag (no "tasks" list); ignored',
        })
    }
  }
  if (tags.length === 0) throw notTaskMaster()

  const tasks: ImportedTask[] = []
  for (const [tag, body] of tags) {
    if (body !== root) {
      for (const key of Object.keys(body)) {
        if (key === 'tasks') continue
        unmapped.push({
          item: tag,
          field: key,
          value: body[key],
          reason: `tag ${key} is not imported; the tag lives on as the source-id prefix '${tag}:'`,
        })
      }
    }
    tasks.push(...parseTag(tag, body.tasks as unknown[], file, unmapped))
  }

  return {
    format: 'taskmaster',
    sourcePrefix: 'taskmaster',
    tasks,
    participants: [],
    context: [],
    notes: [],
    progress: [],
    unmapped,
  }
}

function parseTag(
  tag: string,
  list: unknown[],
  file: string,
  unmapped: Unmapped[],
): ImportedTask[] {
  const bad = (where: string, what: string) =>
    new TaskError('BadImport', `${file}: tag "${tag}" ${where}: ${what}`, { file, tag, where })

  // First pass: give every task and subtask a unique source id.
  const nodes: Node[] = []
  const topById = new Map<string, string>()
  const topNodes = new Map<string, Node>()
  const used = new Set<string>()
  const unique = (base: string, item: string, what: string, id: string): string => {
    if (!used.has(base)) {
      used.add(base)
      return base
    }
    let n = 2
    while (used.has(`${base}#${n}`)) n++
    const sourceId = `${base}#${n}`
    used.add(sourceId)
    unmapped.push({
      item: sourceId,
      field: 'id',
      value: id,
      reason: `duplicate ${what} id ${id} in ${item}; imported as ${sourceId} (references to ${id} resolve to the first)`,
    })
    return sourceId
  }

  list.forEach((raw, i) => {
    if (!isRecord(raw)) throw bad(`tasks[${i}]`, 'not an object')
    const id = idOf(raw.id)
    if (id === undefined) throw bad(`tasks[${i}]`, 'task has no id')
    if (titleOf(raw.title) === '') throw bad(`task ${id}`, 'task has no title')
    const node: Node = {
      raw,
      sourceId: unique(`${tag}:${id}`, `tag ${tag}`, 'task', id),
      children: new Map(),
    }
    if (!topById.has(id)) {
      topById.set(id, node.sourceId)
      topNodes.set(id, node)
    }
    nodes.push(node)
    const subtasks = raw.subtasks
    if (subtasks === undefined || subtasks === null) return
    if (!Array.isArray(subtasks)) throw bad(`task ${id}`, '"subtasks" is not a list')
    subtasks.forEach((sub, j) => {
      if (!isRecord(sub)) throw bad(`task ${id} subtasks[${j}]`, 'not an object')
      const subId = idOf(sub.id)
      if (subId === undefined) throw bad(`task ${id} subtasks[${j}]`, 'subtask has no id')
      if (titleOf(sub.title) === '') throw bad(`subtask ${id}.${subId}`, 'subtask has no title')
      const child: Node = {
        raw: sub,
        sourceId: unique(`${node.sourceId}.${subId}`, node.sourceId, 'subtask', subId),
        parent: node,
        children: new Map(),
      }
      if (!node.children.has(subId)) node.children.set(subId, child.sourceId)
      nodes.push(child)
    })
  })

  const resolveDotted = (ref: string): string | undefined => {
    const [parent, sub] = ref.split('.', 2) as [string, string]
    return topNodes.get(parent)?.children.get(sub)
  }

  // Second pass: map fields.
  const priorities = new Map<Node, ImportedTask['priority']>()
  return nodes.map((node) => {
    const { raw, sourceId, parent } = node
    const report = (field: string, value: unknown, reason: string) =>
      unmapped.push({ item: sourceId, field, value, reason })

    // status
    const rawStatus = raw.status
    let status: Status = 'pending'
    if (rawStatus !== undefined && rawStatus !== null) {
      const mapped = typeof rawStatus === 'string' ? STATUS_MAP[rawStatus] : undefined
      if (typeof rawStatus !== 'string') {
        report(
          'status',
          rawStatus,
          wrongType(
            'a string (a task-master status such as pending or done)',
            rawStatus,
            'imported as pending',
          ),
        )
      } else if (!mapped)
        report('status', rawStatus, 'unknown task-master status; imported as pending')
      else {
        status = mapped.status
        if (mapped.note) report('status', rawStatus, mapped.note)
      }
    }

    // priority
    const rawPriority = raw.priority
    const inherited = parent ? priorities.get(parent) : undefined
    let priority: ImportedTask['priority'] = inherited ?? 'medium'
    if (typeof rawPriority === 'string') {
      // task-master names priorities as we do: any other name goes to the task
      // schema, which refuses the row with its own sentence (`refusals.ts`).
      priority = rawPriority
    } else if (rawPriority !== undefined && rawPriority !== null) {
      report(
        'priority',
        rawPriority,
        wrongType(
          'a string (low, medium, high or critical)',
          rawPriority,
          `imported as ${priority}`,
        ),
      )
    } else if (!parent) {
      report('priority', rawPriority ?? null, 'no priority; imported as medium')
    }
    priorities.set(node, priority)

    // description, details, criteria
    const parts: string[] = []
    const field = (key: string) => textOf(raw[key], (why) => report(key, raw[key], why))?.trim()
    const description = field('description')
    if (description) parts.push(description)
    const details = field('details')
    if (details) parts.push(`## Details\n\n${details}`)
    const task: ImportedTask = {
      sourceId,
      title: field('title') ?? '',
      description: '',
      status,
      priority,
      dependsOn: [],
      success_criteria: [],
    }
    if (parent) task.parentSourceId = parent.sourceId
    if (status === 'blocked') task.blocked_reason = TASKMASTER_BLOCKED_REASON

    const strategy = field('testStrategy')
    if (strategy) {
      const criterion = capCriterion(
        strategy,
        sourceId,
        'testStrategy',
        unmapped,
        "; full text kept in the description under '## Test strategy'",
      )
      if (criterion !== strategy) parts.push(`## Test strategy\n\n${strategy}`)
      task.success_criteria.push({ criterion })
    }
    const acceptance = raw.acceptanceCriteria
    if (typeof acceptance === 'string') {
      task.success_criteria.push(
        ...criteriaFromText(acceptance, sourceId, 'acceptanceCriteria', unmapped),
      )
    } else if (Array.isArray(acceptance) && acceptance.every((a) => typeof a === 'string')) {
      for (const a of acceptance) {
        task.success_criteria.push(...criteriaFromText(a, sourceId, 'acceptanceCriteria', unmapped))
      }
    } else if (acceptance !== undefined && acceptance !== null) {
      report(
        'acceptanceCriteria',
        acceptance,
        wrongType('a string or a list of strings', acceptance, 'dropped'),
      )
    }
    task.description = parts.join('\n\n')

    for (const [key, to] of [
      ['createdAt', 'created_at'],
      ['updatedAt', 'updated_at'],
    ] as const) {
      const at = timeOf(raw[key], (why) => report(key, raw[key], why))?.trim()
      if (at) task[to] = at
    }

    // dependencies
    const deps = raw.dependencies
    if (Array.isArray(deps)) {
      deps.forEach((dep, i) => {
        const field = `dependencies[${i}]`
        const ref = idOf(dep)
        if (ref === undefined) {
          report(field, dep, 'not a task id; dropped')
          return
        }
        let target: string | undefined
        if (ref.includes('.')) {
          target = resolveDotted(ref)
        } else if (parent) {
          target = parent.children.get(ref)
          if (target === undefined && topById.has(ref)) {
            target = topById.get(ref)
            report(
              field,
              dep,
              `no sibling subtask ${ref} under ${parent.sourceId}; resolved to task ${target}`,
            )
          }
        } else {
          target = topById.get(ref)
        }
        if (target === undefined) {
          report(field, dep, `no task ${ref} in tag ${tag}; dependency dropped`)
        } else if (target === sourceId) {
          report(field, dep, 'a task cannot depend on itself; dropped')
        } else if (!task.dependsOn.includes(target)) {
          task.dependsOn.push(target)
        }
      })
    } else if (deps !== undefined && deps !== null) {
      report('dependencies', deps, wrongType('a list of task ids', deps, 'dropped'))
    }

    // everything else
    for (const key of Object.keys(raw)) {
      if (KNOWN_FIELDS.has(key)) continue
      if (parent && PARENT_FIELDS.has(key)) {
        const value = raw[key]
        const named = key === 'parentTask' && isRecord(value) ? value.id : value
        const parentId = idOf(parent.raw.id)
        if (
          key === 'isSubtask' ||
          named === undefined ||
          named === null ||
          named === 'undefined' ||
          idOf(named) === parentId
        ) {
          continue
        }
        report(
          key,
          value,
          `names parent ${String(named)} but the subtask is nested under ${parentId}; kept the nesting`,
        )
        continue
      }
      report(key, raw[key], DROPPED_REASON[key] ?? 'no such field in Task Orchestrator; dropped')
    }
    return task
  })
}
