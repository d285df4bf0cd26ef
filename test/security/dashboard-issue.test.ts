/**
 * The dashboard issue found again by its marker (a state that lost it, the
 * first run of the Actions-hosted mode): anyone may open an issue whose body
 * starts with `<!-- task-orchestrator: dashboard -->`. The app adopted the
 * first such issue the search returned — it then edited and pinned an issue
 * its opener controls (who can rewrite it between refreshes, or close it),
 * and agents' clients, which post `/next` only on an issue the app opened,
 * found no dashboard. Only an issue opened by a bot (the app's login when
 * known) is adopted. Through the real app with nock, as test/app/dashboard.
 */
import nock from 'nock'
import { expect, it } from 'vitest'
import { DASHBOARD_MARKER, DashboardState } from '../../src/app/dashboard.js'
import { makeApp, OWNER, R, REPO, seedTask } from '../app/helpers.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { GITHUB_API, githubApi } from '../support/github/nock.js'

useGitHubHarness()

const REPO_KEY = `${OWNER}/${REPO}`

it('an issue opened by a person that starts with the dashboard marker is not adopted; the app opens its own', async () => {
  const { app, rt } = await makeApp()
  seedTask(rt, 1)
  rt.state.saveRepo(REPO_KEY, rt.now(), { config: 'dashboard:\n  enabled: true\n' })
  new DashboardState(rt.engine.store).markDirty([REPO_KEY])
  const forged = (number: number) => ({
    number,
    node_id: `I_${number}`,
    body: `${DASHBOARD_MARKER}\n# Task board (mallory's)`,
    user: { login: 'mallory', type: 'User' },
  })
  githubApi()
    .get('/search/issues')
    .query(true)
    .reply(200, {
      total_count: 2,
      incomplete_results: false,
      items: [
        forged(7),
        { ...forged(8), pull_request: {}, user: { login: 'x[bot]', type: 'Bot' } },
      ],
    })
    .post(`${R}/issues`)
    .reply(201, { number: 50, node_id: 'I_50' })
  nock(GITHUB_API)
    .post('/graphql', (b) => b.variables.issueId === 'I_50')
    .reply(200, { data: { pinIssue: { issue: { number: 50 } } } })
  await app.flush()
  expect(new DashboardState(rt.engine.store).get(REPO_KEY)).toMatchObject({ number: 50 })
})
