/**
 * State sync of the Actions-hosted mode: finding the newest usable state
 * artifact, and noticing that another run uploaded a newer one meanwhile.
 *
 * Only artifacts of established origin are candidates (uploaded by a run
 * whose head is this repository, see `untrustedOrigin`); the others are
 * reported as skipped and never downloaded. A candidate is usable when its
 * download matches the artifact's digest (checked by the artifact client
 * while streaming) and `inspectStateFile` accepts it (schema objects exactly
 * ours, `PRAGMA integrity_check`, foreign keys, schema version, a generation
 * number). Candidates are tried newest first: a truncated, corrupt or
 * tampered newest artifact falls back to the last good one, and only when
 * none is usable (first run, all expired, all damaged) is the state rebuilt
 * from GitHub — never an empty board. The next upload's generation is above
 * every listed artifact's, used or not ({@link nextGeneration}).
 */
import { mkdirSync, renameSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { OpenOptions, SqliteDriver } from '../../core/db/driver.js'
import { openStore } from '../../core/db/open.js'
import {
  ArtifactDigestError,
  ArtifactGoneError,
  type ArtifactStore,
  ArtifactUnavailableError,
  type StateArtifact,
} from './artifacts.js'
import { inspectStateFile, type StateFileInfo, writeSnapshot } from './state-file.js'

/** How many artifacts, newest first, are tried before rebuilding. */
export const MAX_CANDIDATES = 5

/** An artifact that was not used, and why. */
export interface RejectedArtifact {
  id: number
  created_at: string
  reason: string
}

/** Where a run's state comes from. */
export interface LoadedState {
  /** Working copy of the state file (missing when `rebuild` is set). */
  path: string
  /** The artifact it came from, or null. */
  artifact: StateArtifact | null
  /** Its generation (0 for a rebuilt state). */
  generation: number
  info: StateFileInfo | null
  /** Set when no artifact was usable: why the state is rebuilt from GitHub. */
  rebuild: string | null
  /** Artifacts not used: of unknown or foreign origin (first), then damaged or untrusted content. */
  rejected: RejectedArtifact[]
  /** Every trusted artifact of the name listed when the state was loaded, newest first. */
  listed: StateArtifact[]
  /** Milliseconds spent listing, downloading and verifying. */
  ms: { download: number; verify: number }
}

/** A driver factory (better-sqlite3 under `tm` and tests, node:sqlite in the Action). */
export type DriverFactory = (path: string, options: OpenOptions) => SqliteDriver

/**
 * Download and verify one artifact into `dir`; its inspected info, or the
 * reason it cannot be used. Throws {@link ArtifactUnavailableError} when the
 * download failed for a reason other than damaged or vanished bytes (a
 * refusal, a server error, the network): the artifact may be good, and
 * skipping it would let an older state be uploaded over it.
 */
export async function fetchCandidate(
  artifacts: ArtifactStore,
  artifact: StateArtifact,
  dir: string,
  driver: DriverFactory | undefined,
  ms: { download: number; verify: number },
): Promise<{ file: string; info: StateFileInfo } | { reason: string }> {
  let file: string
  const t0 = performance.now()
  try {
    file = await artifacts.download(artifact, join(dir, `artifact-${artifact.id}`))
  } catch (err) {
    if (err instanceof ArtifactDigestError || err instanceof ArtifactGoneError)
      return { reason: err.message }
    if (err instanceof ArtifactUnavailableError) throw err
    // Anything else the store throws (a download of several files …) is about these bytes.
    return { reason: `download failed: ${err instanceof Error ? err.message : String(err)}` }
  } finally {
    ms.download += performance.now() - t0
  }
  const t1 = performance.now()
  try {
    // The digest was checked while streaming (`ArtifactStore.download`
    // throws on a mismatch): the full integrity check remains, no second hash.
    const info = inspectStateFile(file, { digest: false, ...(driver ? { driver } : {}) })
    return { file, info }
  } catch (err) {
    return { reason: err instanceof Error ? err.message : String(err) }
  } finally {
    ms.verify += performance.now() - t1
  }
}

/**
 * The state to start from: the newest usable artifact named `name` copied to
 * `<workDir>/<name>`, or a rebuild notice when none is usable. Throws an
 * Error (nothing handled yet, nothing to undo) when an artifact newer than
 * any usable one could not be downloaded now — see {@link fetchCandidate}.
 */
export async function loadState(
  artifacts: ArtifactStore,
  name: string,
  workDir: string,
  driver?: DriverFactory,
): Promise<LoadedState> {
  mkdirSync(workDir, { recursive: true })
  const ms = { download: 0, verify: 0 }
  const t0 = performance.now()
  const { artifacts: candidates, untrusted } = await artifacts.list(name)
  ms.download += performance.now() - t0
  const rejected: RejectedArtifact[] = [...untrusted]
  const path = join(workDir, 'working', name)
  mkdirSync(join(workDir, 'working'), { recursive: true })
  for (const artifact of candidates.slice(0, MAX_CANDIDATES)) {
    let got: Awaited<ReturnType<typeof fetchCandidate>>
    try {
      got = await fetchCandidate(artifacts, artifact, workDir, driver, ms)
    } catch (err) {
      if (!(err instanceof ArtifactUnavailableError)) throw err
      throw new Error(
        `${err.message}: nothing was changed and nothing uploaded, so the state is not replaced by an older one or a rebuild. ` +
          'Re-run this workflow run (any later run also catches up its commands); if this artifact stays unreadable, ' +
          `delete it (gh api -X DELETE repos/{owner}/{repo}/actions/artifacts/${artifact.id}) and the run falls back to the one before`,
      )
    }
    if ('reason' in got) {
      rejected.push({ id: artifact.id, created_at: artifact.created_at, reason: got.reason })
      continue
    }
    renameSync(got.file, path) // the download is ours: move it, don't copy 10+ MB
    return {
      path,
      artifact,
      generation: got.info.generation,
      info: got.info,
      rebuild: null,
      rejected,
      listed: candidates,
      ms,
    }
  }
  const rebuild =
    candidates.length === 0
      ? `no artifact named ${name} (first run, or every one expired)${untrusted.length ? `, apart from ${untrusted.length} of unknown or foreign origin, which are never used` : ''}`
      : `none of the ${Math.min(candidates.length, MAX_CANDIDATES)} newest artifacts named ${name} is usable`
  return {
    path,
    artifact: null,
    generation: 0,
    info: null,
    rebuild,
    rejected,
    listed: candidates,
    ms,
  }
}

/**
 * The generation of the next upload: one above every generation in `known`
 * (the state it started from, any state it read) and above the id of every
 * trusted artifact in `listed` (the listing just before writing or
 * uploading). The listing does not carry generations, and a damaged
 * artifact's cannot be read, so the ids stand in for them: an upload's
 * generation is at most its own artifact's id, because that id is assigned
 * after the listing its generation came from and GitHub assigns artifact ids
 * in increasing order. So the result is above the generation of every listed
 * artifact, read or not — after a fallback past a damaged newer one, after a
 * rebuild, and after two uploads crossed. Two runs that list before either
 * uploads can still get the same number (the artifact service has no
 * compare-and-swap); the next run's is above both.
 */
export function nextGeneration(listed: readonly StateArtifact[], known: readonly number[]): number {
  let top = 0
  for (const generation of known) top = Math.max(top, generation)
  for (const artifact of listed) top = Math.max(top, artifact.id)
  return top + 1
}

/**
 * Copy the checked snapshot `file` into the folder `dir` (same file name)
 * with its generation raised to `generation` — for a run that finds, in the
 * listing just before its upload, an artifact its snapshot's generation is
 * not above (see {@link nextGeneration}). The copy is written and checked
 * like the snapshot (`writeSnapshot`, quick check); returns its path and
 * info. Throws what `writeSnapshot` throws (nothing is then uploaded).
 */
export function raiseGeneration(
  file: string,
  dir: string,
  generation: number,
  driver?: DriverFactory,
): { file: string; info: StateFileInfo } {
  const store = openStore(file, driver ? { driver } : {})
  try {
    const out = join(dir, basename(file))
    const info = writeSnapshot(store, out, generation, {
      check: 'quick',
      digest: false,
      ...(driver ? { driver } : {}),
    })
    return { file: out, info }
  } finally {
    store.close()
  }
}
