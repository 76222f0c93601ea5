/**
 * Bad gossip input (issue 3, "Bad input"; network/p2p/broadcast.ts and p2p-network.ts): real nodes
 * on loopback TCP libp2p. An attacker node publishes through its own libp2p host, bypassing every
 * check of its own: malformed needs, an oversized one, a replay of someone else's valid need, a flood
 * of valid needs past the per-sender limit, and forged node records. The node it is connected to
 * (the hub) drops each one without handling it, penalises the attacker where the message is invalid,
 * forwards none of them to the node behind it, and keeps serving: /healthz answers and a later valid
 * need is handled by both.
 *
 * Topology: `attacker → hub ← buyer`, `hub → supplier`; the hub is the only peer of the others.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WeftNode } from '../../src/node/weft-node.js';
import { canonicalJson } from '../../src/protocol/canonical.js';
import { generateKeyPair, type KeyPair } from '../../src/protocol/keys.js';
import { parseBecknRequest } from '../../src/protocol/messages.js';
import { type NodeRecord, signNodeRecord } from '../../src/protocol/node-record.js';
import { client } from '../utils/cluster.js';
import {
  connectedPeers,
  dropped,
  envelope,
  gossipPeers,
  needsSeen,
  needTopic,
  needTopicsOf,
  PROFILE_TOPIC,
  p2pOf,
  publishRaw,
  scoreOf,
  searchesHandled,
  signedNeed,
  startHubAndSpokes,
  waitFor,
} from '../utils/p2p-cluster.js';

const REGION = 'CN-GD';
const TOPIC = needTopic(REGION);
const CATEGORY = 'cnc-machining';
/** Needs one signer may publish per minute in these tests. */
const LIMIT = 5;
const WAIT_MS = 10_000;
/** Time for copies in flight on loopback to arrive (a forwarded gossip message takes milliseconds). */
const SETTLE_MS = 1_000;
/** gossipsub's default graylist threshold: below it a peer's RPCs are ignored unread. */
const GRAYLIST = -80;

interface Net {
  hub: WeftNode;
  supplier: WeftNode;
  buyer: WeftNode;
  attacker: WeftNode;
  all: WeftNode[];
}

async function startNet(t: TestContext): Promise<Net> {
  const supplier = { roles: ['supplier' as const], region: REGION, categories: [CATEGORY] };
  const buyer = { roles: ['buyer' as const], region: REGION };
  const net = await startHubAndSpokes(
    t,
    { name: 'hub', ...supplier },
    [
      { name: 'supplier', ...supplier },
      { name: 'buyer', ...buyer },
      { name: 'attacker', ...buyer },
    ],
    { p2p: { perSenderPerMinute: LIMIT }, topics: (n) => [...needTopicsOf(n), PROFILE_TOPIC] },
  );
  const hub = net.hub;
  const [s, b, a] = net.spokes as [WeftNode, WeftNode, WeftNode];
  for (const n of net.spokes) {
    assert.deepEqual(connectedPeers(n), [hub.subscriberId], `${n.profile.name}'s only peer is the hub`);
  }
  return { hub, supplier: s, buyer: b, attacker: a, all: [hub, s, b, a] };
}

const intent = (text = 'part') => ({ item: { descriptor: { name: text } }, category: { id: CATEGORY } });

/** The hub and the supplier behind it both handle a valid need from the buyer; /healthz answers. */
async function stillServes(net: Net): Promise<void> {
  const res = await fetch(`${net.hub.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
  const { transactionId } = await client(net.buyer).search({ text: 'part', category: CATEGORY });
  await waitFor(
    () => [net.hub, net.supplier].every((n) => searchesHandled(n, transactionId).length === 1),
    () => 'a later valid need handled by the hub and the supplier',
    WAIT_MS,
  );
}

/** Waits until the hub no longer graylists the attacker (invalid-message penalties decay each second). */
async function notGraylisted(net: Net): Promise<void> {
  await waitFor(
    () => (scoreOf(net.hub, net.attacker) ?? 0) > GRAYLIST,
    () => `the hub's score of the attacker back above ${GRAYLIST}`,
    WAIT_MS,
  );
}

/**
 * Publishes `data` from the attacker and waits until the hub's validator dropped it for `reason`
 * and, when `penalised`, the attacker's score at the hub went below zero. Returns that score.
 */
