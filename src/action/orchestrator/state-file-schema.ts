/**
 * The schema check of a state file (issue 14, "State artifacts are trusted
 * too far"): a state artifact is a database someone else wrote, and a
 * database carries code — triggers fire on the engine's own writes, views
 * and CHECK, DEFAULT or index expressions run when read. So before any
 * statement could run such code, the file's schema objects
 * (`sqlite_schema`: type, name, table and SQL of every table, index, view
 * and trigger) must be exactly those our migrations create at the file's
 * schema version (`expectedSchemaObjects`); anything else — a trigger or
 * view of its own, a table or index added or missing, a table whose
 * definition was changed — refuses the file.
 *
 * What runs on the file before the comparison: `PRAGMA trusted_schema = OFF`
 * (SQLite then refuses functions not marked innocuous in schema SQL and
 * virtual tables; defence in depth), `PRAGMA user_version`, and a read of
 * `sqlite_schema`, which parses the schema but evaluates none of it.
 * Triggers fire only on writes, and the connection is read-only (it is the
 * caller's; better-sqlite3, and node:sqlite from Node 24.21 at least, also
 * open connections in SQLite's defensive mode).
 */
import type { OpenOptions, SqliteDriver } from '../../core/db/driver.js'
import { SCHEMA_VERSION } from '../../core/db/schema.js'
import {
  expectedSchemaObjects,
  readSchemaObjects,
  type SchemaObject,
} from '../../core/db/schema-objects.js'
import { refuse, StateFileError } from './state-file-error.js'

/** How a schema object of a state file differs from ours. */
export interface SchemaDifference {
  /**
   * `unexpected`: ours has no such object; `missing`: the file lacks one of
   * ours; `altered`: same type and name, another table or SQL.
   */
  problem: 'unexpected' | 'missing' | 'altered'
  type: string
  name: string
  /** The table it belongs to (its own name for a table or view). */
  table: string
}

/** At most this many differences are named in the message (all are in `details.objects`, up to 50). */
const NAMED = 3

/**
 * The differences between a file's schema objects and the expected ones,
 * compared by type and name (exactly, as stored), then table and SQL text.
 * Order: the file's unexpected and altered objects, then missing ones.
 */
export function schemaDifferences(
  actual: readonly SchemaObject[],
  expected: readonly SchemaObject[],
): SchemaDifference[] {
  const key = (o: SchemaObject) => `${o.type}\u0000${o.name}`
  const ours = new Map(expected.map((o) => [key(o), o]))
  const seen = new Set<string>()
  const out: SchemaDifference[] = []
  for (const o of actual) {
    const k = key(o)
    seen.add(k)
    const e = ours.get(k)
    const at = { type: o.type, name: o.name, table: o.tbl_name }
    if (!e) out.push({ problem: 'unexpected', ...at })
    else if (e.tbl_name !== o.tbl_name || e.sql !== o.sql) out.push({ problem: 'altered', ...at })
  }
  for (const e of expected) {
    if (!seen.has(key(e))) {
      out.push({ problem: 'missing', type: e.type, name: e.name, table: e.tbl_name })
    }
  }
  return out
}

/** Text from the file, safe in Markdown and on one line, at most 80 characters. */
function clean(text: string): string {
  const safe = text.replace(/[`\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '?')
  return safe.length > 80 ? `${safe.slice(0, 79)}…` : safe
}

/** "a trigger `x` on `tasks`", "an index `i` on `tasks`", "a table `loot`". */
function describe(d: SchemaDifference): string {
  const type = clean(d.type)
  const what = `${/^[aeiou]/i.test(type) ? 'an' : 'a'} ${type} \`${clean(d.name)}\``
  return d.table === d.name ? what : `${what} on \`${clean(d.table)}\``
}

function sentence(d: SchemaDifference): string {
  if (d.problem === 'unexpected') return `has ${describe(d)} that ours does not`
  if (d.problem === 'missing') return `lacks ${describe(d).replace(/^an? /, 'the ')}`
  return `has ${describe(d)} that differs from ours (its SQL was changed)`
}

/**
 * Check the schema of the state file open (read-only) on `driver` before
 * anything else reads it: `PRAGMA trusted_schema = OFF`, the schema version
 * (`PRAGMA user_version`) between 1 and `SCHEMA_VERSION`, and its schema
 * objects equal to those migrations 1…version create (see the module
 * comment), compared with a fresh database opened with `open` — the same
 * driver as `driver`. `path` names the file in messages.
 *
 * @returns the file's schema version
 * @throws StateFileError('schema') for a newer schema (upgrade the Action) or a
 *   database that is not a Task Orchestrator state (version 0);
 *   StateFileError('untrusted-schema') naming the first objects that differ
 *   (`details.objects`: {@link SchemaDifference}[], at most 50)
 */
export function checkSchema(
  driver: SqliteDriver,
  path: string,
  open: (path: string, options: OpenOptions) => SqliteDriver,
): number {
  driver.exec('PRAGMA trusted_schema = OFF')
  const row = driver.prepare('PRAGMA user_version').get<{ user_version: number }>()
  const version = Number(row?.user_version ?? 0)
  if (version > SCHEMA_VERSION) {
    throw new StateFileError(
      'schema',
      `State file ${path} was written by a newer Task Orchestrator (schema ${version}; this one knows up to ${SCHEMA_VERSION}). Upgrade the orchestrator Action in the workflow; the state is left as it is.`,
      { version, supported: SCHEMA_VERSION },
    )
  }
  if (version < 1) {
    const what = `is an SQLite database but not a Task Orchestrator state (schema version ${version})`
    refuse('schema', path, what, { version })
  }
  const differences = schemaDifferences(
    readSchemaObjects(driver),
    expectedSchemaObjects(version, open),
  )
  if (differences.length > 0) {
    const named = differences.slice(0, NAMED).map(sentence).join('; ')
    const more = differences.length > NAMED ? `; and ${differences.length - NAMED} more` : ''
    refuse(
      'untrusted-schema',
      path,
      `does not have the schema our migrations create at its version ${version}: it ${named}${more}. It was made or changed outside the orchestrator, so it is not trusted and none of its SQL was run`,
      { version, objects: differences.slice(0, 50) },
    )
  }
  return version
}
