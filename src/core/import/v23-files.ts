/**
 * The files half of the Task Orchestrator v2.3 importer (`v23.ts`): shared
 * context, agent contexts, YAML contexts, progress logs and private notes,
 * parsed from text `v23.ts` has read (as regular files within their caps).
 */
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { TaskError } from '../errors.js'
import type {
  ImportedContext,
  ImportedNote,
  ImportedParticipant,
  ImportedProgress,
  Unmapped,
} from './plan.js'

type Row = Record<string, unknown>

/** A v2.3 task id inside a file name (v2.3 ids are `uuid4().hex[:8]`). */
export const FILE_ID = '([0-9a-z]{8})'

/** A shared-context entry before numbering. */
export interface Shared {
  task: string
  kind: 'update' | 'discovery' | 'sync'
  agent?: string
  at?: string
  message: string
}

/** What one walk of the directory collects. */
export interface State {
  dir: string
  ids: Set<string>
  unmapped: Unmapped[]
  participants: Map<string, ImportedParticipant>
  shared: Shared[]
  /** Agents of the shared entries so far, by task, kind, time and message (see {@link addShared}). */
  sharedSeen: Map<string, { anyAgent: boolean; agents: Set<string> }>
  /** Bytes read from the directory's files so far (capped by `IMPORT_LIMITS.v23TotalBytes`). */
  bytesRead: number
  notes: ImportedNote[]
  progress: ImportedProgress[]
  context: ImportedContext[]
}

/** Add a participant; per task and agent the earliest join is kept. */
export function addParticipant(state: State, p: ImportedParticipant): void {
  const key = `${p.taskSourceId}\n${p.agent}`
  const known = state.participants.get(key)
  if (!known) {
    state.participants.set(key, { ...p })
  } else if (p.joined_at && (!known.joined_at || p.joined_at < known.joined_at)) {
    known.joined_at = p.joined_at
  }
}

/**
 * Add a shared entry unless the same one (task, kind, time, message, and the
 * same agent when both name one) is there: the shared file and the agents'
 * own files repeat each other. O(1) per entry.
 */
function addShared(state: State, entry: Shared): void {
  const key = `${entry.task}\n${entry.kind}\n${entry.at ?? ''}\n${entry.message}`
  const seen = state.sharedSeen.get(key)
  if (seen) {
    if (entry.agent === undefined || seen.anyAgent || seen.agents.has(entry.agent)) return
  }
  const record = seen ?? { anyAgent: false, agents: new Set<string>() }
  if (entry.agent === undefined) record.anyAgent = true
  else record.agents.add(entry.agent)
  state.sharedSeen.set(key, record)
  state.shared.push(entry)
}

/**
 * Shared entries by task (in `tasks.db` order), then time, keyed `<kind>.<n>`
 * with n from 1 per task and kind.
 */
export function numberShared(shared: Shared[], ids: Set<string>): ImportedContext[] {
  const taskOrder = new Map([...ids].map((id, i) => [id, i]))
  const sorted = shared
    .map((s, i) => ({ s, i }))
    .sort(
      (a, b) =>
        taskOrder.get(a.s.task)! - taskOrder.get(b.s.task)! ||
        (a.s.at ?? '').localeCompare(b.s.at ?? '') ||
        a.i - b.i,
    )
  const counters = new Map<string, number>()
  return sorted.map(({ s }) => {
    const counter = `${s.task}\n${s.kind}`
    const n = (counters.get(counter) ?? 0) + 1
    counters.set(counter, n)
    const entry: ImportedContext = { taskSourceId: s.task, key: `${s.kind}.${n}`, value: s.message }
    if (s.agent) entry.author = s.agent
    if (s.at) entry.at = s.at
    return entry
  })
}

const TIME = '\\[([^\\]]+)\\]'
const JOIN_LINE = new RegExp(`^${TIME} Agent (\\S+) joined task$`)
const UPDATE_LINE = new RegExp(`^${TIME} ([^\\s:]+): ?(.*)$`)
const DISCOVERY_LINE = new RegExp(`^\\*{0,2}🔍 DISCOVERY ${TIME} ([^\\s:]+): ?(.*)$`)
const SYNC_LINE = new RegExp(`^🔄 SYNC POINT ${TIME}$`)

