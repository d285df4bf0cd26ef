/**
 * vitest wiring shared by the in-process orchestrator tests: GitHub's REST
 * description loaded once, a fresh fake repository and artifact service with
 * a fake clock before each test (the runner's environment pointed at it),
 * and after each test no request that broke the description or had no route.
 */
import { afterEach, beforeAll, beforeEach, expect } from 'vitest'
import { FakeClock } from '../../../../src/core/clock.js'
import { loadGitHubDescription } from '../../../support/github/openapi.js'
import { type FakeRepository, startFakeRepository } from './fake-repository.js'
import { commentPayload } from './payloads.js'
import { useFakeRunner } from './runs.js'

/** Set up each test's fake; `use` receives the new fake and clock before each test. */
export function useFakeRepository(use: (fake: FakeRepository, clock: FakeClock) => void): void {
  let fake: FakeRepository | undefined
  beforeAll(() => {
    loadGitHubDescription()
  })
  beforeEach(async () => {
    const clock = new FakeClock('2026-03-01T09:00:00.000Z')
    fake = await startFakeRepository({ now: () => new Date(clock.now()).toISOString() })
    useFakeRunner(fake)
    use(fake, clock)
  })
  afterEach(async () => {
    expect(fake?.problems).toEqual([])
    await fake?.close()
  })
}

/**
 * A person comments `body` on issue `number` a second after the last event;
 * returns the payload of its `issue_comment.created`.
 */
export function say(
  fake: FakeRepository,
  clock: FakeClock,
  number: number,
  body: string,
  login = 'ada',
) {
  clock.advance(1000)
  const c = fake.addComment(number, body, login)
  return commentPayload(number, c.id, body, login)
}
