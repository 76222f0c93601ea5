/**
 * The outbox: every message a node sends is first written to the store, then delivered by this worker
 * until the receiver acknowledges it with a valid counter-signed receipt, or its TTL ends.
 *
 * Retry schedule: exponential backoff with "equal jitter" — the n-th retry waits
 * d = min(maxDelay, baseDelay · 2^(n-1)), then d/2 + random(0, d/2) — so a crowd of senders whose peer
 * came back does not retry in lock-step (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015).
 * A message is delivered at least once; the receiver's inbox makes processing exactly-once.
 *
 * Finding work: the sender hands each new row to `handoff(message)` once it is committed, and the
 * worker starts it at once if a slot is free and no older row waits, or queues it in memory behind
 * the rows already read (up to `batchSize` of them), without reading the store. Otherwise (a larger
 * backlog, retries falling due, rows written by another process) it scans the store for due rows,
 * `batchSize` at a time, keeps them in memory and starts them as slots free, scanning at least every
 * `idlePollMs`. Scanning at every free slot, as before, read every in-flight row again per message:
 * 15% of a sender's CPU in bench/delivery.ts; reading each handed-off row back by id, another ~2%.
 *
 * `concurrency` bounds the HTTP exchanges in flight. A delivery frees its slot once the peer has
 * answered, while its outcome (ledger entry and delivered mark, retry or end) waits for the next
 * group commit; it stays in flight until then, so it is never started twice.
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
  /**
   * HTTP exchanges in flight at once. A delivery whose answer is in no longer counts while its
   * outcome (ledger entry, retry, end) is being committed: it waits for the store, not the peer.
   */
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
  /** Rows being delivered: posted, or answered and being recorded. */
  private inFlight = new Set<number>();
  /** Of those, the ones whose HTTP exchange is not over (what `concurrency` bounds). */
  private posting = 0;
  /** Due rows read by a scan or handed off, not started yet, oldest first. */
  private ready: OutboxMessage[] = [];
  /** Ids of the rows in `ready`. */
  private readyIds = new Set<number>();
  /** Body digests known from signing, so a receipt is checked without hashing the body again. */
  private readonly digests = new WeakMap<OutboxMessage, string>();
  /** Ids of rows just queued (see `kick`). */
  private handoffs: number[] = [];
  /** Pending rows may be due that are neither in flight nor in `ready`: the store must be scanned. */
  private backlog = true;
  private lastScanAt = Number.NEGATIVE_INFINITY;
  /** The earliest retry scheduled since the last scan that did not yet cover it. */
  private retryDueAt = Number.POSITIVE_INFINITY;
  private wake: (() => void) | undefined;
  private kicked = false;
  private loopDone: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When the worker's current sleep ends on its own (−∞ while it is not sleeping). */
  private sleepingUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly opts: OutboxOptions,
    private readonly deps: OutboxDeps,
  ) {
    super();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // Rows read before a stop may have changed since: start from the store.
    this.ready = [];
    this.readyIds.clear();
    this.handoffs = [];
    this.backlog = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp();
    await this.loopDone;
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * Tells the worker that something was queued. Given the new row's `id`, the worker starts that
   * delivery at once if it has a free slot and no older message waits, without scanning the store.
   */
  kick(id?: number): void {
    if (id === undefined) this.backlog = true;
    else this.handoffs.push(id);
    this.wakeUp();
  }

  /**
   * Hands over a row just queued (committed, state `pending`, never attempted), with its body's
   * digest if known. It starts at once if a slot is free and nothing older waits, else it waits in
   * memory behind the rows already read; when too many wait, a scan of the store finds it in turn.
   */
  handoff(m: OutboxMessage, digest?: string): void {
    if (!this.running) return; // the scan at start finds it
    if (digest !== undefined) this.digests.set(m, digest);
    const now = this.deps.clock.now();
    if (now >= this.retryDueAt || now - this.lastScanAt >= this.opts.idlePollMs) this.backlog = true;
    if (!this.backlog) {
      if (this.ready.length === 0 && this.hasRoom()) {
        if (m.nextAttemptAt <= now) {
          this.begin(m);
          return;
        }
      } else if (this.ready.length < this.opts.batchSize) {
        if (!this.readyIds.has(m.id) && !this.inFlight.has(m.id)) {
          this.ready.push(m);
          this.readyIds.add(m.id);
        }
        return;
      }
    }
    this.backlog = true;
    this.wakeUp();
  }

  private wakeUp(): void {
    this.kicked = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async loop(): Promise<void> {
    const { logger } = this.deps;
    while (this.running) {
      let failed = false;
      try {
        await this.fill();
      } catch (e) {
        failed = true;
        logger.error({ err: e }, 'outbox: cannot read the store');
      }
      if (!this.running) break;
      await this.sleep(failed);
    }
  }

  /**
   * Starts deliveries up to `concurrency`: rows already read first, then rows just queued (when no
   * older row waits), then, only if pending rows may be waiting, rows from a scan of the store. A scan
   * returns the rows in flight too (they stay pending until answered), so scanning at every free slot
   * would read every in-flight row again for each message delivered.
   */
  private async fill(): Promise<void> {
    const { store, clock } = this.deps;
    const now = clock.now();
    // Retries fall due, and rows may come from a writer that does not kick: scan at least every idlePollMs.
    if (now >= this.retryDueAt || now - this.lastScanAt >= this.opts.idlePollMs) this.backlog = true;
    this.startReady();
    while (this.handoffs.length > 0 && !this.backlog && this.ready.length === 0 && this.hasRoom()) {
      const id = this.handoffs.shift()!;
      if (this.inFlight.has(id)) continue;
      const m = await store.outbox.get(id);
      // Not pending (a duplicate of a message already delivered), or not due yet: not to start now.
      if (m?.state !== 'pending' || this.inFlight.has(id)) continue;
      if (m.nextAttemptAt <= clock.now()) this.begin(m);
      else this.retryDueAt = Math.min(this.retryDueAt, m.nextAttemptAt);
    }
    if (this.handoffs.length > 0) {
      // No free slot, or older rows wait: a scan finds these rows in their turn.
      this.handoffs = [];
      this.backlog = true;
    }
    if (this.backlog && this.ready.length === 0 && this.hasRoom()) {
      const scanAt = clock.now();
      const limit = this.inFlight.size + this.opts.batchSize;
      const due = await store.outbox.due(scanAt, limit);
      this.backlog = due.length >= limit; // a full page: more rows may be due after it
      this.lastScanAt = scanAt;
      if (this.retryDueAt <= scanAt) this.retryDueAt = Number.POSITIVE_INFINITY;
      for (const m of due) {
        if (this.inFlight.has(m.id) || this.readyIds.has(m.id)) continue;
        this.ready.push(m);
        this.readyIds.add(m.id);
      }
      this.startReady();
    }
  }

  private hasRoom(): boolean {
    // Rows waiting for their commit are bounded too, should the store stall.
    return this.posting < this.opts.concurrency && this.inFlight.size < 4 * this.opts.concurrency;
  }

  private startReady(): void {
    while (this.ready.length > 0 && this.hasRoom()) {
      const m = this.ready.shift()!;
      this.readyIds.delete(m.id);
      if (!this.inFlight.has(m.id)) this.begin(m);
    }
  }

  private begin(m: OutboxMessage): void {
    this.inFlight.add(m.id);
    this.posting++;
    let posted = false;
    // The slot is freed as soon as the peer has answered: committing the outcome waits for the
    // store, and holding the slot through it left deliveries waiting in `ready` while both event
    // loops still waited for I/O 15-20% of the time (bench/delivery.ts: the sender's 64 slots were
    // all taken ~75% of the time).
    // The row stays in `inFlight` until its outcome is committed, so it is never started twice.
    const answered = (): void => {
      if (posted) return;
      posted = true;
      this.posting--;
      this.slotFreed();
    };
    this.attempt(m, answered).then(
      () => this.finished(m, answered),
      (e: unknown) => {
        // The store failed under us (e.g. while closing): the row stays pending and is retried later.
        this.deps.logger.error(
          { err: e, messageId: m.messageId, action: m.action },
          'outbox: delivery bookkeeping failed',
        );
        this.finished(m, answered);
      },
    );
  }

  /** A delivery is over (its outcome committed, or given up for now). */
  private finished(m: OutboxMessage, answered: () => void): void {
    this.inFlight.delete(m.id);
    answered(); // a no-op unless the attempt ended before its exchange did (e.g. TTL ended, store error)
    // Room again if rows waiting for their commit were at their bound; a retry the attempt scheduled
    // may fall due before the worker's sleep ends (slotFreed wakes it then).
    this.slotFreed();
    if (this.inFlight.size === 0) this.wakeUp();
  }

  /** A slot is free: the next row read goes at once; the worker is woken only for what needs it. */
  private slotFreed(): void {
    if (!this.running) {
      this.wakeUp();
      return;
    }
    this.startReady();
    if (
      (this.ready.length === 0 && (this.backlog || this.handoffs.length > 0)) ||
      this.retryDueAt < this.sleepingUntil
    ) {
      this.wakeUp();
    }
  }

  /**
   * Sleeps until kicked (something queued, or a delivery finished) or until the next pending message
   * not already in flight falls due, at most idlePollMs. Waking on the timer means a scan.
   */
  private async sleep(failed: boolean): Promise<void> {
    // Yield to I/O between passes: store calls may resolve without ever leaving the microtask queue.
    if (failed) {
      this.kicked = false; // after a store error, wait rather than spin
    } else if (this.kicked || (this.backlog && this.hasRoom())) {
      this.kicked = false;
      await new Promise((r) => setImmediate(r));
      return;
    }
    const now = this.deps.clock.now();
    let wait = Math.min(this.opts.idlePollMs, this.retryDueAt - now);
    if (this.inFlight.size === 0) {
      const next = await this.deps.store.outbox.nextDueAt().catch(() => undefined);
      if (next !== undefined) wait = Math.min(wait, next - this.deps.clock.now());
    }
    if (this.kicked) {
      this.kicked = false; // kicked while looking: nothing to sleep for
      return;
    }
    this.sleepingUntil = this.deps.clock.now() + Math.max(1, wait);
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, Math.max(1, wait));
    });
    clearTimeout(this.timer);
    this.sleepingUntil = Number.NEGATIVE_INFINITY;
    this.wake = undefined;
    if (!this.kicked) this.backlog = true;
    this.kicked = false;
  }

  /** Delivers `m` once and commits the outcome; calls `answered` once the HTTP exchange is over. */
  private async attempt(m: OutboxMessage, answered: () => void): Promise<void> {
    const { store, clock, logger, metrics, transport } = this.deps;
    const now = clock.now();
    if (now > m.expiresAt) {
      answered();
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
    answered();
    if (outcome.kind === 'delivered') {
      const receipt = outcome.receipt;
      const entry = await this.deps.ledger.write(
        {
          direction: 'out',
          counterparty: m.recipient,
          action: m.action,
          transactionId: m.transactionId,
          messageId: m.messageId,
          body: m.body,
          authorization: m.authorization,
          receipt,
          // checkReceipt found it to be the body's digest.
          bodyDigest: receipt.digest,
        },
        { effect: 'delivered', outboxId: m.id },
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
    this.retryDueAt = Math.min(this.retryDueAt, Math.round(next));
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
    if (r.digest !== (this.digests.get(m) ?? bodyDigest(m.body))) return 'the receipt covers other bytes';
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
