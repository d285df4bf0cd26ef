/**
 * Hostile durations: whatever text reaches a front door (a comment, a config
 * file, a flag, the environment), the one grammar (src/core/duration.ts)
 * answers at once — a value or a refusal — and never a value that is not a
 * date's distance: no `Infinity`, no `NaN`, no negative, no float.
 */
import { describe, expect, it } from 'vitest'
import { durationMsOrNull, parseDuration } from '../../src/core/duration.js'
import { parseConfig } from '../../src/github/config.js'
import { expectTaskError } from '../helpers.js'

const HOSTILE = [
  '1'.repeat(100_000), // a bare number, very long
  `${'1'.repeat(400)}h`, // beyond any safe integer of ms
  `${'9'.repeat(20)}d`,
  `${'1h'.repeat(50_000)}!`, // many parts, then a stranger at the end
  `${'1 '.repeat(50_000)}h`,
  `${'1.'.repeat(50_000)}5h`,
  `1${'m'.repeat(100_000)}`,
  '1h\n30m', // a second line
  '1h\u00a030m', // a no-break space
  '１h', // a full-width digit
  '1h\u200b', // a zero-width space
  'NaNh',
  '1e400s',
  '0x10s',
  '__proto__',
  'constructor',
]

describe('hostile durations', () => {
  it.each(HOSTILE.map((text) => [text.length > 40 ? `${text.slice(0, 37)}…` : text, text]))(
    'refuses %j without hanging or throwing anything but InvalidInput',
    (_, text) => {
      expect(durationMsOrNull(text)).toBeNull()
      const err = expectTaskError(() => parseDuration(text), 'InvalidInput')
      expect(err.message.length).toBeLessThan(text.length + 200)
    },
  )

  it('gives only whole, finite, non-negative milliseconds', () => {
    for (const text of ['0.0001ms', '.9999ms', '1.5ms', `${'9'.repeat(15)}ms`, '104249991374w']) {
      const ms = durationMsOrNull(text)
      if (ms === null) continue
      expect(Number.isSafeInteger(ms) && ms >= 0, text).toBe(true)
    }
  })

  it('a config with a hostile duration is refused, naming the field, and nothing else breaks', () => {
    const err = expectTaskError(
      () => parseConfig(`lease:\n  sweep_interval: "${'9'.repeat(30)}w"\n`),
      'InvalidInput',
    )
    expect(err.message).toContain('lease.sweep_interval (line 2, column 19): expected a duration')
  })
})
