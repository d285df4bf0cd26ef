/**
 * The engine's collaboration commands (issue 6): participants, progress,
 * feedback, shared context, private notes, questions, approval checkpoints,
 * archive and export. Each public method is one command in one transaction,
 * like every engine command; `Engine` (engine.ts) inherits them, so front
 * doors call `engine.join(…)`, `engine.ask(…)` … as before.
 */
import { type Approval, approve } from './approval.js'
import { type ArchiveOutcome, archive } from './archive.js'
import {
  addNote,
  type Feedback,
  giveFeedback,
  join,
  latestProgress,
  type Note,
  notesOf,
  type Participant,
  type ProgressEntry,
  participants,
  progressHistory,
  recordProgress,
  shareUpdate,
} from './collaboration.js'
import { type ContextEntry, type MergedContext, mergedContext, share } from './context.js'
import { EngineBase } from './engine-base.js'
import { type ArchiveScope, type ExportedTask, exportTasks } from './export.js'
import {
  type AnswerOutcome,
  type AskOutcome,
  answer,
  ask,
  openQuestions,
  type Question,
  questionsOf,
} from './questions.js'
import { requireTaskRow } from './tasks.js'

/** Collaboration commands over {@link EngineBase}; see the module comment. */
export class CollaborationEngine extends EngineBase {
  /** Add `agent` as a participant with a role (see `collaboration.join`). */
  join(id: string, agent: string, role: string | null = null): Participant {
    return this.write((ctx) => join(ctx, id, agent, role))
  }

  /** Participants of a task. */
  participants(id: string): Participant[] {
    return this.read((ctx) => participants(ctx, id))
  }

  /**
   * Record progress (0–100 %, or null for a note without a percentage) with a
   * message; throws `InvalidInput` outside 0–100 or with neither.
   */
  progress(id: string, agent: string, percent: number | null, message = ''): ProgressEntry {
    return this.write((ctx) => recordProgress(ctx, id, agent, percent, message))
  }

  /** The progress history of a task, oldest first. */
  progressHistory(id: string): ProgressEntry[] {
    return this.read((ctx) => progressHistory(ctx, id))
  }

  /** The latest progress report, or null. */
  latestProgress(id: string): ProgressEntry | null {
    return this.read((ctx) => latestProgress(ctx, id))
  }

  /** Reviewer feedback on a completed task (ratings 1–5; see `collaboration.giveFeedback`). */
  feedback(id: string, actor: string | null, feedback: Feedback): void {
    this.write((ctx) => giveFeedback(ctx, id, actor, feedback))
  }

  /**
   * Share `key` = `value` (already parsed, see `context.parseContextValue`)
   * with everyone on the task (see `context.share`).
   */
  share(id: string, key: string, value: unknown, author: string | null = null): ContextEntry {
    return this.write((ctx) => share(ctx, id, key, value, author))
  }

  /**
   * Share free text under the next `update.<n>` key (see
   * `collaboration.shareUpdate`; v2.3's `tm share ID "message"`).
   */
  shareUpdate(id: string, text: string, author: string | null = null): ContextEntry {
    return this.write((ctx) => shareUpdate(ctx, id, text, author))
  }

  /** The task's context: own, inherited from finished dependencies, and merged (own wins). */
  context(id: string): MergedContext {
    return this.read((ctx) => mergedContext(ctx, id))
  }

  /** Keep a private note of `agent` on a task (database only; see `collaboration.addNote`). */
  note(id: string, agent: string, text: string): Note {
    return this.write((ctx) => addNote(ctx, id, agent, text))
  }

  /** `agent`'s own notes on a task, oldest first. */
  notes(id: string, agent: string): Note[] {
    return this.read((ctx) => notesOf(ctx, id, agent))
  }

  /**
   * Ask a question about a task (see `questions.ask`): when `askedBy` holds
   * the lease, the task waits and its lease clock pauses until answered.
   */
  ask(id: string, askedBy: string, askedOf: string | null, question: string): AskOutcome {
    return this.write((ctx) => ask(ctx, id, askedBy, askedOf, question))
  }

  /** Answer the oldest open question (or `questionId`); resumes a waiting task (see `questions.answer`). */
  answer(id: string, answeredBy: string, text: string, questionId?: number): AnswerOutcome {
    return this.write((ctx) => answer(ctx, id, answeredBy, text, questionId))
  }

  /** Unanswered questions of open tasks, oldest first. */
  openQuestions(): Question[] {
    return this.read((ctx) => openQuestions(ctx))
  }

  /** Every question of one task, oldest first; throws `TaskNotFound`. */
  questions(id: string): Question[] {
    return this.read((ctx) => {
      requireTaskRow(ctx.store, id)
      return questionsOf(ctx, id)
    })
  }

  /** Approve a task that requires approval (see `approval.approve`). */
  approve(id: string, actor: string): Approval {
    return this.write((ctx) => approve(ctx, id, actor))
  }

  /** Archive finished tasks older than `days` days (see `archive.archive`). */
  archive(days: number, actor: string | null = null, statuses?: readonly string[]): ArchiveOutcome {
    return this.write((ctx) => archive(ctx, days, actor, statuses))
  }

  /** Every task for export, oldest first (see `export.exportTasks`). */
  exportTasks(scope: ArchiveScope = 'include'): ExportedTask[] {
    return this.read((ctx) => exportTasks(ctx, scope))
  }
}
