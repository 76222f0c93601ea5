/**
 * Helpers for tests that run many real nodes with the peer-to-peer network on loopback TCP libp2p,
 * reading like prose:
 *
 * ```ts
 * const hub = await startP2pNode(t, { name: 'hub', roles: ['buyer'], region: 'CN-GD' });
 * const s = await startP2pNode(t, { name: 's', roles: ['supplier'], region: 'CN-GD',
 *   categories: ['cnc-machining'], bootstrap: [hub] });
 * await meshed([hub, s], 20_000, { ready: isSubscribed });
 * const { transactionId } = await client(hub).search({ text: 'part', category: 'cnc-machining' });
 * await waitFor(() => searchesHandled(s, transactionId).length === 1, () => 's has the need', 5_000);
 * ```
 * ```
 *
 * Nodes are built by `startNode` (test/utils/cluster.ts), so `journal`, `received` and the cleanup
 * stack work for them too. Raw gossip (`publishRaw`, `signedNeed`, `envelope`) lets a test play a
 * misbehaving peer with a real node's libp2p host.
 */
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { DealEvent } from '../../src/deal/index.js';
import {
  GLOBAL_NEED_TOPIC,
  needTopic,
  type P2pNetworkOptions,
  PROFILE_TOPIC,
} from '../../src/network/index.js';
import type { WeftNode } from '../../src/node/weft-node.js';
import { canonicalBytes } from '../../src/protocol/canonical.js';
import type { Role } from '../../src/protocol/profile.js';
import { signBody } from '../../src/protocol/signing.js';
import { catalogItem, journal, startNode } from './cluster.js';

export const CATEGORIES = [
  'cnc-machining',
  'sheet-metal',
  'injection-moulding',
  'die-casting',
  'pcb-assembly',
] as const;

export interface P2pNodeSpec {
  name: string;
  roles: Role[];
  region: string;
  /** A supplier's categories; it gets one catalogue item ("<category> part") in each. */
  categories?: string[];
  /** Nodes whose libp2p addresses are this node's bootstrap list. */
  bootstrap?: WeftNode[];
  /** Peer-to-peer options over the loopback defaults of `startNode`. */
  p2p?: Partial<P2pNetworkOptions>;
  /** Reopen this data dir (restart) instead of initialising a new one. */
  dataDir?: string;
}

/** Starts a node with the peer-to-peer network on 127.0.0.1, bootstrapping from `spec.bootstrap`. */
export async function startP2pNode(t: TestContext, spec: P2pNodeSpec): Promise<WeftNode> {
  const categories = spec.categories ?? [];
  const isSupplier = spec.roles.includes('supplier');
  return startNode(t, {
    name: spec.name,
    roles: spec.roles,
    profile: { region: spec.region, categories },
    p2p: { bootstrap: addrsOf(spec.bootstrap ?? []), ...spec.p2p },
    ...(spec.dataDir !== undefined ? { dataDir: spec.dataDir } : {}),
    ...(isSupplier && spec.dataDir === undefined
      ? {
          items: categories.map((c) =>
            catalogItem(`${spec.name}-${c}`, `${c} part from ${spec.name}`, { categories: [c] }),
          ),
        }
      : {}),
  });
}

/**
 * A hub and spokes whose only bootstrap peer is the hub, all started together and subscribed to each
 * other's `topics` (default: their need topics). `p2p` goes to every node, under each spec's own.
 */
export async function startHubAndSpokes(
  t: TestContext,
  hub: Omit<P2pNodeSpec, 'bootstrap'>,
  spokes: ReadonlyArray<Omit<P2pNodeSpec, 'bootstrap'>>,
  opts: { p2p?: P2pNodeSpec['p2p']; topics?: (n: WeftNode) => string[] } = {},
): Promise<{ hub: WeftNode; spokes: WeftNode[] }> {
  const spec = (s: Omit<P2pNodeSpec, 'bootstrap'>) => ({ ...s, p2p: { ...opts.p2p, ...s.p2p } });
  const h = await startP2pNode(t, spec(hub));
  const started = await Promise.all(spokes.map((s) => startP2pNode(t, { ...spec(s), bootstrap: [h] })));
  await meshed([h, ...started], 20_000, {
    ready: isSubscribed,
    ...(opts.topics ? { topics: opts.topics } : {}),
  });
  return { hub: h, spokes: started };
}

/** The libp2p multiaddrs (with `/p2p/<peer id>`) of running nodes, for a bootstrap list. */
export function addrsOf(nodes: WeftNode[]): string[] {
  return nodes.flatMap((n) => p2pOf(n).addresses());
}

export function p2pOf(node: WeftNode): NonNullable<WeftNode['p2p']> {
  if (!node.p2p) throw new Error(`${node.profile.name} runs without the peer-to-peer network`);
  return node.p2p;
}

