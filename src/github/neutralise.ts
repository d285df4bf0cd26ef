/**
 * Neutralising text we did not write before it goes into a body the app
 * sends (replies, status comments, notices, the dashboard, check runs, job
 * summaries). Titles, criteria, summaries, progress messages, reasons,
 * questions and answers, shared values, labels and error messages quoting
 * input all come from people or agents; echoed verbatim they could
 *
 * - forge a hidden marker (`<!-- task-orchestrator: {…} -->`) that agents and
 *   the app itself would trust as ours (see `./replies.ts`);
 * - hide the rest of our comment behind an unclosed `<!--`, or inject HTML;
 * - ping people (`@login`, `@org/team`) in the app's name;
 * - forge structure: a line break in a one-line field starts a new list item,
 *   table row or heading; a backtick pairs with one of ours; a link reads as
 *   if the app vouched for it.
 *
 * Two contexts, two functions: {@link inline} for text in running prose, list
 * items and table cells (HTML becomes text, no mention pings, Markdown
 * punctuation is backslash-escaped so it shows as typed), and {@link code}
 * for inline code (a fence longer than any backtick run inside; nothing in a
 * code span is interpreted, so only the two sequences that matter outside
 * Markdown — `<!--` for marker readers, `@login` for plain-text e-mail
 * notifications — are broken with an invisible U+200B). {@link codeBlock}
 * does the same for fenced blocks, {@link mention} is the one way to write a
 * deliberate `@login`. Issue references (`#12`, `owner/repo#12`) are kept:
 * they link, and link back, as people expect.
 *
 * The escaping of {@link inline} is reversible ({@link readInline}), so a
 * rebuild from GitHub (`./rebuild-status.ts`) reads back what was written.
 * Mention breaking follows Dependabot and Renovate (a zero-width space after
 * `@`), which GitHub's mention filter does not match.
 */

/** Zero-width space: invisible, breaks `@login` and `<!--` for every parser. */
export const ZWSP = '\u200b'

/** Longest text {@link inline} and {@link code} keep by default, in characters (then `…`). */
export const TEXT_MAX = 1000

/**
 * Control characters (C0 except tab/line breaks, DEL, C1) and bidirectional
 * overrides/isolates, which could reorder what a reader sees.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** `@` followed by what GitHub would read as a login or team. */
const AT = /@(?=[A-Za-z0-9_-])/g

/** Characters escaped by {@link inline}: HTML, entities, and Markdown punctuation. */
const INLINE_SPECIAL = /[\\`*_[\]~<>&@]/g

/**
 * `text` cut to at most `max` UTF-16 code units, the last being `…` when it
 * was cut. Never splits a surrogate pair (an emoji stays whole or goes).
 * `max` below 1 gives the empty string.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text
  if (max < 1) return ''
  let end = max - 1
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end-- // a high surrogate without its pair
  return `${text.slice(0, end)}…`
}

/** One line: every run of white space (line breaks included) becomes one space; controls go. */
function oneLine(text: string): string {
  return text.replace(CONTROL, '').replace(/\s+/g, ' ').trim()
}

/**
 * Text for running prose, a list item or a table cell: one line, at most
 * `max` characters before escaping (default {@link TEXT_MAX}), shown as
 * typed and interpreted as nothing.
 *
 * - `<`, `>`, `&` become `&lt;`, `&gt;`, `&amp;`: HTML is text, no HTML
 *   comment can open or close, so no marker can be forged;
 * - `@login` becomes `@` + U+200B + `login`: it reads the same, pings no one;
 * - `\`, `` ` ``, `*`, `_`, `[`, `]`, `~` are backslash-escaped: no code span,
 *   emphasis, link or image can start, none can pair with our Markdown;
 * - line breaks, tabs and runs of spaces become one space; control
 *   characters and bidirectional overrides are removed.
 *
 * `|` is left alone: table renderers escape it for the whole row. `#12`
 * references are kept. Inverse: {@link readInline}.
 */
export function inline(text: string, max: number = TEXT_MAX): string {
  return truncate(oneLine(text), max).replace(INLINE_SPECIAL, (c) => {
    switch (c) {
      case '<':
        return '&lt;'
      case '>':
        return '&gt;'
      case '&':
        return '&amp;'
      case '@':
        return `@${ZWSP}`
      default:
        return `\\${c}`
    }
  })
}

/**
 * The text {@link inline} was given, from what it wrote (as far as it was not
 * cut or folded onto one line). Unknown sequences are kept as they are.
 */
export function readInline(text: string): string {
  return text.replace(/\\([\\`*_[\]~])|&(lt|gt|amp);|@\u200b/g, (all, escaped, entity) => {
    if (escaped) return escaped
    if (entity) return entity === 'lt' ? '<' : entity === 'gt' ? '>' : '&'
    return all === `@${ZWSP}` ? '@' : all
  })
}

/** Break the two sequences that matter even where Markdown interprets nothing. */
function breakMarkersAndMentions(text: string): string {
  return text.replace(/<!/g, `<${ZWSP}!`).replace(AT, `@${ZWSP}`)
}

/**
 * `text` as inline code: one line, at most `max` characters (default
 * {@link TEXT_MAX}), fenced with one backtick more than its longest backtick
 * run (and padded with a space when it starts or ends with one), so it can
 * never close early. `<!` and `@login` get an invisible U+200B so no marker
 * reader finds `<!--` and no plain-text notification pings; everything else
 * shows exactly as written. With `cell: true` (inside a Markdown table) `|`
 * is escaped as `\|`, which GitHub's tables read as a literal pipe even
 * inside code.
 */
export function code(text: string, options: { max?: number; cell?: boolean } = {}): string {
  let body = breakMarkersAndMentions(truncate(oneLine(text), options.max ?? TEXT_MAX))
  if (options.cell) body = body.replace(/\|/g, '\\|')
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  const pad = body.startsWith('`') || body.endsWith('`') || body === '' ? ' ' : ''
  return `${fence}${pad}${body}${pad}${fence}`
}

/**
 * `text` as a fenced code block (lines kept), with `info` after the opening
 * fence: the fence is one backtick longer than any backtick run at the start
 * of a line inside (at least three), so no line can close it. Controls are
 * removed, `<!` and `@login` broken as in {@link code}; at most `max`
 * characters (default 4,000) before the fence.
 */
export function codeBlock(text: string, options: { info?: string; max?: number } = {}): string {
  const body = breakMarkersAndMentions(
    truncate(text.replace(/\r\n?/g, '\n').replace(CONTROL, ''), options.max ?? 4000),
  )
  const longest = Math.max(
    0,
    ...[...body.matchAll(/^ {0,3}(`{3,}|~{3,})/gm)].map((m) => m[1]!.length),
  )
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}${options.info ?? ''}\n${body}\n${fence}`
}

/** A GitHub login (user, or app with `[bot]`): letters, digits and single inner hyphens, at most 39. */
export const LOGIN_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\[bot\])?$/

/**
 * A deliberate mention: `@login` when `login` is a GitHub login (it pings,
 * as the app means it to: the commenter it answers, the lease holder); any
 * other name — an agent id from an imported database, say — is written as
 * neutralised {@link inline} text (`@` + U+200B + name), so it can neither
 * ping nor inject.
 */
export function mention(login: string): string {
  return LOGIN_PATTERN.test(login) ? `@${login}` : inline(`@${login}`, 100)
}
