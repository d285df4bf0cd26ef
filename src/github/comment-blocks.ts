/**
 * The bounded pre-pass of the comment grammar (./commands.ts): one linear
 * pass over a comment's lines that follows CommonMark's block structure
 * (spec 0.31, "Appendix: A parsing strategy") far enough to know, for every
 * line, whether it belongs to a paragraph outside block quotes — and nothing
 * more. Containers (block quotes, list items), fenced and indented code, HTML
 * blocks (kinds 1–7), ATX headings, thematic breaks, blank lines, lazy
 * continuation lines, setext underlines and GFM footnote definitions (a
 * container, as micromark reads them) are recognised here; what can only
 * be decided inside a paragraph (inline code, inline HTML, links, emphasis,
 * tables, link reference definitions) is decided by
 * ./command-lines.ts, directly where it can be and by the Markdown parser
 * under limits where it cannot.
 *
 * Why: micromark is recursive in nesting depth (a stack overflow from about
 * 3,000 levels) and super-linear on nested containers, brackets and emphasis
 * (`"- ".repeat(32000)` took minutes), and costs about 15 µs per line even on
 * plain text. This pass costs O(length × open containers), and the open
 * containers are capped at {@link MAX_NESTING}.
 */

import { delimiterCells, headerCells } from './comment-tables.js'

/** Containers (block quotes and list items) open at once beyond which a comment is not read. */
export const MAX_NESTING = 32

/** A line that may be a command line: its first non-blank character is `/` then a letter. */
export const CANDIDATE = /^[ \t]*\/[A-Za-z]/

/** A paragraph (outside block quotes) holding at least one candidate line. */
export interface CandidateParagraph {
  /** 1-based line numbers in the comment, one per line of the paragraph. */
  lines: number[]
  /**
   * The paragraph's lines with their container prefixes (list indentation
   * and markers) removed, ready for a Markdown parser: the first line from
   * its first character, the others trimmed, kept indented by four spaces
   * when they were, and lazy continuation lines always (so `    ===` stays
   * a continuation, not a setext underline nor a table's delimiter row).
   */
  texts: string[]
  /** Indices into `lines` of the candidate lines ({@link CANDIDATE}). */
  candidates: number[]
  /**
   * The paragraph was closed by a setext underline (`===` or `---`, its last
   * line): unless a table or footnote definition interrupts it earlier, it
   * is a heading, not a paragraph.
   */
  setext: boolean
}

/** Why a comment is not read: the limit passed, and where. */
export interface Unreadable {
  /** 1-based line where the limit was passed. */
  line: number
  message: string
}

/**
 * An open container. `indent` of a list item is the columns its content
 * starts after the start of its parent's content (marker indentation, marker
 * and the blanks after it); a footnote definition's content is indented 4.
 */
type Container =
  | { kind: 'quote' }
  | { kind: 'item'; indent: number; empty: boolean }
  | { kind: 'footnote' }

type Leaf =
  | { kind: 'none' }
  | {
      kind: 'paragraph'
      quoted: boolean
      run: CandidateParagraph | null
      candidate: boolean
      /** Its last line as written (without indentation), and that indentation in columns. */
      last: string
      lastCols: number
      /** It became a GFM table: a header row and a delimiter row were found. */
      table: boolean
    }
  | { kind: 'fenced'; char: string; length: number; indent: number }
  | { kind: 'indented' }
  | { kind: 'html'; end: RegExp | null }

/** A position in a line: character offset and column (tabs advance to the next multiple of 4). */
interface Cursor {
  line: string
  pos: number
  col: number
  /** Columns of a tab at `pos` already consumed (a tab can be split between a marker and content). */
  used: number
}

