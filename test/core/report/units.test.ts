/**
 * Units chosen from the data (issue 13): a duration reads in the unit that
 * suits it, and chart axes have distinct, round ticks.
 */
import { describe, expect, it } from 'vitest'
import { axisTicks, chartUnit, formatHours } from '../../../src/core/report/units.js'

const S = 1 / 3600

describe('formatHours', () => {
  it.each([
    [0, '0 s'],
    [0.2 * S, '0.2 s'],
    [1.6 * S, '1.6 s'],
    [42 * S, '42 s'],
    [100 * S, '1.7 min'],
    [0.5, '30 min'],
    [1.5, '1.5 h'],
    [47.25, '47.3 h'],
    [49, '2 d'],
    [8167.2, '340.3 d'],
  ])('%f h reads %s', (hours, text) => {
    expect(formatHours(hours)).toBe(text)
  })

  it('never reads 0 for a duration above zero, and a dash for none', () => {
    for (const h of [1e-9, 0.0001 * S, 1 * S, 59 * S, 89.9 * S]) {
      expect(formatHours(h)).not.toMatch(/^0 /)
    }
    expect(formatHours(null)).toBe('–')
    expect(formatHours(null, '-')).toBe('-')
  })
})

describe('chart units and ticks', () => {
  it('picks the unit of the largest value', () => {
    expect(chartUnit([null, 2.2 * S, 4.8 * S]).name).toBe('seconds')
    expect(chartUnit([0.5, null]).name).toBe('minutes')
    expect(chartUnit([3, 20]).name).toBe('hours')
    expect(chartUnit([100]).name).toBe('days')
    expect(chartUnit([null]).name).toBe('seconds')
  })

  it.each([0, 1e-7, 0.0013, 0.3, 1.3, 4.8, 7, 10, 28, 50, 99, 1234])(
    'ticks up to %f are distinct, round and reach the maximum',
    (max) => {
      for (const integers of [false, true]) {
        const { ticks, decimals } = axisTicks(max, 4, integers)
        expect(ticks).toHaveLength(5)
        expect(ticks[0]).toBe(0)
        expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max)
        const printed = ticks.map((t) => t.toFixed(decimals))
        expect(new Set(printed).size).toBe(5)
        for (const p of printed)
          expect(Number(p).toString().replace(/^0\./, '.').length).toBeLessThanOrEqual(6)
        if (integers) for (const t of ticks) expect(Number.isInteger(t)).toBe(true)
      }
    },
  )

  it('steps of 1, 2, 2.5 or 5 × 10^k', () => {
    expect(axisTicks(4.8).ticks).toEqual([0, 2, 4, 6, 8])
    expect(axisTicks(28).ticks).toEqual([0, 10, 20, 30, 40])
    expect(axisTicks(10).ticks).toEqual([0, 2.5, 5, 7.5, 10])
    expect(axisTicks(10, 4, true).ticks).toEqual([0, 5, 10, 15, 20])
    expect(axisTicks(0.0013).ticks).toEqual([0, 0.0005, 0.001, 0.0015, 0.002])
  })
})
