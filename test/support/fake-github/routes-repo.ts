/**
 * Repository-level endpoints of the fake GitHub: the repository, file
 * contents (the config file), the label list and label creation (422
 * `already_exists` as on GitHub), collaborator permissions, check runs
 * (create, update, get, list for a commit; a completed run emits
 * `check_run.completed`), one pull request, and issue search
 * (`GET /search/issues`, qualifiers `repo:`, `is:issue|pr|open|closed`,
 * `label:`, `author:` (`app/<slug>` for an app's bot), `in:title|body`, and
 * words or quoted phrases).
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import { type FakeCheckRun, type FakeState, findLabel } from './model.js'
import {
  type Call,
  issueOf,
  type Json,
  notFound,
  page,
  type Reply,
  type Route,
  validationFailed,
} from './route-kit.js'
import { checkRunJson, issueJson, labelJson, pullJson, repositoryJson, userJson } from './shapes.js'

const R = '/repos/{owner}/{repo}'

function runOf(call: Call): FakeCheckRun | undefined {
  const id = Number(call.params.check_run_id)
  return call.repo.checkRuns.find((r) => r.id === id)
}

function applyRun(call: Call, run: FakeCheckRun, b: Json): void {
  const output = (b.output ?? {}) as Json
  if (typeof b.name === 'string') run.name = b.name
  if (typeof b.status === 'string') run.status = b.status
  if (typeof b.conclusion === 'string') {
    run.conclusion = b.conclusion
    run.status = 'completed'
  }
  if (typeof b.external_id === 'string') run.external_id = b.external_id
  if (typeof b.details_url === 'string') run.details_url = b.details_url
  if (typeof b.started_at === 'string') run.started_at = b.started_at
  if (run.status === 'completed') run.completed_at = (b.completed_at as string) ?? call.state.time()
  for (const key of ['title', 'summary', 'text'] as const) {
    if (typeof output[key] === 'string') run.output[key] = output[key] as string
  }
}

export const repoRoutes: Record<string, Route> = {
  [`GET ${R}`]: (call) => ({ status: 200, data: repositoryJson(call.state, call.repo) }),
  [`GET ${R}/contents/{path}`]: (call) => {
    const path = call.params.path ?? ''
    const text = call.repo.files.get(path)
    if (text === undefined) return notFound()
    // `Accept: application/vnd.github.raw(+json)`: the file's text as the body.
    if (/application\/vnd\.github(\.v3)?\.raw/.test(call.headers.accept ?? ''))
      return {
        status: 200,
        raw: { body: text, contentType: 'application/vnd.github.raw; charset=utf-8' },
      }
    return {
      status: 200,
      data: {
        type: 'file',
        encoding: 'base64',
        size: Buffer.byteLength(text),
        name: path.split('/').pop(),
        path,
        content: Buffer.from(text).toString('base64'),
        sha: 'c0ffee',
        url: '',
        git_url: null,
        html_url: null,
        download_url: null,
        _links: { self: '', git: null, html: null },
      },
    }
  },
  [`GET ${R}/labels`]: (call) => page(call.repo.labels, call, (l) => labelJson(call.repo, l)),
  [`POST ${R}/labels`]: (call) => {
    const name = String(call.body.name)
    if (findLabel(call.repo, name)) return validationFailed('Label', 'name', 'already_exists')
    const label = {
      id: call.state.id(),
      name,
      color: String(call.body.color ?? 'ededed').replace(/^#/, ''),
      description: typeof call.body.description === 'string' ? call.body.description : null,
    }
    call.repo.labels.push(label)
    return { status: 201, data: labelJson(call.repo, label) }
  },
  [`GET ${R}/collaborators/{username}/permission`]: (call) => {
    const login = call.params.username ?? ''
    const level = call.repo.permissions.get(login) ?? call.repo.defaultPermission
    // `permission` is the legacy name: maintain reads as write, triage as read.
    const legacy = level === 'maintain' ? 'write' : level === 'triage' ? 'read' : level
    return {
      status: 200,
      data: { permission: legacy, role_name: level, user: userJson(call.state, login) },
    }
  },
  [`POST ${R}/check-runs`]: (call) => {
    const run: FakeCheckRun = {
      id: call.state.id('check_run'),
      name: String(call.body.name),
      head_sha: String(call.body.head_sha),
      status: 'queued',
      conclusion: null,
      external_id: null,
      details_url: null,
      started_at: call.state.time(),
      completed_at: null,
      output: { title: null, summary: null, text: null },
      app: call.actor.login,
    }
    applyRun(call, run, call.body)
    call.repo.checkRuns.push(run)
    const data = checkRunJson(call.state, call.repo, run)
    if (run.status === 'completed') call.emit('check_run.completed', { check_run: data })
    return { status: 201, data }
  },
  [`PATCH ${R}/check-runs/{check_run_id}`]: (call) => {
    const run = runOf(call)
    if (!run) return notFound()
    const was = run.status
    applyRun(call, run, call.body)
    const data = checkRunJson(call.state, call.repo, run)
    if (was !== 'completed' && run.status === 'completed')
      call.emit('check_run.completed', { check_run: data })
    return { status: 200, data }
  },
  [`GET ${R}/check-runs/{check_run_id}`]: (call) => {
    const run = runOf(call)
    return run ? { status: 200, data: checkRunJson(call.state, call.repo, run) } : notFound()
  },
  [`GET ${R}/commits/{ref}/check-runs`]: (call) => {
    const name = call.query.get('check_name')
    const runs = call.repo.checkRuns.filter(
      (r) => r.head_sha === call.params.ref && (!name || r.name === name),
    )
    const p = page(runs, call, (r) => checkRunJson(call.state, call.repo, r))
    return { ...p, data: { total_count: runs.length, check_runs: p.data } }
  },
  [`GET ${R}/pulls/{pull_number}`]: (call) => {
    const issue = issueOf(call, 'pull_number')
    if (!issue?.pull_request) return notFound()
    return { status: 200, data: pullJson(call.state, call.repo, issue) }
  },
}

/** Endpoints outside a repository: search. */
export type GlobalRoute = (state: FakeState, query: URLSearchParams) => Reply

