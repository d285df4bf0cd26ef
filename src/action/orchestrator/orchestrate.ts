/**
 * One workflow run of the Actions-hosted mode: download → verify → handle the
 * run's event → catch up on missed command comments → sweep expired leases →
 * write a checked snapshot → upload it with a generation above every listed one
 * (`nextGeneration` in ./sync.ts).
 *
 * The app is the same Probot app as the server's (src/app/), loaded in-process
 * with the run's `GITHUB_TOKEN`. A handler that fails fails the run (after the
 * state is saved: what did succeed is kept, and the failed delivery is not
 * recorded, so the next run's catch-up retries a failed comment).
 *
 * Races: with `concurrency: { group: task-orchestrator, queue: max }` runs
 * are serialised, but a run can still find, just before uploading, that
 * another run uploaded a newer generation since it started (a workflow
 * without the concurrency group, a re-run, two workflows). It then does not
 * upload over it: it re-applies its event on the newer state — its replies
 * are already on GitHub, so the comment is re-applied quietly — and tries
 * again. Should two uploads still cross, the next run's catch-up finds the
 * command comment the lost state does not record and re-applies it.
 *
 * Overlapping runs must not answer a comment twice either: before handling
 * anything a run lists the recent comments (the catch-up's listing, read
 * early), so a comment another run has answered is re-applied quietly, and a
 * comment the catch-up hands over gets one last look at its issue before it
 * is answered (src/app/answered.ts; docs/actions-hosted.md, "Overlapping runs").
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { EmitterWebhookEvent } from '@octokit/webhooks'
import type { Probot } from 'probot'
import { appLoginOf } from '../../app/answered.js'
import {
  type CatchUpReport,
  type CommentListing,
  catchUpComments,
  type IssueReconcileReport,
  listRecentComments,
  type RepositoryPayload,
  reconcileIssues,
} from '../../app/catch-up.js'
import { taskOrchestrator } from '../../app/index.js'
import { rebuildFromGitHub } from '../../app/rebuild/rebuild.js'
import type { Octokit } from '../../app/runtime.js'
import type { Clock } from '../../core/clock.js'
import { openStore } from '../../core/db/open.js'
import { Engine } from '../../core/engine.js'
import { type ArtifactStore, ArtifactUnavailableError } from './artifacts.js'
import { MAINTENANCE_EVENTS, type RunEvent, webhookEvents } from './events.js'
import { writeSnapshot } from './state-file.js'
import {
  type DriverFactory,
  fetchCandidate,
  type LoadedState,
  loadState,
  nextGeneration,
  raiseGeneration,
} from './sync.js'

/** Everything a run needs; the Action builds it from the runner's environment. */
export interface OrchestrateOptions {
  event: RunEvent
  repository: RepositoryPayload
  /** A Probot instance authenticated with the run's token (not yet loaded). */
  probot: () => Probot
  artifacts: ArtifactStore
  /** Artifact (and file) name of the state. */
  stateName: string
  retentionDays: number
  /** An empty scratch folder. */
  workDir: string
  clock?: Clock
  driver?: DriverFactory
  /** GitHub Enterprise Server host, for issue URLs (see `AppOptions.host`). */
  host?: string
  /** Re-applications on a newer state before giving the work to the next run's catch-up. */
  maxRetries?: number
  /**
   * The login the run's token posts as (default `github-actions[bot]`, the
   * `GITHUB_TOKEN`): only reply markers in its comments mark a missed
   * command as answered.
   */
  appLogin?: string
}

/** What a run did, for the job summary and the step's outputs. */
export interface RunReport {
  event: string
  action: string | null
  delivered: { id: string; name: string; error: string | null }[]
  /** Engine events appended by this run, by type. */
  changes: Record<string, number>
  swept: number
  catchUp: CatchUpReport | null
  /** Scheduled runs: task issues whose opening was never handled. */
  reconciled: IssueReconcileReport | null
  source: LoadedState
  /** Generation and size of the uploaded state. */
  generation: number
  bytes: number
  tasks: number
  uploaded: { id: number; size: number } | null
  /** Times a newer state appeared and the work was re-applied on it. */
  reapplied: number
  rebuilt: { tasks: number; detail: string } | null
  ms: Record<string, number>
  errors: string[]
}

