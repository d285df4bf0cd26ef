/**
 * Reading a repository for a rebuild, and writing it: pagination over more
 * than 100 issues, comments and labels with the documented request count,
 * pull requests skipped, unreadable references, GitHub errors, a database
 * that already has tasks (refused, or replaced with --force), and one
 * transaction (a failure leaves the database as it was).
 */
import { describe, expect, it } from 'vitest'
import { rebuildFromGitHub, rebuildSummary } from '../../src/app/rebuild/rebuild.js'
import { AppState } from '../../src/app/state.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi, recordedRequests } from '../support/github/nock.js'
import { probotForTests } from '../support/github/webhooks.js'
import { FakeRepository, serveRepository } from './rebuild-recorder.js'

useGitHubHarness()

const O = 'octo'
const R = 'board'
const id = (n: number) => `${O}/${R}#${n}`

async function client() {
  const probot = await probotForTests(() => {})
  return probot.auth(1)
}

function setup() {
  const clock = new FakeClock('2026-05-01T10:00:00.000Z')
  const fake = FakeRepository.create(clock, O, R, null, ['task'])
  const engine = new Engine(openStore(':memory:'), { clock })
  return { clock, fake, engine }
}

const count = (engine: Engine, table: string) =>
  engine.store.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)!.n

describe('reading a repository', () => {
  it('pages through 230 task issues, 150 comments and 122 labels: 1 + 3 + 2 + 2 requests, pull requests skipped', async () => {
    const { fake, engine } = setup()
    for (let n = 1; n <= 230; n++) {
      fake.open(n, `Task ${n}`, n > 1 ? `### Depends on\n\n- [ ] #${n - 1}\n` : '', [
        'task',
        n === 1 ? 'status: pending' : 'status: blocked',
      ])
    }
    fake.openPullRequest(231, 'A pull request with the task label', ['task'])
    for (let i = 0; i < 119; i++) fake.ensureLabel(`area: ${i}`) // 122 with task and two statuses
    for (let i = 0; i < 150; i++)
      fake.addComment(1 + (i % 230), `note ${i}`, { login: 'ada', type: 'User' })
    const served = serveRepository(fake)
    const from = recordedRequests.length
    const report = await rebuildFromGitHub(await client(), { owner: O, repo: R }, engine)
    served.stop()
    const paths = recordedRequests.slice(from).map((r) => r.path)
    expect(paths).toEqual([
      `/repos/${O}/${R}/contents/.github%2Ftask-orchestrator.yml`,
      `/repos/${O}/${R}/labels?per_page=100`,
      `/repos/${O}/${R}/issues?per_page=100&state=all&labels=task`,
      `/repos/${O}/${R}/issues/comments?per_page=100`,
      `/repos/${O}/${R}/labels?per_page=100&page=2`,
      `/repos/${O}/${R}/issues?per_page=100&state=all&labels=task&page=2`,
      `/repos/${O}/${R}/issues/comments?per_page=100&page=2`,
      `/repos/${O}/${R}/issues?per_page=100&state=all&labels=task&page=3`,
    ])
    expect(report.requests).toBe(8)
    expect(report).toMatchObject({ tasks: 230, pullRequests: 1, dependencies: 229 })
    expect(report.skipped).toEqual([
      expect.objectContaining({ item: id(231), reason: 'a pull request, not an issue; skipped' }),
    ])
    expect(count(engine, 'tasks')).toBe(230)
    expect(engine.get(id(1)).status).toBe('pending')
    expect(engine.get(id(230)).status).toBe('blocked')
    expect(new AppState(engine.store).repo(`${O}/${R}`).labels).toHaveLength(122)
    expect(rebuildSummary(report)).toMatch(
      /^Rebuilt octo\/board from GitHub: 230 tasks \(229 blocked, 1 pending\), 229 dependencies, 0 leases restarted; 1 item skipped; 8 API requests in \d+\.\d s\.$/,
    )
  })

  it('an issue a task names that GitHub will not show costs its one request and is skipped', async () => {
    const { fake, engine } = setup()
    fake.open(1, 'One', '### Depends on\n\n- [ ] #404\n- [ ] #2\n', ['task', 'status: blocked'])
    fake.open(2, 'A plain issue', '', [])
    const served = serveRepository(fake)
    const report = await rebuildFromGitHub(await client(), { owner: O, repo: R }, engine)
    served.stop()
    expect(report.requests).toBe(6)
    expect(report.tracked).toBe(1)
    expect(engine.show(id(1)).depends_on).toEqual([id(2)])
    expect(engine.get(id(2))).toMatchObject({ status: 'blocked', title: id(2) })
    expect(report.skipped.map((s) => s.reason)).toEqual([
      `${id(404)} could not be read on GitHub (deleted, private, or out of the token's reach); skipped`,
    ])
  })

  it('names tasks as GitHub spells the repository, whatever case it was asked for in', async () => {
    const { fake, engine } = setup()
    fake.open(1, 'One', '', ['task', 'status: pending'])
    const served = serveRepository(fake) // answers for any case of the name, as GitHub does
    const report = await rebuildFromGitHub(await client(), { owner: 'OCTO', repo: 'Board' }, engine)
    served.stop()
    expect(report.repository).toBe(`${O}/${R}`)
    expect(engine.list().map((t) => t.id)).toEqual([id(1)])
  })

  it("GitHub's refusal propagates and the database stays empty", async () => {
    const { engine } = setup()
    githubApi()
      .get(`/repos/${O}/${R}/contents/.github%2Ftask-orchestrator.yml`)
      .reply(401, { message: 'Bad credentials' })
    await expect(
      rebuildFromGitHub(await client(), { owner: O, repo: R }, engine),
    ).rejects.toMatchObject({ status: 401 })
    expect(count(engine, 'tasks')).toBe(0)
  })
})

