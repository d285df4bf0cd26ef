/**
 * The Action's inputs (`action.yml`), as the runner passes them: each in an
 * `INPUT_<NAME>` environment variable, the default already applied.
 */

/** The inputs of the gate Action, read and split. */
export interface GateInputs {
  /** Globs or paths of JUnit XML reports → `tests.*`. */
  junit: string[]
  /** Globs or paths of coverage reports (istanbul summary, LCOV, Cobertura) → `coverage.*`. */
  coverage: string[]
  /** Globs or paths of JSON/YAML files → `metrics.*`. */
  metrics: string[]
  /** Inline YAML (or JSON) mapping merged into the context last; '' when not given. */
  context: string
  /** Task references overriding the pull request's (`12`, `#12`, `owner/repo#12`, URLs); ''. */
  task: string
  /** Token for the GitHub API. */
  token: string
}

/** Reads one input by name (`@actions/core`'s `getInput` has this shape). */
export type InputReader = (name: string, options?: { trimWhitespace?: boolean }) => string

/**
 * Read every input with `read` (normally `core.getInput`). `junit`,
 * `coverage` and `metrics` are lists ({@link splitPatterns}); `context` is
 * kept as written (YAML is whitespace-sensitive); the others are trimmed.
 */
export function readInputs(read: InputReader): GateInputs {
  return {
    junit: splitPatterns(read('junit')),
    coverage: splitPatterns(read('coverage')),
    metrics: splitPatterns(read('metrics')),
    context: read('context', { trimWhitespace: false }),
    task: read('task').trim(),
    token: read('token').trim(),
  }
}

/**
 * Split a list input into patterns: one per line, and on each line one per
 * comma outside `{…}` (so `reports/{unit,e2e}/*.xml` stays one glob). Blank
 * entries are dropped; each entry is trimmed.
 *
 * `"a.xml, b.xml\nreports/{x,y}/*.xml"` → `['a.xml', 'b.xml', 'reports/{x,y}/*.xml']`.
 */
export function splitPatterns(text: string): string[] {
  const out: string[] = []
  for (const line of text.split(/\r?\n/)) {
    let depth = 0
    let current = ''
    for (const c of line) {
      if (c === '{') depth++
      else if (c === '}' && depth > 0) depth--
      if (c === ',' && depth === 0) {
        out.push(current)
        current = ''
      } else current += c
    }
    out.push(current)
  }
  return out.map((p) => p.trim()).filter((p) => p !== '')
}
