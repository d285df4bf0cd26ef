/**
 * Issues of the fake GitHub: list, create, get, update (title, body, state
 * and reason, labels, assignees), labels and assignees of one issue,
 * sub-issues and `blocked_by` dependencies. Each change emits the webhooks
 * GitHub sends for it (`issues.edited` with `changes`, `issues.closed` /
 * `reopened`, one `issues.labeled` / `unlabeled` per label, one
 * `issues.assigned` / `unassigned` per login, `sub_issues.sub_issue_added`).
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import { findLabel } from './model.js'
import {
  byTime,
  type Call,
  issueOf,
  type Json,
  notFound,
  page,
  type Route,
  since,
  validationFailed,
} from './route-kit.js'
import { issueJson, labelJson } from './shapes.js'

const R = '/repos/{owner}/{repo}/issues'

const names = (labels: unknown): string[] =>
  (Array.isArray(labels) ? labels : []).map((l) =>
    typeof l === 'string' ? l : String((l as { name?: unknown }).name ?? ''),
  )

/** Apply an update to an issue and emit its webhooks; returns the issue's JSON. */
function change(call: Call, number: number, b: Json) {
  const { state, repo } = call
  const issue = repo.issues.get(number)
  if (!issue) return notFound()
  const shape = () => issueJson(state, repo, issue)
  const changes: Json = {}
  if (typeof b.title === 'string' && b.title !== issue.title) {
    changes.title = { from: issue.title }
    issue.title = b.title
  }
  if ((typeof b.body === 'string' || b.body === null) && b.body !== issue.body) {
    changes.body = { from: issue.body ?? '' }
    issue.body = b.body as string | null
  }
  const before = { labels: issue.labels, assignees: issue.assignees }
  if (b.labels !== undefined) {
    issue.labels = [...new Set(names(b.labels).map((n) => state.ensureLabel(repo, n).name))]
  }
  if (Array.isArray(b.assignees)) issue.assignees = [...new Set(b.assignees.map(String))]
  let stateEvent: string | undefined
  if (b.state === 'closed' && issue.state === 'open') {
    Object.assign(issue, {
      state: 'closed',
      state_reason: (b.state_reason as string | undefined) ?? 'completed',
      closed_at: state.time(),
      closed_by: call.actor.login,
    })
    stateEvent = 'issues.closed'
  } else if (b.state === 'open' && issue.state === 'closed') {
    Object.assign(issue, { state: 'open', state_reason: 'reopened', closed_at: null })
    stateEvent = 'issues.reopened'
  } else if (typeof b.state_reason === 'string' && issue.state === 'closed') {
    issue.state_reason = b.state_reason
  }
  issue.updated_at = state.time()
  if (Object.keys(changes).length) call.emit('issues.edited', { issue: shape(), changes })
  for (const name of issue.labels.filter((l) => !before.labels.includes(l))) {
    call.emit('issues.labeled', { issue: shape(), label: labelJsonOf(call, name) })
  }
  for (const name of before.labels.filter((l) => !issue.labels.includes(l))) {
    call.emit('issues.unlabeled', { issue: shape(), label: labelJsonOf(call, name) })
  }
  for (const login of issue.assignees.filter((a) => !before.assignees.includes(a))) {
    call.emit('issues.assigned', { issue: shape(), assignee: call.state.user(login) })
  }
  for (const login of before.assignees.filter((a) => !issue.assignees.includes(a))) {
    call.emit('issues.unassigned', { issue: shape(), assignee: call.state.user(login) })
  }
  if (stateEvent) call.emit(stateEvent, { issue: shape() })
  return { status: 200, data: issueJson(state, repo, issue) }
}

function labelJsonOf(call: Call, name: string) {
  const label = findLabel(call.repo, name) ?? call.state.ensureLabel(call.repo, name)
  return labelJson(call.repo, label)
}

