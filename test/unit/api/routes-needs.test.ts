/**
 * The matching's owner API (routes-needs.ts, contract.ts): parse a need, refuse bad text with its code,
 * send a need, rank its offers, hold a need for the owner and send or decline it, stream events — all
 * behind the owner's auth.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { IncomingNeed, NeedOffersResponse, RankedOffer, WeftEvent } from '../../../src/api/contract.js';
import { defaultNodeMatchingOptions, type NodeMatchingOptions } from '../../../src/matching/index.js';
import { initDataDir } from '../../../src/node/data-dir.js';
import { defaultNodeOptions, WeftNode } from '../../../src/node/weft-node.js';
import { defaultProfile, type Profile } from '../../../src/protocol/profile.js';
import type { AssetDefinition } from '../../../src/twins/config-schema.js';
import type { Clock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { client, onCleanup, received, tempDir, trust } from '../../utils/cluster.js';

const NEED = '需要5000件304不锈钢CNC加工零件,公差±0.01mm,需ISO9001,30天内交货到东莞';
const ALL_WEEK = [{ days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '00:00' }];

function cnc(prefix: string, n: number, toleranceMm: number, ratePerHour: number): AssetDefinition[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i + 1}`,
    kind: 'machine' as const,
    name: `CNC ${i + 1}`,
    processes: ['cnc-machining'],
    materials: ['stainless-steel'],
    toleranceMm,
    ratePerHour,
    shifts: ALL_WEEK,
  }));
}

interface Spec {
  name: string;
  profile?: Partial<Profile>;
  assets?: AssetDefinition[];
  matching?: Partial<NodeMatchingOptions>;
  clock?: Clock;
  /** Listen on a loopback port (needed to exchange messages); default only `inject`. */
  start?: boolean;
}

async function openNode(t: TestContext, s: Spec): Promise<WeftNode> {
  const dataDir = join(await tempDir(t, 'weft-needs-'), 'data');
  initDataDir(dataDir, { ...defaultProfile, roles: ['buyer', 'supplier'], ...s.profile, name: s.name });
  if (s.assets) writeFileSync(join(dataDir, 'twins.yaml'), JSON.stringify({ assets: s.assets }));
  const node = await WeftNode.open(
    {
      ...defaultNodeOptions,
      dataDir,
      api: { ...defaultNodeOptions.api, host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      matching: { ...defaultNodeMatchingOptions, ...s.matching },
    },
    { logger: silentLogger(), ...(s.clock ? { clock: s.clock } : {}) },
  );
  onCleanup(t, () => node.close());
  if (s.start) await node.start();
  return node;
}

const auth = (node: WeftNode) => ({ authorization: `Bearer ${node.dataDir.adminToken}` });

async function post(node: WeftNode, url: string, payload: unknown, headers = auth(node)) {
  return node.app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });
}