/** Remove the `**…**` emphasis v2.3 puts around a discovery in the shared file. */
function stripEmphasis(message: string): string {
  return message.endsWith('**') ? message.slice(0, -2) : message
}

function readSharedFile(state: State, file: string, task: string, text: string): void {
  const lines = text.split(/\r?\n/)
  const unknown: string[] = []
  let current: Shared | undefined
  let inSync = false
  const flush = () => {
    if (current) {
      current.message = current.message.trim()
      if (current.kind === 'discovery') current.message = stripEmphasis(current.message).trim()
      addShared(state, current)
    }
    current = undefined
  }
  for (const [i, line] of lines.entries()) {
    if (i < 4 && (/^# Shared Context for Task /.test(line) || /^Created: /.test(line))) continue
    if (/^={10,}$/.test(line)) {
      flush()
      inSync = !inSync
      continue
    }
    if (inSync) {
      const sync = SYNC_LINE.exec(line)
      const agent = /^Agent: (.*)$/.exec(line)
      const message = /^Message: ?(.*)$/.exec(line)
      if (sync) current = { task, kind: 'sync', at: sync[1]!, message: '' }
      else if (current && agent) current.agent = agent[1]!.trim()
      else if (current && message) current.message = message[1]!
      else if (current && line.trim() !== '') current.message += `\n${line}`
      continue
    }
    const joined = JOIN_LINE.exec(line)
    const discovery = DISCOVERY_LINE.exec(line)
    const update = UPDATE_LINE.exec(line)
    if (joined) {
      flush()
      addParticipant(state, { taskSourceId: task, agent: joined[2]!, joined_at: joined[1]! })
    } else if (discovery) {
      flush()
      current = {
        task,
        kind: 'discovery',
        at: discovery[1]!,
        agent: discovery[2]!,
        message: discovery[3]!,
      }
    } else if (update) {
      flush()
      current = { task, kind: 'update', at: update[1]!, agent: update[2]!, message: update[3]! }
    } else if (current) {
      current.message += `\n${line}`
    } else if (line.trim() !== '' && line.trim() !== '---') {
      unknown.push(line)
    }
  }
  flush()
  if (unknown.length > 0) {
    state.unmapped.push({
      item: file,
      field: 'lines',
      value: unknown,
      reason: 'lines outside any shared update; not imported',
    })
  }
}

function readAgentContext(
  state: State,
  file: string,
  task: string,
  fileAgent: string,
  text: string,
): void {
  const agent = /^Agent: (\S+)\s*$/m.exec(text)?.[1] ?? fileAgent
  const joined = /^Joined: (\S+)\s*$/m.exec(text)?.[1]
  const participant: ImportedParticipant = { taskSourceId: task, agent }
  if (joined) participant.joined_at = joined
  addParticipant(state, participant)

  // "### Update [time]" / "### 🔍 DISCOVERY [time]" blocks with **Type** and **Message**.
  const blocks = text.split(/^### /m).slice(1)
  for (const block of blocks) {
    const head = new RegExp(`^(?:Update|🔍 DISCOVERY) ${TIME}`).exec(block)
    const message = /^\*\*Message\*\*: ?([\s\S]*)$/m.exec(block)?.[1]?.trim()
    if (!head || message === undefined) {
      state.unmapped.push({
        item: file,
        field: 'lines',
        value: `### ${block.trim()}`,
        reason: 'block not understood; not imported',
      })
      continue
    }
    const type = /^\*\*Type\*\*: (.*)$/m.exec(block)?.[1]?.trim()
    const kind = type === 'Critical Discovery' || block.startsWith('🔍') ? 'discovery' : 'update'
    addShared(state, { task, kind, agent, at: head[1]!, message })
  }
}

function readYamlContext(state: State, file: string, task: string, text: string): void {
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    throw new TaskError(
      'BadImport',
      `${join(state.dir, file)}: not valid YAML (${(err as Error).message})`,
      {
        file,
      },
    )
  }
  if (doc === null || doc === undefined) return
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    state.unmapped.push({
      item: file,
      field: 'file',
      value: doc,
      reason: 'not a YAML mapping; not imported',
    })
    return
  }
  for (const [key, value] of Object.entries(doc as Row)) {
    if (key === 'task_id' || key === 'title' || key === 'created') continue
    if (key === 'contributions' && Array.isArray(value)) {
      value.forEach((c: unknown, i) => {
        const entry = (typeof c === 'object' && c !== null ? c : {}) as Row
        const content = entry.content
        if (typeof content !== 'string' || content.trim() === '') {
          state.unmapped.push({
            item: file,
            field: `contributions[${i}]`,
            value: c,
            reason: 'contribution without content; not imported',
          })
          return
        }
        const kind =
          entry.type === 'discovery' ? 'discovery' : entry.type === 'sync' ? 'sync' : 'update'
        const shared: Shared = { task, kind, message: content.trim() }
        if (typeof entry.agent === 'string') shared.agent = entry.agent
        if (typeof entry.timestamp === 'string') shared.at = entry.timestamp
        addShared(state, shared)
      })
      continue
    }
    state.context.push({ taskSourceId: task, key, value })
  }
}

function readProgress(state: State, file: string, task: string, text: string): void {
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return
    let entry: unknown
    try {
      entry = JSON.parse(raw)
    } catch (err) {
      throw new TaskError(
        'BadImport',
        `${join(state.dir, file)}:${i + 1}: not valid JSON (${(err as Error).message})`,
        { file, line: i + 1 },
      )
    }
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Row
    if (typeof e.update !== 'string' || e.update.trim() === '') {
      state.unmapped.push({
        item: `${file}:${i + 1}`,
        field: 'update',
        value: entry,
        reason: 'progress entry without an "update" message; not imported',
      })
      return
    }
    const progress: ImportedProgress = { taskSourceId: task, message: e.update.trim() }
    if (typeof e.agent === 'string') progress.agent = e.agent
    if (typeof e.timestamp === 'string') progress.at = e.timestamp
    state.progress.push(progress)
    for (const key of Object.keys(e)) {
      if (!['update', 'agent', 'timestamp'].includes(key)) {
        state.unmapped.push({
          item: `${file}:${i + 1}`,
          field: key,
          value: e[key],
          reason: 'progress field has no place in Task Orchestrator; dropped',
        })
      }
    }
  })
}