const HTML_BLOCK_TAGS = new Set(
  'address article aside base basefont blockquote body caption center col colgroup dd details dialog dir div dl dt fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hr html iframe legend li link main menu menuitem nav noframes ol optgroup option p param search section summary table tbody td tfoot th thead title tr track ul'.split(
    ' ',
  ),
)
/** Kinds 1–5: start pattern and the end a line must contain. */
const HTML_UNTIL: [RegExp, RegExp][] = [
  [/^<(?:pre|script|style|textarea)(?:[ \t>]|$)/i, /<\/(?:pre|script|style|textarea)>/i],
  [/^<!--/, /-->/],
  [/^<\?/, /\?>/],
  [/^<![A-Za-z]/, />/],
  [/^<!\[CDATA\[/, /\]\]>/],
]
const HTML_TAG_LINE =
  /^(?:<[A-Za-z][A-Za-z0-9-]*(?:[ \t]+[A-Za-z_:][\w.:-]*(?:[ \t]*=[ \t]*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)*[ \t]*\/?>|<\/[A-Za-z][A-Za-z0-9-]*[ \t]*>)[ \t]*$/
/** Lines longer than this are not tested for an HTML tag line (kind 7): the parser still sees them. */
const TAG_LINE_MAX = 1000
const THEMATIC = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/
const SETEXT = /^(?:=+|-+)[ \t]*$/
const FENCE = /^(`{3,}|~{3,})(.*)$/
const ATX = /^#{1,6}(?:[ \t]|$)/
const ORDERED = /^(\d{1,9})([.)])/
/** First characters of every block start (quote, list item, heading, break, fence, HTML, footnote definition). */
const BLOCK_START = new Set([...'>-+*_#`~<[0123456789'].map((ch) => ch.charCodeAt(0)))

function isBlank(c: Cursor): boolean {
  for (let i = c.pos; i < c.line.length; i++) {
    const ch = c.line.charCodeAt(i)
    if (ch !== 32 && ch !== 9) return false
  }
  return true
}

/** Columns of whitespace from the cursor, and the offset of the first other character. */
function peekIndent(c: Cursor): { cols: number; pos: number } {
  let col = c.col
  let pos = c.pos
  let first = true
  for (; pos < c.line.length; pos++) {
    const ch = c.line[pos]
    if (ch === ' ') col++
    else if (ch === '\t') col += tabWidth(col, first ? c.used : 0)
    else break
    first = false
  }
  return { cols: col - c.col, pos }
}

/** Columns a tab at column `col` still spans when `used` of them are consumed already. */
function tabWidth(col: number, used: number): number {
  return 4 - ((col - used) % 4) - used
}

/** Consume `n` columns of whitespace (splitting a tab when needed). */
function skipColumns(c: Cursor, n: number): void {
  let left = n
  while (left > 0 && c.pos < c.line.length) {
    const ch = c.line[c.pos]
    if (ch === ' ') {
      c.pos++
      c.col++
      left--
    } else if (ch === '\t') {
      const width = tabWidth(c.col, c.used)
      if (width <= left) {
        c.pos++
        c.col += width
        c.used = 0
        left -= width
      } else {
        c.used += left
        c.col += left
        left = 0
      }
    } else break
  }
}

/** The list marker at the cursor (after up to 3 columns of indentation), or null. */
function listMarker(rest: string): { width: number; bullet: boolean; start: number } | null {
  const ch = rest[0]
  let width = 0
  let start = 1
  let bullet = false
  if (ch === '-' || ch === '+' || ch === '*') {
    width = 1
    bullet = true
  } else {
    const m = ORDERED.exec(rest)
    if (!m) return null
    width = m[0].length
    start = Number(m[1])
  }
  const after = rest[width]
  if (after !== undefined && after !== ' ' && after !== '\t') return null
  return { width, bullet, start }
}

/**
 * The paragraphs of a comment (outside block quotes) that hold a candidate
 * command line ({@link CANDIDATE}), in order, or why the comment cannot be
 * read (lists and quotes nested deeper than {@link MAX_NESTING}). `lines`
 * are the comment's lines without line endings. Linear in the comment's
 * length for a bounded nesting depth; never throws.
 */
export function paragraphsWithCandidates(lines: string[]): CandidateParagraph[] | Unreadable {
  const stack: Container[] = []
  let leaf: Leaf = { kind: 'none' }
  // micromark: while the last block begun is indented code (blank lines
  // included), a list item must be one that could interrupt a paragraph
  // (`self.interrupt` follows the flow's current construct).
  let afterIndented = false
  const found: CandidateParagraph[] = []
  const closeLeaf = (): void => {
    if (leaf.kind === 'paragraph' && leaf.run && leaf.candidate && !leaf.quoted)
      found.push(leaf.run)
    leaf = { kind: 'none' }
  }
  const addParagraphLine = (
    n: number,
    text: string,
    candidate: boolean,
    first: boolean,
    cols = 0,
  ): void => {
    if (leaf.kind !== 'paragraph') return
    leaf.last = text.trimStart()
    leaf.lastCols = cols
    if (leaf.quoted) return
    if (first || !leaf.run) leaf.run = { lines: [], texts: [], candidates: [], setext: false }
    if (candidate) {
      leaf.candidate = true
      leaf.run.candidates.push(leaf.run.lines.length)
    }
    leaf.run.lines.push(n)
    leaf.run.texts.push(text)
  }

  const startParagraph = (n: number, text: string, candidate: boolean): void => {
    afterIndented = false
    leaf = {
      kind: 'paragraph',
      quoted: stack.some((k) => k.kind === 'quote'),
      run: null,
      candidate: false,
      last: text,
      lastCols: 0,
      table: false,
    }
    addParagraphLine(n, text, candidate, true)
  }

  for (let i = 0; i < lines.length; i++) {
    const n = i + 1
    const line = lines[i] ?? ''
    const candidate = CANDIDATE.test(line)
    const c: Cursor = { line, pos: 0, col: 0, used: 0 }

    // 1. Which open containers does this line continue?
    let matched = 0
    for (const k of stack) {
      const ind = peekIndent(c)
      if (k.kind === 'quote') {
        if (ind.cols <= 3 && line[ind.pos] === '>') {
          skipColumns(c, ind.cols)
          c.pos++
          c.col++
          c.used = 0
          if (line[c.pos] === ' ' || line[c.pos] === '\t') skipColumns(c, 1)
          matched++
          continue
        }
        break
      }
      if (k.kind === 'footnote') {
        // micromark: a blank line, or exactly 4 columns of indentation.
        if (ind.pos >= line.length) {
          matched++
          continue
        }
        if (ind.cols >= 4) {
          skipColumns(c, 4)
          matched++
          continue
        }
        break
      }
      if (ind.pos >= line.length) {
        if (k.empty) break // an item may begin with at most one blank line
        matched++
        continue
      }
      if (ind.cols >= k.indent) {
        skipColumns(c, k.indent)
        k.empty = false
        matched++
        continue
      }
      break
    }
    const allMatched = matched === stack.length

    // 2. Leaves that swallow lines: fenced code, HTML blocks, indented code.
    if (allMatched && leaf.kind === 'fenced') {
      const ind = peekIndent(c)
      const rest = line.slice(ind.pos)
      if (ind.cols <= 3 && closesFence(rest, leaf.char, leaf.length)) leaf = { kind: 'none' }
      continue
    }
    if (allMatched && leaf.kind === 'html') {
      if (leaf.end) {
        if (leaf.end.test(line.slice(c.pos))) leaf = { kind: 'none' }
        continue
      }
      if (!isBlank(c)) continue
      leaf = { kind: 'none' }
    }
    if (allMatched && leaf.kind === 'indented') {
      if (isBlank(c) || peekIndent(c).cols >= 4) continue
      leaf = { kind: 'none' }
    }

    // 3. A lazy continuation line: the paragraph goes on inside containers
    // this line did not repeat, unless the line starts something else.
    const wasParagraph = (leaf as Leaf).kind === 'paragraph'
    // A table takes no lazy lines.
    if (!allMatched && wasParagraph && !(leaf as Leaf & { table?: boolean }).table) {
      const ind = peekIndent(c)
      const rest = line.slice(ind.pos)
      if (ind.cols < 4 && htmlStart(rest, false) === null && htmlStart(rest, true) === undefined) {
        // micromark: an HTML tag line (kind 7) here ends the paragraph and
        // starts an HTML block in the innermost container, all left open.
        closeLeaf()
        leaf = { kind: 'html', end: null }
        continue
      }
      if (ind.pos < line.length && !startsBlock(rest, ind.cols, true)) {
        addParagraphLine(n, continuation(rest, 4), candidate, false, ind.cols)
        continue
      }
    }

    // 4. New containers, then the leaf this line starts (or continues).
    let opened = 0
    // micromark: a table interrupts nothing (`_gfmTableDynamicInterruptHack`).
    const inTable = (leaf as Leaf & { table?: boolean }).table === true
    const interrupting = (wasParagraph && allMatched && !inTable) || afterIndented
    for (;;) {
      const ind = peekIndent(c)
      const rest = line.slice(ind.pos)
      if (ind.pos >= line.length || ind.cols >= 4 || !BLOCK_START.has(rest.charCodeAt(0))) break
      if (THEMATIC.test(rest)) break
      let pushed: Container
      const label = rest[0] === '[' ? footnoteLabelEnd(rest) : 0
      if (label > 0) {
        // A GFM footnote definition `[^label]:` (micromark-extension-gfm-footnote):
        // a container whose content starts after the blanks that follow it.
        skipColumns(c, ind.cols)
        c.pos += label
        c.col += label
        c.used = 0
        skipColumns(c, peekIndent(c).cols)
        pushed = { kind: 'footnote' }
      } else if (rest[0] === '>') {
        skipColumns(c, ind.cols)
        c.pos++
        c.col++
        c.used = 0
        if (line[c.pos] === ' ' || line[c.pos] === '\t') skipColumns(c, 1)
        pushed = { kind: 'quote' }
      } else {
        const marker = listMarker(rest)
        if (!marker) break
        const blankAfter = /^[ \t]*$/.test(rest.slice(marker.width))
        if (interrupting && (blankAfter || (!marker.bullet && marker.start !== 1))) break
        skipColumns(c, ind.cols)
        c.pos += marker.width
        c.col += marker.width
        c.used = 0
        const after = peekIndent(c)
        let indent = ind.cols + marker.width + 1
        if (!blankAfter && after.cols <= 4) indent = ind.cols + marker.width + after.cols
        skipColumns(c, blankAfter ? 0 : after.cols <= 4 ? after.cols : 1)
        pushed = { kind: 'item', indent, empty: blankAfter }
      }
      stack.length = matched + opened
      stack.push(pushed)
      opened++
      if (stack.length > MAX_NESTING) {
        return {
          line: n,
          message: `the comment nests lists and quotes more than ${MAX_NESTING} levels deep (line ${n}); commands are read only from comments nested at most ${MAX_NESTING} levels`,
        }
      }
    }
    const ind = peekIndent(c)
    const rest = line.slice(ind.pos)
    const blank = ind.pos >= line.length
    if (!allMatched || opened > 0) {
      stack.length = matched + opened
      closeLeaf()
    }
    if (blank) {
      closeLeaf()
      continue
    }
    const para = leaf as Leaf
    if (para.kind === 'paragraph' && para.table && opened === 0) {
      // A table row, unless the line starts another block.
      if (!endsTable(line, c, rest, ind.cols)) {
        addParagraphLine(n, continuation(rest, ind.cols), candidate, false, ind.cols)
        continue
      }
      closeLeaf()
    }
    const p = leaf as Leaf
    if (p.kind === 'paragraph' && opened === 0) {
      // Continuation, setext underline, table, or a leaf that interrupts the paragraph.
      if (ind.cols < 4 && p.lastCols < 4) {
        const cells = delimiterCells(rest)
        if (cells > 0 && cells === headerCells(p.last)) {
          // micromark reads a lazy header as written: undo its continuation indent.
          const texts = p.run?.texts
          if (texts && texts.length > 0) texts[texts.length - 1] = p.last
          p.table = true
          addParagraphLine(n, rest, candidate, false, ind.cols)
          continue
        }
      }
      if (ind.cols < 4 && SETEXT.test(rest)) {
        addParagraphLine(n, rest, candidate, false)
        const closing = leaf as Leaf
        if (closing.kind === 'paragraph' && closing.run) closing.run.setext = true
        closeLeaf()
        continue
      }
      if (ind.cols >= 4 || !startsBlock(rest, ind.cols, false)) {
        addParagraphLine(n, continuation(rest, ind.cols), candidate, false, ind.cols)
        continue
      }
      closeLeaf()
    }
    if (ind.cols >= 4) {
      leaf = { kind: 'indented' }
      afterIndented = true
      continue
    }
    if (!BLOCK_START.has(rest.charCodeAt(0))) {
      startParagraph(n, rest, candidate)
      continue
    }
    afterIndented = false
    if (ATX.test(rest) || THEMATIC.test(rest)) continue
    const fence = FENCE.exec(rest)
    if (fence && !(fence[1]?.[0] === '`' && fence[2]?.includes('`'))) {
      const mark = fence[1] ?? '```'
      leaf = { kind: 'fenced', char: mark[0] ?? '`', length: mark.length, indent: ind.cols }
      continue
    }
    const html = htmlStart(rest, false)
    if (html !== undefined) {
      leaf = { kind: 'html', end: html }
      if (html?.test(rest)) leaf = { kind: 'none' }
      continue
    }
    startParagraph(n, rest, candidate)
  }
  closeLeaf()
  return found
}

/** Is `rest` a closing fence: `length` or more of `char`, then only blanks? */
function closesFence(rest: string, char: string, length: number): boolean {
  let i = 0
  while (rest[i] === char) i++
  return i >= length && /^[ \t]*$/.test(rest.slice(i))
}

/** A paragraph line other than the first, as the parser should see it. */
function continuation(rest: string, cols: number): string {
  return cols >= 4 ? `    ${rest}` : rest
}

/**
 * The end of an HTML block starting at `rest` (a pattern for kinds 1–5,
 * `null` for kinds 6–7, which end at a blank line), or `undefined` when no
 * HTML block starts there. Kind 7 cannot interrupt a paragraph. As in
 * micromark, a closing `</pre>` (`</script>` …) is kind 7, not kind 1.
 */
function htmlStart(rest: string, interrupting: boolean): RegExp | null | undefined {
  if (rest[0] !== '<') return undefined
  for (const [open, end] of HTML_UNTIL) if (open.test(rest)) return end
  const tag = /^<\/?([A-Za-z][A-Za-z0-9-]*)(?:[ \t>]|\/>|$)/.exec(rest)
  if (tag && HTML_BLOCK_TAGS.has((tag[1] ?? '').toLowerCase())) return null
  if (!interrupting && rest.length <= TAG_LINE_MAX && HTML_TAG_LINE.test(rest)) return null
  return undefined
}

/** Longest footnote label micromark accepts, in characters (its `linkReferenceSizeMax`). */
const LABEL_MAX = 999

/**
 * The length of a GFM footnote definition's start `[^label]:` at the start
 * of `rest`, or 0 when there is none. As micromark-extension-gfm-footnote
 * reads it: a label of 1 to 999 characters without blanks, line endings or
 * an unescaped `[` or `]` (`\[`, `\]` and `\\` are escapes).
 */
function footnoteLabelEnd(rest: string): number {
  if (rest[0] !== '[' || rest[1] !== '^') return 0
  let size = 0
  for (let i = 2; i < rest.length; i++) {
    if (size > LABEL_MAX) return 0
    const ch = rest[i]
    if (ch === ']') return size > 0 && rest[i + 1] === ':' ? i + 2 : 0
    if (ch === '[' || ch === ' ' || ch === '\t') return 0
    size++
    if (ch === '\\' && (rest[i + 1] === '[' || rest[i + 1] === ']' || rest[i + 1] === '\\')) {
      i++
      size++
    }
  }
  return 0
}

/**
 * Does a line end a GFM table (micromark)? Any block start does, with any
 * list item and an HTML tag line (kind 7) among them (no paragraph is being
 * interrupted), and indented code when indented by spaces (micromark reads
 * a tab-indented line as a row).
 */
function endsTable(line: string, c: Cursor, rest: string, cols: number): boolean {
  if (cols >= 4) return line.startsWith('    ', c.pos)
  return startsBlock(rest, cols, true) || htmlStart(rest, false) !== undefined
}

/**
 * Does a line (indented `cols`, text `rest`) start a block that ends an open
 * paragraph? With all containers matched (`lazy` false) only what may
 * interrupt a paragraph counts (not an empty list item, nor an ordered one
 * not starting at 1); on a line that did not repeat every container (`lazy`
 * true) any list item counts too, as in micromark. An HTML tag line (kind 7)
 * never ends a paragraph, lazy or not (micromark).
 */
function startsBlock(rest: string, cols: number, lazy: boolean): boolean {
  if (cols >= 4 || !BLOCK_START.has(rest.charCodeAt(0))) return false
  if (rest[0] === '>' || ATX.test(rest) || THEMATIC.test(rest)) return true
  if (rest[0] === '[') return footnoteLabelEnd(rest) > 0
  const fence = FENCE.exec(rest)
  if (fence && !(fence[1]?.[0] === '`' && fence[2]?.includes('`'))) return true
  if (htmlStart(rest, true) !== undefined) return true
  if (lazy) return listMarker(rest) !== null
  return /^(?:[-+*]|1[.)])[ \t]+\S/.test(rest)
}
