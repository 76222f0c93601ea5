/**
 * Key rotation (directory): a node replaces its key, announces the new one signed by the old, its
 * peers' directories take it, deals go on under the same subscriber id, and both ledgers still verify.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verifyBundle } from '../../src/ledger/index.js';
import { defaultNodeOptions, initDataDir, rotateKey, WeftNode } from '../../src/node/index.js';
import { defaultProfile } from '../../src/protocol/profile.js';
import { silentLogger } from '../../src/util/logger.js';
import { until } from '../utils/cluster.js';

test('a rotated key is announced, accepted by peers, and the ledgers still verify', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'weft-rotate-'));
  const open: WeftNode[] = [];
  t.after(async () => {
    for (const n of open.reverse()) await n.close();
    rmSync(root, { recursive: true, force: true });
  });
  const start = async (name: string, bootstrap: string[]) => {
    const dir = join(root, name);
    const node = await WeftNode.open(
      {
        ...defaultNodeOptions,
        dataDir: dir,
        api: { ...defaultNodeOptions.api, port: 0 },
        p2p: {
          ...defaultNodeOptions.p2p,
          enabled: true,
          listen: ['/ip4/127.0.0.1/tcp/0'],
          bootstrap,
          loopbackCluster: true,
        },
      },
      { logger: silentLogger() },
    );
    await node.start();
    open.push(node);
    return node;
  };
  initDataDir(join(root, 'b'), { ...defaultProfile, name: 'B', roles: ['supplier'] });
  initDataDir(join(root, 'a'), { ...defaultProfile, name: 'A', roles: ['buyer'] });
  const b = await start('b', []);
  let a = await start('a', b.p2p?.addresses() ?? []);
  const firstKey = a.dataDir.keys.keyId;
  await until(async () => (await b.store.directory.get(a.subscriberId)) ?? undefined, 10_000);

  const support = async (node: WeftNode, tx: string) => {
    const answered = once(node.engine, 'message');
    await node.engine.request(b.subscriberId, tx, 'support', { support: { ref_id: tx } });
    await until(async () => ((await node.store.outbox.counts()).pending === 0 ? true : undefined), 10_000);
    await answered;
  };
  const before = randomUUID();
  await support(a, before);

  // Two rotations, a deal under each key: K0 (the subscriber id), K1, K2.
  const keys = [firstKey];
  const deals = [before];
  for (let round = 1; round <= 2; round++) {
    await a.close();
    open.splice(open.indexOf(a), 1);
    const rotated = rotateKey(join(root, 'a'));
    assert.equal(rotated.subscriberId, a.subscriberId);
    assert.equal(rotated.oldKeyId, keys.at(-1));
    keys.push(rotated.newKeyId);
    a = await start('a', b.p2p?.addresses() ?? []);
    assert.equal(a.subscriberId, rotated.subscriberId, 'the subscriber id stays');
    assert.equal(a.dataDir.keys.keyId, rotated.newKeyId);
    await until(
      async () =>
        (await b.store.directory.get(a.subscriberId))?.keyId === rotated.newKeyId ? true : undefined,
      10_000,
    );
    const tx = randomUUID();
    await support(a, tx);
    deals.push(tx);
  }

  const inB = (await b.store.ledger.range(1, 100)).filter((e) => e.direction === 'in');
  assert.equal(inB.length, 3);
  // Each side's own ledger verifies: A knows every key it had, B every key A announced.
  for (const n of [a, b]) {
    const v = await n.ledger.verify();
    assert.ok(v.ok, `${n.profile.name}: ${JSON.stringify(v)}`);
  }
  // Bundles of deals under each key verify with the bundle alone, from either side: the rotation
  // proofs (each signed by the key it replaced) travel in the bundle, both of them, although B's
  // directory holds only A's latest record.
  for (const n of [a, b]) {
    for (const [i, tx] of deals.entries()) {
      const bundle = JSON.parse(JSON.stringify(await n.ledger.exportBundle(tx)));
      const r = verifyBundle(bundle);
      assert.ok(r.ok, `${n.profile.name}, deal under key ${i}: ${JSON.stringify(r)}`);
      assert.deepEqual(r.rotations, { [a.subscriberId]: keys.slice(1) });
      assert.deepEqual(
        bundle.rotations.map((x: { fromKeyId: string; toKeyId: string }) => [x.fromKeyId, x.toKeyId]).sort(),
        [
          [keys[0], keys[1]],
          [keys[1], keys[2]],
        ].sort(),
      );
    }
  }
});
