/**
 * Ticks in the task issue: after judging, the measurable criteria that passed
 * on this commit are ticked (`- [x]`) and those that now fail or error are
 * unticked (`- [ ]`). Manual criteria are never touched — only people tick
 * those. Only the character between the brackets changes (`setChecked`).
 */
import { setChecked } from '../../github/issue-body.js'
import type { JudgedCriterion } from './judge.js'

/**
 * The issue body with the measurable criteria of `criteria` ticked when they
 * passed and unticked when they failed or errored. `criteria` must have been
 * read from this very `body` (items are matched by line). Returns `body`
 * itself when no checkbox changes.
 */
export function tickCriteria(body: string, criteria: readonly JudgedCriterion[]): string {
  const measurable = criteria.filter((c) => c.expression !== null)
  const passed = new Set(measurable.filter((c) => c.outcome === 'pass').map((c) => c.line))
  const failed = new Set(measurable.filter((c) => c.outcome !== 'pass').map((c) => c.line))
  const ticked = setChecked(
    body,
    'criteria',
    (item) => passed.has(item.line) && !!item.measurable,
    true,
  )
  return setChecked(ticked, 'criteria', (item) => failed.has(item.line) && !!item.measurable, false)
}
