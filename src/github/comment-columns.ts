/**
 * Columns of a comment line for the block pre-pass (./comment-blocks.ts):
 * a cursor over one line and the whitespace rules CommonMark gives it
 * (spec 0.31, "Tabs": a tab advances to the next multiple of 4 columns and
 * may be split between a container's marker and its content).
 */

/** A position in a line: character offset and column (tabs advance to the next multiple of 4). */
export interface Cursor {
  line: string
  pos: number
  col: number
  /** Columns of a tab at `pos` already consumed (a tab can be split between a marker and content). */
  used: number
}

/** Is the rest of the line from the cursor blank (spaces and tabs only)? */
export function isBlank(c: Cursor): boolean {
  for (let i = c.pos; i < c.line.length; i++) {
    const ch = c.line.charCodeAt(i)
    if (ch !== 32 && ch !== 9) return false
  }
  return true
}

/** Columns of whitespace from the cursor, and the offset of the first other character. */
export function peekIndent(c: Cursor): { cols: number; pos: number } {
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
export function tabWidth(col: number, used: number): number {
  return 4 - ((col - used) % 4) - used
}

/** Consume `n` columns of whitespace (splitting a tab when needed). */
export function skipColumns(c: Cursor, n: number): void {
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
