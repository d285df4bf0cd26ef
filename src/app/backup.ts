/**
 * Backups of the app server's task database on a timer (docs/deploy.md#backups):
 * with `TM_BACKUP_DIR` set, every `TM_BACKUP_INTERVAL` (default 1h) the server
 * writes a consistent, checked copy (`backupDatabase`: `VACUUM INTO`, then
 * `PRAGMA integrity_check`) named `tasks-<UTC time>.db` into that folder and
 * keeps the newest `TM_BACKUP_KEEP` (default 24) of them. A failed backup is
 * logged and retried at the next tick; it never stops the server.
 */
import { readdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type BackupInfo, backupDatabase } from '../core/db/backup.js'
import { durationMs } from '../github/config.js'

/** When and where the server backs up its database. */
export interface BackupSchedule {
  /** Folder of the copies (absolute). */
  dir: string
  /** Milliseconds between two backups. */
  intervalMs: number
  /** How many copies to keep (the newest). */
  keep: number
}

/** The shortest interval accepted from `TM_BACKUP_INTERVAL`. */
export const MIN_BACKUP_INTERVAL_MS = 60_000
const DEFAULT_INTERVAL = '1h'
const DEFAULT_KEEP = 24
/** Names of the copies: `tasks-2026-05-01T12-00-00-000Z.db`, sorted by time when sorted by name. */
const BACKUP_NAME = /^tasks-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.db$/

/**
 * The backup schedule from `env` (`TM_BACKUP_DIR`, `TM_BACKUP_INTERVAL`,
 * `TM_BACKUP_KEEP`; relative folders resolved against `cwd`): `schedule` is
 * null when `TM_BACKUP_DIR` is unset; `problems` has one sentence per bad
 * variable, naming it (the server refuses to start with any).
 */
export function backupSchedule(
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): { schedule: BackupSchedule | null; problems: string[] } {
  const problems: string[] = []
  const dir = (env.TM_BACKUP_DIR ?? '').trim()
  const interval = (env.TM_BACKUP_INTERVAL ?? '').trim()
  const keepText = (env.TM_BACKUP_KEEP ?? '').trim()
  if (!dir) {
    for (const name of ['TM_BACKUP_INTERVAL', 'TM_BACKUP_KEEP'] as const)
      if ((env[name] ?? '').trim())
        problems.push(`${name} is set but TM_BACKUP_DIR is not: set the folder for the backups`)
    return { schedule: null, problems }
  }
  let intervalMs = 0
  try {
    intervalMs = durationMs(interval || DEFAULT_INTERVAL)
    if (intervalMs < MIN_BACKUP_INTERVAL_MS)
      problems.push(`TM_BACKUP_INTERVAL must be at least 1m; got "${interval}"`)
  } catch {
    problems.push(`TM_BACKUP_INTERVAL must be a duration such as 30m, 1h or 1d; got "${interval}"`)
  }
  const keep = keepText ? Number(keepText) : DEFAULT_KEEP
  if (!Number.isInteger(keep) || keep < 1 || keep > 10_000)
    problems.push(`TM_BACKUP_KEEP must be a whole number from 1 to 10000; got "${keepText}"`)
  if (problems.length > 0) return { schedule: null, problems }
  return { schedule: { dir: resolve(cwd, dir), intervalMs, keep }, problems }
}

/** The logger the backups report to (Probot's pino logger fits). */
export interface BackupLog {
  info(fields: object, message: string): void
  error(fields: object, message: string): void
}

/** A running schedule. */
export interface Backups {
  /** Take one backup now and prune old ones; null when it failed (logged). */
  runOnce(): BackupInfo | null
  /** Stop the timer (a backup in progress completes: it is synchronous). */
  stop(): void
}

/**
 * Back up the database at `dbPath` every `schedule.intervalMs`, the first
 * time one interval after the start. The timer does not keep the process
 * alive. `now` (ms since the epoch) names the copies; tests pass a fake clock.
 */
export function startBackups(
  dbPath: string,
  schedule: BackupSchedule,
  log: BackupLog,
  now: () => number = Date.now,
): Backups {
  let timer: NodeJS.Timeout | undefined
  const runOnce = (): BackupInfo | null => {
    const name = `tasks-${new Date(now()).toISOString().replace(/[:.]/g, '-')}.db`
    try {
      const info = backupDatabase(dbPath, join(schedule.dir, name))
      const removed = prune(schedule.dir, schedule.keep)
      log.info(
        { backup: info.path, bytes: info.bytes, ms: Math.round(info.ms), removed },
        `Task Orchestrator: backed up the task database to ${info.path}`,
      )
      return info
    } catch (err) {
      log.error(
        { err, backup: join(schedule.dir, name) },
        `Task Orchestrator: the backup of ${dbPath} failed (retried in ${schedule.intervalMs / 1000}s): ${err instanceof Error ? err.message : String(err)}`,
      )
      return null
    }
  }
  const tick = () => {
    runOnce()
    timer = setTimeout(tick, schedule.intervalMs).unref()
  }
  timer = setTimeout(tick, schedule.intervalMs).unref()
  return {
    runOnce,
    stop: () => clearTimeout(timer),
  }
}

/** Delete all but the newest `keep` backups in `dir` (only files named as ours); returns the names removed. */
export function prune(dir: string, keep: number): string[] {
  const copies = readdirSync(dir)
    .filter((name) => BACKUP_NAME.test(name))
    .sort()
  const old = copies.slice(0, Math.max(0, copies.length - keep))
  for (const name of old) rmSync(join(dir, name), { force: true })
  return old
}
