/**
 * Which lines of a comment are command lines (rules 1–2 and 6 in
 * ./commands.ts), in bounded time: the block structure comes from the
 * linear pre-pass (./comment-blocks.ts), most candidate lines are decided
 * directly from it, and only the few paragraphs where an inline construct
 * could swallow a candidate are given to the Markdown parser, under
 * {@link PARSE_LIMITS}.
 *
 * Deciding a candidate line (a line whose first non-blank character is `/`
 * then a letter) directly, exactly as a GFM parse of the whole comment would
 * (CommonMark 0.31 and GFM as micromark reads them; checked against a full
 * parse in test/security/comments-markdown.test.ts):
 *
 * - Only an inline construct that opens before the `/` can contain it, and
 *   the first line of a paragraph has nothing before it. Of the inline
 *   constructs, only these can span a line ending, and each opens with one
 *   of {@link SPANNING_OPENERS}: code spans (`` ` ``), emphasis and strong
 *   emphasis (`*` `_`), strikethrough (`~`), links, images, footnote calls
 *   and link reference definitions (`[`, `![`), inline HTML including
 *   comments, processing instructions, declarations and CDATA (`<`).
 *   Autolinks, GFM autolink literals, character references and backslash
 *   escapes cannot span a line ending, and a hard line break ends a text
 *   node without swallowing the next line. So a candidate is plain
 *   paragraph text when no line of its paragraph before it holds one of
 *   {@link SPANNING_OPENERS} — whatever its own line holds, however long.
 * - Provided the paragraph is one. A paragraph closed by a setext underline
 *   is a heading (after any link reference definitions, which hold no text
 *   either), so none of its lines is a command. A GFM table interrupts a
 *   paragraph at its header row, the line before a delimiter row (only `|`
 *   `:` `-` and blanks), and takes the lines after it as rows. A
 *   candidate with such a line before it or right after it is left to the
 *   parser (and a setext paragraph holding one). (Footnote definitions,
 *   which interrupt paragraphs too, are containers of the pre-pass.)
 */
import type { Nodes, Paragraph } from 'mdast'
import { fromMarkdown } from 'mdast-util-from-markdown'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { gfm } from 'micromark-extension-gfm'
import {
  CANDIDATE,
  type CandidateParagraph,
  paragraphsWithCandidates,
  type Unreadable,
} from './comment-blocks.js'

/** GitHub's limit on a comment's length, in characters: longer bodies are not read. */
export const MAX_COMMENT_CHARS = 65_536

/**
 * What the Markdown parser may be given at most, over all the paragraphs of
 * one comment that need it (those with a candidate line that cannot be
 * decided directly). A paragraph that does not fit is not parsed; its
 * undecided candidate lines are reported one by one.
 */
export const PARSE_LIMITS = {
  /** Characters. */
  chars: 4096,
  /** Lines. */
  lines: 100,
  /** Characters that open or close inline constructs: `` ` `` `*` `_` `~` `[` `]` `<` `>` `!` `\` `|`. */
  marks: 256,
  /**
   * Of those, brackets `[` `]`: micromark looks back from every `]` over the
   * whole paragraph for its `[` (quadratic: 128 of each took 80 ms; 16 in 4 KB take about 25 ms).
   */
  brackets: 16,
}

/** Characters that open an inline construct able to span a line ending (see the module comment). */
export const SPANNING_OPENERS = '`*_~[<'

/** A candidate line that could not be decided within {@link PARSE_LIMITS}. */
export interface UnreadLine {
  /** 1-based line in the comment. */
  line: number
  /** Why, and what to do, as a sentence without the line's number (e.g. "it follows … Put a blank line before it."). */
  reason: string
}

/** The command lines found, and the candidate lines left undecided; each 1-based and ascending. */
export interface CommandLines {
  lines: number[]
  unread: UnreadLine[]
}

const OPENER_CODES = new Set([...SPANNING_OPENERS].map((ch) => ch.charCodeAt(0)))
const MARK_CODES = new Set([...'`*_~[]<>!\\|'].map((ch) => ch.charCodeAt(0)))

/** Does any line start (after blanks) with `/` and a letter? */
const ANY_CANDIDATE = /(?:^|[\r\n])[ \t]*\/[A-Za-z]/

