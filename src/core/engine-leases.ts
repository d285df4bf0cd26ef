/**
 * The engine's lease commands (DESIGN.md "Leases"): claim, next, heartbeat,
 * release, complete, fail, assign, revoke and the sweep of expired leases.
 * Each public method is one command in one transaction, like every engine
 * command; `Engine` (engine.ts) inherits them, so front doors call
 * `engine.claim(…)`, `engine.sweep(…)` … as before.
 */
import { type NextOptions, type NextOutcome, next, pickNext } from './agents.js'
import { type CompleteOutcome, type CompleteRequest, complete } from './completion.js'
import type { LeasePolicy } from './engine-base.js'
import { CollaborationEngine } from './engine-collaboration.js'
import { appendEvent } from './events.js'
import {
  claim,
  type ExpiredLease,
  type FailOutcome,
  fail,
  type Grant,
  heartbeat,
  release,
  sweep,
  sweepDue,
} from './leases.js'
import { assign } from './maintenance.js'
import type { Lease } from './model.js'
import { revokeLease } from './overrides.js'

/** Lease commands over {@link CollaborationEngine}; see the module comment. */
export class LeaseEngine extends CollaborationEngine {
  /**
   * Sweep `id`'s expired lease, then grant `agent` a lease on it (see
   * `leases.claim`); `ttlMs` in ms. `policy` (default: the engine's) is the
   * task's lease policy: the default TTL and its maximum, the lock-delay of
   * the sweep, personas enforced or not, the default capacity.
   */
  claim(id: string, agent: string, ttlMs?: number, policy?: LeasePolicy): Grant {
    return this.write((ctx) => {
      // Only this task's expired lease: front doors that report expiries (the
      // GitHub app) must see the others in their own sweep.
      sweep(ctx, id)
      return claim(ctx, id, agent, ttlMs)
    }, policy)
  }

  /**
   * Best task for `agent`; with `claim`, claimed in the same transaction.
   * `policy` (default: the engine's) applies to every task considered and
   * swept: for one database with one policy (`tm`), or with `scope` for the
   * tasks of one policy (`owner/repo#`: one repository's, as the GitHub
   * app's `/next`); `personas` replaces the agent's registered ones (see
   * `agents.NextOptions`).
   */
  next(
    agent: string,
    options: { claim?: boolean; ttlMs?: number; policy?: LeasePolicy } & NextOptions = {},
  ): NextOutcome {
    const pick: NextOptions = {
      ...(options.scope !== undefined ? { scope: options.scope } : {}),
      ...(options.personas !== undefined ? { personas: options.personas } : {}),
    }
    if (!options.claim) {
      if (pick.scope === undefined) this.sweepIfDue(options.policy)
      else this.sweep(() => options.policy ?? this.settings, pick.scope)
      return this.read(
        (ctx) => ({ task: pickNext(ctx, agent, pick) ?? null, grant: null }),
        options.policy,
      )
    }
    return this.write((ctx) => next(ctx, agent, true, options.ttlMs, pick), options.policy)
  }

  /**
   * Extend a live lease to now + TTL; needs the holder and the current
   * fencing token. `policy` (default: the engine's) gives the default TTL and
   * its maximum.
   */
  heartbeat(id: string, agent: string, token: number, ttlMs?: number, policy?: LeasePolicy): Lease {
    return this.write((ctx) => heartbeat(ctx, id, agent, token, ttlMs), policy)
  }

  /** Give a lease back without counting an attempt; needs the holder and the current token. */
  release(id: string, agent: string, token: number, reason?: string): void {
    this.write((ctx) => release(ctx, id, agent, token, reason))
  }

  /**
   * Complete a task (see `completion.ts`). A refusal because of criteria is
   * itself recorded as a `criteria_evaluated` event, in its own transaction,
   * so the log shows every attempt.
   */
  complete(
    id: string,
    agent: string,
    token: number,
    request: CompleteRequest = {},
  ): CompleteOutcome {
    try {
      return this.write((ctx) => complete(ctx, id, agent, token, request))
    } catch (err) {
      if ((err as { code?: string }).code === 'CriteriaFailed') {
        const details = (err as { details: Record<string, unknown> }).details
        this.write((ctx) =>
          appendEvent(ctx.store, {
            at: ctx.now,
            type: 'criteria_evaluated',
            task_id: id,
            actor: agent,
            details: { passed: false, ...details },
          }),
        )
      }
      throw err
    }
  }

  /** Report failure: retried while attempts remain (and `retry`), else `failed`. */
  fail(id: string, agent: string, token: number, reason: string, retry = true): FailOutcome {
    return this.write((ctx) => fail(ctx, id, agent, token, reason, retry))
  }

  /**
   * Grant `agent` a lease on `id` on behalf of `actor`, a maintainer (see
   * `maintenance.assign`): refused like a claim, personas aside; `ttlMs` in ms.
   * Sweeps `id`'s expired lease first, as {@link LeaseEngine.claim} does, under
   * the same `policy` (default: the engine's).
   */
  assign(
    id: string,
    agent: string,
    actor: string | null = null,
    ttlMs?: number,
    policy?: LeasePolicy,
  ): Grant {
    return this.write((ctx) => {
      sweep(ctx, id)
      return assign(ctx, id, agent, actor, ttlMs)
    }, policy)
  }

  /** End another agent's lease without its token; returns the former holder. */
  revokeLease(id: string, actor: string | null, reason: string): string {
    return this.write((ctx) => revokeLease(ctx, id, actor, reason))
  }

  /**
   * Return expired leases to the queue (see `leases.sweep`). `policyOf` gives
   * the policy of each task it expires (the lock-delay; default: the
   * engine's), so one sweep serves tasks under different policies — the
   * GitHub app's, one per repository.
   */
  sweep(policyOf?: (task: string) => LeasePolicy, scope?: string): ExpiredLease[] {
    return this.write((ctx) => sweep(ctx, scope === undefined ? undefined : { scope }, policyOf))
  }

  /** Sweep every expired lease when some lease has expired (under `policy`, default the engine's). */
  protected sweepIfDue(policy?: LeasePolicy): void {
    if (this.read((ctx) => sweepDue(ctx))) this.sweep(policy && (() => policy))
  }
}
