/** Webhook payloads for the fake repository's issues and comments (GitHub's examples, overridden). */
import { webhookExample } from '../../../support/github/webhooks.js'
import type { FakeRepository } from './fake-repository.js'

/** The `issues.opened` payload of the fake's issue `number`. */
export function openedPayload(fake: FakeRepository, number: number) {
  const issue = fake.issues.get(number)!
  return webhookExample('issues.opened', {
    issue: {
      number,
      id: issue.id,
      node_id: issue.node_id,
      title: issue.title,
      body: issue.body,
      state: 'open',
      labels: issue.labels.map((name, i) => ({
        id: i + 1,
        node_id: `L${i}`,
        url: '',
        name,
        color: 'ededed',
        default: false,
        description: null,
      })),
      assignees: [],
      updated_at: issue.updated_at,
    },
  }) as unknown as Record<string, unknown>
}

/** The `issue_comment.created` payload of comment `id` on issue `number`. */
export function commentPayload(number: number, id: number, body: string, login: string) {
  return webhookExample(
    'issue_comment.created',
    {
      issue: { number, id: 100_000 + number, pull_request: undefined },
      comment: { id, body, user: { login, type: 'User' } },
      sender: { login, type: 'User' },
    },
    { variant: 2 },
  ) as unknown as Record<string, unknown>
}
