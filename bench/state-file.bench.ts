/**
 * The state file of the Actions-hosted orchestrator (issue 5, "Figures to
 * reach"), at 10,000 tasks: the time one run spends on the file itself —
 * check the downloaded file (`inspectStateFile`: SHA-256, header, schema
 * objects, `integrity_check`, `foreign_key_check`, generation), open a working
 * copy (`openStateFile`: copy + `openStore`), write and check the file to
 * upload (`writeSnapshot`: `VACUUM INTO` + inspect) — with the full and the
 * quick check, and the file's size per task, raw and gzip-compressed.
 * Targets: the whole sync (with download and upload, which the orchestrator
 * measures) ≤ 300 ms per run; ≤ 2 KB per task.
 *
 * The state is built with the engine, seed 20260301, as the GitHub app
 * leaves it: issue bodies as descriptions (real texts from the beads tracker
 * in test/fixtures/plans/, plus the `Depends on` and `Success criteria`
 * sections), 1–3 criteria, 0–3 dependencies inside epics of 25 tasks; the
 * older 65 % claimed, heart-beaten and completed with gate evidence (8 %
 * after a failed attempt), the next 5 % in progress; the app's bookkeeping
 * per issue as the app writes it (`gh_issues` with the body deflated, labels
 * and a digest of the rendered status comment; `gh_comments` for each command
 * comment).
 *
 * Measured with better-sqlite3 on the Node running the benchmark and with
 * node:sqlite on Node 24 (the Action's runtime; test/action/support/node24.ts),
 * the latter by running this same bundled file under Node 24 on the same
 * state file (`STATE_BENCH_FILE`), which prints its figures as JSON.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import {
  type DriverFactory,
  inspectStateFile,
  openStateFile,
  writeSnapshot,
} from '../src/action/orchestrator/state-file.js'
import { checkSchema } from '../src/action/orchestrator/state-file-schema.js'
import { AppState } from '../src/app/state.js'
import { FakeClock } from '../src/core/clock.js'
import { openBetterSqlite3 } from '../src/core/db/better-sqlite3.js'
import { openNodeSqlite } from '../src/core/db/node-sqlite.js'
import { openStore } from '../src/core/db/open.js'
import { Store } from '../src/core/db/store.js'
import { Engine } from '../src/core/engine.js'
import type { Criterion } from '../src/core/model.js'
import { renderStatusComment, statusCommentDigest } from '../src/github/status-comment.js'
import { node24 } from '../test/action/support/node24.js'
import { fmt, median, rng, tempDb, time } from './util.js'

const TASKS = 10_000
const WARMUP = 1
const RUNS = 7
const TARGET_MS = 300
const TARGET_BYTES_PER_TASK = 2048

/** Real issue texts: the beads project's own tracker (test/fixtures/plans/, MIT). */
const ISSUES = readFileSync('test/fixtures/plans/beads-issues.jsonl', 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { title: string; description?: string })
  .filter((i) => i.title && i.description)

/** Tasks per epic: dependencies stay inside one epic, as features do. */
const EPIC = 25

