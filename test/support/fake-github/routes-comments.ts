/**
 * Issue comments of the fake GitHub: list one issue's (`since`, pages),
 * list the repository's (`since`, `sort`, `direction`), create, get, edit,
 * delete, and reactions to a comment. Creating emits
 * `issue_comment.created`, editing `issue_comment.edited` with
 * `changes.body.from`, deleting `issue_comment.deleted`.
 *
 * `since` keeps comments *updated* at or after the time, as GitHub does; an
 * agent that polls with `since` sees a comment edited after it was posted.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import type { FakeComment } from './model.js'
import { byTime, type Call, issueOf, notFound, page, type Route, since } from './route-kit.js'
import { commentJson, issueJson, userJson } from './shapes.js'

const R = '/repos/{owner}/{repo}/issues'

const byCreation = (a: FakeComment, b: FakeComment) =>
  byTime(a.created_at, b.created_at) || a.id - b.id

function commentOf(call: Call): FakeComment | undefined {
  const id = Number(call.params.comment_id)
  return call.repo.comments.find((c) => c.id === id)
}

function issueFields(call: Call, comment: FakeComment) {
  const issue = call.repo.issues.get(comment.issue)
  return issue ? issueJson(call.state, call.repo, issue) : {}
}

export const commentRoutes: Record<string, Route> = {
  [`GET ${R}/{issue_number}/comments`]: (call) => {
    const issue = issueOf(call)
    if (!issue) return notFound()
    const after = since(call.query.get('since'))
    const list = call.repo.comments
      .filter((c) => c.issue === issue.number && after(c.updated_at))
      .sort(byCreation)
    return page(list, call, (c) => commentJson(call.state, call.repo, c))
  },
  [`POST ${R}/{issue_number}/comments`]: (call) => {
    const issue = issueOf(call)
    if (!issue) return notFound()
    const comment = call.state.addComment(
      call.repo,
      issue,
      String(call.body.body),
      call.actor.login,
    )
    const data = commentJson(call.state, call.repo, comment)
    call.emit('issue_comment.created', {
      issue: issueJson(call.state, call.repo, issue),
      comment: data,
    })
    return { status: 201, data }
  },
  [`GET ${R}/comments`]: (call) => {
    const after = since(call.query.get('since'))
    const list = call.repo.comments.filter((c) => after(c.updated_at))
    if (call.query.get('sort') === 'updated')
      list.sort((a, b) => byTime(a.updated_at, b.updated_at) || a.id - b.id)
    else list.sort(byCreation)
    if (call.query.get('direction') === 'desc') list.reverse()
    return page(list, call, (c) => commentJson(call.state, call.repo, c))
  },
  [`GET ${R}/comments/{comment_id}`]: (call) => {
    const c = commentOf(call)
    return c ? { status: 200, data: commentJson(call.state, call.repo, c) } : notFound()
  },
  [`PATCH ${R}/comments/{comment_id}`]: (call) => {
    const c = commentOf(call)
    if (!c) return notFound()
    const from = c.body
    c.body = String(call.body.body)
    c.updated_at = call.state.time()
    const data = commentJson(call.state, call.repo, c)
    if (from !== c.body)
      call.emit('issue_comment.edited', {
        issue: issueFields(call, c),
        comment: data,
        changes: { body: { from } },
      })
    return { status: 200, data }
  },
  [`DELETE ${R}/comments/{comment_id}`]: (call) => {
    const c = commentOf(call)
    if (!c) return notFound()
    call.repo.comments.splice(call.repo.comments.indexOf(c), 1)
    call.emit('issue_comment.deleted', {
      issue: issueFields(call, c),
      comment: commentJson(call.state, call.repo, c),
    })
    return { status: 204 }
  },
  [`POST ${R}/comments/{comment_id}/reactions`]: (call) => {
    if (!commentOf(call)) return notFound()
    return {
      status: 201,
      data: {
        id: call.state.id(),
        node_id: 'REA',
        user: userJson(call.state, call.actor.login),
        content: call.body.content,
        created_at: call.state.time(),
      },
    }
  },
}
