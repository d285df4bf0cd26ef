/**
 * Both action.yml files are ready for the Marketplace: a name, a description
 * under its 125-character limit, branding with a Feather icon and a colour
 * GitHub accepts, and a description for every input and output.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

interface ActionYml {
  name?: string
  description?: string
  author?: string
  branding?: { icon?: string; color?: string }
  inputs?: Record<string, { description?: string; default?: unknown; required?: boolean }>
  outputs?: Record<string, { description?: string }>
  runs?: { using?: string; main?: string }
}

// The colours of GitHub's metadata syntax (branding.color).
const COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']
// Feather icons checked against GitHub's list of allowed branding icons
// (the docs' metadata syntax page; SchemaStore's github-action.json).
const ICONS = ['check-square', 'check-circle', 'layers', 'git-pull-request', 'list', 'activity']

describe.each(['action.yml', 'orchestrator/action.yml'])('%s', (file) => {
  const yml = parse(readFileSync(file, 'utf8')) as ActionYml

  it('has a name, an author and a Marketplace description (< 125 characters)', () => {
    expect(yml.name?.trim()).toBeTruthy()
    expect(yml.author?.trim()).toBeTruthy()
    expect(yml.description?.trim()).toBeTruthy()
    expect(yml.description!.length).toBeLessThan(125)
  })

  it('has branding GitHub accepts', () => {
    expect(ICONS).toContain(yml.branding?.icon)
    expect(COLORS).toContain(yml.branding?.color)
  })

  it('describes every input and output', () => {
    const undescribed = [
      ...Object.entries(yml.inputs ?? {}).map(([k, v]) => [`input ${k}`, v?.description] as const),
      ...Object.entries(yml.outputs ?? {}).map(
        ([k, v]) => [`output ${k}`, v?.description] as const,
      ),
    ]
      .filter(([, d]) => !d || d.trim().length < 10)
      .map(([k]) => k)
    expect(undescribed).toEqual([])
    expect(Object.keys(yml.outputs ?? {}).length).toBeGreaterThan(0)
  })

  it('runs a committed bundle on node24', () => {
    expect(yml.runs?.using).toBe('node24')
    expect(existsSync(join(dirname(file), yml.runs!.main!))).toBe(true)
  })
})
