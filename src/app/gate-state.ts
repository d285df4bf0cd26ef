/**
 * What the completion gate remembers (migration 3): the CI verdicts received
 * (`check_run.completed` of the `Task criteria` check), the pull requests and
 * the tasks they name, and who ticked each manual criterion.
 */
import type { Store } from '../core/db/store.js'

/** A verdict of the gate Action for one task on one commit. */
export interface VerdictRecord {
  check_run_id: number
  task_id: string
  head_sha: string
  /** `criteriaDigest` of the criteria the Action evaluated. */
  digest: string
  passed: boolean
  results: { index: number; outcome: string }[]
  url: string | null
  completed_at: string
}

/** A pull request as last seen. */
export interface PullRequestRecord {
  repo: string
  number: number
  head_sha: string
  author: string
  state: string
  merged: boolean
  merged_by: string | null
  /** Task ids it closes when merged. */
  closes: string[]
  /** Task ids it names. */
  tasks: string[]
  updated_at: string
}

/** Who ticked a manual criterion, and whether they had the `confirm` permission. */
export interface Confirmation {
  criterion: string
  confirmed_by: string
  allowed: boolean
  at: string
}

export class GateState {
  constructor(private readonly store: Store) {}

  /** Record a verdict (a redelivered check run replaces itself). */
  saveVerdict(v: VerdictRecord): void {
    this.store.run(
      `INSERT INTO gh_verdicts (check_run_id, task_id, head_sha, digest, passed, results, url, completed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (check_run_id) DO UPDATE SET digest = excluded.digest, passed = excluded.passed,
         results = excluded.results, url = excluded.url, completed_at = excluded.completed_at`,
      [
        v.check_run_id,
        v.task_id,
        v.head_sha,
        v.digest,
        v.passed ? 1 : 0,
        JSON.stringify(v.results),
        v.url,
        v.completed_at,
      ],
    )
  }

  /** The newest verdict for `task` on commit `sha`, or undefined. */
  latestVerdict(task: string, sha: string): VerdictRecord | undefined {
    const row = this.store.get<
      Omit<VerdictRecord, 'passed' | 'results'> & { passed: number; results: string }
    >(
      `SELECT * FROM gh_verdicts WHERE task_id = ? AND head_sha = ?
       ORDER BY completed_at DESC, check_run_id DESC LIMIT 1`,
      [task, sha],
    )
    return row && { ...row, passed: row.passed === 1, results: JSON.parse(row.results) }
  }

  /** Insert or update a pull request. */
  savePullRequest(pr: PullRequestRecord): void {
    this.store.run(
      `INSERT INTO gh_pull_requests (repo, number, head_sha, author, state, merged, merged_by, closes, tasks, updated_at)
       VALUES (@repo, @number, @head_sha, @author, @state, @merged, @merged_by, @closes, @tasks, @updated_at)
       ON CONFLICT (repo, number) DO UPDATE SET head_sha = excluded.head_sha, author = excluded.author,
         state = excluded.state, merged = excluded.merged, merged_by = excluded.merged_by,
         closes = excluded.closes, tasks = excluded.tasks, updated_at = excluded.updated_at`,
      {
        ...pr,
        merged: pr.merged ? 1 : 0,
        closes: JSON.stringify(pr.closes),
        tasks: JSON.stringify(pr.tasks),
      },
    )
  }

  /** Pull requests naming `task`, most recently updated first. */
  pullRequestsFor(task: string): PullRequestRecord[] {
    return this.store
      .all<
        Omit<PullRequestRecord, 'merged' | 'closes' | 'tasks'> & {
          merged: number
          closes: string
          tasks: string
        }
      >(
        `SELECT p.* FROM gh_pull_requests p, json_each(p.tasks) t WHERE t.value = ?
         ORDER BY p.updated_at DESC, p.number DESC`,
        [task],
      )
      .map((r) => ({
        ...r,
        merged: r.merged === 1,
        closes: JSON.parse(r.closes),
        tasks: JSON.parse(r.tasks),
      }))
  }

  /** Record that the issue of `task` was told why merge `pr` did not complete it; false if it already was. */
  noticeOnce(task: string, pr: number, at: string): boolean {
    return (
      this.store.run(
        'INSERT OR IGNORE INTO gh_gate_notices (task_id, pull_request, at) VALUES (?, ?, ?)',
        [task, pr, at],
      ).changes === 1
    )
  }

  /** Record (or, with `by` null, forget) who ticked a manual criterion. */
  saveConfirmation(
    task: string,
    criterion: string,
    by: string | null,
    allowed: boolean,
    at: string,
  ): void {
    if (by === null) {
      this.store.run('DELETE FROM gh_confirmations WHERE task_id = ? AND criterion = ?', [
        task,
        criterion,
      ])
      return
    }
    this.store.run(
      `INSERT INTO gh_confirmations (task_id, criterion, confirmed_by, allowed, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (task_id, criterion) DO UPDATE SET confirmed_by = excluded.confirmed_by,
         allowed = excluded.allowed, at = excluded.at`,
      [task, criterion, by, allowed ? 1 : 0, at],
    )
  }

  /** Confirmations of a task's manual criteria. */
  confirmations(task: string): Confirmation[] {
    return this.store
      .all<Omit<Confirmation, 'allowed'> & { allowed: number }>(
        'SELECT criterion, confirmed_by, allowed, at FROM gh_confirmations WHERE task_id = ?',
        [task],
      )
      .map((c) => ({ ...c, allowed: c.allowed === 1 }))
  }
}
