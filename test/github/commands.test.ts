import { describe, expect, it } from 'vitest'
import { isTaskError } from '../../src/core/errors.js'
import {
  COMMAND_NAMES,
  type CommandError,
  commandErrorToTaskError,
  commandHelp,
  commandUsage,
  type ParsedCommand,
  parseComment,
  parseTtl,
  ruleOf,
  suggestCommand,
} from '../../src/github/commands.js'
import { COMMANDS, DEFAULT_CONFIG } from '../../src/github/config.js'

const ctx = { owner: 'octo-org', repo: 'backlog' }

/** The names of the commands read from `body`. */
const names = (body: string): string[] => parseComment(body, ctx).commands.map((c) => c.name)

/** The single command of `body` (fails when there is not exactly one, or any error). */
function one(body: string): ParsedCommand {
  const { commands, errors } = parseComment(body, ctx)
  expect(errors).toEqual([])
  expect(commands).toHaveLength(1)
  return commands[0]!
}

/** The single error of `body` (fails when there is not exactly one, or any command). */
function oneError(body: string): CommandError {
  const { commands, errors } = parseComment(body, ctx)
  expect(commands).toEqual([])
  expect(errors).toHaveLength(1)
  return errors[0]!
}

describe('finding command lines', () => {
  it('reads a command alone, with its line and raw text', () => {
    expect(parseComment('/claim', ctx)).toEqual({
      commands: [{ name: 'claim', line: 1, raw: '/claim' }],
      errors: [],
    })
  })

  it('reads several commands, one per line, between ordinary text', () => {
    const body = [
      'Picking this up now.',
      '/claim 2h',
      '',
      'Rough plan: schema first, then the endpoint.',
      '/progress 10% schema drafted',
      '/depends-on #12',
    ].join('\n')
    const { commands, errors } = parseComment(body, ctx)
    expect(errors).toEqual([])
    expect(commands.map((c) => [c.name, c.line])).toEqual([
      ['claim', 2],
      ['progress', 5],
      ['depends-on', 6],
    ])
  })

  it('handles CRLF line endings, trailing spaces, tabs and leading indentation', () => {
    const body = 'Thanks!\r\n  /claim\t45m   \r\n\r\n/done   Shipped it  \r\n\r\n /heartbeat\r\n'
    const { commands, errors } = parseComment(body, ctx)
    expect(errors).toEqual([])
    expect(commands).toEqual([
      { name: 'claim', line: 2, raw: '/claim\t45m', ttl: '45m', ttlMs: 45 * 60_000 },
      { name: 'done', line: 4, raw: '/done   Shipped it', summary: 'Shipped it' },
      { name: 'heartbeat', line: 6, raw: '/heartbeat' },
    ])
  })

  it('handles lone CR line endings like the Markdown parser does', () => {
    const body = 'hello\r/release\r\r/status'
    expect(parseComment(body, ctx).commands.map((c) => [c.name, c.line])).toEqual([
      ['release', 2],
      ['status', 4],
    ])
  })

  it('ignores commands inside fenced code blocks (backticks and tildes, with or without info string)', () => {
    const body = [
      'To take a task, write:',
      '',
      '```',
      '/claim 30m',
      '```',
      '',
      '~~~markdown',
      '/done summary',
      '~~~',
      '',
      '```',
      '/fail never closed fence',
    ].join('\n')
    expect(parseComment(body, ctx)).toEqual({ commands: [], errors: [] })
  })

  it('ignores commands in indented code blocks', () => {
    expect(names('Example:\n\n    /claim\n    /release\n\n/status')).toEqual(['status'])
  })

  it('ignores inline code, even when the code span crosses a line break', () => {
    expect(names('Use `/claim` to take it.')).toEqual([])
    expect(names('Type this `\n/claim 2h` when ready')).toEqual([])
    expect(names('`/claim`')).toEqual([])
  })

  it('ignores block quotes, nested quotes and lazy continuation lines of a quote', () => {
    expect(names('> /claim')).toEqual([])
    expect(names('> > /done nested')).toEqual([])
    // A lazy continuation line belongs to the quote's paragraph (GitHub renders it quoted).
    expect(names('> Someone said\n/release')).toEqual([])
    // After a blank line the quote is over.
    expect(names('> Someone said\n\n/release')).toEqual(['release'])
  })

  it('ignores HTML comments, block and inline', () => {
    expect(names('<!--\n/claim\n-->')).toEqual([])
    expect(names('<!-- /claim -->')).toEqual([])
    expect(names('Note <!-- hidden\n/fail secret --> visible')).toEqual([])
    expect(names('<!-- a comment -->\n\n/status')).toEqual(['status'])
  })

  it('reads only lines that start with the command', () => {
    expect(names('Please /claim this')).toEqual([])
    expect(names('- /claim')).toEqual([])
    expect(names('1. /claim')).toEqual([])
    expect(names('# /claim')).toEqual([])
    expect(names('| /claim |\n| --- |')).toEqual([])
    expect(names('**/claim**')).toEqual([])
    // A continuation line of a list item's paragraph does start with the command.
    expect(names('- first step\n  /claim')).toEqual(['claim'])
  })

  it('does not read paths, URLs, or a slash followed by a space as commands', () => {
    const body = [
      '/etc/hosts',
      '/usr/bin/env node',
      '/ some text',
      '/done.',
      '/claim/2h',
      '//claim',
      'https://example.com/claim',
      '/123',
    ].join('\n')
    expect(parseComment(body, ctx)).toEqual({ commands: [], errors: [] })
  })

  it('lets people mention a command with a backslash escape', () => {
    expect(names('\\/claim')).toEqual([])
  })

  it('accepts a capitalised command word', () => {
    expect(one('/Claim 2h')).toMatchObject({ name: 'claim', ttlMs: 2 * 3_600_000 })
  })

  it('reads consecutive command lines, and the last one whatever its arguments hold', () => {
    const links = Array.from({ length: 20 }, (_, i) => `[#${i}](https://x/${i}) \`f${i}()\``)
    const summary = `Shipped ${links.join(' ')} *and* _more_ ${'x'.repeat(5000)}`
    const body = `/claim\n/progress 90 almost there\n/heartbeat\n/done ${summary}`
    expect(names(body)).toEqual(['claim', 'progress', 'heartbeat', 'done'])
    expect(parseComment(body, ctx).commands[3]).toMatchObject({ name: 'done', line: 4, summary })
    expect(names('/clam\n'.repeat(200))).toEqual([])
    expect(parseComment('/clam\n'.repeat(200), ctx).errors).toHaveLength(200)
  })

  it('a command line after inline punctuation in its paragraph is still decided by the Markdown rule', () => {
    expect(names('See `this\n/claim` and that')).toEqual([])
    expect(names('See `this` here\n/claim')).toEqual(['claim'])
    expect(names('*emphasis\n/claim*')).toEqual([])
    expect(names('[a link\n/claim](https://x)')).toEqual([])
  })

  it('returns nothing for an empty comment', () => {
    expect(parseComment('', ctx)).toEqual({ commands: [], errors: [] })
    expect(parseComment('   \n\n', ctx)).toEqual({ commands: [], errors: [] })
  })

  it('reads a realistic agent comment', () => {
    const body = [
      '## Status update',
      '',
      'I ran the suite locally:',
      '',
      '```console',
      '$ npm test',
      '/claim <- not this one',
      '```',
      '',
      '> /block quoted from the previous comment',
      '',
      'Everything passes, handing over.  ',
      '/progress 100%  ',
      '/done Implemented `POST /login` with rate limiting',
      '<!-- agent: run 42 -->',
    ].join('\r\n')
    const { commands, errors } = parseComment(body, ctx)
    expect(errors).toEqual([])
    expect(commands).toEqual([
      { name: 'progress', line: 13, raw: '/progress 100%', percent: 100 },
      {
        name: 'done',
        line: 14,
        raw: '/done Implemented `POST /login` with rate limiting',
        summary: 'Implemented `POST /login` with rate limiting',
      },
    ])
  })
})

