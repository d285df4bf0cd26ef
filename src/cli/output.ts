/**
 * Output for `tm`: `--json` prints one JSON document per command with a
 * stable shape (`{ "ok": true, … }` or `{ "ok": false, "error": {…} }`);
 * otherwise readable text and tables. Errors go to stderr in text mode.
 */
import type { Task } from '../core/model.js'

/** Print `value` as the command's JSON result. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Render rows as an aligned text table with a header. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))
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

/** The task table used by `list`, `ready` and `next`. */
export function taskTable(tasks: Task[]): string {
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
