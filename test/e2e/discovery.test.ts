/**
 * Gateway-less discovery (issue 3; network/p2p): real nodes on loopback TCP libp2p, no gateway, no
 * registry. Two ordinary supplier nodes, one per region, are the bootstrap nodes ("hubs"); every other
 * node knows only them. A need a buyer broadcasts reaches every supplier of its region and category,
 * each fitting one answers on_search directly, and no other does; a cross-region need reaches both
 * regions; a need with a bad signature or an expired one is dropped by the first node that sees it
 * and goes no further. Under churn every live fitting supplier gets every need, and a node that joins
 * late gets the whole directory by request/response sync.
 *
 * Each check also prints what it measured (reach, time until the last fitting supplier had the need,
 * directory convergence).
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { WeftNode } from '../../src/node/weft-node.js';
import { client, drained, type NodeSpec } from '../utils/cluster.js';
import {
  CATEGORIES,
  connectedPeers,
  directorySize,
  dropped,
  GLOBAL_NEED_TOPIC,
  gossipPeers,
  hasOutboundStream,
  isSubscribed,
  meshed,
  meshOf,
  needsSeen,
  needTopic,
  needTopicsOf,
  onSearchFrom,
  type P2pNodeSpec,
  p2pOf,
  publishRaw,
  scoreOf,
  searchesHandled,
  signedNeed,
  startP2pNode,
  stats,
  waitFor,
} from '../utils/p2p-cluster.js';

const REGIONS = ['CN-GD', 'CN-JS'] as const;
type Region = (typeof REGIONS)[number];
/** How long one need may take to reach everyone and be answered: generous for a loaded 2-core machine. */
const DELIVERY_MS = 15_000;

interface Cluster {
  hubs: WeftNode[];
  buyers: Record<Region, WeftNode>;
  suppliers: WeftNode[];
  all: WeftNode[];
  /** When each node's inbound `search` for a transaction was handled, by node. */
  arrivals: Map<WeftNode, Map<string, number>>;
}

/** Supplier i: region alternates; one main category, every third one a second category too. */
function supplierSpec(i: number): Omit<P2pNodeSpec, 'bootstrap' | 'p2p'> {
  const region = REGIONS[i % 2]!;
  const k = Math.floor(i / 2);
  const categories = [CATEGORIES[k % 5]!, ...(i % 3 === 0 ? [CATEGORIES[(k + 2) % 5]!] : [])];
  return { name: `s${String(i).padStart(2, '0')}-${region}`, roles: ['supplier'], region, categories };
}

/** Records when each node handled each inbound search (the journal has no times). */
function watchArrivals(c: Cluster, node: WeftNode): void {
  const m = c.arrivals.get(node) ?? new Map<string, number>();
  c.arrivals.set(node, m);
  node.engine.on('message', (e: { direction: string; action: string; transactionId: string }) => {
    if (e.direction === 'in' && e.action === 'search' && !m.has(e.transactionId))
      m.set(e.transactionId, Date.now());
  });
}

/**
 * 20 nodes: 18 suppliers (9 per region, 5 categories) and 2 buyers. Suppliers 0 (CN-GD) and 1
 * (CN-JS) are the bootstrap hubs; everyone else bootstraps from both.
 */
