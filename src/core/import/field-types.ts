/**
 * Fields of the wrong type in an import source (a number where text was
 * expected, text where a number was): reported with what was expected and
 * what was found, never silently dropped. Shared by the beads and
 * task-master importers.
 */

/** The JSON type of `value` as a person names it: `a string`, `a number`, `a list`, `an object`, `true`, `null`. */
export function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return `a string (${JSON.stringify(value.slice(0, 40))})`
  return `a ${typeof value}`
}

/** The reason reported for a wrong type: `expected …, found …; <what was done>`. */
export function wrongType(expected: string, value: unknown, done: string): string {
  return `expected ${expected}, found ${describeType(value)}; ${done}`
}

/**
 * A field meant to hold text. A string is returned as it is; a number or a
 * boolean as its text (reported: nothing is lost); anything else is dropped
 * (reported, the value kept in the report). Absent and `null` are no value,
 * silently.
 *
 * @param value the field's value as found
 * @param report called once with the reason when the type is wrong
 */
export function textOf(value: unknown, report: (reason: string) => void): string | undefined {
  if (value === undefined || value === null || typeof value === 'string') {
    return value ?? undefined
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    const text = String(value)
    report(wrongType('a string', value, `imported as the text "${text}"`))
    return text
  }
  report(wrongType('a string', value, 'dropped'))
  return undefined
}

/**
 * A field meant to hold a time (ISO-8601 text). Anything but a string is
 * dropped (reported); absent and `null` are no value.
 */
export function timeOf(value: unknown, report: (reason: string) => void): string | undefined {
  if (value === undefined || value === null || typeof value === 'string') {
    return value ?? undefined
  }
  report(wrongType('a string (an ISO-8601 time)', value, 'dropped'))
  return undefined
}
