import { describe, expect, it } from 'vitest'
import {
  formatIssueReference,
  type IssueRef,
  isSameRepository,
  parseIssueReference,
} from '../../src/github/references.js'

const ctx = { owner: 'octo-org', repo: 'backlog' }
const ghes = { ...ctx, host: 'ghe.corp.example' }

describe('parseIssueReference', () => {
  it('reads #N in the context repository', () => {
    expect(parseIssueReference('#12', ctx)).toEqual({
      owner: 'octo-org',
      repo: 'backlog',
      number: 12,
    })
    expect(parseIssueReference('  #7 ', ctx)).toEqual({
      owner: 'octo-org',
      repo: 'backlog',
      number: 7,
    })
  })

  it('reads owner/repo#N', () => {
    expect(parseIssueReference('octocat/hello-world#7', ctx)).toEqual({
      owner: 'octocat',
      repo: 'hello-world',
      number: 7,
    })
    expect(parseIssueReference('my_org-x/some.repo_v2#1', ctx)).toEqual({
      owner: 'my_org-x',
      repo: 'some.repo_v2',
      number: 1,
    })
  })

  it('reads github.com issue URLs, with or without www, trailing slash, query or fragment', () => {
    const want = { owner: 'octocat', repo: 'hello-world', number: 42 }
    for (const url of [
      'https://github.com/octocat/hello-world/issues/42',
      'https://www.github.com/octocat/hello-world/issues/42',
      'http://github.com/octocat/hello-world/issues/42',
      'https://GitHub.com/octocat/hello-world/issues/42/',
      'https://github.com/octocat/hello-world/issues/42#issuecomment-1234',
      'https://github.com/octocat/hello-world/issues/42?q=1',
      '<https://github.com/octocat/hello-world/issues/42>',
    ]) {
      expect(parseIssueReference(url, ctx), url).toEqual(want)
    }
  })

  it('reads URLs on the GitHub Enterprise Server host of the context, however the host is given', () => {
    const want = { owner: 'team', repo: 'app', number: 3 }
    expect(parseIssueReference('https://ghe.corp.example/team/app/issues/3', ghes)).toEqual(want)
    expect(
      parseIssueReference('https://ghe.corp.example/team/app/issues/3', {
        ...ctx,
        host: 'https://GHE.corp.example/',
      }),
    ).toEqual(want)
    expect(
      parseIssueReference('http://ghe.corp.example:8080/team/app/issues/3', {
        ...ctx,
        host: 'ghe.corp.example:8080',
      }),
    ).toEqual(want)
    // github.com stays accepted next to the enterprise host.
    expect(parseIssueReference('https://github.com/team/app/issues/3', ghes)).toEqual(want)
  })

  it('refuses other hosts, and a GHES URL when no host is configured', () => {
    expect(parseIssueReference('https://ghe.corp.example/team/app/issues/3', ctx)).toBeNull()
    expect(parseIssueReference('https://gitlab.com/team/app/issues/3', ghes)).toBeNull()
    expect(parseIssueReference('https://github.com.evil.example/team/app/issues/3', ctx)).toBeNull()
    expect(parseIssueReference('https://user:pw@github.com/team/app/issues/3', ctx)).toBeNull()
    expect(parseIssueReference('ftp://github.com/team/app/issues/3', ctx)).toBeNull()
  })

  it('refuses pull requests and other pages', () => {
    for (const url of [
      'https://github.com/octocat/hello-world/pull/42',
      'https://github.com/octocat/hello-world/issues',
      'https://github.com/octocat/hello-world/issues/42/events',
      'https://github.com/octocat/hello-world',
      'https://github.com/octocat/hello-world/discussions/42',
    ]) {
      expect(parseIssueReference(url, ctx), url).toBeNull()
    }
  })

  it('refuses everything that is not a reference', () => {
    for (const text of [
      '',
      '#',
      '#0',
      '#012',
      '#12a',
      '# 12',
      '12',
      'GH-12',
      'owner/repo',
      'owner/repo#',
      'owner/repo#x',
      'owner/#3',
      '/repo#3',
      'a/b/c#3',
      'owner/..#3',
      '-owner/repo#3',
      'owner/re po#3',
      '#12 #13',
      'see #12',
      `#${'9'.repeat(20)}`,
    ]) {
      expect(parseIssueReference(text, ctx), text).toBeNull()
    }
  })
})

describe('formatIssueReference', () => {
  it('writes #N in the same repository (case-insensitively) and owner/repo#N elsewhere', () => {
    expect(formatIssueReference({ owner: 'octo-org', repo: 'backlog', number: 12 }, ctx)).toBe(
      '#12',
    )
    expect(formatIssueReference({ owner: 'Octo-Org', repo: 'Backlog', number: 12 }, ctx)).toBe(
      '#12',
    )
    expect(formatIssueReference({ owner: 'octocat', repo: 'api', number: 7 }, ctx)).toBe(
      'octocat/api#7',
    )
    expect(formatIssueReference({ owner: 'octo-org', repo: 'backlog', number: 12 })).toBe(
      'octo-org/backlog#12',
    )
  })

  it('round-trips through parseIssueReference', () => {
    const refs: IssueRef[] = [
      { owner: 'octo-org', repo: 'backlog', number: 1 },
      { owner: 'octocat', repo: 'hello.world', number: 99999 },
    ]
    for (const ref of refs) {
      expect(parseIssueReference(formatIssueReference(ref, ctx), ctx)).toEqual(ref)
      expect(parseIssueReference(formatIssueReference(ref), ctx)).toEqual(ref)
    }
  })

  it('compares repositories case-insensitively', () => {
    expect(isSameRepository({ owner: 'OCTO-ORG', repo: 'backlog', number: 1 }, ctx)).toBe(true)
    expect(isSameRepository({ owner: 'octo-org', repo: 'backlog2', number: 1 }, ctx)).toBe(false)
  })
})
