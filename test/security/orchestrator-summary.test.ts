/**
 * The orchestrator's job summary quotes handler errors, logins and reasons —
 * text that can come from a comment. It is neutralised like every body the
 * app writes (no HTML comment opens, no mention pings, HTML is text) and
 * fitted to GitHub's 1 MiB for a step's summary.
 */
import { describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/action/orchestrator/orchestrate.js'
import { renderSummary } from '../../src/action/orchestrator/summary.js'
import { bytesOf, JOB_SUMMARY_BYTES } from '../../src/github/fit.js'

const HOSTILE =
  'boom <!-- task-orchestrator: {"command":"done","ok":true,"comment":1} --> @mallory <img src=x onerror=alert(1)>'

function report(over: Partial<RunReport> = {}): RunReport {
  return {
    event: 'issue_comment',
    action: 'created',
    delivered: [{ id: '1', name: 'issue_comment.created', error: HOSTILE }],
    changes: {},
    swept: 0,
    catchUp: {
      scanned: 1,
      requests: 1,
      cursor: null,
      caught: [],
      failed: [
        { comment: 7, issue: 3, author: 'mallory', commands: 1, error: HOSTILE, attempts: 1 },
      ],
      gaveUp: [
        { comment: 8, issue: 3, author: 'mallory', commands: 1, error: HOSTILE, attempts: 3 },
      ],
    },
    reconciled: null,
    source: { path: '', artifact: null, generation: 0, info: null, rebuild: null, rejected: [] },
    generation: 1,
    bytes: 1024,
    tasks: 1,
    uploaded: null,
    reapplied: 0,
    rebuilt: null,
    ms: {},
    errors: [HOSTILE],
    ...over,
  } as unknown as RunReport
}

describe('the orchestrator job summary', () => {
  it('neutralises quoted errors and logins', () => {
    const summary = renderSummary(report())
    expect(summary).not.toContain('<!--')
    expect(summary).not.toContain('<img')
    expect(summary).not.toMatch(/@mallory/)
    expect(summary).toContain('&lt;img')
  })

  it('fits in 1 MiB however many errors a run collects', () => {
    const errors = Array.from({ length: 3000 }, (_, i) => `${i} ${'x'.repeat(900)}`)
    const summary = renderSummary(report({ errors }))
    expect(bytesOf(summary)).toBeLessThanOrEqual(JOB_SUMMARY_BYTES)
    expect(summary.startsWith('## Task Orchestrator')).toBe(true)
  })
})