async function startCluster(t: TestContext, extra: P2pNodeSpec['p2p'] = {}): Promise<Cluster> {
  // Besides the hubs, each node dials two random nodes of the directory, as a deployed node does (with
  // more): on hubs alone, a hub's full mesh could leave a late node out of every mesh, and the need
  // then reached it only if gossip happened to pick it in time.
  const p2p = { targetConnections: 2, ...extra };
  const c: Cluster = {
    hubs: [],
    buyers: {} as Record<Region, WeftNode>,
    suppliers: [],
    all: [],
    arrivals: new Map(),
  };
  const hubGd = await startP2pNode(t, { ...supplierSpec(0), p2p });
  const hubJs = await startP2pNode(t, { ...supplierSpec(1), bootstrap: [hubGd], p2p });
  c.hubs.push(hubGd, hubJs);
  const rest: P2pNodeSpec[] = [
    ...Array.from({ length: 16 }, (_, j) => supplierSpec(j + 2)),
    ...REGIONS.map((region) => ({ name: `buyer-${region}`, roles: ['buyer'] as NodeSpec['roles'], region })),
  ].map((s) => ({ ...s, bootstrap: [hubGd, hubJs], p2p }));
  // A few at a time: the machine has two cores.
  const started: WeftNode[] = [];
  for (let i = 0; i < rest.length; i += 6) {
    started.push(...(await Promise.all(rest.slice(i, i + 6).map((s) => startP2pNode(t, s)))));
  }
  c.suppliers = [hubGd, hubJs, ...started.filter((n) => n.profile.roles.includes('supplier'))];
  for (const b of started.filter((n) => !n.profile.roles.includes('supplier'))) {
    c.buyers[b.profile.region as Region] = b;
  }
  c.all = [...c.suppliers, ...REGIONS.map((r) => c.buyers[r])];
  for (const n of c.all) watchArrivals(c, n);
  return c;
}

function names(nodes: Iterable<WeftNode>): string[] {
  return [...nodes].map((n) => n.profile.name).sort();
}

/** Nodes subscribed to the topic a need for `region` travels on. */
function subscribersOf(c: Cluster, region: Region | 'all'): WeftNode[] {
  return region === 'all' ? c.all : c.all.filter((n) => n.profile.region === region);
}

function fittingSuppliers(nodes: WeftNode[], region: Region | 'all', category: string): WeftNode[] {
  return nodes.filter(
    (n) =>
      n.profile.roles.includes('supplier') &&
      (region === 'all' || n.profile.region === region) &&
      n.profile.categories.includes(category),
  );
}

interface NeedResult {
  transactionId: string;
  fitting: number;
  reached: number;
  /** ms from the publish call until the last fitting supplier had handled it. */
  lastMs: number;
}

/**
 * Broadcasts a need through the buyer's owner API and proves its reach: every subscriber of the
 * topic validated it, every fitting supplier handled it (ledgered, processed) and answered, the buyer
 * has on_search from exactly the fitting suppliers, and nobody else handled it.
 */
async function proveNeed(
  c: Cluster,
  buyer: WeftNode,
  region: Region | 'all',
  category: string,
): Promise<NeedResult> {
  const receivers = subscribersOf(c, region).filter((n) => n !== buyer);
  const fitting = fittingSuppliers(c.all, region, category);
  assert.ok(fitting.length > 0, `some supplier fits ${region}/${category}`);
  const seenBefore = new Map(await Promise.all(receivers.map(async (n) => [n, await needsSeen(n)] as const)));
  const seenNow = new Map(seenBefore);
  const droppedNow = new Map<WeftNode, number>();
  const t0 = Date.now();
  const { transactionId } = await client(buyer).search({ text: 'part', category, region });
  const what = `${region}/${category} need ${transactionId}`;
  await waitFor(
    async () => {
      for (const n of receivers) {
        seenNow.set(n, await needsSeen(n));
        droppedNow.set(n, await dropped(n));
      }
      if (receivers.some((n) => seenNow.get(n)! <= seenBefore.get(n)!)) return false;
      return fitting.every((s) => searchesHandled(s, transactionId).length === 1);
    },
    () => {
      const notHandled = names(fitting.filter((s) => searchesHandled(s, transactionId).length === 0));
      const unseen = receivers.filter((n) => seenNow.get(n) === seenBefore.get(n));
      const topic = region === 'all' ? GLOBAL_NEED_TOPIC : needTopic(region);
      const links = unseen.map(
        (n) => `${n.profile.name} (dropped ${droppedNow.get(n)}; ${linkState(c, n, topic)})`,
      );
      return `${what}: not handled by [${notHandled}]; not validated by [${links}]`;
    },
    DELIVERY_MS,
  );
  await waitFor(
    () => fitting.every((s) => onSearchFrom(buyer, transactionId).has(s.subscriberId)),
    () => {
      const got = onSearchFrom(buyer, transactionId);
      return `${what}: no on_search from ${names(fitting.filter((s) => !got.has(s.subscriberId)))}`;
    },
    DELIVERY_MS,
  );
  // Every answer anyone will send has left its outbox: what the buyer holds now is final.
  await Promise.all(c.suppliers.map((s) => drainedOrSay(s)));
  assert.deepEqual(
    names(c.all.filter((n) => onSearchFrom(buyer, transactionId).has(n.subscriberId))),
    names(fitting),
    `${what}: on_search from exactly the fitting suppliers`,
  );
  const view = await client(buyer).transaction(transactionId);
  const offered = new Set(view.deals.filter((d) => d.data.catalog !== undefined).map((d) => d.counterparty));
  assert.deepEqual(
    names(c.all.filter((n) => offered.has(n.subscriberId))),
    names(fitting),
    `${what}: the buyer's deals hold offers from exactly the fitting suppliers`,
  );
  for (const n of c.all.filter((x) => !fitting.includes(x))) {
    assert.equal(searchesHandled(n, transactionId).length, 0, `${what}: ${n.profile.name} does not fit`);
  }
  const times = fitting.map((s) => c.arrivals.get(s)!.get(transactionId)! - t0);
  return { transactionId, fitting: fitting.length, reached: fitting.length, lastMs: Math.max(...times) };
}

