/**
 * Success criteria of a v2.3 task (`tasks.success_criteria`, JSON
 * `[{criterion, measurable}]`), with v2.3's `"true"`/`"false"` flags
 * translated. Part of the v2.3 importer (`v23-database.ts`).
 */
import type { Criterion } from '../model.js'
import { TASK_LIMITS } from '../schemas.js'
import { capCriterion } from './criteria-text.js'
import type { Unmapped } from './plan.js'

type Row = Record<string, unknown>

/**
 * The criteria in `raw` (a JSON text or an already parsed list). Every
 * entry dropped or changed is reported through `report` (field
 * `success_criteria[i]…`): not JSON, not a list, not an object, no text and
 * no expression, the `"true"` flag (kept as the CEL literal `true`), the
 * `"false"` flag (criterion made manual), an expression over 2,000
 * characters (made manual), other keys; texts over 500 characters are cut
 * (reported into `unmapped`).
 */
export function mapCriteria(
  id: string,
  raw: unknown,
  report: (field: string, value: unknown, reason: string) => void,
  unmapped: Unmapped[],
): Criterion[] {
  if (typeof raw === 'string' && raw.trim() === '') return []
  let list: unknown
  try {
    list = typeof raw === 'string' ? JSON.parse(raw) : raw
  } catch {
    report('success_criteria', raw, 'not valid JSON; no criteria imported')
    return []
  }
  if (!Array.isArray(list)) {
    report('success_criteria', raw, 'not a JSON list; no criteria imported')
    return []
  }
  const criteria: Criterion[] = []
  list.forEach((item: unknown, i) => {
    const field = `success_criteria[${i}]`
    if (typeof item === 'string') item = { criterion: item }
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      report(field, item, 'not a {criterion, measurable} object; dropped')
      return
    }
    const entry = item as Row
    let measurable: string | undefined
    const m = entry.measurable
    const flag = typeof m === 'string' ? m.trim().toLowerCase() : m
    if (flag === true || flag === 'true') {
      measurable = 'true'
      report(
        `${field}.measurable`,
        m,
        'v2.3 flag "true" kept as the CEL expression `true`, which always holds; replace it with a real check or remove it to make the criterion manual',
      )
    } else if (flag === false || flag === 'false') {
      report(
        `${field}.measurable`,
        m,
        'v2.3 flag "false" (not measurable): imported as a manual criterion without an expression',
      )
    } else if (typeof m === 'string' && m.trim() !== '') {
      if (m.trim().length <= TASK_LIMITS.expression) measurable = m.trim()
      else
        report(
          `${field}.measurable`,
          m,
          `expression longer than ${TASK_LIMITS.expression} characters; criterion imported as manual`,
        )
    } else if (m !== undefined && m !== null && m !== '') {
      report(`${field}.measurable`, m, 'not an expression; criterion imported as manual')
    }
    let text = typeof entry.criterion === 'string' ? entry.criterion.trim() : ''
    if (text === '') {
      if (measurable === undefined) {
        report(field, item, 'criterion has neither text nor expression; dropped')
        return
      }
      text = measurable
      report(
        `${field}.criterion`,
        entry.criterion ?? null,
        'no criterion text; the expression is used as its text',
      )
    }
    const criterion: Criterion = {
      criterion: capCriterion(text, id, `${field}.criterion`, unmapped),
    }
    if (measurable !== undefined) criterion.measurable = measurable
    for (const key of Object.keys(entry)) {
      if (key !== 'criterion' && key !== 'measurable') {
        report(`${field}.${key}`, entry[key], 'no such criterion field; dropped')
      }
    }
    criteria.push(criterion)
  })
  return criteria
}
