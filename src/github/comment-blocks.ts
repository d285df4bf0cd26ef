/**
 * The bounded pre-pass of the comment grammar (./commands.ts): one linear
 * pass over a comment's lines that follows CommonMark's block structure
 * (spec 0.31, "Appendix: A parsing strategy") far enough to know, for every
 * line, whether it belongs to a paragraph outside block quotes — and nothing
 * more. Containers (block quotes, list items), fenced and indented code, HTML
 * blocks (kinds 1–7), ATX headings, thematic breaks, blank lines, lazy
 * continuation lines, setext underlines and GFM footnote definitions (a
 * container, as micromark reads them) are recognised here (what a single
 * line starts is tested in ./comment-block-starts.ts, its columns counted in
 * ./comment-columns.ts); what can only
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

import {
  ATX,
  BLOCK_START,
  closesFence,
  endsTable,
  FENCE,
  footnoteLabelEnd,
  htmlStart,
  listMarker,
  SETEXT,
  startsBlock,
  THEMATIC,
} from './comment-block-starts.js'
import { type Cursor, isBlank, peekIndent, skipColumns } from './comment-columns.js'
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

/** A paragraph line other than the first, as the parser should see it. */
function continuation(rest: string, cols: number): string {
  return cols >= 4 ? `    ${rest}` : rest
}