/** How `node` is linked to each of its peers on `topic`, for failure messages. */
function linkState(c: Cluster, node: WeftNode, topic: string): string {
  const peers = c.all.filter((o) => connectedPeers(node).includes(o.subscriberId));
  return peers
    .map((o) => {
      const inTheirMesh = meshOf(o, topic).includes(node.subscriberId);
      const inMine = meshOf(node, topic).includes(o.subscriberId);
      const gossip = gossipPeers(o).includes(node.subscriberId);
      const conns = p2pOf(o)
        .libp2p.getConnections()
        .filter((x) => x.remotePeer.toString() === node.subscriberId);
      const dbg = `connections ${conns.map((x) => `${x.direction}/${x.status}`)}, outbound gossip stream ${hasOutboundStream(o, node)}`;
      return `${o.profile.name}: ${dbg}, in its mesh ${inTheirMesh}, in mine ${inMine}, its gossip peer ${gossip}, score there ${scoreOf(o, node)?.toFixed(1)}, here ${scoreOf(node, o)?.toFixed(1)}`;
    })
    .join('; ');
}

/** `drained`, naming the stuck messages' last errors when it fails. */
async function drainedOrSay(node: WeftNode): Promise<void> {
  try {
    await drained(node, DELIVERY_MS);
  } catch (e) {
    const rows = await node.store.outbox.due(Number.MAX_SAFE_INTEGER, 5);
    const why = rows.map((r) => `${r.action} to ${r.recipient}: ${r.lastError ?? '?'}`).join('; ');
    throw new Error(`${(e as Error).message}: ${why}`);
  }
}

/** The neighbours of `node` that subscribe to `topic` (the only peers a message it publishes reaches). */
function neighboursOn(c: Cluster, node: WeftNode, topic: string): WeftNode[] {
  const peers = new Set(connectedPeers(node));
  return c.all.filter((n) => peers.has(n.subscriberId) && needTopicsOf(n).includes(topic));
}

async function snapshot(
  nodes: WeftNode[],
  f: (n: WeftNode) => Promise<number>,
): Promise<Map<WeftNode, number>> {
  return new Map(await Promise.all(nodes.map(async (n) => [n, await f(n)] as const)));
}

