/**
 * How long does reading one hostile comment take? Every family builds the
 * worst shape we know for micromark (deep lists and quotes, brackets,
 * emphasis, code spans, HTML, tables, long lines) at GitHub's 65,536
 * characters, with and without command lines in it, and `parseComment` reads
 * it (and, since most command lines are read without a Markdown parse,
 * comments of thousands of command lines and one command with an argument
 * of 65,000 characters of Markdown punctuation); the figure is the slowest of 5 runs after a warm-up, in CPU
 * milliseconds of the process (the parse is synchronous, so this is
 * event-loop time), with the median wall time beside it. Target: ≤ 50 ms
 * for any comment.
 */
import { parseComment } from '../src/github/commands.js'

const SIZE = 65_536
const TARGET_MS = 50

/** `unit` repeated to `SIZE` characters, ending with `tail`. */
const fill = (unit: string, tail = ''): string =>
  unit.repeat(Math.floor((SIZE - tail.length) / unit.length)) + tail

/** A paragraph that ends in a command, under the parse limits, after hostile filler. */
const withCommand = (filler: string): string => {
  const tail = '\n\nSome context\n/status'
  return filler.slice(0, SIZE - tail.length) + tail
}

const families: Record<string, () => string> = {
  'lists `- `': () => fill('- ', '/status'),
  'ordered lists `1. `': () => fill('1. ', '/status'),
  'quotes `>`': () => fill('>', '/status'),
  'quotes and lists `- > `': () => fill('- > ', '/status'),
  'indented lists, one per line': () =>
    Array.from({ length: 250 }, (_, i) => `${' '.repeat(i)}- x\n${' '.repeat(i + 2)}/claim`)
      .join('\n')
      .slice(0, SIZE),
  'brackets `[`': () => fill('[', '\n/status'),
  'links `[a](`': () => fill('[a]('),
  'emphasis `*a`': () => fill('*a', '\n/status'),
  'nested emphasis': () => `${'*'.repeat(SIZE / 2 - 10)}a${'*'.repeat(SIZE / 2 - 10)}\n/done`,
  'code spans of every length': () => {
    let s = ''
    for (let i = 1; s.length < SIZE - 1000; i++) s += `${'`'.repeat(i)}a\n`
    return `${s}/claim`
  },
  'HTML `<a `': () => fill('<a ', '\n/status'),
  'HTML blocks `<div>`': () => fill('<div>\n/status\n'),
  'table rows `|`': () => `a|b\n-|-\n${fill('|'.repeat(200).concat('\n/status\n'))}`,
  'one long line of `|`': () => fill('|', '\n/status'),
  'many small paragraphs with commands': () => fill('x\n/status\n\n'),
  'many command lines in one paragraph': () => fill('/progress 50 ok\n'),
  'lazy quote lines': () => fill('> a\n/status\n'),
  'blank-separated deep lists': () => fill(`${'- '.repeat(40)}x\n\n/status\n\n`),
  'hostile filler, command at the end': () => withCommand(fill('[*a_`<')),
  'at the parse limits: 16 open brackets': () =>
    `${Array.from({ length: 98 }, (_, i) => `${i < 16 ? '[' : ''}${'word '.repeat(8)}`).join('\n')}\n/status`,
  'at the parse limits: 8 `[` then 8 `]`': () =>
    `${'['.repeat(8)}\n${Array.from({ length: 97 }, (_, i) => `${i < 8 ? ']' : ''}${'word '.repeat(8)}`).join('\n')}\n/status`,
  'at the parse limits: 250 emphasis marks': () =>
    `${Array.from({ length: 90 }, (_, i) => `${i < 62 ? '*a _' : ''}${'word '.repeat(8)}`).join('\n')}\n/status`,
  'at the parse limits: 99 short lines': () =>
    `${Array.from({ length: 99 }, () => 'a').join('\n')}\n/status`,
  'plain prose, command at the end': () =>
    withCommand(fill('Hello world, this is a normal comment with some text.\n')),
  // Read without a parse: first lines of paragraphs, and lines with no inline opener before them.
  '4,000 command lines in one paragraph': () => {
    const words = ['/claim', '/progress 10 x', '/heartbeat', '/clam', '/done ok']
    const lines = Array.from({ length: 4000 }, (_, i) => (words[i % 5] ?? '').padEnd(15, ' '))
    const body = lines.join('\n')
    return body + '.'.repeat(SIZE - body.length)
  },
  'one command, a 65,000-character argument of brackets and backticks': () =>
    `/done ${'[`*_<'.repeat(Math.floor((SIZE - 6) / 5))}`,
  'one unknown command word of 65,535 letters': () => `/${'a'.repeat(SIZE - 1)}`,
  // Over the parse limits: the undecidable lines are reported one by one.
  'command lines after punctuation, one paragraph': () => fill('/done fix `a` [b](c)\n'),
  'short paragraphs needing a parse, over the limits in all': () => fill('x *y\n/status\n\n'),
}

/**
 * CPU milliseconds (user + system, `process.cpuUsage`) of one read: the work
 * the event loop does, without the time the process waits for a core (the
 * machine is shared); wall milliseconds beside it.
 */
function time(body: string): { cpu: number; wall: number } {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  parseComment(body, { owner: 'o', repo: 'r' })
  const wall = performance.now() - t0
  const c = process.cpuUsage(c0)
  return { cpu: (c.user + c.system) / 1000, wall }
}

const rows: string[] = []
let worst = 0
for (const [name, make] of Object.entries(families)) {
  const body = make()
  time(body) // warm-up
  let max = 0
  const walls: number[] = []
  for (let i = 0; i < 5; i++) {
    const t = time(body)
    max = Math.max(max, t.cpu)
    walls.push(t.wall)
  }
  const wall = walls.sort((a, b) => a - b)[2] ?? 0
  worst = Math.max(worst, max)
  const parsed = parseComment(body)
  const unread = parsed.errors.filter((e) => e.code === 'unreadable').length
  const outcome =
    parsed.errors[0]?.code === 'unreadable' && parsed.errors[0].command === ''
      ? 'not read (limit)'
      : `${parsed.commands.length} commands, ${parsed.errors.length - unread} errors${unread ? `, ${unread} lines not read (limit)` : ''}`
  rows.push(
    `| ${name} | ${body.length} | ${outcome} | ${wall.toFixed(1)} | ${max.toFixed(1)} | ${max <= TARGET_MS ? '✅' : '❌'} |`,
  )
}
console.log(`## Hostile comments (bench/comments.bench.ts)

Each family at GitHub's limit of 65,536 characters, or at the limits of what is given to the
Markdown parser; 5 runs after a warm-up: median wall time, and the slowest run's CPU time
(\`process.cpuUsage\`: the event loop's work, without waiting for a core on a shared machine).
Target: every comment read in ≤ ${TARGET_MS} ms of event-loop time (worst: ${worst.toFixed(1)} ms ${worst <= TARGET_MS ? '✅' : '❌'}).

| family | characters | outcome | median wall ms | max CPU ms | ≤ ${TARGET_MS} ms |
|---|---:|---|---:|---:|:---:|
${rows.join('\n')}`)
