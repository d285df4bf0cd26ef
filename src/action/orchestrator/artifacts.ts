/**
 * Where the state file lives between runs: a workflow artifact. Listing uses
 * the REST API ("List artifacts for a repository", filtered by name), and
 * only artifacts whose origin is established are trusted: the listing names
 * the workflow run that uploaded it and that run's head repository, and it is
 * this repository — never a fork's, never an artifact of unknown origin;
 * download and upload use GitHub's own client, `@actions/artifact` — download
 * with `findBy` (artifacts of other runs, through the REST redirect to blob
 * storage) and the artifact's digest, upload through the Actions results
 * service with a retention period.
 *
 * The state file is uploaded as is (`skipArchive`), not zipped: the artifact's
 * digest is then the SHA-256 of the database file itself, which
 * `inspectStateFile` checks again after the download. With `skipArchive` the
 * artifact is named after the file, so the state's name is a file name
 * (default `task-orchestrator.db`).
 */
import { mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DefaultArtifactClient } from '@actions/artifact'
import type { Octokit } from '../../app/runtime.js'

/** One stored state artifact (REST shape, trimmed). */
export interface StateArtifact {
  id: number
  name: string
  /** Bytes. */
  size: number
  /** `sha256:<hex>`, or null for artifacts uploaded before digests existed. */
  digest: string | null
  created_at: string
  expires_at: string | null
  /** The workflow run that uploaded it. */
  run_id: number | null
}

/** An artifact that is never used, and why (its origin could not be established). */
export interface UntrustedArtifact {
  id: number
  created_at: string
  reason: string
}

/** The state artifacts of a name. */
export interface ArtifactListing {
  /** Non-expired artifacts uploaded by runs of this repository's own code, newest first. */
  artifacts: StateArtifact[]
  /** Non-expired artifacts of that name whose origin is another or unknown: never used. */
  untrusted: UntrustedArtifact[]
}

/** What the run loop needs from an artifact store. */
export interface ArtifactStore {
  /** The artifacts named `name` (see {@link ArtifactListing}). One API request. */
  list(name: string): Promise<ArtifactListing>
  /**
   * Download `artifact` into the empty folder `dir`; the path of the file.
   * Throws `ArtifactDigestError` when the bytes do not match the digest.
   */
  download(artifact: StateArtifact, dir: string): Promise<string>
  /** Upload `file` (its base name must be `name`) to the current run. */
  upload(file: string, retentionDays: number): Promise<{ id: number; size: number }>
}

/** The downloaded bytes do not match the artifact's digest. */
export class ArtifactDigestError extends Error {
  constructor(readonly artifact: StateArtifact) {
    super(
      `artifact ${artifact.id} (${artifact.name}) does not match its digest ${artifact.digest}: the download is damaged`,
    )
    this.name = 'ArtifactDigestError'
  }
}

/**
 * The artifact is no longer there (HTTP 404 or 410 on its download: it
 * expired or was deleted after the listing). Skipped like a damaged one.
 */
export class ArtifactGoneError extends Error {
  constructor(
    readonly artifact: StateArtifact,
    cause: string,
  ) {
    super(`artifact ${artifact.id} (${artifact.name}) expired or was deleted (${cause})`)
    this.name = 'ArtifactGoneError'
  }
}

/**
 * The artifact could not be downloaded now (refused, server error, network):
 * its bytes may well be good, so a run must neither fall back to an older
 * state nor rebuild, which would upload over it.
 */
export class ArtifactUnavailableError extends Error {
  constructor(
    readonly artifact: StateArtifact,
    readonly problem: string,
  ) {
    super(
      `state artifact ${artifact.id} (${artifact.name}, ${artifact.created_at}) could not be downloaded (${problem})`,
    )
    this.name = 'ArtifactUnavailableError'
  }
}

/** HTTP status and message of an Octokit `RequestError` (or any error). */
function httpFailure(err: unknown): { status: number | null; text: string } {
  const status = (err as { status?: unknown }).status
  const message =
    err instanceof Error
      ? err.message.replace(/ - https:\/\/docs\.github\.com\S*$/, '')
      : String(err)
  return typeof status === 'number'
    ? { status, text: `HTTP ${status}: ${message}` }
    : { status: null, text: message }
}

/**
 * The artifact service of GitHub Enterprise Server is the old one, which
 * `@actions/artifact` 2+ does not support (see its `isGhes`): the state could
 * be neither read nor saved. Null on github.com, GHE.com and localhost.
 */
export function unsupportedServer(serverUrl: string | undefined): string | null {
  const host = new URL(serverUrl || 'https://github.com').hostname.toLowerCase()
  if (host === 'github.com' || host.endsWith('.ghe.com') || host.endsWith('.localhost')) return null
  return `${host} looks like GitHub Enterprise Server, whose artifact service the Actions-hosted mode cannot use (@actions/artifact 2+ supports github.com and GHE.com only): run the app as a server there (docs/github-app.md)`
}

/** The REST listing's `workflow_run` of an artifact (all of it optional, or null). */
type WorkflowRunOfArtifact = { id?: number; head_repository_id?: number } | null | undefined

/**
 * Why an artifact listed with `run` cannot be trusted as a state of the
 * repository `repoId`, or null when it can: the listing must name the
 * uploading run and that run's head repository, and it must be `repoId`. A
 * pull request from a fork runs its own copy of the workflow (in this
 * repository, so its artifacts are listed here) and could upload a state of
 * its choosing; an artifact whose run or head is not named may be one.
 */