test('discovery: 20 nodes on TCP libp2p, needs reach every fitting supplier of their region and no other; bad and expired needs die at the first hop; a late node gets the directory by sync', {
  timeout: 120_000,
}, async (t) => {
  const startAt = Date.now();
  // No republication during the test: a late node's directory can only come from the sync.
  const c = await startCluster(t, { republishMs: 10 * 60_000 });
  const lastStart = Date.now();
  const meshMs = await meshed(c.all, 30_000, { ready: isSubscribed });
  const hubMeshes = c.hubs.map((h) => {
    const all = p2pOf(h).status().topics[GLOBAL_NEED_TOPIC];
    return `${all?.mesh}/${all?.subscribers}`;
  });
  const meshless = c.all.filter((n) => meshOf(n, GLOBAL_NEED_TOPIC).length === 0).length;
  t.diagnostic(
    `${c.all.length} nodes started in ${lastStart - startAt} ms, ready ${meshMs} ms later; hubs' ${GLOBAL_NEED_TOPIC} mesh/subscribers ${hubMeshes.join(', ')}; ${meshless} nodes with an empty mesh there (reached by catch-up only)`,
  );
  assert.equal(c.all.length, 20);
  assert.equal(new Set(c.suppliers.flatMap((s) => s.profile.categories)).size, 5);

  await t.test(
    "a regional need reaches 100% of its region's fitting suppliers, who alone answer",
    async () => {
      const results: NeedResult[] = [];
      for (const region of REGIONS) {
        for (const category of CATEGORIES)
          results.push(await proveNeed(c, c.buyers[region], region, category));
      }
      const fitting = results.reduce((a, r) => a + r.fitting, 0);
      const reached = results.reduce((a, r) => a + r.reached, 0);
      const s = stats(results.map((r) => r.lastMs));
      t.diagnostic(
        `regional: ${results.length} needs, reach ${((100 * reached) / fitting).toFixed(1)}% (${reached}/${fitting}), time to last fitting supplier p50 ${s.p50} ms, max ${s.max} ms`,
      );
    },
  );

  await t.test('a cross-region need reaches fitting suppliers of both regions', async () => {
    const results: NeedResult[] = [];
    for (const category of CATEGORIES) {
      results.push(await proveNeed(c, c.buyers['CN-GD'], 'all', category));
    }
    const regions = new Set(
      results.flatMap((r) =>
        c.suppliers
          .filter((s) => searchesHandled(s, r.transactionId).length > 0)
          .map((s) => s.profile.region),
      ),
    );
    assert.deepEqual([...regions].sort(), [...REGIONS]);
    const fitting = results.reduce((a, r) => a + r.fitting, 0);
    const s = stats(results.map((r) => r.lastMs));
    t.diagnostic(
      `cross-region: ${results.length} needs, reach 100% (${fitting}/${fitting}), time to last p50 ${s.p50} ms, max ${s.max} ms`,
    );
  });

  await t.test(
    'a need with a bad signature is rejected by the first hop, not forwarded, and costs the publisher score',
    async () => {
      // A leaf: its only peers are the hubs, so everyone else would see the need only if a hub forwarded it.
      const x = c.suppliers[2]!;
      const topic = GLOBAL_NEED_TOPIC;
      const first = neighboursOn(c, x, topic);
      const others = c.all.filter((n) => n !== x && !first.includes(n));
      assert.ok(
        first.length > 0 && others.length >= 10,
        `${x.profile.name} has neighbours and non-neighbours`,
      );
      const need = signedNeed(x, {
        item: { descriptor: { name: 'part' } },
        category: { id: 'cnc-machining' },
      });
      const tampered = need.body.toString().replace('"part"', '"PART"');
      assert.notEqual(tampered, need.body.toString());
      const rejectedBefore = await snapshot(c.all, (n) => dropped(n, 'signature'));
      const seenBefore = await snapshot(c.all, needsSeen);
      const scoreBefore = new Map(first.map((n) => [n, scoreOf(n, x)!]));
      await publishRaw(
        x,
        topic,
        Buffer.from(JSON.stringify({ v: 1, authorization: need.authorization, body: tampered })),
      );
      await waitFor(
        async () => {
          for (const n of first)
            if ((await dropped(n, 'signature')) !== rejectedBefore.get(n)! + 1) return false;
          return first.every((n) => scoreOf(n, x)! < Math.min(0, scoreBefore.get(n)!));
        },
        () => `the first hop (${names(first)}) did not reject it and score ${x.profile.name} down`,
        DELIVERY_MS,
      );
      // A valid need after it travels the same links; once it has reached everyone, the bad one would have too.
      await proveNeed(c, c.buyers['CN-JS'], 'all', 'cnc-machining');
      for (const n of others) {
        assert.equal(await dropped(n, 'signature'), rejectedBefore.get(n), `${n.profile.name} never saw it`);
      }
      for (const n of c.all) {
        assert.equal(searchesHandled(n, need.transactionId).length, 0, `${n.profile.name} did not handle it`);
        // Exactly one validated need since: the control.
        const expected = seenBefore.get(n)! + (n === c.buyers['CN-JS'] ? 0 : 1);
        assert.equal(await needsSeen(n), expected, `${n.profile.name} validated only the control need`);
      }
      t.diagnostic(
        `bad signature: rejected by ${first.length} neighbours, seen by 0 of ${others.length} others; publisher score ${first
          .map((n) => `${scoreBefore.get(n)!.toFixed(1)}→${scoreOf(n, x)!.toFixed(1)}`)
          .join(', ')}`,
      );
    },
  );

  await t.test('an expired need is dropped by the first hop and not forwarded', async () => {
    const y = c.suppliers[3]!;
    const topic = GLOBAL_NEED_TOPIC;
    const first = neighboursOn(c, y, topic);
    const others = c.all.filter((n) => n !== y && !first.includes(n));
    const nowSec = Math.floor(Date.now() / 1000);
    // Signed ten minutes ago with a two-minute life: expired eight minutes ago, well past the skew.
    const need = signedNeed(
      y,
      { item: { descriptor: { name: 'part' } }, category: { id: 'cnc-machining' } },
      { createdSec: nowSec - 600, ttlSec: 120 },
    );
    const expiredBefore = await snapshot(c.all, (n) => dropped(n, 'expired'));
    await publishRaw(y, topic, need.data);
    await waitFor(
      async () => {
        for (const n of first) if ((await dropped(n, 'expired')) !== expiredBefore.get(n)! + 1) return false;
        return true;
      },
      () => `the first hop (${names(first)}) did not drop it as expired`,
      DELIVERY_MS,
    );
    await proveNeed(c, c.buyers['CN-JS'], 'all', 'sheet-metal');
    for (const n of others) {
      assert.equal(await dropped(n, 'expired'), expiredBefore.get(n), `${n.profile.name} never saw it`);
    }
    for (const n of c.all) {
      assert.equal(searchesHandled(n, need.transactionId).length, 0, `${n.profile.name} did not handle it`);
    }
    t.diagnostic(`expired: dropped by ${first.length} neighbours, seen by 0 of ${others.length} others`);
  });

  await t.test(
    'a node joining late has the full directory within 10 s, by request/response sync',
    async (tt) => {
      // Records were published when the nodes started; gossipsub's message cache keeps a message for
      // 5 heartbeats (5 s), so past that the only way to get them is the directory sync.
      await waitFor(
        () => Date.now() - lastStart > 6_000,
        () => 'cache window',
        20_000,
      );
      const sizes = await Promise.all(c.all.map(directorySize));
      const t0 = Date.now();
      const late = await startP2pNode(t, {
        name: 'late-CN-GD',
        roles: ['supplier'],
        region: 'CN-GD',
        categories: ['cnc-machining'],
        bootstrap: [c.hubs[0]!],
        p2p: { republishMs: 10 * 60_000 },
      });
      const expected = c.all.length + 1;
      const ms = await waitFor(
        async () => (await directorySize(late)) === expected,
        () => `late node's directory: ${expected} expected`,
        10_000,
      );
      const total = Date.now() - t0;
      assert.ok(total <= 10_000, `full directory ${total} ms after start`);
      tt.diagnostic(
        `late joiner: ${expected} records ${total} ms after start (${ms} ms after it was up); directories of the others then held ${Math.min(...sizes)}..${Math.max(...sizes)} of ${c.all.length}`,
      );
    },
  );
});

