/**
 * The task schema's refusals of an import, collected. Every importer writes
 * its tasks through `task-row.ts`; before anything is written, each row is
 * checked there, and when any row is refused the whole import is refused —
 * never half-applied — with every refused row named by its line (a beads
 * file) or record (the source id) and the schema's own sentence, the one
 * `tm add` would say (`title: at most 300 characters (got 301)`).
 */
import { TaskError } from '../errors.js'
import { type CheckedTaskRow, checkTaskRow, type TaskRowInput } from '../task-row.js'
import type { Unmapped } from './plan.js'

/** Most refused rows named in the message (`details.refused` has all). */
export const REFUSALS_SHOWN = 20

/** One row of an import to check, with where it came from. */
export interface RowToCheck {
  /** The record: the source id (`bd-05a8`, `master:3.1`, a task id). */
  item: string
  /** 1-based line in the source file, when the source is line-based. */
  line?: number | undefined
  row: TaskRowInput
}

/** The value at `path` in `row`, for the report. */
function valueAt(row: TaskRowInput, path: PropertyKey[]): unknown {
  let value: unknown = row
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

/** `line 3 (bd-1)` or `master:3.1`: where a refused row is in the source. */
export function placeOf(item: string, line?: number): string {
  return line === undefined ? item : `line ${line} (${item})`
}

/**
 * Collects the task schema's refusals of one import, row by row, so that a
 * row is checked as soon as it is built (the unchecked row is garbage at
 * once: an import of 100,000 tasks holds one copy of its rows, not two).
 */
export class RowRefusals {
  /** Every refusal so far, as an {@link Unmapped} (`reason`: the schema's sentence). */
  readonly refused: Unmapped[] = []

  /** @param format the import format, named in the refusal (`beads`) */
  constructor(private readonly format: string) {}

  /**
   * Check one row (`checkTaskRow`): the checked row, or undefined when
   * refused (the refusal is collected).
   */
  check({ item, line, row }: RowToCheck): CheckedTaskRow | undefined {
    const result = checkTaskRow(row)
    if (result.ok) return result.row
    for (const p of result.problems) {
      this.refused.push({
        item,
        ...(line !== undefined ? { line } : {}),
        field: p.path.map(String).join('.'),
        value: valueAt(row, p.path),
        reason: p.text,
      })
    }
    return undefined
  }

  /**
   * Refuse the import when any row was refused; nothing has been written.
   *
   * @throws TaskError('BadImport'): the message names up to
   *   {@link REFUSALS_SHOWN} refusals as `<place>: <field>: <what is wrong>`,
   *   and `details.refused` lists every one as an {@link Unmapped} (`item`,
   *   `line`, `field` as a path such as `success_criteria.0.criterion`,
   *   `value`, `reason`: the schema's sentence).
   */
  throwIfAny(): void {
    const refused = this.refused
    if (refused.length === 0) return
    const tasks = new Set(refused.map((r) => r.item)).size
    const shown = refused
      .slice(0, REFUSALS_SHOWN)
      .map((r) => `${placeOf(r.item, r.line)}: ${r.reason}`)
    throw new TaskError(
      'BadImport',
      `${this.format}: ${tasks} task${tasks === 1 ? '' : 's'} of the source break${tasks === 1 ? 's' : ''} the rules every task follows, so nothing was imported. Fix ${tasks === 1 ? 'it' : 'them'} in the source and import again:\n  ${shown.join('\n  ')}${
        refused.length > REFUSALS_SHOWN ? `\n  … and ${refused.length - REFUSALS_SHOWN} more` : ''
      }`,
      { format: this.format, refused },
    )
  }
}