async function attack(
  net: Net,
  topic: string,
  data: Uint8Array,
  reason: string,
  penalised: boolean,
): Promise<number> {
  await notGraylisted(net);
  const before = await dropped(net.hub, reason, topic);
  assert.ok((await publishRaw(net.attacker, topic, data)) > 0, 'the attacker reached the hub');
  let low = Number.POSITIVE_INFINITY;
  await waitFor(
    async () => {
      low = Math.min(low, scoreOf(net.hub, net.attacker) ?? 0);
      return (await dropped(net.hub, reason, topic)) === before + 1 && (!penalised || low < 0);
    },
    () => `the hub drops it as ${reason}${penalised ? ' and scores the attacker down' : ''} (score ${low})`,
    WAIT_MS,
  );
  return low;
}

test('malformed needs (not JSON, wrong envelope) are rejected at the first hop and cost the sender score', async (t) => {
  const net = await startNet(t);
  const valid = signedNeed(net.attacker, intent());
  const cases: Array<[string, Buffer]> = [
    ['not JSON', Buffer.from('{"v":1,"authorization":')],
    ['binary', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02])],
    ['JSON, not an envelope', Buffer.from('[1,2,3]')],
    ['envelope of another version', envelope(valid.body, valid.authorization, 2)],
    [
      'envelope whose body is not a string',
      Buffer.from(
        JSON.stringify({ v: 1, authorization: valid.authorization, body: JSON.parse(valid.body.toString()) }),
      ),
    ],
    ['envelope without authorization', Buffer.from(JSON.stringify({ v: 1, body: valid.body.toString() }))],
  ];
  // Counted by reason: the supplier, whose only peer is the hub, also catches up on needs every
  // second (its mesh is below Dlo), so the valid need of stillServes can reach it by catch-up first
  // and its gossip copy then counts as a (harmless) duplicate.
  const supplierBefore = await dropped(net.supplier, 'shape');
  const seenBefore = await Promise.all(net.all.map(needsSeen));
  for (const [what, data] of cases) {
    const low = await attack(net, TOPIC, data, 'shape', true);
    t.diagnostic(`${what}: rejected as shape; attacker's score at the hub fell to ${low.toFixed(1)}`);
  }
  await stillServes(net);
  assert.equal(searchesHandled(net.hub, valid.transactionId).length, 0);
  assert.equal(
    await dropped(net.supplier, 'shape'),
    supplierBefore,
    'the supplier behind the hub never saw them',
  );
  // Validated since, by the hub, the supplier and the buyer: only the valid need of stillServes
  // (the buyer sent it). The attacker, scored down, may well not be sent it at all.
  const honest = [net.hub, net.supplier, net.buyer];
  const expected = honest.map((n) => seenBefore[net.all.indexOf(n)]! + (n === net.buyer ? 0 : 1));
  assert.deepEqual(await Promise.all(honest.map(needsSeen)), expected);
});

/** A need signed by `node` whose gossip message is `bytes` long (padded in the item's long description). */
function needOfSize(node: WeftNode, bytes: number) {
  const make = (pad: number) =>
    signedNeed(node, {
      item: { descriptor: { name: 'part', long_desc: 'x'.repeat(pad) } },
      category: { id: CATEGORY },
    });
  const probe = make(1000);
  const need = make(1000 + bytes - probe.data.length);
  assert.equal(need.data.length, bytes);
  return need;
}

test('an oversized need is rejected by the validator and costs the sender score; one just under the limit is delivered', async (t) => {
  const net = await startNet(t);
  const limit = net.hub.opts.p2p.maxMessageBytes;
  // Just under the limit, from the buyer: delivered, and the buyer is not cut off (stillServes below).
  const fits = needOfSize(net.buyer, limit - 16);
  await p2pOf(net.buyer).publishNeed(fits.body, fits.authorization, REGION);
  await waitFor(
    () => [net.hub, net.supplier].every((n) => searchesHandled(n, fits.transactionId).length === 1),
    () => `a ${fits.data.length}-byte need handled by the hub and the supplier`,
    WAIT_MS,
  );
  // Over the limit, validly signed and schema-valid: only its size may stop it.
  const big = needOfSize(net.attacker, limit + 600);
  parseBecknRequest(big.body, { maxBytes: 10 * limit, expectedAction: 'search' });
  const supplierBefore = await dropped(net.supplier, 'size'); // by reason: see the malformed-needs test
  const low = await attack(net, TOPIC, big.data, 'size', true);
  await stillServes(net);
  for (const n of [net.hub, net.supplier]) {
    assert.equal(searchesHandled(n, big.transactionId).length, 0, `${n.profile.name} did not handle it`);
  }
  assert.equal(
    await dropped(net.supplier, 'size'),
    supplierBefore,
    'the supplier behind the hub never saw it',
  );
  assert.ok(gossipPeers(net.hub).includes(net.buyer.subscriberId), 'the hub still reads the buyer');
  t.diagnostic(
    `size: a ${fits.data.length}-byte need (limit ${limit}) delivered; a ${big.data.length}-byte one rejected, attacker's score at the hub fell to ${low.toFixed(1)}`,
  );
});