/**
 * One run of a node's data dir: from start until it was asked to stop. `readyAt[topic]` is when it
 * was first seen live on a need topic: started, and some peer holds its subscription to the topic
 * (so gossipsub forwards the topic's messages to it or announces them to it).
 */
interface Span {
  node: WeftNode;
  readyAt: Map<string, number>;
  stopAt?: number;
}

interface Published {
  transactionId: string;
  messageId: string;
  buyer: WeftNode;
  region: Region | 'all';
  topic: string;
  category: string;
  at: number;
  /** Nodes (by data dir) that were down when it was published. */
  down: number;
}

test('discovery under churn: with 20% of the nodes stopped and restarted while needs are published, every live fitting supplier gets every need', {
  timeout: 120_000,
}, async (t) => {
  const c = await startCluster(t);
  await meshed(c.all, 30_000, { ready: isSubscribed });
  const t0 = Date.now();
  // A need must be handled by a fitting supplier whose run was live when it was published and
  // lasted at least GRACE_MS after: long enough for delivery by gossip or by catch-up (about a second).
  const GRACE_MS = 5_000;
  const DOWN_MS = 1_500;
  const spans = new Map<string, Span[]>(
    c.all.map((n) => [
      n.opts.dataDir,
      [{ node: n, readyAt: new Map(needTopicsOf(n).map((tp) => [tp, t0])) }],
    ]),
  );
  const current = () => [...spans.values()].map((runs) => runs[runs.length - 1]!.node);
  let down = 0;
  // 4 of 20 nodes: two suppliers of each region (the hubs and buyers stay up).
  const victims = [
    ...c.suppliers
      .slice(2)
      .filter((s) => s.profile.region === 'CN-GD')
      .slice(1, 3),
    ...c.suppliers
      .slice(2)
      .filter((s) => s.profile.region === 'CN-JS')
      .slice(1, 3),
  ];
  assert.equal(victims.length, c.all.length / 5);

  /** Stops a victim, waits, starts a new node on the same data dir, and records when it is live again. */
  const cycle = async (victim: WeftNode, delayMs: number): Promise<void> => {
    await new Promise((r) => setTimeout(r, delayMs));
    const runs = spans.get(victim.opts.dataDir)!;
    runs[runs.length - 1]!.stopAt = Date.now();
    down++;
    await victim.close();
    await new Promise((r) => setTimeout(r, DOWN_MS));
    const node = await startP2pNode(t, {
      name: victim.profile.name,
      roles: victim.profile.roles,
      region: victim.profile.region,
      bootstrap: c.hubs,
      dataDir: victim.opts.dataDir,
    });
    watchArrivals(c, node);
    const span: Span = { node, readyAt: new Map() };
    runs.push(span);
    down--;
    await waitFor(
      () => {
        const now = Date.now();
        for (const tp of needTopicsOf(node)) {
          if (!span.readyAt.has(tp) && isSubscribed(node, tp, current())) span.readyAt.set(tp, now);
        }
        return span.readyAt.size === 2;
      },
      () => `${node.profile.name} live again on its topics (has ${[...span.readyAt.keys()]})`,
      20_000,
    );
  };

  const published: Published[] = [];
  /** Victims back and live again. */
  let churned = 0;
  const publish = async (): Promise<void> => {
    const plan: Array<[Region, Region | 'all']> = [
      ['CN-GD', 'CN-GD'],
      ['CN-JS', 'CN-JS'],
      ['CN-GD', 'all'],
      ['CN-JS', 'all'],
    ];
    // Until every victim is back and live, then 8 more (at most 60: the per-sender limit is 60 a minute).
    let after = 0;
    for (let i = 0; i < 60 && after < 8; i++) {
      if (churned === victims.length) after++;
      const [from, region] = plan[i % plan.length]!;
      const category = CATEGORIES[i % CATEGORIES.length]!;
      const buyer = c.buyers[from];
      const at = Date.now();
      const r = await client(buyer).search({ text: 'part', category, region });
      published.push({
        transactionId: r.transactionId,
        messageId: r.messageId,
        buyer,
        region,
        topic: region === 'all' ? GLOBAL_NEED_TOPIC : needTopic(region),
        category,
        at,
        down,
      });
      await new Promise((r) => setTimeout(r, 400));
    }
  };
  // Victims go down one after another, 1.2 s apart, while needs go out every ~0.4 s.
  await Promise.all([
    publish(),
    ...victims.map(async (v, i) => {
      await cycle(v, 300 + i * 1_200);
      churned++;
    }),
  ]);

  // Which (need, supplier) pairs were due, by the definition above.
  const due: Array<{ need: Published; dir: string; name: string; restarted: boolean }> = [];
  let skipped = 0;
  for (const need of published) {
    for (const [dir, runs] of spans) {
      const profile = runs[0]!.node.profile;
      if (fittingSuppliers([runs[0]!.node], need.region, need.category).length === 0) continue;
      const live = runs.findIndex(
        (r) =>
          (r.readyAt.get(need.topic) ?? Number.POSITIVE_INFINITY) <= need.at &&
          (r.stopAt ?? Number.POSITIVE_INFINITY) >= need.at + GRACE_MS,
      );
      if (live >= 0) due.push({ need, dir, name: profile.name, restarted: live > 0 });
      else skipped++;
    }
  }
  const during = published.filter((p) => p.down > 0).length;
  assert.ok(during >= 3, `${during} needs were published while a node was down`);
  assert.ok(skipped > 0, 'churn made some supplier miss some need');
  const afterRestart = due.filter((d) => d.restarted).length;
  assert.ok(afterRestart > 0, 'some needs were due to restarted nodes');

  /** Inbound search ledger entries of the need at the data dir's current node. */
  const ledgered = async (dir: string, need: Published): Promise<number> => {
    const runs = spans.get(dir)!;
    const entries = await runs[runs.length - 1]!.node.store.ledger.byTransaction(need.transactionId);
    return entries.filter((e) => e.direction === 'in' && e.action === 'search').length;
  };
  const missing = async () => {
    const out: string[] = [];
    for (const d of due)
      if ((await ledgered(d.dir, d.need)) === 0) out.push(`${d.name}←${d.need.region}/${d.need.category}`);
    return out;
  };
  const waited = await waitFor(
    async () => (await missing()).length === 0,
    () => 'every due need ledgered by its live fitting supplier',
    DELIVERY_MS,
  ).catch(async (e) => {
    throw new Error(`${(e as Error).message}; missing: ${(await missing()).join(', ')}`);
  });
  for (const d of due)
    assert.equal(await ledgered(d.dir, d.need), 1, `${d.name} ledgered ${d.need.transactionId} once`);
  const lastMs = published.map((need) => {
    const times = due
      .filter((d) => d.need === need)
      .map((d) => {
        const runs = spans.get(d.dir)!;
        const at = runs
          .map((r) => c.arrivals.get(r.node)?.get(need.transactionId))
          .find((x) => x !== undefined);
        return (at ?? need.at) - need.at;
      });
    return times.length > 0 ? Math.max(...times) : 0;
  });
  const s = stats(lastMs);
  t.diagnostic(
    `churn: ${victims.length}/${c.all.length} nodes restarted, ${published.length} needs (${during} while a node was down); ${due.length} due deliveries (${afterRestart} to restarted nodes), reach 100% (${due.length}/${due.length}), ${skipped} not due (node down or not yet live); time to last p50 ${s.p50} ms, max ${s.max} ms; all in ${waited} ms after the last publish`,
  );
});
