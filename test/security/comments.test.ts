/**
 * Hostile comments: any body up to GitHub's 65,536 characters is read
 * without throwing (micromark overflowed its stack from ~3,000 nesting
 * levels and took minutes on `"- ".repeat(32000)`), and commands are found,
 * or the comment is refused as unreadable, as the rule in
 * src/github/commands.ts says. Times are measured in bench/comments.bench.ts.
 */
import { describe, expect, it } from 'vitest'
import { MAX_COMMENT_CHARS, MAX_NESTING, parseComment } from '../../src/github/commands.js'

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

  it('paragraphs holding commands beyond the parse limits are refused, nothing half-read', () => {
    expect(read(fill('/progress 50 ok\n'))).toMatchObject({ commands: [], errors: 1 })
    expect(read(fill('x\n/status\n\n'))).toMatchObject({ commands: [], errors: 1 })
    expect(read(`${fill('[', '\n/status')}`)).toMatchObject({ commands: [], unreadable: [1] })
    expect(read(`${'*a_'.repeat(150)}\n/status`)).toMatchObject({ commands: [], unreadable: [1] })
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
