/**
 * `weft demo`: a buyer and two suppliers on loopback, each its own node and data dir, trusting each
 * other, running whole deals over real HTTP with every message signed, receipted and ledgered.
 */
import { join } from 'node:path';
import { WeftClient } from '../api/index.js';
import { verifyBundle } from '../ledger/index.js';
import { initDataDir, isInitialised } from '../node/data-dir.js';
import { defaultNodeOptions, WeftNode } from '../node/weft-node.js';
import type { Profile } from '../protocol/profile.js';
import type { CatalogItem } from '../store/index.js';
import { createLogger } from '../util/logger.js';
import { dashboardUrl } from './dashboard.js';
import { untilSignal } from './signals.js';

export interface DemoOptions {
  dir: string;
  script: boolean;
  portBase: number | undefined;
}

interface Member {
  key: string;
  profile: Profile;
  items: CatalogItem[];
}

const CLUSTER: Member[] = [
  {
    key: 'buyer',
    profile: {
      name: 'Huanan Equipment Co. (buyer)',
      roles: ['buyer'],
      country: 'CHN',
      city: 'std:020',
      region: 'CN-GD',
      categories: ['cnc-machining', 'sheet-metal'],
      certifications: ['ISO9001'],
      uri: '',
    },
    items: [],
  },
  {
    key: 'supplier-cnc',
    profile: {
      name: 'Dongguan Precision CNC',
      roles: ['supplier'],
      country: 'CHN',
      city: 'std:0769',
      region: 'CN-GD',
      categories: ['cnc-machining'],
      certifications: ['ISO9001', 'IATF16949'],
      uri: '',
    },
    items: [
      item(
        'cnc-bracket-6061',
        'Aluminium bracket, CNC machined, 6061-T6',
        'cnc-machining',
        '18.40',
        5000,
        'P12D',
      ),
      item(
        'cnc-housing-304',
        'Stainless steel housing, CNC machined, 304',
        'cnc-machining',
        '96.00',
        800,
        'P20D',
      ),
    ],
  },
  {
    key: 'supplier-sheet',
    profile: {
      name: 'Foshan Sheet Metal Works',
      roles: ['supplier'],
      country: 'CHN',
      city: 'std:0757',
      region: 'CN-GD',
      categories: ['sheet-metal'],
      certifications: ['ISO9001'],
      uri: '',
    },
    items: [
      item(
        'sm-bracket-al',
        'Aluminium bracket, laser cut and bent sheet metal',
        'sheet-metal',
        '11.90',
        20000,
        'P7D',
      ),
      item('sm-enclosure', 'Powder-coated steel enclosure', 'sheet-metal', '58.00', 1500, 'P10D'),
    ],
  },
];

