/**
 * The common shape every importer produces. Importers (beads, task-master,
 * Task Orchestrator v2.3) only *read* their format and describe what they
 * found as an {@link ImportPlan}; `applyImport` in `./apply.ts` writes a plan
 * into the store in one transaction. Keeping the two apart means parsers are
 * pure and testable without a database.
 */
import type { Criterion, Priority, Status } from '../model.js'

/** One task as found in the source, with the source's own id kept. */
export interface ImportedTask {
  /** The id in the source tool (`bd-05a8`, `master:12.3`, `c34304ed`). */
  sourceId: string
  /** 1-based line in the source file, for line-based sources (beads JSON Lines). */
  line?: number
  /** Keep this exact local id (v2.3 ids are already 8 lowercase alphanumerics). */
  localId?: string
  title: string
  description: string
  status: Status
  /**
   * One of ours, or — when the source uses our names (task-master, v2.3) —
   * the value as found, which the task schema refuses with its own sentence.
   */
  priority: Priority | (string & {})
  persona?: string
  /** Source id of the parent task (decomposition), if any. */
  parentSourceId?: string
  /** Source ids of the tasks this one depends on. */
  dependsOn: string[]
  /** Who works or worked on it (beads `assignee`, v2.3 `assignee`). */
  assignee?: string
  success_criteria: Criterion[]
  /** ISO-8601 times as found in the source. */
  created_at?: string
  updated_at?: string
  completed_at?: string
  deadline?: string
  estimated_hours?: number
  actual_hours?: number
  completion_summary?: string
  blocked_reason?: string
  feedback_quality?: number
  feedback_timeliness?: number
  feedback_notes?: string
}

/** A participant of a task (agent + role). */
export interface ImportedParticipant {
  taskSourceId: string
  agent: string
  role?: string
  joined_at?: string
}

/** A shared-context entry: key → YAML/JSON-able value, visible to participants. */
export interface ImportedContext {
  taskSourceId: string
  key: string
  value: unknown
  author?: string
  at?: string
}

/** A private note of one agent on one task. */
export interface ImportedNote {
  taskSourceId: string
  agent: string
  text: string
  at?: string
}

/** A progress entry (percent may be unknown in older tools). */
export interface ImportedProgress {
  taskSourceId: string
  agent?: string
  percent?: number
  message: string
  at?: string
}

/** Something in the source that has no place in our model, reported to the user. */
export interface Unmapped {
  /** Source id of the item, or the file name for file-level problems. */
  item: string
  /** The source field (`issue_type`, `dependencies[2].type`, `status`). */
  field: string
  /** The value that was not mapped, as found. */
  value: unknown
  /**
   * What we did instead, in a sentence (`kept as label`, `dropped`); for a
   * field of the wrong type it starts `expected <type>, found <type>`.
   */
  reason: string
  /** 1-based line in the source file, for line-based sources (beads JSON Lines). */
  line?: number
}

/** Everything an importer read from one source. */
export interface ImportPlan {
  /** `beads`, `taskmaster` or `task-orchestrator-v2.3`. */
  format: string
  /** Prefix of `source` for every task, e.g. `beads` → `beads:bd-05a8`. */
  sourcePrefix: string
  tasks: ImportedTask[]
  participants: ImportedParticipant[]
  context: ImportedContext[]
  notes: ImportedNote[]
  progress: ImportedProgress[]
  unmapped: Unmapped[]
}
