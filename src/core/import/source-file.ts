/**
 * Reading import sources without trusting them. A file to import may come
 * from anywhere (a colleague's data directory, an archive), so an import
 * reads regular files only, never through a symbolic link inside a data
 * directory, never a FIFO or a device (a FIFO blocks the reader forever;
 * `/dev/zero` never ends), and never more than a stated size. The checks are
 * made on the opened file descriptor (`O_NOFOLLOW`, `fstat`), so the file
 * cannot be swapped between the check and the read.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readlinkSync,
  readSync,
  type Stats,
} from 'node:fs'
import { TaskError } from '../errors.js'

const MiB = 2 ** 20

/** Size caps of import sources, in bytes (and entries). */
export const IMPORT_LIMITS = {
  /** A beads `issues.jsonl` or task-master `tasks.json`: 128 MiB (a 100,000-task beads file is about 60 MiB). */
  sourceFileBytes: 128 * MiB,
  /** `tasks.db` of a Task Orchestrator v2.3 data directory (and its `-wal`/`-journal`): 512 MiB. */
  v23DatabaseBytes: 512 * MiB,
  /** Any other file of a v2.3 data directory (contexts, notes, telemetry): 16 MiB. */
  v23FileBytes: 16 * MiB,
  /** All files of a v2.3 data directory but the database, together: 256 MiB. */
  v23TotalBytes: 256 * MiB,
  /** Files and folders in a v2.3 data directory: 200,000. */
  v23Entries: 200_000,
} as const

/** A size in MiB for messages (`128 MiB`, `0.5 MiB`). */
export function mib(bytes: number): string {
  return `${Math.round((bytes / MiB) * 100) / 100} MiB`
}

/** What a file-system entry is, in words, for messages. */
export function kindOf(
  st: Pick<
    Stats,
    | 'isFile'
    | 'isDirectory'
    | 'isSymbolicLink'
    | 'isFIFO'
    | 'isCharacterDevice'
    | 'isBlockDevice'
    | 'isSocket'
  >,
): string {
  if (st.isFile()) return 'regular file'
  if (st.isDirectory()) return 'directory'
  if (st.isSymbolicLink()) return 'symbolic link'
  if (st.isFIFO()) return 'FIFO (named pipe)'
  if (st.isCharacterDevice()) return 'character device'
  if (st.isBlockDevice()) return 'block device'
  if (st.isSocket()) return 'socket'
  return 'special file'
}

/** How a source file is opened. */
export interface SourceFileOptions {
  /** The name used in messages (a path relative to the data directory, or the path given). */
  label: string
  /** Largest size accepted, in bytes. */
  limit: number
  /** What the limit is for, in messages (`a beads or task-master file`). */
  limitFor: string
  /**
   * Follow a symbolic link at the last path component: true only for the
   * path a person named on the command line; files found inside a data
   * directory are never read through a link.
   */
  followLink?: boolean
}

function refuse(label: string, why: string, details: Record<string, unknown>): TaskError {
  return new TaskError('BadImport', `${label}: ${why}`, { path: label, ...details })
}

function linkRefusal(path: string, label: string): TaskError {
  let target = ''
  try {
    target = ` to ${readlinkSync(path)}`
  } catch {
    // the link vanished; say what we know
  }
  return refuse(
    label,
    `is a symbolic link${target}; an import reads the files of a data directory only as regular files, so that a link cannot lead it to a device or outside the directory — replace the link with a copy of the file it points to, or remove it`,
    { kind: 'symbolic link' },
  )
}

/**
 * The refusal of an entry that is not a regular file: a symbolic link, FIFO,
 * device, socket or directory where a file was expected.
 *
 * @param path the entry's path (a link's target is named in the message)
 * @param label the name used in the message
 * @param kind what the entry is ({@link kindOf})
 * @param named true for the path a person named, false for an entry found
 *   inside a data directory (the advice differs)
 */
export function notRegularFile(
  path: string,
  label: string,
  kind: string,
  named = false,
): TaskError {
  if (kind === 'symbolic link') return linkRefusal(path, label)
  const fix = named
    ? 'give the path of a regular file'
    : 'remove it from the data directory, or replace it with a regular file'
  return refuse(
    label,
    `is a ${kind}, not a regular file; an import reads regular files only — ${fix}`,
    { kind },
  )
}

/**
 * Open `path` read-only as a regular file within `limit` bytes; returns the
 * descriptor and its size. The caller closes it.
 *
 * @throws TaskError('BadImport') naming the file when it cannot be opened,
 *   is a symbolic link (unless `followLink`), is not a regular file (FIFO,
 *   device, socket, directory), or is larger than `limit` (the limit named
 *   in MiB, `details.limit` in bytes).
 */
export function openSourceFile(
  path: string,
  options: SourceFileOptions,
): { fd: number; size: number } {
  const { label, limit, limitFor } = options
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  const flags =
    constants.O_RDONLY |
    (constants.O_NONBLOCK ?? 0) |
    (options.followLink ? 0 : (constants.O_NOFOLLOW ?? 0))
  let fd: number
  try {
    fd = openSync(path, flags)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (!options.followLink && (code === 'ELOOP' || code === 'EMLINK'))
      throw linkRefusal(path, label)
    throw refuse(label, `cannot be read (${(err as Error).message})`, {})
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw notRegularFile(path, label, kindOf(st), options.followLink === true)
    if (st.size > limit) {
      throw refuse(
        label,
        `is ${mib(st.size)}, over the ${mib(limit)} limit for ${limitFor}; split the source or remove what it need not carry`,
        { size: st.size, limit },
      )
    }
    return { fd, size: st.size }
  } catch (err) {
    closeSync(fd)
    throw err
  }
}

/**
 * Check that `path` is a regular file within `limit` bytes (see
 * {@link openSourceFile}) without reading it; for files another library
 * opens by name (the v2.3 SQLite database).
 *
 * @throws TaskError('BadImport') as {@link openSourceFile}.
 */
export function checkSourceFile(path: string, options: SourceFileOptions): number {
  const { fd, size } = openSourceFile(path, options)
  closeSync(fd)
  return size
}

/**
 * The UTF-8 text of the regular file at `path`, at most `limit` bytes (a
 * file that grows while being read is refused, so the cap holds).
 *
 * @throws TaskError('BadImport') as {@link openSourceFile}.
 */
export function readSourceFile(path: string, options: SourceFileOptions): string {
  const { fd, size } = openSourceFile(path, options)
  try {
    // One byte more than fstat said: reading it means the file grew meanwhile.
    const buffer = Buffer.allocUnsafe(size + 1)
    let length = 0
    for (let n = 1; n > 0 && length < buffer.length; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null)
    }
    if (length > size) {
      throw refuse(
        options.label,
        'grew while being read; import it again once nothing writes to it',
        {
          size,
          limit: options.limit,
        },
      )
    }
    return buffer.toString('utf8', 0, length)
  } finally {
    closeSync(fd)
  }
}