test('a replayed need (the same signed need published again by another node) is handled once', async (t) => {
  const net = await startNet(t);
  const need = signedNeed(net.buyer, intent());
  await p2pOf(net.buyer).publishNeed(need.body, need.authorization, REGION);
  await waitFor(
    () => [net.hub, net.supplier].every((n) => searchesHandled(n, need.transactionId).length === 1),
    () => 'the original need handled by the hub and the supplier',
    WAIT_MS,
  );
  // The supplier also catches up every second (its only peer is the hub, so its mesh is below Dlo):
  // a need that reached it by catch-up first has its gossip copy counted as a duplicate. Let the
  // original's copies settle first, and count before stillServes sends another need.
  await sleep(SETTLE_MS);
  const supplierDupBefore = await dropped(net.supplier, 'duplicate');
  const scoreBefore = scoreOf(net.hub, net.attacker)!;
  // The same bytes again would be a gossip duplicate, dropped before any check (the gossip message
  // id is the hash of the data). So the attacker rewraps the same signed need, fields in another
  // order: a new gossip message, the same need, which only the need's own de-duplication catches.
  const rewrapped = Buffer.from(
    JSON.stringify({ body: need.body.toString(), authorization: need.authorization, v: 1 }),
  );
  assert.notDeepEqual(rewrapped, need.data);
  await attack(net, TOPIC, rewrapped, 'duplicate', false);
  await sleep(SETTLE_MS); // a forwarded copy would reach the supplier within milliseconds
  assert.equal(await dropped(net.supplier, 'duplicate'), supplierDupBefore, 'the replay was not forwarded');
  await stillServes(net);
  for (const n of [net.hub, net.supplier]) {
    assert.equal(searchesHandled(n, need.transactionId).length, 1, `${n.profile.name} handled it once`);
    const ledgered = (await n.store.ledger.byTransaction(need.transactionId)).filter(
      (e) => e.direction === 'in' && e.action === 'search',
    );
    assert.equal(ledgered.length, 1, `${n.profile.name} ledgered it once`);
  }
  // Ignored, not rejected: relaying a duplicate is what honest peers do, so it costs nothing.
  const after = scoreOf(net.hub, net.attacker)!;
  assert.ok(after >= 0, `the replaying peer is not penalised (${scoreBefore} → ${after})`);
  t.diagnostic(
    `replay: handled once; the replaying peer's score ${scoreBefore.toFixed(2)} → ${after.toFixed(2)}`,
  );
});

test(`a publisher flooding more than ${LIMIT} needs a minute is cut off and scored down`, async (t) => {
  const net = await startNet(t);
  const sent: string[] = [];
  for (let i = 0; i < LIMIT + 3; i++) {
    const r = await client(net.attacker).search({ text: 'part', category: CATEGORY });
    sent.push(r.transactionId);
  }
  const handledAt = (n: WeftNode) => sent.filter((tx) => searchesHandled(n, tx).length > 0).length;
  let low = Number.POSITIVE_INFINITY;
  await waitFor(
    async () => {
      low = Math.min(low, scoreOf(net.hub, net.attacker) ?? 0);
      return handledAt(net.hub) === LIMIT && (await dropped(net.hub, 'flood')) >= 1 && low < 0;
    },
    () => `the hub handles ${LIMIT}, rejects the rest as flood (handled ${handledAt(net.hub)}, score ${low})`,
    WAIT_MS,
  );
  // A valid need from someone else still goes through, after which nothing more of the flood arrives.
  await stillServes(net);
  assert.equal(handledAt(net.hub), LIMIT, 'the hub handled exactly the allowed number');
  assert.equal(handledAt(net.supplier), LIMIT, 'the hub forwarded only the allowed ones');
  assert.equal(await dropped(net.supplier, 'flood'), 0, 'nothing over the limit reached the supplier');
  const flood = await dropped(net.hub, 'flood');
  t.diagnostic(
    `flood: ${sent.length} sent, ${LIMIT} handled, ${flood} rejected as flood, ${sent.length - LIMIT - flood} unread (graylisted); attacker's score at the hub fell to ${low.toFixed(1)}`,
  );
});

