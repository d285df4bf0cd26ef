/**
 * docs/github-app.md says what app.yml asks for: its permissions and events
 * tables list exactly the manifest's permissions (with their access) and
 * events, none of them as a future feature, and setting up a repository
 * includes the CI gate that `/done` needs for measurable criteria.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const manifest = parse(readFileSync('app.yml', 'utf8')) as {
  default_permissions: Record<string, string>
  default_events: string[]
}
const doc = readFileSync('docs/github-app.md', 'utf8')

/** The text of the section under `heading` (up to the next heading of any level). */
function section(heading: string): string {
  const start = doc.indexOf(`\n${heading}\n`)
  expect(start, `docs/github-app.md has "${heading}"`).toBeGreaterThanOrEqual(0)
  const rest = doc.slice(start + heading.length + 2)
  const end = rest.search(/\n#{2,3} /)
  return end < 0 ? rest : rest.slice(0, end)
}

/** Rows of the Markdown tables in `text` as cells, header and rule rows left out. */
function rows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    )
    .filter((cells) => !['permission', 'event'].includes(cells[0]!))
}

describe('docs/github-app.md', () => {
  const permissionsAndEvents = section('### Permissions and events')
  const table = rows(permissionsAndEvents)

  it('lists every event app.yml subscribes to, and no other', () => {
    const events = table.filter((r) => /^`\w+`$/.test(r[0]!)).map((r) => r[0]!.slice(1, -1))
    expect(events.sort()).toEqual([...manifest.default_events].sort())
  })

  it('lists every permission app.yml asks for, with its access', () => {
    const permissions = Object.fromEntries(
      table
        .filter((r) => !r[0]!.startsWith('`'))
        .map((r) => [r[0]!.toLowerCase().replace(/ /g, '_'), r[1]]),
    )
    expect(permissions).toEqual(manifest.default_permissions)
  })

  it('describes the gate that ships, not a future release', () => {
    expect(permissionsAndEvents).not.toMatch(/next release/i)
  })

  it('sets up a repository with the CI gate that /done needs for measurable criteria', () => {
    const setup = section('## Setting up a repository')
    expect(setup).toContain('gate.md')
    expect(setup).toMatch(/measurable/)
    expect(setup).toContain('`/done`')
  })
})
