/**
 * Hostile comments: any body up to GitHub's 65,536 characters is read
 * without throwing (micromark overflowed its stack from ~3,000 nesting
 * levels and took minutes on `"- ".repeat(32000)`), and commands are found
 * as the rule in src/github/commands.ts says: a comment nested too deep or
 * too long is refused as unreadable; a command line only a Markdown parse
 * beyond the limits could decide is reported on its own, the rest is read. Times are measured in bench/comments.bench.ts.
 */
import { describe, expect, it } from 'vitest'
import {
  MAX_COMMAND_LINES,
  MAX_COMMENT_CHARS,
  MAX_NESTING,
  parseComment,
} from '../../src/github/commands.js'

const SIZE = 65_536
const fill = (unit: string, tail = ''): string =>
  unit.repeat(Math.floor((SIZE - tail.length) / unit.length)) + tail
const read = (body: string) => {
  const parsed = parseComment(body, { owner: 'o', repo: 'r' })
  return {
    commands: parsed.commands.map((c) => [c.name, c.line]),
    unreadable: parsed.errors.filter((e) => e.code === 'unreadable').map((e) => e.line),
    errors: parsed.errors.length,
  }
}

describe('hostile comments are read without throwing', () => {
  const shapes: [string, string][] = [
    ['nested lists', fill('- ', '/status')],
    ['nested ordered lists', fill('1. ', '/status')],
    ['nested quotes', fill('>', '/status')],
    ['quotes and lists', fill('- > ', '/status')],
    ['tabs after list markers', fill('-\t', '/status')],
    ['brackets', fill('[')],
    ['link openers', fill('[a](')],
    ['images', fill('![')],
    ['emphasis', fill('*a')],
    ['nested emphasis', `${'*'.repeat(30000)}a${'*'.repeat(30000)}`],
    ['underscores', fill('_a ')],
    ['strikethrough', fill('~a ')],
    ['angle brackets', fill('<')],
    ['HTML openers', fill('<a ')],
    ['HTML comments', fill('<!--')],
    ['backticks', fill('`')],
    ['pipes', fill('|')],
    ['table rows', `a|b\n-|-\n${fill('|'.repeat(100).concat('\n'))}`],
    ['escapes', fill('\\')],
    ['entities', fill('&')],
    ['footnotes', fill('[^')],
    ['definitions', fill('[a]: b\n')],
  ]
  for (const [name, body] of shapes) {
    it(`${name}: no command (no line starts with one)`, () => {
      expect(body.length).toBeLessThanOrEqual(SIZE)
      expect(read(body)).toEqual({ commands: [], unreadable: [], errors: 0 })
    })
  }

  it('a command after a deeply nested list is read when nesting stays within the limit', () => {
    const nested = `${'- '.repeat(MAX_NESTING - 1)}item\n\n/claim`
    expect(read(nested).commands).toEqual([['claim', 3]])
  })

  it('a comment nested deeper than the limit is refused as a whole, with one error', () => {
    const body = `${'- '.repeat(32000)}x\n\n/status`
    expect(read(body)).toEqual({ commands: [], unreadable: [1], errors: 1 })
    const error = parseComment(body).errors[0]!
    expect(error.message).toContain(`more than ${MAX_NESTING} levels`)
    expect(error.raw.length).toBeLessThanOrEqual(61)
    expect(read(`${fill('>', '\n')}\n/status`).unreadable).toEqual([1])
    expect(read(`${fill('- > ', 'x\n')}\n/status`).unreadable).toEqual([1])
  })

  it('a paragraph over the parse limits costs only its undecidable lines, each reported', () => {
    // Before: the whole comment was refused ("unreadable", nothing run).
    const bracketed = read(`${fill('[', '\n/status')}`)
    expect(bracketed).toEqual({ commands: [], unreadable: [2], errors: 1 })
    expect(read(`${'*a_'.repeat(150)}\n/status`)).toEqual({
      commands: [],
      unreadable: [2],
      errors: 1,
    })
    const links = Array.from({ length: 17 }, (_, i) => `[#${i}](https://x/${i})`).join(' ')
    const body = `/claim\n/done ${links}\n/status\n\n/progress 50 ${links}`
    expect(read(body)).toEqual({
      commands: [
        ['claim', 1],
        ['done', 2],
        ['progress', 5],
      ],
      unreadable: [3],
      errors: 1,
    })
    const error = parseComment(body).errors[0]!
    expect(error).toMatchObject({ code: 'unreadable', line: 3, command: 'status', raw: '/status' })
    expect(error.message).toMatch(/^Line 3 \(\/status\) was not read: it follows other text/)
    expect(error.message).toContain('over the limit of 16 brackets')
    expect(error.message).toContain('Put a blank line before it to run it.')
  })

  it('command lines at the start of a paragraph are read whatever their length and punctuation', () => {
    const summary = '[`*_~<!\\|'.repeat(Math.floor((SIZE - 10) / 10))
    const [done] = parseComment(`/done ${summary}`).commands
    expect(done).toMatchObject({ name: 'done', line: 1, summary })
    // Thousands of command lines: the first MAX_COMMAND_LINES are read, the rest get one error.
    const many = read(fill('/progress 50 ok\n'))
    expect(many.commands).toHaveLength(MAX_COMMAND_LINES)
    expect(many.unreadable).toEqual([MAX_COMMAND_LINES + 1])
    expect(read(fill('x\n/status\n\n')).commands).toHaveLength(MAX_COMMAND_LINES)
    expect(read(fill('/clam\n')).errors).toBe(MAX_COMMAND_LINES + 1)
    const allowed = read('/status\n'.repeat(MAX_COMMAND_LINES))
    expect(allowed).toMatchObject({ errors: 0 })
    expect(allowed.commands).toHaveLength(MAX_COMMAND_LINES)
    const long = parseComment(`/${'a'.repeat(SIZE - 1)}`).errors[0]
    expect(long).toMatchObject({ code: 'unknown' })
    expect(long?.suggestion).toBeUndefined()
  })

  it('the pre-pass reads tables, footnotes and nested lists as micromark does', () => {
    // A table takes no setext underline and no lazy line; its rows run to a blank line.
    expect(read('/|c\n-|-\n===\n/status').commands).toEqual([])
    expect(read('> a|b\n> -|-\n/claim').commands).toEqual([['claim', 3]])
    expect(read('a|b\n-|-\n/claim').commands).toEqual([])
    // A footnote definition is a container; its paragraphs are read.
    expect(read('[^a]: see\n\n    /claim').commands).toEqual([['claim', 3]])
    expect(read('> quoted\n[^a]: see\n/claim').commands).toEqual([['claim', 3]])
    // A nested item's content is indented from its parent's: 8 columns here are code.
    expect(read('- a\n  - b\n\n        /claim').commands).toEqual([])
    expect(read('- a\n  - b\n\n    /claim').commands).toEqual([['claim', 4]])
  })

  it('a paragraph that is a heading or a table header holds no command', () => {
    expect(read('/claim\n===').commands).toEqual([])
    expect(read('/claim\nmore text\n---').commands).toEqual([])
    expect(read(`/done ${'x'.repeat(5000)}\n===`).commands).toEqual([])
    expect(read('/claim | x\n--|--').commands).toEqual([])
    expect(read('/claim\n:-').commands).toEqual([])
    expect(read('some text\n/claim\n|-|').commands).toEqual([])
    // Not a table: the cell counts differ, or the table starts later.
    expect(read('/claim\n-|-').commands).toEqual([['claim', 1]])
    expect(read('/claim\nfoo | x\n-|-').commands).toEqual([['claim', 1]])
  })

  it('hostile filler (not nested) before a short command paragraph does not hide the command', () => {
    const tail = '\n\nPicking this up.\n/claim 2h'
    for (const unit of ['[', '*a', '<a ', '`a', '|', '![', '_a ', '&', '\\', '~a ']) {
      const body = `${unit.repeat(Math.floor((SIZE - tail.length - 2) / unit.length))}\n${tail}`
      const { commands } = read(body)
      expect(
        commands.map((c) => c[0]),
        unit,
      ).toEqual(['claim'])
    }
  })

  it('a comment longer than GitHub allows is not read', () => {
    const body = `/claim\n${'x'.repeat(MAX_COMMENT_CHARS)}`
    expect(read(body)).toEqual({ commands: [], unreadable: [1], errors: 1 })
    expect(read('x'.repeat(MAX_COMMENT_CHARS * 4))).toEqual({
      commands: [],
      unreadable: [1],
      errors: 1,
    })
  })
})
