/**
 * `npm start`: the GitHub app as a Probot server (Probot 14's programmatic
 * `run`), bundled to `build/app-server.mjs` by scripts/build.mjs.
 *
 * Configured by the usual Probot environment, read from the process
 * environment and from a `.env` file in the working directory (Probot's
 * rule: a value in `.env` wins): `APP_ID`, `PRIVATE_KEY` or
 * `PRIVATE_KEY_PATH`, `WEBHOOK_SECRET` (all required), `PORT` (3000), `HOST`,
 * `GHE_HOST`/`GHE_PROTOCOL` for GitHub Enterprise Server, `LOG_LEVEL`,
 * `LOG_FORMAT`; the task database from `TM_DB` (default
 * `./.task-orchestrator/tasks.db`), opened by the app's default export;
 * backups of it on a timer with `TM_BACKUP_DIR`, `TM_BACKUP_INTERVAL`,
 * `TM_BACKUP_KEEP` (./backup.ts).
 *
 * Unlike `probot run`, a missing credential is an error naming the variable,
 * not Probot's interactive setup mode, and the webhook secret has no default.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEnv } from 'node:util'
import { type ApplicationFunction, type Probot, run } from 'probot'
import { resolveDbPath } from '../core/db/open.js'
import { backupSchedule, startBackups } from './backup.js'
import taskOrchestratorApp from './index.js'
import { guardWebhooks, type NodeMiddleware } from './webhook-guard.js'

/** Probot's log levels (`LOG_LEVEL`). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const

const PEM = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]*-----END (?:RSA )?PRIVATE KEY-----/

/** True when `text` is a PEM private key as Probot reads `PRIVATE_KEY` (also base64 or with `\n` escapes). */
function looksLikePrivateKey(text: string): boolean {
  const decoded = Buffer.from(text, 'base64').toString('base64') === text
  const key = (decoded ? Buffer.from(text, 'base64').toString() : text).replace(/\\n/g, '\n')
  return PEM.test(key)
}

/**
 * What is wrong with the server's environment: one sentence per problem,
 * each naming its variable; empty when the server can start. Relative
 * `PRIVATE_KEY_PATH`s are resolved against `cwd`.
 */
export function checkEnvironment(env: NodeJS.ProcessEnv, cwd = process.cwd()): string[] {
  const problems: string[] = []
  const set = (name: string) => (env[name] ?? '').trim() !== ''
  if (!set('APP_ID')) problems.push("APP_ID is not set: the GitHub App's ID (its settings page)")
  else if (!/^[1-9]\d*$/.test(env.APP_ID!.trim()))
    problems.push(`APP_ID must be the app's numeric ID; got "${env.APP_ID}"`)
  if (set('PRIVATE_KEY')) {
    if (!looksLikePrivateKey(env.PRIVATE_KEY!.trim()))
      problems.push(
        'PRIVATE_KEY is not a PEM private key (the contents of the .pem file GitHub generated, as is, base64-encoded or with \\n for line breaks)',
      )
  } else if (set('PRIVATE_KEY_PATH')) {
    const path = resolve(cwd, env.PRIVATE_KEY_PATH!)
    if (!existsSync(path))
      problems.push(`PRIVATE_KEY_PATH names a file that does not exist: ${path}`)
  } else {
    problems.push(
      "PRIVATE_KEY or PRIVATE_KEY_PATH is not set: the app's private key (PEM), or the path of its .pem file",
    )
  }
  if (!set('WEBHOOK_SECRET'))
    problems.push("WEBHOOK_SECRET is not set: the app's webhook secret (its settings page)")
  if (set('PORT')) {
    const port = Number(env.PORT)
    if (!Number.isInteger(port) || port < 1 || port > 65_535)
      problems.push(`PORT must be a port number from 1 to 65535; got "${env.PORT}"`)
  }
  if (set('GHE_PROTOCOL') && !['http', 'https'].includes(env.GHE_PROTOCOL!))
    problems.push(`GHE_PROTOCOL must be http or https; got "${env.GHE_PROTOCOL}"`)
  if (set('GHE_PROTOCOL') && !set('GHE_HOST'))
    problems.push(
      'GHE_PROTOCOL is set but GHE_HOST is not: set GHE_HOST to the server, e.g. github.example.com',
    )
  if (set('LOG_LEVEL') && !(LOG_LEVELS as readonly string[]).includes(env.LOG_LEVEL!))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${env.LOG_LEVEL}"`)
  problems.push(...backupSchedule(env, cwd).problems)
  return problems
}

/**
 * Put the webhook guard (`./webhook-guard.ts`: signed deliveries must be
 * JSON with the fields the handlers read, and no error answer carries an
 * internal message) in front of the middleware Probot's server serves.
 * Probot 14's `Server.start()` asks the app's `Probot` for its middleware
 * (`getNodeMiddleware()`) after loading the app and offers no hook before
 * it, so the instance's method is wrapped; test/security/webhooks.test.ts
 * runs the built server to keep this true across Probot upgrades.
 */
export function guardWebhookEndpoint(probot: Probot): void {
  const middleware = probot.getNodeMiddleware.bind(probot)
  probot.getNodeMiddleware = async (options) =>
    guardWebhooks((await middleware(options)) as NodeMiddleware, {
      path: (options?.path ?? probot.webhookPath).replace(/\/+$/, ''),
      verify: (payload, signature) => probot.webhooks.verify(payload, signature),
      log: probot.log,
    }) as Awaited<ReturnType<Probot['getNodeMiddleware']>>
}

/** Apply `.env` from `cwd` to `env` as Probot does (its values win); absent file: nothing. */
export function loadDotEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): void {
  const path = resolve(cwd, '.env')
  if (existsSync(path)) Object.assign(env, parseEnv(readFileSync(path, 'utf8')))
}

/**
 * Check the environment and run the app as a Probot server. Prints the
 * problems and exits with status 1 when a variable is missing or wrong, or
 * when the server cannot start (database, port). Stops on SIGINT or SIGTERM.
 */
export async function main(): Promise<void> {
  loadDotEnv()
  const problems = checkEnvironment(process.env)
  if (problems.length > 0) {
    console.error(
      [
        'task-orchestrator: cannot start the GitHub app server:',
        ...problems.map((p) => `  ${p}`),
        'Set them in the environment or in a .env file in the working directory; see docs/github-app.md.',
      ].join('\n'),
    )
    process.exit(1)
  }
  // Backups on a timer (TM_BACKUP_DIR, ./backup.ts), checked above.
  const { schedule } = backupSchedule(process.env)
  let backups: ReturnType<typeof startBackups> | undefined
  const app: ApplicationFunction = (probot, options) => {
    guardWebhookEndpoint(probot)
    probot.log.info(`Task Orchestrator: task database ${resolveDbPath()}`)
    if (schedule) {
      backups = startBackups(resolveDbPath(), schedule, probot.log)
      probot.log.info(
        `Task Orchestrator: backups every ${schedule.intervalMs / 60_000} min to ${schedule.dir}, the newest ${schedule.keep} kept`,
      )
    }
    return taskOrchestratorApp(probot, options)
  }
  try {
    const server = await run(app, { env: process.env })
    // Probot handles SIGINT; containers and process managers send SIGTERM.
    process.once('SIGTERM', () => {
      backups?.stop()
      server.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  } catch (err) {
    console.error(
      `task-orchestrator: the GitHub app server could not start: ${err instanceof Error ? err.message : String(err)}`,
    )
    process.exit(1)
  }
}

const entry = process.argv[1]
if (entry && resolve(entry) === fileURLToPath(import.meta.url)) await main()
