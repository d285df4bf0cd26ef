import { describe, expect, it } from 'vitest'
import {
  parseVerdictMarker,
  parseVerdictMarkers,
  renderVerdictMarker,
  VERDICT_CHECK_NAME,
  VERDICT_MARKER_PREFIX,
  type VerdictMarker,
  verdictPassed,
} from '../../src/github/verdict.js'

const verdict: VerdictMarker = {
  task: 'octo/api#12',
  digest: 'd'.repeat(64),
  sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
  results: [
    { index: 1, outcome: 'pass' },
    { index: 2, outcome: 'unconfirmed' },
  ],
}

describe('the verdict marker', () => {
  it('renders the documented format', () => {
    expect(VERDICT_CHECK_NAME).toBe('Task criteria')
    expect(renderVerdictMarker(verdict)).toBe(
      `<!-- task-orchestrator:verdict {"task":"octo/api#12","digest":"${'d'.repeat(64)}","sha":"ec26c3e57ca3a959ca5aad62de7213c562f8c821","results":[{"index":1,"outcome":"pass"},{"index":2,"outcome":"unconfirmed"}]} -->`,
    )
    expect(renderVerdictMarker(verdict).startsWith(VERDICT_MARKER_PREFIX)).toBe(true)
  })

  it('reads back what it renders, inside a check run summary', () => {
    const summary = `${renderVerdictMarker(verdict)}\n\n### ✅ octo/api#12\n\n| | # |\n`
    expect(parseVerdictMarker(summary)).toEqual(verdict)
    expect(parseVerdictMarkers(summary)).toEqual([verdict])
  })

  it('picks a task’s marker among several, case-insensitively', () => {
    const other = { ...verdict, task: 'octo/web#3' }
    const text = `${renderVerdictMarker(verdict)}\n${renderVerdictMarker(other)}`
    expect(parseVerdictMarker(text, 'Octo/Web#3')).toEqual(other)
    expect(parseVerdictMarker(text, 'octo/web#4')).toBeNull()
  })

  it('skips damaged or ill-shaped markers and drops unknown keys', () => {
    const json = (o: unknown) => `${VERDICT_MARKER_PREFIX}${JSON.stringify(o)} -->`
    expect(parseVerdictMarker(null)).toBeNull()
    expect(parseVerdictMarker('<!-- task-orchestrator:verdict {"task": -->')).toBeNull()
    expect(parseVerdictMarker(json({ ...verdict, digest: 'short' }))).toBeNull()
    expect(parseVerdictMarker(json({ ...verdict, sha: 'main' }))).toBeNull()
    expect(parseVerdictMarker(json({ ...verdict, task: '#12' }))).toBeNull()
    expect(
      parseVerdictMarker(json({ ...verdict, results: [{ index: 0, outcome: 'pass' }] })),
    ).toBeNull()
    expect(
      parseVerdictMarker(json({ ...verdict, results: [{ index: 1, outcome: 'maybe' }] })),
    ).toBeNull()
    expect(parseVerdictMarker(json({ ...verdict, extra: true }))).toEqual(verdict)
  })

  it('escapes < and > so the JSON cannot end the comment', () => {
    const marker = renderVerdictMarker({ ...verdict, task: 'a/b#1' })
    expect(marker.slice(0, -4)).not.toContain('>')
  })

  it('passed: no fail and no error (manual outcomes do not count)', () => {
    expect(verdictPassed(verdict)).toBe(true)
    expect(verdictPassed({ ...verdict, results: [{ index: 1, outcome: 'error' }] })).toBe(false)
    expect(verdictPassed({ ...verdict, results: [{ index: 1, outcome: 'fail' }] })).toBe(false)
  })
})
