/**
 * Request validation against GitHub's REST API description (`@octokit/openapi`,
 * `generated/api.github.com.json`, OpenAPI 3.0.3).
 *
 * The description is read once per process, on the first call, and only the
 * parts a request touches are ever turned into JSON Schema: `$ref`s are
 * resolved lazily per operation and the compiled ajv validators are cached per
 * operation. The non-dereferenced file is used on purpose: it parses in about
 * a fifth of the time and memory of `api.github.com.deref.json` (73 MB), and
 * resolving an operation's few references by hand costs microseconds.
 *
 * No vitest import here: benchmarks bundle this file and run it under plain Node.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import formatsModule from 'ajv-formats'

/** Which description is loaded: the file name under `@octokit/openapi/generated/`. */
export const DESCRIPTION_FILE = 'api.github.com.json'

/** A request as the app sent it. */
export interface RequestToValidate {
  /** HTTP method, any case. */
  method: string
  /** Absolute URL (`https://api.github.com/repos/o/r?x=1`) or a path with optional query. */
  url: string
  /** Parsed JSON, the raw body string, or `undefined`/`''` for none. */
  body?: unknown
  /** API root to strip, e.g. `https://ghe.example.com/api/v3`; `/api/v3` is stripped anyway. */
  baseUrl?: string
}

/** The operation a conforming request was matched to. */
export interface ValidatedRequest {
  /** e.g. `issues/create-comment` */
  operationId: string
  /** Upper-case method. */
  method: string
  /** The description's path template, e.g. `/repos/{owner}/{repo}/issues/{issue_number}/comments`. */
  template: string
  /** The request's path relative to the API root, without query. */
  path: string
  /** Decoded path parameters. */
  params: Record<string, string>
  /** True when the description marks the operation deprecated. */
  deprecated: boolean
}

/** Thrown by `validateRequest`; `violations` lists every problem, one line each. */
export class GitHubConformanceError extends Error {
  constructor(
    readonly request: string,
    readonly violations: string[],
    readonly operationId?: string,
  ) {
    super(
      `${request}${operationId ? ` (${operationId})` : ''} does not conform to GitHub's REST API description:\n${violations.map((v) => `  - ${v}`).join('\n')}`,
    )
    this.name = 'GitHubConformanceError'
  }
}

/** Load figures, for reports and benchmarks. Times in milliseconds. */
export interface DescriptionStats {
  file: string
  version: string
  paths: number
  operations: number
  /** Reading and parsing the JSON file. */
  parseMs: number
  /** Building the route table. */
  indexMs: number
  /** Operations whose validators have been compiled so far. */
  compiled: number
}

// ---------------------------------------------------------------------------
// The description, loaded once

type JsonObject = { [key: string]: unknown }

interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema?: JsonObject
  'x-multi-segment'?: boolean
}

interface OperationObject {
  operationId: string
  deprecated?: boolean
  parameters?: (Parameter | { $ref: string })[]
  requestBody?: {
    required?: boolean
    content: Record<string, { schema?: JsonObject }>
  }
}

interface Description {
  openapi: string
  info: { version: string }
  paths: Record<string, Record<string, OperationObject>>
  components: JsonObject
}

/** Segment kinds, in order of preference when two templates match a path. */
const Segment = { Literal: 0, Param: 1, MultiSegment: 2 } as const
type Segment = (typeof Segment)[keyof typeof Segment]

interface Route {
  template: string
  regex: RegExp
  names: string[]
  /** Segment kinds, compared left to right: literal segments win. */
  kinds: Segment[]
  operations: Map<string, OperationObject>
}

interface Loaded {
  description: Description
  routes: Route[]
  stats: DescriptionStats
}

let loaded: Loaded | undefined

/**
 * Load and index the description (idempotent; the first call takes ~0.2 s and
 * ~40 MB of heap). Call it in a `beforeAll` to keep that out of a test's time.
 */
export function loadGitHubDescription(): DescriptionStats {
  return load().stats
}

