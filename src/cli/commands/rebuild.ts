/**
 * `tm rebuild --github owner/repo`: rebuild the task database from a
 * repository's issues, labels, bodies and the GitHub app's comments, when
 * the app's state is lost (see `src/app/rebuild/rebuild.ts`, docs/github-app.md
 * "Rebuilding from GitHub").
 */
import type { Command } from 'commander'
import type { RebuildReport } from '../../app/rebuild/rebuild.js'
import { TaskError } from '../../core/errors.js'
import { parseRepository } from '../github.js'
import { action, openEngine, parseNumber } from '../runtime.js'

/** Register `tm rebuild`. */
export function registerRebuildCommand(program: Command): void {
  // The text renderer comes with the lazily loaded part (it needs the rebuild module).
  let render: (r: RebuildReport) => string = () => ''
  program
    .command('rebuild')
    .description(
      "Rebuild the task database from a GitHub repository's issues (tasks, statuses, dependencies, criteria, leases) and the app's comments.",
    )
    // Declared for the help; the root program's --github reads the value
    // (it takes its options after the command word too), see below.
    .option('--github <owner/repo>', 'the repository to rebuild from (required)')
    .option('--token <token>', 'GitHub token (default: $GITHUB_TOKEN, then $GH_TOKEN)')
    .option(
      '--api-url <url>',
      'REST API root, e.g. https://ghe.example.com/api/v3 (default: $GITHUB_API_URL or https://api.github.com)',
    )
    .option('--force', "replace the repository's tasks when the database already has tasks")
    .option('--installation-id <id>', 'GitHub App installation id to record (for a Probot server)')
    .option(
      '--app-login <login>',
      "the app's login, e.g. my-app[bot] (default: any bot that is not a listed agent)",
    )
    .action(
      action(
        async (
          g,
          o: {
            github?: string
            token?: string
            apiUrl?: string
            force?: boolean
            installationId?: string
            appLogin?: string
          },
        ) => {
          const github = typeof g.github === 'string' ? g.github : o.github
          if (github === undefined) {
            throw new TaskError(
              'InvalidInput',
              'tm rebuild needs --github owner/repo: the repository to rebuild from.',
            )
          }
          const { owner, repo } = parseRepository(github, '--github')
          const token = o.token || process.env.GITHUB_TOKEN || process.env.GH_TOKEN
          if (!token) {
            throw new TaskError(
              'InvalidInput',
              'A GitHub token is needed: pass --token, or set GITHUB_TOKEN or GH_TOKEN (read access to issues and contents).',
            )
          }
          const apiUrl = o.apiUrl || process.env.GITHUB_API_URL || 'https://api.github.com'
          if (!/^https?:\/\/[^/\s]+/.test(apiUrl)) {
            throw new TaskError(
              'InvalidInput',
              `--api-url: "${apiUrl}" is not an http(s) URL, e.g. https://ghe.example.com/api/v3.`,
            )
          }
          const installationId =
            o.installationId === undefined
              ? undefined
              : parseNumber(o.installationId, '--installation-id', 1, Number.MAX_SAFE_INTEGER, true)
          const run = await import('./rebuild-run.js')
          render = run.rebuildText
          const engine = openEngine(g, { create: true })
          const rebuild = await run.runRebuild(engine, {
            owner,
            repo,
            token,
            apiUrl,
            replace: o.force ?? false,
            ...(installationId !== undefined ? { installationId } : {}),
            ...(o.appLogin ? { appLogin: o.appLogin } : {}),
          })
          return { rebuild }
        },
        (r) => render(r.rebuild),
      ),
    )
}
