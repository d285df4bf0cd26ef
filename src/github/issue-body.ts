/**
 * The issue body format (DESIGN.md "On GitHub", "The issue body").
 *
 * A task's body is Markdown with sections, each introduced by a heading of
 * level 2 to 4 (`## …`, `### …`, `#### …`, ATX or setext) at the top level of
 * the document. A section runs until the next heading of level 1 to 4; level 5
 * and 6 headings are content. Heading text is matched case-insensitively,
 * with blanks collapsed and one trailing colon ignored.
 *
 * * `Depends on` — a GFM task list of issue references (`- [ ] #12`,
 *   `- [x] owner/repo#7`, issue URLs; see `./references.ts`). An item's
 *   reference is its first word or its first link; text after it is a comment
 *   (`- [ ] #12 login API`).
 * * `Success criteria` — a task list; an item that ends in inline code holds a
 *   CEL expression (`- [ ] All tests pass \`tests.failed == 0\``): that item is
 *   measurable, the others are manual.
 * * `Subtasks` — a task list of issue references, like `Depends on`.
 * * any other heading — a field (the issue form writes `### Priority\n\nhigh`).
 *
 * Task-list items are read at any depth of nesting inside their section.
 * Sections that appear twice are read both times. `_No response_` (what the
 * issue form writes for an empty field) means empty.
 *
 * The app changes a body only through {@link setChecked}, which flips the one
 * character between the brackets of a checkbox, located by the parser's
 * source positions: every other byte a person wrote stays as it was.
 */
import { createHash } from 'node:crypto'
import type { Heading, List, ListItem, Nodes, Paragraph, RootContent } from 'mdast'
import { fromMarkdown } from 'mdast-util-from-markdown'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { gfm } from 'micromark-extension-gfm'
import { type IssueRef, parseIssueReference, type RepoContext } from './references.js'

/** The sections that hold task lists. */
export type ChecklistSection = 'dependsOn' | 'criteria' | 'subtasks'

/** Headings of the task-list sections, as the issue form labels them. */
export const SECTION_HEADINGS: { readonly [S in ChecklistSection]: string } = {
  dependsOn: 'Depends on',
  criteria: 'Success criteria',
  subtasks: 'Subtasks',
}

/**
 * Headings of the plain fields of the task issue form
 * (`.github/ISSUE_TEMPLATE/task.yml`). Their values are found in
 * `fields[headingKey(FORM_FIELDS.priority)]` and so on.
 */
export const FORM_FIELDS = {
  description: 'Description',
  priority: 'Priority',
  persona: 'Persona',
  estimate: 'Estimate (hours)',
  deadline: 'Deadline',
  requiresApproval: 'Requires approval',
} as const

/** What the issue form writes for a field left empty. */
export const NO_RESPONSE = '_No response_'

/** An item of `Depends on` or `Subtasks`: `line` is 1-based in the body. */
export interface RefItem {
  ref: IssueRef
  checked: boolean
  line: number
}

/** An item of `Success criteria`; `measurable` is the CEL expression, when there is one. */
export interface CriterionItem {
  criterion: string
  measurable?: string
  checked: boolean
  line: number
}

/**
 * A parsed body. `fields` maps {@link headingKey} of every other section's
 * heading to that section's Markdown source, trimmed (`''` for
 * `_No response_`); the first of two equal headings wins. `problems` are
 * messages for people: items that are not task-list items or not
 * references, empty criteria, repeated fields.
 */
export interface IssueBody {
  dependsOn: RefItem[]
  criteria: CriterionItem[]
  subtasks: RefItem[]
  fields: Record<string, string>
  problems: string[]
}

type ItemOf<S extends ChecklistSection> = S extends 'criteria' ? CriterionItem : RefItem

/** Normalised heading text used as a key: lower case, blanks collapsed, no trailing colon. */
export function headingKey(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\s*:$/, '').toLowerCase()
}

const SECTION_BY_KEY = new Map<string, ChecklistSection>(
  (Object.entries(SECTION_HEADINGS) as [ChecklistSection, string][]).map(([s, h]) => [
    headingKey(h),
    s,
  ]),
)

function parse(body: string) {
  return fromMarkdown(body, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] })
}

function plainText(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string') return node.value
  if ('children' in node) return node.children.map((c) => plainText(c as Nodes)).join('')
  return ''
}

function startOf(node: Nodes): number {
  return node.position?.start.offset ?? 0
}

function endOf(node: Nodes): number {
  return node.position?.end.offset ?? 0
}

