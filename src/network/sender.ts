/**
 * Builds, signs and queues outgoing Beckn messages. The signed bytes written to the outbox are the
 * bytes delivered, retried and ledgered: the body is encoded once, canonically, and never re-encoded.
 */

import type { BecknError } from '../protocol/ack.js';
import { type Action, isCallback } from '../protocol/actions.js';
import { canonicalBytes } from '../protocol/canonical.js';
import { BECKN_VERSION, type Context } from '../protocol/context.js';
import type { KeyPair } from '../protocol/keys.js';
import { type BecknRequest, validateOutgoing } from '../protocol/messages.js';
import type { Profile } from '../protocol/profile.js';
import { signBody } from '../protocol/signing.js';
import type { DealRecord, NewOutboxMessage, PeerRecord, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { newId } from '../util/ids.js';
import type { Outbox } from './outbox.js';

export interface SenderOptions {
  /** Validity of a message and of its signature, seconds (Beckn `ttl`); the outbox retries until then. */
  ttlSec: number;
  /** Beckn `context.domain` of the messages this node starts. */
  domain: string;
}

export const defaultSenderOptions: SenderOptions = { ttlSec: 600, domain: 'weft:manufacturing' };

export interface SenderDeps {
  store: Store;
  outbox: Outbox;
  clock: Clock;
  keys: KeyPair;
  subscriberId: string;
  /** Our own Beckn URI and profile, read at send time (the URI is known only once the API listens). */
  self(): { uri: string; profile: Profile };
}

export interface SendInput {
  action: Action;
  to: PeerRecord;
  transactionId: string;
  /** A callback reuses its request's message_id; a request gets a fresh one when this is omitted. */
  messageId?: string;
  message: Record<string, unknown>;
  error?: BecknError;
  /** For callbacks: the request's context, whose domain and location are echoed. */
  inReplyTo?: Context;
  ttlSec?: number;
  /** The deal after this step, recorded (as `Store.deals.step` does) in the same transaction as the queued message. */
  deal?: DealRecord | undefined;
}

export interface Sent {
  outboxId: number;
  messageId: string;
  request: BecknRequest;
}

export interface SignedMessage {
  messageId: string;
  request: BecknRequest;
  /** The exact signed bytes. */
  body: Buffer;
  authorization: string;
  /** Base64 BLAKE2b-512 of `body`, as signed. */
  digest: string;
  createdAt: number;
  expiresAt: number;
}

export class Sender {
  constructor(
    private readonly opts: SenderOptions,
    private readonly deps: SenderDeps,
  ) {}

  async send(input: SendInput): Promise<Sent> {
    const s = this.sign(input.action, input, { id: input.to.subscriberId, uri: input.to.uri });
    const row: NewOutboxMessage = {
      messageId: s.messageId,
      transactionId: input.transactionId,
      action: input.action,
      recipient: input.to.subscriberId,
      url: `${trimSlashes(input.to.uri)}/${input.action}`,
      body: s.body,
      authorization: s.authorization,
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
    };
    const { id, queued } = await this.deps.store.outbox.queue(row, input.deal);
    if (queued) {
      // Handed over as written, so the outbox need not read it back.
      this.deps.outbox.handoff(
        { ...row, id, attempts: 0, nextAttemptAt: row.createdAt, state: 'pending', lastError: null },
        s.digest,
      );
    } else {
      this.deps.outbox.kick(id);
    }
    return { outboxId: id, messageId: s.messageId, request: s.request };
  }

  /**
   * Builds and signs a `search` addressed to no one in particular (no bpp_id), for the peer-to-peer
   * broadcast. Signed exactly as over HTTP; not queued: gossip carries it.
   */
  signBroadcast(input: Omit<SendInput, 'to' | 'action' | 'error' | 'inReplyTo'>): SignedMessage {
    return this.sign('search', input, undefined);
  }

  private sign(
    action: Action,
    input: Omit<SendInput, 'to' | 'action'>,
    peer: { id: string; uri: string } | undefined,
  ): SignedMessage {
    const { clock, keys, subscriberId } = this.deps;
    const { uri, profile } = this.deps.self();
    const nowMs = clock.now();
    const ttlSec = input.ttlSec ?? this.opts.ttlSec;
    const messageId = input.messageId ?? newId(nowMs);
    const me = { id: subscriberId, uri };
    const [bap, bpp] = isCallback(action) ? [peer, me] : [me, peer];
    const context: Context = {
      domain: input.inReplyTo?.domain ?? this.opts.domain,
      location: input.inReplyTo?.location ?? {
        country: { code: profile.country },
        city: { code: profile.city },
      },
      action,
      version: BECKN_VERSION,
      ...(bap ? { bap_id: bap.id, bap_uri: bap.uri } : {}),
      ...(bpp ? { bpp_id: bpp.id, bpp_uri: bpp.uri } : {}),
      transaction_id: input.transactionId,
      message_id: messageId,
      timestamp: new Date(nowMs).toISOString(),
      ttl: `PT${ttlSec}S`,
    };
    const request = {
      context,
      message: input.message,
      ...(input.error ? { error: input.error } : {}),
    } as unknown as BecknRequest;
    // A callback echoes the request's ids, which an ONDC peer may have made non-UUID (a declared deviation).
    validateOutgoing(request, input.inReplyTo ? { tolerate: ['context-id-not-uuid'] } : {});
    const body = canonicalBytes(request);
    const created = Math.floor(nowMs / 1000);
    const { authorization, digest } = signBody(body, {
      subscriberId,
      uniqueKeyId: keys.keyId,
      privateKey: keys.privateKey,
      created,
      expires: created + ttlSec,
    });
    return {
      messageId,
      request,
      body,
      authorization,
      digest,
      createdAt: nowMs,
      expiresAt: (created + ttlSec) * 1000,
    };
  }
}

function trimSlashes(uri: string): string {
  return uri.endsWith('/') ? uri.replace(/\/+$/, '') : uri;
}
