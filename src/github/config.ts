/**
 * The repository configuration of the GitHub app, `.github/task-orchestrator.yml`
 * (DESIGN "On GitHub", "Configuration"): lease policy, label names, the agents
 * that may act without a repository permission, and the permission each
 * command needs. Validated with zod; every key has a default, unknown keys are
 * errors, and a bad file is refused with a message naming the file, the field,
 * its line and what was expected — never replaced by a silent default.
 *
 * This module reads files ({@link parseConfig}) and turns a configuration into
 * the engine's terms; the schema, the `Config` type derived from it and the
 * defaults are in `config-schema.ts`, the permission rules in
 * `config-rules.ts` (both re-exported here). The JSON Schema for editors
 * (`schema/task-orchestrator.schema.json`) is generated from the same zod
 * schema by `configJsonSchema`; the reference is `docs/config.md`.
 */
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml'
import type * as z from 'zod'
import { parseDuration } from '../core/duration.js'
import { TaskError } from '../core/errors.js'
import type { EngineSettings } from '../core/tasks.js'
import { type AgentConfig, type Config, configSchema, describeValue } from './config-schema.js'

export { DURATION_PATTERN } from '../core/duration.js'
export {
  COMMANDS,
  type CommandName,
  MANUAL_RULE_WHAT,
  MANUAL_RULES,
  type ManualRule,
  PERMISSION_RULES,
  type PermissionRule,
  REPO_PERMISSIONS,
  type RepoPermission,
} from './config-rules.js'
export {
  type AgentConfig,
  type CommandPermission,
  type Config,
  configJsonSchema,
  configSchema,
  DEFAULT_CONFIG,
} from './config-schema.js'

/** Where the app reads the configuration from, in the repository. */
export const CONFIG_PATH = '.github/task-orchestrator.yml'

/**
 * Milliseconds in a duration setting such as `90s`, `30m`, `4h`, `1h30m`:
 * the one duration grammar of every front door (`core/duration.ts`
 * `parseDuration`, which this is).
 *
 * @throws TaskError('InvalidInput') when `text` is not a duration.
 */
export function durationMs(text: string): number {
  return parseDuration(text)
}

/** The lease policy of `config` in the engine's terms (milliseconds). */
export function engineSettings(config: Config): Partial<EngineSettings> {
  return {
    leaseTtlMs: durationMs(config.lease.ttl),
    maxLeaseTtlMs: durationMs(config.lease.max_ttl),
    lockDelayMs: durationMs(config.lease.lock_delay),
    maxAttempts: config.lease.max_attempts,
    enforcePersonas: config.lease.enforce_personas,
  }
}

/** The `agents` entry for `login` (case-insensitive, as GitHub logins are), if listed. */
export function findAgent(login: string, config: Config): AgentConfig | undefined {
  const wanted = login.toLowerCase()
  return config.agents.find((a) => a.login.toLowerCase() === wanted)
}

/** One thing wrong with a configuration file. */
export interface ConfigProblem {
  /** Field path, e.g. `lease.ttl`, `agents[1].login`; empty for the whole file. */
  path: string
  /** 1-based position in the file, when known. */
  line?: number
  column?: number
  message: string
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping (key: value lines)',
  array: 'a list',
  string: 'text',
  boolean: 'true or false',
  number: 'a number',
  int: 'a whole number',
}

/** Per-parse error map: plain-language messages for the issues no schema words itself. */
const errorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      return iss.expected === 'object' && iss.input === null
        ? `expected ${TYPE_NAMES.object}; got nothing: indent its keys under it, or remove it`
        : `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}; got ${describeValue(iss.input)}`
    case 'invalid_value':
      return `expected one of ${iss.values.map(String).join(', ')}; got ${describeValue(iss.input)}`
    case 'too_small':
      return iss.origin === 'array'
        ? `expected at least ${iss.minimum} entries`
        : `expected at least ${iss.minimum}; got ${describeValue(iss.input)}`
    case 'too_big':
      return iss.origin === 'array'
        ? `expected at most ${iss.maximum} entries`
        : `expected at most ${iss.maximum}; got ${describeValue(iss.input)}`
    default:
      return undefined
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out ? `.${String(key)}` : String(key)
  }
  return out
}