function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** One checkbox found by the scan, with the offset of the character between its brackets. */
interface Found<S extends ChecklistSection = ChecklistSection> {
  section: S
  item: ItemOf<S>
  box: number
}

interface Scan {
  found: Found[]
  fields: Record<string, string>
  problems: string[]
}

/** `- [ ]` / `1. [x]` at `offset`: the offset of the character inside the brackets. */
function checkboxOffset(body: string, item: ListItem): number | null {
  const marker = /(?:[-*+]|\d{1,9}[.)])[ \t]+\[[ xX]\]/y
  marker.lastIndex = startOf(item)
  const m = marker.exec(body)
  return m ? m.index + m[0].length - 2 : null
}

/** The reference an item's paragraph starts with (first link, or first word). */
function referenceText(paragraph: Paragraph | undefined): string {
  const first = paragraph?.children[0]
  if (!first) return ''
  if (first.type === 'link') return first.url
  if (first.type === 'text') {
    return (/^\s*(\S+)/.exec(first.value)?.[1] ?? '').replace(/[,.;:)]+$/, '')
  }
  return ''
}

/**
 * The criterion of an item whose content starts at `from` (just after the
 * checkbox): text before a final inline code span, which is the expression.
 */
function criterionOf(
  body: string,
  paragraph: Paragraph | undefined,
  from: number,
): Omit<CriterionItem, 'checked' | 'line'> {
  if (!paragraph) return { criterion: '' }
  const children = paragraph.children.filter((c) => !(c.type === 'text' && c.value.trim() === ''))
  const last = children[children.length - 1]
  if (last?.type === 'inlineCode' && last.value.trim() !== '') {
    const measurable = last.value.trim()
    const before = squash(body.slice(from, startOf(last))).replace(/\s*[:\-–—]+$/, '')
    return { criterion: before || measurable, measurable }
  }
  return { criterion: squash(body.slice(from, endOf(paragraph))) }
}

function scan(body: string, context: RepoContext): Scan {
  const tree = parse(body)
  const found: Found[] = []
  const fields: Record<string, string> = {}
  const problems: string[] = []

  const readItem = (section: ChecklistSection, item: ListItem): void => {
    const line = item.position?.start.line ?? 0
    const heading = SECTION_HEADINGS[section]
    const paragraph = item.children.find((c): c is Paragraph => c.type === 'paragraph')
    if (item.checked === null || item.checked === undefined) {
      const text = paragraph ? squash(body.slice(startOf(paragraph), endOf(paragraph))) : ''
      if (/^\[[ xX]\]$/.test(text)) {
        problems.push(`${heading}, line ${line}: the task-list item is empty.`)
      } else if (text) {
        problems.push(
          `${heading}, line ${line}: "${text}" is not a task-list item; write it as \`- [ ] ${text}\`.`,
        )
      }
      return
    }
    const box = checkboxOffset(body, item)
    if (box === null) return
    // The parser's paragraph may start at the checkbox; the content starts after it.
    const from = Math.max(paragraph ? startOf(paragraph) : 0, box + 2)
    const text = paragraph ? squash(body.slice(from, endOf(paragraph))) : ''
    const checked = item.checked
    if (section === 'criteria') {
      const c = criterionOf(body, paragraph, from)
      if (!c.criterion) {
        problems.push(`${heading}, line ${line}: the criterion is empty.`)
        return
      }
      found.push({ section, item: { ...c, checked, line }, box })
      return
    }
    const ref = parseIssueReference(referenceText(paragraph), context)
    if (!ref) {
      problems.push(
        `${heading}, line ${line}: "${text}" is not an issue reference; write #12, owner/repo#7 or an issue URL.`,
      )
      return
    }
    found.push({ section, item: { ref, checked, line }, box })
  }

  const readList = (section: ChecklistSection, list: List): void => {
    for (const item of list.children) {
      readItem(section, item)
      for (const child of item.children) if (child.type === 'list') readList(section, child)
    }
  }

  const readSection = (section: ChecklistSection, nodes: RootContent[]): void => {
    for (const node of nodes) {
      if (node.type === 'list') readList(section, node)
      else if (node.type === 'paragraph') {
        const text = squash(body.slice(startOf(node), endOf(node)))
        if (text !== NO_RESPONSE) {
          problems.push(
            `${SECTION_HEADINGS[section]}, line ${node.position?.start.line ?? 0}: "${text}" is not in a task list and is ignored; write each item as \`- [ ] …\`.`,
          )
        }
      }
    }
  }

  const children = tree.children
  const isBoundary = (n: RootContent): n is Heading => n.type === 'heading' && n.depth <= 4
  for (let i = 0; i < children.length; i++) {
    const heading = children[i]
    if (!heading || !isBoundary(heading) || heading.depth < 2) continue
    let j = i + 1
    while (j < children.length && !isBoundary(children[j] as RootContent)) j++
    const content = children.slice(i + 1, j)
    const key = headingKey(plainText(heading))
    const section = SECTION_BY_KEY.get(key)
    if (section) readSection(section, content)
    else if (key in fields) {
      problems.push(
        `Line ${heading.position?.start.line ?? 0}: a second "${squash(plainText(heading))}" section is ignored.`,
      )
    } else {
      const next = children[j]
      const text = body.slice(endOf(heading), next ? startOf(next) : body.length).trim()
      fields[key] = text === NO_RESPONSE ? '' : text
    }
    i = j - 1
  }
  return { found, fields, problems }
}

