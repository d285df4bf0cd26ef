/**
 * Puts a parsed, type-checked CEL expression under a {@link Meter}: every
 * node of its syntax tree counts a step when evaluated, operations that walk
 * their operands count that work (`cost.ts`), the values that operators,
 * functions, literals and comprehensions build count their logical size, and
 * `string.matches` runs on RE2 (`regex.ts`) instead of JavaScript's
 * backtracking `RegExp`.
 *
 * `@marcbachmann/cel-js` has structural limits (nodes, depth, literal sizes)
 * but no cost limit and no way to replace a built-in function, so this module
 * relies on the shape of its syntax tree (v8: `parse(expression).ast`; each
 * node has `op`, `args`, `meta` and is evaluated through its own
 * `evaluate(evaluator, node, context)`; a macro such as `map` or `all`
 * expands to `meta.alternate`, `cel.bind`/`has` to `meta.macro`; a checked
 * operator or function node carries `handle`, called with the operands'
 * values — `(left, right, node, evaluator)` for a binary operator,
 * `(values, node, evaluator)` for a function, `(values, evaluator, node)`
 * for a method — which this module calls itself after charging for those
 * values). The hostile-criteria tests (test/security/criteria-budget.test.ts)
 * fail if an upgrade of the library changes that shape so that work escapes
 * the meter.
 */
import type { Meter } from './budget.js'
import { callCost, isContainer, operatorCost, ValueSizes } from './cost.js'
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
  handle?: (...args: unknown[]) => unknown
  readonly meta: {
    evaluate?: Evaluate
    alternate?: AstNode
    macro?: { evaluate?: Evaluate } & Record<string, unknown>
  }
}

/** Operators whose result is a value they built (its size is counted). */
const BUILDS = new Set(['+', 'list', 'map', 'comprehension'])

/** Binary operators that walk or hash their operands (`==` of two lists compares every element). */
const WALKS = new Set(['==', '!=', 'in', '[]'])

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
    throw unexpected(`no evaluation for '${node.op}'`)
  }
  return evaluate
}

function unexpected(what: string): Error {
  return new Error(`criteria evaluation: unexpected syntax tree (${what})`)
}

/** A function or method call the library evaluates through `handle`: its name, receiver and argument nodes. */
interface Call {
  name: string
  /** The receiver first for a method (`rcall`). */
  operands: AstNode[]
  method: boolean
}

