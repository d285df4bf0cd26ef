/**
 * Every `uses:` of our Actions that the docs show names the published
 * repository and its major tag — `task-orchestrator/task-orchestrator@v1`
 * (the gate) or `task-orchestrator/task-orchestrator/orchestrator@v1` — or a
 * fork written as `<you>/task-orchestrator…@v1`, never a placeholder owner
 * nobody can resolve; and the docs say how to tag a fork.
 */
import { readFileSync } from 'node:fs'
import { glob } from 'tinyglobby'
import { describe, expect, it } from 'vitest'

const PUBLISHED = /^task-orchestrator\/task-orchestrator(\/orchestrator)?@v1$/
const FORK = /^<you>\/task-orchestrator(\/orchestrator)?@v1$/

describe('uses: in the docs', () => {
  it('names the published Actions (or a fork) everywhere', async () => {
    const files = await glob([
      'README.md',
      'docs/**/*.md',
      'docs/**/*.yml',
      'examples/**/*.{md,yml,yaml}',
      '.github/workflows/*.yml',
    ])
    const wrong: string[] = []
    let published = 0
    for (const file of files.sort()) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/<owner>\/task-orchestrator/.test(line)) wrong.push(`${file}:${i + 1}: <owner>`)
          for (const m of line.matchAll(/uses:\s*`?([^\s`'"]+)/g)) {
            const ref = m[1]!
            if (!/task-orchestrator/.test(ref)) continue
            if (PUBLISHED.test(ref)) published++
            else if (!FORK.test(ref)) wrong.push(`${file}:${i + 1}: ${ref}`)
          }
        })
    }
    expect(wrong).toEqual([])
    expect(published).toBeGreaterThanOrEqual(4)
  })

  it('tells a fork how to tag itself', () => {
    const gate = readFileSync('docs/gate.md', 'utf8')
    expect(gate).toContain('## Versions and forks')
    expect(gate).toContain('git tag v1 && git push --tags')
    expect(readFileSync('docs/actions-hosted.md', 'utf8')).toContain('gate.md#versions-and-forks')
  })
})
