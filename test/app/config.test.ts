import { describe, expect, it } from 'vitest'
import { taskOrchestrator } from '../../src/app/index.js'
import { FakeClock } from '../../src/core/clock.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'
import { useGitHubHarness } from '../support/github/hooks.js'
import { githubApi } from '../support/github/nock.js'
import { probotForTests, receive } from '../support/github/webhooks.js'
import {
  comment,
  issueRead,
  KNOWN_LABELS,
  makeApp,
  openedTask,
  permission,
  R,
  seedTask,
} from './helpers.js'

useGitHubHarness()

const configFile = (yaml: string) => ({
  type: 'file',
  encoding: 'base64',
  size: yaml.length,
  name: 'task-orchestrator.yml',
  path: '.github/task-orchestrator.yml',
  content: Buffer.from(yaml).toString('base64'),
  sha: 'abc',
  url: '',
  git_url: null,
  html_url: null,
  download_url: null,
  _links: { self: '', git: null, html: null },
})

describe('repository config', () => {
  it('a broken config is reported on the issue that triggered it; the defaults stay in use', async () => {
    const { probot, rt } = await makeApp()
    rt.state.saveRepo('Codertocat/Hello-World', rt.now(), { labels: KNOWN_LABELS })
    githubApi()
      .get(`${R}/contents/.github%2Ftask-orchestrator.yml`)
      .reply(200, configFile('lease:\n  ttl: forever\n'))
    let report = ''
    githubApi()
      .get(`${R}/issues/70/sub_issues`)
      .query({ per_page: 100 })
      .reply(200, [])
      .post(`${R}/issues/70/comments`, (b) => {
        if (b.body.includes('configuration has an error')) report = b.body
        return true
      })
      .times(2)
      .reply(201, { id: 70 })
      .patch(`${R}/issues/70`)
      .reply(200, {})
    permission('Codertocat', 'admin')
    await receive(probot, 'issues.opened', openedTask(70, 'body'))
    expect(report).toContain('lease.ttl')
    expect(rt.engine.get('Codertocat/Hello-World#70').status).toBe('pending')
  })

  it('lease settings and listed agents come from the config', async () => {
    const { probot, rt } = await makeApp()
    const id = seedTask(rt, 71)
    rt.state.saveRepo('Codertocat/Hello-World', rt.now(), { config: null })
    githubApi()
      .get(`${R}/contents/.github%2Ftask-orchestrator.yml`)
      .reply(
        200,
        configFile(
          'lease:\n  ttl: 10m\nagents:\n  - login: robo[bot]\n    personas: [implementer]\n',
        ),
      )
    githubApi()
      .post(`${R}/issues/comments/5071/reactions`)
      .reply(201, {})
      .patch(`${R}/issues/71`)
      .reply(200, {})
      .post(`${R}/issues/71/comments`)
      .reply(201, { id: 1 })
    const payload = comment(71, '/claim', 'robo[bot]')
    payload.sender.type = 'Bot'
    await receive(probot, 'issue_comment.created', payload)
    // A listed agent needs no permission lookup; the lease uses the configured TTL.
    expect(rt.engine.get(id).lease).toMatchObject({
      holder: 'robo[bot]',
      expires_at: '2026-03-01T09:10:00.000Z',
    })
  })
})

describe('GitHub Enterprise Server', () => {
  it('talks to the GHES API root and reads its issue URLs', async () => {
    const baseUrl = 'https://ghe.example.com/api/v3'
    const clock = new FakeClock('2026-03-01T09:00:00.000Z')
    const engine = new Engine(openStore(':memory:'), { clock })
    const app = taskOrchestrator({ engine, clock, timers: false, host: 'ghe.example.com' })
    const probot = await probotForTests(app, { baseUrl })
    const rt = app.runtime
    const a = seedTask(rt, 72)
    const b = seedTask(rt, 73)
    issueRead(72, '', { baseUrl }) // the body is read before the item is written into it
    githubApi({ baseUrl })
      .get(`${R}/collaborators/ada/permission`)
      .reply(200, { permission: 'write', role_name: 'write', user: { login: 'ada' } })
      .post(`${R}/issues/comments/5072/reactions`)
      .reply(201, {})
      .patch(`${R}/issues/72`, (p) => p.labels.includes('status: blocked'))
      .reply(200, {})
      .post(`${R}/issues/72/dependencies/blocked_by`, { issue_id: 1073 })
      .reply(201, {})
      .post(`${R}/issues/72/comments`)
      .reply(201, { id: 1 })
    await receive(
      probot,
      'issue_comment.created',
      comment(72, '/depends-on https://ghe.example.com/Codertocat/Hello-World/issues/73'),
    )
    expect(engine.show(a).depends_on).toEqual([b])
  })
})