function readNotes(state: State, _file: string, task: string, agent: string, text: string): void {
  const parts = text.split(new RegExp(`^### Note ${TIME}[ \\t]*$`, 'm'))
  const preamble = parts[0]!.trim()
  if (preamble !== '') state.notes.push({ taskSourceId: task, agent, text: preamble })
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const body = parts[i + 1]!.trim()
    if (body === '') continue
    state.notes.push({ taskSourceId: task, agent, text: body, at: parts[i]! })
  }
}

/** File kinds of the v2.3 layout that carry a task's data, by file-name pattern. */
export const TASK_FILES: [
  RegExp,
  (state: State, file: string, task: string, agent: string, text: string) => void,
][] = [
  [new RegExp(`^contexts/${FILE_ID}\\.yaml$`), (s, f, t, _a, x) => readYamlContext(s, f, t, x)],
  [
    new RegExp(`^contexts/${FILE_ID}_progress\\.jsonl$`),
    (s, f, t, _a, x) => readProgress(s, f, t, x),
  ],
  [new RegExp(`^contexts/shared_${FILE_ID}\\.md$`), (s, f, t, _a, x) => readSharedFile(s, f, t, x)],
  [new RegExp(`^contexts/context_${FILE_ID}_(.+)\\.md$`), readAgentContext],
  [new RegExp(`^notes/notes_${FILE_ID}_(.+)\\.md$`), readNotes],
]
