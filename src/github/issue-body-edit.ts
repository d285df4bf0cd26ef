/**
 * Adding items to the task lists of an issue body (for `/depends-on`): new
 * lines go right after the section's last item, or into a new section at the
 * end; nothing a person wrote is rewritten.
 */
import { type ChecklistSection, parseIssueBody, SECTION_HEADINGS } from './issue-body.js'
import type { RepoContext } from './references.js'

/**
 * `body` with an unticked item for each of `items` (already formatted, e.g.
 * `#12`) in `section`. Items already listed are skipped by the caller.
 * Keeps the body's line endings.
 */
export function addChecklistItems(
  body: string,
  section: Exclude<ChecklistSection, 'criteria'>,
  items: string[],
  context: RepoContext,
): string {
  if (items.length === 0) return body
  const eol = body.includes('\r\n') ? '\r\n' : '\n'
  const lines = items.map((i) => `- [ ] ${i}`)
  const parsed = parseIssueBody(body, context)[section]
  const last = parsed.at(-1)
  if (!last) {
    const base = body.replace(/\s*$/, '')
    return `${base}${base ? `${eol}${eol}` : ''}### ${SECTION_HEADINGS[section]}${eol}${eol}${lines.join(eol)}${eol}`
  }
  const all = body.split(/\r?\n/)
  // Insert after the last item (its continuation lines, if any, are indented deeper).
  let at = last.line
  while (at < all.length && /^\s{2,}\S/.test(all[at] ?? '')) at++
  all.splice(at, 0, ...lines)
  return all.join(eol)
}
