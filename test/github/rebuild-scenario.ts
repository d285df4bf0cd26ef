/**
 * The recorded scenario of the rebuild tests: the real app (an in-memory
 * engine, a fake clock, the Probot test instance) runs through a sequence of
 * events on a fake repository (`./rebuild-recorder.ts`) — issues opened with
 * bodies, criteria, dependencies and subtasks, claims, heartbeats, an expired
 * lease, completions, a manual block, failures, a closing as not planned, a
 * relabelling, a dependency cycle, a tracked issue closed, a pull request, a
 * comment whose delivery was lost. Afterwards the fake holds what GitHub
 * would hold, and the app's database what a server would hold.
 *
 * `test/fixtures/github/rebuild/` holds such recordings (see its README).
 */
import { makeApp } from '../app/helpers.js'
import { receive, type WebhookName } from '../support/github/webhooks.js'
import { FakeRepository, serveRepository } from './rebuild-recorder.js'

export const OWNER = 'Codertocat'
export const REPO = 'Hello-World'

/** The repository config of the scenario: a 45-minute lease TTL, 2 attempts. */
export const CONFIG = 'lease:\n  ttl: 45m\n  max_attempts: 2\n'

/** Run the scenario; returns the fake repository (still served until `served.stop()`) and the server app. */
export async function recordScenario() {
  const server = await makeApp()
  const { clock, probot, app } = server
  const fake = FakeRepository.create(clock, OWNER, REPO, CONFIG, ['task', 'bug'])
  const served = serveRepository(fake)
  fake.repo.permissions.set('maint', 'maintain')
  const minute = () => clock.advance(60_000)
  const deliver = async (name: WebhookName, payload: unknown) => {
    await receive(probot, name as never, payload as never)
    await app.flush()
    minute()
  }

  // Plain issues that tasks will name: a vendor bug, a note, a native sub-issue.
  fake.open(9, 'Vendor bug', 'Upstream crash.', [], 'vendor')
  fake.open(15, 'Write a changelog note', 'Short.', [])
  fake.open(16, 'Benchmark the migration', 'Native sub-issue of #4.', [])
  fake.issue(16).parent = 4

  await deliver(
    'issues.opened',
    fake.open(
      1,
      'Design the schema',
      '### Priority\n\nhigh\n\n### Success criteria\n\n- [ ] Schema reviewed by a maintainer\n',
      ['task'],
    ),
  )
  await deliver(
    'issues.opened',
    fake.open(
      2,
      'Build the API',
      '### Depends on\n\n- [ ] #1\n\n### Success criteria\n\n- [ ] All tests pass `tests.failed == 0 && tests.total > 0`\n- [ ] Coverage `coverage.lines >= 80`\n',
      ['task'],
    ),
  )
  await deliver(
    'issues.opened',
    fake.open(3, 'Write the docs', '### Depends on\n\n- [ ] #1\n- [ ] #2 the API\n', [
      'task',
      'persona: writer',
    ]),
  )
  await deliver('issues.opened', fake.open(5, 'Migration script', 'Move the data.', ['task']))
  await deliver(
    'issues.opened',
    fake.open(4, 'Data epic', '### Subtasks\n\n- [ ] #5\n- [ ] #15\n', ['task']),
  )
  // A dependency cycle: the second edge is refused (the app says so on #7).
  await deliver('issues.opened', fake.open(6, 'Cycle A', '### Depends on\n\n- [ ] #7\n', ['task']))
  await deliver('issues.opened', fake.open(7, 'Cycle B', '### Depends on\n\n- [ ] #6\n', ['task']))
  // A task waiting for a plain issue, which is then closed as completed.
  await deliver(
    'issues.opened',
    fake.open(8, 'Use the vendor fix', '### Depends on\n\n- [ ] #9\n', ['task']),
  )
  await deliver('issues.closed', fake.close(9, 'completed', 'vendor'))
  for (const [n, title] of [
    [10, 'Flaky job'],
    [11, 'Legal review'],
    [12, 'Old idea'],
    [14, 'Reproduce the crash'],
  ] as const) {
    await deliver('issues.opened', fake.open(n, title, `About ${title.toLowerCase()}.`, ['task']))
  }

  // #1: claimed, its manual criterion ticked by a maintainer, done.
  await deliver('issue_comment.created', fake.comment(1, '/claim', 'ada'))
  await deliver(
    'issues.edited',
    fake.edit(1, (fake.issue(1).body ?? '').replace('- [ ] Schema', '- [x] Schema')),
  )
  await deliver('issue_comment.created', fake.comment(1, '/done tables ready', 'ada'))

  // #10: a lease that expires (attempt 1 of 2), then a second holder (token 2).
  await deliver('issue_comment.created', fake.comment(10, '/claim', 'carl'))
  clock.advance(46 * 60_000)
  await app.sweep()
  await app.flush()
  await deliver('issue_comment.created', fake.comment(10, '/claim', 'dave'))

  // #2: claimed and kept alive.
  await deliver('issue_comment.created', fake.comment(2, '/claim', 'grace'))
  await deliver('issue_comment.created', fake.comment(2, '/heartbeat', 'grace'))
  await deliver('issue_comment.created', fake.comment(2, 'Looks good so far.', 'maint'))

  // #11 blocked by hand; #12 closed as not planned; #3 relabelled from medium to critical.
  await deliver(
    'issue_comment.created',
    fake.comment(11, '/block waiting for the legal team', 'bob'),
  )
  await deliver('issues.closed', fake.close(12, 'not_planned'))
  await deliver('issues.labeled', fake.relabel(3, 'priority: medium', 'priority: critical'))

  // #14: two failures exhaust its attempts.
  await deliver('issue_comment.created', fake.comment(14, '/claim', 'eve'))
  await deliver('issue_comment.created', fake.comment(14, '/fail cannot reproduce', 'eve'))
  await deliver('issue_comment.created', fake.comment(14, '/claim', 'eve'))
  await deliver('issue_comment.created', fake.comment(14, '/fail still broken', 'eve'))

  // #5 (a subtask of #4) done quickly.
  await deliver('issue_comment.created', fake.comment(5, '/claim', 'frank'))
  await deliver('issue_comment.created', fake.comment(5, '/done moved', 'frank'))

  // A pull request with the task label, and a command on it (not the app's business).
  fake.openPullRequest(13, 'API implementation', ['task'])
  await deliver('issue_comment.created', fake.comment(13, '/claim', 'ada'))
  // A command whose delivery was lost (a cancelled run): on GitHub, never handled.
  fake.comment(3, '/status', 'hank')
  minute()
  return { fake, served, server }
}
