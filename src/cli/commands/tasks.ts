/**
 * Task commands: init, add, update, cancel, list, show, ready, feedback
 * (dependencies and blocks: ./dependencies.ts).
 */
import { type Command, Option } from 'commander'
import type { ClientTaskDetail } from '../../client/types.js'
import { resolveDbPath } from '../../core/db/open.js'
import { PRIORITIES, STATUSES, type Status, type Task } from '../../core/model.js'
import { criteriaOptions } from '../criteria.js'
import { githubTarget, onGitHub } from '../github.js'
import { escapeBlock, escapeLine, table, taskTable } from '../output.js'
import { action, openEngine, optionalAgent, parseDuration, parseNumber } from '../runtime.js'

const collect = (value: string, previous: string[] = []) => [...previous, value]

/**
 * `tm show`'s text: a task of the engine, or one the GitHub transport read
 * from the issue and its status comment ({@link ClientTaskDetail}: fields it
 * cannot know are absent and their lines left out).
 */
function showTask(t: ClientTaskDetail): string {
  const lines = [
    `${t.id}  ${t.title}`,
    `  status     ${t.status}${t.blocked_reason ? ` (${t.blocked_reason})` : ''}`,
    `  priority   ${t.priority}${t.persona ? `   persona ${t.persona}` : ''}`,
  ]
  if (t.lease?.paused)
    lines.push(
      `  lease      ${t.lease.holder}, token ${t.lease.token}, paused since ${t.lease.paused.at} (${Math.round(t.lease.paused.remaining_ms / 1000)} s left)`,
    )
  else if (t.lease)
    lines.push(
      `  lease      ${t.lease.holder}, token ${t.lease.token}, expires ${t.lease.expires_at}`,
    )
  else if (t.assignee) lines.push(`  assignee   ${t.assignee}`)
  if (t.participants?.length)
    lines.push(
      `  participants ${t.participants.map((p) => (p.role ? `${p.agent} (${p.role})` : p.agent)).join(', ')}`,
    )
  for (const q of t.open_questions ?? [])
    lines.push(
      `  question   ${q.id === undefined ? '' : `#${q.id} `}by ${q.asked_by}: ${q.question}`,
    )
  if (t.milestone) lines.push(`  milestone  ${t.milestone}`)
  if (t.requires_approval)
    lines.push(
      `  approval   ${t.approved_by ? `approved by ${t.approved_by} at ${t.approved_at}` : 'required, not given yet'}`,
    )
  if (t.archived_at) lines.push(`  archived   ${t.archived_at}`)
  if (t.parent_id) lines.push(`  parent     ${t.parent_id}`)
  if (t.depends_on?.length) lines.push(`  depends on ${t.depends_on.join(', ')}`)
  if (t.dependents?.length) lines.push(`  dependents ${t.dependents.join(', ')}`)
  if (t.subtasks?.length) lines.push(`  subtasks   ${t.subtasks.join(', ')}`)
  if (t.deadline) lines.push(`  deadline   ${t.deadline}`)
  if (t.estimated_hours != null || t.actual_hours != null) {
    lines.push(
      `  hours      estimated ${t.estimated_hours ?? '-'}, actual ${t.actual_hours ?? '-'}`,
    )
  }
  if (t.attempts !== undefined) lines.push(`  attempts   ${t.attempts}/${t.max_attempts}`)
  if (t.source) lines.push(`  source     ${t.source}`)
  if (t.progress)
    lines.push(
      `  progress   ${t.progress.percent}%${t.progress.message ? ` ${t.progress.message}` : ''}`,
    )
  if (t.success_criteria?.length) {
    lines.push('  success criteria:')
    t.success_criteria.forEach((c, i) => {
      lines.push(
        `    ${i + 1}. ${c.criterion}${c.measurable ? `  \`${c.measurable}\`` : '  (manual)'}`,
      )
    })
  }
  if (t.completion_summary) lines.push(`  summary    ${t.completion_summary}`)
  if (t.feedback_quality != null || t.feedback_timeliness != null)
    lines.push(
      `  feedback   quality ${t.feedback_quality ?? '-'}, timeliness ${t.feedback_timeliness ?? '-'} (1–5)${t.feedback_notes ? `: ${t.feedback_notes}` : ''}`,
    )
  if (t.context?.length) {
    lines.push('  context:')
    for (const c of t.context) lines.push(`    ${c.key}: ${JSON.stringify(c.value)}`)
  }
  // One line per field: stored text in them cannot break the layout (`\n` is
  // shown escaped); the description keeps its line breaks (see output.ts).
  const out = lines.map(escapeLine)
  if (t.description) out.push('', escapeBlock(t.description).replace(/^/gm, '  '))
  return out.join('\n')
}

/** Register the task commands on `program`. */
export function registerTaskCommands(program: Command): void {
  program
    .command('init')
    .description('Create the task database (or update its lease settings).')
    .option('--lease-ttl <duration>', 'lease time-to-live granted by claim/heartbeat (default 30m)')
    .option(
      '--max-lease-ttl <duration>',
      'largest TTL a claim or heartbeat may ask for (default 4h)',
    )
    .option(
      '--lock-delay <duration>',
      'after a lease expires, keep the task unclaimable this long (default 0)',
    )
    .option('--max-attempts <n>', 'attempts before a task is failed (default 3)')
    .option('--default-capacity <n>', 'leases an unregistered agent may hold at once (default 1)')
    .option(
      '--enforce-personas',
      'refuse a claim of a task with a persona by an agent not registered with it',
    )
    .option('--no-enforce-personas', 'personas only rank `tm next` (the default)')
    .action(
      action(
        (g, o: Record<string, string | undefined> & { enforcePersonas?: boolean }) => {
          const engine = openEngine(g, { create: true })
          const settings = engine.configure({
            ...(o.leaseTtl ? { leaseTtlMs: parseDuration(o.leaseTtl, '--lease-ttl') } : {}),
            ...(o.maxLeaseTtl
              ? { maxLeaseTtlMs: parseDuration(o.maxLeaseTtl, '--max-lease-ttl') }
              : {}),
            ...(o.lockDelay ? { lockDelayMs: parseDuration(o.lockDelay, '--lock-delay') } : {}),
            ...(o.maxAttempts
              ? { maxAttempts: parseNumber(o.maxAttempts, '--max-attempts', 1, 100, true) }
              : {}),
            ...(o.defaultCapacity
              ? {
                  defaultCapacity: parseNumber(
                    o.defaultCapacity,
                    '--default-capacity',
                    1,
                    1000,
                    true,
                  ),
                }
              : {}),
            ...(typeof o.enforcePersonas === 'boolean'
              ? { enforcePersonas: o.enforcePersonas }
              : {}),
          })
          return { db: resolveDbPath(g.db), settings }
        },
        (r) =>
          `Task database ready at ${r.db}\n${table(
            ['SETTING', 'VALUE'],
            Object.entries(r.settings).map(([k, v]) => [k, v]),
          )}`,
      ),
    )

  program
    .command('add')
    .description('Add a task.')
    .argument('<title>', 'what is to be done')
    .option('-d, --description <text>', 'longer description (Markdown)')
    .addOption(new Option('-p, --priority <level>', 'priority').choices(PRIORITIES))
    .option('--persona <name>', 'the kind of agent that should do it (implementer, reviewer, …)')
    .option('--parent <id>', 'parent task (this one is a subtask)')
    .option('--depends-on <id>', 'a task this one waits for (repeatable)', collect)
    .option(
      '-c, --criterion <text>',
      'success criterion; end it with a CEL expression in backticks to make it measurable (repeatable)',
      collect,
    )
    .option('--criteria-file <file>', 'YAML/JSON list of {criterion, measurable}')
    .option('--deadline <iso-8601>', 'deadline, e.g. 2026-12-01 or 2026-12-01T17:00:00Z')
    .option('--estimate <hours>', 'estimated hours')
    .option('--max-attempts <n>', 'attempts before the task is failed')
    .option('--id <id>', 'explicit 8-character id (default: random)')
    .option('--milestone <name>', 'release or phase it belongs to, e.g. v1.2')
    .option(
      '--requires-approval',
      'completion needs `tm approve` (or /approve) on top of the criteria',
    )
    .action(
      action(
        async (g, title: string, o: Record<string, string | string[] | undefined>) => {
          const { criteria, warnings } = await criteriaOptions(
            o.criterion as string[] | undefined,
            o.criteriaFile as string | undefined,
          )
          const engine = openEngine(g)
          const task = engine.add(
            {
              title,
              ...(o.id ? { id: o.id as string } : {}),
              ...(o.description ? { description: o.description as string } : {}),
              ...(o.priority ? { priority: o.priority as Task['priority'] } : {}),
              ...(o.persona ? { persona: o.persona as string } : {}),
              ...(o.parent ? { parent_id: o.parent as string } : {}),
              ...(o.milestone ? { milestone: o.milestone as string } : {}),
              ...(o.requiresApproval ? { requires_approval: true } : {}),
              depends_on: (o.dependsOn as string[] | undefined) ?? [],
              success_criteria: criteria,
              ...(o.deadline ? { deadline: o.deadline as string } : {}),
              ...(o.estimate
                ? { estimated_hours: parseNumber(o.estimate as string, '--estimate', 0.01, 10000) }
                : {}),
              ...(o.maxAttempts
                ? {
                    max_attempts: parseNumber(
                      o.maxAttempts as string,
                      '--max-attempts',
                      1,
                      100,
                      true,
                    ),
                  }
                : {}),
            },
            optionalAgent(g),
          )
          return { task, warnings }
        },
        (r) => `Added ${r.task.id} (${r.task.status}): ${r.task.title}`,
      ),
    )

  program
    .command('update')
    .description('Change fields of an open task.')
    .argument('<id>', 'task id')
    .option('--title <text>', 'new title')
    .option('-d, --description <text>', 'new description')
    .addOption(new Option('-p, --priority <level>', 'priority').choices(PRIORITIES))
    .option('--persona <name>', 'persona ("none" to clear)')
    .option('--deadline <iso-8601>', 'deadline ("none" to clear)')
    .option('--estimate <hours>', 'estimated hours')
    .option('-c, --criterion <text>', 'replace the success criteria (repeatable)', collect)
    .option('--criteria-file <file>', 'replace the success criteria from a YAML/JSON list')
    .option('--milestone <name>', 'milestone ("none" to clear)')
    .option('--requires-approval', 'completion needs an approval')
    .option('--no-requires-approval', 'completion needs no approval')
    .action(
      action(
        async (g, id: string, o: Record<string, string | string[] | boolean | undefined>) => {
          const given =
            o.criterion || o.criteriaFile
              ? await criteriaOptions(
                  o.criterion as string[] | undefined,
                  o.criteriaFile as string | undefined,
                )
              : undefined
          const criteria = given?.criteria
          const clear = (v: unknown) => (v === 'none' ? null : v)
          const task = openEngine(g).update(
            id,
            {
              ...(o.title ? { title: o.title as string } : {}),
              ...(o.description !== undefined ? { description: o.description as string } : {}),
              ...(o.priority ? { priority: o.priority as Task['priority'] } : {}),
              ...(o.persona ? { persona: clear(o.persona) as string | null } : {}),
              ...(o.deadline ? { deadline: clear(o.deadline) as string | null } : {}),
              ...(o.estimate
                ? { estimated_hours: parseNumber(o.estimate as string, '--estimate', 0.01, 10000) }
                : {}),
              ...(criteria ? { success_criteria: criteria } : {}),
              ...(o.milestone ? { milestone: clear(o.milestone) as string | null } : {}),
              ...(typeof o.requiresApproval === 'boolean'
                ? { requires_approval: o.requiresApproval }
                : {}),
            },
            optionalAgent(g),
          )
          return { task, warnings: given?.warnings ?? [] }
        },
        (r) => `Updated ${r.task.id}.`,
      ),
    )

  program
    .command('cancel')
    .description('Cancel an open task nobody holds.')
    .argument('<id>', 'task id')
    .option('--reason <text>', 'why')
    .action(
      action(
        (g, id: string, o: { reason?: string }) => ({
          task: openEngine(g).cancel(id, o.reason, optionalAgent(g)),
        }),
        (r) => `Cancelled ${r.task.id}.`,
      ),
    )

  program
    .command('list')
    .description('List tasks, most urgent first.')
    .addOption(new Option('-s, --status <status...>', 'only these statuses').choices(STATUSES))
    .option('--persona <name>', 'only tasks for this persona')
    .option('--holder <agent>', 'only tasks leased to this agent')
    .option('--parent <id>', 'only subtasks of this task')
    .option('--milestone <name>', 'only tasks of this milestone')
    .option('--archived', 'archived tasks only (default: the working set, without them)')
    .option('-n, --limit <n>', 'at most n tasks')
    .action(
      action(
        (
          g,
          o: {
            status?: Status[]
            persona?: string
            holder?: string
            parent?: string
            milestone?: string
            archived?: boolean
            limit?: string
          },
        ) => ({
          tasks: openEngine(g).list({
            ...(o.status ? { status: o.status } : {}),
            ...(o.persona ? { persona: o.persona } : {}),
            ...(o.holder ? { holder: o.holder } : {}),
            ...(o.parent ? { parent: o.parent } : {}),
            ...(o.milestone ? { milestone: o.milestone } : {}),
            ...(o.archived ? { archived: true } : {}),
            ...(o.limit ? { limit: parseNumber(o.limit, '--limit', 1, 1e9, true) } : {}),
          }),
        }),
        (r) => taskTable(r.tasks),
      ),
    )

  program
    .command('show')
    .description('Show one task with its dependencies, criteria and context.')
    .argument('<id>', 'task id')
    .action(
      action(
        (g, id: string) => {
          const github = githubTarget(g)
          if (github) return onGitHub(g, github, (c, call) => c.status(id, call))
          return { task: openEngine(g).show(id) }
        },
        (r) => showTask(r.task),
      ),
    )

  program
    .command('ready')
    .description('Claimable tasks, most urgent first (priority, deadline, age).')
    .option('--persona <name>', 'only tasks for this persona')
    .option('-n, --limit <n>', 'at most n tasks (default 50)')
    .action(
      action(
        (g, o: { persona?: string; limit?: string }) => {
          const filter = {
            ...(o.persona ? { persona: o.persona } : {}),
            ...(o.limit ? { limit: parseNumber(o.limit, '--limit', 1, 10000, true) } : {}),
          }
          const github = githubTarget(g)
          if (github) return onGitHub(g, github, (c, call) => c.ready({ ...call, ...filter }))
          return { tasks: openEngine(g).ready(filter) }
        },
        (r) => taskTable(r.tasks),
      ),
    )

  program
    .command('feedback')
    .description('Rate a completed task: quality and timeliness from 1 (poor) to 5 (excellent).')
    .argument('<id>', 'task id')
    .requiredOption('--quality <1-5>', 'quality of the work')
    .requiredOption('--timeliness <1-5>', 'timeliness of the work')
    .option('--notes <text>', 'free-form notes')
    .action(
      action(
        (g, id: string, o: { quality: string; timeliness: string; notes?: string }) => {
          const engine = openEngine(g)
          engine.feedback(id, optionalAgent(g), {
            quality: Number(o.quality),
            timeliness: Number(o.timeliness),
            ...(o.notes ? { notes: o.notes } : {}),
          })
          return { task: engine.get(id) }
        },
        (r) =>
          `Feedback recorded on ${r.task.id}: quality ${r.task.feedback_quality}, timeliness ${r.task.feedback_timeliness}.`,
      ),
    )
}
