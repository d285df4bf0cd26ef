/**
 * The 100-byte header of an SQLite database file (SQLite "Database File
 * Format" §1.3): reading it without opening the database, and checking it
 * against the file's size, so that a truncated or foreign file is named as
 * such before SQLite sees it.
 */
import { closeSync, openSync, readSync } from 'node:fs'
import { refuse } from './state-file-error.js'

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1')

/**
 * Check the 100-byte database header (SQLite "Database File Format" §1.3)
 * against the file's size; returns whether it says WAL mode (bytes 18–19 = 2).
 */
export function checkHeader(path: string, head: Buffer, bytes: number): { wal: boolean } {
  if (bytes === 0) refuse('not-a-database', path, 'is empty')
  const n = Math.min(bytes, 16)
  if (!head.subarray(0, n).equals(MAGIC.subarray(0, n))) {
    refuse('not-a-database', path, 'is not an SQLite database (no "SQLite format 3" header)')
  }
  if (bytes < 100) refuse('truncated', path, `is cut off: ${bytes} bytes, less than its header`)
  const raw = head.readUInt16BE(16)
  const pageSize = raw === 1 ? 65_536 : raw
  if (pageSize < 512 || pageSize > 65_536 || (pageSize & (pageSize - 1)) !== 0) {
    refuse('not-a-database', path, `has a damaged header (page size ${raw})`, { pageSize: raw })
  }
  const inHeader = head.readUInt32BE(28)
  const pages = inHeader > 0 && head.readUInt32BE(24) === head.readUInt32BE(92) ? inHeader : null
  const expected = pages === null ? Math.ceil(bytes / pageSize) * pageSize : pages * pageSize
  if (bytes < expected) {
    refuse('truncated', path, `is cut off: ${bytes} bytes where its header says ${expected}`, {
      bytes,
      expected,
    })
  }
  return { wal: head[18] === 2 || head[19] === 2 }
}

/** The first 100 bytes of a file (SQLite's header), or fewer when it is shorter. */
export function readHead(path: string): Buffer {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(100)
    return head.subarray(0, readSync(fd, head, 0, 100, 0))
  } finally {
    closeSync(fd)
  }
}
