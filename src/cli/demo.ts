/**
 * `weft demo`: a small industrial cluster on loopback. A buyer (an equipment maker) and five suppliers
 * (CNC machining, sheet metal, injection moulding, die casting, PCB assembly), each its own node with
 * its own data dir, its own simulated shop floor (the simulator publishing Sparkplug B into the node's
 * built-in MQTT broker, feeding its twins and capacity calendar), all joined peer to peer (the buyer's
 * node is everyone's bootstrap). The story: a need written in Chinese is parsed, broadcast, answered
 * by the suppliers that can really make it, ranked; the best offer is ordered; the order reports its
 * own progress from the supplier's machines; shipment scans deliver it; the buyer rates it; every
 * ledger verifies.
 *
 * Data lives under one folder (`--dir`); ports are chosen by the system (no collisions) unless
 * `--port-base` says otherwise; starting again resumes with the same identities, ledgers and twins.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RankedOffer } from '../api/contract.js';
import { WeftClient } from '../api/index.js';
import { verifyBundle } from '../ledger/index.js';
import { initDataDir, isInitialised } from '../node/data-dir.js';
import { defaultNodeOptions, type NodeOptions, WeftNode } from '../node/weft-node.js';
import type { Profile } from '../protocol/profile.js';
import { stringifyTwinsConfig } from '../twins/config.js';
import type { AssetDefinition } from '../twins/config-schema.js';
import {
  defaultFactoryConfigOptions,
  defaultSimulatorOptions,
  ShopFloorSimulator,
  type SupplierKind,
  sampleFactory,
  twinsConfigForFactory,
} from '../twins/sim/index.js';
import { systemClock } from '../util/clock.js';
import { createLogger, type Logger } from '../util/logger.js';
import { dashboardUrl } from './dashboard.js';
import { untilSignal } from './signals.js';

export interface DemoOptions {
  dir: string;
  script: boolean;
  portBase: number | undefined;
  /** How much faster than real time the simulated shop floors run. */
  speed: number;
}

interface Supplier {
  key: string;
  kind: SupplierKind;
  profile: Profile;
}

const REGION = 'CN-GD';

const BUYER: Profile = {
  name: 'Huanan Equipment Co.',
  roles: ['buyer'],
  country: 'CHN',
  city: 'std:020',
  region: REGION,
  categories: [],
  certifications: ['ISO9001'],
  uri: '',
};

function supplier(key: string, kind: SupplierKind, name: string, city: string, certs: string[]): Supplier {
  return {
    key,
    kind,
    profile: {
      name,
      roles: ['supplier'],
      country: 'CHN',
      city,
      region: REGION,
      categories: [kind],
      certifications: certs,
      uri: '',
    },
  };
}

const SUPPLIERS: Supplier[] = [
  supplier('cnc', 'cnc-machining', 'Dongguan Precision CNC', 'std:0769', ['ISO9001', 'IATF16949']),
  supplier('sheet', 'sheet-metal', 'Foshan Sheet Metal Works', 'std:0757', ['ISO9001']),
  supplier('mould', 'injection-moulding', 'Shenzhen Moulding Tech', 'std:0755', ['ISO9001']),
  supplier('casting', 'die-casting', 'Zhongshan Die Casting', 'std:0760', ['ISO9001', 'IATF16949']),
  supplier('pcba', 'pcb-assembly', 'Shenzhen PCBA Electronics', 'std:0755', ['ISO9001', 'ISO13485']),
];

/**
 * The need of the story: no process named, so every supplier that makes aluminium housings may answer
 * (no grade named: a wrought grade such as 6061 would rightly rule the die caster out).
 */
const NEED = '需要100件铝合金外壳,公差±0.1mm,需ISO9001,30天内交货到东莞';

/** A dispatch area whose scanner reports shipments (`<order>:picked-up`, `…:delivered`). */
const DISPATCH: AssetDefinition = {
  id: 'dispatch',
  kind: 'warehouse',
  name: 'Dispatch and shipping',
  processes: [],
  materials: [],
  shifts: [],
};