/**
 * Read the task sections of an issue body (format: module comment).
 * `context` is the issue's repository, against which `#12` is resolved.
 *
 * Returns items in document order with their 1-based line, the other
 * sections as `fields`, and `problems` for people. Never throws: a body
 * without sections gives empty lists and no fields.
 */
export function parseIssueBody(body: string, context: RepoContext): IssueBody {
  const { found, fields, problems } = scan(body, context)
  const pick = <S extends ChecklistSection>(section: S): ItemOf<S>[] =>
    found.filter((f): f is Found<S> => f.section === section).map((f) => f.item)
  return {
    dependsOn: pick('dependsOn'),
    criteria: pick('criteria'),
    subtasks: pick('subtasks'),
    fields,
    problems,
  }
}

/**
 * Tick (`checked` true → `[x]`) or untick (→ `[ ]`) the checkboxes of the
 * items of `section` for which `match` returns true, as {@link parseIssueBody}
 * reads them. Only the one character between the brackets of each changed
 * checkbox is replaced; every other byte of `body` is kept. Items already in
 * the wanted state are left alone (an `[X]` stays `[X]`). Returns `body`
 * itself when nothing changes. `context` resolves `#12` in `Depends on` and
 * `Subtasks`.
 */
export function setChecked(
  body: string,
  section: 'criteria',
  match: (item: CriterionItem) => boolean,
  checked: boolean,
): string
export function setChecked(
  body: string,
  section: 'dependsOn' | 'subtasks',
  match: (item: RefItem) => boolean,
  checked: boolean,
  context: RepoContext,
): string
export function setChecked(
  body: string,
  section: ChecklistSection,
  match: ((item: RefItem) => boolean) | ((item: CriterionItem) => boolean),
  checked: boolean,
  context: RepoContext = { owner: '', repo: '' },
): string {
  const boxes = scan(body, context)
    .found.filter(
      (f) =>
        f.section === section &&
        f.item.checked !== checked &&
        (match as (item: RefItem | CriterionItem) => boolean)(f.item),
    )
    .map((f) => f.box)
  if (boxes.length === 0) return body
  let out = ''
  let from = 0
  for (const box of boxes.sort((a, b) => a - b)) {
    out += body.slice(from, box) + (checked ? 'x' : ' ')
    from = box + 1
  }
  return out + body.slice(from)
}

/** Blanks collapsed outside '…' and "…" string literals, then trimmed (for CEL). */
function squashExpression(expression: string): string {
  let out = ''
  let quote: string | null = null
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i] ?? ''
    if (quote) {
      out += c
      if (c === '\\') out += expression[++i] ?? ''
      else if (c === quote) quote = null
    } else if (c === '"' || c === "'") {
      quote = c
      out += c
    } else if (/\s/.test(c)) {
      if (!out.endsWith(' ')) out += ' '
    } else out += c
  }
  return out.trim()
}

/**
 * A stable SHA-256 digest (64 lower-case hex characters) of a criteria list,
 * used to tie a CI verdict to the criteria as they stand. It covers each
 * item's `criterion` (Unicode NFC, blanks collapsed) and `measurable` (blanks
 * collapsed outside string literals; absent and empty are the same), in
 * order. Ticks, lines and other properties do not count.
 */
export function criteriaDigest(
  criteria: readonly { criterion: string; measurable?: string | null | undefined }[],
): string {
  const canonical = criteria.map((c) => [
    squash(c.criterion.normalize('NFC')),
    c.measurable ? squashExpression(c.measurable.normalize('NFC')) || null : null,
  ])
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex')
}
