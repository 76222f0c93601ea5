/**
 * The peer-to-peer side of a node: the libp2p host, the need broadcast, and the directory of signed
 * node records that replaces the Beckn registry.
 *
 * Directory: each node publishes its signed record on the profile topic at start, when it changes,
 * and every `republishMs`; records are verified (self-certifying key id, signature, expiry, rotation
 * proof) before they are stored or forwarded. A node that joins late does not wait for
 * republication: on every new connection it asks the peer for its whole directory over the
 * request/response protocol `/weft/directory/1.0.0` and merges what verifies.
 */
import type { KeyObject } from 'node:crypto';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { canonicalJson } from '../../protocol/canonical.js';
import {
  type CatalogSummary,
  MAX_SUMMARY_ITEMS,
  signCatalogSummary,
  verifyCatalogSummary,
} from '../../protocol/catalog-summary.js';
import { importPublicKey, type KeyPair, publicKeyFromPeerId } from '../../protocol/keys.js';
import { type NodeRecord, signNodeRecord, verifyNodeRecord } from '../../protocol/node-record.js';
import type { Profile } from '../../protocol/profile.js';
import type { Store } from '../../store/index.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import {
  type BroadcastOptions,
  defaultBroadcastOptions,
  GLOBAL_NEED_TOPIC,
  type IncomingNeed,
  NeedBroadcast,
  needTopic,
  type RejectReason,
} from './broadcast.js';
import { createP2pHost, defaultP2pOptions, type P2pHost, type P2pOptions } from './host.js';

/** What the gossipsub implementation offers beyond its public interface (mesh and score introspection). */
type GossipSubIntrospection = { getMeshPeers(topic: string): string[]; getScore(peerId: string): number };

export const PROFILE_TOPIC = 'weft/1/profile';
/** Signed public catalogue summaries, for indexers. Every node validates and relays; indexers keep them. */
export const CATALOG_TOPIC = 'weft/1/catalog';
export const DIRECTORY_PROTOCOL = '/weft/directory/1.0.0';
/** Records sent in one directory answer, and its size limit. */
const MAX_SYNC_RECORDS = 10_000;
const MAX_SYNC_BYTES = 8 * 1024 * 1024;
/** After the first connections, how long to wait for the gossip mesh before publishing the record again. */
const ANNOUNCE_DELAY_MS = 1_500;
/** How often a node dials the bootstrap peers it is not connected to. */
const BOOTSTRAP_REDIAL_MS = 5_000;

export interface P2pNetworkOptions extends P2pOptions {
  /** How often a node republishes its record, milliseconds. */
  republishMs: number;
  /** How long a published record is valid, seconds (republished well before). */
  recordTtlSec: number;
  clockSkewSec: number;
  perSenderPerMinute: number;
  /** Publish a signed summary of the static catalogue for public indexers (the supplier's choice). */
  publishCatalog: boolean;
  /** Connections a node keeps by dialling random nodes of the directory (beyond bootstrap peers). */
  targetConnections: number;
  /** Asking peers for missed needs (NeedBroadcast's catch-up, broadcast.ts). */
  needCatchUp: BroadcastOptions['catchUp'];
}

export interface P2pNetworkDeps {
  keys: KeyPair;
  /** The key before the last rotation: the node's record carries the new key signed by it. */
  previousKeys?: KeyPair | undefined;
  subscriberId: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The node's current profile and Beckn URI. */
  self(): { profile: Profile; uri: string; indexer: boolean };
  onNeed(need: IncomingNeed): void;
  onDropped?(reason: RejectReason | 'record', topic: string): void;
  onRecord?(record: NodeRecord): void;
  /** The items to put in the public catalogue summary (when publishCatalog is on). */
  catalogItems(): Promise<CatalogSummary['items']>;
}

