/**
 * `tm rebuild --github owner/repo` end to end: the built `tm` in its own
 * process, against a local server answering as GitHub's REST API does for
 * the recorded repository of `test/fixtures/github/rebuild/`.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../../src/core/clock.js'
import { type FakeData, FakeRepository } from '../github/rebuild-recorder.js'
import { tempDir } from '../helpers.js'
import { type FakeServer, type LoggedRequest, listen } from '../support/fake-github/index.js'
import { loadGitHubDescription } from '../support/github/openapi.js'

const TM = resolve('build/tm.cjs')
const REPO = 'Codertocat/Hello-World'
const { at, ...recorded } = JSON.parse(
  readFileSync('test/fixtures/github/rebuild/repository.json', 'utf8'),
) as FakeData & { at: string }
const server = JSON.parse(readFileSync('test/fixtures/github/rebuild/server.json', 'utf8')) as {
  tasks: { id: string; status: string; lease: { holder: string; token: number } | null }[]
}

let api: FakeServer
let fake: FakeRepository
let url = ''
let refuse: number | null = null
/** The requests `tm` sent (the one fake GitHub's log). */
let requests: LoggedRequest[] = []
let dir = ''

beforeAll(async () => {
  loadGitHubDescription()
  fake = new FakeRepository(recorded, new FakeClock(at))
  for (const token of ['tok', 't']) fake.github.addToken(token, 'maint')
  fake.github.refuse = () =>
    refuse ? { status: refuse, message: refuse === 401 ? 'Bad credentials' : 'Refused' } : undefined
  requests = fake.github.log
  api = await listen(fake.github)
  url = api.url
})

afterAll(async () => {
  await api.close()
  // Every request tm sent conformed to GitHub's REST description.
  expect(fake.github.problems).toEqual([])
})

beforeEach(() => {
  dir = tempDir('tm-rebuild-')
  requests.length = 0
  refuse = null
})

/** Run tm (asynchronously: the fake GitHub answers from this process). */
function tm(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      [TM, ...args],
      {
        cwd: dir,
        env: {
          ...process.env,
          TM_DB: join(dir, 'tasks.db'),
          TM_AGENT: '',
          GITHUB_TOKEN: '',
          GH_TOKEN: '',
          GITHUB_API_URL: '',
          ...env,
        },
      },
      (err, stdout, stderr) =>
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

describe('tm rebuild --github', () => {
  it('rebuilds the tasks from the repository, with --json in a documented shape', async () => {
    const r = await tm(['--json', 'rebuild', '--github', REPO, '--api-url', url, '--token', 'tok'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({
      ok: true,
      rebuild: {
        repository: REPO,
        tasks: 12,
        tracked: 3,
        dependencies: 5,
        parents: 3,
        criteria: 3,
        statusComments: { found: 12, missing: 0 },
        pullRequests: 1,
        replaced: 0,
        configError: null,
        requests: 9,
        comments: {
          handled: 13,
          unanswered: [expect.objectContaining({ issue: 3, author: 'hank' })],
        },
      },
    })
    expect(
      out.rebuild.leases.map((l: { task: string; holder: string; token: number }) => [
        l.task,
        l.holder,
        l.token,
      ]),
    ).toEqual([
      [`${REPO}#2`, 'grace', 1],
      [`${REPO}#10`, 'dave', 2],
    ])
    // 45 minutes from now: the TTL of the repository's config.
    const expires = Date.parse(out.rebuild.leases[0].expires_at) - Date.now()
    expect(expires).toBeGreaterThan(44 * 60_000)
    expect(expires).toBeLessThanOrEqual(45 * 60_000)
    expect(requests).toHaveLength(9)
    expect(requests.every((q) => q.headers.authorization === 'token tok')).toBe(true)

    const list = JSON.parse((await tm(['--json', 'list'])).stdout) as {
      tasks: { id: string; status: string; lease: { holder: string; token: number } | null }[]
    }
    const mine = (tasks: typeof list.tasks) =>
      tasks
        .map((t) => [t.id, t.status, t.lease ? `${t.lease.holder}#${t.lease.token}` : null])
        .sort()
    expect(mine(list.tasks)).toEqual(mine(server.tasks))
  })

  it('refuses a database with tasks (exit 4, nothing fetched), replaces with --force, prints a summary', async () => {
    expect((await tm(['rebuild', '--github', REPO, '--api-url', url, '--token', 'tok'])).code).toBe(
      0,
    )
    requests.length = 0
    const again = await tm(['rebuild', '--github', REPO], {
      GITHUB_TOKEN: 'tok',
      GITHUB_API_URL: url,
    })
    expect(again.code).toBe(4)
    expect(again.stderr).toContain(`The database already has 15 task(s), 15 of them from ${REPO}`)
    expect(again.stderr).toContain('--force')
    expect(requests).toHaveLength(0)

    const forced = await tm(['rebuild', '--github', REPO, '--force'], {
      GH_TOKEN: 'tok',
      GITHUB_API_URL: url,
    })
    expect(forced.code).toBe(0)
    expect(forced.stdout).toMatch(
      new RegExp(
        `^Rebuilt ${REPO} from GitHub: 12 tasks \\(5 blocked, 1 cancelled, 3 completed, 1 failed, 2 in progress, 3 pending\\), 3 tracked issues, 5 dependencies, 2 leases restarted, 15 replaced; 2 items skipped; 1 unanswered command comment; 9 API requests in \\d+\\.\\d s\\.`,
      ),
    )
    expect(forced.stdout).toContain('Leases restarted (fresh TTL):')
    expect(forced.stdout).toMatch(/Codertocat\/Hello-World#10\s+dave\s+2\s/)
    expect(forced.stdout).toContain('would close the cycle')
    expect(forced.stdout).toMatch(/\d+\s+#3\s+hank\s/)
  })

  it('says what is wrong: no token, not a repository, a refused token, an unknown repository', async () => {
    const noToken = await tm(['--json', 'rebuild', '--github', REPO, '--api-url', url])
    expect(noToken.code).toBe(2)
    expect(JSON.parse(noToken.stdout).error.message).toContain('A GitHub token is needed')
    const badRepo = await tm(['rebuild', '--github', 'just-a-name', '--token', 't'])
    expect(badRepo.code).toBe(2)
    expect(badRepo.stderr).toContain('"just-a-name" is not a repository; write owner/repo')
    expect(requests).toHaveLength(0)

    refuse = 401
    const refused = await tm(['rebuild', '--github', REPO, '--api-url', url, '--token', 'bad'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('GitHub answered HTTP 401')
    expect(refused.stderr).toContain('the token was refused')
    refuse = 404
    const unknown = await tm(['rebuild', '--github', REPO, '--api-url', url, '--token', 't'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain(`${REPO} was not found at ${url}`)
    // Nothing was written.
    expect((await tm(['--json', 'list'])).stdout).toContain('"tasks": []')
  })
})
