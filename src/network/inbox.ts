/**
 * The inbox: the edge where a peer's bytes come in. In order, each check naming what is wrong:
 * signature header → sender is a trusted peer → time window and signature → schema of the action →
 * the context names the signer as sender and us as recipient → not a replay → the deal allows the
 * step. Only then is the message recorded (ledger entry + inbox row, atomically) and a counter-signed
 * receipt returned. Nothing from a rejected message is stored.
 */

import type { Ledger } from '../ledger/index.js';
import type { Action } from '../protocol/actions.js';
import { isCallback } from '../protocol/actions.js';
import { durationMs } from '../protocol/context.js';
import { importPublicKey, type KeyPair, publicKeyFromPeerId } from '../protocol/keys.js';
import { type BecknRequest, parseBecknRequest } from '../protocol/messages.js';
import { decodeReceipt, type Receipt, signReceipt } from '../protocol/receipt.js';
import { bodyDigest, parseAuthorization, type SignatureParams, verifyBody } from '../protocol/signing.js';
import type { DealRecord, LedgerEntry, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { WeftError } from '../util/errors.js';
import type { KnownPeer, PeerDirectory } from './peer-directory.js';

export interface InboxOptions {
  /** Largest accepted body, bytes. */
  maxBodyBytes: number;
  /** Allowed clock difference with a sender, seconds. */
  clockSkewSec: number;
}

export const defaultInboxOptions: InboxOptions = { maxBodyBytes: 256 * 1024, clockSkewSec: 30 };

/** The deal rules the inbox enforces before accepting a message (see deal/). */
export interface DealGate {
  /** Runs `fn` with the deal (transaction, counterparty) locked against concurrent steps. */
  withLock<T>(transactionId: string, counterparty: string, fn: () => Promise<T>): Promise<T>;
  /** Throws OUT_OF_ORDER if the step is not allowed now. */
  check(transactionId: string, counterparty: string, action: Action, direction: 'in' | 'out'): Promise<void>;
  /**
   * Throws OUT_OF_ORDER (as `check`) if the step is not allowed now, else returns the deal after the
   * step, which the inbox records with the message's ledger entry (one transaction).
   */
  plan(
    transactionId: string,
    counterparty: string,
    action: Action,
    direction: 'in' | 'out',
  ): Promise<DealRecord>;
}

export interface InboxDeps {
  store: Store;
  ledger: Ledger;
  directory: PeerDirectory;
  deals: DealGate;
  clock: Clock;
  keys: KeyPair;
  subscriberId: string;
}

export interface Accepted {
  request: BecknRequest;
  entry: LedgerEntry;
  receipt: Receipt;
  sender: string;
  deviations: string[];
}

export class Inbox {
  constructor(
    private readonly opts: InboxOptions,
    private readonly deps: InboxDeps,
  ) {}

  /** Validates and records one inbound message. Throws a WeftError saying what is wrong. */
  async accept(action: Action, body: Buffer, authorization: string | undefined): Promise<Accepted> {
    const { directory, clock, subscriberId } = this.deps;
    if (body.length > this.opts.maxBodyBytes) {
      throw new WeftError(
        'TOO_LARGE',
        `the body is ${body.length} bytes; the limit is ${this.opts.maxBodyBytes}`,
        {
          peerAction: 'reject',
        },
      );
    }
    const sig = parseAuthorization(authorization);
    const known = await directory.get(sig.subscriberId);
    const peer = known ?? (await this.answererOfOurSearch(action, sig, body));
    if (!peer) {
      throw new WeftError('UNKNOWN_SENDER', `${sig.subscriberId} is not a trusted peer of this node`, {
        peerAction: 'ignore',
      });
    }
    if (peer.record.keyId !== sig.uniqueKeyId) {
      throw new WeftError(
        'UNKNOWN_SENDER',
        `key ${sig.uniqueKeyId} is not the key trusted for ${sig.subscriberId}`,
        {
          peerAction: 'ignore',
        },
      );
    }
    const digest = verifyBody(body, sig, peer.key, {
      nowSec: Math.floor(clock.now() / 1000),
      skewSec: this.opts.clockSkewSec,
    });
    const { request, deviations } = parseBecknRequest(body, {
      maxBytes: this.opts.maxBodyBytes,
      expectedAction: action,
    });
    const ctx = request.context;
    this.checkValidity(ctx.timestamp, ctx.ttl);
    const [senderField, recipientField] = isCallback(action) ? ['bpp_id', 'bap_id'] : ['bap_id', 'bpp_id'];
    const claimedSender = ctx[senderField as 'bap_id' | 'bpp_id'];
    if (claimedSender !== sig.subscriberId) {
      throw new WeftError(
        'SENDER_MISMATCH',
        `context.${senderField} is ${claimedSender} but the signer is ${sig.subscriberId}`,
        {
          peerAction: 'reject',
          details: { path: `context.${senderField}` },
        },
      );
    }
    const recipient = ctx[recipientField as 'bap_id' | 'bpp_id'];
    // A search may be broadcast without a bpp_id; anything else must name us.
    if (recipient !== subscriberId && !(action === 'search' && recipient === undefined)) {
      throw new WeftError(
        'WRONG_RECIPIENT',
        `context.${recipientField} is ${recipient}, not this node (${subscriberId})`,
        {
          peerAction: 'reject',
          details: { path: `context.${recipientField}` },
        },
      );
    }
    const accepted = await this.record(
      action,
      request,
      body,
      authorization as string,
      sig.subscriberId,
      digest,
      deviations,
    );
    // A supplier we did not know answered our need: remember it, so the deal can go on with it.
    if (!known) directory.learn(sig.subscriberId, sig.uniqueKeyId, String(ctx.bpp_uri ?? ''));
    return accepted;
  }

  /**
   * A need broadcast to the network reaches suppliers this node has never heard of (their node
   * record may not have reached us yet). Such a supplier's on_search is let through to the signature
   * check when its key is self-certifying (subscriber id = peer id of the signing key) and the deal
   * expects an on_search from it (we searched, e.g. broadcast, in that transaction).
   */
  private async answererOfOurSearch(
    action: Action,
    sig: SignatureParams,
    body: Buffer,
  ): Promise<KnownPeer | undefined> {
    if (action !== 'on_search' || sig.subscriberId !== sig.uniqueKeyId) return undefined;
    const raw = publicKeyFromPeerId(sig.uniqueKeyId);
    if (!raw) return undefined;
    let transactionId: unknown;
    try {
      const value = JSON.parse(body.toString('utf8')) as { context?: { transaction_id?: unknown } };
      transactionId = value?.context?.transaction_id;
    } catch {
      return undefined;
    }
    if (typeof transactionId !== 'string') return undefined;
    try {
      await this.deps.deals.check(transactionId, sig.subscriberId, 'on_search', 'in');
    } catch {
      return undefined;
    }
    return {
      record: {
        subscriberId: sig.subscriberId,
        keyId: sig.uniqueKeyId,
        publicKey: raw.toString('base64'),
        uri: '',
        source: 'learned',
        addedAt: this.deps.clock.now(),
      },
      key: importPublicKey(raw),
    };
  }

  /**
   * Records a need that arrived by broadcast and was verified there (signature, schema, signer =
   * bap_id, expiry): the same replay and deal checks, ledger entry and receipt as over HTTP. The
   * receipt stays with us (nobody waits for it) and proves when the need was received.
   */
  acceptBroadcast(
    request: BecknRequest,
    body: Buffer,
    authorization: string,
    sender: string,
    digest: string,
  ): Promise<Accepted> {
    return this.record('search', request, body, authorization, sender, digest, []);
  }

  private record(
    action: Action,
    request: BecknRequest,
    body: Buffer,
    authorization: string,
    sender: string,
    digest: string,
    deviations: string[],
  ): Promise<Accepted> {
    const { clock, subscriberId } = this.deps;
    const ctx = request.context;
    const txId = ctx.transaction_id;
    return this.deps.deals.withLock(txId, sender, async () => {
      const earlier = await this.deps.store.inbox.find(ctx.message_id, action, sender);
      if (earlier) throw this.replay(earlier, digest);
      // A callback that only reports an error (e.g. "your step was out of order") is recorded but
      // moves no deal: it must reach us whatever phase our side of the deal is in.
      const errorOnly = isCallback(action) && (request as { error?: unknown }).error !== undefined;
      let deal: DealRecord | undefined;
      try {
        if (!errorOnly) deal = await this.deps.deals.plan(txId, sender, action, 'in');
      } catch (e) {
        // Carry the parsed request so the node can also answer with a Beckn error in the callback.
        if (e instanceof WeftError) {
          throw new WeftError(e.code, e.message, {
            peerAction: 'ignore',
            details: { ...e.details, request, sender },
          });
        }
        throw e;
      }
      const receipt = signReceipt(
        {
          message_id: ctx.message_id,
          transaction_id: txId,
          action,
          digest,
          receiver_id: subscriberId,
          receiver_key_id: this.deps.keys.keyId,
          received_at: clock.now(),
        },
        this.deps.keys.privateKey,
      );
      const entry = await this.deps.ledger.write(
        {
          direction: 'in',
          counterparty: sender,
          action,
          transactionId: txId,
          messageId: ctx.message_id,
          body,
          authorization,
          receipt,
          bodyDigest: digest,
        },
        // The deal's step lands in the same transaction as the entry and the inbox row.
        { effect: 'accept', deal },
      );
      if (!entry) {
        const again = await this.deps.store.inbox.find(ctx.message_id, action, sender);
        throw again
          ? this.replay(again, digest)
          : new WeftError('REPLAY', 'this message_id was already received');
      }
      return { request, entry, receipt, sender, deviations };
    });
  }

  /** The message's own window: dated no later than now (+ skew), and timestamp + ttl not passed (− skew). */
  private checkValidity(timestamp: string, ttl: string | undefined): void {
    const now = this.deps.clock.now();
    const skew = this.opts.clockSkewSec * 1000;
    const at = Date.parse(timestamp);
    if (at > now + skew) {
      throw new WeftError('MESSAGE_EXPIRED', `context.timestamp ${timestamp} is in the future`, {
        peerAction: 'reject',
        details: { path: 'context.timestamp' },
      });
    }
    const life = ttl === undefined ? undefined : durationMs(ttl);
    if (life !== undefined && at + life < now - skew) {
      throw new WeftError(
        'MESSAGE_EXPIRED',
        `the message expired at ${new Date(at + life).toISOString()} (context.timestamp + ttl)`,
        {
          peerAction: 'ignore',
          details: { path: 'context.ttl' },
        },
      );
    }
  }

  /**
   * A message_id seen before is a replay and is not processed again. If the bytes are the very ones
   * accepted before, the original receipt goes back with the NACK, so a sender whose ACK was lost
   * still gets its proof of delivery.
   */
  private replay(earlier: LedgerEntry, digest: string): WeftError {
    const same = bodyDigest(earlier.body) === digest;
    const receipt = same ? decodeReceipt(earlier.receipt, false) : undefined;
    return new WeftError('REPLAY', `message ${earlier.messageId} (${earlier.action}) was already received`, {
      peerAction: 'ignore',
      details: receipt ? { receipt } : {},
    });
  }
}
