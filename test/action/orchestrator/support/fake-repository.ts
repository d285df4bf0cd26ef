/**
 * The orchestrator's view of the one fake GitHub (`test/support/fake-github`):
 * a repository and the Actions artifact service served on 127.0.0.1 for runs
 * of the orchestrator — the REST calls the app makes (issues, labels,
 * comments, reactions, permissions, dependencies, check runs), the REST
 * artifact listing and download redirect, blob storage, and the Actions
 * results service (`CreateArtifact` / `FinalizeArtifact` over Twirp) that
 * `@actions/artifact` uploads through. State is kept in memory, so a
 * sequence of runs sees what earlier runs wrote — as on GitHub.
 *
 * Every REST request is checked against GitHub's OpenAPI description;
 * `problems` lists what did not conform or had no route, and tests assert it
 * is empty. Webhooks are recorded by the fake, not delivered: each test hands
 * the run its event, as a workflow run is given one.
 *
 * No vitest import here: the benchmarks run it under plain Node.
 */
import {
  type FakeArtifact,
  type FakeComment,
  FakeGitHub,
  type FakeIssue,
  type FakeLabel,
  listen,
  type Permission,
  serveArtifacts,
} from '../../../support/fake-github/index.js'

export type { FakeArtifact, FakeComment, FakeIssue, FakeLabel }

export interface FakeRequest {
  method: string
  /** Path as received, with the query. */
  path: string
  body: unknown
}

/** Labels by name, over the repository's label list. */
export interface LabelMap {
  get(name: string): FakeLabel | undefined
  has(name: string): boolean
  set(name: string, label: Omit<FakeLabel, 'id'>): void
  values(): IterableIterator<FakeLabel>
  readonly size: number
}

/** The running fake. */
export interface FakeRepository {
  url: string
  owner: string
  repo: string
  /** The one fake underneath. */
  github: FakeGitHub
  issues: Map<number, FakeIssue>
  comments: FakeComment[]
  labels: LabelMap
  artifacts: FakeArtifact[]
  /** Permission by login (default `write`). */
  permissions: Map<string, Permission>
  requests: FakeRequest[]
  problems: string[]
  /** The run that uploads next (artifacts record it). */
  runId: number
  /** The login the app posts as. */
  appLogin: string
  /** Answer every REST write with 403, as for a workflow without `issues: write`. */
  failWrites: boolean
  /**
   * Answer REST requests this returns a reply for (`status`, `message`)
   * instead of serving them: a token without a permission, an outage.
   */
  refuse: ((method: string, path: string) => { status: number; message: string } | undefined) | null
  /**
   * Awaited, when it returns a promise, after a REST request is served and
   * before its response is sent: a test holds one run there (what it was
   * told is decided, what it does next waits) while another run goes on.
   */
  holdResponse: ((method: string, path: string) => Promise<void> | undefined) | null
  /** Add an issue as a person would (not through the app); its id is 100,000 + number. */
  openIssue(input: {
    number: number
    title?: string
    body?: string
    labels?: string[]
    user?: string
  }): FakeIssue
  /** Add a comment as a person would. */
  addComment(issue: number, body: string, user?: string): FakeComment
  /** Requests with `method` whose path starts with `prefix`. */
  find(method: string, prefix: string): FakeRequest[]
  /** Stop the server; throws when a request broke GitHub's REST description or had no route. */
  close(): Promise<void>
}

/** The tokens of a workflow run in these tests (in process; the bundled Action's `token` input). */
const RUN_TOKENS = ['ghs_run_token', 'test-token', 'test']
/** The repository's id in the tests' payloads. */
const REPOSITORY_ID = 1296269

/** Start the fake. `now()` stamps what it creates (use the test's clock). */
export async function startFakeRepository(
  options: { owner?: string; repo?: string; now?: () => string } = {},
): Promise<FakeRepository> {
  const owner = options.owner ?? 'Codertocat'
  const name = options.repo ?? 'Hello-World'
  const clock = options.now
  const github = new FakeGitHub({
    appLogin: 'github-actions[bot]',
    ...(clock ? { now: () => Date.parse(clock()) } : {}),
  })
  for (const token of RUN_TOKENS) github.addToken(token, github.appLogin)
  const repo = github.addRepository(`${owner}/${name}`, { id: REPOSITORY_ID })
  const server = await listen(github)
  const labels: LabelMap = {
    get: (n) => repo.labels.find((l) => l.name === n),
    has: (n) => repo.labels.some((l) => l.name === n),
    set: (n, label) => {
      repo.labels = repo.labels.filter((l) => l.name !== n)
      repo.labels.push({ ...label, name: n, id: github.state.id() })
    },
    values: () => repo.labels.values(),
    get size() {
      return repo.labels.length
    },
  }
  const fake: FakeRepository = {
    url: server.url,
    owner,
    repo: name,
    github,
    issues: repo.issues,
    comments: repo.comments,
    labels,
    artifacts: repo.artifacts,
    permissions: repo.permissions,
    get requests() {
      return github.log.map((r) => {
        const url = new URL(r.url)
        const path = `${url.pathname}${url.search}`
        const raw = path.startsWith('/upload/') || path.startsWith('/blob/')
        return { method: r.method, path, body: raw ? null : (r.body ?? null) }
      })
    },
    problems: github.problems,
    runId: 1,
    appLogin: github.appLogin,
    failWrites: false,
    refuse: null,
    holdResponse: null,
    openIssue(input) {
      return github.state.addIssue(repo, {
        number: input.number,
        id: 100_000 + input.number,
        title: input.title ?? `Task ${input.number}`,
        body: input.body ?? '',
        labels: input.labels ?? ['task'],
        user: input.user ?? 'ada',
      })
    },
    addComment(issue, body, user = 'ada') {
      const i = repo.issues.get(issue)
      if (!i) throw new Error(`fake repository: no issue #${issue}`)
      return github.state.addComment(repo, i, body, user)
    },
    find: (method, prefix) =>
      fake.requests.filter((r) => r.method === method && r.path.startsWith(prefix)),
    close: async () => {
      await server.close()
      if (github.problems.length)
        throw new Error(
          `fake repository: requests that broke GitHub's REST description or had no route:\n${github.problems.join('\n')}`,
        )
    },
  }
  github.refuse = ({ method, path }) => {
    if (fake.failWrites && method !== 'GET')
      return { status: 403, message: 'Resource not accessible by integration' }
    return fake.refuse?.(method, path)
  }
  github.holdResponse = ({ method, path }) => fake.holdResponse?.(method, path)
  serveArtifacts(github, repo, { runId: () => fake.runId })
  return fake
}

/** An `ACTIONS_RUNTIME_TOKEN` with the claim `@actions/artifact` reads (unsigned; the fake does not check it). */
export function runtimeToken(): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ scp: 'Actions.Results:run-backend:job-backend' })}.x`
}