/** The demo's nodes and simulators, running; `close()` stops them in reverse order. */
export interface DemoCluster {
  buyer: WeftNode;
  suppliers: WeftNode[];
  /** Buyer first. */
  nodes: WeftNode[];
  sims: ShopFloorSimulator[];
  close(): Promise<void>;
}

/**
 * Starts the cluster (initialising data dirs and twins configs on the first run, resuming after):
 * the buyer first (everyone's bootstrap), then each supplier with its shop-floor simulator.
 */
export async function startDemoCluster(
  opts: Pick<DemoOptions, 'dir' | 'portBase' | 'speed'>,
  logger: Logger,
): Promise<DemoCluster> {
  const nodes: WeftNode[] = [];
  const sims: ShopFloorSimulator[] = [];
  const close = async () => {
    for (const sim of sims.splice(0).reverse()) await sim.close().catch(() => undefined);
    for (const n of nodes.splice(0).reverse()) await n.close();
  };
  const port = (i: number) => (opts.portBase === undefined ? 0 : opts.portBase + i);
  const nodeOptions = (dataDir: string, i: number, bootstrap: string[]): NodeOptions => ({
    ...defaultNodeOptions,
    dataDir,
    api: { ...defaultNodeOptions.api, port: port(i) },
    p2p: {
      ...defaultNodeOptions.p2p,
      enabled: true,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap,
      loopbackCluster: true,
      targetConnections: 5,
    },
    log: { level: 'warn' },
  });
  try {
    const buyerDir = join(opts.dir, 'buyer');
    if (!isInitialised(buyerDir)) initDataDir(buyerDir, BUYER);
    const buyer = await WeftNode.open(nodeOptions(buyerDir, 0, []), {
      logger: logger.child({ node: 'buyer' }),
    });
    nodes.push(buyer);
    await buyer.start();
    const bootstrap = withPeerId(buyer.p2p?.addresses() ?? [], buyer.subscriberId);
    for (const [i, s] of SUPPLIERS.entries()) {
      const dataDir = join(opts.dir, s.key);
      if (!isInitialised(dataDir)) {
        initDataDir(dataDir, s.profile);
        const config = twinsConfigForFactory(sampleFactory(s.kind), {
          ...defaultFactoryConfigOptions,
          group: `weft-demo-${s.key}`,
          port: 0,
        });
        config.assets.push(DISPATCH);
        writeFileSync(
          join(dataDir, 'twins.yaml'),
          stringifyTwinsConfig(config, `${s.profile.name}: machines simulated by weft demo`),
        );
      }
      const node = await WeftNode.open(nodeOptions(dataDir, i + 1, bootstrap), {
        logger: logger.child({ node: s.key }),
      });
      nodes.push(node);
      await node.start();
      const twins = node.twins;
      if (!twins?.brokerUrl) throw new Error(`${s.profile.name}: its twins (built-in broker) did not start`);
      const sim = new ShopFloorSimulator(
        {
          ...defaultSimulatorOptions,
          factory: sampleFactory(s.kind),
          mappings: twins.config.mappings,
          url: twins.brokerUrl,
          speed: opts.speed,
          seed: i + 1,
        },
        { clock: systemClock, logger: logger.child({ sim: s.key }) },
      );
      await sim.start();
      sims.push(sim);
    }
    return { buyer, suppliers: nodes.slice(1), nodes: [...nodes], sims: [...sims], close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Waits until the buyer's directory holds every supplier's signed record. */
export async function demoNetworkFormed(c: DemoCluster, ms = 20_000): Promise<void> {
  await until(async () => {
    const known = new Set((await c.buyer.store.directory.list(0, 1000)).map((e) => e.subscriberId));
    return c.suppliers.every((n) => known.has(n.subscriberId)) ? true : undefined;
  }, ms);
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  const logger = createLogger({ level: opts.script ? 'error' : 'warn', name: 'demo' });
  const say = (s: string) => console.log(s);
  let cluster: DemoCluster | undefined;
  const stopAll = async () => {
    await cluster?.close();
  };
  try {
    say('Weft demo: an equipment maker and five suppliers, each its own node, joined peer to peer');
    cluster = await startDemoCluster(opts, logger);
    const { buyer, nodes } = cluster;
    for (const n of nodes) {
      say(`  ${n.profile.name.padEnd(28)} ${n.profile.roles.join(',').padEnd(9)} ${n.url}`);
    }
    const client = new WeftClient(buyer.url, buyer.dataDir.adminToken);
    const clientOf = (id: string) => {
      const n = nodes.find((x) => x.subscriberId === id);
      if (!n) throw new Error(`no demo node ${id}`);
      return { node: n, client: new WeftClient(n.url, n.dataDir.adminToken) };
    };
    const story = new Story(say);

    await story.step("the network forms: every supplier's signed record reaches the buyer", async () => {
      await demoNetworkFormed(cluster!);
      return { detail: `${nodes.length} nodes, no registry, no gateway` };
    });
    await story.step("each supplier's machines feed its twins and capacity calendar", async () => {
      const lines: string[] = [];
      for (const n of nodes.slice(1)) {
        const c = clientOf(n.subscriberId).client;
        const cap = await until(async () => {
          const v = await c.capacity(14);
          const hours = Object.values(v.processes)
            .flat()
            .reduce((a, b) => a + b, 0);
          return hours > 0 ? hours : undefined;
        }, 15_000);
        const shells = await c.shells();
        lines.push(`${n.profile.name}: ${shells.result.length} shells, ${Math.round(cap)} h free in 14 days`);
      }
      return { detail: lines.join('\n      ') };
    });
    const parsed = await story.step(`the buyer writes a need: "${NEED}"`, async () => {
      const { spec } = await client.parseNeed(NEED);
      const f = spec.fields;
      const shown = Object.entries(f).map(([k, v]) => `${k}=${JSON.stringify(v?.value)}`);
      return { spec, detail: `understood: ${shown.join(', ')}` };
    });
    const offers = await story.step(
      'broadcast in CN-GD; suppliers decide locally and answer with quotes',
      async () => {
        const sent = await client.sendNeed({ text: NEED, spec: parsed.spec });
        const got = await until(async () => {
          const r = await client.offers(sent.transactionId);
          return r.offers.length >= 3 ? r : undefined;
        }, 15_000);
        // A little longer for any slower answer, then the ranked list.
        await new Promise((r) => setTimeout(r, 500));
        const ranked = (await client.offers(sent.transactionId)).offers;
        const line = (o: RankedOffer) =>
          `#${o.rank} ${o.supplierName ?? o.supplier.slice(0, 12)}: ${o.unitPrice} ${o.currency}/pc, ${o.leadTimeDays} days — ${o.reasons
            .slice(0, 2)
            .map((r) => r.text)
            .join('; ')}`;
        return { tx: got.transactionId, ranked, detail: ranked.map(line).join('\n      ') };
      },
    );
    const best = offers.ranked[0]!;
    const tx = offers.tx;
    const sup = clientOf(best.supplier);
    const quantity = best.quantity ?? 100;
    await story.step(`order from ${sup.node.profile.name}: select → init → confirm`, async () => {
      const items = [{ id: best.itemId, quantity }];
      expectCallback(
        await client.step(tx, 'select', { supplier: best.supplier, items, waitMs: 10_000 }),
        'on_select',
      );
      const billing = { name: BUYER.name, address: 'Guangzhou', email: 'purchasing@example.com' };
      expectCallback(
        await client.step(tx, 'init', { supplier: best.supplier, billing, waitMs: 10_000 }),
        'on_init',
      );
      expectCallback(
        await client.step(tx, 'confirm', { supplier: best.supplier, waitMs: 10_000 }),
        'on_confirm',
      );
      return { detail: `${quantity} pcs at ${best.unitPrice} ${best.currency}` };
    });
    const dealOf = async () =>
      (await client.transaction(tx)).deals.find((d) => d.counterparty === best.supplier);
    await story.step("the machines report progress: signed on_status from the supplier's twins", async () => {
      const seen = new Set<string>();
      await until(async () => {
        const f = (await dealOf())?.data.fulfillment as string | undefined;
        if (f) seen.add(f);
        return f === 'Produced' ? true : undefined;
      }, 120_000);
      const p = await client.orderProgress(tx).catch(() => undefined);
      return { detail: `${[...seen].join(' → ')}${p ? `; ${p.done}/${p.quantity} good parts` : ''}` };
    });
    await story.step('shipment scans at dispatch: picked up → delivered; the deal completes', async () => {
      for (const event of ['picked-up', 'delivered']) {
        await pushTelemetry(sup.node, [{ asset: 'dispatch', property: 'shipment', value: `${tx}:${event}` }]);
      }
      await until(async () => ((await dealOf())?.state === 'completed' ? true : undefined), 15_000);
      return {};
    });
    await story.step('rating → on_rating: 5 stars', async () => {
      expectCallback(
        await client.step(tx, 'rating', { supplier: best.supplier, rating: 5, waitMs: 10_000 }),
        'on_rating',
      );
      return {};
    });
    await story.step('every node verifies its ledger (hash chain, signatures, receipts)', async () => {
      await until(async () => ((await client.outbox()).pending === 0 ? true : undefined), 15_000);
      const lines: string[] = [];
      for (const n of nodes) {
        const r = await n.ledger.verify();
        if (!r.ok)
          throw new Error(`${n.profile.name}: ledger bad at ${r.firstBad?.seq}: ${r.firstBad?.reason}`);
        lines.push(`${n.profile.name}: ${r.entries}`);
      }
      return { detail: `entries — ${lines.join('; ')}` };
    });
    await story.step(
      `the buyer exports deal ${tx.slice(0, 8)}… and it verifies with public keys alone`,
      async () => {
        const r = verifyBundle(JSON.parse(JSON.stringify(await client.bundle(tx))));
        if (!r.ok) throw new Error(`bundle does not verify: ${JSON.stringify(r)}`);
        return { detail: `${r.entries} entries` };
      },
    );

    story.done = true;
    say(story.failed === 0 ? `\nAll ${story.passed} steps happened.` : `\n${story.failed} step(s) failed.`);
    if (opts.script || story.failed > 0) return story.failed === 0 ? 0 : 1;
    say("\nThe cluster keeps running. Open a dashboard (each link logs you in as that node's owner):");
    for (const n of nodes) say(`  ${n.profile.name.padEnd(28)} ${dashboardUrl(n)}`);
    say(`Data: ${opts.dir}. Press Ctrl-C to stop; starting again resumes with the same data.`);
    await untilSignal(stopAll);
    return 0;
  } catch (e) {
    console.error(`\ndemo failed: ${(e as Error).message}`);
    return 1;
  } finally {
    await stopAll();
  }
}

/** What a shop-floor scanner does: POST /api/telemetry on the supplier's node. */
async function pushTelemetry(
  node: WeftNode,
  samples: Array<{ asset: string; property: string; value: string | number }>,
): Promise<void> {
  const res = await fetch(`${node.url}/api/telemetry`, {
    method: 'POST',
    headers: { authorization: `Bearer ${node.dataDir.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ samples }),
  });
  if (!res.ok) throw new Error(`telemetry refused: ${res.status} ${await res.text()}`);
}

/** Bootstrap multiaddrs must end in /p2p/<peer id>. */
function withPeerId(addrs: string[], peerId: string): string[] {
  return addrs.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${peerId}`));
}

class Story {
  done = false;
  passed = 0;
  failed = 0;
  constructor(private readonly say: (s: string) => void) {}
  async step<T extends { detail?: string | undefined }>(title: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      const r = await fn();
      this.passed++;
      this.say(
        `  ✓ ${title} (${Math.round(performance.now() - t0)} ms)${r.detail ? `\n      ${r.detail}` : ''}`,
      );
      return r;
    } catch (e) {
      this.failed++;
      this.say(`  ✗ ${title}: ${(e as Error).message}`);
      throw e;
    }
  }
}

function expectCallback(
  r: { callback?: { action: string; error?: { message: string } | undefined } | undefined },
  action: string,
): void {
  if (!r.callback) throw new Error(`no ${action} arrived in time`);
  if (r.callback.error) throw new Error(`${action} carried an error: ${r.callback.error.message}`);
}

/** Polls `probe` until it returns a value, or fails after `ms`. */
async function until<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