/** The fields of a node record for `subscriberId`, valid for an hour. */
function recordFields(subscriberId: string, name: string) {
  return {
    subscriber_id: subscriberId,
    uri: 'http://127.0.0.1:9/beckn',
    addrs: [],
    name,
    roles: ['supplier' as const],
    region: REGION,
    categories: [CATEGORY],
    certifications: [],
    version: Date.now() + 60_000,
    expires: Math.floor(Date.now() / 1000) + 3_600,
  };
}

const recordData = (r: unknown) => Buffer.from(canonicalJson(r));

test('bad node records (bad signature, key id not the public key, rotation without a valid proof) are not stored', async (t) => {
  const net = await startNet(t);
  const s = net.supplier;
  const k1 = generateKeyPair();
  const k2 = generateKeyPair();
  const k3 = generateKeyPair();
  // 1. A record whose content was changed after signing.
  const tampered = { ...signNodeRecord(recordFields(k1.keyId, 'honest'), k1), name: 'tampered' };
  // 2. Signed by k2 (the signature verifies) but naming k1's key id: someone claiming k1's identity.
  const unsigned: Omit<NodeRecord, 'signature'> = {
    v: 1,
    ...recordFields(k1.keyId, 'impostor'),
    key_id: k1.keyId,
    public_key: k2.publicKeyRaw.toString('base64'),
  };
  const { sign } = await import('node:crypto');
  const impostor = {
    ...unsigned,
    signature: sign(
      null,
      Buffer.from(`weft-node-record-v1\n${canonicalJson(unsigned)}`),
      k2.privateKey,
    ).toString('base64'),
  };
  // 3. A new key for the supplier, with no rotation proof.
  const noProof = signNodeRecord(recordFields(s.subscriberId, 'hijack'), k3);
  // 4. A new key for the supplier, with a "proof" that names its key but is signed by another.
  const fakeOld: KeyPair = { ...k2, keyId: s.subscriberId };
  const forgedProof = signNodeRecord(recordFields(s.subscriberId, 'hijack'), k3, fakeOld);
  const cases: Array<[string, unknown, string]> = [
    ['bad signature', tampered, k1.keyId],
    ['key_id is not the peer id of public_key', impostor, k1.keyId],
    ['rotation without proof', noProof, s.subscriberId],
    ['rotation with a proof not signed by the old key', forgedProof, s.subscriberId],
  ];
  const supplierBefore = await dropped(s, 'record');
  for (const [what, rec, subject] of cases) {
    const known = await net.hub.store.directory.get(subject);
    const low = await attack(net, PROFILE_TOPIC, recordData(rec), 'record', true);
    const after = await net.hub.store.directory.get(subject);
    // The supplier may republish its own record meanwhile (a new version, the same key): what must
    // not change is the key, and the attacker's record must not be the one stored.
    assert.equal(after?.keyId, known?.keyId, `${what}: the hub's directory key for ${subject} is unchanged`);
    const stored = after && (JSON.parse(after.record) as { signature?: string }).signature;
    assert.notEqual(
      stored,
      (rec as { signature: string }).signature,
      `${what}: the attacker's record is not stored`,
    );
    t.diagnostic(`${what}: rejected, not stored; attacker's score at the hub fell to ${low.toFixed(1)}`);
  }
  assert.equal((await net.hub.store.directory.get(s.subscriberId))?.keyId, s.subscriberId);
  // The same path carries a valid rotation (signed by the supplier's key): the rejections above
  // were the validator's doing.
  await notGraylisted(net);
  const rotated = signNodeRecord(recordFields(s.subscriberId, 'supplier'), k3, s.dataDir.keys);
  await publishRaw(net.attacker, PROFILE_TOPIC, recordData(rotated));
  await waitFor(
    async () => (await net.hub.store.directory.get(s.subscriberId))?.keyId === k3.keyId,
    () => 'the hub stores the valid rotation',
    WAIT_MS,
  );
  assert.equal(await dropped(s, 'record'), supplierBefore, 'no bad record reached the supplier');
  for (const k of [k1, k2]) assert.equal(await s.store.directory.get(k.keyId), undefined);
  await stillServes(net);
});
