/**
 * Which task(s) a run checks: the `task` input, else what the pull request
 * names (closing keywords, a `Task: #N` line, a `task/N-…` branch), else the
 * branch; and the inputs and environment the runner gives.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readEnvironment } from '../../src/action/gate/environment.js'
import {
  findTasks,
  parseTaskInput,
  type TaskClues,
  taskId,
} from '../../src/action/gate/find-tasks.js'
import { readInputs, splitPatterns } from '../../src/action/gate/inputs.js'
import { tempDir } from '../helpers.js'
import { webhookExample } from '../support/github/webhooks.js'

const repository = { owner: 'octo', repo: 'api' }
const clues = (patch: Partial<TaskClues>): TaskClues => ({
  override: '',
  pullRequest: null,
  refName: 'main',
  repository,
  ...patch,
})
const ids = (found: ReturnType<typeof findTasks>) => found.tasks.map(taskId)
const pr = (body: string, headRef = 'feature') => ({ body, headRef })

describe('findTasks', () => {
  it.each([
    ['Closes #12', ['octo/api#12']],
    ['fixes other/repo#7', ['other/repo#7']],
    ['Resolves: https://github.com/octo/api/issues/3', ['octo/api#3']],
    ['closed #1, fixed #2 and resolved #3', ['octo/api#1', 'octo/api#2', 'octo/api#3']],
    ['Task: #5', ['octo/api#5']],
    ['Work on the parser.\n\nTasks: #5, #6', ['octo/api#5', 'octo/api#6']],
    ['Closes #4\nTask: #4', ['octo/api#4']],
  ])('reads %j from the pull request body', (body, expected) => {
    const found = findTasks(clues({ pullRequest: pr(body) }))
    expect(found.source).toBe('pull request')
    expect(ids(found)).toEqual(expected)
  })

  it('reads a task/N-… head branch', () => {
    expect(ids(findTasks(clues({ pullRequest: pr('No keywords.', 'task/42-login-api') })))).toEqual(
      ['octo/api#42'],
    )
  })

  it('ignores references that do not close (mentions, code, HTML comments)', () => {
    const body = 'See #12.\n\n```\ncloses #99\n```\n<!-- fixes #98 -->\nprefixes #97'
    expect(findTasks(clues({ pullRequest: pr(body) }))).toEqual({ tasks: [], source: 'none' })
  })

  it('a real pull_request payload that names no task names none', () => {
    const payload = webhookExample('pull_request.opened')
    const found = findTasks(
      clues({ pullRequest: pr(payload.pull_request.body ?? '', payload.pull_request.head.ref) }),
    )
    expect(found).toEqual({ tasks: [], source: 'none' })
  })

  it('outside a pull request, a task/N branch names the task', () => {
    expect(findTasks(clues({ refName: 'task/9-docs' }))).toEqual({
      tasks: [{ owner: 'octo', repo: 'api', number: 9 }],
      source: 'branch',
    })
    expect(findTasks(clues({ refName: 'main' })).source).toBe('none')
  })

  it('the task input overrides the pull request', () => {
    const found = findTasks(clues({ override: '7, other/repo#8', pullRequest: pr('Closes #12') }))
    expect(found.source).toBe('input')
    expect(ids(found)).toEqual(['octo/api#7', 'other/repo#8'])
  })
})

describe('parseTaskInput', () => {
  it('reads numbers, #N, owner/repo#N and URLs (also on this GHES host), deduplicated', () => {
    const ghes = { ...repository, host: 'ghe.example.com' }
    expect(
      parseTaskInput('12 #12\nother/repo#3, https://ghe.example.com/octo/api/issues/4', ghes).map(
        taskId,
      ),
    ).toEqual(['octo/api#12', 'other/repo#3', 'octo/api#4'])
  })

  it('names a word that is not a reference', () => {
    expect(() => parseTaskInput('#12 login', repository)).toThrow(
      'Input `task`: "login" is not an issue reference; write 12, #12, owner/repo#12 or an issue URL.',
    )
  })
})

describe('inputs', () => {
  it('splits list inputs on lines and on commas outside braces', () => {
    expect(splitPatterns('a.xml, b.xml\n\n  reports/{unit,e2e}/*.xml  \n')).toEqual([
      'a.xml',
      'b.xml',
      'reports/{unit,e2e}/*.xml',
    ])
    expect(splitPatterns('')).toEqual([])
  })

  it('reads every input; context keeps its whitespace', () => {
    const values: Record<string, string> = {
      junit: 'a.xml',
      coverage: '',
      metrics: 'm.json\nn.yml',
      context: '  a:\n    b: 1\n',
      task: ' #3 ',
      token: 't',
    }
    const read = (name: string, options?: { trimWhitespace?: boolean }) =>
      options?.trimWhitespace === false ? values[name]! : values[name]!.trim()
    expect(readInputs(read)).toEqual({
      junit: ['a.xml'],
      coverage: [],
      metrics: ['m.json', 'n.yml'],
      context: '  a:\n    b: 1\n',
      task: '#3',
      token: 't',
    })
  })
})

describe('readEnvironment', () => {
  const eventFile = (payload: unknown) => {
    const file = join(tempDir('gate-env-'), 'event.json')
    writeFileSync(file, JSON.stringify(payload))
    return file
  }

  it('reads a pull_request run: the head commit, not the merge commit', () => {
    const payload = webhookExample('pull_request.opened')
    const env = readEnvironment({
      GITHUB_REPOSITORY: 'Codertocat/Hello-World',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventFile(payload),
      GITHUB_SHA: 'f'.repeat(40),
      GITHUB_RUN_ID: '77',
    })
    expect(env).toEqual({
      repository: { owner: 'Codertocat', repo: 'Hello-World' },
      apiUrl: 'https://api.github.com',
      serverUrl: 'https://github.com',
      eventName: 'pull_request',
      pullRequest: {
        number: 2,
        body: payload.pull_request.body,
        headRef: 'changes',
        headSha: payload.pull_request.head.sha,
      },
      sha: payload.pull_request.head.sha,
      refName: 'changes',
      runUrl: 'https://github.com/Codertocat/Hello-World/actions/runs/77',
    })
  })

  it('on GitHub Enterprise Server takes the API and web roots from the runner', () => {
    const env = readEnvironment({
      GITHUB_REPOSITORY: 'octo/api',
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_REF_NAME: 'task/3-x',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
      GITHUB_SERVER_URL: 'https://ghe.example.com',
    })
    expect(env).toMatchObject({
      repository: { owner: 'octo', repo: 'api', host: 'ghe.example.com' },
      apiUrl: 'https://ghe.example.com/api/v3',
      pullRequest: null,
      sha: 'a'.repeat(40),
      refName: 'task/3-x',
      runUrl: null,
    })
  })

  it('says which variable or file is wrong', () => {
    expect(() => readEnvironment({})).toThrow('GITHUB_REPOSITORY is not set')
    expect(() => readEnvironment({ GITHUB_REPOSITORY: 'octo/api' })).toThrow(
      'GITHUB_SHA is not set',
    )
    expect(() =>
      readEnvironment({
        GITHUB_REPOSITORY: 'octo/api',
        GITHUB_EVENT_PATH: '/nonexistent/event.json',
      }),
    ).toThrow('The event file /nonexistent/event.json (GITHUB_EVENT_PATH) cannot be read')
  })
})
