/**
 * Workflow artifacts in the fake GitHub: the REST listing
 * (`GET …/actions/artifacts`, newest first, `name` filter) and the download
 * redirect (`GET …/actions/artifacts/{id}/zip` → 302 to blob storage, 410
 * when expired), and — for a repository given to {@link serveArtifacts} —
 * the Actions results service that `@actions/artifact` uploads through
 * (`CreateArtifact` / `FinalizeArtifact` over Twirp, blob storage with
 * blocks or a single PUT), on the HTTP transport. An upload is finalized as
 * an artifact of the repository, stamped with `runId()`'s run.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import { createHash } from 'node:crypto'
import type { FakeGitHub } from './fake-github.js'
import type { FakeArtifact, FakeRepository } from './model.js'
import { byTime, type Call, type Json, type Reply, type Route } from './route-kit.js'
import { repoApi } from './shapes.js'

const R = '/repos/{owner}/{repo}/actions/artifacts'

function artifactJson(repo: FakeRepository, a: FakeArtifact): Json {
  const api = `${repoApi(repo)}/actions/artifacts/${a.id}`
  return {
    id: a.id,
    node_id: `A_${a.id}`,
    name: a.name,
    size_in_bytes: a.bytes.length,
    url: api,
    archive_download_url: `${api}/zip`,
    expired: a.expired,
    digest: a.digest,
    created_at: a.created_at,
    updated_at: a.created_at,
    expires_at: '2027-01-01T00:00:00Z',
    workflow_run: a.no_workflow_run
      ? null
      : {
          id: a.run_id,
          repository_id: repo.id,
          ...(a.head_repository_id === null
            ? {}
            : { head_repository_id: a.head_repository_id ?? repo.id }),
          head_branch: 'main',
          head_sha: 'abc',
        },
  }
}

export const artifactRoutes: Record<string, Route> = {
  [`GET ${R}`]: (call: Call) => {
    const name = call.query.get('name')
    const list = call.repo.artifacts
      .filter((a) => !name || a.name === name)
      .sort((a, b) => byTime(b.created_at, a.created_at))
    return {
      status: 200,
      data: { total_count: list.length, artifacts: list.map((a) => artifactJson(call.repo, a)) },
    }
  },
  [`GET ${R}/{artifact_id}/{archive_format}`]: (call: Call) => {
    const a = call.repo.artifacts.find((x) => x.id === Number(call.params.artifact_id))
    if (!a || a.expired) return { status: 410, data: { message: 'Artifact has expired' } }
    return {
      status: 302,
      raw: { body: '' },
      headers: { location: `${call.url.origin}/blob/${a.id}` },
    }
  },
}

/**
 * Serve `@actions/artifact`'s upload path (Twirp and blob storage) and blob
 * downloads for `repo` through `fake`'s HTTP transport. `runId()` names the
 * uploading run; `createdAt()` stamps each finalized artifact (default: a
 * clock that moves a minute per artifact from 2026-01-01, so the newest is
 * always the last).
 */
export function serveArtifacts(
  fake: FakeGitHub,
  repo: FakeRepository,
  options: { runId: () => number; createdAt?: () => string },
): void {
  let minute = Date.parse('2026-01-01T00:00:00Z')
  const createdAt =
    options.createdAt ??
    (() => {
      minute += 60_000
      return new Date(minute).toISOString().replace('.000', '')
    })
  const uploads = new Map<string, { name: string; blocks: Map<string, Buffer>; data?: Buffer }>()
  let next = 0
  fake.extraRoutes.push((request, path): Reply | undefined => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body ?? '')
    const url = new URL(request.url)
    if (path.startsWith('/twirp/')) {
      const body = JSON.parse(raw.toString('utf8') || '{}') as Json
      if (path.endsWith('/CreateArtifact')) {
        const key = `u${++next}`
        uploads.set(key, { name: String(body.name), blocks: new Map() })
        return {
          status: 200,
          data: { ok: true, signed_upload_url: `${url.origin}/upload/${key}?sig=x` },
        }
      }
      if (path.endsWith('/FinalizeArtifact')) {
        // Concurrent runs upload under the same name: finalize the oldest finished one.
        const entry = [...uploads.entries()].find(([, u]) => u.name === body.name && u.data)
        const data = entry?.[1].data
        if (!entry || !data) return { status: 400, data: { msg: 'nothing uploaded' } }
        uploads.delete(entry[0])
        const a: FakeArtifact = {
          id: fake.state.id(),
          name: entry[1].name,
          bytes: data,
          digest: `sha256:${createHash('sha256').update(data).digest('hex')}`,
          created_at: createdAt(),
          expired: false,
          run_id: options.runId(),
        }
        repo.artifacts.push(a)
        return { status: 200, data: { ok: true, artifact_id: String(a.id) } }
      }
      return { status: 404, data: { msg: 'no such method' } }
    }
    if (path.startsWith('/upload/')) {
      const upload = uploads.get(path.slice('/upload/'.length))
      if (!upload) return { status: 404, raw: { body: '' } }
      const comp = url.searchParams.get('comp')
      if (comp === 'block') upload.blocks.set(url.searchParams.get('blockid') ?? '', raw)
      else if (comp === 'blocklist') {
        const ids = [
          ...raw.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)</g),
        ]
        upload.data = Buffer.concat(
          ids.map((m) => upload.blocks.get(m[1] ?? '') ?? Buffer.alloc(0)),
        )
      } else upload.data = raw
      return {
        status: 201,
        raw: { body: '' },
        headers: { etag: '"1"', 'last-modified': new Date().toUTCString(), 'x-ms-request-id': 'r' },
      }
    }
    if (path.startsWith('/blob/')) {
      const a = repo.artifacts.find((x) => String(x.id) === path.slice('/blob/'.length))
      if (!a) return { status: 404, raw: { body: '' } }
      return {
        status: 200,
        raw: { body: a.bytes, contentType: 'application/octet-stream' },
        headers: { 'content-disposition': `attachment; filename=${a.name}` },
      }
    }
    return undefined
  })
}
