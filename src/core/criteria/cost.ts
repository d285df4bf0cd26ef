/**
 * What CEL values weigh and what the operations on them cost, in the units
 * of the evaluation budget (`budget.ts`): `size` counts list elements, map
 * entries and string characters; a step is about 80 ns of evaluation.
 *
 * Values share structure: `cel.bind(x, l.map(i, l), x.map(i, x))` holds
 * `l` 40,000 times while building only 40 + 200 list cells. Operations that
 * walk a value deeply (`==`, `!=`, `in`, `join`, stringifying a key) walk
 * every shared copy, so a value's weight here is its *logical* size: every
 * element of every list it reaches, a shared one as often as it is reached
 * (the red-team review of issue 14: `x6 == y6` over six levels of 40-element
 * lists, 469 characters, ran 19 s in one step). Weights are memoised per
 * object, so weighing a value costs no more than building it did.
 */

/** Characters of a linear string operation (lowerAscii, trim, …) per step; measured ~6 ns a character. */
export const CHARS_PER_STEP = 8

/**
 * Character pairs of a substring search per step: `lastIndexOf` in V8 is
 * O(text × search) (1 M × 5,000 characters took 3.9 s, ~0.8 ns a pair);
 * `indexOf`, `contains` and `split` are charged the same, to be safe.
 */
const PAIRS_PER_STEP = 64

/**
 * `duration(string)` parses with the backtracking `/(\d*\.?\d*)(ns|…|h)/`,
 * cubic in the length (1,000 digits took 650 ms, 2,000 took 4.5 s): charged
 * length³ / this many steps.
 */
const DURATION_CUBE_PER_STEP = 64

/** Functions whose list or map arguments are not walked (constant time). */
const SHALLOW = new Set(['size', 'dyn', 'type'])

/** Functions that search for their argument in their receiver. */
const SEARCH = new Set(['indexOf', 'lastIndexOf', 'contains', 'split'])

interface Weight {
  /** List elements and map entries, reached ones counted as often as they are reached. */
  items: number
  /** String characters and bytes, likewise. */
  chars: number
  /** An array's length when weighed: a comprehension appends to its result in place. */
  length: number
}

const NONE: Weight = { items: 0, chars: 0, length: 0 }

/** Logical sizes of the values of one evaluation, memoised per object. */
export class ValueSizes {
  private readonly memo = new WeakMap<object, Weight>()

  /** `size` units of `value`: elements, entries and characters it reaches (see the module comment). */
  size(value: unknown): number {
    const w = this.weigh(value)
    return w.items + w.chars
  }

  /** Steps a walk over all of `value` costs: one per element or entry, {@link CHARS_PER_STEP} characters per step. */
  work(value: unknown): number {
    const w = this.weigh(value)
    return w.items + Math.ceil(w.chars / CHARS_PER_STEP)
  }

  private weigh(value: unknown): Weight {
    if (typeof value === 'string') return { items: 0, chars: value.length, length: 0 }
    if (typeof value !== 'object' || value === null) return NONE
    if (value instanceof Uint8Array) return { items: 0, chars: value.length, length: 0 }
    const known = this.memo.get(value)
    if (known && (!Array.isArray(value) || known.length === value.length)) return known
    const w = { items: 0, chars: 0, length: Array.isArray(value) ? value.length : 0 }
    // Only values holding other lists or maps are remembered: weighing one of
    // scalars again costs what charging for it does, and remembering is not free.
    let nested = false
    const add = (v: unknown) => {
      if (typeof v === 'string') w.chars += v.length
      else if (typeof v === 'object' && v !== null) {
        const inner = this.weigh(v)
        w.items += inner.items
        w.chars += inner.chars
        nested = true
      }
    }
    if (Array.isArray(value) || value instanceof Set) {
      w.items += Array.isArray(value) ? value.length : value.size
      for (const v of value) add(v)
    } else if (value instanceof Map) {
      w.items += value.size
      for (const [k, v] of value) {
        add(k)
        add(v)
      }
    } else if (isPlainObject(value)) {
      for (const k in value) {
        w.items += 1
        w.chars += k.length
        add((value as Record<string, unknown>)[k])
      }
    } else return NONE // timestamps, durations, unsigned ints: constant size
    if (nested) this.memo.set(value, w)
    return w
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Whether `value` is a list or a map (not a valid map key in CEL). */
export function isContainer(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  return (
    Array.isArray(value) || value instanceof Set || value instanceof Map || isPlainObject(value)
  )
}

/**
 * Steps of calling function `name` on `values` (the receiver first for a
 * method), beyond the one step of the call itself: strings and bytes cost
 * their length ({@link CHARS_PER_STEP} characters per step), lists and maps their
 * logical size unless the function does not walk them (`size`, `dyn`,
 * `type`); substring searches the product of the lengths, `duration` the
 * cube of its argument's length.
 */
export function callCost(name: string, values: readonly unknown[], sizes: ValueSizes): number {
  const first = values[0]
  if (name === 'duration' && typeof first === 'string') {
    return Math.ceil(first.length ** 3 / DURATION_CUBE_PER_STEP)
  }
  let cost = 0
  for (const v of values) {
    if (isContainer(v) && SHALLOW.has(name)) continue
    cost += sizes.work(v)
  }
  const search = values[1]
  if (SEARCH.has(name) && typeof first === 'string' && typeof search === 'string') {
    cost += Math.ceil((first.length * Math.max(search.length, 1)) / PAIRS_PER_STEP)
  }
  return cost
}

/**
 * Steps of a binary operator beyond its own: `==`/`!=` walk both operands
 * up to the smaller; `in` a list compares with every element; `in` a map and
 * `[]` hash their key.
 */
export function operatorCost(op: string, left: unknown, right: unknown, sizes: ValueSizes) {
  switch (op) {
    case '==':
    case '!=':
      return Math.min(sizes.work(left), sizes.work(right))
    case 'in':
      return Array.isArray(right) || right instanceof Set ? sizes.work(right) : sizes.work(left)
    default:
      return sizes.work(right)
  }
}
