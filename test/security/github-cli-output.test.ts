/**
 * `tm --github` prints what anyone who can open an issue wrote: titles and
 * bodies come from GitHub, not from the local database. Text output must
 * show terminal escapes, bidirectional overrides and invisible characters
 * escaped, as for local tasks (src/cli/output.ts); `--json` stays exact.
 * The built `tm` in its own process, against the one fake GitHub over HTTP
 * with the real app in process.
 */

import { afterEach, beforeAll, expect, it } from 'vitest'
import { type AgentWorld, agentWorld, REPO } from '../e2e/agent-world.js'
import { tempDir } from '../helpers.js'
import { type FakeServer, listen } from '../support/fake-github/index.js'
import { loadGitHubDescription } from '../support/github/openapi.js'
import { runTm } from '../support/tm-github-process.js'

let world: AgentWorld | undefined
let server: FakeServer | undefined

beforeAll(() => {
  loadGitHubDescription()
})
afterEach(async () => {
  await server?.close()
  if (!world) return
  await world.fake.settled()
  world.close()
  expect(world.fake.problems).toEqual([])
  world = undefined
})

function tm(args: string[], env: Record<string, string>) {
  return runTm(tempDir('tm-github-hostile-'), args, env)
}

it('titles and bodies read from GitHub are shown escaped in text, exact in --json', async () => {
  world = await agentWorld({ tasks: 0 })
  server = await listen(world.fake)
  const title = 'Fix \x1b]0;pwned\x07 the \u202eparser\u200b'
  const body = 'line one\n\x1b[2Jcleared?\r\nline three'
  const { data } = await world.fake.send('maint', 'POST', `/repos/${REPO}/issues`, {
    title,
    body,
    labels: ['task'],
  })
  await world.fake.settled()
  await world.app.flush()
  await world.fake.settled()
  const id = `${REPO}#${(data as { number: number }).number}`
  const env = { GITHUB_API_URL: server.url, GITHUB_TOKEN: world.fake.tokenFor('agent-1') }

  for (const args of [['show', id], ['ready']]) {
    const r = await tm(['--github', REPO, ...args], env)
    expect(r.code, args.join(' ')).toBe(0)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is their absence
    expect(r.stdout, args.join(' ')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e\u200b]/)
    expect(r.stdout, args.join(' ')).toContain('Fix \\x1b]0;pwned\\x07 the \\u202eparser\\u200b')
  }
  const shown = await tm(['--github', REPO, 'show', id], env)
  expect(shown.stdout).toContain('  \\x1b[2Jcleared?\\r\n  line three')

  const json = await tm(['--github', REPO, '--json', 'show', id], env)
  expect(JSON.parse(json.stdout).task).toMatchObject({ title, description: body })
}, 60_000)
