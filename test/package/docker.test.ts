/**
 * The Dockerfile: builds the image and runs it as docs/deploy.md says, until
 * Probot's `/ping` answers; the process runs as a user other than root, the
 * database lands on the volume at TM_DB, and `tm` is on the PATH.
 *
 * It needs a container engine (docker or podman) that can pull
 * `node:22-bookworm-slim`. Without one the test is skipped, and says why:
 * the only skip in the suite (the npm package itself is tested by
 * pack.test.ts, which always runs).
 */
import { spawnSync } from 'node:child_process'
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'

/** The first engine whose client reaches a daemon (`docker info`), or why there is none. */
function findEngine(): { engine: string | null; reason: string } {
  const reasons: string[] = []
  for (const engine of ['docker', 'podman']) {
    const r = spawnSync(engine, ['info'], { encoding: 'utf8', timeout: 20_000 })
    if (r.error) reasons.push(`${engine}: not installed`)
    else if (r.status !== 0)
      reasons.push(
        `${engine}: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.status}`}`,
      )
    else return { engine, reason: '' }
  }
  return { engine: null, reason: reasons.join('; ') }
}

const { engine, reason } = findEngine()
if (!engine) {
  process.stderr.write(`test/package/docker.test.ts: skipped, no container engine: ${reason}\n`)
}

describe.skipIf(!engine)(`the Docker image (${engine ?? 'no container engine'})`, () => {
  const tag = `task-orchestrator-test:${randomUUID().slice(0, 8)}`
  const container = `task-orchestrator-test-${randomUUID().slice(0, 8)}`
  const volume = `${container}-data`
  const run = (args: string[], timeout = 60_000) => {
    const r = spawnSync(engine!, args, { encoding: 'utf8', timeout, maxBuffer: 1 << 26 })
    if (r.status !== 0) throw new Error(`${engine} ${args.join(' ')}: ${r.stderr || r.stdout}`)
    return r.stdout.trim()
  }

  afterAll(() => {
    spawnSync(engine!, ['rm', '--force', container])
    spawnSync(engine!, ['volume', 'rm', '--force', volume])
    spawnSync(engine!, ['rmi', '--force', tag])
  })

  it('builds, starts as a non-root user and answers /ping, with the database on the volume', async () => {
    run(['build', '--tag', tag, '.'], 1_200_000)
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    run([
      'run',
      '--detach',
      '--name',
      container,
      '--publish',
      '127.0.0.1::3000',
      '--volume',
      `${volume}:/data`,
      '--env',
      'APP_ID=1',
      '--env',
      `PRIVATE_KEY=${privateKey}`,
      '--env',
      'WEBHOOK_SECRET=secret',
      tag,
    ])
    const port = run(['port', container, '3000/tcp']).split('\n')[0]!.split(':').pop()
    let answer = ''
    for (let i = 0; i < 100 && answer !== '200 PONG'; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/ping`)
        answer = `${res.status} ${await res.text()}`
      } catch {
        await new Promise((r) => setTimeout(r, 300))
      }
    }
    expect(answer, run(['logs', container])).toBe('200 PONG')
    expect(run(['exec', container, 'id', '-u'])).not.toBe('0')
    expect(run(['exec', container, 'ls', '/data'])).toContain('tasks.db')
    expect(run(['exec', container, 'tm', '--version'])).toMatch(/^\d+\.\d+\.\d+$/)
    const backup = run(['exec', container, 'tm', '--json', 'backup', '/data/backups/manual.db'])
    expect(JSON.parse(backup)).toMatchObject({ ok: true, out: '/data/backups/manual.db' })
  }, 1_500_000)
})