/** A list marker (through its last character) at the start of a paragraph's first line. */
const LIST_ITEM_START = /^(?:\d{1,9}[.)]|[-+*])(?=[ \t]|$)/

/** The `fromMarkdown` options, built once. */
const MARKDOWN = { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }

/** Offsets at which each line starts; line endings as in CommonMark (LF, CRLF, CR). */
export function lineStarts(text: string): number[] {
  const starts = [0]
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1)
  }
  return starts
}

function hasOpener(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (OPENER_CODES.has(text.charCodeAt(i))) return true
  return false
}

/** Only `|` `:` `-` and blanks, with a `-`: a line GFM may take for a table's delimiter row (a superset). */
function delimiterLike(text: string): boolean {
  let dash = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === '-') dash = true
    else if (ch !== '|' && ch !== ':' && ch !== ' ' && ch !== '\t') return false
  }
  return dash
}

/** Why a paragraph's undecided lines need a parse, for the report when it cannot be done. */
type Why = 'text' | 'structure'

/**
 * Decide what can be decided of one paragraph without parsing it (the
 * module comment says how): command lines are pushed to `found`, lines only
 * a parse can decide to `needing` (both 1-based comment lines).
 */
function decide(p: CandidateParagraph, found: number[], needing: number[]): Why {
  const { texts } = p
  const end = p.setext ? texts.length - 1 : texts.length
  let structural = Number.POSITIVE_INFINITY
  for (let i = 1; i < end; i++) {
    const t = texts[i] ?? ''
    if (delimiterLike(t)) {
      structural = i
      break
    }
  }
  const last = p.candidates[p.candidates.length - 1] ?? 0
  let opener = Number.POSITIVE_INFINITY
  for (let i = 0; i < last; i++) {
    if (hasOpener(texts[i] ?? '')) {
      opener = i
      break
    }
  }
  let why: Why = 'text'
  for (const k of p.candidates) {
    const n = p.lines[k] ?? 0
    if (p.setext && structural === Number.POSITIVE_INFINITY) continue // a heading
    if (p.setext || structural <= k || delimiterLike(texts[k + 1] ?? '')) {
      needing.push(n)
      why = 'structure'
    } else if (opener < k) needing.push(n)
    else found.push(n)
  }
  return why
}

/** What parsing a paragraph costs, in the units of {@link PARSE_LIMITS}. */
function costOf(p: CandidateParagraph): typeof PARSE_LIMITS {
  const cost = { chars: 0, lines: p.texts.length, marks: 0, brackets: 0 }
  for (const t of p.texts) {
    cost.chars += t.length + 1
    for (let i = 0; i < t.length; i++) {
      const code = t.charCodeAt(i)
      if (MARK_CODES.has(code)) {
        cost.marks++
        if (code === 91 || code === 93) cost.brackets++
      }
    }
  }
  return cost
}

/** The first limit of {@link PARSE_LIMITS} that `cost` passes, in words; null within all. */
function overLimit(cost: typeof PARSE_LIMITS): string | null {
  if (cost.chars > PARSE_LIMITS.chars) return `${PARSE_LIMITS.chars} characters`
  if (cost.lines > PARSE_LIMITS.lines) return `${PARSE_LIMITS.lines} lines`
  if (cost.marks > PARSE_LIMITS.marks) return `${PARSE_LIMITS.marks} Markdown punctuation marks`
  if (cost.brackets > PARSE_LIMITS.brackets) return `${PARSE_LIMITS.brackets} brackets`
  return null
}

function unreadReason(p: CandidateParagraph, why: Why, limit: string, alone: boolean): string {
  const from = p.lines[0] ?? 1
  const what =
    why === 'text'
      ? `it follows other text with Markdown punctuation in its paragraph (from line ${from})`
      : `its paragraph (from line ${from}) may hold a table`
  const over = alone
    ? `that paragraph is over the limit of ${limit}`
    : `the paragraphs parsed before it in this comment leave no room within the limit of ${limit}`
  const fix =
    why === 'text'
      ? 'Put a blank line before it to run it.'
      : 'Put it in a paragraph of its own, with a blank line before and after it, to run it.'
  return `${what}, and deciding whether it is a command needs a Markdown parse of that paragraph, but ${over}. ${fix}`
}

