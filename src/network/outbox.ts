/**
 * The outbox: every message a node sends is first written to the store, then delivered by this worker
 * until the receiver acknowledges it with a valid counter-signed receipt, or its TTL ends.
 *
 * Retry schedule: exponential backoff with "equal jitter" — the n-th retry waits
 * d = min(maxDelay, baseDelay · 2^(n-1)), then d/2 + random(0, d/2) — so a crowd of senders whose peer
 * came back does not retry in lock-step (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015).
 * A message is delivered at least once; the receiver's inbox makes processing exactly-once.
 */

import type { KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Ledger } from '../ledger/index.js';
import type { AckBody } from '../protocol/ack.js';
import { decodeReceipt, type Receipt, verifyReceipt } from '../protocol/receipt.js';
import { bodyDigest } from '../protocol/signing.js';
import type { OutboxMessage, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Metrics } from '../util/metrics.js';
import type { Transport } from './transport.js';

export interface OutboxOptions {
  /** Deliveries in flight at once. */
  concurrency: number;
  /** First retry delay, milliseconds. */
  baseDelayMs: number;
  /** Longest retry delay, milliseconds. */
  maxDelayMs: number;
  /** Messages fetched from the store per pass. */
  batchSize: number;
  /** Longest sleep between passes when nothing is due, milliseconds. */
  idlePollMs: number;
}

export const defaultOutboxOptions: OutboxOptions = {
  concurrency: 64,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  batchSize: 256,
  idlePollMs: 1_000,
};

export interface OutboxDeps {
  store: Store;
  ledger: Ledger;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** The public key of a recipient (by subscriber id and the key id its receipt names). */
  receiverKey(subscriberId: string, keyId: string): Promise<KeyObject | undefined>;
}

export interface DeliveredEvent {
  message: OutboxMessage;
  receipt: Receipt;
  seq: number;
}

export interface FailedEvent {
  message: OutboxMessage;
  state: 'expired' | 'rejected';
  error: string;
}

