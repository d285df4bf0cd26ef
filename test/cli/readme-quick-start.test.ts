/**
 * The README's first hour, run as a new user would: the Quick start block
 * (the fenced `sh` block after `<!-- quick-start -->`) runs verbatim, as one
 * `sh -e` script, in an empty folder with an installed-looking `tm` on PATH
 * (a wrapper named `tm` around this checkout's build/tm.cjs) and none of
 * TM_DB / TM_AGENT set. Every output the block promises in a `# → …`
 * comment is printed, and the refusal shown after it is what the same
 * block prints when its JUnit report holds a failing test.
 *
 * Also: the README leads through the three ways in, in order, and every
 * relative link of README.md and docs/*.md names a file (and heading) that
 * exists.
 */
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.js'

const README = readFileSync('README.md', 'utf8')
const TM = resolve('build/tm.cjs')

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/**
 * The body of the first fenced block after `marker` in `text` (its info
 * string, e.g. `sh`, must match `lang`; '' for a bare fence). Throws naming
 * the marker when there is none, so a README without it fails clearly.
 */
function blockAfter(text: string, marker: string, lang: string): string {
  const at = text.indexOf(marker)
  if (at < 0) throw new Error(`README.md has no ${marker} marker before its Quick start block`)
  const fence = /^```(\S*)\n([\s\S]*?)^```$/m.exec(text.slice(at))
  if (!fence) throw new Error(`no fenced block after ${marker} in README.md`)
  expect(fence[1], `the block after ${marker}`).toBe(lang)
  return fence[2]!
}

/** A new user's folder: empty, `tm` on PATH, no TM_DB or TM_AGENT. */
function userFolder(prefix: string): { cwd: string; env: NodeJS.ProcessEnv } {
  const root = tempDir(prefix)
  dirs.push(root)
  const bin = join(root, 'bin')
  const cwd = join(root, 'work')
  mkdirSync(bin)
  mkdirSync(cwd)
  const wrapper = join(bin, 'tm')
  writeFileSync(wrapper, `#!/bin/sh\nexec '${process.execPath}' '${TM}' "$@"\n`)
  chmodSync(wrapper, 0o755)
  const { TM_DB: _db, TM_AGENT: _agent, ...env } = process.env
  return { cwd, env: { ...env, HOME: root, PATH: `${bin}:${process.env.PATH ?? ''}` } }
}

/** Run a shell script the way a user pastes it, stopping at the first failing command. */
function runScript(script: string, prefix: string) {
  const { cwd, env } = userFolder(prefix)
  const r = spawnSync('sh', ['-e', '-c', script], { cwd, env, encoding: 'utf8', timeout: 60_000 })
  return { ...r, cwd, env }
}

describe("the README's Quick start", () => {
  const block = blockAfter(README, '<!-- quick-start -->', 'sh')

  it('runs verbatim in an empty folder with tm on PATH, and prints what its comments promise', () => {
    const r = runScript(block, 'tm-quick-start-')
    expect(r.status, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0)
    expect(r.stderr).toBe('')
    // Each `# → text …` comment names output that the command before it prints.
    const promised = [...block.matchAll(/# → ([^…\n]+)/g)].map((m) => m[1]!.trim())
    expect(promised.length).toBeGreaterThanOrEqual(2)
    for (const text of promised) expect(r.stdout).toContain(text)
    // The last command completed the task that had measurable criteria, on the
    // report files the block itself wrote.
    const last = block.trim().split('\n').slice(-2).join(' ')
    expect(last).toMatch(/tm complete \S+ --token 1 --validate/)
    const id = /tm complete (\S+)/.exec(last)![1]!
    const show = spawnSync('tm', ['--json', 'show', id], {
      cwd: r.cwd,
      env: r.env,
      encoding: 'utf8',
    })
    expect(show.status, show.stderr).toBe(0)
    const task = JSON.parse(show.stdout).task
    expect(task.status).toBe('completed')
    expect(task.success_criteria.every((c: { measurable?: string }) => c.measurable)).toBe(true)
  })

  it('the refusal shown after it is what the same block prints with a failing test in its report', () => {
    const passing = '<testcase name="adds a task"/>'
    const failing =
      '<testcase name="adds a task"><failure message="expected 201, got 500"/></testcase>'
    expect(block).toContain(passing)
    const r = runScript(block.replace(passing, failing), 'tm-quick-start-fail-')
    expect(r.status, r.stderr).toBe(5)
    const shown = blockAfter(README.slice(README.indexOf(block)), 'exit code 5', '')
    expect(r.stderr.trim()).toBe(shown.trim())
  })
})

it('the README leads through the three ways in, in order, with what each needs', () => {
  const headings = [...README.matchAll(/^## (.*)$/gm)].map((m) => m[1]!)
  const way = (n: number) => headings.findIndex((h) => h.startsWith(`${n}. `))
  expect(
    [way(1), way(2), way(3)].every((i) => i >= 0),
    headings.join('\n'),
  ).toBe(true)
  expect(way(1)).toBeLessThan(way(2))
  expect(way(2)).toBeLessThan(way(3))
  const section = (n: number) => {
    const start = README.indexOf(`## ${headings[way(n)]}`)
    const next = README.indexOf('\n## ', start + 3)
    return README.slice(start, next < 0 ? undefined : next)
  }
  // 1: the package's own bins, from a tarball (the registry's name is not ours yet).
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
  expect(section(1)).toContain('npm pack')
  expect(section(1)).toContain(`npm install -g ./${pkg.name}-*.tgz`)
  expect(section(1)).toContain('<!-- quick-start -->')
  // 2: the workflow to copy and the published Action names.
  expect(section(2)).toContain('](.github/workflows/task-orchestrator.yml)')
  expect(section(2)).toContain('](docs/actions-hosted.md)')
  expect(section(2)).toContain('uses: task-orchestrator/task-orchestrator/orchestrator@v1')
  expect(section(2)).toContain('uses: task-orchestrator/task-orchestrator@v1')
  // 3: the server, with its deployment and registration docs.
  expect(section(3)).toContain('](docs/deploy.md)')
  expect(section(3)).toContain('](docs/github-app.md)')
  expect(section(3)).toContain(Object.keys(pkg.bin).find((b) => b !== 'tm'))
})

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')
}

it('every relative link in README.md and docs/*.md names a file and heading that exist', () => {
  const files = [
    'README.md',
    ...readdirSync('docs')
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ]
  const headings = new Map<string, Set<string>>()
  const anchorsOf = (file: string) => {
    if (!headings.has(file)) {
      const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```$/gm, '')
      headings.set(file, new Set([...text.matchAll(/^#+ (.*)$/gm)].map((m) => anchor(m[1]!))))
    }
    return headings.get(file)!
  }
  const broken: string[] = []
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue
      const [path, hash] = target!.split('#') as [string, string | undefined]
      const to = path ? join(dirname(file), path) : file
      if (!existsSync(to)) broken.push(`${file}: ${target} (no such file)`)
      else if (hash && to.endsWith('.md') && !anchorsOf(to).has(hash)) {
        broken.push(`${file}: ${target} (no such heading)`)
      }
    }
  }
  expect(broken).toEqual([])
})
