/**
 * Output for `tm`: `--json` prints one JSON document per command with a
 * stable shape (`{ "ok": true, … }` or `{ "ok": false, "error": {…} }`);
 * otherwise readable text and tables. Errors go to stderr in text mode.
 *
 * Text output never lets stored text act on the terminal: titles,
 * descriptions, reasons and messages may come from anyone who can write a
 * task (an issue title, an imported file), so control characters, terminal
 * escape sequences, bidirectional overrides and invisible characters are
 * shown escaped (`\x1b`, `\u202e`) — see {@link escapeLine} and
 * {@link escapeBlock}. JSON output is exact.
 */
import type { ClientTask } from '../client/types.js'

/**
 * Characters a terminal would act on or hide, rather than show: C0 controls
 * but tab and newline, DEL, C1 controls (U+0080–U+009F: `\x9b` is CSI on some
 * terminals), the bidirectional marks, embeddings, overrides and isolates
 * (U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069 — "Trojan Source",
 * CVE-2021-42574), zero-width and invisible characters (U+200B–U+200D,
 * U+2060–U+2064, U+FEFF), line and paragraph separators (U+2028–U+2029), and
 * lone surrogates.
 */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** `\r`, `\x1b`, `\u202e`: how an unsafe character is shown. */
function escapeChar(c: string): string {
  if (c === '\r') return '\\r'
  if (c === '\n') return '\\n'
  if (c === '\t') return '\\t'
  const code = c.charCodeAt(0)
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * `text` made safe for a terminal, keeping its line breaks and tabs: for
 * multi-line text (descriptions, reports, error messages) and as the last
 * step before anything is written to stdout or stderr.
 */
export function escapeBlock(text: string): string {
  return text.replace(UNSAFE, escapeChar)
}

/**
 * `text` made safe for one line of a table or a header: as
 * {@link escapeBlock}, and newlines and tabs are shown as `\n` and `\t`.
 */
export function escapeLine(text: string): string {
  return escapeBlock(text).replace(/[\n\t]/g, escapeChar)
}

/**
 * End `tm` quietly when the reader of its output goes away (`tm list | head`):
 * a write to a closed pipe fails with `EPIPE`, which Node reports as an
 * `error` event on the stream — unhandled, a stack trace and exit 1. Unix
 * tools end silently there (killed by SIGPIPE, which Node ignores). `tm`
 * exits at once with the exit code the command has set (0 when it
 * succeeded: output is written after the command's transaction committed,
 * so the work is done; `set -o pipefail` scripts see success), writing
 * nothing more. Any other stream error is thrown as before.
 */
export function endQuietlyOnClosedPipe(
  streams: NodeJS.WriteStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err
      process.exit()
    })
  }
}

/** Write text output to stdout, escaped with {@link escapeBlock}. */
export function writeText(text: string): void {
  process.stdout.write(escapeBlock(text))
}

/** Print `value` as the command's JSON result. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Render rows as an aligned text table with a header. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((r) =>
    r.map((c) => (c === null || c === undefined ? '' : escapeLine(String(c)))),
  )
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text
}

/**
 * The task table used by `list`, `ready` and `next`: a task of the engine,
 * or one the GitHub transport read (`persona` and `lease` may be absent).
 */
export function taskTable(tasks: ClientTask[]): string {
  if (tasks.length === 0) return '(no tasks)'
  return table(
    ['ID', 'STATUS', 'PRIORITY', 'PERSONA', 'HOLDER', 'TITLE'],
    tasks.map((t) => [
      t.id,
      t.status,
      t.priority,
      t.persona ?? '-',
      t.lease ? `${t.lease.holder}#${t.lease.token}` : '-',
      truncate(t.title, 60),
    ]),
  )
}
