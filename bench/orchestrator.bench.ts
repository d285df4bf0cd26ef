/**
 * The Actions-hosted mode (issue 5, "Figures to reach"):
 *
 * 1. Added time per run for the state sync at 10,000 tasks (each with an issue
 *    body of ~600 characters in the app's bookkeeping, a fifth completed with
 *    their events) — list, download
 *    (REST redirect + blob), verify (digest, integrity, schema, generation),
 *    open, `VACUUM INTO`, verify the copy, upload (Twirp + blob + finalize) —
 *    with the network mocked by the fake repository and artifact service on
 *    127.0.0.1 (test/action/orchestrator/support/fake-repository.ts) and the
 *    real `@actions/artifact` client. Target ≤ 300 ms; state file ≤ 2 KB per task.
 * 2. Requests of a catch-up scan of 500 comments of which 50 are missed
 *    commands (200 others are commands already handled, 250 are chat).
 *    Target ≤ 5 (paginate, never one request per issue or comment).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { githubArtifactStore } from '../src/action/orchestrator/artifacts.js'
import { writeSnapshot } from '../src/action/orchestrator/state-file.js'
import { loadState } from '../src/action/orchestrator/sync.js'
import { catchUpComments } from '../src/app/catch-up.js'
import { taskOrchestrator } from '../src/app/index.js'
import type { Octokit } from '../src/app/runtime.js'
import { AppState } from '../src/app/state.js'
import { FakeClock } from '../src/core/clock.js'
import { openStore } from '../src/core/db/open.js'
import { Engine } from '../src/core/engine.js'
import {
  type FakeRepository,
  startFakeRepository,
} from '../test/action/orchestrator/support/fake-repository.js'
import {
  repositoryOf,
  STATE_NAME,
  tokenProbot,
  useFakeRunner,
} from '../test/action/orchestrator/support/runs.js'
import { loadGitHubDescription } from '../test/support/github/openapi.js'
import { holdOutput } from '../test/support/held-output.js'
import { median, rng } from './util.js'

// The artifact client logs `::debug::` lines and upload progress to stdout,
// which bench/run.mjs copies into bench/RESULTS.md: hold them, show them (on
// stderr) only if the bench fails, and print only the section at the end.
const artifactLog = holdOutput([process.stdout])
process.once('exit', (code) => {
  if (code !== 0) artifactLog.release(process.stderr)
})
loadGitHubDescription()
const TASKS = 10_000
const ROUNDS = 7
const out: string[] = ['## Actions-hosted mode (orchestrator Action)', '']

// ---------------------------------------------------------------------------
// 1. Sync time at 10,000 tasks
// ---------------------------------------------------------------------------
{
  const clock = new FakeClock('2026-03-01T09:00:00.000Z')
  // The artifact service runs in a process of its own, as it is another
  // machine on a runner: its work is not on this process's thread.
  const server = spawn(process.execPath, [join(import.meta.dirname, 'fake-repository-server.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()))
    server.once('exit', (code) => reject(new Error(`the fake artifact service exited (${code})`)))
  })
  const fake = { url, owner: 'Codertocat', repo: 'Hello-World' } as FakeRepository
  useFakeRunner(fake)
  const dir = mkdtempSync(join(tmpdir(), 'orch-bench-'))
  const seedPath = join(dir, 'seed.db')
  const engine = new Engine(openStore(seedPath), { clock })
  const random = rng(5)
  const state = new AppState(engine.store)
  // An issue body of ~600 characters: a description of ~400, criteria and
  // dependency sections, as the app mirrors it in its bookkeeping.
  const description = (i: number) =>
    `Task ${i} changes the import path so that records are validated before they are written. `.repeat(
      4,
    ) + `See the discussion in #${Math.max(1, i - 3)} for the constraints.`
  engine.write(() => {
    for (let i = 1; i <= TASKS; i++) {
      const id = `o/r#${i}`
      engine.add({
        id,
        title: `Task ${i}: ${'implement the thing '.repeat(2)}`,
        description: description(i),
        priority: (['low', 'medium', 'high', 'critical'] as const)[i % 4],
        success_criteria:
          i % 3 === 0 ? [{ criterion: 'tests pass', measurable: 'tests.failed == 0' }] : [],
        depends_on: i > 10 && random() < 0.5 ? [`o/r#${1 + Math.floor(random() * (i - 1))}`] : [],
      })
    }
  })
  engine.write(() => {
    for (let i = 1; i <= TASKS; i++) {
      const id = `o/r#${i}`
      const criteria =
        i % 3 === 0 ? '\n\n### Success criteria\n\n- [ ] tests pass `tests.failed == 0`\n' : ''
      const body = `${description(i)}${criteria}\n\n### Depends on\n\n- [ ] #${Math.max(1, i - 5)}\n`
      state.saveIssue({
        task_id: id,
        repo: 'o/r',
        number: i,
        issue_id: 1_000_000 + i,
        installation_id: 1,
        is_task: true,
        state: 'open',
        state_reason: null,
        labels: [
          'task',
          'status: pending',
          `priority: ${['low', 'medium', 'high', 'critical'][i % 4]}`,
        ],
        assignees: [],
        body,
        accepted_body: body,
        status_comment_id: 2_000_000 + i,
        status_comment: `sha256:${'0'.repeat(64)}`,
        status_dirty: false,
        native_blocked_by: [],
        github_updated_at: '2026-03-01T09:00:00Z',
        updated_at: '2026-03-01T09:00:00Z',
      })
      state.recordComment(3_000_000 + i, 'o/r', i, 1, '2026-03-01T09:00:00Z')
    }
  })
  // Some history: a fifth of the tasks claimed and completed.
  for (const t of engine.ready({ limit: TASKS / 5 })) {
    const grant = engine.claim(t.id, 'agent-1')
    engine.complete(t.id, 'agent-1', grant.lease.token, {
      summary: 'done',
      validate: true,
      context: { tests: { failed: 0 } },
    })
  }
  const seeded = writeSnapshot(engine.store, join(dir, 'artifact', STATE_NAME), 1)
  // Where the bytes are: tables and indexes of the snapshot, per task.
  const sizes = engine.store.all<{ name: string; bytes: number }>(
    "SELECT name, sum(pgsize) AS bytes FROM dbstat('main') GROUP BY name ORDER BY bytes DESC LIMIT 8",
  )
  engine.store.close()
  const probot = tokenProbot(fake)
  const listing = (await probot().auth()) as unknown as Octokit
  const artifacts = githubArtifactStore(
    listing,
    { owner: fake.owner, repo: fake.repo, id: repositoryOf(fake).id },
    'ghs_run_token',
  )
  await artifacts.upload(seeded.path, 7)
  const phases: Record<string, number[]> = {
    'list + download': [],
    verify: [],
    open: [],
    'vacuum + verify copy': [],
    upload: [],
    total: [],
  }
  let bytes = 0
  for (let round = 0; round < ROUNDS; round++) {
    const work = mkdtempSync(join(tmpdir(), 'orch-run-'))
    const t0 = performance.now()
    const loaded = await loadState(artifacts, STATE_NAME, join(work, 'in'))
    const t1 = performance.now()
    const store = openStore(loaded.path)
    const t2 = performance.now()
    const snap = writeSnapshot(store, join(work, 'out', STATE_NAME), loaded.generation + 1, {
      check: 'quick',
      digest: false,
    })
    store.close()
    const t3 = performance.now()
    await artifacts.upload(snap.path, 7)
    const t4 = performance.now()
    bytes = snap.bytes
    phases['list + download']!.push(loaded.ms.download)
    phases.verify!.push(loaded.ms.verify)
    phases.open!.push(t2 - t1)
    phases['vacuum + verify copy']!.push(t3 - t2)
    phases.upload!.push(t4 - t3)
    phases.total!.push(t4 - t0)
    if (loaded.rebuild)
      throw new Error(
        `the bench state was not usable: ${loaded.rejected.map((r) => r.reason).join('; ')}`,
      )
    rmSync(work, { recursive: true, force: true })
  }
  const total = median(phases.total!)
  out.push(
    `### Sync per run at ${TASKS.toLocaleString('en')} tasks (network mocked, median of ${ROUNDS})`,
    '',
    '| phase | ms |',
    '| --- | ---: |',
    ...Object.entries(phases).map(([k, v]) => `| ${k} | ${median(v).toFixed(1)} |`),
    '',
    `Added time per run: **${total.toFixed(0)} ms** (target ≤ 300 ms) ${total <= 300 ? '✅' : '❌'}`,
    '',
    `Largest tables and indexes (bytes per task, in the live database): ${sizes.map((r) => `${r.name} ${(r.bytes / TASKS).toFixed(0)}`).join(', ')}.`,
    '',
    `State file: ${(bytes / 1024 / 1024).toFixed(2)} MiB = **${(bytes / TASKS).toFixed(0)} bytes per task** (target ≤ 2 KB) ${bytes / TASKS <= 2048 ? '✅' : '❌'}`,
    '',
  )
  server.kill('SIGTERM')
  rmSync(dir, { recursive: true, force: true })
}

// ---------------------------------------------------------------------------
// 2. Catch-up scan: 500 comments, 50 missed commands
// ---------------------------------------------------------------------------
{
  const clock = new FakeClock('2026-03-01T09:00:00.000Z')
  const fake = await startFakeRepository({ now: () => new Date(clock.now()).toISOString() })
  const engine = new Engine(openStore(':memory:'), { clock })
  const app = taskOrchestrator({ engine, clock, timers: false })
  const probot = tokenProbot(fake)()
  await probot.load(app)
  const rt = app.runtime
  for (let n = 1; n <= 10; n++) {
    fake.openIssue({ number: n })
    engine.add({ id: `${fake.owner}/${fake.repo}#${n}`, title: `Task ${n}` })
    engine.write(() =>
      rt.state.saveIssue({
        task_id: `${fake.owner}/${fake.repo}#${n}`,
        repo: `${fake.owner}/${fake.repo}`,
        number: n,
        issue_id: 100_000 + n,
        installation_id: null,
        is_task: true,
        state: 'open',
        state_reason: null,
        labels: ['task', 'status: pending'],
        assignees: [],
        body: '',
        accepted_body: '',
        status_comment_id: null,
        status_comment: null,
        status_dirty: false,
        native_blocked_by: [],
        github_updated_at: null,
        updated_at: rt.now(),
      }),
    )
  }
  for (const l of ['task', 'status: pending', 'status: in_progress']) {
    fake.labels.set(l, { name: l, color: 'ededed', description: null })
  }
  engine.write(() =>
    rt.state.saveCatchUpCursor(`${fake.owner}/${fake.repo}`, new Date(clock.now()).toISOString()),
  )
  let missed = 0
  for (let i = 0; i < 500; i++) {
    clock.advance(1000)
    const issue = 1 + (i % 10)
    if (i % 10 === 0) {
      fake.addComment(issue, '/status', `agent-${i}`)
      missed++
    } else if (i % 10 < 5) {
      const c = fake.addComment(issue, '/heartbeat', `agent-${i}`)
      engine.write(() =>
        rt.state.recordComment(c.id, `${fake.owner}/${fake.repo}`, issue, 1, rt.now()),
      )
    } else fake.addComment(issue, `Looking at this now (${i}).`, `person-${i}`)
  }
  const octokit = (await probot.auth()) as unknown as Octokit
  const before = fake.requests.length
  const report = await catchUpComments(rt, octokit, repositoryOf(fake), (e) => probot.receive(e))
  const listing = fake.requests
    .slice(before)
    .filter((r) => r.method === 'GET' && r.path.includes('/issues/comments?')).length
  const all = fake.requests.length - before
  const lastLooks = fake.requests
    .slice(before)
    .filter((r) => r.method === 'GET' && /\/issues\/\d+\/comments\?/.test(r.path)).length
  out.push(
    '### Catch-up scan: 500 comments, 50 missed commands',
    '',
    `Comments scanned: ${report.scanned}; missed commands caught up: ${report.caught.length} of ${missed}.`,
    '',
    `Scan requests (paginated listing): **${listing}** (target ≤ 5) ${listing <= 5 ? '✅' : '❌'}; the scan's own count: ${report.requests}.`,
    '',
    `Handling the ${report.caught.length} caught-up commands then costs what each command costs live (bench "GitHub API requests per command") plus one last look at its issue before it is answered (another run may be answering it): ${all - listing} requests here, of which ${lastLooks} last looks (\`/status\`: a last look, a reaction and a reply each, plus a permission look-up per new commenter).`,
    '',
  )
  if (fake.problems.length) throw new Error(fake.problems.join('\n'))
  await fake.close()
}

artifactLog.drop()
process.stdout.write(`${out.join('\n')}\n`)
