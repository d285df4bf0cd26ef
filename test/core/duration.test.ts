/**
 * The one duration grammar (src/core/duration.ts) and every front door that
 * reads a duration: the same text is accepted, with the same value, or
 * refused, by all of them. Before the grammar was one, `1h30m` was accepted
 * by `/claim` and refused by the configuration, and `2 days` by the reverse.
 */
import { describe, expect, it } from 'vitest'
import { backupSchedule } from '../../src/app/backup.js'
import { parseDuration as cliDuration } from '../../src/cli/runtime.js'
import {
  DURATION_PATTERN,
  durationMsOrNull,
  formatDuration,
  parseDuration,
} from '../../src/core/duration.js'
import { parseComment } from '../../src/github/commands.js'
import { engineSettings, parseConfig } from '../../src/github/config.js'
import { expectTaskError } from '../helpers.js'

const S = 1000
const M = 60 * S
const H = 60 * M
const D = 24 * H

/** Durations and their value in ms. */
const ACCEPTED: [string, number][] = [
  ['90s', 90 * S],
  ['45m', 45 * M],
  ['4h', 4 * H],
  ['1d', D],
  ['1w', 7 * D],
  ['250ms', 250],
  ['1h30m', 90 * M],
  ['1h 30m', 90 * M],
  ['1m30s', 90 * S],
  ['1d12h', 36 * H],
  ['1.5h', 90 * M],
  ['0.5m', 30 * S],
  ['.5h', 30 * M],
  ['2 days', 2 * D],
  ['2days', 2 * D],
  ['2hours', 2 * H],
  ['1 hour 30 minutes', 90 * M],
  ['3 mins', 3 * M],
  ['10 secs', 10 * S],
  ['2hrs', 2 * H],
  ['1msec', 1],
  ['0', 0],
  ['0s', 0],
]

/** Not durations, whatever the front door. */
const REFUSED = [
  '',
  ' ',
  '30', // a bare number: 30 what?
  '1800000',
  '30M', // months or minutes? units are lowercase
  '2H',
  '-5m',
  '+5m',
  'm',
  'h2',
  '1h30', // the last part has no unit
  '5 parsecs',
  '1y',
  'soon',
  'forever',
  ' 1h',
  '1h ',
  '1  h',
  '1h  30m',
  '1,5h',
  '1e3s',
  'Infinity',
  '99999999999999999999d', // beyond any date
]

describe('the duration grammar', () => {
  it.each(ACCEPTED)('reads %j as %i ms', (text, ms) => {
    expect(durationMsOrNull(text)).toBe(ms)
    expect(parseDuration(text)).toBe(ms)
    expect(DURATION_PATTERN.test(text)).toBe(true)
  })

  it.each(REFUSED)('refuses %j, saying what a duration looks like', (text) => {
    expect(durationMsOrNull(text)).toBeNull()
    const err = expectTaskError(() => parseDuration(text, '--ttl'), 'InvalidInput')
    expect(err.message).toBe(
      `--ttl: ${JSON.stringify(text)} is not a duration; use a number and a unit, e.g. 90s, 30m, 4h, 1h30m.`,
    )
    expect(err.details).toEqual({ value: text })
  })

  it('refuses what is not text', () => {
    for (const value of [30, null, undefined, {}, ['1h']]) {
      expect(durationMsOrNull(value)).toBeNull()
    }
  })

  it('rounds to whole milliseconds', () => {
    expect(parseDuration('1.0005s')).toBe(1001)
    expect(parseDuration('0.4ms')).toBe(0)
  })

  it('reads back what formatDuration writes', () => {
    for (const ms of [0, 1, 999, S, 90 * S, 90 * M, 36 * H + 5 * S, 30 * D, 1500]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms)
    }
    expect(formatDuration(90 * M)).toBe('1h30m')
  })
})

/**
 * Every front door that reads a duration, as a user reaches it: the value it
 * takes, or `refused` when it says the text is not a duration. A door with a
 * range refuses values outside it differently (`must be at least …`), and
 * such values are left out of its rows.
 */
const DOORS: {
  name: string
  min: number
  /** Does the door trim the text first (as the environment's values and comment lines are)? */
  trims?: boolean
  read: (text: string) => number | 'refused'
}[] = [
  {
    name: 'the configuration (lease.lock_delay)',
    min: 0,
    read: (text) => {
      try {
        const config = parseConfig(`lease:\n  lock_delay: ${JSON.stringify(text)}\n`)
        return engineSettings(config).lockDelayMs ?? Number.NaN
      } catch (err) {
        expect(String(err)).toContain('expected a duration: a number and a unit')
        return 'refused'
      }
    },
  },
  {
    name: 'the configuration (lease.ttl)',
    min: S,
    read: (text) => {
      try {
        const config = parseConfig(
          `lease:\n  ttl: ${JSON.stringify(text)}\n  max_ttl: ${JSON.stringify(text)}\n`,
        )
        return engineSettings(config).leaseTtlMs ?? Number.NaN
      } catch (err) {
        expect(String(err)).toContain('expected a duration: a number and a unit')
        return 'refused'
      }
    },
  },
  {
    name: 'the command line (--ttl, --interval, --lease-ttl …)',
    min: 0,
    read: (text) => {
      try {
        return cliDuration(text, '--ttl')
      } catch (err) {
        expect(String(err)).toContain('--ttl: ')
        return 'refused'
      }
    },
  },
  {
    name: 'the comment grammar (/claim <ttl>)',
    min: S,
    trims: true,
    read: (text) => {
      const { commands } = parseComment(`/claim ${text}`, { owner: 'o', repo: 'r' })
      const [command] = commands
      return command?.name === 'claim' && command.ttlMs !== undefined ? command.ttlMs : 'refused'
    },
  },
  {
    name: 'the server environment (TM_BACKUP_INTERVAL)',
    min: M,
    trims: true,
    read: (text) => {
      const { schedule, problems } = backupSchedule({
        TM_BACKUP_DIR: '/b',
        TM_BACKUP_INTERVAL: text,
      })
      if (schedule) return schedule.intervalMs
      expect(problems).toEqual([
        `TM_BACKUP_INTERVAL must be a duration such as 30m, 1h or 1d; got "${text}"`,
      ])
      return 'refused'
    },
  },
]

describe.each(DOORS)('$name reads the one grammar', ({ read, min, trims }) => {
  it('accepts every duration, with the same value', () => {
    const rows = ACCEPTED.filter(([, ms]) => ms >= min && ms <= 30 * D)
    expect(rows.length).toBeGreaterThan(10)
    expect(rows.map(([text]) => [text, read(text)])).toEqual(rows)
  })

  it('refuses everything else', () => {
    // Blank text is "not set" for the environment; every other door refuses it.
    const rows = REFUSED.filter((text) => text.trim() !== '' && (!trims || text === text.trim()))
    expect(rows.map((text) => [text, read(text)])).toEqual(rows.map((text) => [text, 'refused']))
  })
})
