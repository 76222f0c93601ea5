/**
 * The composition root: builds store → ledger → network → matching → deals → api, in that order,
 * starts them, and closes them in reverse. No other module constructs its collaborators.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ApiOptions, createApi, defaultApiOptions } from '../api/index.js';
import { DealBook, DealEngine, type DealEvent } from '../deal/index.js';
import { defaultLedgerOptions, Ledger, type RotationProof } from '../ledger/index.js';
import {
  type CapacityView,
  capabilitiesFrom,
  createNeedParser,
  defaultNodeMatchingOptions,
  NeedBook,
  type NeedParser,
  NodeMatcher,
  type NodeMatchingOptions,
  normaliseProcess,
  ShiftCapacityView,
  type SupplierCapabilities,
  specFromIntent,
} from '../matching/index.js';
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
import { loadTwinsConfig } from '../twins/config.js';
import type { AssetDefinition } from '../twins/config-schema.js';
import {
  defaultTwinsOptions,
  progressTagFigures,
  Twins,
  type TwinsConfig,
  type TwinsOptions,
} from '../twins/index.js';
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
  /** The live twins, when the data dir holds a `twins.yaml` (broker port, time series, calendar, grants). */
  twins: Omit<TwinsOptions, 'dataDir'>;
  /** AI matching: the need parser, answering searches from capabilities, the buyer's ranked offers. */
  matching: NodeMatchingOptions;
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
  twins: defaultTwinsOptions,
  matching: defaultNodeMatchingOptions,
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
  /** The live capacity calendar the matcher reads (twins); default: planned shifts of the twins assets. */
  capacity?: () => CapacityView;
  /** A twins config built in code, instead of the data dir's `twins.yaml` (benchmarks, embedders). */
  twinsConfig?: TwinsConfig;
}

/** The store's meta key of the peers' rotation proofs this node has seen, and how many it keeps. */
const SEEN_ROTATIONS_KEY = 'directory.rotations';
const MAX_SEEN_ROTATIONS = 10_000;