/** Collects a node's `/api/events` stream; `next` waits for the first event (seen or coming) matching. */
function eventsOf(t: TestContext, node: WeftNode) {
  const seen: WeftEvent[] = [];
  const waiters = new Set<() => void>();
  const abort = new AbortController();
  let opened: () => void = () => undefined;
  const open = new Promise<void>((r) => {
    opened = r;
  });
  const done = client(node)
    .stream(
      '/api/events',
      {
        onOpen: () => opened(),
        onMessage: (m) => {
          const e = JSON.parse(m.data) as WeftEvent;
          assert.equal(m.event, e.type, 'the SSE event name is the event type');
          seen.push(e);
          for (const w of waiters) w();
        },
      },
      abort.signal,
    )
    .catch(() => undefined);
  onCleanup(t, async () => {
    abort.abort();
    await done;
  });
  return {
    open,
    seen,
    next<E extends WeftEvent>(pred: (e: WeftEvent) => e is E, ms = 5_000): Promise<E> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = seen.find(pred);
          if (!hit) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no matching event within ${ms} ms; seen ${JSON.stringify(seen.map((e) => e.type))}`),
          );
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}

test('POST /api/needs/parse reads a Chinese need into its spec', async (t) => {
  const node = await openNode(t, { name: 'Buyer' });
  const r = await post(node, '/api/needs/parse', { text: NEED });
  assert.equal(r.statusCode, 200, r.body);
  const { spec } = r.json();
  assert.equal(spec.text, NEED);
  assert.equal(spec.parser, 'builtin');
  assert.equal(spec.fields.process.value, 'cnc-machining');
  assert.deepEqual(spec.fields.quantity.value, { value: 5000, unit: 'pcs' });
  assert.ok(spec.fields.quantity.confidence > 0.5);

  const hant = await post(node, '/api/needs/parse', { text: '需要五千件鋁合金CNC加工零件,交貨到深圳' });
  assert.equal(hant.statusCode, 200, hant.body);
  assert.equal(hant.json().spec.language, 'zh-Hant');
  assert.equal(hant.json().spec.fields.quantity.value.value, 5000);
});

test('POST /api/needs/parse refuses empty, binary and oversized text with clear codes', async (t) => {
  const node = await openNode(t, { name: 'Buyer' });
  const cases: Array<[unknown, number, string]> = [
    [{ text: '' }, 400, 'NEED_EMPTY'],
    [{ text: '   \n ' }, 400, 'NEED_EMPTY'],
    [{ text: 'CNC\u0000parts' }, 400, 'NEED_BINARY'],
    [{ text: 'parts \u202E' }, 400, 'NEED_BINARY'],
    [{ text: '零件'.repeat(2001) }, 413, 'NEED_TOO_LONG'],
    [{}, 400, 'BAD_REQUEST'],
    [{ text: 'x'.repeat(70_000) }, 413, 'TOO_LARGE'],
  ];
  for (const [payload, status, code] of cases) {
    const r = await post(node, '/api/needs/parse', payload);
    assert.equal(r.statusCode, status, `${code}: ${r.body.slice(0, 200)}`);
    assert.equal(r.json().error.code, code);
    assert.ok(r.json().error.message.length > 0);
  }
  const notJson = await node.app.inject({
    method: 'POST',
    url: '/api/needs/parse',
    headers: { ...auth(node), 'content-type': 'text/plain' },
    payload: NEED,
  });
  assert.equal(notJson.statusCode, 400, 'a body that is no JSON object is refused');
  assert.equal(notJson.json().error.code, 'BAD_REQUEST');
});

test('every route of the matching needs the owner auth', async (t) => {
  const node = await openNode(t, { name: 'Node' });
  const routes: Array<['GET' | 'POST', string]> = [
    ['POST', '/api/needs/parse'],
    ['POST', '/api/needs'],
    ['GET', '/api/needs/tx-1/offers'],
    ['GET', '/api/incoming'],
    ['POST', '/api/incoming/tx-1/send'],
    ['POST', '/api/incoming/tx-1/decline'],
    ['GET', '/api/events'],
    ['GET', '/api/pricing'],
  ];
  for (const [method, url] of routes) {
    for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
      const r = await node.app.inject({
        method,
        url,
        headers,
        ...(method === 'POST' ? { payload: {} } : {}),
      });
      assert.equal(r.statusCode, 401, `${method} ${url}`);
      assert.equal(r.json().error.code, 'UNAUTHORIZED');
    }
  }
});

test('unknown needs are 404; a bad spec or region is 400', async (t) => {
  const node = await openNode(t, { name: 'Node' });
  for (const [method, url] of [
    ['GET', '/api/needs/no-such-tx/offers'],
    ['POST', '/api/incoming/no-such-tx/send'],
    ['POST', '/api/incoming/no-such-tx/decline'],
  ] as const) {
    const r = await node.app.inject({
      method,
      url,
      headers: auth(node),
      ...(method === 'POST' ? { payload: {} } : {}),
    });
    assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
    assert.equal(r.json().error.code, 'NOT_FOUND');
  }
  const { spec } = (await post(node, '/api/needs/parse', { text: NEED })).json();
  const badSpec = await post(node, '/api/needs', {
    text: NEED,
    spec: { ...spec, fields: { quantity: { value: { value: -1, unit: 'pcs' }, confidence: 2 } } },
  });
  assert.equal(badSpec.statusCode, 400);
  assert.equal(badSpec.json().error.code, 'BAD_REQUEST');
  const badRegion = await post(node, '/api/needs', { text: NEED, spec, region: 'CN GD; drop' });
  assert.equal(badRegion.statusCode, 400);
  const empty = await post(node, '/api/needs', { text: ' ', spec });
  assert.equal(empty.statusCode, 400);
  assert.equal(empty.json().error.code, 'NEED_EMPTY');
  const noPeers = await post(node, '/api/needs', { text: NEED, spec });
  assert.equal(noPeers.statusCode, 400, 'no trusted supplier to send it to');
  assert.match(noPeers.json().error.message, /add peers/);
});

test('a need held for the owner is sent adjusted or declined; the buyer ranks the offers; events stream', async (t) => {
  let offset = 0;
  const shifted: Clock = { now: () => Date.now() + offset };
  const [buyer, held, auto] = await Promise.all([
    openNode(t, { name: 'Buyer', profile: { roles: ['buyer'] }, start: true }),
    openNode(t, {
      name: 'Held Supplier',
      profile: { roles: ['supplier'], certifications: ['ISO9001'] },
      assets: cnc('h', 8, 0.005, 320),
      matching: { autoRespond: false },
      clock: shifted,
      start: true,
    }),
    openNode(t, {
      name: 'Auto Supplier',
      profile: { roles: ['supplier'], certifications: ['IATF16949'] },
      assets: cnc('a', 6, 0.01, 260),
      start: true,
    }),
  ]);
  await trust(buyer, held);
  await trust(buyer, auto);
  const buyerEvents = eventsOf(t, buyer);
  const heldEvents = eventsOf(t, held);
  await Promise.all([buyerEvents.open, heldEvents.open]);

  const { spec } = (await post(buyer, '/api/needs/parse', { text: NEED })).json();
  const sendNeed = async () => {
    const r = await post(buyer, '/api/needs', { text: NEED, spec });
    assert.equal(r.statusCode, 202, r.body);
    const body = r.json();
    assert.equal(body.broadcast, 'trusted');
    assert.match(body.messageId, /^[0-9a-f-]{36}$/);
    await received(held, { action: 'search', transactionId: body.transactionId });
    return body.transactionId as string;
  };

  // ---- 1: held, then sent with another price and lead time
  const tx = await sendNeed();
  await received(buyer, { action: 'on_search', transactionId: tx, counterparty: auto.subscriberId });
  const list = (await held.app.inject({ method: 'GET', url: '/api/incoming', headers: auth(held) })).json();
  const need = list.needs[0] as IncomingNeed;
  assert.equal(need.id, tx);
  assert.equal(need.status, 'new', 'held for the owner');
  assert.equal(need.decision, 'respond');
  assert.equal(need.buyerName, 'Buyer');
  assert.ok(need.quote);
  assert.equal(
    (await held.store.ledger.byTransaction(tx)).filter((e) => e.direction === 'out').length,
    0,
    'nothing went out before the owner said so',
  );
  const needEvent = await heldEvents.next(
    (e): e is Extract<WeftEvent, { type: 'need' }> => e.type === 'need',
  );
  assert.equal(needEvent.need.id, tx);
  assert.equal(needEvent.need.status, 'new');

  const sent = await post(held, `/api/incoming/${tx}/send`, {
    unitPrice: '99.50',
    leadTimeDays: 20,
    note: 'rush',
  });
  assert.equal(sent.statusCode, 200, sent.body);
  const after = sent.json().need as IncomingNeed;
  assert.equal(after.status, 'sent');
  assert.equal(after.quote?.unitPrice, '99.50');
  assert.equal(after.quote?.total, '497500.00');
  assert.equal(after.quote?.leadTimeDays, 20);
  assert.equal(
    after.quote?.deliveryDate,
    new Date(shifted.now() + 20 * 86_400_000).toISOString().slice(0, 10),
  );
  assert.ok(after.reasons.some((r) => r.code === 'note' && r.text === 'rush'));
  assert.equal(typeof sent.json().messageId, 'string');
  const again = await post(held, `/api/incoming/${tx}/send`, {});
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().error.code, 'OUT_OF_ORDER');
  const badPrice = await post(held, `/api/incoming/${tx}/send`, { unitPrice: '9.999' });
  assert.equal(badPrice.statusCode, 400);

  await received(buyer, { action: 'on_search', transactionId: tx, counterparty: held.subscriberId });
  const offersRes = await buyer.app.inject({
    method: 'GET',
    url: `/api/needs/${tx}/offers`,
    headers: auth(buyer),
  });
  assert.equal(offersRes.statusCode, 200, offersRes.body);
  const offers = offersRes.json() as NeedOffersResponse;
  assert.equal(offers.transactionId, tx);
  assert.equal(offers.open, true);
  assert.equal(offers.spec?.text, NEED);
  assert.deepEqual(
    offers.offers.map((o) => o.rank),
    [1, 2],
  );
  const keys: Array<keyof RankedOffer> = [
    'offerId',
    'supplier',
    'supplierName',
    'itemId',
    'itemName',
    'quantity',
    'unitPrice',
    'total',
    'currency',
    'leadTimeDays',
    'deliveryDate',
    'fit',
    'score',
    'rank',
    'reasons',
    'receivedAt',
  ];
  for (const o of offers.offers) {
    assert.deepEqual(Object.keys(o).sort(), [...keys].sort());
    for (const r of o.reasons) {
      assert.equal(typeof r.code, 'string');
      assert.equal(typeof r.weight, 'number');
      assert.ok(r.text.length > 0);
    }
  }
  const fromHeld = offers.offers.find((o) => o.supplier === held.subscriberId)!;
  assert.equal(fromHeld.unitPrice, '99.50', 'the adjusted price reached the buyer');
  assert.equal(fromHeld.leadTimeDays, 20);
  assert.ok(offers.offers[0]!.score >= offers.offers[1]!.score);

  for (const supplier of [held, auto]) {
    const offer = await buyerEvents.next(
      (e): e is Extract<WeftEvent, { type: 'offer' }> =>
        e.type === 'offer' && e.transactionId === tx && e.offer.supplier === supplier.subscriberId,
    );
    assert.equal(offer.offer.itemId, `quote-${tx}`);
  }
  const deal = await buyerEvents.next(
    (e): e is Extract<WeftEvent, { type: 'deal' }> =>
      e.type === 'deal' && e.transactionId === tx && e.action === 'on_search' && e.direction === 'in',
  );
  assert.equal(deal.state, 'offered');

  // ---- 2: held, then declined
  const tx2 = await sendNeed();
  const declined = await post(held, `/api/incoming/${tx2}/decline`, { reason: 'fully booked' });
  assert.equal(declined.statusCode, 200, declined.body);
  assert.equal(declined.json().need.status, 'declined');
  assert.ok(
    (declined.json().need as IncomingNeed).reasons.some(
      (r) => r.weight < 0 && r.text === 'declined by the owner: fully booked',
    ),
  );
  assert.equal((await post(held, `/api/incoming/${tx2}/send`, {})).statusCode, 409);
  assert.equal(
    (await held.store.ledger.byTransaction(tx2)).filter((e) => e.direction === 'out').length,
    0,
    'a declined need is answered with silence',
  );

  // ---- 3: held past its search's validity
  const tx3 = await sendNeed();
  offset = 11 * 60_000;
  const expired = (
    await held.app.inject({ method: 'GET', url: '/api/incoming', headers: auth(held) })
  ).json();
  assert.deepEqual(
    (expired.needs as IncomingNeed[]).map((n) => [n.id, n.status]),
    [
      [tx3, 'expired'],
      [tx2, 'declined'],
      [tx, 'sent'],
    ],
  );
  const late = await post(held, `/api/incoming/${tx3}/send`, {});
  assert.equal(late.statusCode, 409);
  assert.match(late.json().error.message, /expired/);
});
