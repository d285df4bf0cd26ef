/**
 * app.yml, the GitHub App manifest: every webhook event the app subscribes to
 * is in `default_events`, each event's permission is granted, and the
 * permissions are exactly the least the app needs (docs/github-app.md).
 */
import { readFileSync } from 'node:fs'
import type { Probot } from 'probot'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { taskOrchestrator } from '../../src/app/index.js'
import { openStore } from '../../src/core/db/open.js'
import { Engine } from '../../src/core/engine.js'

interface Manifest {
  name?: string
  url?: string
  description?: string
  public?: boolean
  default_permissions?: Record<string, string>
  default_events?: string[]
  [key: string]: unknown
}

const manifest = parse(readFileSync('app.yml', 'utf8')) as Manifest

/** The permissions the app needs, and why (app.yml says the same in comments). */
const PERMISSIONS = {
  issues: 'write', // labels, assignees, state, bodies, comments, reactions, blocked_by
  metadata: 'read', // collaborator permission API
  contents: 'read', // .github/task-orchestrator.yml, the push event
  pull_requests: 'read', // the CI gate: pull_request events
  checks: 'read', // the CI gate: check_run events
}

/** Events subscribed for the CI gate before its handlers exist. */
const GATE_EVENTS = ['check_run', 'pull_request']

/** The permission GitHub requires before it delivers an event to an app. */
const EVENT_PERMISSION: Record<string, string> = {
  issues: 'issues',
  issue_comment: 'issues',
  push: 'contents',
  sub_issues: 'issues',
  check_run: 'checks',
  pull_request: 'pull_requests',
}

/** Manifest keys GitHub knows (the manifest parameters of its documentation). */
const MANIFEST_KEYS = [
  'name',
  'url',
  'hook_attributes',
  'redirect_url',
  'callback_urls',
  'setup_url',
  'description',
  'public',
  'default_events',
  'default_permissions',
  'request_oauth_on_install',
  'setup_on_update',
]

/** The webhook events the app's code subscribes to (`p.on(...)` in src/app/index.ts). */
function subscribedEvents(): string[] {
  const names: string[] = []
  const probot = {
    on: (event: string | string[]) => names.push(...[event].flat()),
    onAny: () => names.push('*'),
    log: { error() {}, info() {}, warn() {}, debug() {} },
  } as unknown as Probot
  const app = taskOrchestrator({ engine: new Engine(openStore(':memory:')), timers: false })
  app(probot, { cwd: process.cwd(), addHandler() {} })
  app.stop()
  return [...new Set(names.map((n) => n.split('.')[0] ?? n))].sort()
}

describe('app.yml', () => {
  const events = subscribedEvents()

  it('lists every event the app subscribes to', () => {
    expect(events).toEqual([
      'check_run',
      'issue_comment',
      'issues',
      'pull_request',
      'push',
      'sub_issues',
    ])
    for (const event of events) expect(manifest.default_events).toContain(event)
  })

  it('subscribes to nothing else, the events of the CI gate included', () => {
    expect([...(manifest.default_events ?? [])].sort()).toEqual(
      [...new Set([...events, ...GATE_EVENTS])].sort(),
    )
  })

  it('asks for exactly the documented permissions', () => {
    expect(manifest.default_permissions).toEqual(PERMISSIONS)
  })

  it('grants the permission each subscribed event needs', () => {
    for (const event of manifest.default_events ?? []) {
      const permission = EVENT_PERMISSION[event]
      expect(permission, `permission of the ${event} event`).toBeDefined()
      expect(manifest.default_permissions?.[permission!]).toMatch(/^(read|write)$/)
    }
  })

  it('is a complete manifest GitHub and Probot can use', () => {
    for (const key of Object.keys(manifest)) expect(MANIFEST_KEYS).toContain(key)
    expect(manifest.name).toBeTruthy()
    expect(manifest.url).toMatch(/^https:\/\//)
    expect(manifest.public).toBe(false)
    // Probot's setup page puts the manifest in a single-quoted HTML attribute.
    expect(JSON.stringify(manifest)).not.toContain("'")
  })
})