function invalid(source: string, problems: ConfigProblem[], heading: string): TaskError {
  const lines = problems.map((p) => {
    const where = p.line ? `line ${p.line}, column ${p.column}` : ''
    if (!p.path) return where ? `${where}: ${p.message}` : p.message
    return `${p.path}${where ? ` (${where})` : ''}: ${p.message}`
  })
  return new TaskError('InvalidInput', `${source} ${heading}:\n  ${lines.join('\n  ')}`, {
    source,
    problems,
  })
}

/**
 * Parse and validate the text of `.github/task-orchestrator.yml`; every absent
 * key gets its default (an empty file gives {@link DEFAULT_CONFIG}).
 *
 * @param yamlText the file's content (YAML 1.2)
 * @param source the name used in messages (default {@link CONFIG_PATH})
 * @returns the configuration, defaults applied (a fresh object)
 * @throws TaskError('InvalidInput') when the YAML does not parse — the message
 *   gives line and column, e.g. `… has a YAML syntax error:\n  (top level) (line 3,
 *   column 8): Map keys must be unique` — or when a field is wrong: one line per
 *   problem naming the field path, its position and what was expected, e.g.
 *   `lease.ttl (line 2, column 8): expected a duration: a number and a unit, e.g.
 *   90s, 30m, 4h; got "soon"`, or `lease.tll …: unknown key; expected one of: ttl,
 *   …`. `details` = `{ source, problems: ConfigProblem[] }`.
 */
export function parseConfig(yamlText: string, source: string = CONFIG_PATH): Config {
  const lineCounter = new LineCounter()
  const doc = parseDocument(yamlText, { lineCounter, uniqueKeys: true, prettyErrors: true })
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0]
      return {
        path: '',
        ...(pos ? { line: pos.line, column: pos.col } : {}),
        message: e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, ''),
      }
    })
    // Later errors are mostly echoes of the first; all of them are in `details`.
    const error = invalid(source, problems.slice(0, 1), 'has a YAML syntax error')
    error.details.problems = problems
    throw error
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: 100 }) ?? {}
  } catch (err) {
    throw invalid(source, [{ path: '', message: (err as Error).message }], 'cannot be read')
  }
  const result = configSchema().safeParse(value, { error: errorMap, reportInput: true })
  if (result.success) return result.data
  const problems: ConfigProblem[] = []
  for (const issue of result.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined]
    for (const key of keys) {
      const path = key === undefined ? issue.path : [...issue.path, key]
      const pos = position(doc, lineCounter, issue.path, key)
      const message =
        issue.code === 'invalid_format' && 'input' in issue
          ? `${issue.message}; got ${describeValue(issue.input)}`
          : issue.message
      problems.push({ path: formatPath(path), ...pos, message })
    }
  }
  // In file order (zod reports a mapping's unknown keys after its fields).
  problems.sort(
    (a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0),
  )
  throw invalid(source, problems, 'is not valid')
}

/** Line and column of the node at `path` (or of the key `key` in the mapping there). */
function position(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  key: string | undefined,
): { line?: number; column?: number } {
  // A field that is absent (its default failed a cross-field rule) points at its section.
  let node: unknown = null
  for (let n = path.length; n >= 0 && !node; n--) {
    node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true)
  }
  if (key !== undefined && isMap(node)) {
    node = node.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key)?.key
  }
  const offset = (node as Node | null | undefined)?.range?.[0]
  if (offset === undefined) return {}
  const { line, col } = lineCounter.linePos(offset)
  return { line, column: col }
}