export const issueRoutes: Record<string, Route> = {
  [`GET ${R}`]: (call) => {
    const { query, repo } = call
    const state = query.get('state') ?? 'open'
    const labels = (query.get('labels') ?? '')
      .split(',')
      .map((l) => l.trim().toLowerCase())
      .filter(Boolean)
    const after = since(query.get('since'))
    const assignee = query.get('assignee')
    const sort = query.get('sort') ?? 'created'
    const desc = (query.get('direction') ?? 'desc') === 'desc'
    const key = sort === 'updated' ? 'updated_at' : 'created_at'
    const list = [...repo.issues.values()]
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => labels.every((l) => i.labels.some((x) => x.toLowerCase() === l)))
      .filter((i) => after(i.updated_at))
      .filter((i) => {
        if (assignee === null) return true
        if (assignee === '*') return i.assignees.length > 0
        if (assignee === 'none') return i.assignees.length === 0
        return i.assignees.includes(assignee)
      })
      .sort((a, b) => byTime(a[key], b[key]) || a.number - b.number)
    if (desc) list.reverse()
    return page(list, call, (i) => issueJson(call.state, repo, i))
  },
  [`POST ${R}`]: (call) => {
    const { body: b, repo, state } = call
    const issue = state.addIssue(repo, {
      title: String(b.title),
      body: typeof b.body === 'string' ? b.body : null,
      labels: names(b.labels),
      assignees: Array.isArray(b.assignees) ? b.assignees.map(String) : [],
      user: call.actor.login,
    })
    call.emit('issues.opened', { issue: issueJson(state, repo, issue) })
    return { status: 201, data: issueJson(state, repo, issue) }
  },
  [`GET ${R}/{issue_number}`]: (call) => {
    const issue = issueOf(call)
    return issue ? { status: 200, data: issueJson(call.state, call.repo, issue, true) } : notFound()
  },
  [`PATCH ${R}/{issue_number}`]: (call) =>
    change(call, Number(call.params.issue_number), call.body),
  [`POST ${R}/{issue_number}/labels`]: (call) => {
    const issue = issueOf(call)
    if (!issue) return notFound()
    const added = names(call.body.labels)
    const r = change(call, issue.number, { labels: [...issue.labels, ...added] })
    return r.status === 200 ? labelsOf(call) : r
  },
  [`PUT ${R}/{issue_number}/labels`]: (call) => {
    const issue = issueOf(call)
    if (!issue) return notFound()
    const r = change(call, issue.number, { labels: names(call.body.labels) })
    return r.status === 200 ? labelsOf(call) : r
  },
  [`DELETE ${R}/{issue_number}/labels/{name}`]: (call) => {
    const issue = issueOf(call)
    const name = (call.params.name ?? '').toLowerCase()
    const has = issue?.labels.some((l) => l.toLowerCase() === name)
    if (!issue || !has) return notFound()
    change(call, issue.number, { labels: issue.labels.filter((l) => l.toLowerCase() !== name) })
    return labelsOf(call)
  },
  [`POST ${R}/{issue_number}/assignees`]: (call) => {
    const issue = issueOf(call)
    if (!issue) return notFound()
    const add = Array.isArray(call.body.assignees) ? call.body.assignees.map(String) : []
    const r = change(call, issue.number, { assignees: [...issue.assignees, ...add] })
    return { ...r, status: r.status === 200 ? 201 : r.status }
  },
  [`DELETE ${R}/{issue_number}/assignees`]: (call) => {
    const issue = issueOf(call)
    if (!issue) return notFound()
    const drop = Array.isArray(call.body.assignees) ? call.body.assignees.map(String) : []
    return change(call, issue.number, {
      assignees: issue.assignees.filter((a) => !drop.includes(a)),
    })
  },
  [`GET ${R}/{issue_number}/sub_issues`]: (call) => {
    const issue = issueOf(call)
    if (!issue) return notFound()
    const children = [...call.repo.issues.values()].filter((c) => c.parent === issue.number)
    return page(children, call, (c) => issueJson(call.state, call.repo, c))
  },
  [`POST ${R}/{issue_number}/sub_issues`]: (call) => {
    const issue = issueOf(call)
    const child = [...call.repo.issues.values()].find(
      (i) => i.id === Number(call.body.sub_issue_id),
    )
    if (!issue || !child) return notFound()
    if (child.parent !== undefined && call.body.replace_parent !== true)
      return validationFailed('Issue', 'sub_issue_id', 'already_has_parent')
    child.parent = issue.number
    const shape = (i: typeof issue) => issueJson(call.state, call.repo, i)
    call.emit('sub_issues.sub_issue_added', {
      sub_issue_id: child.id,
      sub_issue: shape(child),
      parent_issue_id: issue.id,
      parent_issue: shape(issue),
    })
    return { status: 201, data: shape(issue) }
  },
  [`DELETE ${R}/{issue_number}/sub_issue`]: (call) => {
    const issue = issueOf(call)
    const child = [...call.repo.issues.values()].find(
      (i) => i.id === Number(call.body.sub_issue_id),
    )
    if (!issue || !child || child.parent !== issue.number) return notFound()
    delete child.parent
    const shape = (i: typeof issue) => issueJson(call.state, call.repo, i)
    call.emit('sub_issues.sub_issue_removed', {
      sub_issue_id: child.id,
      sub_issue: shape(child),
      parent_issue_id: issue.id,
      parent_issue: shape(issue),
    })
    return { status: 200, data: shape(issue) }
  },
  [`GET ${R}/{issue_number}/dependencies/blocked_by`]: (call) => {
    const issue = issueOf(call)
    if (!issue) return notFound()
    const blocking = [...call.repo.issues.values()].filter((i) => issue.blocked_by.includes(i.id))
    return page(blocking, call, (i) => issueJson(call.state, call.repo, i))
  },
  [`POST ${R}/{issue_number}/dependencies/blocked_by`]: (call) => {
    const issue = issueOf(call)
    const id = Number(call.body.issue_id)
    const blocking = [...call.repo.issues.values()].find((i) => i.id === id)
    if (!issue || !blocking) return notFound()
    if (issue.blocked_by.includes(id))
      return validationFailed('IssueDependency', 'issue_id', 'already_exists')
    issue.blocked_by.push(id)
    issue.updated_at = call.state.time()
    return { status: 201, data: issueJson(call.state, call.repo, blocking) }
  },
  [`DELETE ${R}/{issue_number}/dependencies/blocked_by/{issue_id}`]: (call) => {
    const issue = issueOf(call)
    const id = Number(call.params.issue_id)
    const blocking = [...call.repo.issues.values()].find((i) => i.id === id)
    if (!issue || !blocking || !issue.blocked_by.includes(id)) return notFound()
    issue.blocked_by = issue.blocked_by.filter((x) => x !== id)
    issue.updated_at = call.state.time()
    return { status: 200, data: issueJson(call.state, call.repo, blocking) }
  },
}

function labelsOf(call: Call) {
  const issue = issueOf(call)
  return {
    status: 200,
    data: (issue?.labels ?? []).map((n) => labelJsonOf(call, n)),
  }
}
