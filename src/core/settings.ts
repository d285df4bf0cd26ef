/**
 * Engine settings saved in the database's `settings` table, so every `tm`
 * invocation on the same file uses the same lease policy (`tm init` writes
 * them). Keys are the {@link EngineSettings} names; values are JSON.
 */
import type { Store } from './db/store.js'
import { formatDuration } from './duration.js'
import { TaskError } from './errors.js'
import { DEFAULT_SETTINGS, type EngineSettings } from './tasks.js'

/** The shortest lease TTL, in ms: a lease must outlive the request that took it. */
export const MIN_LEASE_TTL_MS = 1000

/**
 * The longest a lease TTL, the maximum lease TTL or the lock-delay may be, in
 * ms (30 days). A lease is a promise to heartbeat; beyond this it is an
 * assignment, and far beyond it the expiry is not a date at all
 * (`new Date(now + ttl)` fails past the year 275760).
 */
export const LEASE_TTL_CEILING_MS = 30 * 24 * 3_600_000

/**
 * The refusal of a duration outside `min`..`max` (ms):
 * `lease TTL must be from 1s to 4h; got 5h.` and `advice`; `details` in ms.
 */
export function outOfRange(
  what: string,
  value: number,
  min: number,
  max: number,
  advice = '',
): TaskError {
  return new TaskError(
    'InvalidInput',
    `${what} must be from ${formatDuration(min)} to ${formatDuration(max)}; got ${formatDuration(value)}.${advice ? ` ${advice}` : ''}`,
    { setting: what, value_ms: value, min_ms: min, max_ms: max },
  )
}

/**
 * Check a whole lease policy; returns it, or throws `TaskError('InvalidInput')`
 * naming the first setting out of range and the allowed range: the maximum
 * lease TTL from 1 s to {@link LEASE_TTL_CEILING_MS}, the lease TTL from 1 s
 * to that maximum, the lock-delay from 0 to the ceiling; `maxAttempts` 1–100
 * and `defaultCapacity` 1–1000, whole numbers; `enforcePersonas` a boolean.
 */
export function checkSettings(s: EngineSettings): EngineSettings {
  const ranged = (what: string, v: number, min: number, max: number, advice?: string) => {
    if (!Number.isFinite(v) || v < min || v > max) throw outOfRange(what, v, min, max, advice)
  }
  ranged('maximum lease TTL', s.maxLeaseTtlMs, MIN_LEASE_TTL_MS, LEASE_TTL_CEILING_MS)
  ranged(
    'lease TTL',
    s.leaseTtlMs,
    MIN_LEASE_TTL_MS,
    s.maxLeaseTtlMs,
    s.leaseTtlMs > s.maxLeaseTtlMs
      ? 'The upper bound is the maximum lease TTL: raise it as well for longer leases.'
      : undefined,
  )
  ranged('lock-delay', s.lockDelayMs, 0, LEASE_TTL_CEILING_MS)
  for (const [what, v, max] of [
    ['max attempts', s.maxAttempts, 100],
    ['default capacity', s.defaultCapacity, 1000],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > max) {
      throw new TaskError(
        'InvalidInput',
        `${what} must be a whole number from 1 to ${max}; got ${v}.`,
      )
    }
  }
  if (typeof s.enforcePersonas !== 'boolean') {
    throw new TaskError(
      'InvalidInput',
      `enforce personas must be true or false; got ${JSON.stringify(s.enforcePersonas)}.`,
    )
  }
  return s
}

/**
 * Settings stored in the database: only the known keys, with a value of the
 * default's type (numbers; `true`/`false` for `enforcePersonas`).
 */
export function readSettings(store: Store): Partial<EngineSettings> {
  const out: Record<string, number | boolean> = {}
  for (const { key, value } of store.all<{ key: string; value: string }>(
    'SELECT key, value FROM settings',
  )) {
    if (!(key in DEFAULT_SETTINGS)) continue
    const parsed = JSON.parse(value) as unknown
    if (typeof DEFAULT_SETTINGS[key as keyof EngineSettings] === 'boolean') {
      if (typeof parsed === 'boolean') out[key] = parsed
    } else {
      const n = Number(parsed)
      if (Number.isFinite(n)) out[key] = n
    }
  }
  return out as Partial<EngineSettings>
}

/**
 * Upsert settings; call inside a write transaction. The policy they make with
 * the stored ones is checked first ({@link checkSettings}): a refusal throws
 * `TaskError('InvalidInput')` and writes nothing.
 */
export function writeSettings(store: Store, settings: Partial<EngineSettings>): void {
  const defined = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined))
  checkSettings({ ...DEFAULT_SETTINGS, ...readSettings(store), ...defined })
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue
    store.run(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, JSON.stringify(value)],
    )
  }
}