/** Run once. Throws only when the state cannot be saved; handler failures are in `errors`. */
export async function orchestrate(o: OrchestrateOptions): Promise<RunReport> {
  const t0 = performance.now()
  let base = await loadState(o.artifacts, o.stateName, join(o.workDir, 'in'), o.driver)
  const answered = new Set<number>()
  let reapplied = 0
  for (let attempt = 0; ; attempt++) {
    const pass = await handleOn(o, base, answered, join(o.workDir, `out-${attempt}`))
    // Did another run upload since this one started?
    const t1 = performance.now()
    const listed = (await o.artifacts.list(o.stateName)).artifacts
    const newest = listed[0]
    let newer: LoadedState | null = null
    if (newest && newest.id !== base.artifact?.id && attempt < (o.maxRetries ?? 3)) {
      const ms = { download: 0, verify: 0 }
      const dir = join(o.workDir, `newer-${attempt}`)
      let got: Awaited<ReturnType<typeof fetchCandidate>>
      try {
        got = await fetchCandidate(o.artifacts, newest, dir, o.driver, ms)
      } catch (err) {
        if (!(err instanceof ArtifactUnavailableError)) throw err
        // It may be good: uploading now would replace it with a state that lacks its work.
        throw new Error(
          `another run uploaded a newer state meanwhile, and ${err.message}: this run's state is not uploaded over it. ` +
            'The next run catches up its commands (quietly: the replies are posted)',
        )
      }
      if (!('reason' in got) && got.info.generation >= base.generation) {
        const path = join(dir, 'working', o.stateName)
        mkdirSync(join(dir, 'working'), { recursive: true })
        copyFileSync(got.file, path)
        newer = {
          path,
          artifact: newest,
          generation: got.info.generation,
          info: got.info,
          rebuild: null,
          rejected: [],
          listed,
          ms,
        }
      }
    }
    pass.report.ms.check_newer = performance.now() - t1
    if (newer) {
      reapplied++
      base = newer
      continue
    }
    // Above every artifact listed now, also one uploaded since this run's state was loaded.
    const generation = nextGeneration(listed, [base.generation])
    if (pass.report.generation < generation) {
      const raised = raiseGeneration(
        pass.snapshot,
        join(o.workDir, `raised-${attempt}`),
        generation,
        o.driver,
      )
      pass.snapshot = raised.file
      pass.report.generation = raised.info.generation
    }
    const t2 = performance.now()
    pass.report.uploaded = await o.artifacts.upload(pass.snapshot, o.retentionDays)
    pass.report.ms.upload = performance.now() - t2
    pass.report.reapplied = reapplied
    pass.report.ms.total = performance.now() - t0
    return pass.report
  }
}

