/**
 * GFM table rows as micromark-extension-gfm-table (2.x) reads them, for the
 * comment pre-pass (./comment-blocks.ts): a paragraph line followed by a
 * delimiter row with as many cells becomes a table's header, and the lines
 * after it are rows until a blank line or another block (lazy lines end it).
 * Each function is one linear scan of one line.
 */

/**
 * Cells of a table header row `text` (without its indentation), counted as
 * micromark counts them (a leading or trailing `|` opens no cell; `\|` is
 * text), or 0 when the line cannot be a header (a lone `|`).
 */
export function headerCells(text: string): number {
  let size = 0
  let sizeB = 0
  let seen = false
  let i = 0
  if (text[0] !== '|') {
    seen = true
    sizeB = 1
  }
  while (i < text.length) {
    const ch = text[i]
    if (ch === ' ' || ch === '\t') {
      i++
      continue
    }
    sizeB++
    if (seen) {
      seen = false
      size++
    }
    if (ch === '|') {
      seen = true
      i++
      continue
    }
    while (i < text.length && text[i] !== '|' && text[i] !== ' ' && text[i] !== '\t') {
      i += text[i] === '\\' && (text[i + 1] === '\\' || text[i + 1] === '|') ? 2 : 1
    }
  }
  return sizeB > 1 ? size : 0
}

/**
 * Cells of a delimiter row `text` (without its indentation, which must be
 * under 4 columns): cells of `-` with optional `:` at either end, between
 * `|`, with at least one `|` or `:` in the row (else it is a setext
 * underline or a thematic break); 0 when `text` is no delimiter row.
 */
export function delimiterCells(text: string): number {
  let cells = 0
  let seen = false
  let i = 0
  const blanks = (): void => {
    while (text[i] === ' ' || text[i] === '\t') i++
  }
  if (text[i] === '|') {
    seen = true
    i++
    blanks()
  }
  for (;;) {
    if (i >= text.length) return seen ? cells : 0 // after a trailing `|`
    if (text[i] === ':') {
      seen = true
      i++
      if (text[i] !== '-') return 0
    }
    if (text[i] !== '-') return 0
    cells++
    while (text[i] === '-') i++
    if (text[i] === ':') {
      seen = true
      i++
    }
    blanks()
    if (i >= text.length) return seen ? cells : 0
    if (text[i] !== '|') return 0
    seen = true
    i++
    blanks()
  }
}
