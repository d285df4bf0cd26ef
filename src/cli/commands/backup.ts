/** `tm backup FILE`: a consistent, checked copy of the task database (docs/deploy.md#backups). */
import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import { backupDatabase } from '../../core/db/backup.js'
import { resolveDbPath } from '../../core/db/open.js'
import { TaskError } from '../../core/errors.js'
import { action } from '../runtime.js'

/** Register `tm backup` on `program`. */
export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .description(
      'Copy the task database to a new file while agents keep working (VACUUM INTO), and check the copy (integrity_check).',
    )
    .argument('<file>', 'the copy to write; must not exist')
    .action(
      action(
        (g, file: string) => {
          const source = resolveDbPath(g.db)
          if (!existsSync(source)) {
            throw new TaskError(
              'StorageError',
              `No task database at ${source}. Point --db or TM_DB at the database to back up.`,
            )
          }
          const info = backupDatabase(source, file)
          return { source, out: info.path, bytes: info.bytes, ms: Math.round(info.ms) }
        },
        (r) => `Backed up ${r.source} to ${r.out} (${r.bytes} bytes, integrity_check ok).`,
      ),
    )
}
