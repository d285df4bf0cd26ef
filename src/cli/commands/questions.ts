/**
 * Questions and approvals from a terminal: `tm ask`, `tm answer`,
 * `tm questions`, `tm approve`. See docs/cli.md and docs/concepts.md
 * ("Questions", "Approval checkpoints").
 */
import type { Command } from 'commander'
import { githubTarget, onGitHub } from '../github.js'
import { table } from '../output.js'
import { action, openEngine, parseNumber, requireAgent } from '../runtime.js'

/** Register the question and approval commands on `program`. */
export function registerQuestionCommands(program: Command): void {
  program
    .command('ask')
    .description(
      'Ask a question about a task; when you hold its lease the task waits and the lease clock pauses until answered.',
    )
    .argument('<id>', 'task id')
    .argument('<question...>', 'the question')
    .option('--to <who>', 'whom it is for (a person or agent)')
    .action(
      action(
        (g, id: string, question: string[], o: { to?: string }) => {
          const github = githubTarget(g)
          if (github)
            return onGitHub(g, github, (c, call) =>
              c.ask(id, question.join(' '), { ...call, ...(o.to ? { to: o.to } : {}) }),
            )
          return openEngine(g).ask(
            id,
            requireAgent(g),
            o.to?.replace(/^@/, '') ?? null,
            question.join(' '),
          )
        },
        (r) =>
          `Question ${r.question.id === undefined ? '' : `#${r.question.id} `}on ${r.question.task_id}${r.question.asked_of ? ` for ${r.question.asked_of}` : ''} recorded${r.paused ? '; the task is waiting and its lease clock is paused until the answer' : ''}.`,
      ),
    )

  program
    .command('answer')
    .description(
      'Answer the oldest open question of a task (or --question N); resumes a waiting task.',
    )
    .argument('<id>', 'task id')
    .argument('<answer...>', 'the answer')
    .option('--question <n>', 'the question to answer (default: the oldest open one)')
    .action(
      action(
        (g, id: string, text: string[], o: { question?: string }) =>
          openEngine(g).answer(
            id,
            requireAgent(g),
            text.join(' '),
            o.question ? parseNumber(o.question, '--question', 1, 1e12, true) : undefined,
          ),
        (r) =>
          `Answered question #${r.question.id} on ${r.question.task_id}${r.resumed ? `; the task resumed, its lease now expires ${r.expires_at}` : ''}.`,
      ),
    )

  program
    .command('questions')
    .description('Unanswered questions of open tasks, oldest first (or every question of --task).')
    .option('--task <id>', 'every question of this task, answered or not')
    .action(
      action(
        (g, o: { task?: string }) => {
          const engine = openEngine(g)
          return { questions: o.task ? engine.questions(o.task) : engine.openQuestions() }
        },
        (r) =>
          r.questions.length
            ? table(
                ['#', 'TASK', 'ASKED', 'BY', 'FOR', 'QUESTION', 'ANSWER'],
                r.questions.map((q) => [
                  q.id,
                  q.task_id,
                  q.asked_at,
                  q.asked_by,
                  q.asked_of ?? '-',
                  q.question,
                  q.answer ?? '-',
                ]),
              )
            : '(no open questions)',
      ),
    )

  program
    .command('approve')
    .description(
      'Approve a task that requires approval; it can then complete (on top of its criteria).',
    )
    .argument('<id>', 'task id')
    .action(
      action(
        (g, id: string) => ({ approval: openEngine(g).approve(id, requireAgent(g)) }),
        (r) =>
          r.approval.changed
            ? `Approved ${r.approval.task}.`
            : `${r.approval.task} was already approved by ${r.approval.approved_by} at ${r.approval.approved_at}.`,
      ),
    )
}
