/**
 * The links of a beads issue (`dependencies`): `blocks` edges become
 * dependencies, the earliest `parent-child` edge the parent, and every other
 * link type is reported. Part of the beads importer (`beads.ts`).
 */

import { describeType, wrongType } from './field-types.js'
import type { ImportedTask } from './plan.js'

const DEPENDENCY_REASON: Record<string, string> = {
  'discovered-from':
    "'discovered-from' records where the issue was found, not an order of work; link dropped",
  related: "'related' is an informational link, not a dependency; link dropped",
  'relates-to': "'relates-to' is an informational link, not a dependency; link dropped",
  supersedes: "'supersedes' is an informational link, not a dependency; link dropped",
  duplicates: "'duplicates' is an informational link, not a dependency; link dropped",
  'replies-to': "'replies-to' links mail messages, not work; link dropped",
}

interface BeadsDependency {
  issue_id?: unknown
  depends_on_id?: unknown
  type?: unknown
  created_at?: unknown
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Map `issue.dependencies` onto `task` (`dependsOn`, `parentSourceId`),
 * reporting through `report` every link dropped and why: a value that is not
 * a list or not a `{depends_on_id, type}` object (with the type expected), a
 * link belonging to another issue, an informational or unknown link type, a
 * link to itself, to an id not in the file or not imported, and every parent
 * but the earliest. Duplicates are merged. O(links).
 *
 * @param allIds every id in the file
 * @param imported the ids imported as tasks
 */
export function mapDependencies(
  issue: Record<string, unknown>,
  id: string,
  task: ImportedTask,
  allIds: Set<string>,
  imported: Set<string>,
  report: (field: string, value: unknown, reason: string) => void,
): void {
  const deps = issue.dependencies
  if (deps === undefined || deps === null) return
  if (!Array.isArray(deps)) {
    report('dependencies', deps, wrongType('a list of {depends_on_id, type}', deps, 'dropped'))
    return
  }
  const parents: { target: string; at: number; field: string; value: unknown }[] = []
  const blocks = new Set<string>()
  deps.forEach((dep: BeadsDependency, i) => {
    const field = `dependencies[${i}]`
    if (!isRecord(dep) || typeof dep.depends_on_id !== 'string' || typeof dep.type !== 'string') {
      report(
        field,
        dep,
        isRecord(dep)
          ? `expected {depends_on_id, type} as strings, found depends_on_id ${describeType(dep.depends_on_id)} and type ${describeType(dep.type)}; dropped`
          : wrongType('an object {depends_on_id, type}', dep, 'dropped'),
      )
      return
    }
    const target = dep.depends_on_id
    const value = { type: dep.type, depends_on_id: target }
    if (dep.issue_id !== undefined && dep.issue_id !== id) {
      report(
        field,
        { ...value, issue_id: dep.issue_id },
        `belongs to ${String(dep.issue_id)}, not ${id}; dropped`,
      )
      return
    }
    if (dep.type !== 'blocks' && dep.type !== 'parent-child') {
      report(
        `${field}.type`,
        value,
        DEPENDENCY_REASON[dep.type] ?? `unknown beads link type '${dep.type}'; link dropped`,
      )
      return
    }
    if (target === id) {
      report(field, value, 'an issue cannot depend on itself; dropped')
      return
    }
    if (!allIds.has(target)) {
      report(field, value, `${target} is not in the file; ${dep.type} link dropped`)
      return
    }
    if (!imported.has(target)) {
      report(field, value, `${target} is not imported (not a work item); ${dep.type} link dropped`)
      return
    }
    if (dep.type === 'blocks') {
      if (!blocks.has(target)) {
        blocks.add(target)
        task.dependsOn.push(target)
      }
    } else {
      const at = typeof dep.created_at === 'string' ? Date.parse(dep.created_at) : Number.NaN
      parents.push({ target, at: Number.isNaN(at) ? Number.POSITIVE_INFINITY : at, field, value })
    }
  })
  const targets = new Set<string>()
  const distinct = parents.filter((p) => !targets.has(p.target) && targets.add(p.target))
  if (distinct.length === 0) return
  const chosen = distinct.reduce((a, b) => (b.at < a.at ? b : a))
  task.parentSourceId = chosen.target
  for (const other of distinct) {
    if (other === chosen) continue
    report(
      other.field,
      other.value,
      `second parent; a task has one parent, kept the earliest (${chosen.target}), link dropped`,
    )
  }
}
