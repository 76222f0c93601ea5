/**
 * A raw Beckn peer for tests: a key pair that builds and signs Beckn bodies byte by byte (canonical
 * encoding, BECKN-006 signature), so a test can send a node exactly the bytes it wants — valid, broken,
 * replayed or forged — over real HTTP, and optionally listen for the node's callbacks, answering each
 * with ACK and a counter-signed receipt as a Weft node would.
 *
 * ```ts
 * const peer = new RawPeer(generateKeyPair());
 * await peer.listen();                               // callbacks come back to peer.uri
 * await node.directory.put(peer.peerRecord());       // the node trusts it
 * const req = peer.request('support', node, { support: { ref_id: 'x' } });
 * const res = await postBeckn(`${node.becknUri}/support`, req.body, { authorization: req.authorization });
 * // res.status === 200, res.receipt is the node's counter-signed receipt
 * ```
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { type Dispatcher, request } from 'undici';
import type { AckBody } from '../../src/protocol/ack.js';
import type { Action } from '../../src/protocol/actions.js';
import { isCallback } from '../../src/protocol/actions.js';
import { canonicalBytes } from '../../src/protocol/canonical.js';
import type { KeyPair } from '../../src/protocol/keys.js';
import { encodeReceiptHeader, RECEIPT_HEADER, signReceipt } from '../../src/protocol/receipt.js';
import { bodyDigest, signBody } from '../../src/protocol/signing.js';
import type { PeerRecord } from '../../src/store/index.js';

type Obj = Record<string, unknown>;

/** Who a message goes to: a node (or anything with its subscriber id and Beckn URI). */
export interface Party {
  subscriberId: string;
  becknUri: string;
}

export interface SignOptions {
  /** Unix seconds; default now. */
  created?: number;
  /** Unix seconds; default created + 600. */
  expires?: number;
  /** Subscriber id named in keyId; default the peer's. */
  subscriberId?: string;
  /** unique_key_id named in keyId; default the peer's key id. */
  keyId?: string;
  /** Signs with this key pair instead of the peer's (a forger claiming the peer's identity). */
  signer?: KeyPair;
}

export interface RequestOptions extends SignOptions {
  transactionId?: string;
  messageId?: string;
  /** Replaces or adds context fields (`undefined` removes one). */
  context?: Obj;
  /** A callback's Beckn error. */
  error?: { code: string; message: string };
}

/** A signed body, ready to POST to `<becknUri>/<action>`. */
export interface SignedRequest {
  action: Action;
  /** The parsed body before encoding (for tests that mutate and re-encode it). */
  value: Obj;
  body: Buffer;
  authorization: string;
  transactionId: string;
  messageId: string;
}

/** One message the peer's listener received. */
export interface ReceivedMessage {
  action: string;
  body: Obj;
  authorization: string | undefined;
}

export class RawPeer {
  /** Messages received by the listener, in order of arrival. */
  readonly received: ReceivedMessage[] = [];
  readonly name: string;
  private server: Server | undefined;
  private base: string;

  constructor(
    readonly keys: KeyPair,
    opts: { uri?: string; name?: string } = {},
  ) {
    // Port 9 (discard) on loopback: a callback to a peer that does not listen fails fast.
    this.base = opts.uri ?? 'http://127.0.0.1:9/beckn';
    this.name = opts.name ?? 'raw peer';
  }

  /** The peer's subscriber id: the peer id of its key, as for a Weft node. */
  get subscriberId(): string {
    return this.keys.keyId;
  }

  /** Base URI of the peer's Beckn endpoints (where a node sends it callbacks). */
  get becknUri(): string {
    return this.base;
  }

  /** What a node stores to trust this peer. */
  peerRecord(): PeerRecord {
    return {
      subscriberId: this.subscriberId,
      keyId: this.keys.keyId,
      publicKey: this.keys.publicKeyRaw.toString('base64'),
      uri: this.base,
      name: this.name,
      source: 'manual',
      addedAt: Date.now(),
    };
  }

