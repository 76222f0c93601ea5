/**
 * The composition root: builds store → ledger → network → matching → deals → api, in that order,
 * starts them, and closes them in reverse. No other module constructs its collaborators.
 */
import type { KeyObject } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ApiOptions, createApi, defaultApiOptions } from '../api/index.js';
import { DealBook, DealEngine } from '../deal/index.js';
import { defaultLedgerOptions, Ledger } from '../ledger/index.js';
import { StaticCatalogMatcher } from '../matching/index.js';
import {
  type Accepted,
  defaultHttpTransportOptions,
  defaultInboxOptions,
  defaultOutboxOptions,
  defaultP2pNetworkOptions,
  defaultSenderOptions,
  HttpTransport,
  type HttpTransportOptions,
  Inbox,
  type InboxOptions,
  type IncomingNeed,
  Outbox,
  type OutboxOptions,
  P2pNetwork,
  type P2pNetworkOptions,
  PeerDirectory,
  Sender,
  type SenderOptions,
  type Transport,
} from '../network/index.js';
import { importPublicKey, publicKeyFromPeerId } from '../protocol/keys.js';
import { type BecknRequest, parseBecknRequest } from '../protocol/messages.js';
import type { NodeRecord } from '../protocol/node-record.js';
import type { Profile } from '../protocol/profile.js';
import { defaultSqliteStoreOptions, SqliteStore, type Store } from '../store/index.js';
import { type Clock, systemClock } from '../util/clock.js';
import { WeftError } from '../util/errors.js';
import { createLogger, type Logger, type LoggerOptions } from '../util/logger.js';
import { Metrics } from '../util/metrics.js';
import { API_URL_FILE, type DataDir, loadDataDir } from './data-dir.js';

export interface NodeOptions {
  /** Data directory made by `weft init`. */
  dataDir: string;
  api: ApiOptions;
  inbox: InboxOptions;
  outbox: OutboxOptions;
  sender: SenderOptions;
  p2p: P2pNetworkOptions;
  /** Run as a public indexer: keep the directory and public catalogues, answer searches over them. */
  indexer: boolean;
  http: HttpTransportOptions;
  log: LoggerOptions;
}

export const defaultNodeOptions: Omit<NodeOptions, 'dataDir'> = {
  api: defaultApiOptions,
  inbox: defaultInboxOptions,
  outbox: defaultOutboxOptions,
  sender: defaultSenderOptions,
  p2p: defaultP2pNetworkOptions,
  indexer: false,
  http: defaultHttpTransportOptions,
  log: { level: 'info' },
};

/**
 * What `weft start` runs: the node with the peer-to-peer network on (TCP 7401). Embedders and tests
 * start from `defaultNodeOptions` (network off, nothing listening but the API) and opt in.
 */
export const defaultDaemonOptions: Omit<NodeOptions, 'dataDir'> = {
  ...defaultNodeOptions,
  p2p: { ...defaultNodeOptions.p2p, enabled: true },
};

export interface NodeDeps {
  clock?: Clock;
  logger?: Logger;
  /** A store to use instead of the data dir's SQLite file (tests, PostgreSQL). */
  store?: Store;
  transport?: Transport;
}