function plainCall(node: AstNode): Call | undefined {
  if ((node.op !== 'call' && node.op !== 'rcall') || node.meta.alternate || node.meta.macro) {
    return undefined
  }
  const parts = node.args as unknown[]
  const method = node.op === 'rcall'
  const name = parts[0]
  const args = parts[method ? 2 : 1]
  const operands = method ? [parts[1], ...((args as unknown[]) ?? [])] : args
  if (typeof name !== 'string' || !Array.isArray(operands) || !operands.every(isNode)) {
    throw unexpected(`arguments of '${String(name)}'`)
  }
  if (typeof node.handle !== 'function') throw unexpected(`no handle for '${name}'`)
  return { name, operands, method }
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

/** Nodes whose value must not be a list or map: the keys of map literals. */
function mapKeys(nodes: AstNode[]): Set<AstNode> {
  const keys = new Set<AstNode>()
  for (const node of nodes) {
    if (node.op !== 'map' || !Array.isArray(node.args)) continue
    for (const entry of node.args as unknown[]) {
      if (Array.isArray(entry) && isNode(entry[0])) keys.add(entry[0])
    }
  }
  return keys
}

/** Nodes whose value a comprehension iterates over (a map's keys are copied first). */
function iterables(nodes: AstNode[]): Set<AstNode> {
  const found = new Set<AstNode>()
  for (const node of nodes) {
    const iterable =
      node.op === 'comprehension' ? (node.args as { iterable?: unknown }).iterable : 0
    if (isNode(iterable)) found.add(iterable)
  }
  return found
}

/**
 * A list or map used as a map key: the library would turn it into a string
 * (JavaScript's `toString`, a walk of the whole value) and look that up; CEL
 * allows only int, uint, bool and string keys.
 */
function keyError(key: unknown): Error {
  return new Error(
    `map keys must be int, uint, bool or string, not a ${Array.isArray(key) || key instanceof Set ? 'list' : 'map'}`,
  )
}

function isMap(value: unknown): boolean {
  return isContainer(value) && !Array.isArray(value) && !(value instanceof Set)
}

/**
 * Wrap the evaluation of every node of `root` (a tree from
 * `Environment.parse(expression).ast`, already type-checked) so that it is
 * counted by `meter`; `matches` on two strings uses RE2; a list or map used
 * as a map key is an error. Mutates the tree: parse a fresh one for each
 * evaluation.
 *
 * @throws Error when the tree is not shaped as expected (a library upgrade).
 */
export function meterTree(root: AstNode | unknown, meter: Meter): void {
  if (!isNode(root)) throw unexpected('no root node')
  const patterns: PatternCache = new Map()
  const sizes = new ValueSizes()
  const nodes = collect(root)
  const keys = mapKeys(nodes)
  const iterated = iterables(nodes)
  for (const node of nodes) {
    const run = evaluation(node, meter, sizes, patterns)
    const key = keys.has(node)
    const iterable = iterated.has(node)
    node.evaluate = function metered(ev, self, context) {
      meter.step()
      const value = run.call(this, ev, self, context)
      if (key && isContainer(value)) throw keyError(value)
      if (iterable && isMap(value)) {
        meter.step(value instanceof Map ? value.size : Object.keys(value as object).length)
      }
      return value
    }
  }
}

/** How `node` is evaluated under the meter (its own step is counted by the caller). */
function evaluation(node: AstNode, meter: Meter, sizes: ValueSizes, patterns: PatternCache) {
  const original = target(node)
  const charge = (n: number) => {
    if (n > 0) meter.step(n)
  }
  if (WALKS.has(node.op) && !node.meta.alternate && !node.meta.macro) {
    const [left, right] = node.args as [unknown, unknown]
    const handle = node.handle
    if (!isNode(left) || !isNode(right) || typeof handle !== 'function') {
      throw unexpected(`operands of '${node.op}'`)
    }
    return (ev: Evaluator, _self: AstNode, context: unknown) => {
      const l = ev.run(left, context)
      const r = ev.run(right, context)
      const key = node.op === 'in' ? (isMap(r) ? l : undefined) : isMap(l) ? r : undefined
      if (isContainer(key)) throw keyError(key)
      charge(operatorCost(node.op, l, r, sizes))
      return handle(l, r, node, ev)
    }
  }
  const call = plainCall(node)
  if (call) {
    const handle = node.handle!
    const regex = call.method && call.name === 'matches' && call.operands.length === 2
    return (ev: Evaluator, _self: AstNode, context: unknown) => {
      const values = call.operands.map((operand) => ev.run(operand, context))
      if (regex && typeof values[0] === 'string' && typeof values[1] === 'string') {
        return re2Matches(values[0], values[1], meter, patterns)
      }
      charge(callCost(call.name, values, sizes))
      const value = call.method ? handle(values, ev, node) : handle(values, node, ev)
      // An identity (`dyn(l)`) returns its argument: nothing was built.
      if (!(typeof value === 'object' && values.includes(value))) meter.built(sizes.size(value))
      return value
    }
  }
  if (BUILDS.has(node.op)) {
    return function built(this: AstNode, ev: Evaluator, self: AstNode, context: unknown) {
      const value = original.call(this, ev, self, context)
      meter.built(sizes.size(value))
      return value
    }
  }
  return original
}

/**
 * Check the literal patterns of `matches` calls in `root` (a parsed tree) as
 * RE2, so that `tm add` and the gate refuse `"x".matches("(?=x)")` before
 * any evaluation. Patterns computed at run time are checked when matched.
 * Compiling counts against `meter` (`regex.ts`), and a pattern whose program
 * would be too large is refused before it is compiled, so checking is
 * bounded too.
 *
 * @throws Error `Invalid regular expression: <pattern> (<reason>)`;
 *   BudgetExceeded from `meter`.
 */
export function checkPatterns(root: unknown, meter: Meter): void {
  if (!isNode(root)) return
  const checked = new Set<string>()
  for (const node of collect(root)) {
    const pattern = matchesCall(node)?.[1]
    if (pattern?.op !== 'value' || typeof pattern.args !== 'string') continue
    if (checked.has(pattern.args)) continue
    checked.add(pattern.args)
    compile(pattern.args, meter)
  }
}