function load(): Loaded {
  if (loaded) return loaded
  const started = performance.now()
  const file = createRequire(import.meta.url).resolve(
    `@octokit/openapi/generated/${DESCRIPTION_FILE}`,
  )
  const description = JSON.parse(readFileSync(file, 'utf8')) as Description
  const parsed = performance.now()
  const routes: Route[] = []
  let operations = 0
  for (const [template, item] of Object.entries(description.paths)) {
    const methods = new Map<string, OperationObject>()
    for (const [method, operation] of Object.entries(item)) {
      if (method === 'parameters' || typeof operation !== 'object') continue
      methods.set(method.toUpperCase(), operation)
      operations++
    }
    routes.push(compileRoute(template, methods, description))
  }
  routes.sort((a, b) => compareKinds(a.kinds, b.kinds))
  const indexed = performance.now()
  loaded = {
    description,
    routes,
    stats: {
      file: DESCRIPTION_FILE,
      version: description.info.version,
      paths: routes.length,
      operations,
      parseMs: Math.round(parsed - started),
      indexMs: Math.round(indexed - parsed),
      compiled: 0,
    },
  }
  return loaded
}

function compileRoute(
  template: string,
  operations: Map<string, OperationObject>,
  description: Description,
): Route {
  const multi = new Set<string>()
  for (const operation of operations.values()) {
    for (const p of operation.parameters ?? []) {
      const param = resolveParameter(p, description)
      if (param.in === 'path' && param['x-multi-segment']) multi.add(param.name)
    }
  }
  const names: string[] = []
  const kinds: Segment[] = []
  const parts = template
    .split('/')
    .slice(1)
    .map((segment) => {
      if (!segment.includes('{')) {
        kinds.push(Segment.Literal)
        return escapeRegExp(segment)
      }
      let kind: Segment = Segment.Param
      const source = segment.replace(/\{([^}]+)\}|([^{]+)/g, (_, name: string, literal: string) => {
        if (literal !== undefined) return escapeRegExp(literal)
        names.push(name)
        if (multi.has(name)) {
          kind = Segment.MultiSegment
          return '(.+?)'
        }
        return '([^/]+?)'
      })
      kinds.push(kind)
      return source
    })
  return { template, regex: new RegExp(`^/${parts.join('/')}$`), names, kinds, operations }
}

function compareKinds(a: Segment[], b: Segment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return b.length - a.length
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function resolvePointer(ref: string, description: Description): unknown {
  if (!ref.startsWith('#/')) throw new Error(`external $ref not supported: ${ref}`)
  let node: unknown = description
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    node = (node as JsonObject | undefined)?.[key]
  }
  if (node === undefined) throw new Error(`unresolvable $ref ${ref}`)
  return node
}

function resolveParameter(p: Parameter | { $ref: string }, description: Description): Parameter {
  return '$ref' in p ? (resolvePointer(p.$ref, description) as Parameter) : p
}

// ---------------------------------------------------------------------------
// OpenAPI 3.0 schema -> JSON Schema (draft-07) for ajv

const DROPPED_KEYS = new Set(['description', 'example', 'examples', 'title', 'externalDocs'])

/**
 * Resolve `$ref`s (a reference cycle becomes `{}`, accepting anything), turn
 * `nullable: true` into JSON Schema, and drop documentation. With `closed`,
 * object schemas that list `properties` and say nothing about
 * `additionalProperties` get `additionalProperties: false`, so a misspelt or
 * invented field is reported; this never reaches into `allOf` members, where
 * it would reject the other members' properties.
 */
class SchemaConverter {
  readonly #memo = new Map<string, unknown>()

  constructor(private readonly description: Description) {}

  convert(node: unknown, closed: boolean, stack: string[] = []): unknown {
    if (Array.isArray(node)) return node.map((n) => this.convert(n, closed, stack))
    if (node === null || typeof node !== 'object') return node
    const schema = node as JsonObject
    if (typeof schema.$ref === 'string') {
      const ref = schema.$ref
      if (stack.includes(ref)) return {}
      const key = `${closed}:${ref}`
      const memo = this.#memo.get(key)
      if (memo !== undefined) return memo
      const out = this.convert(resolvePointer(ref, this.description), closed, [...stack, ref])
      this.#memo.set(key, out)
      return out
    }
    const out: JsonObject = {}
    for (const [key, value] of Object.entries(schema)) {
      if (DROPPED_KEYS.has(key) || key.startsWith('x-') || key === 'nullable') continue
      if (key === 'properties' || key === 'patternProperties') {
        const props: JsonObject = {}
        for (const [name, sub] of Object.entries(value as JsonObject)) {
          props[name] = this.convert(sub, closed, stack)
        }
        out[key] = props
      } else if (key === 'allOf' || key === 'not') {
        out[key] = this.convert(value, false, stack)
      } else if (key === 'enum' || key === 'required' || key === 'default' || key === 'const') {
        out[key] = value
      } else {
        out[key] = this.convert(value, closed, stack)
      }
    }
    if (
      closed &&
      out.properties !== undefined &&
      out.additionalProperties === undefined &&
      out.patternProperties === undefined &&
      out.allOf === undefined &&
      out.anyOf === undefined &&
      out.oneOf === undefined
    ) {
      out.additionalProperties = false
    }
    if (schema.nullable === true) return nullable(out)
    return out
  }
}