export function untrustedOrigin(run: WorkflowRunOfArtifact, repoId: number): string | null {
  if (!run || typeof run.id !== 'number') {
    return 'its listing names no workflow run, so its origin cannot be established: not trusted, never used'
  }
  if (typeof run.head_repository_id !== 'number') {
    return `its listing names no head repository for run ${run.id}, so its origin cannot be established: not trusted, never used`
  }
  if (run.head_repository_id !== repoId) {
    return `uploaded by a run of repository ${run.head_repository_id}, not this one (${repoId}; a fork's pull request?): not trusted, never used`
  }
  return null
}

/**
 * The artifact store of a GitHub Actions run: `octokit` for the REST listing
 * (the run's `GITHUB_TOKEN` with `actions: read`), `token` for downloads of
 * other runs' artifacts; uploads use the runner's `ACTIONS_RUNTIME_TOKEN` and
 * `ACTIONS_RESULTS_URL`, as `actions/upload-artifact` does. `repo.id` is the
 * repository's numeric id (`repository.id` of the event, or
 * `GITHUB_REPOSITORY_ID`): only artifacts whose run's head is that repository
 * are trusted (see {@link untrustedOrigin}).
 *
 * Throws at once on GitHub Enterprise Server (`serverUrl`, default
 * `GITHUB_SERVER_URL`; see {@link unsupportedServer}), or when `repo.id` is
 * not a positive integer, before a run handles anything it could not save.
 * `list` throws an Error saying which permission is missing when the listing
 * is refused; `download` throws {@link ArtifactDigestError},
 * {@link ArtifactGoneError} or {@link ArtifactUnavailableError}.
 */
export function githubArtifactStore(
  octokit: Octokit,
  repo: { owner: string; repo: string; id: number },
  token: string,
  serverUrl: string | undefined = process.env.GITHUB_SERVER_URL,
): ArtifactStore {
  const unsupported = unsupportedServer(serverUrl)
  if (unsupported) throw new Error(unsupported)
  if (!Number.isSafeInteger(repo.id) || repo.id <= 0) {
    throw new Error(
      `The id of ${repo.owner}/${repo.repo} is unknown (got ${String(repo.id)}), so the origin of its state artifacts cannot be checked: the event payload's repository.id or GITHUB_REPOSITORY_ID must be set (they are on GitHub's runners); nothing was changed`,
    )
  }
  const client = new DefaultArtifactClient()
  const full = `${repo.owner}/${repo.repo}`
  return {
    async list(name) {
      let data: Awaited<ReturnType<Octokit['rest']['actions']['listArtifactsForRepo']>>['data']
      try {
        ;({ data } = await octokit.rest.actions.listArtifactsForRepo({
          owner: repo.owner,
          repo: repo.repo,
          name,
          per_page: 100,
        }))
      } catch (err) {
        const { status, text } = httpFailure(err)
        throw new Error(
          status === 403 || status === 404 || status === 401
            ? `listing the state artifacts of ${full} was refused (${text}): the workflow needs \`permissions: actions: read\` (and a \`token\` input, if you set one, the same access to ${full}); nothing was changed`
            : `listing the state artifacts of ${full} failed (${text}); nothing was changed — re-run the workflow run, or wait for the next one`,
        )
      }
      const untrusted: UntrustedArtifact[] = []
      const artifacts = data.artifacts
        .filter((a) => !a.expired && a.name === name)
        .filter((a) => {
          const reason = untrustedOrigin(a.workflow_run, repo.id)
          if (reason) untrusted.push({ id: a.id, created_at: a.created_at ?? '', reason })
          return reason === null
        })
        .map((a) => ({
          id: a.id,
          name: a.name,
          size: a.size_in_bytes,
          digest: a.digest ?? null,
          created_at: a.created_at ?? '',
          expires_at: a.expires_at ?? null,
          run_id: a.workflow_run?.id ?? null,
        }))
      const newestFirst = (a: { created_at: string; id: number }, b: typeof a) =>
        b.created_at.localeCompare(a.created_at) || b.id - a.id
      return { artifacts: artifacts.sort(newestFirst), untrusted: untrusted.sort(newestFirst) }
    },
    async download(artifact, dir) {
      mkdirSync(dir, { recursive: true })
      let result: Awaited<ReturnType<typeof client.downloadArtifact>>
      try {
        result = await client.downloadArtifact(artifact.id, {
          path: dir,
          skipDecompress: true,
          ...(artifact.digest ? { expectedHash: artifact.digest } : {}),
          findBy: {
            token,
            workflowRunId: artifact.run_id ?? 0,
            repositoryOwner: repo.owner,
            repositoryName: repo.repo,
          },
        })
      } catch (err) {
        const { status, text } = httpFailure(err)
        if (status === 404 || status === 410) throw new ArtifactGoneError(artifact, text)
        throw new ArtifactUnavailableError(artifact, text)
      }
      if (result.digestMismatch) throw new ArtifactDigestError(artifact)
      const files = readdirSync(dir)
      if (files.length !== 1) {
        throw new Error(
          `artifact ${artifact.id} (${artifact.name}) should hold one file; the download has ${files.length}`,
        )
      }
      return join(dir, files[0]!)
    },
    async upload(file, retentionDays) {
      const dir = join(file, '..')
      const name = file.slice(dir.length + 1)
      const { id, size } = await client.uploadArtifact(name, [file], dir, {
        retentionDays,
        skipArchive: true,
      })
      if (id === undefined) throw new Error(`the upload of ${name} returned no artifact id`)
      return { id, size: size ?? 0 }
    },
  }
}
