/**
 * Working together on a task from a terminal: `tm join`, `tm progress`,
 * `tm share` / `tm context` (shared context, YAML values), `tm note` /
 * `tm notes` (private notes). See docs/cli.md.
 */
import type { Command } from 'commander'
import { parseContextValue } from '../../core/context.js'
import { TaskError } from '../../core/errors.js'
import { githubTarget, onGitHub } from '../github.js'
import { table } from '../output.js'
import { action, openEngine, parseNumber, requireAgent } from '../runtime.js'

function yamlLine(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Register the collaboration commands on `program`. */
export function registerCollaborationCommands(program: Command): void {
  program
    .command('join')
    .description('Join a task as a participant (the lease holder stays single).')
    .argument('<id>', 'task id')
    .option('--role <role>', 'your role on it, e.g. reviewer')
    .action(
      action(
        (g, id: string, o: { role?: string }) => {
          const engine = openEngine(g)
          const participant = engine.join(id, requireAgent(g), o.role ?? null)
          return { task: id, participant, participants: engine.participants(id) }
        },
        (r) =>
          `${r.participant.agent} joined ${r.task}${r.participant.role ? ` as ${r.participant.role}` : ''}; participants: ${r.participants.map((p) => (p.role ? `${p.agent} (${p.role})` : p.agent)).join(', ')}.`,
      ),
    )

  program
    .command('progress')
    .description(
      'Report progress: a percentage (0–100) and a message, or only a message (as in the original v2.3: tm progress ID "message"); with neither, show the history.',
    )
    .argument('<id>', 'task id')
    .argument(
      '[percent]',
      'a whole number from 0 to 100 (`50` or `50%`); other text is the message',
    )
    .argument('[message...]', 'what was done')
    .action(
      action(
        async (g, id: string, first: string | undefined, rest: string[]) => {
          // A first argument that is a number is the percentage (checked:
          // `150` is refused); anything else starts the message.
          const percent =
            first !== undefined && /^[-+]?\d+(\.\d+)?%?$/.test(first)
              ? parseNumber(first.replace(/%$/, ''), 'percent', 0, 100, true)
              : null
          const message = (percent === null && first !== undefined ? [first, ...rest] : rest).join(
            ' ',
          )
          const github = githubTarget(g)
          if (github) {
            if (first === undefined)
              throw new TaskError(
                'InvalidInput',
                'On GitHub `tm progress` reports (/progress percent message); the history is on the issue’s status comment. Give a percent, e.g. tm progress ID 40 "lexer done".',
              )
            return onGitHub(g, github, (c, call) =>
              c.progress(id, { percent, ...(message ? { message } : {}) }, call),
            )
          }
          const engine = openEngine(g)
          if (first !== undefined) engine.progress(id, requireAgent(g), percent, message)
          return { task: id, progress: engine.progressHistory(id) }
        },
        (r) =>
          r.progress.length
            ? table(
                ['AT', 'AGENT', '%', 'MESSAGE'],
                r.progress.map((p) => [p.at, p.agent ?? '-', p.percent ?? '-', p.message]),
              )
            : `(no progress reported on ${r.task})`,
      ),
    )

  program
    .command('share')
    .description(
      'Share a value with everyone on the task (YAML: 42, true, [a, b], {k: v}, text); dependents inherit it on completion. With only a message (as in the original v2.3: tm share ID "message") it is shared under the next key update.1, update.2, …',
    )
    .argument('<id>', 'task id')
    .argument('<key>', 'letters, digits, "_", "-", "." — or, alone, the message to share')
    .argument('[value...]', 'a YAML value')
    .action(
      action(
        (g, id: string, key: string, value: string[]) => {
          const engine = openEngine(g)
          const agent = requireAgent(g)
          const entry =
            value.length === 0
              ? engine.shareUpdate(id, key, agent)
              : engine.share(id, key, parseContextValue(value.join(' ')), agent)
          return { task: id, entry }
        },
        (r) => `Shared ${r.entry.key} = ${JSON.stringify(r.entry.value)} on ${r.task}.`,
      ),
    )

  program
    .command('context')
    .description(
      "A task's shared context merged: values inherited from finished dependencies, its own on top (own wins).",
    )
    .argument('<id>', 'task id')
    .action(
      action(
        (g, id: string) => ({ context: openEngine(g).context(id) }),
        (r) => {
          const c = r.context
          const keys = Object.keys(c.merged).sort()
          if (keys.length === 0 && c.inherited.length === 0)
            return `(no shared context on ${c.task})`
          const own = new Set(c.own.map((e) => e.key))
          const lines = keys.map((k) => {
            const from = own.has(k)
              ? 'own'
              : [...c.inherited].reverse().find((i) => k in i.context)?.from
            return `${k}: ${yamlLine(c.merged[k])}   (${from})`
          })
          for (const i of c.inherited) {
            lines.push(`handed over by ${i.from} (${i.title}): ${i.summary || '(no summary)'}`)
          }
          return lines.join('\n')
        },
      ),
    )

  program
    .command('note')
    .description(
      'Keep a private note on a task (only you list it; stored in the database, readable by whoever can read the file).',
    )
    .argument('<id>', 'task id')
    .argument('<text...>', 'the note')
    .action(
      action(
        (g, id: string, text: string[]) => ({
          task: id,
          note: openEngine(g).note(id, requireAgent(g), text.join(' ')),
        }),
        (r) => `Noted on ${r.task} (#${r.note.id}).`,
      ),
    )

  program
    .command('notes')
    .description('Your private notes on a task, oldest first.')
    .argument('<id>', 'task id')
    .action(
      action(
        (g, id: string) => ({ task: id, notes: openEngine(g).notes(id, requireAgent(g)) }),
        (r) =>
          r.notes.length
            ? r.notes.map((n) => `${n.at}  ${n.text}`).join('\n')
            : `(no notes of yours on ${r.task})`,
      ),
    )
}
