/**
 * Need catch-up (issue 3; network/p2p/broadcast.ts, `/weft/needs/1.0.0`): real nodes on loopback TCP
 * libp2p. A supplier that was down while a need went out asks a peer for the open needs it lacks when
 * it is back, handles the missed need once and answers the buyer; an answer with a forged need, a
 * need on a topic not asked for, or garbage is refused with nothing handled or stored, and the node
 * keeps serving.
 *
 * Topology: `buyer → hub ← supplier` (the hub is everyone's bootstrap node).
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { lpStream } from '@libp2p/utils';
import { NEED_CATCH_UP_PROTOCOL } from '../../src/network/p2p/broadcast.js';
import type { WeftNode } from '../../src/node/weft-node.js';
import { client } from '../utils/cluster.js';
import {
  dropped,
  envelope,
  needTopic,
  needTopicsOf,
  onSearchFrom,
  type P2pNodeSpec,
  p2pOf,
  searchesHandled,
  signedNeed,
  startHubAndSpokes,
  startP2pNode,
  waitFor,
} from '../utils/p2p-cluster.js';

const REGION = 'CN-GD';
const CATEGORY = 'cnc-machining';
const WAIT_MS = 15_000;

async function caughtUp(node: WeftNode): Promise<number> {
  return (await node.metrics.needsCaughtUp.get()).values.reduce((a, v) => a + v.value, 0);
}

async function inboundSearches(node: WeftNode, transactionId: string): Promise<number> {
  const entries = await node.store.ledger.byTransaction(transactionId);
  return entries.filter((e) => e.direction === 'in' && e.action === 'search').length;
}

/** The supplier asks every 300 ms whatever its mesh, so each case below is asked about soon. */
const OFTEN = { needCatchUp: { lowMs: 300, steadyMs: 300, meshLow: 2, keep: 256 } };

async function startNet(t: TestContext, supplierP2p: P2pNodeSpec['p2p'] = {}) {
  const supplier = { roles: ['supplier' as const], region: REGION, categories: [CATEGORY] };
  const net = await startHubAndSpokes(t, { name: 'hub', ...supplier }, [
    { name: 'supplier', ...supplier, p2p: supplierP2p },
    { name: 'buyer', roles: ['buyer'], region: REGION },
  ]);
  const [s, b] = net.spokes as [WeftNode, WeftNode];
  return { hub: net.hub, supplier: s, buyer: b };
}

test('a supplier that was down while a need went out gets it by catch-up when it is back, handles it once and answers', {
  timeout: 90_000,
}, async (t) => {
  const { hub, supplier, buyer } = await startNet(t);
  await supplier.close();
  const { transactionId } = await client(buyer).search({
    text: 'part',
    category: CATEGORY,
    region: REGION,
  });
  await waitFor(
    () => searchesHandled(hub, transactionId).length === 1,
    () => 'the hub handled the need',
    WAIT_MS,
  );
  // Past gossipsub's message cache window (one heartbeat of lazy gossip): only catch-up can bring it.
  await new Promise((r) => setTimeout(r, 3_000));
  const t0 = Date.now();
  const back = await startP2pNode(t, {
    name: 'supplier',
    roles: ['supplier'],
    region: REGION,
    categories: [CATEGORY],
    bootstrap: [hub],
    dataDir: supplier.opts.dataDir,
  });
  await waitFor(
    async () => (await inboundSearches(back, transactionId)) === 1,
    () => 'the restarted supplier ledgered the missed need',
    WAIT_MS,
  );
  const tookMs = Date.now() - t0;
  assert.equal(await caughtUp(back), 1, 'it came by catch-up');
  await waitFor(
    () => onSearchFrom(buyer, transactionId).has(back.subscriberId),
    () => 'the buyer got on_search from the restarted supplier',
    WAIT_MS,
  );
  // Later catch-ups (every turn while its mesh is small) bring it no second time.
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(await inboundSearches(back, transactionId), 1);
  assert.equal(await caughtUp(back), 1);
  assert.equal(await caughtUp(hub), 0, 'the hub, up all along, had it by gossip');
  t.diagnostic(`missed need ledgered ${tookMs} ms after the supplier's restart began`);
});

test('catch-up answers with a forged need, another topic or garbage are refused; nothing is handled; the node keeps serving', {
  timeout: 90_000,
}, async (t) => {
  const { hub, supplier, buyer } = await startNet(t, OFTEN);
  // The hub turns liar: it answers catch-up requests with what each case gives.
  const host = p2pOf(hub).libp2p;
  await host.unhandle(NEED_CATCH_UP_PROTOCOL);
  let answer: () => Uint8Array = () => Buffer.from('[]');
  let asked = 0;
  await host.handle(NEED_CATCH_UP_PROTOCOL, async (stream) => {
    const lp = lpStream(stream);
    await lp.read();
    asked++;
    await lp.write(answer());
    await stream.close();
  });
  const valid = signedNeed(buyer, { item: { descriptor: { name: 'x' } }, category: { id: CATEGORY } });
  const text = valid.body.toString('utf8');
  const forged = signedNeed(buyer, { item: { descriptor: { name: 'y' } }, category: { id: CATEGORY } });
  const forgedBody = forged.body.toString('utf8').replace('"y"', '"z"');
  const otherTopic = signedNeed(buyer, { item: { descriptor: { name: 'w' } }, category: { id: CATEGORY } });
  const item = (topic: string, body: string, authorization: string) => ({
    topic,
    data: envelope(body, authorization).toString('utf8'),
  });
  const cases: Array<[string, () => Uint8Array, string | undefined]> = [
    [
      'a need whose body was changed after signing',
      () => Buffer.from(JSON.stringify([item(needTopic(REGION), forgedBody, forged.authorization)])),
      'signature',
    ],
    [
      'a valid need on a topic the supplier does not follow',
      () =>
        Buffer.from(
          JSON.stringify([item(needTopic('CN-JS'), otherTopic.body.toString(), otherTopic.authorization)]),
        ),
      'topic',
    ],
    ['not JSON', () => Buffer.from('{"topic":'), undefined],
    ['a list of numbers', () => Buffer.from('[1,2,3]'), undefined],
    [
      'an entry whose data is not a string',
      () => Buffer.from(JSON.stringify([{ topic: needTopic(REGION), data: { v: 1 } }])),
      undefined,
    ],
  ];
  for (const [what, make, reason] of cases) {
    answer = make;
    const before = { asked, dropped: reason ? await dropped(supplier, reason) : 0 };
    await waitFor(
      async () => asked > before.asked + 1 && (!reason || (await dropped(supplier, reason)) > before.dropped),
      () => `the supplier asked again and refused ${what}`,
      WAIT_MS,
    );
    t.diagnostic(`${what}: refused${reason ? ` (${reason})` : ''}`);
  }
  assert.equal(await caughtUp(supplier), 0);
  for (const n of [forged, otherTopic]) {
    assert.equal(searchesHandled(supplier, n.transactionId).length, 0);
    assert.equal(await inboundSearches(supplier, n.transactionId), 0);
  }
  // The liar now answers with a real need: the supplier takes it, and still serves.
  answer = () => Buffer.from(JSON.stringify([item(needTopic(REGION), text, valid.authorization)]));
  await waitFor(
    async () => (await inboundSearches(supplier, valid.transactionId)) === 1,
    () => 'the supplier took the valid need from the catch-up answer',
    WAIT_MS,
  );
  assert.equal(await caughtUp(supplier), 1);
  const res = await fetch(`${supplier.url}/healthz`);
  assert.equal(res.status, 200);
  assert.ok(needTopicsOf(supplier).includes(needTopic(REGION)));
});