/** The need topics a node subscribes to: its region's and the cross-region one. */
export function needTopicsOf(node: WeftNode): string[] {
  return [needTopic(node.profile.region), GLOBAL_NEED_TOPIC];
}

/** What gossipsub offers beyond its typed interface. */
type Introspection = {
  getPeers(): Array<{ toString(): string }>;
  getTopics(): string[];
  getMeshPeers(topic: string): string[];
  getScore(peerId: string): number;
  getSubscribers(topic: string): Array<{ toString(): string }>;
};

function pubsubOf(node: WeftNode) {
  return p2pOf(node).libp2p.services.pubsub as unknown as Introspection & {
    publish(topic: string, data: Uint8Array): Promise<{ recipients: unknown[] }>;
  };
}

/** Whether the node's libp2p host runs (not before start, nor after close). */
export function p2pRunning(node: WeftNode): boolean {
  try {
    return node.p2p?.libp2p !== undefined;
  } catch {
    return false;
  }
}

/** Peer ids in `node`'s mesh for `topic` (none if its network is not running). */
export function meshOf(node: WeftNode, topic: string): string[] {
  return p2pRunning(node) ? pubsubOf(node).getMeshPeers(topic) : [];
}

/** The gossipsub score `observer` gives `peer` (undefined: not connected). */
export function scoreOf(observer: WeftNode, peer: WeftNode): number | undefined {
  return p2pOf(observer)
    .scores()
    .find((s) => s.peer === peer.subscriberId)?.score;
}

/** Peers `node`'s gossipsub exchanges messages with (it drops a peer whose stream failed). */
export function gossipPeers(node: WeftNode): string[] {
  return pubsubOf(node)
    .getPeers()
    .map((p) => p.toString());
}

/**
 * Whether `observer`'s gossipsub has a stream to send to `peer` (gossipsub internals, read only to
 * explain a failure: without one, it knows the peer but silently sends it nothing).
 */
export function hasOutboundStream(observer: WeftNode, peer: WeftNode): boolean | undefined {
  const internals = pubsubOf(observer) as unknown as { streamsOutbound?: Map<string, unknown> };
  return internals.streamsOutbound?.has(peer.subscriberId);
}

/** Peers `node` holds a libp2p connection to. */
export function connectedPeers(node: WeftNode): string[] {
  return p2pOf(node)
    .libp2p.getPeers()
    .map((p) => p.toString());
}

/**
 * Whether `node` is reachable by gossip on `topic`: it has at least one mesh peer, and at least one
 * of those peers has it in its own mesh (so that peer forwards the topic's messages to it).
 */
export function isMeshed(node: WeftNode, topic: string, others: readonly WeftNode[]): boolean {
  const mine = meshOf(node, topic);
  if (mine.length === 0) return false;
  return others.some(
    (o) => o !== node && mine.includes(o.subscriberId) && meshOf(o, topic).includes(node.subscriberId),
  );
}

/**
 * Whether `node` and some peer that relays `topic` know of each other's subscription to it: the
 * weakest condition for gossip to reach `node` (that peer forwards the topic's messages to it or
 * announces them to it) and for what `node` publishes to get out.
 */
export function isSubscribed(node: WeftNode, topic: string, others: readonly WeftNode[]): boolean {
  if (!p2pRunning(node)) return false;
  const mine = pubsubOf(node);
  if (!mine.getTopics().includes(topic)) return false;
  const knows = (ps: Introspection, peer: WeftNode) =>
    ps.getSubscribers(topic).some((p) => p.toString() === peer.subscriberId);
  return others.some((o) => {
    if (o === node || !p2pRunning(o)) return false;
    const theirs = pubsubOf(o);
    return theirs.getTopics().includes(topic) && knows(theirs, node) && knows(mine, o);
  });
}

/**
 * Resolves once `ready(node, topic, nodes)` holds for every node on every topic in `topics(node)`
 * (default: meshed on its need topics); returns the time it took, ms.
 */
export async function meshed(
  nodes: readonly WeftNode[],
  ms = 20_000,
  opts: {
    topics?: (n: WeftNode) => string[];
    ready?: (n: WeftNode, topic: string, nodes: readonly WeftNode[]) => boolean;
  } = {},
): Promise<number> {
  const topics = opts.topics ?? needTopicsOf;
  const ready = opts.ready ?? isMeshed;
  return waitFor(
    () => nodes.every((n) => topics(n).every((tp) => ready(n, tp, nodes))),
    () => {
      const missing = nodes.flatMap((n) =>
        topics(n)
          .filter((tp) => !ready(n, tp, nodes))
          .map((tp) => `${n.profile.name}@${tp}`),
      );
      const name = new Map(nodes.map((n) => [n.subscriberId, n.profile.name]));
      const links = nodes
        .filter((n) => topics(n).some((tp) => !ready(n, tp, nodes)))
        .slice(0, 5)
        .map((n) => {
          const peers = p2pRunning(n) ? connectedPeers(n).map((p) => name.get(p) ?? p.slice(-6)) : [];
          const gossip = p2pRunning(n) ? gossipPeers(n).map((p) => name.get(p) ?? p.slice(-6)) : [];
          return `${n.profile.name} connected to [${peers}], gossips with [${gossip}]`;
        });
      return `${missing.length} not ready: ${missing.slice(0, 10).join(', ')}; ${links.join('; ')}`;
    },
    ms,
  );
}

