/**
 * Issue references as people write them on GitHub (DESIGN.md "On GitHub":
 * `### Depends on` task lists and `/depends-on`).
 *
 * Accepted forms, and nothing else:
 *
 * * `#12` — an issue in the repository of `context`;
 * * `owner/repo#7` — an issue in any repository;
 * * `https://github.com/owner/repo/issues/7` — also `www.github.com`, and the
 *   GitHub Enterprise Server host given as `context.host` (http or https,
 *   optional port); a trailing `/`, query or fragment
 *   (`#issuecomment-1`) is ignored.
 *
 * Pull-request URLs (`/pull/7`) are *not* references: a task is an issue, and
 * a pull request that closes one is linked by GitHub's own closing keywords.
 * `GH-12` and bare numbers are not references either.
 */

/** A GitHub issue, fully qualified. Owner and repository as written. */
export interface IssueRef {
  owner: string
  repo: string
  number: number
}

/**
 * The repository a reference is read in: `#12` means issue 12 of
 * `owner/repo`. `host` is a GitHub Enterprise Server host (`ghe.example.com`,
 * `ghe.example.com:8443` or `https://ghe.example.com`), whose issue URLs are
 * accepted besides github.com's.
 */
export interface RepoContext {
  owner: string
  repo: string
  host?: string | undefined
}

/** GitHub login / organisation name (Enterprise Managed Users add `_shortcode`). */
const OWNER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/
/** GitHub repository name. */
const REPO = /^[A-Za-z0-9._-]{1,100}$/
/** An issue number: positive, no leading zero. */
const NUMBER = /^[1-9][0-9]{0,15}$/

const SHORT = /^#([0-9]+)$/
const QUALIFIED = /^([^/\s#]+)\/([^/\s#]+)#([0-9]+)$/

function validNumber(text: string): number | null {
  if (!NUMBER.test(text)) return null
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : null
}

function validRepo(owner: string, repo: string): boolean {
  return OWNER.test(owner) && REPO.test(repo) && repo !== '.' && repo !== '..'
}

/** `host` of a context, normalised to `hostname[:port]` in lower case. */
function normaliseHost(host: string): string {
  return host
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase()
}

function fromUrl(text: string, context: RepoContext): IssueRef | null {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return null
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null
  if (url.username || url.password) return null
  const host = url.host.toLowerCase()
  const hosts = ['github.com', 'www.github.com']
  if (context.host) hosts.push(normaliseHost(context.host))
  if (!hosts.includes(host)) return null
  const parts = url.pathname.split('/')
  // ['', owner, repo, 'issues', number] with an optional trailing ''.
  if (parts.length === 6 && parts[5] === '') parts.pop()
  if (parts.length !== 5 || parts[0] !== '' || parts[3] !== 'issues') return null
  const [, owner = '', repo = '', , num = ''] = parts
  const number = validNumber(num)
  if (number === null || !validRepo(owner, repo)) return null
  return { owner, repo, number }
}

/**
 * Read one issue reference. `text` must be the reference alone (surrounding
 * whitespace and `<…>` autolink brackets are allowed).
 *
 * Returns `{ owner, repo, number }` — `#12` takes owner and repository from
 * `context` — or `null` when `text` is not a reference of an accepted form
 * (see the module comment), including pull-request URLs and URLs on hosts
 * other than github.com and `context.host`. Never throws.
 */
export function parseIssueReference(text: string, context: RepoContext): IssueRef | null {
  let t = text.trim()
  if (t.startsWith('<') && t.endsWith('>')) t = t.slice(1, -1).trim()
  const short = SHORT.exec(t)
  if (short) {
    const number = validNumber(short[1] ?? '')
    return number === null ? null : { owner: context.owner, repo: context.repo, number }
  }
  const qualified = QUALIFIED.exec(t)
  if (qualified) {
    const [, owner = '', repo = '', num = ''] = qualified
    const number = validNumber(num)
    return number === null || !validRepo(owner, repo) ? null : { owner, repo, number }
  }
  if (/^https?:\/\//i.test(t)) return fromUrl(t, context)
  return null
}

/** True when `ref` is in the repository of `context` (GitHub names are case-insensitive). */
export function isSameRepository(ref: IssueRef, context: RepoContext): boolean {
  return (
    ref.owner.toLowerCase() === context.owner.toLowerCase() &&
    ref.repo.toLowerCase() === context.repo.toLowerCase()
  )
}

/**
 * Write a reference the way GitHub links it: `#12` when `ref` is in the
 * repository of `context`, `owner/repo#12` otherwise (or when no context is
 * given). `parseIssueReference(formatIssueReference(r, c), c)` gives back `r`
 * (for `#N`, with the letter case of `c`).
 */
export function formatIssueReference(ref: IssueRef, context?: RepoContext): string {
  return context && isSameRepository(ref, context)
    ? `#${ref.number}`
    : `${ref.owner}/${ref.repo}#${ref.number}`
}