/** Builds the state at `path` (better-sqlite3); the file is the fixture. */
function buildState(path: string): void {
  const random = rng(20260301)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!
  const clock = new FakeClock('2026-01-05T09:00:00.000Z')
  const engine = new Engine(openStore(path), { clock, settings: { defaultCapacity: TASKS } })
  const store = engine.store
  const state = new AppState(store)
  const ids: string[] = []
  const bodies = new Map<string, string>()
  const numbers = new Map<string, number>()
  const number = (id: string) => numbers.get(id)!
  let comments = 0
  const commented = (id: string, n = 1) => {
    for (let c = 0; c < n; c++) {
      store.run(
        'INSERT INTO gh_comments (comment_id, repo, number, commands, processed_at) VALUES (?, ?, ?, 1, ?)',
        [2_000_000_000 + comments++, 'acme/app', number(id), new Date(clock.now()).toISOString()],
      )
    }
  }
  engine.write(() => {
    for (let i = 0; i < TASKS; i++) {
      const issue = pick(ISSUES)
      const epicStart = i - (i % EPIC)
      const deps = new Set<string>()
      for (let k = i === epicStart ? 0 : Math.floor(random() * 4); k > 0; k--) {
        deps.add(ids[epicStart + Math.floor(random() * (i - epicStart))]!)
      }
      const criteria: Criterion[] = [
        { criterion: 'All tests pass', measurable: 'tests.failed == 0' },
      ]
      if (random() < 0.5) {
        criteria.push({
          criterion: 'Line coverage stays above 80 %',
          measurable: 'coverage.lines >= 80.0',
        })
      }
      if (random() < 0.4) criteria.push({ criterion: 'Reviewed by a maintainer' })
      const body = [
        issue.description!,
        ...(deps.size
          ? ['', '### Depends on', '', ...[...deps].map((d) => `- [ ] #${number(d)}`)]
          : []),
        '',
        '### Success criteria',
        '',
        ...criteria.map((c) => `- [ ] ${c.criterion}${c.measurable ? ` \`${c.measurable}\`` : ''}`),
      ].join('\n')
      const task = engine.add(
        {
          title: issue.title,
          description: body,
          priority: pick(['low', 'medium', 'medium', 'high', 'critical'] as const),
          ...(random() < 0.7
            ? { persona: pick(['implementer', 'reviewer', 'tester', 'writer']) }
            : {}),
          ...(random() < 0.3 ? { deadline: `2026-0${1 + Math.floor(random() * 9)}-15` } : {}),
          estimated_hours: 1 + Math.floor(random() * 16),
          depends_on: [...deps],
          success_criteria: criteria,
        },
        'maintainer',
      )
      ids.push(task.id)
      numbers.set(task.id, ids.length)
      bodies.set(task.id, body)
      clock.advance(60_000)
    }
    // History: the older 65 % is done (some after a failed attempt), the next
    // 5 % is in progress, the rest is pending or blocked.
    ids.forEach((id, i) => {
      if (i >= TASKS * 0.7 || engine.get(id).status !== 'pending') return
      const agent = `agent-${Math.floor(random() * 40)}`
      let grant = engine.claim(id, agent)
      commented(id)
      for (let h = Math.floor(random() * 3); h > 0; h--) {
        clock.advance(10 * 60_000)
        engine.heartbeat(id, agent, grant.lease.token)
        commented(id)
      }
      if (i >= TASKS * 0.65) return
      if (random() < 0.08) {
        engine.fail(id, agent, grant.lease.token, 'the integration tests time out on the runner')
        grant = engine.claim(id, agent)
        commented(id, 2)
      }
      clock.advance(20 * 60_000)
      engine.complete(id, agent, grant.lease.token, {
        summary: pick(ISSUES).description!.slice(0, 80 + Math.floor(random() * 240)),
        verified: {
          by: 'gate',
          evidence: {
            check_run: Math.floor(random() * 1e9),
            head_sha: createHash('sha1').update(id).digest('hex'),
            passed: true,
          },
        },
      })
      commented(id)
    })
    for (const id of ids) {
      const task = engine.get(id)
      const status = renderStatusComment({
        task,
        dependencies: [],
        context: [],
        criteria: task.success_criteria.map((c) => ({
          ...c,
          state: task.status === 'completed' ? 'pass' : 'pending',
        })),
        history: engine.events({ task: id }).slice(-5),
      })
      // As the app writes it (src/app/state.ts): the body deflated, a digest of the status comment.
      state.saveIssue({
        task_id: id,
        repo: 'acme/app',
        number: number(id),
        issue_id: 3_000_000_000 + number(id),
        installation_id: 7,
        is_task: true,
        state: task.status === 'completed' ? 'closed' : 'open',
        state_reason: null,
        labels: ['task', `status: ${task.status.replace('_', ' ')}`, `priority: ${task.priority}`],
        assignees: task.lease ? [task.lease.holder] : [],
        body: bodies.get(id)!,
        accepted_body: bodies.get(id)!,
        status_comment_id: 4_000_000_000 + number(id),
        status_comment: statusCommentDigest(status),
        status_dirty: false,
        native_blocked_by: [],
        github_updated_at: task.updated_at,
        updated_at: task.updated_at,
      })
    }
  })
  engine.store.close()
}

/** Median milliseconds per step, plus where they were measured. */
type Figures = { node: string; driver: string } & Record<Step, number>

const STEPS = {
  sha256: 'SHA-256 of the file (read + hash)',
  integrity: '`PRAGMA integrity_check` (memory-mapped, as inspect runs it)',
  quick: '`PRAGMA quick_check` (the same, without index-versus-table checks)',
  schema:
    "schema objects compared with our migrations' (`checkSchema`: open read-only, read `sqlite_schema`; expected set cached)",
  schemaCold:
    'the same, expected set built first (a fresh `:memory:` database migrated; once per process)',
  inspect:
    '`inspectStateFile` (digest, header, schema objects, integrity, foreign keys, generation)',
  inspectQuick: '`inspectStateFile` with `check: quick`',
  open: '`openStateFile` (copy, open, pragmas)',
  vacuum: '`VACUUM INTO` alone (16 KiB pages, memory-mapped)',
  write: '`writeSnapshot` (`VACUUM INTO` + inspect of the copy)',
  writeQuick: '`writeSnapshot` with `check: quick`',
  run: '**per run: inspect + open + writeSnapshot**',
  runQuick: '**per run, both checks quick**',
} as const
type Step = keyof typeof STEPS

/** Median timings of the run's file steps on `state` with `driver`. */
function measure(state: string, driver: DriverFactory, name: string): Figures {
  const expectedSha256 = `sha256:${createHash('sha256').update(readFileSync(state)).digest('hex')}`
  const generation = inspectStateFile(state, { driver }).generation
  const rows: Record<Step, number>[] = []
  const pragma = (sql: string) => {
    const ro = new Store(driver(state, { readonly: true }))
    ro.driver.exec('PRAGMA mmap_size = 1073741824')
    const ms = time(() => ro.all(sql))
    ro.close()
    return ms
  }
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const dir = join(tempDb('x'), '..')
    const r = {} as Record<Step, number>
    r.sha256 = time(() => createHash('sha256').update(readFileSync(state)).digest('hex'))
    r.integrity = pragma('PRAGMA integrity_check(20)')
    r.quick = pragma('PRAGMA quick_check(20)')
    const schemaCheck = (open: DriverFactory) => () => {
      const ro = driver(state, { readonly: true })
      checkSchema(ro, state, open)
      ro.close()
    }
    r.schema = time(schemaCheck(driver))
    // A new factory is a new cache key: the expected objects are built again.
    r.schemaCold = time(schemaCheck((p, o) => driver(p, o)))
    r.inspect = time(() => inspectStateFile(state, { expectedSha256, driver }))
    r.inspectQuick = time(() => inspectStateFile(state, { expectedSha256, driver, check: 'quick' }))
    let store: Store | undefined
    r.open = time(() => {
      store = openStateFile(state, join(dir, 'work.db'), { driver })
    })
    r.vacuum = time(() => {
      store!.driver.exec('PRAGMA page_size = 16384; PRAGMA mmap_size = 1073741824')
      store!.run('VACUUM INTO ?', [join(dir, 'vacuum-only.db')])
      store!.driver.exec('PRAGMA page_size = 4096; PRAGMA mmap_size = 0')
    })
    const next = generation + 1
    r.write = time(() => writeSnapshot(store!, join(dir, 'a.db'), next, { driver }))
    r.writeQuick = time(() =>
      writeSnapshot(store!, join(dir, 'b.db'), next, { driver, check: 'quick' }),
    )
    store!.close()
    rmSync(dir, { recursive: true, force: true })
    r.run = r.inspect + r.open + r.write
    r.runQuick = r.inspectQuick + r.open + r.writeQuick
    if (i >= WARMUP) rows.push(r)
  }
  const figures = { node: process.versions.node, driver: name } as Figures
  for (const step of Object.keys(STEPS) as Step[]) figures[step] = median(rows.map((r) => r[step]))
  return figures
}

const child = process.env.STATE_BENCH_FILE
if (child) {
  process.stdout.write(JSON.stringify(measure(child, openNodeSqlite, 'node:sqlite')))
} else {
  const work = tempDb('work.db')
  const built = time(() => buildState(work))
  const fixture = openStore(work)
  const state = join(work, '..', 'state.db')
  writeSnapshot(fixture, state, 1)
  const counts = fixture.get<Record<string, number>>(
    `SELECT (SELECT count(*) FROM tasks) AS tasks, (SELECT count(*) FROM dependencies) AS deps,
       (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM gh_comments) AS comments,
       (SELECT count(*) FROM tasks WHERE status = 'completed') AS completed`,
  )!
  fixture.close()
  const sizes = new Store(openBetterSqlite3(state, { readonly: true }))
  const bySize = sizes.all<{ name: string; bytes: number }>(
    `SELECT coalesce((SELECT tbl_name FROM sqlite_schema s WHERE s.name = d.name), d.name) AS name, sum(pgsize) AS bytes
     FROM dbstat d GROUP BY 1 ORDER BY 2 DESC LIMIT 6`,
  )
  sizes.close()
  const figures = [measure(state, openBetterSqlite3, 'better-sqlite3')]
  let note = ''
  try {
    const out = execFileSync(node24(), [process.argv[1]!], {
      env: { ...process.env, STATE_BENCH_FILE: state },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    figures.push(JSON.parse(out) as Figures)
  } catch (err) {
    note = `node:sqlite on Node 24 not measured: ${(err as Error).message.split('\n')[0]}`
  }
  const data = readFileSync(state)
  const kb = (bytes: number) => `${fmt(bytes / TASKS / 1024, 2)} KB per task`
  const gzip = [1, 6].map((level) => {
    let out = Buffer.alloc(0)
    const ms = time(() => {
      out = gzipSync(data, { level })
    })
    return `gzip level ${level}: ${kb(out.length)} (${fmt(ms, 0)} ms)`
  })
  const best = (step: Step) => Math.max(...figures.map((f) => f[step]))
  const line = (step: Step, target = '', ok = '') =>
    `| ${STEPS[step]} | ${figures.map((f) => `${fmt(f[step], 1)} ms`).join(' | ')} | ${target} | ${ok} |`
  const verdict = (step: Step) => (best(step) <= TARGET_MS ? '✅' : '❌')
  const target = `≤ ${TARGET_MS} ms with download and upload`
  process.stdout.write(
    [
      `## State file of the Actions-hosted orchestrator (${TASKS.toLocaleString('en')} tasks)`,
      '',
      `A state built with the engine as the GitHub app leaves it (issue texts from the beads tracker, seed 20260301, ${fmt(built / 1000, 1)} s to build): ${counts.tasks!.toLocaleString('en')} tasks (${counts.completed!.toLocaleString('en')} completed), ${counts.deps!.toLocaleString('en')} dependencies, ${counts.events!.toLocaleString('en')} events, ${counts.comments!.toLocaleString('en')} processed command comments, issue bodies and status comments.`,
      `Median of ${RUNS} runs after ${WARMUP} warm-up; the run's own file work only (download and upload are measured with the orchestrator). Load average during the run ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs (other work on the machine slows every figure alike).`,
      '',
      `| step | ${figures.map((f) => `${f.driver}, Node ${f.node}`).join(' | ')} | target | |`,
      `|---|${figures.map(() => '---|').join('')}---|---|`,
      ...(
        [
          'sha256',
          'integrity',
          'quick',
          'schema',
          'schemaCold',
          'inspect',
          'inspectQuick',
          'open',
          'vacuum',
          'write',
          'writeQuick',
        ] as const
      ).map((s) => line(s)),
      line('run', target, verdict('run')),
      line('runQuick', target, verdict('runQuick')),
      `| state file (one file for both): ${fmt(data.length / 2 ** 20, 1)} MiB | ${figures.map(() => kb(data.length)).join(' | ')} | ≤ 2 KB per task | ${data.length / TASKS <= TARGET_BYTES_PER_TASK ? '✅' : '❌'} |`,
      '',
      `Largest tables with their indexes: ${bySize.map((t) => `${t.name} ${fmt(t.bytes / TASKS, 0)} B`).join(', ')} per task.`,
      `Compressed for transport (Node ${process.versions.node}): ${gzip.join('; ')}.`,
      '',
      ...(note ? [note, ''] : []),
    ].join('\n'),
  )
}