export class WeftNode {
  readonly dataDir: DataDir;
  readonly store: Store;
  readonly ledger: Ledger;
  readonly directory: PeerDirectory;
  readonly outbox: Outbox;
  readonly sender: Sender;
  readonly inbox: Inbox;
  readonly deals: DealBook;
  readonly engine: DealEngine;
  readonly metrics = new Metrics();
  readonly logger: Logger;
  readonly clock: Clock;
  readonly app: ReturnType<typeof createApi>;
  /** The peer-to-peer network, when enabled. */
  readonly p2p: P2pNetwork | undefined;
  private readonly transport: Transport;
  private listening: { host: string; port: number } | undefined;
  private processing = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    readonly opts: NodeOptions,
    deps: NodeDeps,
  ) {
    this.dataDir = loadDataDir(opts.dataDir);
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? createLogger({ ...opts.log, name: this.dataDir.profile.name });
    const { keys } = this.dataDir;
    const subscriberId = this.subscriberId;
    this.store = deps.store ?? SqliteStore.open({ ...defaultSqliteStoreOptions, path: this.dataDir.dbPath });
    this.directory = new PeerDirectory({
      store: this.store,
      nowSec: () => Math.floor(this.clock.now() / 1000),
    });
    const keyCache = new Map<string, KeyObject>();
    const resolveKey = (keyId: string): KeyObject | undefined => {
      if (keyId === keys.keyId) return keys.publicKey;
      let k = keyCache.get(keyId);
      if (!k) {
        const raw = publicKeyFromPeerId(keyId);
        if (!raw) return undefined;
        k = importPublicKey(raw);
        keyCache.set(keyId, k);
      }
      return k;
    };
    this.ledger = new Ledger(defaultLedgerOptions, {
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      keys,
      subscriberId,
      resolveKey,
      previousKeyIds: this.dataDir.previousKeys ? [this.dataDir.previousKeys.keyId] : [],
      linkedKeys: () => this.linkedKeys(),
    });
    this.transport = deps.transport ?? new HttpTransport(opts.http);
    this.outbox = new Outbox(opts.outbox, {
      store: this.store,
      ledger: this.ledger,
      transport: this.transport,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
      receiverKey: async (id, keyId) => {
        const p = await this.directory.get(id);
        if (p && p.record.keyId === keyId) return p.key;
        return undefined;
      },
    });
    this.sender = new Sender(opts.sender, {
      store: this.store,
      outbox: this.outbox,
      clock: this.clock,
      keys,
      subscriberId,
      self: () => ({ uri: this.becknUri, profile: this.dataDir.profile }),
    });
    this.deals = new DealBook({ store: this.store, clock: this.clock });
    this.inbox = new Inbox(opts.inbox, {
      store: this.store,
      ledger: this.ledger,
      directory: this.directory,
      deals: this.deals,
      clock: this.clock,
      keys,
      subscriberId,
    });
    this.engine = new DealEngine({
      store: this.store,
      deals: this.deals,
      sender: this.sender,
      directory: this.directory,
      matcher: new StaticCatalogMatcher({ store: this.store }),
      clock: this.clock,
      logger: this.logger,
      subscriberId,
      profile: () => ({ ...this.dataDir.profile, uri: this.becknUri }),
      ...(opts.p2p.enabled
        ? { publish: (b: Buffer, a: string, r: string | undefined) => this.requireP2p().publishNeed(b, a, r) }
        : {}),
    });
    this.p2p = opts.p2p.enabled
      ? new P2pNetwork(opts.p2p, {
          keys,
          previousKeys: this.dataDir.previousKeys,
          subscriberId,
          store: this.store,
          clock: this.clock,
          logger: this.logger,
          self: () => ({ profile: this.dataDir.profile, uri: this.becknUri, indexer: opts.indexer }),
          onNeed: (need) => this.track(this.acceptNeed(need)),
          onDropped: (reason, topic) => this.metrics.gossipDropped.inc({ topic, reason }),
          onRecord: () => this.metrics.directoryRecords.inc(),
          catalogItems: async () =>
            (await this.store.catalog.list()).map((i) => ({
              id: i.id,
              name: i.name,
              categories: i.categories,
              price: i.price,
              currency: i.currency,
            })),
        })
      : undefined;
    this.app = createApi(opts.api, {
      store: this.store,
      ledger: this.ledger,
      inbox: this.inbox,
      engine: this.engine,
      deals: this.deals,
      directory: this.directory,
      metrics: this.metrics,
      logger: this.logger,
      adminToken: this.dataDir.adminToken,
      maxBodyBytes: opts.inbox.maxBodyBytes,
      p2p: this.p2p,
      indexer: opts.indexer,
      onAccepted: (a) => this.track(this.processAccepted(a)),
      onOutOfOrder: (r, s, why) => this.track(this.answerOutOfOrder(r, s, why)),
      self: () => ({
        subscriberId,
        keyId: keys.keyId,
        publicKey: keys.publicKeyRaw.toString('base64'),
        uri: this.becknUri,
        profile: this.dataDir.profile,
      }),
    });
  }

  /** Opens the node of a data dir (not yet listening). */
  static async open(opts: NodeOptions, deps: NodeDeps = {}): Promise<WeftNode> {
    const node = new WeftNode(opts, deps);
    await node.ledger.init();
    return node;
  }

  /** The node's Beckn subscriber id: the peer id of its first key (self-certifying). */
  get subscriberId(): string {
    return this.dataDir.subscriberId;
  }

  get profile(): Profile {
    return this.dataDir.profile;
  }

  /** Base URL of the HTTP API, once listening. */
  get url(): string {
    if (!this.listening) throw new Error('the node is not listening');
    const host = this.listening.host.includes(':') ? `[${this.listening.host}]` : this.listening.host;
    return `http://${host}:${this.listening.port}`;
  }

  /** Base URI of the node's Beckn endpoints: the profile's, or derived from the listen address. */
  get becknUri(): string {
    if (this.dataDir.profile.uri) return this.dataDir.profile.uri;
    return this.listening ? `${this.url}/beckn` : '';
  }

  /** Listens, starts delivery, and finishes processing any message accepted before a crash. */
  async start(): Promise<void> {
    await this.app.listen({ host: this.opts.api.host, port: this.opts.api.port });
    const addr = this.app.server.address();
    if (addr && typeof addr === 'object') this.listening = { host: this.opts.api.host, port: addr.port };
    this.outbox.start();
    await this.recover();
    // Last: the node's record announces a Beckn URI that now answers.
    await this.p2p?.start();
    writeFileSync(join(this.dataDir.dir, API_URL_FILE), `${this.url}\n`);
    this.logger.info(
      { url: this.url, subscriberId: this.subscriberId, p2p: this.p2p?.addresses() },
      'node started',
    );
  }

  /** Keys of other subscribers known from rotation proofs in the directory (and manual trust). */
  private async linkedKeys(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const add = (id: string, key: string | undefined) => {
      if (!key || key === id) return;
      out.set(id, [...(out.get(id) ?? []), key]);
    };
    for (const e of await this.store.directory.list(0, 1_000_000)) {
      const r = JSON.parse(e.record) as NodeRecord;
      add(r.subscriber_id, r.key_id);
      add(r.subscriber_id, r.rotation?.from_key_id);
    }
    for (const p of await this.store.peers.list()) add(p.subscriberId, p.keyId);
    return out;
  }

  private requireP2p(): P2pNetwork {
    if (!this.p2p) throw new WeftError('BAD_REQUEST', 'this node runs without the peer-to-peer network');
    return this.p2p;
  }

  /**
   * A need that arrived by broadcast and passed validation. A supplier of the need's region (or a
   * cross-region need) whose categories fit records it and hands it to the deal engine, which answers
   * with on_search directly to the buyer if its matcher finds something; anyone else drops it here.
   */
  private async acceptNeed(need: IncomingNeed): Promise<void> {
    if (need.sender === this.subscriberId) return;
    const profile = this.dataDir.profile;
    const fit = needFits(need, profile);
    this.metrics.needsReceived.inc({ result: fit ? 'fits' : 'filtered' });
    if (!fit) return;
    const ctx = need.request.context;
    this.directory.learn(need.sender, need.senderKeyId, String(ctx.bap_uri));
    try {
      const accepted = await this.inbox.acceptBroadcast(
        need.request,
        need.body,
        need.authorization,
        need.sender,
        need.digest,
      );
      this.metrics.messagesIn.inc({ action: 'search', result: 'ack' });
      await this.processAccepted(accepted);
    } catch (e) {
      this.logger.warn(
        { err: e, from: need.sender, messageId: ctx.message_id },
        'broadcast need not accepted',
      );
    }
  }

  /** Closes in reverse order of building: api, processing, outbox, transport, store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    rmSync(join(this.dataDir.dir, API_URL_FILE), { force: true });
    await this.app.close();
    await this.p2p?.stop();
    await Promise.allSettled([...this.processing]);
    await this.outbox.stop();
    await this.transport.close();
    await this.store.close();
    this.logger.info('node closed');
  }

  private track(p: Promise<void>): void {
    this.processing.add(p);
    void p.finally(() => this.processing.delete(p));
  }

  private async processAccepted(a: Accepted): Promise<void> {
    try {
      await this.engine.process(a.request, a.entry);
      await this.store.inbox.markProcessed(a.entry.seq);
    } catch (e) {
      // Left unprocessed in the inbox: recovery at the next start tries again.
      this.logger.error(
        { err: e, seq: a.entry.seq, action: a.entry.action },
        'processing an accepted message failed',
      );
    }
  }

  private async answerOutOfOrder(request: BecknRequest, sender: string, why: string): Promise<void> {
    try {
      await this.engine.rejectOutOfOrder(request, sender, why);
    } catch (e) {
      this.logger.warn({ err: e, sender }, 'could not send the out-of-order error callback');
    }
  }

  /** Processes inbound messages that were accepted (ACKed, ledgered) but not processed before a stop. */
  private async recover(): Promise<void> {
    for (;;) {
      const batch = await this.store.inbox.unprocessed(100);
      if (batch.length === 0) return;
      for (const m of batch) {
        const [entry] = await this.store.ledger.range(m.seq, 1);
        if (!entry) continue;
        try {
          const { request } = parseBecknRequest(entry.body, { maxBytes: Number.MAX_SAFE_INTEGER });
          await this.engine.process(request, entry);
        } catch (e) {
          // One message that cannot be processed must not keep the node from starting: log it and go on.
          this.logger.error(
            { err: e, seq: m.seq, action: m.action },
            'recovery: message could not be processed; skipped',
          );
        }
        await this.store.inbox.markProcessed(m.seq);
      }
      this.logger.info({ count: batch.length }, 'recovered unprocessed inbound messages');
    }
  }
}

/** Whether a broadcast need is for this node: its role, region and categories. */
export function needFits(need: IncomingNeed, profile: Profile): boolean {
  if (!profile.roles.includes('supplier')) return false;
  const intent = ((need.request.message ?? {}) as { intent?: { category?: { id?: unknown } } }).intent;
  const category = intent?.category?.id;
  if (typeof category === 'string' && !profile.categories.includes(category)) return false;
  // Region: the topic says it (a regional topic is only subscribed to by that region's nodes).
  return true;
}
