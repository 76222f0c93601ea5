/**
 * Known peers with their imported public keys. Today: manually trusted partners (`weft peers add`);
 * the peer-to-peer directory will feed the same place. Keys are imported once and kept as KeyObjects
 * (re-importing per verify halves the verify rate).
 */
import type { KeyObject } from 'node:crypto';
import { importPublicKey, peerIdFromPublicKey, publicKeyFromPeerId } from '../protocol/keys.js';
import type { NodeRecord } from '../protocol/node-record.js';
import type { PeerRecord, Store } from '../store/index.js';
import { WeftError } from '../util/errors.js';

export interface KnownPeer {
  record: PeerRecord;
  key: KeyObject;
}

// Peers added or removed by another process (`weft peers` while the node runs) are seen within this time.
const CACHE_MS = 5_000;

export class PeerDirectory {
  private readonly cache = new Map<string, KnownPeer & { at: number }>();

  /** Signers of broadcast needs, by subscriber id: known from their signed search alone. */
  private readonly learned = new Map<string, PeerRecord>();

  constructor(private readonly deps: { store: Store; nowSec?: () => number }) {}

  /**
   * Remembers the signer of a verified broadcast need, so this node can answer it and accept the deal
   * that follows. Its key id must be self-certifying (a peer id); manual and directory records win.
   */
  learn(subscriberId: string, keyId: string, uri: string): void {
    const raw = publicKeyFromPeerId(keyId);
    if (!raw) return;
    if (this.learned.size > 10_000) this.learned.clear();
    this.learned.set(subscriberId, {
      subscriberId,
      keyId,
      publicKey: raw.toString('base64'),
      uri,
      source: 'learned',
      addedAt: Date.now(),
    });
  }

  /** Manual peers first, then the signed directory, then signers of broadcast needs. */
  private async lookup(subscriberId: string): Promise<PeerRecord | undefined> {
    const manual = await this.deps.store.peers.get(subscriberId);
    if (manual) return manual;
    const entry = await this.deps.store.directory.get(subscriberId);
    const nowSec = this.deps.nowSec?.() ?? Math.floor(Date.now() / 1000);
    if (entry && entry.expires >= nowSec) {
      const r = JSON.parse(entry.record) as NodeRecord;
      return {
        subscriberId,
        keyId: r.key_id,
        publicKey: r.public_key,
        uri: r.uri,
        name: r.name,
        source: 'directory',
        addedAt: entry.receivedAt,
      };
    }
    return this.learned.get(subscriberId);
  }

  async get(subscriberId: string): Promise<KnownPeer | undefined> {
    const hit = this.cache.get(subscriberId);
    if (hit && performance.now() - hit.at < CACHE_MS) return hit;
    const record = await this.lookup(subscriberId);
    if (!record) {
      this.cache.delete(subscriberId);
      return undefined;
    }
    const key =
      hit && hit.record.publicKey === record.publicKey
        ? hit.key
        : importPublicKey(Buffer.from(record.publicKey, 'base64'));
    const peer = { record, key, at: performance.now() };
    this.cache.set(subscriberId, peer);
    return peer;
  }

  /** Adds or replaces a trusted peer after checking its key. */
  async put(record: PeerRecord): Promise<KnownPeer> {
    const raw = Buffer.from(record.publicKey, 'base64');
    if (raw.length !== 32 || raw.toString('base64') !== record.publicKey) {
      throw new WeftError('BAD_REQUEST', 'the public key must be 32 bytes of Ed25519 key in base64');
    }
    const key = importPublicKey(raw);
    // A key id that looks like a peer id must be the peer id of this very key (self-certifying ids).
    if (record.keyId.startsWith('12D3KooW') && record.keyId !== peerIdFromPublicKey(raw)) {
      throw new WeftError('BAD_REQUEST', `key id ${record.keyId} is not the peer id of that public key`);
    }
    let url: URL;
    try {
      url = new URL(record.uri);
    } catch {
      throw new WeftError('BAD_REQUEST', `not a URL: ${record.uri}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new WeftError('BAD_REQUEST', `the peer URI must be http(s): ${record.uri}`);
    }
    await this.deps.store.peers.put(record);
    const peer = { record, key, at: performance.now() };
    this.cache.set(record.subscriberId, peer);
    return peer;
  }

  async remove(subscriberId: string): Promise<boolean> {
    this.cache.delete(subscriberId);
    return this.deps.store.peers.remove(subscriberId);
  }

  list(): Promise<PeerRecord[]> {
    return this.deps.store.peers.list();
  }
}
