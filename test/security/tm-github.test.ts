/**
 * `tm --github` with a hostile environment: a `gh` whose output is more
 * than a token, a token variable with a line break, and odd
 * `GITHUB_API_URL`s. The built `tm` in its own process; no request may be
 * sent, the token (or a password in the URL) must appear in no output, and
 * each is a usage error (exit 2) saying what to fix — never an internal
 * error with a stack trace.
 */

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.js'
import { runTm } from '../support/tm-github-process.js'

const SECRET = 'ghp_SECRET0123456789'
let dir = ''

beforeEach(() => {
  dir = tempDir('tm-github-sec-')
})

/** Run the built tm with `env` over a clean GitHub environment; nothing listens on port 9. */
async function tm(args: string[], env: Record<string, string>) {
  const run = await runTm(dir, args, { GITHUB_API_URL: 'http://127.0.0.1:9', ...env })
  return { code: run.code, out: run.stdout + run.stderr }
}

/** A `gh` on the PATH that prints `output` for `gh auth token`. */
function fakeGh(output: string): Record<string, string> {
  const bin = join(dir, 'bin')
  writeFileSync(join(dir, 'gh-output'), output)
  const script = join(bin, 'gh')
  mkdirSync(bin, { recursive: true })
  writeFileSync(script, `#!/bin/sh\ncat "${join(dir, 'gh-output')}"\n`)
  chmodSync(script, 0o755)
  return { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` }
}

const claim = ['--github', 'octo/api', 'claim', '12']

describe.skipIf(process.platform === 'win32')('tm --github: the token', () => {
  it('`gh auth token` printing a second line: refused, the token in no output', async () => {
    const env = fakeGh(`${SECRET}\nA new release of gh is available: 2.0 → 3.0\n`)
    for (const args of [claim, ['--json', ...claim]]) {
      const r = await tm(args, env)
      expect(r.code).toBe(2)
      expect(r.out).toContain('gh auth token')
      expect(r.out).not.toContain('SECRET')
    }
  })

  it('GITHUB_TOKEN or GH_TOKEN with a line break or a space: refused naming the variable, never showing it', async () => {
    for (const [name, value] of [
      ['GITHUB_TOKEN', `${SECRET}\nexport FOO=1`],
      ['GH_TOKEN', `${SECRET} ${SECRET}`],
      ['GITHUB_TOKEN', `${SECRET}\u001b[2J`],
    ] as const) {
      const r = await tm(['--json', ...claim], { [name]: value })
      expect(r.code).toBe(2)
      expect(JSON.parse(r.out.slice(0, r.out.lastIndexOf('}') + 1))).toMatchObject({
        ok: false,
        error: { code: 'InvalidInput', details: { source: name } },
      })
      expect(r.out).not.toContain('SECRET')
    }
  })
})

describe('tm --github: GITHUB_API_URL', () => {
  it('a user name and password in the URL: refused, the password in no output', async () => {
    const r = await tm(claim, {
      GITHUB_TOKEN: SECRET,
      GITHUB_API_URL: 'https://agent:hunter2@ghe.example.com/api/v3',
    })
    expect(r.code).toBe(2)
    expect(r.out).toContain('GITHUB_API_URL')
    expect(r.out).not.toContain('hunter2')
    expect(r.out).not.toContain('SECRET')
  })

  it('a URL that does not parse is a usage error, not an internal error', async () => {
    for (const url of ['https://ghe.exa mple.com/api/v3', 'http://[::1/api', 'https://%zz/api']) {
      const r = await tm(claim, { GITHUB_API_URL: url, GITHUB_TOKEN: '' })
      expect(r.code).toBe(2)
      expect(r.out).toContain('GITHUB_API_URL')
      expect(r.out).not.toContain('internal error')
    }
  })
})
