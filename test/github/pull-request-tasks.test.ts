import { describe, expect, it } from 'vitest'
import { tasksOfPullRequest } from '../../src/github/pull-request-tasks.js'

const ctx = { owner: 'o', repo: 'r' }
const nums = (refs: { owner: string; repo: string; number: number }[]) =>
  refs.map((r) => `${r.owner}/${r.repo}#${r.number}`)

describe('tasks of a pull request', () => {
  it('reads closing keywords, Task: lines and task/N branches', () => {
    const t = tasksOfPullRequest(
      {
        body: 'Fixes #12 and closes other/repo#7.\nTask: #3, #4\n\n```\ncloses #99\n```\n<!-- resolves #98 -->',
        head_ref: 'task/5-parser',
      },
      ctx,
    )
    expect(nums(t.closes)).toEqual(['o/r#12', 'other/repo#7'])
    expect(nums(t.tasks)).toEqual(['o/r#12', 'other/repo#7', 'o/r#3', 'o/r#4', 'o/r#5'])
  })

  it('names nothing when there is no reference', () => {
    expect(
      tasksOfPullRequest(
        { body: 'Refactor; see the fix in #12 discussion', head_ref: 'feature/x' },
        ctx,
      ),
    ).toEqual({
      closes: [],
      tasks: [],
    })
    expect(
      nums(tasksOfPullRequest({ body: 'RESOLVED: https://github.com/o/r/issues/8' }, ctx).closes),
    ).toEqual(['o/r#8'])
  })
})