export const globalRoutes: Record<string, GlobalRoute> = {
  'GET /search/issues': (state, query) => {
    const q = query.get('q') ?? ''
    const tokens = [...q.matchAll(/(\w+):("[^"]*"|\S+)|"([^"]*)"|(\S+)/g)]
    let repoName: string | undefined
    const filters: ((i: {
      state: string
      labels: string[]
      pr: boolean
      user: string
    }) => boolean)[] = []
    const words: string[] = []
    let where: 'title' | 'body' | 'both' = 'both'
    for (const [, key, value, phrase, word] of tokens) {
      const v = value?.replace(/^"|"$/g, '')
      if (key === 'repo') repoName = v
      else if (key === 'is' && (v === 'issue' || v === 'pr'))
        filters.push((i) => i.pr === (v === 'pr'))
      else if (key === 'is' || key === 'state') filters.push((i) => i.state === v)
      else if (key === 'label')
        filters.push((i) => i.labels.some((l) => l.toLowerCase() === v?.toLowerCase()))
      else if (key === 'author')
        // `author:app/<slug>` names a GitHub App's bot, `<slug>[bot]`.
        filters.push(
          (i) => i.user.toLowerCase() === (v ?? '').toLowerCase().replace(/^app\/(.*)$/, '$1[bot]'),
        )
      else if (key === 'in') where = v === 'title' ? 'title' : v === 'body' ? 'body' : 'both'
      else words.push((phrase ?? word ?? '').toLowerCase())
    }
    const [owner = '', name = ''] = (repoName ?? '').split('/')
    const repos = repoName
      ? [state.repository(owner, name)].filter((r) => r !== undefined)
      : [...state.repositories.values()]
    const items = repos.flatMap((repo) =>
      [...repo.issues.values()]
        .filter((i) =>
          filters.every((f) =>
            f({ state: i.state, labels: i.labels, pr: !!i.pull_request, user: i.user }),
          ),
        )
        .filter((i) => {
          const text = `${where !== 'body' ? i.title : ''}\n${where !== 'title' ? (i.body ?? '') : ''}`
          return words.every((w) => text.toLowerCase().includes(w))
        })
        .map((i) => ({ ...issueJson(state, repo, i), score: 1 })),
    )
    const perPage = Math.min(100, Number(query.get('per_page') ?? 30) || 30)
    return {
      status: 200,
      data: {
        total_count: items.length,
        incomplete_results: false,
        items: items.slice(0, perPage),
      },
    }
  },
}
