/**
 * Breaking the cycles of an imported graph in one linear pass. An import
 * brings many edges at once (dependencies, parent links), so checking each
 * new edge against the graph built so far (as `graph.ts` does for one
 * `tm dep add`) would cost O(E·(V+E)) — 17 minutes for a 100,000-task
 * chain. Instead one depth-first search over the whole imported graph finds
 * the edges to drop: those that point back to a task on the current search
 * path (back edges; Tarjan 1972, "Depth-first search and linear graph
 * algorithms"). Removing every back edge leaves a directed acyclic graph,
 * and each back edge really closes a cycle with the edges that are kept
 * (the search path leads from its target to its source), so every report is
 * true and no edge is dropped needlessly.
 */

/** An edge that was dropped because it closes a cycle. */
export interface CycleEdge {
  /** Source of the edge (the task that depends, or the child). */
  from: string
  /** Target of the edge (the dependency, or the parent). */
  to: string
  /**
   * The cycle as text, following the edges from `from` back to `from`
   * (`a → b → c → a`); cycles longer than {@link CYCLE_SHOWN} tasks show
   * their first and last tasks around `…`, with the count.
   */
  cycle: string
  /** Number of distinct tasks on the cycle (1 for an edge to itself). */
  length: number
}

/** Most tasks a cycle's text names in full. */
export const CYCLE_SHOWN = 8

/**
 * The edges to drop so that the graph has no cycle, found by an iterative
 * depth-first search (no recursion, so a 100,000-task chain cannot overflow
 * the stack). Roots are taken in the order of `nodes`, and each node's edges
 * in the order `targets` gives them, so the result is deterministic: for a
 * loop `a → b → … → a` found from `a`, the edge that returns to `a` is
 * dropped.
 *
 * O(V + E) time and memory, where V counts `nodes` and every node reached
 * from them, and E the edges `targets` returns. A node that `targets`
 * reports nothing for (outside the imported set) ends a path.
 *
 * @param nodes the nodes to start from, in order (each visited once)
 * @param targets the targets of a node's edges, without duplicates
 * @returns the dropped edges, in the order the search met them
 */
export function breakCycles(
  nodes: Iterable<string>,
  targets: (node: string) => readonly string[],
): CycleEdge[] {
  const dropped: CycleEdge[] = []
  const done = new Set<string>()
  /** Position of each node on the current path. */
  const onPath = new Map<string, number>()
  const path: string[] = []
  const edges: (readonly string[])[] = []
  const next: number[] = []
  const enter = (node: string) => {
    onPath.set(node, path.length)
    path.push(node)
    edges.push(targets(node))
    next.push(0)
  }
  for (const root of nodes) {
    if (done.has(root)) continue
    enter(root)
    while (path.length > 0) {
      const top = path.length - 1
      const node = path[top]!
      const out = edges[top]!
      const i = next[top]!
      if (i === out.length) {
        onPath.delete(node)
        done.add(node)
        path.pop()
        edges.pop()
        next.pop()
        continue
      }
      next[top] = i + 1
      const target = out[i]!
      const at = onPath.get(target)
      if (at !== undefined) {
        dropped.push({ from: node, to: target, ...describe(path, at, node) })
      } else if (!done.has(target)) {
        enter(target)
      }
    }
  }
  return dropped
}

/** Text of the cycle `from → path[at] → … → path[top] (= from)`. */
function describe(path: string[], at: number, from: string): { cycle: string; length: number } {
  const length = path.length - at
  if (length <= CYCLE_SHOWN) return { cycle: [from, ...path.slice(at)].join(' → '), length }
  const head = [from, ...path.slice(at, at + 3)]
  const tail = path.slice(path.length - 2)
  return { cycle: `${[...head, '…', ...tail].join(' → ')}, ${length} tasks`, length }
}

/**
 * Break the loops of imported parent links, shared by every importer (a
 * parent cannot complete before its subtasks, so a task that is its own
 * ancestor could never complete). `parentOf` maps a task to its parent; a
 * link whose parent is not `inImport` (a task already in the store, which
 * has no link to the new ones) ends the walk. Each link that closes a loop
 * is deleted from `parentOf` and returned, in the order the search met
 * them; what is left is a forest. O(n), iterative (see {@link breakCycles}).
 */
export function parentLinksToDrop(
  parentOf: Map<string, string>,
  inImport: (task: string) => boolean,
): CycleEdge[] {
  const dropped = breakCycles(parentOf.keys(), (task) => {
    const parent = parentOf.get(task)
    return parent !== undefined && inImport(parent) ? [parent] : []
  })
  for (const d of dropped) parentOf.delete(d.from)
  return dropped
}
