/**
 * Public indexer mode (a "digital capturer"): it lists the signed profiles and the public catalogue
 * summaries suppliers chose to publish, serves a search over them, and holds no transaction.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultNodeOptions, initDataDir, WeftNode } from '../../src/node/index.js';
import { defaultProfile, type Role } from '../../src/protocol/profile.js';
import { silentLogger } from '../../src/util/logger.js';
import { until } from '../utils/cluster.js';

interface Spec {
  name: string;
  roles: Role[];
  categories: string[];
  indexer?: boolean;
  publishCatalog?: boolean;
}

test('an indexer serves public catalogues and profiles; a buyer finds suppliers through it', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'weft-indexer-'));
  const nodes: WeftNode[] = [];
  t.after(async () => {
    for (const n of nodes.reverse()) await n.close();
    rmSync(root, { recursive: true, force: true });
  });
  const start = async (s: Spec, bootstrap: string[]) => {
    const dir = join(root, s.name);
    initDataDir(dir, { ...defaultProfile, name: s.name, roles: s.roles, categories: s.categories });
    const node = await WeftNode.open(
      {
        ...defaultNodeOptions,
        dataDir: dir,
        indexer: s.indexer ?? false,
        api: { ...defaultNodeOptions.api, port: 0 },
        p2p: {
          ...defaultNodeOptions.p2p,
          enabled: true,
          listen: ['/ip4/127.0.0.1/tcp/0'],
          bootstrap,
          loopbackCluster: true,
          publishCatalog: s.publishCatalog ?? false,
          republishMs: 1_000,
        },
      },
      { logger: silentLogger() },
    );
    for (const c of s.categories) {
      await node.store.catalog.put({
        id: `${s.name}-${c}`,
        name: `aluminium bracket by ${s.name}`,
        description: '',
        categories: [c],
        currency: 'CNY',
        price: '12.00',
        stock: 100,
        leadTime: 'P7D',
      });
    }
    await node.start();
    nodes.push(node);
    return node;
  };
  const indexer = await start({ name: 'park-indexer', roles: ['buyer'], categories: [], indexer: true }, []);
  const boot = indexer.p2p?.addresses() ?? [];
  const cnc = await start(
    { name: 'cnc', roles: ['supplier'], categories: ['cnc-machining'], publishCatalog: true },
    boot,
  );
  const sheet = await start(
    { name: 'sheet', roles: ['supplier'], categories: ['sheet-metal'], publishCatalog: true },
    boot,
  );
  const quiet = await start({ name: 'quiet', roles: ['supplier'], categories: ['sheet-metal'] }, boot);
  const buyer = await start({ name: 'buyer', roles: ['buyer'], categories: [] }, boot);

  const search = async (q: string) =>
    (await (await fetch(`${indexer.url}/index/search?${q}`)).json()) as {
      total: number;
      hits: Array<{ supplier: { subscriberId: string; uri?: string } }>;
    };
  const all = await until(async () => {
    const r = await search('q=bracket');
    return r.total >= 2 ? r : undefined;
  }, 15_000);
  const found = new Set(all.hits.map((h) => h.supplier.subscriberId));
  assert.deepEqual(
    found,
    new Set([cnc.subscriberId, sheet.subscriberId]),
    'only suppliers that chose to publish are listed',
  );
  assert.ok(!found.has(quiet.subscriberId));
  assert.ok(
    all.hits.every((h) => typeof h.supplier.uri === 'string'),
    'hits carry the supplier URI from its signed record',
  );
  const sheetOnly = await search('q=bracket&category=sheet-metal');
  assert.deepEqual(
    sheetOnly.hits.map((h) => h.supplier.subscriberId),
    [sheet.subscriberId],
  );
  const bad = await fetch(`${indexer.url}/index/search`);
  assert.equal(bad.status, 400);

  const nodesView = (await (await fetch(`${indexer.url}/index/nodes?role=supplier`)).json()) as {
    total: number;
  };
  assert.ok(nodesView.total >= 3, 'the indexer lists the signed profiles of every supplier it has seen');

  // The buyer queries the indexers it knows from the directory, in addition to broadcasting.
  const viaBuyer = await until(async () => {
    const res = await fetch(`${buyer.url}/api/indexers/search?q=bracket&category=cnc-machining`, {
      headers: { authorization: `Bearer ${buyer.dataDir.adminToken}` },
    });
    const body = (await res.json()) as {
      indexers: number;
      results: Array<{ hits: Array<{ supplier: { subscriberId: string } }> }>;
    };
    return body.indexers >= 1 && (body.results[0]?.hits.length ?? 0) > 0 ? body : undefined;
  }, 15_000);
  assert.deepEqual(
    viaBuyer.results[0]?.hits.map((h) => h.supplier.subscriberId),
    [cnc.subscriberId],
  );

  // The indexer holds no transaction: it has no deals and no ledger entries of anyone's.
  assert.equal(await indexer.store.ledger.count(), 0);
  assert.deepEqual(await indexer.store.deals.list(10), []);
  // A node that is not an indexer serves no /index API.
  assert.equal((await fetch(`${cnc.url}/index/search?q=bracket`)).status, 404);
});
