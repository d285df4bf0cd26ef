import { describe, expect, it } from 'vitest'
import { parseIssueBody } from '../../src/github/issue-body.js'
import { addChecklistItems } from '../../src/github/issue-body-edit.js'

const ctx = { owner: 'o', repo: 'r' }

describe('adding dependency items', () => {
  it('appends after the last item and keeps everything else byte for byte', () => {
    const body =
      'Intro\r\n\r\n### Depends on\r\n\r\n- [x] #1\r\n- [ ] #2 the API\r\n\r\n### Notes\r\n\r\nkeep me\r\n'
    const out = addChecklistItems(body, 'dependsOn', ['#3'], ctx)
    expect(out).toBe(
      'Intro\r\n\r\n### Depends on\r\n\r\n- [x] #1\r\n- [ ] #2 the API\r\n- [ ] #3\r\n\r\n### Notes\r\n\r\nkeep me\r\n',
    )
    expect(parseIssueBody(out, ctx).dependsOn.map((d) => d.ref.number)).toEqual([1, 2, 3])
  })

  it('creates the section when the body has none', () => {
    expect(addChecklistItems('Just text.', 'dependsOn', ['#4', 'x/y#5'], ctx)).toBe(
      'Just text.\n\n### Depends on\n\n- [ ] #4\n- [ ] x/y#5\n',
    )
    expect(addChecklistItems('', 'dependsOn', ['#4'], ctx)).toBe('### Depends on\n\n- [ ] #4\n')
  })
})
