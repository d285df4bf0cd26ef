/**
 * Puts a parsed, type-checked CEL expression under a {@link Meter}: every
 * node of its syntax tree counts a step when evaluated, the values that
 * operators, functions, literals and comprehensions build count their size,
 * and `string.matches` runs on RE2 (`regex.ts`) instead of JavaScript's
 * backtracking `RegExp`.
 *
 * `@marcbachmann/cel-js` has structural limits (nodes, depth, literal sizes)
 * but no cost limit and no way to replace a built-in function, so this module
 * relies on the shape of its syntax tree (v8: `parse(expression).ast`; each
 * node has `op`, `args`, `meta` and is evaluated through its own
 * `evaluate(evaluator, node, context)`; a macro such as `map` or `all`
 * expands to `meta.alternate`, `cel.bind`/`has` to `meta.macro`). The
 * hostile-criteria tests (test/security/criteria-budget.test.ts) fail if an
 * upgrade of the library changes that shape so that work escapes the meter.
 */
import { type Meter, valueSize } from './budget.js'
import { compile, type PatternCache, re2Matches } from './regex.js'

/** What `evaluate` receives: the library's evaluator; `run(node, context)` evaluates a child. */
interface Evaluator {
  run(node: AstNode, context: unknown): unknown
}

type Evaluate = (this: AstNode, ev: Evaluator, node: AstNode, context: unknown) => unknown

/** The part of the library's syntax-tree node this module uses. */
interface AstNode {
  op: string
  args: unknown
  evaluate: Evaluate
  readonly meta: {
    evaluate?: Evaluate
    alternate?: AstNode
    macro?: { evaluate?: Evaluate } & Record<string, unknown>
  }
}

/** Operators whose result is a value they built (its size is counted). */
const BUILDS = new Set(['+', 'call', 'rcall', 'list', 'map', 'comprehension'])

function isNode(value: unknown): value is AstNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AstNode).op === 'string' &&
    typeof (value as AstNode).evaluate === 'function' &&
    typeof (value as AstNode).meta === 'object'
  )
}

/** Every node reachable from `root`, through arguments, expansions and macro parts. */
function collect(root: AstNode): AstNode[] {
  const seen = new Set<AstNode>()
  const pending: unknown[] = [root]
  const visitedObjects = new Set<object>()
  while (pending.length > 0) {
    const item = pending.pop()
    if (typeof item !== 'object' || item === null || visitedObjects.has(item)) continue
    visitedObjects.add(item)
    if (isNode(item)) {
      seen.add(item)
      pending.push(item.args, item.meta.alternate, item.meta.macro)
    } else if (Array.isArray(item)) {
      pending.push(...item)
    } else if (Object.getPrototypeOf(item) === Object.prototype) {
      pending.push(...Object.values(item))
    }
  }
  return [...seen]
}

/** The evaluation the library would run for `node` (what `ASTNode.prototype.evaluate` dispatches to). */
function target(node: AstNode): Evaluate {
  const { alternate, macro, evaluate } = node.meta
  if (alternate) return (ev, _node, context) => alternate.evaluate(ev, alternate, context)
  if (macro?.evaluate) {
    const run = macro.evaluate
    const self = macro as unknown as AstNode
    return (ev, _node, context) => run.call(self, ev, self, context)
  }
  if (typeof evaluate !== 'function') {
    throw new Error(`criteria evaluation: unexpected syntax tree (no evaluation for '${node.op}')`)
  }
  return evaluate
}

/** `receiver.matches(pattern)` nodes: the receiver and pattern nodes, else undefined. */
function matchesCall(node: AstNode): [AstNode, AstNode] | undefined {
  if (node.op !== 'rcall' || !Array.isArray(node.args)) return undefined
  const [name, receiver, args] = node.args as [unknown, unknown, unknown]
  if (name !== 'matches' || !isNode(receiver) || !Array.isArray(args) || args.length !== 1) {
    return undefined
  }
  return isNode(args[0]) ? [receiver, args[0]] : undefined
}

/**
 * Wrap the evaluation of every node of `root` (a tree from
 * `Environment.parse(expression).ast`, already type-checked) so that it is
 * counted by `meter`; `matches` on two strings uses RE2. Mutates the tree:
 * parse a fresh one for each evaluation.
 *
 * @throws Error when the tree is not shaped as expected (a library upgrade).
 */
export function meterTree(root: AstNode | unknown, meter: Meter): void {
  if (!isNode(root)) throw new Error('criteria evaluation: unexpected syntax tree (no root node)')
  const patterns: PatternCache = new Map()
  for (const node of collect(root)) {
    const original = target(node)
    const builds = BUILDS.has(node.op)
    const regex = matchesCall(node)
    node.evaluate = function metered(ev, self, context) {
      meter.step()
      if (regex) {
        const text = ev.run(regex[0], context)
        const pattern = ev.run(regex[1], context)
        if (typeof text === 'string' && typeof pattern === 'string') {
          return re2Matches(text, pattern, meter, patterns)
        }
      }
      const value = original.call(this, ev, self, context)
      if (builds)
        meter.built(node.op === 'map' ? (node.args as unknown[]).length : valueSize(value))
      return value
    }
  }
}

/**
 * Check the literal patterns of `matches` calls in `root` (a parsed tree) as
 * RE2, so that `tm add` and the gate refuse `"x".matches("(?=x)")` before
 * any evaluation. Patterns computed at run time are checked when matched.
 *
 * @throws Error `Invalid regular expression: <pattern> (<reason>)`.
 */
export function checkPatterns(root: unknown): void {
  if (!isNode(root)) return
  for (const node of collect(root)) {
    const pattern = matchesCall(node)?.[1]
    if (pattern?.op === 'value' && typeof pattern.args === 'string') compile(pattern.args)
  }
}
