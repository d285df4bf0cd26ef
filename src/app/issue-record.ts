/**
 * The app's record of one issue (`gh_issues`, see ./state.ts) and its stored
 * form: an {@link IssueRecord} as the app uses it, the row as SQLite holds it
 * (booleans as 0/1, lists as JSON text, bodies deflated when that is
 * smaller) and the conversions both ways. Pure; no SQL here.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib'

/** What the app knows of one issue. `labels`/`assignees` are names/logins. */
export interface IssueRecord {
  task_id: string
  repo: string
  number: number
  /** GitHub's database id of the issue (native dependencies need it). */
  issue_id: number | null
  installation_id: number | null
  /** False for an issue tracked only because a task depends on it. */
  is_task: boolean
  state: 'open' | 'closed'
  state_reason: string | null
  labels: string[]
  assignees: string[]
  /**
   * The body as GitHub has it, as far as the app knows: the last one a
   * webhook showed or the app sent. Only for diffing — never the baseline
   * an edit is judged against (that is {@link accepted_body}).
   */
  body: string
  /**
   * The last body the app accepted (migration 9, issue 14): the one the task
   * was read from, or one the app wrote. Edits are judged against it and the
   * app's own edits (ticks, added dependencies) start from it. While it
   * differs from {@link body} — an edit was refused and setting it back has
   * not reached GitHub yet — the mirror sends it, and the issue stays marked
   * for the flush until GitHub has it.
   */
  accepted_body: string
  status_comment_id: number | null
  /** Digest of the status comment's body as last sent (`statusCommentDigest`). */
  status_comment: string | null
  /** The status comment needs an edit (coalesced, see the status flusher). */
  status_dirty: boolean
  /** Issue ids mirrored as GitHub's native `blocked_by` dependencies. */
  native_blocked_by: number[]
  /** `issue.updated_at` of the newest webhook applied: older deliveries are stale. */
  github_updated_at: string | null
  updated_at: string
  /**
   * The mirror's own bookkeeping (migration 10, see `reconcile.ts`); absent
   * in a record built by hand means none. `etag`: the `ETag` of the issue as
   * GitHub last answered the app (a read or the app's update), and
   * `etag_body` its body then — the body a `304 Not Modified` stands for.
   */
  etag?: string | null
  etag_body?: string | null
  /**
   * GitHub holds a body edit the app has not judged yet (its webhook has not
   * been processed): until one is, the mirror only ticks on top of GitHub's
   * body and never sends the accepted body over it.
   */
  unjudged_edit?: boolean
  /** Lease holders whose lease ended and who are still to be unassigned by the mirror. */
  former_holders?: string[]
  /** Issue ids GitHub would not link as native `blocked_by` (404/422): not asked again. */
  native_refused?: number[]
}

/**
 * An issue body as stored in `gh_issues.body`: deflated (RFC 1951, node:zlib)
 * into a BLOB when that is smaller, else the text itself. The app keeps every
 * task issue's body to edit checkboxes without reading it back; deflated it
 * takes about half the room, and the state's size is a product figure in the
 * Actions-hosted mode (it travels as an artifact on every run).
 */
export function packBody(body: string): string | Buffer {
  if (body.length < 64) return body
  const packed = deflateRawSync(Buffer.from(body, 'utf8'))
  return packed.length < Buffer.byteLength(body, 'utf8') ? packed : body
}

/** The text of a stored body: inflated from a BLOB, or the text as stored. */
export function unpackBody(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  return inflateRawSync(value as Uint8Array).toString('utf8')
}
/** A `gh_issues` row as SQLite returns it (see {@link toRecord}). */
export interface IssueRow
  extends Omit<
    IssueRecord,
    | 'is_task'
    | 'labels'
    | 'assignees'
    | 'status_dirty'
    | 'native_blocked_by'
    | 'body'
    | 'accepted_body'
    | 'etag_body'
    | 'unjudged_edit'
    | 'former_holders'
    | 'native_refused'
  > {
  body: string | Uint8Array | null
  /** NULL: the same as `body`. */
  accepted_body: string | Uint8Array | null
  is_task: number
  native_blocked_by: string
  labels: string
  assignees: string
  status_dirty: number
  etag_body: string | Uint8Array | null
  unjudged_edit: number
  former_holders: string
  native_refused: string
}

/** The record a `gh_issues` row stands for: bodies inflated (`accepted_body` NULL is `body`), flags and lists decoded. */
export function toRecord(row: IssueRow): IssueRecord {
  const body = unpackBody(row.body)
  return {
    ...row,
    body,
    accepted_body: row.accepted_body === null ? body : unpackBody(row.accepted_body),
    is_task: row.is_task === 1,
    labels: JSON.parse(row.labels) as string[],
    assignees: JSON.parse(row.assignees) as string[],
    status_dirty: row.status_dirty === 1,
    native_blocked_by: JSON.parse(row.native_blocked_by) as number[],
    etag: row.etag ?? null,
    etag_body: row.etag_body === null ? null : unpackBody(row.etag_body),
    unjudged_edit: row.unjudged_edit === 1,
    former_holders: JSON.parse(row.former_holders) as string[],
    native_refused: JSON.parse(row.native_refused) as number[],
  }
}

/**
 * The named parameters of `record` for the `gh_issues` INSERT of
 * `AppState.saveIssue`: bodies packed ({@link packBody}; `accepted_body`
 * NULL when it is `body`, `etag_body` NULL when absent), flags as 0/1, lists
 * as JSON text, absent mirror bookkeeping as none.
 */
export function toRowParameters(record: IssueRecord): Record<string, unknown> {
  return {
    ...record,
    body: packBody(record.body),
    accepted_body: record.accepted_body === record.body ? null : packBody(record.accepted_body),
    is_task: record.is_task ? 1 : 0,
    labels: JSON.stringify(record.labels),
    assignees: JSON.stringify(record.assignees),
    status_dirty: record.status_dirty ? 1 : 0,
    native_blocked_by: JSON.stringify(record.native_blocked_by),
    etag: record.etag ?? null,
    etag_body:
      record.etag_body === null || record.etag_body === undefined
        ? null
        : packBody(record.etag_body),
    unjudged_edit: record.unjudged_edit ? 1 : 0,
    former_holders: JSON.stringify(record.former_holders ?? []),
    native_refused: JSON.stringify(record.native_refused ?? []),
  }
}