/**
 * Polls `cond` (every 20 ms) until it holds; fails after `ms` with `what()`. Returns the time it
 * took, ms. Conditions are on node state that events change; the poll only bounds the wait.
 */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: () => string,
  ms: number,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Inbound `search` deal events the node handled (accepted, ledgered, processed), optionally for one transaction. */
export function searchesHandled(node: WeftNode, transactionId?: string): DealEvent[] {
  return journal(node).filter(
    (e) =>
      e.direction === 'in' &&
      e.action === 'search' &&
      (transactionId === undefined || e.transactionId === transactionId),
  );
}

/** Subscriber ids from which the node received `on_search` for a transaction. */
export function onSearchFrom(node: WeftNode, transactionId: string): Set<string> {
  return new Set(
    journal(node)
      .filter((e) => e.direction === 'in' && e.action === 'on_search' && e.transactionId === transactionId)
      .map((e) => e.counterparty),
  );
}

async function counterSum(
  c: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, string | number> }> }> },
  match: (labels: Record<string, string | number>) => boolean,
): Promise<number> {
  const { values } = await c.get();
  return values.filter((v) => match(v.labels)).reduce((a, v) => a + v.value, 0);
}

/** Broadcast needs that passed validation at `node` (whether they fit it or not). */
export function needsSeen(node: WeftNode): Promise<number> {
  return counterSum(node.metrics.needsReceived, () => true);
}

/** Gossip messages `node`'s validators dropped, for a reason (`signature`, `shape`, `record`, …) or all. */
export function dropped(node: WeftNode, reason?: string, topic?: string): Promise<number> {
  return counterSum(
    node.metrics.gossipDropped,
    (l) => (reason === undefined || l.reason === reason) && (topic === undefined || l.topic === topic),
  );
}

/** Node records stored in `node`'s directory (valid now). */
export function directorySize(node: WeftNode): Promise<number> {
  return node.store.directory.count(Math.floor(Date.now() / 1000));
}

export interface SignedNeed {
  transactionId: string;
  messageId: string;
  body: Buffer;
  authorization: string;
  /** The gossip message: `{ v: 1, authorization, body }`, UTF-8 JSON (broadcast.ts). */
  data: Buffer;
}

/** The gossip envelope of a signed body (wire shape of broadcast.ts). */
export function envelope(body: Buffer | string, authorization: string, v: unknown = 1): Buffer {
  return Buffer.from(JSON.stringify({ v, authorization, body: body.toString() }));
}

/**
 * A search signed by `node` exactly as its broadcast would be, not published. `createdSec` signs it
 * as made at another time (its context timestamp follows), e.g. in the past to make it expired.
 */
export function signedNeed(
  node: WeftNode,
  intent: Record<string, unknown>,
  opts: { createdSec?: number; ttlSec?: number } = {},
): SignedNeed {
  const transactionId = randomUUID();
  const ttlSec = opts.ttlSec ?? 120;
  const signed = node.sender.signBroadcast({ transactionId, message: { intent }, ttlSec });
  let { body, authorization } = signed;
  if (opts.createdSec !== undefined) {
    const request = structuredClone(signed.request) as { context: { timestamp: string } };
    request.context.timestamp = new Date(opts.createdSec * 1000).toISOString();
    body = canonicalBytes(request);
    const keys = node.dataDir.keys;
    authorization = signBody(body, {
      subscriberId: node.subscriberId,
      uniqueKeyId: keys.keyId,
      privateKey: keys.privateKey,
      created: opts.createdSec,
      expires: opts.createdSec + ttlSec,
    }).authorization;
  }
  return {
    transactionId,
    messageId: signed.messageId,
    body,
    authorization,
    data: envelope(body, authorization),
  };
}

/** Publishes raw bytes on a topic from `node`'s own libp2p host, bypassing every check of its own. */
export async function publishRaw(node: WeftNode, topic: string, data: Uint8Array): Promise<number> {
  const r = await pubsubOf(node).publish(topic, data);
  return r.recipients.length;
}

export { GLOBAL_NEED_TOPIC, needTopic, PROFILE_TOPIC };

/** Median and maximum of a list of numbers (0 for none). */
export function stats(xs: number[]): { p50: number; max: number } {
  if (xs.length === 0) return { p50: 0, max: 0 };
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor((s.length - 1) / 2)]!, max: s[s.length - 1]! };
}
