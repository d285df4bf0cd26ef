/**
 * How long does reading one hostile comment take? Every family builds the
 * worst shape we know for micromark (deep lists and quotes, brackets,
 * emphasis, code spans, HTML, tables, long lines) at GitHub's 65,536
 * characters, with and without command lines in it, and `parseComment` reads
 * it; the figure is the slowest of 5 runs after a warm-up, in event-loop
 * milliseconds (the parse is synchronous). Target: ≤ 50 ms for any comment.
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
  'plain prose, command at the end': () =>
    withCommand(fill('Hello world, this is a normal comment with some text.\n')),
}

function time(body: string): number {
  const t0 = performance.now()
  parseComment(body, { owner: 'o', repo: 'r' })
  return performance.now() - t0
}

const rows: string[] = []
let worst = 0
for (const [name, make] of Object.entries(families)) {
  const body = make()
  time(body) // warm-up
  let max = 0
  for (let i = 0; i < 5; i++) max = Math.max(max, time(body))
  worst = Math.max(worst, max)
  const parsed = parseComment(body)
  const outcome =
    parsed.errors[0]?.code === 'unreadable'
      ? 'not read (limit)'
      : `${parsed.commands.length} commands, ${parsed.errors.length} errors`
  rows.push(
    `| ${name} | ${body.length} | ${outcome} | ${max.toFixed(1)} | ${max <= TARGET_MS ? '✅' : '❌'} |`,
  )
}
console.log(`## Hostile comments (bench/comments.bench.ts)

Each family at GitHub's limit of 65,536 characters; slowest of 5 runs after a warm-up.
Target: every comment read in ≤ ${TARGET_MS} ms of event-loop time (worst: ${worst.toFixed(1)} ms ${worst <= TARGET_MS ? '✅' : '❌'}).

| family | characters | outcome | max ms | ≤ ${TARGET_MS} ms |
|---|---:|---|---:|:---:|
${rows.join('\n')}`)
