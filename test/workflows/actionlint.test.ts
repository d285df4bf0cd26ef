/**
 * Our workflows, and the ones our docs tell users to copy, pass actionlint
 * (see ./lint.ts for what is linted and the one diagnostic dropped).
 */
import { describe, expect, it } from 'vitest'
import { format, lint, markdownSnippets, type Target, workflowFiles } from './lint.js'

const inline = (text: string): Target => ({ file: 'inline.yml', firstLine: 1, prelude: 0, text })

describe('actionlint', () => {
  it('finds real mistakes (the linter runs and reports)', async () => {
    const findings = await lint(
      inline(
        [
          'on: issue_comment',
          'jobs:',
          '  reply:',
          '    runs-on: ubuntu-latest',
          '    steps:',
          '      - uses: actions/checkout@v4',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not JavaScript
          '      - run: echo "${{ github.event.comment.body }}"',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not JavaScript
          '      - run: echo "${{ github.evnt.name }}"',
          '',
        ].join('\n'),
      ),
    )
    const kinds = findings.map((f) => `${f.line}:${f.kind}`)
    // Comment text in a shell script is script injection.
    expect(kinds).toContain('7:expression')
    // A misspelt context.
    expect(kinds).toContain('8:expression')
  })

  it('drops the queue diagnostic only for values GitHub accepts', async () => {
    const workflow = (queue: string, cancel = false) =>
      inline(
        [
          'on: push',
          'concurrency:',
          '  group: one',
          `  queue: ${queue}`,
          ...(cancel ? ['  cancel-in-progress: true'] : []),
          'jobs:',
          '  a:',
          '    runs-on: ubuntu-latest',
          '    steps:',
          '      - run: "true"',
          '',
        ].join('\n'),
      )
    expect(await lint(workflow('max'))).toEqual([])
    expect(await lint(workflow('single'))).toEqual([])
    expect((await lint(workflow('forever'))).map((f) => f.line)).toEqual([4])
    expect((await lint(workflow('max', true))).map((f) => f.line)).toEqual([4])
  })

  it('passes every workflow file we run or ship', async () => {
    const targets = await workflowFiles()
    expect(targets.map((t) => t.file)).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/release.yml',
        '.github/workflows/task-orchestrator.yml',
      ]),
    )
    const findings = (await Promise.all(targets.map(lint))).flat()
    expect(format(findings)).toBe('')
  })

  it('passes every workflow and step list in README.md, docs/ and examples/', async () => {
    const targets = await markdownSnippets()
    // The gate's usage in README.md and docs/gate.md at least.
    expect(targets.filter((t) => t.file === 'docs/gate.md').length).toBeGreaterThanOrEqual(2)
    expect(targets.some((t) => t.file === 'README.md')).toBe(true)
    const findings = (await Promise.all(targets.map(lint))).flat()
    expect(format(findings)).toBe('')
  })
})
