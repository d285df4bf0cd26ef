/**
 * The verdict marker: the hidden, machine-readable result the gate Action
 * (`action.yml`, `src/action/gate/`) writes into the summary of each
 * `Task criteria` check run, and the app reads back from `check_run.completed`
 * to gate `/done` (DESIGN.md "Success criteria and the CI gate").
 *
 *     <!-- task-orchestrator:verdict {"task":"octo/api#12","digest":"9f2c…","sha":"ec26c3e…","results":[{"index":1,"outcome":"pass"},{"index":2,"outcome":"unconfirmed"}]} -->
 *
 * One check run carries one task's verdict, so one marker. `digest` is
 * `criteriaDigest` (./issue-body.ts) of the criteria the Action evaluated, so
 * a verdict on criteria that have since been edited can be told apart. The
 * format is documented in docs/gate.md.
 */
import type { Outcome } from '../core/criteria/evaluate.js'

/** The name of the check run that carries a verdict. */
export const VERDICT_CHECK_NAME = 'Task criteria'

/** The prefix every verdict marker starts with. */
export const VERDICT_MARKER_PREFIX = '<!-- task-orchestrator:verdict '

/**
 * One criterion's outcome, in the engine's words (`../core/criteria/evaluate.ts`):
 * `pass`, `fail` or `error` for a measurable criterion; the Action writes
 * `unconfirmed` for a manual one (only a person can confirm it).
 */
export type VerdictOutcome = Outcome

/** One criterion: `index` is its 1-based position in the issue's `### Success criteria`. */
export interface VerdictResult {
  index: number
  outcome: VerdictOutcome
}

/** What a verdict marker holds. */
export interface VerdictMarker {
  /** The task, `owner/repo#number`. */
  task: string
  /** `criteriaDigest` of the criteria evaluated: 64 lower-case hex characters. */
  digest: string
  /** The commit evaluated: the pull request's head (40 or 64 hex characters). */
  sha: string
  /** Every criterion, in order. */
  results: VerdictResult[]
}

const OUTCOMES: ReadonlySet<string> = new Set<VerdictOutcome>([
  'pass',
  'fail',
  'error',
  'confirmed',
  'unconfirmed',
])
const TASK = /^[A-Za-z0-9][A-Za-z0-9_-]*\/[A-Za-z0-9._-]+#[1-9][0-9]*$/
const DIGEST = /^[0-9a-f]{64}$/
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/
const MARKER = /<!-- task-orchestrator:verdict (\{.*?\}) -->/g

/**
 * The hidden marker for `verdict`: an HTML comment holding its JSON, keys in
 * the order task, digest, sha, results. `<` and `>` are escaped
 * (`\u003c`, `\u003e`) so the JSON cannot end the comment.
 */
export function renderVerdictMarker(verdict: VerdictMarker): string {
  const json = JSON.stringify({
    task: verdict.task,
    digest: verdict.digest,
    sha: verdict.sha,
    results: verdict.results.map((r) => ({ index: r.index, outcome: r.outcome })),
  })
  return `${VERDICT_MARKER_PREFIX}${json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e')} -->`
}

/**
 * Every well-formed verdict marker in `text` (a check run's `output.summary`),
 * in order. A marker whose JSON is damaged or whose fields do not have the
 * documented shapes (see {@link VerdictMarker}) is skipped. Unknown keys are
 * dropped. Never throws.
 */
export function parseVerdictMarkers(text: string | null | undefined): VerdictMarker[] {
  const out: VerdictMarker[] = []
  for (const match of (text ?? '').matchAll(MARKER)) {
    const verdict = validate(match[1] ?? '')
    if (verdict) out.push(verdict)
  }
  return out
}

/**
 * The verdict marked in `text` (a check run's `output.summary`): the first
 * well-formed marker, or — when `task` (`owner/repo#number`) is given — the
 * first one for that task (owner and repository compared case-insensitively).
 * `null` when there is none. Never throws.
 */
export function parseVerdictMarker(
  text: string | null | undefined,
  task?: string,
): VerdictMarker | null {
  const wanted = task?.toLowerCase()
  return (
    parseVerdictMarkers(text).find(
      (v) => wanted === undefined || v.task.toLowerCase() === wanted,
    ) ?? null
  )
}

/** The app that created a check run, as GitHub describes it (`check_run.app`; null when unknown). */
export interface CheckRunApp {
  /** The app's numeric id (15368 for GitHub Actions on github.com; differs on GitHub Enterprise Server). */
  id?: number | null
  /** The app's slug, as in `github.com/apps/<slug>` (`github-actions`); absent in some old payloads. */
  slug?: string | null
}

/**
 * Why a `Task criteria` check run created by `app` may not vouch for a task,
 * or null when it may: only check runs of the app the configuration trusts
 * (`gate.app`, a slug; default `github-actions`) carry verdicts, because any
 * other app — or any integration with `checks: write` — can create a check
 * run with that name and a hand-written marker. Slugs are compared
 * case-insensitively; a check run whose app is unknown (no slug) is refused.
 * Pure; never throws.
 */
export function untrustedVerdictReason(
  app: CheckRunApp | null | undefined,
  trustedSlug: string,
): string | null {
  const slug = app?.slug ?? null
  if (!slug) {
    return `the check run does not say which app created it; only check runs of the app \`${trustedSlug}\` (config \`gate.app\`) count`
  }
  if (slug.toLowerCase() === trustedSlug.toLowerCase()) return null
  return `the check run was created by the app \`${slug}\`${app?.id ? ` (id ${app.id})` : ''}, not by \`${trustedSlug}\` (config \`gate.app\`)`
}

/**
 * True when every measurable criterion of `verdict` passed: no `fail` or
 * `error` (manual criteria — `unconfirmed`/`confirmed` — do not count; the app
 * checks them itself).
 */
export function verdictPassed(verdict: VerdictMarker): boolean {
  return verdict.results.every((r) => r.outcome !== 'fail' && r.outcome !== 'error')
}

function validate(json: string): VerdictMarker | null {
  let data: unknown
  try {
    data = JSON.parse(json)
  } catch {
    return null
  }
  if (typeof data !== 'object' || data === null) return null
  const { task, digest, sha, results } = data as Record<string, unknown>
  if (typeof task !== 'string' || !TASK.test(task)) return null
  if (typeof digest !== 'string' || !DIGEST.test(digest)) return null
  if (typeof sha !== 'string' || !SHA.test(sha)) return null
  if (!Array.isArray(results)) return null
  const checked: VerdictResult[] = []
  for (const r of results as unknown[]) {
    if (typeof r !== 'object' || r === null) return null
    const { index, outcome } = r as Record<string, unknown>
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 1) return null
    if (typeof outcome !== 'string' || !OUTCOMES.has(outcome)) return null
    checked.push({ index, outcome: outcome as VerdictOutcome })
  }
  return { task, digest, sha, results: checked }
}
