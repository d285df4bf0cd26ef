/**
 * The critical path of open work: the chain of dependent tasks with the most
 * estimated hours (CPM — Kelley & Walker 1959). One computation for every
 * reader: `tm critical-path` (`graph.criticalPath`, over the whole store) and
 * the report and dashboard (`report/model.ts`, over one repository's open
 * tasks). Pure: no database, no clock.
 */

/** The critical path: the chain of open tasks with the most estimated work. */
export interface CriticalPath {
  /** Task ids, first to do first. */
  tasks: string[]
  /** Sum of `estimated_hours` along the path (1 h assumed where missing), to 2 decimals. */
  hours: number
}

/** A task as the critical path weighs it: its id and estimate in hours (`null`: 1 h). */
export interface WeighedTask {
  id: string
  estimated_hours: number | null
}

/** A dependency edge: `to` depends on `from` (`from` comes first). */
export interface WorkEdge {
  from: string
  to: string
}

/**
 * The longest path of the dependency DAG made of `nodes` and `edges`, each
 * task weighing its `estimated_hours` (1 h where `null`): Kahn's topological
 * order from the tasks with no dependency among `nodes` towards their
 * dependents, O(V + E) after sorting. Ties are broken by task id (the
 * smallest end, then the first dependency in id order), so the answer depends
 * on the graph only, not on the order the caller listed it in. Edges with an end outside `nodes` are ignored.
 *
 * @param nodes the open tasks (the caller chooses which are open)
 * @param edges dependencies among them, `from` before `to`; must be acyclic
 *   (the engine refuses cycles), a cycle's tasks are left out
 * @returns `{ tasks: [], hours: 0 }` when there are no nodes
 */
export function longestPath(
  nodes: readonly WeighedTask[],
  edges: readonly WorkEdge[],
): CriticalPath {
  if (nodes.length === 0) return { tasks: [], hours: 0 }
  const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
  const ordered = [...nodes].sort((a, b) => byId(a.id, b.id))
  const weight = new Map(ordered.map((n) => [n.id, n.estimated_hours ?? 1]))
  const dependents = new Map<string, string[]>()
  const indegree = new Map<string, number>(ordered.map((n) => [n.id, 0]))
  const sorted = edges
    .filter((e) => weight.has(e.from) && weight.has(e.to))
    .sort((a, b) => byId(a.from, b.from) || byId(a.to, b.to))
  for (const e of sorted) {
    const list = dependents.get(e.from)
    if (list) list.push(e.to)
    else dependents.set(e.from, [e.to])
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1)
  }
  const best = new Map<string, number>()
  const previous = new Map<string, string>()
  const queue: string[] = []
  for (const [id, degree] of indegree) {
    if (degree === 0) {
      queue.push(id)
      best.set(id, weight.get(id)!)
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!
    for (const next of dependents.get(id) ?? []) {
      const candidate = best.get(id)! + weight.get(next)!
      if (candidate > (best.get(next) ?? -1)) {
        best.set(next, candidate)
        previous.set(next, id)
      }
      const degree = indegree.get(next)! - 1
      indegree.set(next, degree)
      if (degree === 0) queue.push(next)
    }
  }
  if (queue.length === 0) return { tasks: [], hours: 0 }
  let end = queue[0]!
  for (const id of queue) {
    const diff = best.get(id)! - best.get(end)!
    if (diff > 0 || (diff === 0 && byId(id, end) < 0)) end = id
  }
  const path = [end]
  for (let p = previous.get(end); p !== undefined; p = previous.get(p)) path.push(p)
  return { tasks: path.reverse(), hours: Math.round(best.get(end)! * 100) / 100 }
}
