/**
 * Engine settings saved in the database's `settings` table, so every `tm`
 * invocation on the same file uses the same lease policy (`tm init` writes
 * them). Keys are the {@link EngineSettings} names; values are JSON.
 */
import type { Store } from './db/store.js'
import { DEFAULT_SETTINGS, type EngineSettings } from './tasks.js'

/** Settings stored in the database (only the known keys with numeric values). */
export function readSettings(store: Store): Partial<EngineSettings> {
  const out: Partial<EngineSettings> = {}
  for (const { key, value } of store.all<{ key: string; value: string }>(
    'SELECT key, value FROM settings',
  )) {
    if (key in DEFAULT_SETTINGS) {
      const n = Number(JSON.parse(value))
      if (Number.isFinite(n)) out[key as keyof EngineSettings] = n
    }
  }
  return out
}

/** Upsert settings; call inside a write transaction. */
export function writeSettings(store: Store, settings: Partial<EngineSettings>): void {
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue
    store.run(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, JSON.stringify(value)],
    )
  }
}