describe('writing the rebuild', () => {
  it('refuses a database that has tasks (before any request), and replaces the repository’s tasks with replace', async () => {
    const { fake, engine } = setup()
    fake.open(1, 'One', '', ['task', 'status: pending'])
    fake.open(2, 'Two', '### Depends on\n\n- [ ] #1\n', ['task', 'status: blocked'])
    const local = engine.add({ title: 'A local task' })
    engine.add({ id: id(1), title: 'Stale copy of #1' })
    engine.add({ id: 'other/repo#5', title: 'Another repository', depends_on: [id(1)] })
    const from = recordedRequests.length
    const refused = await rebuildFromGitHub(await client(), { owner: O, repo: R }, engine).catch(
      (e) => e,
    )
    expect(refused).toMatchObject({
      code: 'Duplicate',
      details: { tasks: 3, repository_tasks: 1, repository: `${O}/${R}` },
    })
    expect(refused.message).toContain('pass --force')
    expect(recordedRequests.length).toBe(from)

    const served = serveRepository(fake)
    const report = await rebuildFromGitHub(await client(), { owner: O, repo: R }, engine, {
      replace: true,
    })
    served.stop()
    expect(report).toMatchObject({ replaced: 1, tasks: 2 })
    expect(engine.get(id(1)).title).toBe('One')
    expect(engine.get(local.id).title).toBe('A local task')
    // The other repository's task still depends on #1, now the rebuilt one.
    expect(engine.show('other/repo#5').depends_on).toEqual([id(1)])
    expect(engine.show(id(1)).dependents.sort()).toEqual([id(2), 'other/repo#5'].sort())
  })

  it('is one transaction: a failure while writing leaves the database as it was', async () => {
    const { fake, engine } = setup()
    fake.open(1, 'One', '', ['task'])
    class Failing extends AppState {
      override saveRepo(): void {
        throw new Error('disk full')
      }
    }
    const served = serveRepository(fake)
    await expect(
      rebuildFromGitHub(await client(), { owner: O, repo: R }, engine, {
        state: new Failing(engine.store),
      }),
    ).rejects.toThrow('disk full')
    served.stop()
    for (const table of ['tasks', 'gh_issues', 'events', 'gh_repos'])
      expect(count(engine, table)).toBe(0)
  })
})