describe('arguments', () => {
  it('/claim takes an optional TTL', () => {
    expect(one('/claim')).toEqual({ name: 'claim', line: 1, raw: '/claim' })
    expect(one('/claim 90s')).toMatchObject({ ttl: '90s', ttlMs: 90_000 })
    expect(one('/claim 45m')).toMatchObject({ ttlMs: 45 * 60_000 })
    expect(one('/claim 1h30m')).toMatchObject({ ttlMs: 90 * 60_000 })
    expect(one('/claim 1.5h')).toMatchObject({ ttlMs: 90 * 60_000 })
  })

  it('commands without arguments ignore trailing text', () => {
    for (const name of ['heartbeat', 'release', 'unblock', 'status', 'approve', 'metrics']) {
      expect(one(`/${name} still on it`)).toEqual({
        name,
        line: 1,
        raw: `/${name} still on it`,
      })
    }
  })

  it('/done and /fail take optional free text', () => {
    expect(one('/done')).toEqual({ name: 'done', line: 1, raw: '/done' })
    expect(one('/done Added **tests**')).toMatchObject({ summary: 'Added **tests**' })
    expect(one('/fail')).toEqual({ name: 'fail', line: 1, raw: '/fail' })
    expect(one('/fail The API is gone')).toMatchObject({ reason: 'The API is gone' })
  })

  it('/block takes a reason, /unblock none', () => {
    expect(one('/block Waiting for review')).toMatchObject({
      name: 'block',
      reason: 'Waiting for review',
    })
    expect(one('/unblock')).toMatchObject({ name: 'unblock' })
  })

  it('/progress takes a percentage with or without % and an optional message', () => {
    expect(one('/progress 50')).toEqual({
      name: 'progress',
      line: 1,
      raw: '/progress 50',
      percent: 50,
    })
    expect(one('/progress 0%')).toMatchObject({ percent: 0 })
    expect(one('/progress 75% tests written')).toMatchObject({
      percent: 75,
      message: 'tests written',
    })
  })

  it('/feedback takes both ratings in any order and optional notes', () => {
    expect(one('/feedback quality=4 timeliness=5 Clear summary')).toMatchObject({
      name: 'feedback',
      quality: 4,
      timeliness: 5,
      notes: 'Clear summary',
    })
    const c = one('/feedback timeliness=1 quality=2')
    expect(c).toMatchObject({ quality: 2, timeliness: 1 })
    expect(c).not.toHaveProperty('notes')
  })

  it('/join takes an optional role', () => {
    expect(one('/join')).toEqual({ name: 'join', line: 1, raw: '/join' })
    expect(one('/join Reviewer')).toMatchObject({ role: 'reviewer' })
  })

  it('/depends-on takes references of every kind, deduplicated', () => {
    const c = parseComment(
      '/depends-on #12, octo-org/api#7 https://github.com/a/b/issues/4 <https://ghe.corp.example/x/y/issues/9> #12',
      { ...ctx, host: 'ghe.corp.example' },
    )
    expect(c.errors).toEqual([])
    expect(c.commands[0]).toMatchObject({
      name: 'depends-on',
      refs: [
        { owner: 'octo-org', repo: 'backlog', number: 12 },
        { owner: 'octo-org', repo: 'api', number: 7 },
        { owner: 'a', repo: 'b', number: 4 },
        { owner: 'x', repo: 'y', number: 9 },
      ],
    })
  })

  it('/priority takes a level in any case', () => {
    expect(one('/priority HIGH')).toMatchObject({ name: 'priority', priority: 'high' })
    expect(one('/priority critical')).toMatchObject({ priority: 'critical' })
  })

  it('/next takes an optional persona, lower-cased', () => {
    expect(one('/next')).toEqual({ name: 'next', line: 1, raw: '/next' })
    expect(one('/next Reviewer')).toMatchObject({ name: 'next', persona: 'reviewer' })
  })

  it('/persona takes a name', () => {
    expect(one('/persona reviewer')).toMatchObject({ name: 'persona', persona: 'reviewer' })
  })

  it('/ask, /answer and /share', () => {
    expect(one('/ask @octocat Which endpoint?')).toMatchObject({
      name: 'ask',
      user: 'octocat',
      question: 'Which endpoint?',
    })
    expect(one('/ask @dependabot[bot] why?')).toMatchObject({ user: 'dependabot[bot]' })
    expect(one('/answer Use v2')).toMatchObject({ name: 'answer', text: 'Use v2' })
    expect(one('/share api_base: https://api.example.com/v2')).toMatchObject({
      name: 'share',
      key: 'api_base',
      value: 'https://api.example.com/v2',
    })
    expect(one('/share limits.rate:{a: 1}')).toMatchObject({ key: 'limits.rate', value: '{a: 1}' })
  })
})