  /** A Beckn core 1.1.1 context from this peer to `to` (the peer is the BAP of a request, the BPP of a callback). */
  context(action: Action, to: Party, o: { transactionId?: string; messageId?: string } = {}): Obj {
    const me = { id: this.subscriberId, uri: this.base };
    const them = { id: to.subscriberId, uri: to.becknUri };
    const [bap, bpp] = isCallback(action) ? [them, me] : [me, them];
    return {
      domain: 'weft:manufacturing',
      location: { country: { code: 'CHN' }, city: { code: 'std:0769' } },
      action,
      version: '1.1.1',
      bap_id: bap.id,
      bap_uri: bap.uri,
      bpp_id: bpp.id,
      bpp_uri: bpp.uri,
      transaction_id: o.transactionId ?? randomUUID(),
      message_id: o.messageId ?? randomUUID(),
      timestamp: new Date().toISOString(),
      ttl: 'PT600S',
    };
  }

  /** The Authorization header signing `body` (any bytes), with the given time window and identity. */
  sign(body: Uint8Array, o: SignOptions = {}): string {
    const created = o.created ?? Math.floor(Date.now() / 1000);
    const signer = o.signer ?? this.keys;
    return signBody(body, {
      subscriberId: o.subscriberId ?? this.subscriberId,
      uniqueKeyId: o.keyId ?? signer.keyId,
      privateKey: signer.privateKey,
      created,
      expires: o.expires ?? created + 600,
    }).authorization;
  }

  /** Builds, canonically encodes and signs a body of `action` to `to`. */
  request(action: Action, to: Party, message: Obj | undefined, o: RequestOptions = {}): SignedRequest {
    const context = this.context(action, to, o);
    for (const [k, v] of Object.entries(o.context ?? {})) {
      if (v === undefined) delete context[k];
      else context[k] = v;
    }
    const value: Obj = { context };
    if (message !== undefined) value.message = message;
    if (o.error) value.error = o.error;
    return this.encode(action, value, o);
  }

  /** Encodes and signs a (possibly hand-broken) body value. */
  encode(action: Action, value: Obj, o: SignOptions = {}): SignedRequest {
    const body = canonicalBytes(value);
    const ctx = (value.context ?? {}) as Obj;
    return {
      action,
      value,
      body,
      authorization: this.sign(body, o),
      transactionId: String(ctx.transaction_id),
      messageId: String(ctx.message_id),
    };
  }

  /**
   * Listens on 127.0.0.1 (a free port) for a node's messages to this peer; answers each with ACK and a
   * receipt signed by this peer, so the node's outbox records it delivered. Sets `becknUri`.
   */
  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const action = (req.url ?? '').split('/').pop() ?? '';
        let parsed: Obj;
        try {
          parsed = JSON.parse(body.toString('utf8')) as Obj;
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
          return;
        }
        const ctx = (parsed.context ?? {}) as Obj;
        this.received.push({ action, body: parsed, authorization: req.headers.authorization });
        const receipt = signReceipt(
          {
            message_id: String(ctx.message_id),
            transaction_id: String(ctx.transaction_id),
            action,
            digest: bodyDigest(body),
            receiver_id: this.subscriberId,
            receiver_key_id: this.keys.keyId,
            received_at: Date.now(),
          },
          this.keys.privateKey,
        );
        res
          .writeHead(200, {
            'content-type': 'application/json',
            [RECEIPT_HEADER]: encodeReceiptHeader(receipt),
          })
          .end(JSON.stringify({ message: { ack: { status: 'ACK' } } }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/beckn`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A node's synchronous answer to a Beckn POST. */
export interface BecknResponse {
  status: number;
  /** The parsed ACK/NACK body, or undefined if the body was not JSON. */
  body: AckBody | undefined;
  /** The raw response text. */
  text: string;
  /** The `weft-receipt` header, if any. */
  receipt: string | undefined;
}

/**
 * POSTs raw bytes to a Beckn endpoint (`headers.authorization` as given; omit it to send none). A
 * stream body goes chunked, without a content-length. Pass a keep-alive `dispatcher` (undici Agent or
 * Pool) for bulk traffic.
 */
export async function postBeckn(
  url: string,
  body: Buffer | string | Readable,
  headers: Record<string, string> = {},
  dispatcher?: Dispatcher,
): Promise<BecknResponse> {
  const res = await request(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    ...(dispatcher ? { dispatcher } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.body.text();
  let parsed: AckBody | undefined;
  try {
    parsed = JSON.parse(text) as AckBody;
  } catch {
    parsed = undefined;
  }
  const r = res.headers[RECEIPT_HEADER];
  return { status: res.statusCode, body: parsed, text, receipt: Array.isArray(r) ? r[0] : r };
}
