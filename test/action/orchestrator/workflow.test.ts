/**
 * The workflow template users copy (.github/workflows/task-orchestrator.yml):
 * the triggers the issue names, the concurrency group that queues instead of
 * cancelling, the least permissions, and no untrusted text in a shell.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const FILE = '.github/workflows/task-orchestrator.yml'
const workflow = parse(readFileSync(FILE, 'utf8')) as {
  on: Record<string, unknown>
  concurrency: unknown
  permissions: Record<string, string>
  jobs: Record<string, { steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }>
}

describe('the workflow template', () => {
  it('runs on issues, comments, pull requests, CI completion and a schedule', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(
      [
        'issue_comment',
        'issues',
        'pull_request',
        'schedule',
        'workflow_dispatch',
        'workflow_run',
      ].sort(),
    )
    expect(workflow.on.workflow_run).toMatchObject({ types: ['completed'] })
    expect(workflow.on.issue_comment).toEqual({ types: ['created'] })
  })

  it('queues runs in one concurrency group instead of cancelling them', () => {
    expect(workflow.concurrency).toEqual({ group: 'task-orchestrator', queue: 'max' })
  })

  it('asks for the least permissions', () => {
    expect(workflow.permissions).toEqual({
      issues: 'write',
      'pull-requests': 'read',
      checks: 'read',
      actions: 'read',
      contents: 'read',
    })
  })

  it('interpolates no untrusted text into a shell, and uses the orchestrator Action', () => {
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps)
    expect(steps.filter((s) => s.run !== undefined)).toEqual([])
    expect(readFileSync(FILE, 'utf8')).not.toMatch(/\$\{\{\s*github\.event/)
    expect(steps.map((s) => s.uses)).toContain('./orchestrator')
  })
})
