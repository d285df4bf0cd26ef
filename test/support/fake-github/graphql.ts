/**
 * The fake GitHub's GraphQL endpoint (`POST /graphql`): only the mutation
 * the app sends, `pinIssue` (the dashboard issue is pinned). Anything else
 * is answered with an error and listed in the fake's `problems`, so a test
 * sees what the fake does not model.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import type { FakeState } from './model.js'
import type { Json } from './route-kit.js'

/** GraphQL: `pinIssue(input: { issueId })` only; anything else is an error GitHub-style. */
export function graphql(state: FakeState, text: string, problems: string[]): Json {
  const { query = '', variables = {} } = (text ? JSON.parse(text) : {}) as {
    query?: string
    variables?: Json
  }
  if (/pinIssue/.test(query)) {
    const nodeId = String(variables.issueId ?? '')
    for (const repo of state.repositories.values()) {
      for (const issue of repo.issues.values()) {
        if (issue.node_id !== nodeId) continue
        repo.pinned.add(issue.number)
        return { data: { pinIssue: { issue: { number: issue.number } } } }
      }
    }
    return {
      data: null,
      errors: [{ message: `Could not resolve to a node with the global id of '${nodeId}'` }],
    }
  }
  const problem = `fake GitHub: GraphQL query not modelled: ${query.slice(0, 80)}`
  problems.push(problem)
  return { data: null, errors: [{ message: problem }] }
}
