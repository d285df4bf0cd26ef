/**
 * Webhook deliveries of the fake GitHub: the payload GitHub sends for a
 * change made through the fake, built on a real payload of
 * `@octokit/webhooks-examples` (objects patched key by key, so fields the
 * fake does not model keep their real shape) with the fake's issue, comment,
 * repository and sender, and the App's `installation`.
 *
 * The examples package has no `issues.closed` (a real `issues.reopened` is
 * turned into one, as test/github/rebuild-recorder.ts did) and no
 * `sub_issues` event (that payload is built from its documented fields).
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import { randomUUID } from 'node:crypto'
import { INSTALLATION, type WebhookName, webhookExample } from '../github/webhooks.js'
import type { FakeState } from './model.js'
import type { EmittedEvent, Json } from './route-kit.js'
import { repositoryJson, userJson } from './shapes.js'

/** One webhook delivery, as `probot.receive` takes it (`name` is the event without its action). */
export interface Delivery {
  /** `X-GitHub-Delivery`. */
  id: string
  /** `X-GitHub-Event`: `issue_comment`, `issues`, … */
  name: string
  payload: Json & { action?: string }
  /** Login of whoever made the change. */
  sender: string
}

/** Example variants that carry `installation` (a delivery to an App always has one). */
const VARIANT: Record<string, number> = { 'issue_comment.created': 3, 'issues.assigned': 2 }

/** The delivery GitHub makes for `event`, caused by `sender`. */
export function deliveryFor(state: FakeState, event: EmittedEvent, sender: string): Delivery {
  const [name = '', action = ''] = event.name.split('.')
  const common = {
    repository: repositoryJson(state, event.repo),
    sender: userJson(state, sender),
    installation: INSTALLATION,
  }
  let payload: Json
  if (name === 'sub_issues') {
    payload = { action, ...event.fields, ...common }
  } else {
    const template = (
      event.name === 'issues.closed' ? 'issues.reopened' : event.name
    ) as WebhookName
    payload = webhookExample(template, { ...event.fields, ...common } as never, {
      variant: VARIANT[event.name] ?? 0,
    }) as Json
    payload.action = action
    // Arrays and keys the example has but the change does not: drop what would contradict it.
    if (!('changes' in event.fields)) delete payload.changes
    if (!('label' in event.fields)) delete payload.label
    if (!('assignee' in event.fields)) delete payload.assignee
    const issue = event.fields.issue as Json | undefined
    if (issue && !('pull_request' in issue)) delete (payload.issue as Json).pull_request
  }
  return { id: randomUUID(), name, payload, sender }
}
