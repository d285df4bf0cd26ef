/**
 * The verdict for people: a Markdown table per task — criterion, expression,
 * the actual values it saw, ✅ pass / ❌ fail / ⚠️ error / ⏳ awaiting a person —
 * shown in the `Task criteria` check run (after the hidden verdict marker) and
 * in the job summary.
 */
import { bytesOf, CHECK_RUN_LIMIT, fitBody, fitItems, JOB_SUMMARY_BYTES } from '../../github/fit.js'
import { inline, code as neutralCode, truncate } from '../../github/neutralise.js'
import { renderVerdictMarker } from '../../github/verdict.js'
import type { GateContext } from './context.js'
import type { JudgedCriterion, TaskVerdict } from './judge.js'

/** GitHub refuses a check run whose `output.summary` exceeds 65,535 characters. */
export const SUMMARY_LIMIT = CHECK_RUN_LIMIT

const ICON: Record<JudgedCriterion['outcome'], string> = {
  pass: '✅',
  fail: '❌',
  error: '⚠️',
  unconfirmed: '⏳',
  confirmed: '✅',
}

/**
 * Text from the issue or the run for a table cell or a line: neutralised
 * (`inline` of `src/github/neutralise.ts`: no HTML, no HTML comment, no
 * mention pings, one line, at most 1,000 characters) and pipes escaped.
 */
export function cell(text: string): string {
  return inline(text).replace(/\|/g, '\\|')
}

/**
 * `text` as inline code in a table cell: fenced with enough backticks, pipes
 * escaped, no marker or mention possible (`code` of `src/github/neutralise.ts`).
 */
export function code(text: string): string {
  return neutralCode(text, { cell: true })
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
  return truncate(`${v.passed ? '✅' : '❌'} ${v.task}: ${renderTally(v)}`, 255)
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

/** One task's section: heading, tally, `table` (default: every criterion), and the parser's remarks. */
export function renderTaskSection(
  v: TaskVerdict,
  table: string = renderCriteriaTable(v.criteria),
): string {
  const lines = [
    `### ${v.passed ? '✅' : '❌'} [${v.task}](${v.url}) ${cell(v.title)}`,
    '',
    `${renderTally(v)} Commit \`${v.sha.slice(0, 7)}\`.`,
  ]
  if (v.criteria.length > 0) lines.push('', table)
  else lines.push('', 'The issue has no `### Success criteria` items.')
  if (v.problems.length > 0) {
    lines.push('', 'Not read from the issue body:', '', ...v.problems.map((p) => `- ${cell(p)}`))
  }
  return lines.join('\n')
}

/**
 * The check run's `output` for one task: the title, and a summary that starts
 * with the hidden verdict marker, then the task's section and `footer`. Kept
 * under {@link SUMMARY_LIMIT}: when too long, the table keeps its first rows
 * and a line says how many more the job summary has (the marker, first,
 * always survives).
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
    // The section without its table rows, then as many rows as fit.
    const rows = renderCriteriaTable(v.criteria).split('\n')
    const [head, rule, ...body] = rows
    const outside = `${marker}\n\n${renderTaskSection(v, '')}\n\n${footer}\n`
    const room = SUMMARY_LIMIT - outside.length - (head?.length ?? 0) - (rule?.length ?? 0) - 200
    const kept = fitItems(
      body,
      room,
      (n) =>
        `\n… ${n} more criteria cut to fit the check run; the job summary has the whole table.`,
    )
    const table = [head, rule, ...kept].join('\n')
    summary = fitBody(`${marker}\n\n${renderTaskSection(v, table)}\n\n${footer}\n`, SUMMARY_LIMIT)
  }
  return { title: renderCheckTitle(v), summary }
}

/** The job summary: every task's section, then `footer`; at most 1 MiB (UTF-8), cut at a line. */
export function renderJobSummary(verdicts: readonly TaskVerdict[], footer: string): string {
  const summary = [
    '## Task criteria',
    '',
    ...verdicts.flatMap((v) => [renderTaskSection(v), '']),
    footer,
    '',
  ].join('\n')
  // GitHub keeps at most 1 MiB of a step's summary.
  return fitBody(summary, JOB_SUMMARY_BYTES, bytesOf)
}
