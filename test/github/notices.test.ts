/**
 * The app's notices that answer no comment, rendered in src/github
 * (issue 11): the lease-expiry notice (its `expire` marker and sentence) and
 * the gate's "reopened" notice; echoed text neutralised.
 */
import { describe, expect, it } from 'vitest'
import type { ExpiredLease } from '../../src/core/leases.js'
import { expiryNotice, gateReopenedNotice } from '../../src/github/issue-replies.js'
import { readMarkers } from '../../src/github/markers.js'

const lease: ExpiredLease = {
  task: 'o/r#7',
  holder: 'ada',
  token: 3,
  expired_at: '2026-03-01T09:30:00.000Z',
  attempts: 1,
  status: 'pending',
}

describe('expiry notice', () => {
  it('carries an expire marker without a comment field, then the sentence', () => {
    const body = expiryNotice(lease, 3)
    expect(readMarkers(body)).toEqual([
      {
        command: 'expire',
        ok: true,
        task: 'o/r#7',
        token: 3,
        reason: null,
        holder: 'ada',
        expires_at: '2026-03-01T09:30:00.000Z',
      },
    ])
    expect(body).toContain('the task is back in the queue (attempt 1 of 3)')
    expect(body).toContain('your token is no longer valid')
  })

  it('says a failed task needs a person', () => {
    const body = expiryNotice({ ...lease, attempts: 3, status: 'failed' }, 3)
    expect(body).toContain('That was attempt 3 of 3: the task is **failed** and needs a person')
  })
})

describe('gate reopened notice', () => {
  it('lists what is missing, neutralised', () => {
    const body = gateReopenedNotice('@ada', ['criterion 1 <!-- x --> has no verdict'])
    expect(body).toContain(
      '↩️ Reopened: @ada closed this task, but its completion gate has not passed:',
    )
    expect(body).not.toContain('<!--')
  })
})
