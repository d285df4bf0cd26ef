/**
 * The command words of the comment grammar (./commands.ts) and what follows
 * from a word alone: the one list of commands, which permission rule
 * authorises each, and the "did you mean" suggestion for a word that is
 * none of them. Pure; nothing here talks to GitHub or the engine.
 */

/**
 * Every command word, in the order of the help text — the one list of
 * commands: the permission rules (`config.ts` `COMMANDS`, see
 * {@link RULED_COMMANDS}), the help reply and the "did you mean" suggestions
 * all come from it.
 */
export const COMMAND_NAMES = [
  'claim',
  'next',
  'heartbeat',
  'release',
  'done',
  'fail',
  'block',
  'unblock',
  'reopen',
  'progress',
  'feedback',
  'approve',
  'join',
  'share',
  'ask',
  'answer',
  'depends-on',
  'priority',
  'persona',
  'metrics',
  'status',
] as const

export type CommandName = (typeof COMMAND_NAMES)[number]

/**
 * Commands that are authorised by another command's permission rule:
 * `/next` claims a task, so the `claim` rule decides who may run it (a
 * repository that restricts claiming restricts `/next` with it).
 */
export const RULE_OF = { next: 'claim' } as const satisfies Partial<
  Record<CommandName, CommandName>
>

/** A command with a permission rule of its own (every command but those of {@link RULE_OF}). */
export type RuledCommand = Exclude<CommandName, keyof typeof RULE_OF>

/** The commands with a permission rule of their own, in help order (`config.ts` `COMMANDS`). */
export const RULED_COMMANDS: readonly RuledCommand[] = COMMAND_NAMES.filter(
  (name): name is RuledCommand => !Object.hasOwn(RULE_OF, name),
)

/** The permission rule that decides who may run `name`: its own, or the one {@link RULE_OF} names. */
export function ruleOf(name: CommandName): RuledCommand {
  return Object.hasOwn(RULE_OF, name)
    ? RULE_OF[name as keyof typeof RULE_OF]
    : (name as RuledCommand)
}

/** Is `word` (lower-cased, without the `/`) one of {@link COMMAND_NAMES}? */
export function isCommandName(word: string): word is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(word)
}

/** Letters of the longest command word. */
const LONGEST_NAME = Math.max(...COMMAND_NAMES.map((name) => name.length))

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent swaps):
 * `clam`→`claim` is 1, `hearbteat`→`heartbeat` is 1.
 */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[] = new Array(rows * cols).fill(0)
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0
  for (let i = 0; i < rows; i++) d[i * cols] = i
  for (let j = 0; j < cols; j++) d[j] = j
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, at(i - 2, j - 2) + 1)
      }
      d[i * cols + j] = v
    }
  }
  return at(a.length, b.length)
}

/**
 * The known command closest to `word`: within edit distance 1 (words of up
 * to 4 letters) or 2 (longer words), or the only command that `word` (3+
 * letters) is a prefix of. `undefined` when nothing is close.
 */
export function suggestCommand(word: string): CommandName | undefined {
  const w = word.toLowerCase()
  const limit = w.length <= 4 ? 1 : 2
  // The distance is at least the difference in length: a long word is close to nothing.
  if (w.length > LONGEST_NAME + limit) return undefined
  let best: CommandName | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const name of COMMAND_NAMES) {
    const distance = editDistance(w, name)
    if (distance <= limit && distance < bestDistance) {
      best = name
      bestDistance = distance
    }
  }
  if (best) return best
  const prefixed = COMMAND_NAMES.filter((name) => w.length >= 3 && name.startsWith(w))
  return prefixed.length === 1 ? prefixed[0] : undefined
}
