/**
 * Success criteria from free text, shared by the beads and task-master
 * importers: one manual criterion per line, each at most
 * {@link CRITERION_MAX} characters (a cut is reported).
 */
import type { Criterion } from '../model.js'
import { TASK_LIMITS } from '../schemas.js'
import type { Unmapped } from './plan.js'

/** Longest criterion text the task schema accepts (`TASK_LIMITS.criterion`). */
export const CRITERION_MAX = TASK_LIMITS.criterion

/**
 * Manual success criteria from free text: one criterion per non-empty line,
 * with list markers (`-`, `*`, `+`, `1.`, `1)`, `[ ]`, `[x]`) removed. A line
 * longer than {@link CRITERION_MAX} characters is cut (ending in `…`) and
 * reported in `unmapped` under `item`/`field`.
 *
 * Shared by the beads and task-master importers.
 */
export function criteriaFromText(
  text: string,
  item: string,
  field: string,
  unmapped: Unmapped[],
): Criterion[] {
  const criteria: Criterion[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw
      .trim()
      .replace(/^(?:[-*+]|\d+[.)])\s+/, '')
      .replace(/^\[[ xX]\]\s*/, '')
      .trim()
    if (line === '') continue
    criteria.push({ criterion: capCriterion(line, item, field, unmapped) })
  }
  return criteria
}

/**
 * `text` (already trimmed) cut to {@link CRITERION_MAX} characters; a cut is
 * reported in `unmapped`.
 */
export function capCriterion(
  text: string,
  item: string,
  field: string,
  unmapped: Unmapped[],
  extraReason = '',
): string {
  if (text.length <= CRITERION_MAX) return text
  unmapped.push({
    item,
    field,
    value: text,
    reason: `criterion of ${text.length} characters cut to ${CRITERION_MAX}${extraReason}`,
  })
  return `${text.slice(0, CRITERION_MAX - 1).trimEnd()}…`
}
