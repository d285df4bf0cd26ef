/**
 * The local transport of the agent client: the engine on a SQLite file, as
 * `tm` runs it (`src/cli/runtime.ts`): the database from the `db` option or
 * `TM_DB` or the default path, never created (a missing file is
 * `StorageError`, run `tm init`), the lease policy `tm init` saved in it, and
 * storage failures reported as `StorageError` naming the file. Each call is
 * one engine command in one transaction, with the result `tm --json` prints
 * for the same verb (its `ok: true` aside).
 *
 * This module loads better-sqlite3; `./index.ts` imports it only when a
 * local client is created, so a program using only the GitHub transport
 * never loads the native addon.
 */
import { openStore, resolveDbPath } from '../core/db/open.js'
import { isStorageFailure, storageError } from '../core/db/storage-error.js'
import { Engine } from '../core/engine.js'
import { TaskError } from '../core/errors.js'
import { ClientError } from './errors.js'
import type {
  AgentClient,
  AskResult,
  CallOptions,
  CompleteOptions,
  CompleteResult,
  ContextResult,
  FailResult,
  Grant,
  HeartbeatResult,
  LocalClientOptions,
  NextOptions,
  NextResult,
  ProgressResult,
  ReadyResult,
  ReleaseResult,
  ShareResult,
  StatusResult,
} from './types.js'

/** {@link AgentClient} over the engine on a SQLite file; see the module comment. */
export class LocalClient implements AgentClient {
  readonly transport = 'local' as const
  readonly agent: string
  private readonly engine: Engine
  private readonly path: string
  private closed = false

  /**
   * Open the database (see the module comment). Throws `InvalidInput` when
   * `agent` is empty, `StorageError` when the file is missing, newer than
   * this version, or unusable.
   */
  constructor(options: LocalClientOptions) {
    if (!options.agent?.trim())
      throw new TaskError(
        'InvalidInput',
        'Who is acting? Pass the agent name: createLocalClient({ agent: "ada" }).',
      )
    this.agent = options.agent
    this.path = resolveDbPath(options.db)
    const store = this.guard(() => openStore(this.path, { create: false }))
    this.engine = new Engine(store, options.clock ? { clock: options.clock } : {})
  }

  /** Run `fn` after checking the signal; storage failures become `StorageError` on this file. */
  private run<T>(options: CallOptions | undefined, fn: (engine: Engine) => T): Promise<T> {
    try {
      if (this.closed) throw new ClientError('Unsupported', 'This client is closed.')
      if (options?.signal?.aborted)
        throw new ClientError('Aborted', 'The call was aborted before it started.', {
          reason: String(options.signal.reason),
        })
      return Promise.resolve(this.guard(() => fn(this.engine)))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      throw isStorageFailure(err) ? storageError(err, this.path) : err
    }
  }

  next(options: NextOptions = {}): Promise<NextResult> {
    return this.run(options, (e) => {
      if (options.persona !== undefined)
        throw new ClientError(
          'Unsupported',
          'next({ persona }) is for GitHub; locally the agent registration decides (tm agent add --persona).',
        )
      return e.next(this.agent, {
        claim: options.claim ?? true,
        ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}),
      })
    })
  }

  claim(task: string, options: CallOptions & { ttlMs?: number } = {}): Promise<Grant> {
    return this.run(options, (e) => e.claim(task, this.agent, options.ttlMs))
  }

  heartbeat(
    task: string,
    token: number,
    options: CallOptions & { ttlMs?: number } = {},
  ): Promise<HeartbeatResult> {
    return this.run(options, (e) => ({
      lease: e.heartbeat(task, this.agent, token, options.ttlMs),
    }))
  }

  progress(
    task: string,
    report: { percent?: number | null; message?: string },
    options: CallOptions = {},
  ): Promise<ProgressResult> {
    return this.run(options, (e) => {
      const percent = report.percent ?? null
      if (percent !== null || report.message)
        e.progress(task, this.agent, percent, report.message ?? '')
      return { task, progress: e.progressHistory(task) }
    })
  }

  complete(task: string, token: number, options: CompleteOptions = {}): Promise<CompleteResult> {
    return this.run(options, (e) =>
      e.complete(task, this.agent, token, {
        ...(options.summary ? { summary: options.summary } : {}),
        validate: options.validate ?? false,
        context: options.context ?? {},
        confirm: options.confirm ?? [],
        ...(options.actualHours !== undefined ? { actualHours: options.actualHours } : {}),
      }),
    )
  }

  done(task: string, token: number, options?: CompleteOptions): Promise<CompleteResult> {
    return this.complete(task, token, options)
  }

  fail(
    task: string,
    token: number,
    reason: string,
    options: CallOptions & { retry?: boolean } = {},
  ): Promise<FailResult> {
    return this.run(options, (e) => ({
      task,
      ...e.fail(task, this.agent, token, reason, options.retry ?? true),
    }))
  }

  release(
    task: string,
    token: number,
    options: CallOptions & { reason?: string } = {},
  ): Promise<ReleaseResult> {
    return this.run(options, (e) => {
      e.release(task, this.agent, token, options.reason)
      return { task }
    })
  }

  ask(
    task: string,
    question: string,
    options: CallOptions & { to?: string } = {},
  ): Promise<AskResult> {
    return this.run(options, (e) =>
      e.ask(task, this.agent, options.to?.replace(/^@/, '') ?? null, question),
    )
  }

  status(task: string, options: CallOptions = {}): Promise<StatusResult> {
    return this.run(options, (e) => ({ task: e.show(task) }))
  }

  show(task: string, options?: CallOptions): Promise<StatusResult> {
    return this.status(task, options)
  }

  ready(options: CallOptions & { persona?: string; limit?: number } = {}): Promise<ReadyResult> {
    return this.run(options, (e) => ({
      tasks: e.ready({
        ...(options.persona ? { persona: options.persona } : {}),
        ...(options.limit ? { limit: options.limit } : {}),
      }),
    }))
  }

  share(
    task: string,
    key: string,
    value: unknown,
    options: CallOptions = {},
  ): Promise<ShareResult> {
    return this.run(options, (e) => ({ task, entry: e.share(task, key, value, this.agent) }))
  }

  context(task: string, options: CallOptions = {}): Promise<ContextResult> {
    return this.run(options, (e) => ({ context: e.context(task) }))
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.engine.store.close()
  }
}
