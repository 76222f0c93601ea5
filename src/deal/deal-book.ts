/**
 * The deal book: the state of each deal (transaction, counterparty) on this node, checked and advanced
 * by every message sent or received (see protocol/deal.ts for the rules).
 */
import { type Action, isCallback } from '../protocol/actions.js';
import { type DealPhase, isDealPhase, step } from '../protocol/deal.js';
import type { DealRecord, DealRole, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { WeftError } from '../util/errors.js';

/** What a node remembers of a deal beyond its phase. */
export interface DealData {
  intent?: unknown;
  catalog?: unknown;
  order?: Record<string, unknown>;
  /** Fulfilment state code last reported (PENDING, IN_PRODUCTION, SHIPPED, DELIVERED…). */
  fulfillment?: string;
  /** The last Beckn error received or sent in a callback. */
  error?: { code: string; message: string };
  ratings?: unknown[];
}

/** The counterparty of a need broadcast to the network (the deal with "everyone"). */
export const BROADCAST = '*';

/** Which side of the deal this node is on for a message sent or received. */
export function roleOf(action: Action, direction: 'in' | 'out'): DealRole {
  const request = !isCallback(action);
  return (request && direction === 'out') || (!request && direction === 'in') ? 'buyer' : 'supplier';
}

export class DealBook {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async withLock<T>(transactionId: string, counterparty: string, fn: () => Promise<T>): Promise<T> {
    const key = `${transactionId}\u0000${counterparty}`;
    const prev = this.locks.get(key);
    // Nobody holds the deal: start at once rather than a microtask later.
    const run = prev ? prev.then(fn, fn) : fn();
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  async get(transactionId: string, counterparty: string): Promise<DealRecord | undefined> {
    return this.deps.store.deals.get(transactionId, counterparty);
  }

  async phase(transactionId: string, counterparty: string): Promise<DealPhase> {
    const d = await this.get(transactionId, counterparty);
    if (d) return isDealPhase(d.state) ? d.state : 'none';
    // A need broadcast to everyone: any supplier may answer it as if it had been asked directly.
    const b = await this.get(transactionId, BROADCAST);
    return b ? 'searching' : 'none';
  }

  async check(
    transactionId: string,
    counterparty: string,
    action: Action,
    direction: 'in' | 'out',
  ): Promise<void> {
    const r = step(await this.phase(transactionId, counterparty), action);
    if (!r.ok) {
      throw new WeftError('OUT_OF_ORDER', r.reason, {
        peerAction: 'ignore',
        details: { transactionId, counterparty, action, direction },
      });
    }
  }

  async advance(
    transactionId: string,
    counterparty: string,
    action: Action,
    direction: 'in' | 'out',
  ): Promise<void> {
    await this.deps.store.deals.step(await this.plan(transactionId, counterparty, action, direction));
  }

  /**
   * `check` and `advance` in one read: throws OUT_OF_ORDER (as `check`) if the step is not allowed
   * now, else returns the deal as `advance` would record it, for the caller to record together with
   * the step's other effects (with the queued message, or the ledger entry of an accepted message;
   * see Store.deals.step).
   */
  async plan(
    transactionId: string,
    counterparty: string,
    action: Action,
    direction: 'in' | 'out',
  ): Promise<DealRecord> {
    const { store, clock } = this.deps;
    const current = await store.deals.get(transactionId, counterparty);
    const phase: DealPhase = current
      ? isDealPhase(current.state)
        ? current.state
        : 'none'
      : (await store.deals.get(transactionId, BROADCAST))
        ? 'searching'
        : 'none';
    const r = step(phase, action);
    if (!r.ok) {
      throw new WeftError('OUT_OF_ORDER', r.reason, {
        peerAction: 'ignore',
        details: { transactionId, counterparty, action, direction },
      });
    }
    return {
      transactionId,
      counterparty,
      role: current?.role ?? roleOf(action, direction),
      state: r.phase,
      data: current?.data ?? '{}',
      updatedAt: clock.now(),
    };
  }

  async data(transactionId: string, counterparty: string): Promise<DealData> {
    const d = await this.get(transactionId, counterparty);
    return d ? (JSON.parse(d.data) as DealData) : {};
  }

  /** Merges `patch` into the deal's data; `phase` overrides the phase (a delivered order completes). */
  async update(
    transactionId: string,
    counterparty: string,
    patch: DealData,
    phase?: DealPhase,
  ): Promise<void> {
    const d = await this.get(transactionId, counterparty);
    if (!d) throw new WeftError('NOT_FOUND', `no deal ${transactionId} with ${counterparty}`);
    const data = { ...(JSON.parse(d.data) as DealData), ...patch };
    await this.deps.store.deals.put({
      ...d,
      state: phase ?? d.state,
      data: JSON.stringify(data),
      updatedAt: this.deps.clock.now(),
    });
  }
}