describe('argument errors', () => {
  const cases: [string, string, RegExp][] = [
    ['/claim soon', 'claim', /"soon" is not a duration.*`\/claim \[ttl\]`/],
    ['/claim 2h please', 'claim', /at most one duration/],
    ['/claim 0m', 'claim', /is no time; a lease lasts at least 1s/],
    ['/claim 30', 'claim', /not a duration; use a number and a unit, e\.g\. 90s, 30m, 4h, 1h30m/],
    ['/progress 150', 'progress', /"150" is not a percentage from 0 to 100.*`\/progress <0-100>/],
    ['/progress -5', 'progress', /not a percentage/],
    ['/progress 50.5', 'progress', /not a percentage/],
    ['/progress half', 'progress', /not a percentage/],
    ['/progress', 'progress', /needs a percentage/],
    ['/feedback quality=6 timeliness=5', 'feedback', /quality=6 is not a rating.*1 to 5/],
    ['/feedback quality=4 timeliness=0', 'feedback', /timeliness=0 is not a rating/],
    ['/feedback quality=4', 'feedback', /needs timeliness=/],
    ['/feedback great work', 'feedback', /needs quality= and timeliness=/],
    ['/feedback quality=4 quality=5 timeliness=3', 'feedback', /quality is given twice/],
    ['/feedback speed=4 quality=4 timeliness=3', 'feedback', /"speed" is not a rating/],
    [
      '/priority urgent',
      'priority',
      /"urgent" is not a priority; the levels are low, medium, high, critical/,
    ],
    ['/priority', 'priority', /needs a level/],
    ['/block', 'block', /\/block needs a reason.*`\/block reason…`/],
    ['/persona code reviewer', 'persona', /not a persona name/],
    ['/persona', 'persona', /needs a name/],
    ['/next code reviewer', 'next', /"code reviewer" is not a persona name/],
    ['/next 9lives', 'next', /not a persona name/],
    ['/join two words', 'join', /not a role/],
    ['/depends-on', 'depends-on', /needs at least one issue reference/],
    ['/depends-on #12 and #13', 'depends-on', /"and" is not an issue reference/],
    ['/depends-on https://github.com/o/r/pull/3', 'depends-on', /not an issue reference/],
    ['/depends-on https://evil.example/o/r/issues/3', 'depends-on', /not an issue reference/],
    ['/ask octocat why?', 'ask', /"octocat" is not a @login/],
    ['/ask @octocat', 'ask', /needs a question/],
    ['/ask', 'ask', /needs a @login and a question/],
    ['/answer', 'answer', /needs the answer text/],
    ['/share no colon here', 'share', /is not "key: value"/],
    ['/share key:', 'share', /needs a value/],
    ['/share', 'share', /needs a key and a value/],
  ]
  for (const [body, command, message] of cases) {
    it(`${body} is refused with the correct form`, () => {
      const e = oneError(body)
      expect(e).toMatchObject({ code: 'invalid', line: 1, raw: body, command })
      expect(e.message).toMatch(message)
      expect(e.message).toContain(`Use \`${commandUsage(command as never)}\``)
    })
  }

  it('reports errors and commands of the same comment side by side, in line order', () => {
    const { commands, errors } = parseComment('/claim forever\n/heartbeat\n/progress 101', ctx)
    expect(commands.map((c) => c.name)).toEqual(['heartbeat'])
    expect(errors.map((e) => [e.command, e.line])).toEqual([
      ['claim', 1],
      ['progress', 3],
    ])
  })

  it('converts to a TaskError with code InvalidInput', () => {
    const err = commandErrorToTaskError(oneError('/priority urgent'))
    expect(isTaskError(err, 'InvalidInput')).toBe(true)
    expect(err.details).toEqual({
      command: 'priority',
      line: 1,
      raw: '/priority urgent',
      reason: 'invalid',
    })
  })
})

