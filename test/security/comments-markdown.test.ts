/**
 * The bounded command-line finder against the full Markdown parse: on
 * generated comments of ordinary shape and size (lists, quotes, code, HTML,
 * tables, emphasis, links, lazy lines, tabs), `parseComment` finds exactly
 * the command lines that a GFM parse of the whole comment puts at the start
 * of paragraph text outside block quotes (the rule in src/github/commands.ts).
 */
import type { Nodes, Paragraph } from 'mdast'
import { fromMarkdown } from 'mdast-util-from-markdown'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { gfm } from 'micromark-extension-gfm'
import { describe, expect, it } from 'vitest'
import { parseComment } from '../../src/github/commands.js'

/** The rule, read from a GFM parse of the whole comment (the oracle). */
function referenceLines(body: string): number[] {
  const starts = [0]
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i)
    if (c === 10 || (c === 13 && body.charCodeAt(i + 1) !== 10)) starts.push(i + 1)
  }
  const tree = fromMarkdown(body, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] })
  const lines = new Set<number>()
  const scan = (p: Paragraph): void => {
    for (const child of p.children) {
      if (child.type !== 'text' || !child.position) continue
      const { start, end } = child.position
      for (let n = start.line; n <= end.line; n++) {
        const at = starts[n - 1] ?? 0
        let first = at
        while (body[first] === ' ' || body[first] === '\t') first++
        if (first >= (start.offset ?? 0) && first < (end.offset ?? 0) && body[first] === '/') {
          if (/^\/[A-Za-z](?:[A-Za-z-]*[A-Za-z])?(?:[ \t\u00a0]|$|\r|\n)/.test(body.slice(first)))
            lines.add(n)
        }
      }
    }
  }
  const visit = (node: Nodes): void => {
    if (node.type === 'blockquote') return
    if (node.type === 'paragraph') scan(node)
    else if ('children' in node) for (const c of node.children) visit(c)
  }
  visit(tree)
  return [...lines].sort((a, b) => a - b)
}

const found = (body: string): number[] => {
  const parsed = parseComment(body)
  return [...parsed.commands, ...parsed.errors].map((c) => c.line).sort((a, b) => a - b)
}

/** A deterministic generator (mulberry32), so a failure names its seed. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PREFIXES = [
  '',
  '',
  '',
  ' ',
  '  ',
  '   ',
  '    ',
  '\t',
  '- ',
  '* ',
  '1. ',
  '2) ',
  '> ',
  '> > ',
  '- > ',
  '> - ',
  '  - ',
  '-',
  '>',
  '10. ',
  '-\t',
  ' >  ',
]
const LINES = [
  '/claim',
  '/status',
  '/done Shipped *it*',
  '/progress 50 half',
  '/etc/hosts',
  'some text',
  'more **text**',
  '*open emphasis',
  'close* emphasis',
  '`open code',
  'close` code',
  '[link text',
  '](https://example.com)',
  '<!-- open',
  '-->',
  '<div>',
  '</div>',
  '<span class="x">',
  '<pre>',
  '</pre>',
  '```',
  '~~~',
  '```js',
  '---',
  '===',
  '***',
  '# heading',
  'a | b',
  '--- | ---',
  '| x | y |',
  '[ref]: /claim',
  '\\/claim',
  '',
  '',
  '',
  '<?php',
  '?>',
  '_x_',
  '~~strike',
  'strike~~',
]

describe('the bounded finder agrees with a full Markdown parse', () => {
  it('on 3,000 generated comments', () => {
    const bad: string[] = []
    for (let seed = 1; seed <= Number(process.env.COMMENT_SEEDS ?? 3000); seed++) {
      const rnd = random(seed)
      const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T
      const count = 1 + Math.floor(rnd() * 12)
      const lines: string[] = []
      for (let i = 0; i < count; i++) {
        const prefix = rnd() < 0.5 ? '' : pick(PREFIXES) + (rnd() < 0.2 ? pick(PREFIXES) : '')
        lines.push(prefix + pick(LINES))
      }
      const body = lines.join(rnd() < 0.1 ? '\r\n' : '\n')
      if (JSON.stringify(found(body)) !== JSON.stringify(referenceLines(body)))
        bad.push(`${seed} ${JSON.stringify(body)} ${found(body)} vs ${referenceLines(body)}`)
    }
    expect(bad).toEqual([])
  })
})