export class P2pNetwork {
  private host: P2pHost | undefined;
  private broadcast: NeedBroadcast | undefined;
  private timer: NodeJS.Timeout | undefined;
  private redialTimer: NodeJS.Timeout | undefined;
  private announceTimer: NodeJS.Timeout | undefined;
  /** Whether the record was published while this node had peers on the profile topic. */
  private announced = false;
  private readonly keyCache = new Map<string, KeyObject>();
  private version = 0;

  constructor(
    private readonly opts: P2pNetworkOptions,
    private readonly deps: P2pNetworkDeps,
  ) {}

  get started(): boolean {
    return this.host !== undefined;
  }

  get libp2p(): P2pHost {
    if (!this.host) throw new Error('the peer-to-peer network is not started');
    return this.host;
  }

  /** Listen addresses with our peer id, for others' bootstrap lists. */
  addresses(): string[] {
    return this.host ? this.host.getMultiaddrs().map((a) => a.toString()) : [];
  }

  async start(): Promise<void> {
    const region = this.deps.self().profile.region;
    const host = await createP2pHost(this.opts, {
      keys: this.deps.keys,
      scoredTopics: [needTopic(region), GLOBAL_NEED_TOPIC, PROFILE_TOPIC, CATALOG_TOPIC],
    });
    this.host = host;
    host.addEventListener('peer:identify', (e) => {
      if (!e.detail.protocols.includes(DIRECTORY_PROTOCOL)) return;
      void this.syncFrom(e.detail.peerId).then(() => this.maintainConnections().catch(() => undefined));
      // The record published at start reached nobody if we had no connection yet: publish it again
      // once meshes can have formed, instead of waiting for the next republication.
      if (!this.announced) this.announceSoon();
    });
    await host.start();
    await host.handle(DIRECTORY_PROTOCOL, (stream) => void this.answerSync(stream), { maxInboundStreams: 8 });
    const pubsub = host.services.pubsub;
    pubsub.topicValidators.set(PROFILE_TOPIC, (_peer, msg) => this.validateRecordMessage(msg.data));
    pubsub.subscribe(PROFILE_TOPIC);
    pubsub.topicValidators.set(CATALOG_TOPIC, (_peer, msg) => this.validateSummaryMessage(msg.data));
    pubsub.subscribe(CATALOG_TOPIC);
    this.broadcast = new NeedBroadcast(
      {
        ...defaultBroadcastOptions,
        maxMessageBytes: this.opts.maxMessageBytes,
        clockSkewSec: this.opts.clockSkewSec,
        perSenderPerMinute: this.opts.perSenderPerMinute,
        catchUp: this.opts.needCatchUp,
      },
      {
        host,
        clock: this.deps.clock,
        logger: this.deps.logger,
        keyFor: (keyId) => this.keyFor(keyId),
        onNeed: this.deps.onNeed,
        ...(this.deps.onDropped ? { onDropped: this.deps.onDropped } : {}),
      },
    );
    this.broadcast.start(region);
    await this.broadcast.startCatchUp();
    await this.publishRecord();
    this.timer = setInterval(() => void this.publishRecord(), this.opts.republishMs);
    this.timer.unref();
    // The bootstrap module dials its list once, at start. A dial that fails (the peer is down, or a
    // handshake times out under load: 8 of 18 nodes were left with no connection at all in
    // test/e2e/discovery.test.ts) is never retried, and nothing else would connect this node.
    this.redialTimer = setInterval(
      () =>
        void this.maintainConnections().catch((e) =>
          this.deps.logger.debug({ err: e }, 'connection upkeep failed'),
        ),
      BOOTSTRAP_REDIAL_MS,
    );
    this.redialTimer.unref();
    this.deps.logger.info({ addrs: this.addresses() }, 'peer-to-peer network started');
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.redialTimer);
    clearTimeout(this.announceTimer);
    this.broadcast?.stop();
    await this.host?.stop();
    this.host = undefined;
  }

  private announceSoon(): void {
    if (this.announceTimer) return;
    this.announceTimer = setTimeout(() => {
      this.announceTimer = undefined;
      const host = this.host;
      if (!host || this.announced) return;
      if (host.services.pubsub.getSubscribers(PROFILE_TOPIC).length > 0) this.announced = true;
      void this.publishRecord();
      // Not yet anyone subscribed: try again on the next identify.
    }, ANNOUNCE_DELAY_MS);
    this.announceTimer.unref();
  }

  /**
   * Keeps the node well connected: bootstrap peers it lost, and, while it has fewer than
   * `targetConnections`, random nodes of the directory (their records carry their addresses). Without
   * this every node would hang off the bootstrap nodes alone, a star whose centre cannot keep everyone
   * in its gossip mesh; with it the network is a random graph where meshes form everywhere.
   */
  private async maintainConnections(): Promise<void> {
    this.redialBootstrap();
    const host = this.host;
    if (!host) return;
    const missing = this.opts.targetConnections - host.getConnections().length;
    if (missing <= 0) return;
    const nowSec = Math.floor(this.deps.clock.now() / 1000);
    const candidates = (await this.deps.store.directory.list(nowSec, 10_000))
      .map((e) => JSON.parse(e.record) as NodeRecord)
      .filter((r) => r.key_id !== this.deps.keys.keyId && r.addrs.length > 0);
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
    }
    let dialled = 0;
    for (const r of candidates) {
      if (dialled >= missing) break;
      let peer: PeerId;
      try {
        peer = peerIdFromString(r.key_id);
      } catch {
        continue;
      }
      if (host.getConnections(peer).length > 0) continue;
      const addrs = r.addrs.flatMap((a) => {
        try {
          return [multiaddr(a)];
        } catch {
          return [];
        }
      });
      if (addrs.length === 0) continue;
      dialled++;
      host
        .dial(addrs, { signal: AbortSignal.timeout(BOOTSTRAP_REDIAL_MS * 2) })
        .catch((e) => this.deps.logger.debug({ err: e, peer: r.key_id }, 'directory dial failed'));
    }
  }

  /** Dials each bootstrap peer this node has no connection to (the bootstrap module put its addresses in the peer store). */
  private redialBootstrap(): void {
    const host = this.host;
    if (!host) return;
    for (const addr of this.opts.bootstrap) {
      let peer: PeerId;
      try {
        peer = peerIdFromString(addr.split('/p2p/').pop() ?? '');
      } catch {
        continue;
      }
      if (peer.equals(host.peerId) || host.getConnections(peer).length > 0) continue;
      host
        .dial(peer, { signal: AbortSignal.timeout(BOOTSTRAP_REDIAL_MS * 2) })
        .catch((e) => this.deps.logger.debug({ err: e, addr }, 'bootstrap dial failed'));
    }
  }

  /** Publishes a signed search on the region's topic, or the cross-region one; returns the peers it went to. */
  publishNeed(body: Buffer, authorization: string, region: string | undefined): Promise<number> {
    if (!this.broadcast) throw new Error('the peer-to-peer network is not started');
    return this.broadcast.publish(body, authorization, region);
  }

  /** Our signed record, fresh. */
  record(): NodeRecord {
    const { profile, uri, indexer } = this.deps.self();
    const now = this.deps.clock.now();
    // Versions only grow, even within one millisecond.
    this.version = Math.max(this.version + 1, now);
    return signNodeRecord(
      {
        subscriber_id: this.deps.subscriberId,
        uri,
        addrs: this.addresses().slice(0, 16),
        name: profile.name,
        roles: [...profile.roles, ...(indexer ? (['indexer'] as const) : [])],
        region: profile.region,
        categories: profile.categories,
        certifications: profile.certifications,
        version: this.version,
        expires: Math.floor(now / 1000) + this.opts.recordTtlSec,
      },
      this.deps.keys,
      this.deps.previousKeys,
    );
  }

  async publishRecord(): Promise<void> {
    if (!this.host) return;
    const rec = this.record();
    try {
      await this.store(rec);
      await this.host.services.pubsub.publish(PROFILE_TOPIC, Buffer.from(canonicalJson(rec)));
      if (this.opts.publishCatalog) {
        const summary = signCatalogSummary(
          {
            subscriber_id: this.deps.subscriberId,
            name: rec.name,
            region: rec.region,
            items: (await this.deps.catalogItems()).slice(0, MAX_SUMMARY_ITEMS),
            version: rec.version,
            expires: rec.expires,
          },
          this.deps.keys,
        );
        await this.storeSummary(summary);
        await this.host.services.pubsub.publish(CATALOG_TOPIC, Buffer.from(canonicalJson(summary)));
      }
    } catch (e) {
      this.deps.logger.debug({ err: e }, 'profile publish failed');
    }
  }

  /** A store write from the gossip path failed (e.g. while the node shuts down): log it, never throw. */
  private storeFailed(e: unknown): void {
    this.deps.logger.warn({ err: e }, 'could not store a record from the network');
  }

  private validateSummaryMessage(data: Uint8Array): TopicValidatorResult {
    if (data.length > this.opts.maxMessageBytes * 4) return TopicValidatorResult.Reject;
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(data).toString('utf8'));
    } catch {
      this.deps.onDropped?.('record', CATALOG_TOPIC);
      return TopicValidatorResult.Reject;
    }
    const r = verifyCatalogSummary(value, Math.floor(this.deps.clock.now() / 1000));
    if (!r.ok) {
      this.deps.onDropped?.('record', CATALOG_TOPIC);
      return r.reason.startsWith('expired') ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject;
    }
    if (this.deps.self().indexer) void this.storeSummary(r.summary).catch((e) => this.storeFailed(e));
    return TopicValidatorResult.Accept;
  }

  /** Indexers keep the newest summary of each supplier whose key matches the directory's. */
  private async storeSummary(s: CatalogSummary): Promise<void> {
    const known = await this.deps.store.directory.get(s.subscriber_id);
    if (known && known.keyId !== s.key_id) return;
    if (!known && s.key_id !== s.subscriber_id) return;
    await this.deps.store.publicCatalogs.put({
      subscriberId: s.subscriber_id,
      keyId: s.key_id,
      record: canonicalJson(s),
      version: s.version,
      expires: s.expires,
      receivedAt: this.deps.clock.now(),
    });
  }

  /** Connections and topic meshes, for `weft peers` and metrics. */
  status(): {
    peerId: string;
    addrs: string[];
    connections: number;
    topics: Record<string, { subscribers: number; mesh: number }>;
  } {
    const host = this.libp2p;
    const pubsub = host.services.pubsub as P2pHost['services']['pubsub'] & GossipSubIntrospection;
    const topics: Record<string, { subscribers: number; mesh: number }> = {};
    for (const t of pubsub.getTopics()) {
      topics[t] = { subscribers: pubsub.getSubscribers(t).length, mesh: pubsub.getMeshPeers(t).length };
    }
    return {
      peerId: host.peerId.toString(),
      addrs: this.addresses(),
      connections: host.getConnections().length,
      topics,
    };
  }

  /** Gossipsub scores of connected peers. */
  scores(): Array<{ peer: string; score: number }> {
    const pubsub = this.libp2p.services.pubsub as P2pHost['services']['pubsub'] & GossipSubIntrospection;
    return this.libp2p.getPeers().map((p) => ({ peer: p.toString(), score: pubsub.getScore(p.toString()) }));
  }

  private keyFor(keyId: string): KeyObject | undefined {
    let k = this.keyCache.get(keyId);
    if (!k) {
      const raw = publicKeyFromPeerId(keyId);
      if (!raw) return undefined;
      k = importPublicKey(raw);
      if (this.keyCache.size > 50_000) this.keyCache.clear();
      this.keyCache.set(keyId, k);
    }
    return k;
  }

  private validateRecordMessage(data: Uint8Array): TopicValidatorResult {
    if (data.length > 16 * 1024) return TopicValidatorResult.Reject;
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(data).toString('utf8'));
    } catch {
      this.deps.onDropped?.('record', PROFILE_TOPIC);
      return TopicValidatorResult.Reject;
    }
    const nowSec = Math.floor(this.deps.clock.now() / 1000);
    const r = verifyNodeRecord(value, nowSec);
    if (!r.ok) {
      this.deps.onDropped?.('record', PROFILE_TOPIC);
      this.deps.logger.warn({ reason: r.reason }, 'node record rejected');
      return r.reason.startsWith('expired') ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject;
    }
    void this.store(r.record).catch((e) => this.storeFailed(e));
    return TopicValidatorResult.Accept;
  }

  /** Stores a verified record if it is newer than what we hold, and its key follows from what we knew. */
  private async store(rec: NodeRecord): Promise<boolean> {
    const known = await this.deps.store.directory.get(rec.subscriber_id);
    if (known && known.keyId !== rec.key_id && rec.rotation?.from_key_id !== known.keyId) {
      // A different key for a known subscriber, not rotated from the key we know: refuse.
      return false;
    }
    const stored = await this.deps.store.directory.put({
      subscriberId: rec.subscriber_id,
      keyId: rec.key_id,
      record: canonicalJson(rec),
      version: rec.version,
      expires: rec.expires,
      receivedAt: this.deps.clock.now(),
    });
    if (stored) this.deps.onRecord?.(rec);
    return stored;
  }

  /** Answers a directory request with every valid record we hold. */
  private async answerSync(stream: Parameters<Parameters<P2pHost['handle']>[1]>[0]): Promise<void> {
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_SYNC_BYTES });
      await lp.read({ signal: AbortSignal.timeout(5_000) });
      const nowSec = Math.floor(this.deps.clock.now() / 1000);
      const entries = await this.deps.store.directory.list(nowSec, MAX_SYNC_RECORDS);
      const body = `[${entries.map((e) => e.record).join(',')}]`;
      await lp.write(Buffer.from(body), { signal: AbortSignal.timeout(10_000) });
      await stream.close();
    } catch (e) {
      this.deps.logger.debug({ err: e }, 'directory sync answer failed');
      stream.abort(e as Error);
    }
  }

  /** Asks a peer for its directory and merges every record that verifies. */
  private async syncFrom(peer: PeerId): Promise<void> {
    const host = this.host;
    if (!host) return;
    try {
      const stream = await host.dialProtocol(peer, DIRECTORY_PROTOCOL, {
        signal: AbortSignal.timeout(5_000),
      });
      const lp = lpStream(stream, { maxDataLength: MAX_SYNC_BYTES });
      await lp.write(Buffer.from('{"v":1}'));
      const answer = await lp.read({ signal: AbortSignal.timeout(10_000) });
      await stream.close();
      const list = JSON.parse(Buffer.from(answer.subarray()).toString('utf8')) as unknown;
      if (!Array.isArray(list)) return;
      const nowSec = Math.floor(this.deps.clock.now() / 1000);
      let merged = 0;
      for (const value of list.slice(0, MAX_SYNC_RECORDS)) {
        const known = await this.deps.store.directory.get(
          (value as { subscriber_id?: string })?.subscriber_id ?? '',
        );
        const r = verifyNodeRecord(value, nowSec, known?.keyId);
        if (r.ok && (await this.store(r.record))) merged++;
      }
      this.deps.logger.debug({ peer: peer.toString(), received: list.length, merged }, 'directory synced');
    } catch (e) {
      this.deps.logger.debug({ err: e, peer: peer.toString() }, 'directory sync failed');
    }
  }
}

export const defaultP2pNetworkOptions: P2pNetworkOptions = {
  ...defaultP2pOptions,
  republishMs: 60_000,
  recordTtlSec: 3_600,
  clockSkewSec: 30,
  perSenderPerMinute: 60,
  publishCatalog: false,
  targetConnections: 8,
  needCatchUp: defaultBroadcastOptions.catchUp,
};
