/**
 * Guarded parts of a task's issue body (issue 14, "Issue authors without write
 * control their task"): which of the parts that steer a task — success
 * criteria, dependencies, subtasks, the priority and persona fields — an edit
 * changed, and how to set just those parts back to their last accepted text
 * while keeping the rest of the edit (prose, title, ticks elsewhere).
 *
 * Sections are found as `issue-body.ts` reads them: a heading of level 2–4 at
 * the top level of the document starts one, the next heading of level 1–4
 * ends it. Pure: no HTTP, no database.
 */
import type { Heading, Nodes, RootContent } from 'mdast'
import { fromMarkdown } from 'mdast-util-from-markdown'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { gfm } from 'micromark-extension-gfm'
import { BODY_LIMIT, sizeOf } from './fit.js'
import {
  criteriaDigest,
  FORM_FIELDS,
  headingKey,
  type IssueBody,
  parseIssueBody,
  SECTION_HEADINGS,
} from './issue-body.js'
import type { RepoContext } from './references.js'

/** A part of the body whose change needs a permission. */
export type GuardedPart = 'criteria' | 'dependsOn' | 'subtasks' | 'priority' | 'persona'

/** The heading (as {@link headingKey} normalises it) of each guarded part. */
export const PART_HEADINGS: { readonly [P in GuardedPart]: string } = {
  criteria: headingKey(SECTION_HEADINGS.criteria),
  dependsOn: headingKey(SECTION_HEADINGS.dependsOn),
  subtasks: headingKey(SECTION_HEADINGS.subtasks),
  priority: headingKey(FORM_FIELDS.priority),
  persona: headingKey(FORM_FIELDS.persona),
}

const PARTS = Object.keys(PART_HEADINGS) as GuardedPart[]

function refKey(ref: { owner: string; repo: string; number: number }): string {
  return `${ref.owner}/${ref.repo}#${ref.number}`.toLowerCase()
}

/** What each guarded part says, ticks left out (ticking is not changing). */
function signature(body: IssueBody): Record<GuardedPart, string> {
  const refs = (items: IssueBody['dependsOn']) =>
    JSON.stringify([...new Set(items.map((i) => refKey(i.ref)))].sort())
  const field = (key: string) => (body.fields[key] ?? '').trim().toLowerCase()
  return {
    criteria: criteriaDigest(body.criteria),
    dependsOn: refs(body.dependsOn),
    subtasks: refs(body.subtasks),
    priority: field(PART_HEADINGS.priority),
    persona: field(PART_HEADINGS.persona),
  }
}

/**
 * The guarded parts whose meaning differs between `before` and `after`:
 * criteria as a list (text and expression, in order: the gate's digest),
 * dependencies and subtasks as sets of issues, priority and persona as the
 * form's field text (case-insensitive). Checkbox ticks and everything
 * outside these parts do not count. `context` resolves `#12`.
 */
export function changedParts(before: string, after: string, context: RepoContext): GuardedPart[] {
  const a = signature(parseIssueBody(before, context))
  const b = signature(parseIssueBody(after, context))
  return PARTS.filter((p) => a[p] !== b[p])
}

interface Span {
  key: string
  start: number
  end: number
}

function plainText(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string') return node.value
  if ('children' in node) return node.children.map((c) => plainText(c as Nodes)).join('')
  return ''
}

/** Every section of `body`: its heading key and source range, heading included. */
function sections(body: string): Span[] {
  const tree = fromMarkdown(body, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] })
  const children = tree.children
  const isBoundary = (n: RootContent | undefined): n is Heading =>
    n?.type === 'heading' && n.depth <= 4
  const out: Span[] = []
  for (let i = 0; i < children.length; i++) {
    const heading = children[i]
    if (!isBoundary(heading) || heading.depth < 2) continue
    let j = i + 1
    while (j < children.length && !isBoundary(children[j])) j++
    out.push({
      key: headingKey(plainText(heading)),
      start: heading.position?.start.offset ?? 0,
      end: children[j]?.position?.start.offset ?? body.length,
    })
    i = j - 1
  }
  return out
}

/** `body` with the section(s) headed `key` replaced by those of `baseline` (removed when it has none). */
function restoreOne(body: string, baseline: string, key: string): string {
  const eol = body.includes('\r\n') ? '\r\n' : '\n'
  const wanted = sections(baseline)
    .filter((s) => s.key === key)
    .map((s) => baseline.slice(s.start, s.end).trimEnd())
    .join(`${eol}${eol}`)
  const current = sections(body).filter((s) => s.key === key)
  if (current.length === 0) {
    if (!wanted) return body
    const base = body.trimEnd()
    return `${base}${base ? `${eol}${eol}` : ''}${wanted}${eol}`
  }
  let out = ''
  let from = 0
  current.forEach((s, i) => {
    const text = body.slice(s.start, s.end)
    const trailing = text.slice(text.trimEnd().length)
    out += body.slice(from, s.start)
    if (i === 0 && wanted) out += wanted + (trailing || (s.end < body.length ? eol : ''))
    from = s.end
  })
  // A section removed from the end leaves no trailing blank lines behind.
  if (!wanted && from === body.length && out.trim()) return `${out.trimEnd()}${eol}`
  return out + body.slice(from)
}

/** A body with guarded parts set back, and whether the whole edit had to go. */
export interface RestoredBody {
  /** The body to accept. */
  body: string
  /**
   * Null when only the guarded parts were set back; otherwise why the whole
   * baseline was taken instead: `layout` (the parts could not be told apart
   * from the rest of the edit), `size` (keeping the rest would pass GitHub's
   * limit of {@link BODY_LIMIT} characters, so the set-back could never be sent).
   */
  whole: 'layout' | 'size' | null
}

/**
 * `after` with the guarded `parts` set back to what `baseline` (the last
 * accepted body) has, every other byte of `after` kept: each part's section is
 * replaced by the baseline's section, added at the end when the edit removed
 * it, or removed when the edit added it. The whole baseline is returned
 * instead — restoring the parts matters more than keeping the prose — when
 * the result still reads differently from `baseline` in those parts (an
 * unusual layout: a part inside a heading the edit moved, say), or when it
 * measures more than `limit` characters (default {@link BODY_LIMIT}, GitHub's
 * limit, see `./fit.ts`): an edit padded to just under the limit would
 * otherwise make a set-back that GitHub refuses.
 */
export function restoreParts(
  after: string,
  baseline: string,
  parts: readonly GuardedPart[],
  context: RepoContext,
  limit: number = BODY_LIMIT,
): RestoredBody {
  let body = after
  for (const part of parts) body = restoreOne(body, baseline, PART_HEADINGS[part])
  const left = changedParts(baseline, body, context).filter((p) => parts.includes(p))
  if (left.length > 0) return { body: baseline, whole: 'layout' }
  if (sizeOf(body) > limit) return { body: baseline, whole: 'size' }
  return { body, whole: null }
}