/** Handle the run's work on `base` and write the snapshot to upload. */
async function handleOn(
  o: OrchestrateOptions,
  base: LoadedState,
  answered: Set<number>,
  outDir: string,
): Promise<{ report: RunReport; snapshot: string }> {
  const ms: Record<string, number> = { download: base.ms.download, verify: base.ms.verify }
  let t = performance.now()
  const lap = (name: string) => {
    const now = performance.now()
    ms[name] = (ms[name] ?? 0) + (now - t)
    t = now
  }
  const store = openStore(base.path, o.driver ? { driver: o.driver } : {})
  try {
    const engine = new Engine(store, o.clock ? { clock: o.clock } : {})
    const app = taskOrchestrator({
      engine,
      timers: false,
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.host ? { host: o.host } : {}),
      ...(o.appLogin ? { appLogin: o.appLogin } : {}),
    })
    const probot = o.probot()
    await probot.load(app)
    const octokit = (await probot.auth()) as unknown as Octokit
    const rt = app.runtime
    for (const id of answered) rt.answeredElsewhere.add(id)
    const r = { owner: o.repository.owner.login, repo: o.repository.name }
    lap('open')
    const firstEvent = lastEventId(engine)
    const report: RunReport = {
      event: o.event.name,
      action: typeof o.event.payload.action === 'string' ? o.event.payload.action : null,
      delivered: [],
      changes: {},
      swept: 0,
      catchUp: null,
      reconciled: null,
      source: base,
      generation: 0,
      bytes: 0,
      tasks: 0,
      uploaded: null,
      reapplied: 0,
      rebuilt: null,
      ms,
      errors: [],
    }
    if (base.rebuild) {
      const rebuilt = await rebuildFromGitHub(octokit, r, engine, {
        clock: rt.clock,
        state: rt.state,
        // Only the run's own comments (the login its replies are posted as) are the app's.
        appLogin: appLoginOf(rt),
      })
      report.rebuilt = { tasks: rebuilt.tasks, detail: base.rebuild }
      // Where the catch-up starts on a rebuilt state: commands the app answered
      // are recorded by the rebuild; the oldest command no run answered is
      // where work was lost — unless the app never posted anything here (a
      // first install), when old commands are history, not work to replay.
      const lost = rebuilt.comments.unanswered.map((c) => c.created_at).sort()[0]
      const from = rebuilt.statusComments.found > 0 && lost ? lost : rt.now()
      engine.write(() => rt.state.saveCatchUpCursor(rt.repoKey(r), from))
      lap('rebuild')
    }
    // What the app has answered on GitHub, read before answering anything:
    // an overlapping run's catch-up may have answered this run's own comment
    // (then it is re-applied quietly). The catch-up below scans this listing.
    let listing: CommentListing | null = null
    let listingError: string | null = null
    try {
      listing = await listRecentComments(rt, octokit, o.repository)
    } catch (err) {
      listingError = message(err)
    }
    lap('catch_up')
    let events: EmitterWebhookEvent[] = []
    try {
      events = await webhookEvents(o.event, octokit)
    } catch (err) {
      report.errors.push(message(err))
    }
    for (const event of events) {
      try {
        await probot.receive(event)
        report.delivered.push({ id: event.id, name: event.name, error: null })
        // Answered on GitHub: a re-application on a newer state stays quiet.
        // (A failed one is not: re-applied, it still owes its reply.)
        const comment = (event.payload as { comment?: { id?: number } }).comment
        if (event.name === 'issue_comment' && comment?.id) answered.add(comment.id)
      } catch (err) {
        report.delivered.push({ id: event.id, name: event.name, error: message(err) })
        report.errors.push(`${event.name} ${event.id}: ${message(err)}`)
      }
    }
    lap('handle')
    // Task issues whose opening was missed: on scheduled runs, and before a
    // missed command on an issue this state does not track.
    const reconcile = async () => {
      if (report.reconciled) return
      try {
        report.reconciled = await reconcileIssues(rt, octokit, o.repository, (e) =>
          probot.receive(e),
        )
      } catch (err) {
        report.errors.push(`issue reconcile: ${message(err)}`)
      }
    }
    if ((MAINTENANCE_EVENTS as readonly string[]).includes(o.event.name)) await reconcile()
    try {
      if (!listing) throw new Error(listingError ?? 'the comments could not be listed')
      report.catchUp = await catchUpComments(rt, octokit, o.repository, (e) => probot.receive(e), {
        beforeUntracked: reconcile,
        listing,
      })
      for (const c of report.catchUp.caught) answered.add(c.comment)
      for (const f of report.catchUp.failed)
        report.errors.push(`catch-up of #${f.issue} comment ${f.comment}: ${f.error}`)
      for (const f of report.catchUp.gaveUp)
        report.errors.push(
          `catch-up of #${f.issue} comment ${f.comment}: given up after ${f.attempts} failed runs, nothing applied (${f.error})`,
        )
    } catch (err) {
      report.errors.push(`catch-up: ${message(err)}`)
    }
    lap('catch_up')
    try {
      report.swept = await app.sweep()
      await app.flush()
    } catch (err) {
      report.errors.push(`sweep: ${message(err)}`)
    }
    // A reply still owed is not on GitHub: a re-application must not stay quiet.
    for (const owed of rt.state.owedReplies()) answered.delete(owed.comment_id)
    lap('sweep')
    report.changes = changesSince(engine, firstEvent)
    rmSync(outDir, { recursive: true, force: true })
    mkdirSync(outDir, { recursive: true })
    const snapshot = join(outDir, o.stateName)
    // The copy is checked with quick_check (b-trees and pages, not index
    // contents: VACUUM INTO has just rebuilt them from checked data) and not
    // hashed (the upload hashes what it sends, and the next download checks it).
    const info = writeSnapshot(store, snapshot, nextGeneration(base.listed, [base.generation]), {
      check: 'quick',
      digest: false,
      ...(o.driver ? { driver: o.driver } : {}),
    })
    report.generation = info.generation
    report.bytes = existsSync(snapshot) ? statSync(snapshot).size : 0
    report.tasks = info.tasks
    lap('snapshot')
    return { report, snapshot }
  } finally {
    store.close()
  }
}

function lastEventId(engine: Engine): number {
  return engine.read(
    (ctx) => ctx.store.get<{ id: number | null }>('SELECT max(id) AS id FROM events')?.id ?? 0,
  )
}

function changesSince(engine: Engine, after: number): Record<string, number> {
  const rows = engine.read((ctx) =>
    ctx.store.all<{ type: string; n: number }>(
      'SELECT type, count(*) AS n FROM events WHERE id > ? GROUP BY type ORDER BY type',
      [after],
    ),
  )
  return Object.fromEntries(rows.map((r) => [r.type, r.n]))
}

function message(err: unknown): string {
  if (err instanceof AggregateError) return err.errors.map(message).join('; ')
  return err instanceof Error ? err.message : String(err)
}