/** Emits `delivered` (DeliveredEvent) and `failed` (FailedEvent). */
export class Outbox extends EventEmitter {
  private running = false;
  private inFlight = new Set<number>();
  private wake: (() => void) | undefined;
  private kicked = false;
  private loopDone: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: OutboxOptions,
    private readonly deps: OutboxDeps,
  ) {
    super();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loopDone;
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 5));
  }

  /** Tells the worker that something was queued. */
  kick(): void {
    this.kicked = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async loop(): Promise<void> {
    const { store, clock, logger } = this.deps;
    while (this.running) {
      let fetched = 0;
      try {
        const free = this.opts.concurrency - this.inFlight.size;
        if (free > 0) {
          const due = await store.outbox.due(
            clock.now(),
            Math.min(this.opts.batchSize, free + this.inFlight.size),
          );
          for (const m of due) {
            if (this.inFlight.has(m.id) || this.inFlight.size >= this.opts.concurrency) continue;
            this.inFlight.add(m.id);
            fetched++;
            void this.attempt(m).finally(() => {
              this.inFlight.delete(m.id);
              this.kick();
            });
          }
        }
      } catch (e) {
        logger.error({ err: e }, 'outbox: cannot read the store');
      }
      if (!this.running) break;
      // Yield to I/O between passes: store calls may resolve without ever leaving the microtask queue.
      if (fetched > 0 && this.inFlight.size < this.opts.concurrency) {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      await this.sleep();
    }
  }

  /**
   * Sleeps until kicked (something queued, or a delivery finished) or until the next pending message
   * not already in flight falls due, at most idlePollMs.
   */
  private async sleep(): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      await new Promise((r) => setImmediate(r));
      return;
    }
    let wait = this.opts.idlePollMs;
    if (this.inFlight.size === 0) {
      const next = await this.deps.store.outbox.nextDueAt().catch(() => undefined);
      if (next !== undefined) wait = Math.max(1, Math.min(wait, next - this.deps.clock.now()));
    }
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, wait);
    });
    clearTimeout(this.timer);
    this.wake = undefined;
    this.kicked = false;
  }

  private async attempt(m: OutboxMessage): Promise<void> {
    const { store, clock, logger, metrics, transport } = this.deps;
    const now = clock.now();
    if (now > m.expiresAt) {
      await this.end(m, 'expired', `TTL ended before delivery after ${m.attempts} attempt(s)`);
      return;
    }
    let outcome: { kind: 'delivered'; receipt: Receipt } | { kind: 'retry' | 'rejected'; error: string };
    try {
      const res = await transport.post(m.url, m.body, { authorization: m.authorization });
      outcome = await this.judge(m, res.status, res.body as AckBody | undefined, res.receipt);
    } catch (e) {
      outcome = { kind: 'retry', error: (e as Error).message || String(e) };
    }
    if (outcome.kind === 'delivered') {
      const receipt = outcome.receipt;
      const entry = await this.deps.ledger.record(
        {
          direction: 'out',
          counterparty: m.recipient,
          action: m.action,
          transactionId: m.transactionId,
          messageId: m.messageId,
          body: m.body,
          authorization: m.authorization,
          receipt,
        },
        (e) => store.outbox.delivered(m.id, e),
      );
      metrics.messagesOut.inc({ action: m.action, result: 'delivered' });
      metrics.deliverySeconds.observe({ action: m.action }, (clock.now() - m.createdAt) / 1000);
      logger.debug({ action: m.action, messageId: m.messageId, to: m.recipient }, 'delivered');
      this.emit('delivered', { message: m, receipt, seq: entry?.seq ?? -1 } satisfies DeliveredEvent);
      return;
    }
    if (outcome.kind === 'rejected') {
      await this.end(m, 'rejected', outcome.error);
      return;
    }
    const attempts = m.attempts + 1;
    const d = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.min(attempts - 1, 30));
    const next = now + d / 2 + Math.random() * (d / 2);
    if (next > m.expiresAt) {
      await this.end(m, 'expired', `TTL ends before the next attempt; last error: ${outcome.error}`);
      return;
    }
    metrics.messagesOut.inc({ action: m.action, result: 'retry' });
    if (attempts === 1 || attempts % 10 === 0) {
      logger.warn(
        { action: m.action, to: m.recipient, attempts, error: outcome.error },
        'delivery failed, will retry',
      );
    }
    await store.outbox.retryLater(m.id, Math.round(next), outcome.error);
  }

  /** Reads the receiver's answer: delivered (ACK with a valid receipt), retry later, or rejected for good. */
  private async judge(
    m: OutboxMessage,
    status: number,
    ack: AckBody | undefined,
    receiptHeader: string | undefined,
  ): Promise<{ kind: 'delivered'; receipt: Receipt } | { kind: 'retry' | 'rejected'; error: string }> {
    const status200 = status >= 200 && status < 300 && ack?.message?.ack?.status === 'ACK';
    const errCode = ack?.error?.message?.split(':')[0];
    // A REPLAY NACK carrying a receipt means an earlier attempt was accepted and its ACK was lost.
    if (status200 || (errCode === 'REPLAY' && receiptHeader)) {
      const receipt = receiptHeader ? decodeReceipt(receiptHeader) : undefined;
      if (!receipt) return { kind: 'retry', error: `ACK without a valid receipt (HTTP ${status})` };
      const why = await this.checkReceipt(m, receipt);
      return why ? { kind: 'retry', error: why } : { kind: 'delivered', receipt };
    }
    const reason = ack?.error ? `${ack.error.code} ${ack.error.message}` : `HTTP ${status}`;
    // Server trouble, overload, or a peer that does not know us yet: try again until the TTL ends.
    if (status >= 500 || status === 429 || status === 408 || errCode === 'UNKNOWN_SENDER' || status === 0) {
      return { kind: 'retry', error: reason };
    }
    return { kind: 'rejected', error: reason };
  }

  private async checkReceipt(m: OutboxMessage, r: Receipt): Promise<string | undefined> {
    if (r.message_id !== m.messageId || r.action !== m.action) return 'the receipt names another message';
    if (r.receiver_id !== m.recipient) return 'the receipt is signed by another party';
    if (r.digest !== bodyDigest(m.body)) return 'the receipt covers other bytes';
    const key = await this.deps.receiverKey(r.receiver_id, r.receiver_key_id);
    if (!key) return `no key for the receiver ${r.receiver_id}`;
    if (!verifyReceipt(r, key)) return 'the receipt signature does not verify';
    return undefined;
  }

  private async end(m: OutboxMessage, state: 'expired' | 'rejected', error: string): Promise<void> {
    await this.deps.store.outbox.end(m.id, state, error);
    this.deps.metrics.messagesOut.inc({ action: m.action, result: state });
    this.deps.logger.warn(
      { action: m.action, to: m.recipient, messageId: m.messageId, error },
      `message ${state}`,
    );
    this.emit('failed', { message: m, state, error } satisfies FailedEvent);
  }
}