describe('unknown commands', () => {
  it('suggests the closest command', () => {
    const e = oneError('/clam')
    expect(e).toEqual({
      code: 'unknown',
      line: 1,
      raw: '/clam',
      command: 'clam',
      suggestion: 'claim',
      message: expect.stringContaining('Did you mean /claim?'),
    })
  })

  it('suggests for swaps, missing letters and unique prefixes', () => {
    expect(suggestCommand('hearbteat')).toBe('heartbeat')
    expect(suggestCommand('relase')).toBe('release')
    expect(suggestCommand('dependson')).toBe('depends-on')
    expect(suggestCommand('prio')).toBe('priority')
    expect(suggestCommand('DONE')).toBe('done')
  })

  it('gives no suggestion when nothing is close', () => {
    const e = oneError('/tmp')
    expect(e.code).toBe('unknown')
    expect(e).not.toHaveProperty('suggestion')
    expect(e.message).not.toContain('Did you mean')
    expect(e.message).toContain('/claim, /next, /heartbeat')
    expect(suggestCommand('xyzzy')).toBeUndefined()
    expect(suggestCommand('st')).toBeUndefined()
  })

  it('marks an unknown command in the TaskError details', () => {
    expect(commandErrorToTaskError(oneError('/clam')).details).toMatchObject({
      reason: 'unknown',
      suggestion: 'claim',
    })
  })
})