/**
 * The lines of `body` that start with plain paragraph text outside block
 * quotes (rules 1–2 of ./commands.ts, minus the `/word` shape), and the
 * candidate lines that could not be decided within {@link PARSE_LIMITS}; or
 * why the comment is not read at all (longer than {@link MAX_COMMENT_CHARS},
 * nested deeper than the pre-pass allows). Linear in the comment's length
 * plus a bounded parse; never throws.
 */
export function commandLines(body: string): CommandLines | Unreadable {
  if (body.length > MAX_COMMENT_CHARS) {
    return {
      line: 1,
      message: `the comment is ${body.length} characters long; commands are read only from comments of at most ${MAX_COMMENT_CHARS} characters (GitHub's limit)`,
    }
  }
  if (!ANY_CANDIDATE.test(body)) return { lines: [], unread: [] }
  const lines = body.split(/\r\n|\r|\n/)
  const paragraphs = paragraphsWithCandidates(lines)
  if (!Array.isArray(paragraphs)) return paragraphs
  const found: number[] = []
  const unread: UnreadLine[] = []
  const toParse: { p: CandidateParagraph; needing: Set<number> }[] = []
  const total = { chars: 0, lines: 0, marks: 0, brackets: 0 }
  const needing: number[] = []
  for (const p of paragraphs) {
    needing.length = 0
    const why = decide(p, found, needing)
    if (needing.length === 0) continue
    const cost = costOf(p)
    const alone = overLimit(cost)
    const sum = {
      chars: total.chars + cost.chars,
      lines: total.lines + cost.lines,
      marks: total.marks + cost.marks,
      brackets: total.brackets + cost.brackets,
    }
    const limit = alone ?? overLimit(sum)
    if (limit) {
      const reason = unreadReason(p, why, limit, alone !== null)
      for (const line of needing) unread.push({ line, reason })
      continue
    }
    Object.assign(total, sum)
    toParse.push({ p, needing: new Set(needing) })
  }
  found.push(...parsedCommandLines(toParse, lines))
  return { lines: found.sort((a, b) => a - b), unread: unread.sort((a, b) => a.line - b.line) }
}

/**
 * Of the `needing` lines of each paragraph, those a GFM parse puts at the
 * start of a text node directly in a paragraph outside block quotes. Each
 * paragraph is parsed on its own (so one cannot change how the next is
 * read), within {@link PARSE_LIMITS} in all (checked by the caller).
 */
function parsedCommandLines(
  toParse: { p: CandidateParagraph; needing: Set<number> }[],
  lines: string[],
): number[] {
  const found: number[] = []
  for (const { p, needing } of toParse) {
    // A first line that reads as a list item is a paragraph only by context (the pre-pass
    // follows micromark: no such item after indented code); escape its marker so the parser,
    // seeing the paragraph alone, reads it as text too.
    const [first = '', ...rest] = p.texts
    const marker = LIST_ITEM_START.exec(first)
    const texts = [
      marker ? `${marker[0].slice(0, -1)}\\${first.slice(marker[0].length - 1)}` : first,
      ...rest,
    ]
    const doc = texts.join('\n')
    const docStarts = lineStarts(doc)
    const scan = (paragraph: Paragraph): void => {
      for (const child of paragraph.children) {
        if (child.type !== 'text' || !child.position) continue
        const { start, end } = child.position
        for (let n = start.line; n <= end.line; n++) {
          const line = p.lines[n - 1] ?? 0
          if (!needing.has(line)) continue
          const text = texts[n - 1] ?? ''
          const at = (docStarts[n - 1] ?? 0) + (/^[ \t]*/.exec(text)?.[0].length ?? 0)
          if (
            start.offset !== undefined &&
            end.offset !== undefined &&
            at >= start.offset &&
            at < end.offset &&
            doc[at] === '/' &&
            CANDIDATE.test(lines[line - 1] ?? '')
          ) {
            found.push(line)
            needing.delete(line)
          }
        }
      }
    }
    const visit = (node: Nodes): void => {
      if (node.type === 'blockquote') return
      if (node.type === 'paragraph') scan(node)
      else if ('children' in node) for (const child of node.children) visit(child)
    }
    visit(fromMarkdown(doc, MARKDOWN))
  }
  return found
}
