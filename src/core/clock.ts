/**
 * Time, injected. The engine never reads a client's timestamp: every lease
 * expiry and event time comes from the clock the engine was built with —
 * the server's clock in production, a {@link FakeClock} in tests.
 */

/** A source of the current time in milliseconds since the Unix epoch. */
export interface Clock {
  now(): number
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => Date.now() }

/** A clock that moves only when told to, for tests and simulations. */
export class FakeClock implements Clock {
  private ms: number

  /** Start at `start` (ms since epoch or an ISO-8601 string). */
  constructor(start: number | string = '2026-01-01T00:00:00.000Z') {
    this.ms = typeof start === 'string' ? Date.parse(start) : start
  }

  now(): number {
    return this.ms
  }

  /** Move forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.ms += ms
  }

  /** Jump to an absolute time (ms or ISO-8601). */
  set(to: number | string): void {
    this.ms = typeof to === 'string' ? Date.parse(to) : to
  }
}

/** ISO-8601 UTC text for a millisecond timestamp. */
export function iso(ms: number): string {
  return new Date(ms).toISOString()
}