describe('durations', () => {
  it('parses s, m, h and d, compound and fractional', () => {
    expect(parseTtl('90s')).toBe(90_000)
    expect(parseTtl('45m')).toBe(2_700_000)
    expect(parseTtl('2h')).toBe(7_200_000)
    expect(parseTtl('1d')).toBe(86_400_000)
    expect(parseTtl('1h30m')).toBe(5_400_000)
    expect(parseTtl('0.5m')).toBe(30_000)
    // The one grammar (test/core/duration.test.ts): spaces and long units too.
    expect(parseTtl('1h 30m')).toBe(5_400_000)
    expect(parseTtl('2 h')).toBe(7_200_000)
    expect(parseTtl('2hours')).toBe(7_200_000)
  })

  it('refuses anything else', () => {
    for (const bad of ['', '30', 'm', '-5m', '0s', '0', 'h2', '2H', '1h30']) {
      expect(parseTtl(bad), bad).toBeNull()
    }
  })
})

describe('help', () => {
  it('lists every command with its usage', () => {
    const help = commandHelp()
    for (const name of COMMAND_NAMES) {
      expect(help).toContain(`\`${commandUsage(name)}\``)
    }
    expect(help).toContain('`/priority <low|medium|high|critical>`')
    expect(help).toContain('`/feedback quality=<1-5> timeliness=<1-5> [notes…]`')
  })

  it('the permission rules are the one command list: every command has a rule, /next runs under claim', () => {
    // One list (issue 11): the commands with rules are the grammar's words, in help order.
    expect(COMMANDS).toEqual(COMMAND_NAMES.filter((name) => name !== 'next'))
    for (const name of COMMAND_NAMES) {
      expect(DEFAULT_CONFIG.permissions[ruleOf(name)], name).toBeDefined()
    }
    expect(ruleOf('next')).toBe('claim')
    expect(ruleOf('claim')).toBe('claim')
  })

  it('every example in the help parses to its own command', () => {
    const examples = [...commandHelp().matchAll(/^- `\/([a-z-]+)[^`]*`.*\(e\.g\. `([^`]+)`\)$/gm)]
    expect(examples.length).toBeGreaterThanOrEqual(12)
    for (const [, name, example] of examples) {
      expect(one(example!).name).toBe(name)
    }
  })
})
