/**
 * Helpers for tests that run several real nodes in one process, on loopback HTTP, and read like
 * prose:
 *
 * ```ts
 * test('a deal', async (t) => {
 *   const buyer = await startNode(t, { name: 'Buyer', roles: ['buyer'] });
 *   const supplier = await startNode(t, { name: 'Supplier', roles: ['supplier'], items: [bracket] });
 *   await trust(buyer, supplier);
 *   const { transactionId } = await client(buyer).search({ text: 'bracket' });
 *   await received(buyer, { action: 'on_search', transactionId });
 * });
 * ```
 *
 * Every node gets its own temporary data dir; closing the node and removing the dir are pushed on a
 * cleanup stack that is drained, last in first out, after the test (`t.after`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { WeftClient } from '../../src/api/index.js';
import type { DealEvent } from '../../src/deal/index.js';
import type { P2pNetworkOptions } from '../../src/network/index.js';
import { initDataDir } from '../../src/node/data-dir.js';
import { defaultNodeOptions, WeftNode } from '../../src/node/weft-node.js';
import type { Action } from '../../src/protocol/actions.js';
import { defaultProfile, type Profile, type Role } from '../../src/protocol/profile.js';
import type { CatalogItem } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';

type Cleanup = () => unknown;

const stacks = new WeakMap<TestContext, Cleanup[]>();

/** Pushes `fn` on the test's cleanup stack; the stack is drained (last in, first out) after the test. */
export function onCleanup(t: TestContext, fn: Cleanup): void {
  let stack = stacks.get(t);
  if (!stack) {
    const fresh: Cleanup[] = [];
    stacks.set(t, fresh);
    t.after(async () => {
      const errors: unknown[] = [];
      while (fresh.length > 0) {
        try {
          await fresh.pop()!();
        } catch (e) {
          errors.push(e);
        }
      }
      if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
    });
    stack = fresh;
  }
  stack.push(fn);
}

/** A fresh temporary directory, removed after the test. */
export async function tempDir(t: TestContext, prefix = 'weft-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onCleanup(t, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface NodeSpec {
  name: string;
  roles: Role[];
  /** Catalogue items a supplier answers search and select from. */
  items?: CatalogItem[];
  /** Profile fields other than name and roles (region, categories, …); default `defaultProfile`'s. */
  profile?: Partial<Omit<Profile, 'name' | 'roles'>>;
  /**
   * Run the peer-to-peer network, on loopback (127.0.0.1, free port, `loopbackCluster`), with these
   * options over the defaults. Without it the node runs with the network off.
   */
  p2p?: Partial<P2pNetworkOptions>;
  /** Reopen this data dir (a restart: same key, store and ledger) instead of initialising a fresh one. */
  dataDir?: string;
}

/** Every deal event of each node since it started, so a waiter never misses one that came early. */
const journals = new WeakMap<WeftNode, DealEvent[]>();

/** Initialises a data dir, opens a node on a free loopback port with a silent logger, and starts it. */
export async function startNode(t: TestContext, spec: NodeSpec): Promise<WeftNode> {
  const dataDir = spec.dataDir ?? join(await tempDir(t, 'weft-node-'), 'data');
  if (spec.dataDir === undefined) {
    initDataDir(dataDir, { ...defaultProfile, ...spec.profile, name: spec.name, roles: spec.roles });
  }
  const node = await WeftNode.open(
    {
      ...defaultNodeOptions,
      dataDir,
      api: { ...defaultNodeOptions.api, host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      ...(spec.p2p
        ? {
            p2p: {
              ...defaultNodeOptions.p2p,
              enabled: true,
              listen: ['/ip4/127.0.0.1/tcp/0'],
              loopbackCluster: true,
              // The discovery tests build their topology on purpose (hubs, a supplier behind one
              // hub): nodes do not dial directory peers on their own unless a test asks.
              targetConnections: 0,
              ...spec.p2p,
            },
          }
        : {}),
    },
    { logger: silentLogger() },
  );
  onCleanup(t, () => node.close());
  const journal: DealEvent[] = [];
  journals.set(node, journal);
  node.engine.on('message', (e: DealEvent) => journal.push(e));
  await node.start();
  for (const item of spec.items ?? []) await node.store.catalog.put(item);
  return node;
}

/** Makes `a` and `b` trust each other (each learns the other's key and Beckn URI). */
export async function trust(a: WeftNode, b: WeftNode): Promise<void> {
  await a.directory.put(peerRecordOf(b));
  await b.directory.put(peerRecordOf(a));
}

/** What a partner stores to trust `node`. */
export function peerRecordOf(node: WeftNode) {
  return {
    subscriberId: node.subscriberId,
    keyId: node.dataDir.keys.keyId,
    publicKey: node.dataDir.keys.publicKeyRaw.toString('base64'),
    uri: node.becknUri,
    name: node.profile.name,
    source: 'manual' as const,
    addedAt: Date.now(),
  };
}

/** The typed owner-API client of a node, with its admin token. */
export function client(node: WeftNode): WeftClient {
  return new WeftClient(node.url, node.dataDir.adminToken);
}

export interface EventMatch {
  action: Action;
  transactionId: string;
  /** Default `in`: a message the node accepted and processed. */
  direction?: 'in' | 'out';
  counterparty?: string;
  messageId?: string;
}

/**
 * Resolves with the node's first deal event matching `m` — one already seen since the node started,
 * or the next one — once the node has processed it (for `in`) or queued it (for `out`).
 */
export function received(node: WeftNode, m: EventMatch, ms = 5_000): Promise<DealEvent> {
  const matches = (e: DealEvent) =>
    e.direction === (m.direction ?? 'in') &&
    e.action === m.action &&
    e.transactionId === m.transactionId &&
    (m.counterparty === undefined || e.counterparty === m.counterparty) &&
    (m.messageId === undefined || e.messageId === m.messageId);
  const seen = journals.get(node)?.find(matches);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const listener = (e: DealEvent) => {
      if (!matches(e)) return;
      clearTimeout(timer);
      node.engine.off('message', listener);
      resolve(e);
    };
    const timer = setTimeout(() => {
      node.engine.off('message', listener);
      reject(new Error(`${node.profile.name} did not receive ${JSON.stringify(m)} within ${ms} ms`));
    }, ms);
    node.engine.on('message', listener);
  });
}

/** Every deal event of the node since it started, in order. */
export function journal(node: WeftNode): readonly DealEvent[] {
  return journals.get(node) ?? [];
}

/** Resolves once the node's outbox has nothing pending (every queued message delivered or ended). */
export async function drained(node: WeftNode, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { pending } = await node.store.outbox.counts();
    if (pending === 0) return;
    const left = deadline - Date.now();
    if (left <= 0)
      throw new Error(`${node.profile.name}: ${pending} message(s) still pending after ${ms} ms`);
    // Wake on the outbox's own events; the timeout only bounds a wait for one that never comes.
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        node.outbox.off('delivered', done);
        node.outbox.off('failed', done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(left, 250));
      node.outbox.on('delivered', done);
      node.outbox.on('failed', done);
    });
  }
}

/** Polls `probe` until it returns a value, or fails after `ms`. Prefer `received` where an event exists. */
export async function until<T>(probe: () => Promise<T | undefined>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A catalogue item with sensible defaults. */
export function catalogItem(id: string, name: string, over: Partial<CatalogItem> = {}): CatalogItem {
  return {
    id,
    name,
    description: name,
    categories: ['cnc-machining'],
    currency: 'CNY',
    price: '10.00',
    stock: 10_000,
    leadTime: 'P10D',
    ...over,
  };
}