function nullable(schema: JsonObject): JsonObject {
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) {
    schema.enum = [...schema.enum, null]
  }
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] }
  if (Array.isArray(schema.type)) {
    return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] }
  }
  return { anyOf: [{ type: 'null' }, schema] }
}

// ---------------------------------------------------------------------------
// Validators, compiled per operation on first use

interface ParameterCheck {
  name: string
  in: 'path' | 'query'
  required: boolean
  array: boolean
  validate: ValidateFunction
}

interface OperationValidators {
  parameters: ParameterCheck[]
  /** Undefined when the operation declares no JSON request body. */
  body?: ValidateFunction
  bodyRequired: boolean
  takesBody: boolean
}

const addFormats = ((formatsModule as unknown as { default?: typeof formatsModule }).default ??
  formatsModule) as unknown as (ajv: Ajv) => Ajv

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes, logger: false })
  addFormats(ajv)
  ajv.addFormat('repo.nwo', /^[^/\s]+\/[^/\s]+$/)
  return ajv
}

let bodyAjv: Ajv | undefined
let paramAjv: Ajv | undefined
let converter: SchemaConverter | undefined
const validators = new Map<OperationObject, OperationValidators>()

/**
 * Unknown fields in request bodies are violations unless `closedBodies` is set
 * to false; read when an operation is first compiled, so set it before any
 * validation in the process.
 */
export const conformanceOptions = { closedBodies: true }

function validatorsFor(operation: OperationObject, description: Description): OperationValidators {
  const cached = validators.get(operation)
  if (cached) return cached
  bodyAjv ??= makeAjv(false)
  paramAjv ??= makeAjv(true)
  converter ??= new SchemaConverter(description)
  const parameters: ParameterCheck[] = []
  for (const p of operation.parameters ?? []) {
    const param = resolveParameter(p, description)
    if (param.in !== 'path' && param.in !== 'query') continue
    const schema = (converter.convert(param.schema ?? {}, false) ?? {}) as JsonObject
    parameters.push({
      name: param.name,
      in: param.in,
      required: param.in === 'path' || param.required === true,
      array: schema.type === 'array',
      validate: paramAjv.compile({
        type: 'object',
        properties: { [param.name]: schema },
      }),
    })
  }
  const content = operation.requestBody?.content ?? {}
  const json = Object.entries(content).find(([type]) => /\bjson\b/.test(type))?.[1]
  const result: OperationValidators = {
    parameters,
    bodyRequired: operation.requestBody?.required === true,
    takesBody: operation.requestBody !== undefined,
  }
  if (json?.schema) {
    result.body = bodyAjv.compile(
      converter.convert(json.schema, conformanceOptions.closedBodies) as JsonObject,
    )
  }
  validators.set(operation, result)
  if (loaded) loaded.stats.compiled = validators.size
  return result
}

// ---------------------------------------------------------------------------
// validateRequest

const GHES_PREFIX = '/api/v3'

/** Split a request URL into the path relative to the API root and its query. */
export function apiPath(url: string, baseUrl?: string): { path: string; query: URLSearchParams } {
  const parsed = new URL(url, 'https://api.github.com')
  let path = parsed.pathname
  const basePath = baseUrl ? new URL(baseUrl).pathname.replace(/\/$/, '') : ''
  if (basePath && path.startsWith(`${basePath}/`)) path = path.slice(basePath.length)
  else if (parsed.hostname !== 'api.github.com' && path.startsWith(`${GHES_PREFIX}/`)) {
    path = path.slice(GHES_PREFIX.length)
  }
  return { path, query: parsed.searchParams }
}

/**
 * Check one request against the description: a path template must match (the
 * most literal one wins: `/issues/comments/{comment_id}` before
 * `/issues/{issue_number}`; `x-multi-segment` parameters such as `{branch}`
 * and `{path}` may span slashes), the method must exist on it, path
 * parameters and declared query parameters must satisfy their schemas,
 * required ones must be present, and a JSON body must satisfy the
 * operation's `requestBody` schema (formats via ajv-formats; `nullable`
 * honoured; unknown body fields rejected, see `conformanceOptions`).
 *
 * Returns the matched operation; throws `GitHubConformanceError` naming the
 * method, path and every violation. Cost: ~0.2 s once per process for the
 * load, a few ms the first time an operation is seen, then tens of µs.
 */