function item(
  id: string,
  name: string,
  category: string,
  price: string,
  stock: number,
  leadTime: string,
): CatalogItem {
  return { id, name, description: name, categories: [category], currency: 'CNY', price, stock, leadTime };
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  const logger = createLogger({ level: opts.script ? 'error' : 'warn', name: 'demo' });
  const nodes: WeftNode[] = [];
  const say = (s: string) => console.log(s);
  try {
    for (const [i, m] of CLUSTER.entries()) {
      const dataDir = join(opts.dir, m.key);
      if (!isInitialised(dataDir)) initDataDir(dataDir, m.profile);
      const node = await WeftNode.open(
        {
          ...defaultNodeOptions,
          dataDir,
          api: { ...defaultNodeOptions.api, port: opts.portBase === undefined ? 0 : opts.portBase + i },
          log: { level: 'warn' },
        },
        { logger: logger.child({ node: m.key }) },
      );
      nodes.push(node);
      await node.start();
      for (const it of m.items) await node.store.catalog.put(it);
    }
    const [buyer, cnc, sheet] = nodes as [WeftNode, WeftNode, WeftNode];
    // Everyone trusts everyone (their URIs change with free ports, so refresh on every start).
    for (const a of nodes) {
      for (const b of nodes) {
        if (a === b) continue;
        await a.directory.put({
          subscriberId: b.subscriberId,
          keyId: b.dataDir.keys.keyId,
          publicKey: b.dataDir.keys.publicKeyRaw.toString('base64'),
          uri: b.becknUri,
          name: b.profile.name,
          source: 'manual',
          addedAt: Date.now(),
        });
      }
    }
    say(
      'Weft demo: a buyer and two suppliers, each its own node, trading directly over signed Beckn messages',
    );
    for (const [i, n] of nodes.entries())
      say(`  ${CLUSTER[i]!.key.padEnd(15)} ${n.profile.name.padEnd(30)} ${n.url}  id ${n.subscriberId}`);
    const client = new WeftClient(buyer.url, buyer.dataDir.adminToken);
    const cncClient = new WeftClient(cnc.url, cnc.dataDir.adminToken);
    const story = new Story(say);

    // Deal 1: the whole flow with the supplier that offers best.
    const search = await story.step(
      'search → on_search: "aluminium bracket", 500 pieces, to both suppliers',
      async () => {
        const s = await client.search({ text: 'aluminium bracket', quantity: 500 });
        const view = await until(async () => {
          const t = await client.transaction(s.transactionId);
          return t.deals.filter((d) => d.data.catalog).length === 2 ? t : undefined;
        }, 10_000);
        const offers = view.deals.flatMap((d) => offersOf(d.data.catalog, d.counterparty));
        return {
          ...s,
          offers,
          detail: offers.map((o) => `${o.name} @ ${o.price} CNY (${o.leadTime})`).join('; '),
        };
      },
    );
    const cncOffer = search.offers.find((o) => o.supplier === cnc.subscriberId);
    if (!cncOffer) throw new Error('the CNC supplier made no offer');
    const tx = search.transactionId;
    const supplier = cnc.subscriberId;
    await story.step('select → on_select: 500 × CNC bracket, quoted', async () => {
      const r = await client.step(tx, 'select', {
        supplier,
        items: [{ id: cncOffer.id, quantity: 500 }],
        waitMs: 10_000,
      });
      expectCallback(r, 'on_select');
      const quote = (r.deal?.data.order as { quote?: { price?: { value?: string } } } | undefined)?.quote;
      return { detail: `quote total ${quote?.price?.value} CNY` };
    });
    await story.step('init → on_init: billing to Huanan Equipment', async () => {
      const billing = { name: 'Huanan Equipment Co.', address: 'Guangzhou', email: 'purchasing@example.com' };
      expectCallback(await client.step(tx, 'init', { supplier, billing, waitMs: 10_000 }), 'on_init');
      return {};
    });
    const orderId = await story.step('confirm → on_confirm: the order is accepted', async () => {
      const r = await client.step(tx, 'confirm', { supplier, waitMs: 10_000 });
      expectCallback(r, 'on_confirm');
      const id = (r.deal?.data.order as { id?: string } | undefined)?.id;
      return { id, detail: `order ${id}` };
    });
    for (const code of ['IN_PRODUCTION', 'SHIPPED']) {
      await story.step(`progress: supplier reports ${code} → buyer receives on_status`, async () => {
        await cncClient.progress(tx, buyer.subscriberId, code);
        await until(async () => {
          const d = (await client.transaction(tx)).deals.find((x) => x.counterparty === supplier);
          return d?.data.fulfillment === code ? d : undefined;
        }, 10_000);
        return {};
      });
    }
    for (const action of ['status', 'track', 'update', 'support'] as const) {
      await story.step(`${action} → on_${action}`, async () => {
        expectCallback(await client.step(tx, action, { supplier, waitMs: 10_000 }), `on_${action}`);
        return {};
      });
    }
    await story.step('progress: supplier reports DELIVERED → the deal completes', async () => {
      await cncClient.progress(tx, buyer.subscriberId, 'DELIVERED');
      await until(async () => {
        const d = (await client.transaction(tx)).deals.find((x) => x.counterparty === supplier);
        return d?.state === 'completed' ? d : undefined;
      }, 10_000);
      return {};
    });
    await story.step('rating → on_rating: 5 stars', async () => {
      expectCallback(await client.step(tx, 'rating', { supplier, rating: 5, waitMs: 10_000 }), 'on_rating');
      return {};
    });

    // Deal 2: ordered from the sheet-metal supplier, then cancelled.
    await story.step(
      'a second deal with the sheet-metal supplier: select, init, confirm, cancel → on_cancel',
      async () => {
        const s2 = await client.search({ text: 'enclosure', to: [sheet.subscriberId] });
        const tx2 = s2.transactionId;
        const sup2 = sheet.subscriberId;
        await until(
          async () => ((await client.transaction(tx2)).deals[0]?.data.catalog ? true : undefined),
          10_000,
        );
        expectCallback(
          await client.step(tx2, 'select', {
            supplier: sup2,
            items: [{ id: 'sm-enclosure', quantity: 20 }],
            waitMs: 10_000,
          }),
          'on_select',
        );
        expectCallback(await client.step(tx2, 'init', { supplier: sup2, waitMs: 10_000 }), 'on_init');
        expectCallback(await client.step(tx2, 'confirm', { supplier: sup2, waitMs: 10_000 }), 'on_confirm');
        const r = await client.step(tx2, 'cancel', {
          supplier: sup2,
          reason: 'design change',
          waitMs: 10_000,
        });
        expectCallback(r, 'on_cancel');
        if (r.deal?.state !== 'cancelled') throw new Error(`deal 2 is ${r.deal?.state}, not cancelled`);
        return { detail: `deal ${tx2} cancelled` };
      },
    );

    await story.step('every node verifies its ledger (hash chain, signatures, receipts)', async () => {
      await until(async () => ((await client.outbox()).pending === 0 ? true : undefined), 10_000);
      const lines: string[] = [];
      for (const n of nodes) {
        const r = await n.ledger.verify();
        if (!r.ok)
          throw new Error(`${n.profile.name}: ledger bad at ${r.firstBad?.seq}: ${r.firstBad?.reason}`);
        lines.push(`${n.profile.name}: ${r.entries} entries`);
      }
      return { detail: lines.join('; ') };
    });
    await story.step(
      `the buyer exports deal ${tx.slice(0, 8)}… and it verifies with public keys alone`,
      async () => {
        const bundle = await client.bundle(tx);
        const r = verifyBundle(JSON.parse(JSON.stringify(bundle)));
        if (!r.ok) throw new Error(`bundle does not verify: ${JSON.stringify(r)}`);
        return { detail: `${r.entries} entries, order ${orderId.id}` };
      },
    );

    story.done = true;
    say(story.failed === 0 ? `\nAll ${story.passed} steps happened.` : `\n${story.failed} step(s) failed.`);
    if (opts.script || story.failed > 0) return story.failed === 0 ? 0 : 1;
    say("\nThe nodes keep running. Open a dashboard (each link logs you in as that node's owner):");
    for (const n of nodes) say(`  ${n.profile.name.padEnd(30)} ${dashboardUrl(n)}`);
    say('Press Ctrl-C to stop; starting again resumes with the same data.');
    await untilSignal(async () => {
      for (const n of [...nodes].reverse()) await n.close();
      nodes.length = 0;
    });
    return 0;
  } catch (e) {
    console.error(`\ndemo failed: ${(e as Error).message}`);
    return 1;
  } finally {
    for (const n of [...nodes].reverse()) await n.close();
  }
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

interface OfferView {
  supplier: string;
  id: string;
  name: string;
  price: string;
  leadTime: string;
}

function offersOf(catalog: unknown, supplier: string): OfferView[] {
  const providers = ((catalog as { providers?: unknown[] } | undefined)?.providers ?? []) as Array<{
    items?: unknown[];
  }>;
  return providers.flatMap((p) =>
    (
      (p.items ?? []) as Array<{
        id: string;
        descriptor?: { name?: string };
        price?: { value?: string };
        time?: { duration?: string };
      }>
    ).map((i) => ({
      supplier,
      id: i.id,
      name: i.descriptor?.name ?? i.id,
      price: i.price?.value ?? '?',
      leadTime: i.time?.duration ?? '?',
    })),
  );
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
