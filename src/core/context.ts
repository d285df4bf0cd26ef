/**
 * Shared context: key → value pairs on a task, visible to everyone working on
 * it (`tm share ID key value`, `/share key: value`). Values are YAML, parsed
 * with the `yaml` package (YAML 1.2 core schema: `42` is a number, `true` a
 * boolean, `[a, b]` a list, anything else text), and stored as JSON.
 *
 * When a task completes, its summary *and its shared context* are handed to
 * each dependent as the entry `dependency.<id>` = `{ title, summary, context }`
 * (see `graph.handOver`, event `context_handed_over`). {@link mergedContext}
 * is what a dependent sees: inherited values first, its own on top.
 */
import { TaskError } from './errors.js'
import { appendEvent } from './events.js'
import { lazy } from './lazy.js'
import { type Ctx, requireOpen, requireTaskRow } from './tasks.js'

// Loaded on first use: `tm` start-up stays free of the YAML parser (see lazy.ts).
const yaml = lazy<typeof import('yaml')>('yaml')

/** Keys: letters, digits, `_`, `-`, `.`, starting with a letter; at most 100 characters. */
export const CONTEXT_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/
/** Prefix of the entries completion hands over; not writable by `share`. */
export const HANDED_OVER_PREFIX = 'dependency.'
/** Largest value accepted, in characters of its JSON form. */
export const CONTEXT_VALUE_MAX = 65_536

/** One shared-context entry; `updated_at` is ISO-8601 UTC. */
export interface ContextEntry {
  key: string
  value: unknown
  author: string | null
  updated_at: string
}

/**
 * Parse a value written by a person or agent as YAML. Throws
 * `InvalidInput` naming the YAML problem (line and column) when it is not
 * valid YAML.
 */
export function parseContextValue(text: string): unknown {
  try {
    return yaml().parse(text, { schema: 'core', prettyErrors: true }) ?? null
  } catch (err) {
    throw new TaskError(
      'InvalidInput',
      `The value is not valid YAML: ${(err as Error).message.split('\n')[0]!.replace(/[:.\s]+$/, '')}. Quote it to share it as text.`,
    )
  }
}

/**
 * Set `key` to `value` (already parsed) in the shared context of open task
 * `id`. Throws `InvalidInput` (bad key, a `dependency.` key, a value over
 * {@link CONTEXT_VALUE_MAX}), `TaskNotFound`, `InvalidTransition` (finished
 * task: its context was already handed over). Appends `context_shared`.
 */
export function share(
  ctx: Ctx,
  id: string,
  key: string,
  value: unknown,
  author: string | null,
): ContextEntry {
  if (!CONTEXT_KEY_PATTERN.test(key)) {
    throw new TaskError(
      'InvalidInput',
      `"${key}" is not a context key: start with a letter, then letters, digits, "_", "-" or "." (max 100).`,
    )
  }
  if (key.startsWith(HANDED_OVER_PREFIX)) {
    throw new TaskError(
      'InvalidInput',
      `Keys starting with "${HANDED_OVER_PREFIX}" hold what finished dependencies handed over; choose another key.`,
    )
  }
  const json = JSON.stringify(value ?? null)
  if (json.length > CONTEXT_VALUE_MAX) {
    throw new TaskError(
      'InvalidInput',
      `The value of "${key}" is ${json.length} characters as JSON; at most ${CONTEXT_VALUE_MAX} are accepted.`,
    )
  }
  const row = requireTaskRow(ctx.store, id)
  requireOpen(row, 'share context on')
  ctx.store.run(
    `INSERT INTO shared_context (task_id, key, value, author, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (task_id, key) DO UPDATE SET value = excluded.value, author = excluded.author,
       updated_at = excluded.updated_at`,
    [id, key, json, author, ctx.now],
  )
  appendEvent(ctx.store, {
    at: ctx.now,
    type: 'context_shared',
    task_id: id,
    actor: author,
    details: { key },
  })
  return { key, value: JSON.parse(json) as unknown, author, updated_at: ctx.now }
}

/** Every shared-context entry of task `id` (own and handed over), by key. */
export function contextEntries(ctx: Ctx, id: string): ContextEntry[] {
  return ctx.store
    .all<{ key: string; value: string; author: string | null; updated_at: string }>(
      'SELECT key, value, author, updated_at FROM shared_context WHERE task_id = ? ORDER BY key',
      [id],
    )
    .map((r) => ({ ...r, value: JSON.parse(r.value) as unknown }))
}

/** What a finished dependency handed over. */
export interface Inherited {
  from: string
  title: string
  summary: string
  context: Record<string, unknown>
  at: string
}

/** A task's context as its workers see it. */
export interface MergedContext {
  task: string
  /** The task's own entries (set with `share`). */
  own: ContextEntry[]
  /** Handed over by finished dependencies, oldest hand-over first. */
  inherited: Inherited[]
  /**
   * One object: inherited context values (a later hand-over wins over an
   * earlier one), then the task's own values on top — own always wins.
   */
  merged: Record<string, unknown>
}

/** The merged view of task `id`'s context (see {@link MergedContext}); throws `TaskNotFound`. */
export function mergedContext(ctx: Ctx, id: string): MergedContext {
  requireTaskRow(ctx.store, id)
  const entries = contextEntries(ctx, id)
  const own = entries.filter((e) => !e.key.startsWith(HANDED_OVER_PREFIX))
  const inherited = entries
    .filter((e) => e.key.startsWith(HANDED_OVER_PREFIX))
    .map((e): Inherited => {
      const v = (e.value ?? {}) as { title?: unknown; summary?: unknown; context?: unknown }
      return {
        from: e.key.slice(HANDED_OVER_PREFIX.length),
        title: typeof v.title === 'string' ? v.title : '',
        summary: typeof v.summary === 'string' ? v.summary : '',
        context:
          v.context && typeof v.context === 'object' && !Array.isArray(v.context)
            ? (v.context as Record<string, unknown>)
            : {},
        at: e.updated_at,
      }
    })
    .sort((a, b) => a.at.localeCompare(b.at) || a.from.localeCompare(b.from))
  const merged: Record<string, unknown> = {}
  for (const i of inherited) Object.assign(merged, i.context)
  for (const e of own) merged[e.key] = e.value
  return { task: id, own, inherited, merged }
}

/** The task's own context as one object, for handing over at completion. */
export function ownContext(ctx: Ctx, id: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const e of contextEntries(ctx, id)) {
    if (!e.key.startsWith(HANDED_OVER_PREFIX)) out[e.key] = e.value
  }
  return out
}