/** The rotation proof a node record carries, if any. */
function proofOf(r: NodeRecord): RotationProof | undefined {
  return r.rotation
    ? {
        subscriberId: r.subscriber_id,
        fromKeyId: r.rotation.from_key_id,
        toKeyId: r.key_id,
        signature: r.rotation.signature,
      }
    : undefined;
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
  /** The live twins (telemetry, AAS, capacity, self-reporting orders, sharing); undefined without `twins.yaml`. */
  readonly twins: Twins | undefined;
  /** Free text → need spec (built-in, or a large model in front of it). */
  readonly parser: NeedParser;
  /** Supplier side of the matching: searches → fit → on_search; the owner's incoming needs. */
  readonly matcher: NodeMatcher;
  /** Buyer side of the matching: needs sent, their offers ranked, learning from selections. */
  readonly needs: NeedBook;
  /** Assets of the twins config (`twins.yaml` in the data dir), read at open; none without it. */
  private assets: readonly AssetDefinition[] = [];
  private shiftCapacity: CapacityView = new ShiftCapacityView({ assets: [] });
  private readonly capacityDep: (() => CapacityView) | undefined;
  /** The twins' live capacity calendar, as the matcher reads it (process ids normalised). */
  private liveCapacity: CapacityView | undefined;
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
    try {
      this.twins = Twins.open(
        { ...opts.twins, dataDir: this.dataDir.dir },
        {
          subscriberId,
          signer: { keyId: keys.keyId, privateKey: keys.privateKey },
          meta: this.store.meta,
          // A milestone of an order, from the shop floor: a signed on_status to its buyer.
          report: async (order, code, figures) => {
            await this.engine.reportProgress(order.orderId, order.buyer, code, progressTagFigures(figures));
          },
          clock: this.clock,
          logger: this.logger,
          registry: this.metrics.registry,
        },
        deps.twinsConfig,
      );
    } catch (e) {
      if (!deps.store) void this.store.close();
      throw e;
    }
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
      // Every key this node signed with before (the whole chain of rotations, not only the last).
      previousKeyIds: [
        ...new Set([
          ...this.dataDir.rotations.map((r) => r.fromKeyId),
          ...(this.dataDir.previousKeys ? [this.dataDir.previousKeys.keyId] : []),
        ]),
      ],
      linkedKeys: () => this.linkedKeys(),
      rotationProofs: () => this.rotationProofs(),
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
    this.capacityDep = deps.capacity;
    this.parser = createNeedParser(opts.matching.parser, { logger: this.logger });
    this.matcher = new NodeMatcher(opts.matching, {
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      parser: this.parser,
      subscriberId,
      profile: () => this.dataDir.profile,
      capabilities: () => this.capabilitiesFor(),
      capacity: () => this.capacityFor(),
      peerName: async (id) => (await this.directory.get(id))?.record.name,
    });
    this.needs = new NeedBook(opts.matching, { store: this.store, clock: this.clock, logger: this.logger });
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
      matcher: this.matcher,
      needs: this.matcher,
      onSelect: (tx, supplier, message) => void this.needs.selected(tx, supplier, message),
      clock: this.clock,
      logger: this.logger,
      subscriberId,
      profile: () => ({ ...this.dataDir.profile, uri: this.becknUri }),
      ...(opts.p2p.enabled
        ? { publish: (b: Buffer, a: string, r: string | undefined) => this.requireP2p().publishNeed(b, a, r) }
        : {}),
    });
    // The buyer's confirm (or cancel) of a quote this node sent is what its pricing learns from.
    this.engine.on('message', (e: DealEvent) => this.matcher.pricing.dealStep(e));
    // An order this node confirmed as supplier becomes jobs on its machines (engine events, not edits).
    if (this.twins) {
      this.engine.on('message', (e: DealEvent) => {
        if (e.direction === 'out' && e.action === 'on_confirm' && !e.error) {
          this.track(this.orderToShopFloor(e.transactionId, e.counterparty));
        }
      });
    }
    this.p2p = opts.p2p.enabled
      ? new P2pNetwork(opts.p2p, {
          keys,
          previousKeys: this.dataDir.previousKeys,
          subscriberId,
          store: this.store,
          clock: this.clock,
          logger: this.logger,
          self: () => ({ profile: this.dataDir.profile, uri: this.becknUri, indexer: opts.indexer }),
          onNeed: (need) => {
            if (need.via === 'catch-up') this.metrics.needsCaughtUp.inc();
            this.track(this.acceptNeed(need));
          },
          onDropped: (reason, topic) => this.metrics.gossipDropped.inc({ topic, reason }),
          onRecord: (r) => {
            this.metrics.directoryRecords.inc();
            if (r.rotation) this.track(this.rememberRotation(r));
          },
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
      twins: this.twins,
      clock: this.clock,
      matching: { parser: this.parser, incoming: this.matcher, needs: this.needs, clock: this.clock },
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
    await node.loadTwinsAssets();
    return node;
  }

  /** Reads the assets of `twins.yaml` in the data dir (if there is one) for the matcher. */
  private async loadTwinsAssets(): Promise<void> {
    const file = join(this.dataDir.dir, 'twins.yaml');
    if (!existsSync(file)) return;
    try {
      this.assets = (await loadTwinsConfig(file)).assets;
      this.shiftCapacity = new ShiftCapacityView({ assets: this.assets });
    } catch (err) {
      // A broken twins config must not keep the node from its deals: it answers from its catalogue.
      this.logger.error({ err }, 'twins.yaml not read: the matcher runs without assets');
    }
  }

  /** The capacity the matcher reads: the live calendar when one is supplied, else planned shifts. */
  capacityFor(): CapacityView {
    this.liveCapacity ??= this.twins?.capacityView(normaliseProcess);
    return this.capacityDep?.() ?? this.liveCapacity ?? this.shiftCapacity;
  }

  /** What the matcher knows of this node: profile + twins assets + options; undefined without processes. */
  capabilitiesFor(): SupplierCapabilities | undefined {
    if (this.assets.length === 0) return undefined;
    const caps = capabilitiesFrom(this.dataDir.profile, this.assets, this.opts.matching.capabilities);
    return caps.processes.length > 0 ? caps : undefined;
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
    // Twins first: the API and recovered messages find orders, grants and sources ready.
    await this.twins?.start();
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

  /**
   * This node's own rotations (data dir) and every rotation of a peer it has seen (kept as records
   * arrive, since the directory holds only a peer's latest record: a peer that rotated twice needs both
   * proofs in a bundle).
   */
  private async rotationProofs(): Promise<RotationProof[]> {
    const seen = await this.seenRotations();
    for (const e of await this.store.directory.list(0, 1_000_000)) {
      const p = proofOf(JSON.parse(e.record) as NodeRecord);
      if (p && !seen.some((x) => x.subscriberId === p.subscriberId && x.toKeyId === p.toKeyId)) seen.push(p);
    }
    return [...this.dataDir.rotations, ...seen.filter((p) => p.subscriberId !== this.subscriberId)];
  }

  private async seenRotations(): Promise<RotationProof[]> {
    const raw = await this.store.meta.get(SEEN_ROTATIONS_KEY);
    return raw ? (JSON.parse(raw) as RotationProof[]) : [];
  }

  /** Keeps a peer's rotation proof from a verified record the directory stored. */
  private async rememberRotation(r: NodeRecord): Promise<void> {
    const p = proofOf(r);
    if (!p) return;
    const seen = await this.seenRotations();
    if (seen.some((x) => x.subscriberId === p.subscriberId && x.toKeyId === p.toKeyId)) return;
    await this.store.meta.set(SEEN_ROTATIONS_KEY, JSON.stringify([...seen, p].slice(-MAX_SEEN_ROTATIONS)));
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
    const fit = needFits(need, profile, this.capabilitiesFor()?.categories);
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
    // Before the outbox: progress reports still in flight go out through it.
    await this.twins?.close();
    await this.outbox.stop();
    await this.transport.close();
    await this.store.close();
    this.logger.info('node closed');
  }

  private track(p: Promise<void>): void {
    this.processing.add(p);
    void p.finally(() => this.processing.delete(p));
  }

  /**
   * A confirmed order (this node the supplier) becomes jobs on the machines that run its processes,
   * and its buyer gets a grant to read its progress; the twins then report it as it goes.
   */
  private async orderToShopFloor(transactionId: string, buyer: string): Promise<void> {
    const twins = this.twins;
    if (!twins) return;
    try {
      const data = await this.deals.data(transactionId, buyer);
      const intent = (data.intent ?? {}) as Record<string, unknown>;
      const spec = specFromIntent(intent);
      const category = (intent.category as { id?: unknown } | undefined)?.id;
      const order = await twins.orderFromDeal(transactionId, buyer, data.order, {
        categoriesOf: async (id) => (await this.store.catalog.get(id))?.categories,
        process: spec?.fields.process?.value,
        categories: [
          ...(spec?.fields.categories?.value ?? []),
          ...(typeof category === 'string' ? [category] : []),
        ],
        deadline: spec?.fields.deadline?.value.date,
      });
      if (!order) {
        this.logger.warn(
          { transactionId, buyer },
          'confirmed order not tracked: no item runs on a machine here',
        );
        return;
      }
      await twins.acceptOrder(order);
      this.logger.info(
        { transactionId, buyer, items: order.items, dueDay: order.dueDay },
        'order on the shop floor',
      );
    } catch (e) {
      this.logger.error({ err: e, transactionId }, 'confirmed order could not be put on the shop floor');
    }
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

/** Whether a broadcast need is for this node: its role, region and categories (its profile's, or its capabilities'). */
export function needFits(
  need: IncomingNeed,
  profile: Profile,
  capabilityCategories: readonly string[] = [],
): boolean {
  if (!profile.roles.includes('supplier')) return false;
  const intent = ((need.request.message ?? {}) as { intent?: { category?: { id?: unknown } } }).intent;
  const category = intent?.category?.id;
  if (
    typeof category === 'string' &&
    !profile.categories.includes(category) &&
    !capabilityCategories.includes(category)
  )
    return false;
  // Region: the topic says it (a regional topic is only subscribed to by that region's nodes).
  return true;
}
