import { describe, expect, it } from 'vitest'
import { renderStatusComment } from '../../src/github/status-comment.js'
import { makeEngine } from '../helpers.js'

describe('status comment: collaboration lines', () => {
  it('shows the paused lease, participants, the open question, the progress bar and the approval state', () => {
    const { engine } = makeEngine()
    const t = engine.add({ title: 'Ship', requires_approval: true, milestone: 'v1' })
    engine.claim(t.id, 'ada')
    engine.join(t.id, 'grace', 'reviewer')
    engine.progress(t.id, 'ada', 50, 'half way')
    engine.ask(t.id, 'ada', 'lin', 'Which | endpoint?')
    const body = renderStatusComment({
      task: engine.show(t.id),
      dependencies: [],
      context: [],
      criteria: [],
      progress: { percent: 50, message: 'half way' },
      history: [],
    })
    expect(body).toContain('| State | 🟣 waiting for an answer — lease paused |')
    expect(body).toContain(
      '| Lease | paused since 2026-03-01 09:00 UTC; 30 min left once answered |',
    )
    expect(body).toContain('| Participants | @grace (reviewer) |')
    expect(body).toContain(
      '| Open question | @ada → @lin: Which \\| endpoint? — reply `/answer …` |',
    )
    expect(body).toContain('| Approval | ⏳ required: `/approve` by a maintainer |')
    expect(body).toContain('| Milestone | v1 |')
    expect(body).toContain('| Progress | ▓▓▓▓▓░░░░░ 50 % — half way |')
    expect(body).not.toContain('Lease expires')
    engine.approve(t.id, 'maint')
    expect(
      renderStatusComment({
        task: engine.show(t.id),
        dependencies: [],
        context: [],
        criteria: [],
        history: [],
      }),
    ).toContain('| Approval | ✅ approved by @maint 2026-03-01 09:00 UTC |')
  })
})