export function validateRequest(request: RequestToValidate): ValidatedRequest {
  const { description, routes } = load()
  const method = request.method.toUpperCase()
  const { path, query } = apiPath(request.url, request.baseUrl)
  const search = query.toString()
  const label = `${method} ${path}${search ? `?${search}` : ''}`

  let matchedTemplate: Route | undefined
  let found: { route: Route; operation: OperationObject; values: string[] } | undefined
  for (const route of routes) {
    const m = route.regex.exec(path)
    if (!m) continue
    matchedTemplate ??= route
    const operation = route.operations.get(method)
    if (operation) {
      found = { route, operation, values: m.slice(1) }
      break
    }
  }
  if (!matchedTemplate) {
    throw new GitHubConformanceError(label, [
      `no path in the description matches ${path} (is it a GitHub REST API endpoint?)`,
    ])
  }
  if (!found) {
    const allowed = [...matchedTemplate.operations.keys()].join(', ')
    throw new GitHubConformanceError(label, [
      `${matchedTemplate.template} has no ${method} operation (it has ${allowed})`,
    ])
  }

  const { route, operation, values } = found
  const checks = validatorsFor(operation, description)
  const violations: string[] = []
  const params: Record<string, string> = {}
  route.names.forEach((name, i) => {
    const raw = values[i] ?? ''
    try {
      params[name] = decodeURIComponent(raw)
    } catch {
      params[name] = raw
    }
  })

  for (const check of checks.parameters) {
    let value: unknown
    if (check.in === 'path') {
      value = params[check.name]
    } else {
      const all = [...query.getAll(check.name), ...query.getAll(`${check.name}[]`)]
      if (all.length === 0) {
        if (check.required) violations.push(`query parameter '${check.name}' is required`)
        continue
      }
      value = check.array ? all.flatMap((v) => v.split(',')) : all[0]
    }
    if (!check.validate({ [check.name]: value })) {
      const where = `${check.in} parameter '${check.name}' (${JSON.stringify(value)})`
      violations.push(...formatErrors(check.validate.errors, where, `/${check.name}`))
    }
  }

  const body = parseBody(request.body)
  if (body.error) {
    violations.push(body.error)
  } else if (body.present) {
    if (!checks.takesBody) {
      violations.push(`${route.template} takes no request body, but one was sent`)
    } else if (checks.body && !checks.body(body.value)) {
      violations.push(...formatErrors(checks.body.errors, 'body'))
    }
  } else if (checks.bodyRequired && checks.body && !checks.body({})) {
    violations.push(
      'a request body is required but none was sent',
      ...formatErrors(checks.body.errors, 'body'),
    )
  }

  if (violations.length) {
    throw new GitHubConformanceError(
      `${label} [${method} ${route.template}]`,
      violations,
      operation.operationId,
    )
  }
  return {
    operationId: operation.operationId,
    method,
    template: route.template,
    path,
    params,
    deprecated: operation.deprecated === true,
  }
}

function parseBody(body: unknown): { present: boolean; value?: unknown; error?: string } {
  if (body === undefined || body === null || body === '') return { present: false }
  if (Buffer.isBuffer(body)) return parseBody(body.toString('utf8'))
  if (typeof body !== 'string') return { present: true, value: body }
  try {
    return { present: true, value: JSON.parse(body) }
  } catch {
    return { present: true, error: `body is not JSON: ${JSON.stringify(body.slice(0, 80))}` }
  }
}

function formatErrors(
  errors: ErrorObject[] | null | undefined,
  where: string,
  stripPrefix = '',
): string[] {
  const lines = new Set<string>()
  for (const e of errors ?? []) {
    const at = e.instancePath.startsWith(stripPrefix)
      ? e.instancePath.slice(stripPrefix.length)
      : e.instancePath
    let detail = e.message ?? e.keyword
    const p = e.params as Record<string, unknown>
    if (e.keyword === 'additionalProperties') {
      detail = `has unknown property '${String(p.additionalProperty)}'`
    } else if (e.keyword === 'enum') {
      detail += ` (${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`
    }
    lines.add(`${where}${at} ${detail}`)
  }
  return [...lines]
}
