/**
 * What starts a block, read from one line of a comment for the block
 * pre-pass (./comment-blocks.ts), as CommonMark 0.31 and GFM define it and
 * micromark reads it: list markers, fences, HTML blocks (kinds 1–7), ATX
 * headings, thematic breaks, setext underlines, GFM footnote definitions,
 * and which of them end a paragraph or a table. Each test looks at one line
 * (after its container prefixes and indentation), so each is linear in it.
 */
import type { Cursor } from './comment-columns.js'

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
/** A thematic break: three or more `*`, `-` or `_`, blanks between them allowed. */
export const THEMATIC = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/
/** A setext heading underline: `=`s or `-`s, then only blanks. */
export const SETEXT = /^(?:=+|-+)[ \t]*$/
/** A code fence opening: three or more `` ` `` or `~` (group 1), then its info string (group 2). */
export const FENCE = /^(`{3,}|~{3,})(.*)$/
/** An ATX heading: one to six `#` then a blank or the end of the line. */
export const ATX = /^#{1,6}(?:[ \t]|$)/
const ORDERED = /^(\d{1,9})([.)])/
/** First characters of every block start (quote, list item, heading, break, fence, HTML, footnote definition). */
export const BLOCK_START = new Set([...'>-+*_#`~<[0123456789'].map((ch) => ch.charCodeAt(0)))

/** The list marker at the cursor (after up to 3 columns of indentation), or null. */
export function listMarker(rest: string): { width: number; bullet: boolean; start: number } | null {
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

/** Is `rest` a closing fence: `length` or more of `char`, then only blanks? */
export function closesFence(rest: string, char: string, length: number): boolean {
  let i = 0
  while (rest[i] === char) i++
  return i >= length && /^[ \t]*$/.test(rest.slice(i))
}

/**
 * The end of an HTML block starting at `rest` (a pattern for kinds 1–5,
 * `null` for kinds 6–7, which end at a blank line), or `undefined` when no
 * HTML block starts there. Kind 7 cannot interrupt a paragraph. As in
 * micromark, a closing `</pre>` (`</script>` …) is kind 7, not kind 1.
 */
export function htmlStart(rest: string, interrupting: boolean): RegExp | null | undefined {
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
export function footnoteLabelEnd(rest: string): number {
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
export function endsTable(line: string, c: Cursor, rest: string, cols: number): boolean {
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
export function startsBlock(rest: string, cols: number, lazy: boolean): boolean {
  if (cols >= 4 || !BLOCK_START.has(rest.charCodeAt(0))) return false
  if (rest[0] === '>' || ATX.test(rest) || THEMATIC.test(rest)) return true
  if (rest[0] === '[') return footnoteLabelEnd(rest) > 0
  const fence = FENCE.exec(rest)
  if (fence && !(fence[1]?.[0] === '`' && fence[2]?.includes('`'))) return true
  if (htmlStart(rest, true) !== undefined) return true
  if (lazy) return listMarker(rest) !== null
  return /^(?:[-+*]|1[.)])[ \t]+\S/.test(rest)
}
