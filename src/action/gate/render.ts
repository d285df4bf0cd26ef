/**
 * The verdict for people: a Markdown table per task — criterion, expression,
 * the actual values it saw, ✅ pass / ❌ fail / ⚠️ error / ⏳ awaiting a person —
 * shown in the `Task criteria` check run (after the hidden verdict marker) and
 * in the job summary.
 */
import { renderVerdictMarker } from '../../github/verdict.js'
import type { GateContext } from './context.js'
import type { JudgedCriterion, TaskVerdict } from './judge.js'

/** GitHub refuses a check run whose `output.summary` exceeds 65,535 characters. */
export const SUMMARY_LIMIT = 65_535

const ICON: Record<JudgedCriterion['outcome'], string> = {
  pass: '✅',
  fail: '❌',
  error: '⚠️',
  unconfirmed: '⏳',
  confirmed: '✅',
}

/** Text for a table cell: pipes escaped, line breaks folded. */
export function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')
}

/** `text` as inline code in a table cell, fenced with enough backticks. */
export function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${cell(text)}${pad}${fence}`
}

/** The "actual" cell: the values the expression named, then why it errored. */
function actualCell(c: JudgedCriterion): string {
  if (c.expression === null) {
    return c.checked
      ? 'awaiting a person (ticked; the app checks who ticked it)'
      : 'awaiting a person'
  }
  const values = Object.entries(c.actual).map(
    ([path, value]) => `${code(path)} = ${code(JSON.stringify(value))}`,
  )
  const parts = [values.join(', ')]
  if (c.message) parts.push(`_${cell(c.message)}_`)
  return parts.filter(Boolean).join(' — ') || '—'
}

/** The table of one task's criteria, one row per criterion in issue order. */
export function renderCriteriaTable(criteria: readonly JudgedCriterion[]): string {
  const rows = criteria.map(
    (c) =>
      `| ${ICON[c.outcome]} | ${c.index} | ${cell(c.criterion)} | ${
        c.expression === null ? '—' : code(c.expression)
      } | ${actualCell(c)} |`,
  )
  return ['| | # | Criterion | Expression | Actual |', '|---|---|---|---|---|', ...rows].join('\n')
}

/** Counts of a verdict's criteria. */
function counts(v: TaskVerdict) {
  const measurable = v.criteria.filter((c) => c.expression !== null)
  return {
    measurable: measurable.length,
    passing: measurable.filter((c) => c.outcome === 'pass').length,
    manual: v.criteria.length - measurable.length,
  }
}

/** One line for people: `3 of 4 measurable criteria passed; 1 manual criterion awaits a person.` */
export function renderTally(v: TaskVerdict): string {
  const { measurable, passing, manual } = counts(v)
  const criteria = (n: number) => (n === 1 ? 'criterion' : 'criteria')
  const first =
    measurable === 0
      ? 'No measurable criteria'
      : `${passing} of ${measurable} measurable ${criteria(measurable)} passed`
  const second =
    manual === 0
      ? ''
      : `; ${manual} manual ${criteria(manual)} ${manual === 1 ? 'awaits' : 'await'} a person`
  return `${first}${second}.`
}

/** The check run's title: `✅ octo/api#12: 3 of 3 measurable criteria passed.` */
export function renderCheckTitle(v: TaskVerdict): string {
  return `${v.passed ? '✅' : '❌'} ${v.task}: ${renderTally(v)}`.slice(0, 255)
}

/** Where the context came from, for the footer. */
export function renderSources(ctx: GateContext): string {
  const tests = ctx.context.tests as { total?: number; runs?: number } | undefined
  const parts: string[] = []
  const files = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
  if (ctx.files.junit.length > 0) {
    parts.push(
      `${tests?.total ?? 0} tests (${tests?.runs ?? 0} runs) from ${files(ctx.files.junit.length, 'JUnit report')}`,
    )
  }
  if (ctx.files.coverage.length > 0)
    parts.push(`coverage from ${files(ctx.files.coverage.length, 'report')}`)
  if (ctx.files.metrics.length > 0)
    parts.push(`metrics from ${files(ctx.files.metrics.length, 'file')}`)
  const extra = Object.keys(ctx.context).filter(
    (k) => !['tests', 'coverage', 'metrics'].includes(k),
  )
  if (extra.length > 0) parts.push(`inline context (${extra.map((k) => code(k)).join(', ')})`)
  return parts.length > 0 ? `Context: ${parts.join('; ')}.` : 'Context: empty (no input given).'
}

/** One task's section: heading, tally, table, and the parser's remarks. */
export function renderTaskSection(v: TaskVerdict): string {
  const lines = [
    `### ${v.passed ? '✅' : '❌'} [${v.task}](${v.url}) ${cell(v.title)}`,
    '',
    `${renderTally(v)} Commit \`${v.sha.slice(0, 7)}\`.`,
  ]
  if (v.criteria.length > 0) lines.push('', renderCriteriaTable(v.criteria))
  else lines.push('', 'The issue has no `### Success criteria` items.')
  if (v.problems.length > 0) {
    lines.push('', 'Not read from the issue body:', '', ...v.problems.map((p) => `- ${p}`))
  }
  return lines.join('\n')
}

/**
 * The check run's `output` for one task: the title, and a summary that starts
 * with the hidden verdict marker, then the task's section and `footer`. Kept
 * under {@link SUMMARY_LIMIT}: when too long, the table is cut (the marker,
 * first, always survives) and a line says the job summary has it all.
 */
export function renderCheckOutput(
  v: TaskVerdict,
  footer: string,
): { title: string; summary: string } {
  const marker = renderVerdictMarker({
    task: v.task,
    digest: v.digest,
    sha: v.sha,
    results: v.criteria.map((c) => ({ index: c.index, outcome: c.outcome })),
  })
  let summary = `${marker}\n\n${renderTaskSection(v)}\n\n${footer}\n`
  if (summary.length > SUMMARY_LIMIT) {
    const note = '\n\n… cut to fit the check run; the job summary has the whole table.\n'
    const room = SUMMARY_LIMIT - note.length
    summary = summary.slice(0, summary.lastIndexOf('\n', room)) + note
  }
  return { title: renderCheckTitle(v), summary }
}

/** The job summary: every task's section, then `footer`. */
export function renderJobSummary(verdicts: readonly TaskVerdict[], footer: string): string {
  return [
    '## Task criteria',
    '',
    ...verdicts.flatMap((v) => [renderTaskSection(v), '']),
    footer,
    '',
  ].join('\n')
}
