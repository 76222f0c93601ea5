/**
 * The twins' owner API and partner endpoint on a real `Twins` (temp data dir, SQLite time series, no
 * broker): telemetry pushed over HTTP, bad input refused (4xx) and counted without touching a twin,
 * the capacity view, an order's progress, and the signed, grant-checked progress snapshot.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { OrderProgress } from '../../../src/api/contract.js';
import { type TwinsRoutesDeps, twinsRoutes } from '../../../src/api/routes-twins.js';
import { defaultWebOptions, OwnerAuth } from '../../../src/api/routes-web.js';
import { generateKeyPair, importPublicKey, publicKeyFromPeerId } from '../../../src/protocol/keys.js';
import type { Store } from '../../../src/store/index.js';
import {
  defaultTwinsOptions,
  type ProgressFigures,
  type SignedSnapshot,
  signProgressRequest,
  stringifyTwinsConfig,
  type TrackedOrder,
  Twins,
  type TwinsConfig,
  verifySnapshot,
} from '../../../src/twins/index.js';
import { ManualClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';

const T0 = Date.UTC(2026, 0, 5, 8); // a Monday, 08:00 UTC
const TOKEN = 'owner-token-0123456789';
const OWNER = { authorization: `Bearer ${TOKEN}` };
const SHIFTS = [{ days: [1, 2, 3, 4, 5], start: '06:00', end: '22:00' }];

const CONFIG: TwinsConfig = {
  sources: { opcua: [] },
  assets: [
    {
      id: 'cnc-01',
      kind: 'machine',
      name: 'Machining centre',
      processes: ['cnc-machining'],
      materials: ['aluminium'],
      shifts: SHIFTS,
    },
    {
      id: 'cnc-02',
      kind: 'machine',
      name: 'Machining centre',
      processes: ['cnc-machining'],
      materials: ['aluminium'],
      shifts: SHIFTS,
    },
  ],
  mappings: [
    // Range limits a pushed value is held to as well.
    { topic: 'plant/cnc-01/temp', asset: 'cnc-01', property: 'temperature', unit: '°C', min: -40, max: 200 },
  ],
};

interface Rig {
  app: FastifyInstance;
  twins: Twins;
  clock: ManualClock;
  reports: Array<{ order: TrackedOrder; code: string; figures: ProgressFigures }>;
  signer: ReturnType<typeof generateKeyPair>;
}

async function rig(t: TestContext): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-routes-twins-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'twins.yaml'), stringifyTwinsConfig(CONFIG));
  const clock = new ManualClock(T0);
  const meta = new Map<string, string>();
  const reports: Rig['reports'] = [];
  const signer = generateKeyPair();
  const twins = Twins.open(
    { ...defaultTwinsOptions, dataDir: dir },
    {
      subscriberId: signer.keyId,
      signer,
      meta: { get: async (k) => meta.get(k), set: async (k, v) => void meta.set(k, v) },
      report: async (order, code, figures) => void reports.push({ order, code, figures }),
      clock,
      logger: silentLogger(),
    },
  );
  assert.ok(twins, 'twins.yaml is there');
  await twins.start();
  const app = await appFor(t, twins, clock);
  t.after(() => twins.close());
  return { app, twins, clock, reports, signer };
}

async function appFor(
  t: TestContext,
  twins: Twins | undefined,
  clock: ManualClock,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const auth = new OwnerAuth(defaultWebOptions, {
    adminToken: TOKEN,
    subscriberId: () => 'supplier',
    now: () => clock.now(),
  });
  const store = {
    ledger: { byTransaction: async () => [] },
    deals: { byTransaction: async () => [] },
  } as unknown as Pick<Store, 'ledger' | 'deals'>;
  const deps: TwinsRoutesDeps = {
    twins,
    store,
    // Self-certifying ids only: what a node knows of a partner it never trusted.
    partnerKey: async (id, keyId) => {
      const raw = id === keyId ? publicKeyFromPeerId(id) : undefined;
      return raw ? importPublicKey(raw) : undefined;
    },
    clock,
    logger: silentLogger(),
  };
  await app.register(twinsRoutes(deps, auth.hook));
  t.after(() => app.close());
  return app;
}

/** Resolves once the hub has handed everything to the twins (it batches per event-loop turn). */
async function settled(twins: Twins): Promise<void> {
  twins.hub.flush();
  await new Promise((r) => setImmediate(r));
}

function push(app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/api/telemetry',
    headers: { ...OWNER, 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

test('POST /api/telemetry: a good batch reaches the twins (202); without the owner token 401', async (t) => {
  const { app, twins, clock } = await rig(t);
  const res = await push(app, {
    samples: [
      { asset: 'cnc-01', property: 'state', value: 'running', ts: T0 - 1000 },
      { asset: 'cnc-01', property: 'temperature', value: 36.5, unit: '°C' },
      { asset: 'cnc-02', property: 'state', value: 'idle', ts: new Date(T0 - 500).toISOString() },
    ],
  });
  assert.equal(res.statusCode, 202);
  assert.deepEqual(res.json(), { accepted: 3 });
  await settled(twins);
  assert.equal(twins.twinStore.get('cnc-01', 'state')?.value, 'running');
  assert.equal(twins.twinStore.get('cnc-01', 'state')?.sourceTs, T0 - 1000);
  assert.equal(twins.twinStore.get('cnc-01', 'temperature')?.value, 36.5);
  assert.equal(twins.twinStore.get('cnc-01', 'temperature')?.sourceTs, clock.now());
  assert.equal(twins.twinStore.get('cnc-02', 'state')?.value, 'idle');
  const anon = await app.inject({
    method: 'POST',
    url: '/api/telemetry',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ samples: [{ asset: 'cnc-01', property: 'state', value: 'down' }] }),
  });
  assert.equal(anon.statusCode, 401);
  await settled(twins);
  assert.equal(twins.twinStore.get('cnc-01', 'state')?.value, 'running', 'a refused push changes nothing');
});

test('bad input: malformed, oversized, out-of-range, skewed, unknown → 4xx and counted; no twin changes', async (t) => {
  const { app, twins, clock } = await rig(t);
  const good = await push(app, {
    samples: [
      { asset: 'cnc-01', property: 'temperature', value: 40, ts: T0 - 60_000 },
      { asset: 'cnc-01', property: 'state', value: 'running', ts: T0 - 60_000 },
    ],
  });
  assert.equal(good.statusCode, 202);
  await settled(twins);
  const before = JSON.stringify([...(twins.twinStore.live('cnc-01') ?? new Map())]);
  const rejected = () => twins.hub.counts().rejected;

  const cases: Array<{ name: string; body: unknown; status: number; code: string; counted?: string }> = [
    { name: 'not JSON', body: '{"samples": [', status: 400, code: 'BAD_JSON', counted: 'malformed-payload' },
    { name: 'not an object', body: [1, 2], status: 400, code: 'SCHEMA', counted: 'malformed-payload' },
    { name: 'empty batch', body: { samples: [] }, status: 400, code: 'SCHEMA', counted: 'malformed-payload' },
    {
      name: 'extra key',
      body: { samples: [{ asset: 'cnc-01', property: 'x', value: 1 }], more: 1 },
      status: 400,
      code: 'SCHEMA',
    },
    {
      name: 'unknown asset',
      body: { samples: [{ asset: 'cnc-99', property: 'state', value: 'down' }] },
      status: 400,
      code: 'SCHEMA',
    },
    {
      name: 'a property name that is not one',
      body: { samples: [{ asset: 'cnc-01', property: '__proto__', value: 1 }] },
      status: 400,
      code: 'SCHEMA',
    },
    {
      name: 'an object value',
      body: { samples: [{ asset: 'cnc-01', property: 'state', value: { down: true } }] },
      status: 400,
      code: 'SCHEMA',
    },
    {
      name: 'a huge string',
      body: { samples: [{ asset: 'cnc-01', property: 'state', value: 'x'.repeat(5000) }] },
      status: 400,
      code: 'SCHEMA',
    },
    {
      name: 'a number JSON makes infinite',
      body: '{"samples":[{"asset":"cnc-01","property":"temperature","value":1e999}]}',
      status: 400,
      code: 'SCHEMA',
    },
    {
      name: 'out of the mapping range',
      body: {
        samples: [
          { asset: 'cnc-01', property: 'temperature', value: 41 },
          { asset: 'cnc-01', property: 'temperature', value: 9000 },
        ],
      },
      status: 400,
      code: 'SCHEMA',
      counted: 'out-of-range',
    },
    {
      name: 'a clock an hour ahead',
      body: { samples: [{ asset: 'cnc-01', property: 'state', value: 'down', ts: T0 + 3_600_000 }] },
      status: 400,
      code: 'SCHEMA',
      counted: 'clock-skew',
    },
    {
      name: 'a bad timestamp',
      body: { samples: [{ asset: 'cnc-01', property: 'state', value: 'down', ts: 'yesterday' }] },
      status: 400,
      code: 'SCHEMA',
    },
    {
      name: 'too many samples',
      body: {
        samples: Array.from({ length: 10_001 }, (_, i) => ({
          asset: 'cnc-01',
          property: 'temperature',
          value: i % 100,
        })),
      },
      status: 413,
      code: 'TOO_LARGE',
      counted: 'too-large',
    },
    {
      name: 'a body over the limit',
      body: `{"samples":[${'{"asset":"cnc-01","property":"temperature","value":42},'.repeat(45_000)}{}]}`,
      status: 413,
      code: 'TOO_LARGE',
      counted: 'too-large',
    },
  ];
  for (const c of cases) {
    const n = c.counted ? rejected()[c.counted as keyof ReturnType<typeof rejected>] : 0;
    const res = await push(app, c.body);
    assert.equal(res.statusCode, c.status, `${c.name}: ${res.body.slice(0, 200)}`);
    assert.equal((res.json() as { error: { code: string } }).error.code, c.code, c.name);
    if (c.counted) {
      assert.ok(
        rejected()[c.counted as keyof ReturnType<typeof rejected>] > n,
        `${c.name} is counted as ${c.counted}`,
      );
    }
  }
  const text = await push(app, 'state=down', { 'content-type': 'text/plain' });
  assert.equal(text.statusCode, 400);
  const xml = await push(app, '<state>down</state>', { 'content-type': 'application/xml' });
  assert.equal(xml.statusCode, 415);

  // A late (older) value is taken by the API but never rolls the twin back.
  const late = await push(app, {
    samples: [{ asset: 'cnc-01', property: 'temperature', value: 20, ts: T0 - 120_000 }],
  });
  assert.equal(late.statusCode, 202);
  await settled(twins);
  assert.ok(twins.twinStore.stats().outOfOrder >= 1);
  assert.equal(JSON.stringify([...(twins.twinStore.live('cnc-01') ?? new Map())]), before, 'no twin changed');

  // The node still answers, and a good value still gets through.
  clock.advance(1000);
  const again = await push(app, { samples: [{ asset: 'cnc-01', property: 'temperature', value: 44 }] });
  assert.equal(again.statusCode, 202);
  await settled(twins);
  assert.equal(twins.twinStore.get('cnc-01', 'temperature')?.value, 44);
  const cap = await app.inject({ method: 'GET', url: '/api/capacity', headers: OWNER });
  assert.equal(cap.statusCode, 200);
});

test('GET /api/capacity: free hours per process per day, dropping when a machine goes down', async (t) => {
  const { app, twins } = await rig(t);
  const read = async (q = '') => {
    const res = await app.inject({ method: 'GET', url: `/api/capacity${q}`, headers: OWNER });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { days: string[]; processes: Record<string, number[]> };
  };
  const v = await read();
  assert.equal(twins.capacityView().earliestCompletion('cnc-machining', 60, '2026-01-05'), '2026-01-07');
  assert.equal(v.days.length, 14);
  assert.equal(v.days[0], '2026-01-05');
  // Two machines × 16 h × the default availability 0.85 on a weekday; nothing on Sunday.
  assert.equal(v.processes['cnc-machining']?.[0], 27.2);
  assert.equal(v.processes['cnc-machining']?.[6], 0);
  assert.equal((await read('?days=3')).days.length, 3);
  for (const bad of ['0', '-1', 'x', '1.5']) {
    const res = await app.inject({ method: 'GET', url: `/api/capacity?days=${bad}`, headers: OWNER });
    assert.equal(res.statusCode, 400, bad);
  }
  assert.equal((await app.inject({ method: 'GET', url: '/api/capacity' })).statusCode, 401);

  await push(app, { samples: [{ asset: 'cnc-02', property: 'state', value: 'down' }] });
  await settled(twins);
  const down = await read();
  // cnc-02 down: its 48 h of expected repair take today's and tomorrow's hours.
  assert.equal(down.processes['cnc-machining']?.[0], 13.6);
  assert.equal(down.processes['cnc-machining']?.[1], 13.6);
  assert.equal(down.processes['cnc-machining']?.[3], 27.2);
  // The lead time the matcher would quote for 60 h of machining grows by a day.
  const slug = (p: string) => p.toLowerCase().replace(/\s+/g, '-');
  const lead = twins.capacityView(slug);
  assert.equal(lead.earliestCompletion('CNC machining', 60, '2026-01-05'), '2026-01-08');
  assert.equal(lead.hoursAvailable('cnc-machining', '2026-01-05', '2026-01-06'), 27.2);
  assert.equal(lead.earliestCompletion('welding', 1, '2026-01-05'), undefined);
});

test('an order follows the part counters; GET /api/orders/:tx/progress shows it (supplier side)', async (t) => {
  const { app, twins, reports } = await rig(t);
  const counters = (good: number) =>
    push(app, {
      samples: [
        { asset: 'cnc-01', property: 'goodCount', value: good },
        { asset: 'cnc-01', property: 'partCount', value: good },
      ],
    });
  await counters(100); // the baseline
  await settled(twins);
  await twins.acceptOrder({
    orderId: 'tx-1',
    buyer: 'buyer-1',
    items: [{ process: 'cnc-machining', quantity: 8 }],
    startDay: '2026-01-05',
    dueDay: '2026-01-20',
  });
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/orders/tx-9/progress', headers: OWNER })).statusCode,
    404,
  );
  let p = (
    await app.inject({ method: 'GET', url: '/api/orders/tx-1/progress', headers: OWNER })
  ).json() as OrderProgress;
  assert.equal(p.role, 'supplier');
  assert.equal(p.state, 'PENDING');
  assert.equal(p.quantity, 8);
  assert.ok(p.eta, 'the calendar places the job');
  await counters(103);
  await settled(twins);
  await twins.acceptOrder({ ...orderStub(), orderId: 'tx-1' }); // idempotent: same order, no new job
  p = (
    await app.inject({ method: 'GET', url: '/api/orders/tx-1/progress', headers: OWNER })
  ).json() as OrderProgress;
  // The good count alone advances the job (the part count is not counted twice).
  assert.equal(p.done, 3);
  assert.equal(p.state, 'In-production');
  assert.deepEqual(p.operations, [
    {
      name: 'cnc-machining on cnc-01',
      kind: 'job',
      process: 'cnc-machining',
      asset: 'cnc-01',
      done: 3,
      total: 8,
      state: 'running',
    },
  ]);
  await counters(120);
  await settled(twins);
  await twins.acceptOrder({ ...orderStub(), orderId: 'tx-1' });
  assert.deepEqual(
    reports.map((r) => [r.code, r.figures.done]),
    [
      ['In-production', 3],
      ['Produced', 8],
    ],
  );
  assert.equal(reports[1]?.figures.cause.property, 'goodCount');
  assert.equal(twins.grants.list().length, 1, 'one grant, to the buyer, for this order');
});

function orderStub() {
  return {
    orderId: 'x',
    buyer: 'buyer-1',
    items: [{ process: 'cnc-machining', quantity: 8 }],
    startDay: '2026-01-05',
    dueDay: '2026-01-20',
  };
}

test('POST /shared/orders/:id/progress: signed request, grant checked, signed snapshot back', async (t) => {
  const { app, twins, clock, signer } = await rig(t);
  const buyer = generateKeyPair();
  const stranger = generateKeyPair();
  const as = (k: ReturnType<typeof generateKeyPair>) => ({
    subscriberId: k.keyId,
    keyId: k.keyId,
    privateKey: k.privateKey,
  });
  await push(app, { samples: [{ asset: 'cnc-01', property: 'state', value: 'running', ts: T0 - 5 }] });
  await settled(twins);
  await twins.acceptOrder({ ...orderStub(), orderId: 'tx-1', buyer: buyer.keyId });
  const ask = (
    k: ReturnType<typeof generateKeyPair>,
    orderId: string,
    over: { purpose?: string; path?: string; tamper?: boolean; authorization?: string } = {},
  ) => {
    const r = signProgressRequest({ orderId, purpose: over.purpose, now: clock.now() }, as(k));
    return app.inject({
      method: 'POST',
      url: `/shared/orders/${over.path ?? orderId}/progress`,
      headers: { 'content-type': 'application/json', authorization: over.authorization ?? r.authorization },
      payload: over.tamper
        ? Buffer.from(r.body.toString().replace('order-tracking', 'order-trackinh'))
        : r.body,
    });
  };

  const ok = await ask(buyer, 'tx-1');
  assert.equal(ok.statusCode, 200, ok.body);
  const snap = ok.json() as SignedSnapshot;
  assert.equal(verifySnapshot(snap, signer.publicKey), true, 'signed by the supplier node');
  assert.equal(verifySnapshot({ ...snap, values: [] }, signer.publicKey), false);
  assert.equal(snap.order_id, 'tx-1');
  assert.equal(snap.recipient, buyer.keyId);
  assert.equal(snap.progress.total, 8);
  const state = snap.values.find((v) => v.property === 'state');
  assert.equal(state?.sourceTs, T0 - 5);
  assert.equal(typeof state?.seq, 'number');

  const code = (res: { json(): unknown }) => (res.json() as { error: { code: string } }).error.code;
  const unsigned = await app.inject({
    method: 'POST',
    url: '/shared/orders/tx-1/progress',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ order_id: 'tx-1', purpose: 'order-tracking', requested_at: clock.now() }),
  });
  assert.equal(unsigned.statusCode, 401);
  assert.equal((await ask(buyer, 'tx-1', { tamper: true })).statusCode, 401, 'body changed after signing');
  // A signature by one key that claims to be another node.
  const forged = signProgressRequest(
    { orderId: 'tx-1', now: clock.now() },
    as(stranger),
  ).authorization.replace(`${stranger.keyId}|${stranger.keyId}`, `${buyer.keyId}|${buyer.keyId}`);
  assert.equal((await ask(buyer, 'tx-1', { authorization: forged })).statusCode, 401, 'forged signer');
  const garbage = await ask(buyer, 'tx-1', { authorization: 'Signature keyId="x"' });
  assert.equal(garbage.statusCode, 401);

  const noGrant = await ask(stranger, 'tx-1');
  assert.equal(noGrant.statusCode, 403);
  assert.equal(code(noGrant), 'NO_GRANT');
  const otherOrder = await ask(buyer, 'tx-2');
  assert.equal(otherOrder.statusCode, 403);
  assert.equal(code(otherOrder), 'NO_GRANT');
  const purpose = await ask(buyer, 'tx-1', { purpose: 'quality-audit' });
  assert.equal(purpose.statusCode, 403);
  assert.equal(code(purpose), 'PURPOSE');
  assert.equal((await ask(buyer, 'tx-1', { path: 'tx-3' })).statusCode, 400, 'path and body disagree');

  // The grant runs through the 30th day after the due day (2026-01-20 + 30 = 2026-02-19); then it expires.
  clock.set(Date.UTC(2026, 1, 19, 23));
  assert.equal((await ask(buyer, 'tx-1')).statusCode, 200);
  clock.set(Date.UTC(2026, 1, 20, 1));
  const expired = await ask(buyer, 'tx-1');
  assert.equal(expired.statusCode, 403);
  assert.equal(code(expired), 'EXPIRED');
});

test('a node without twins answers the twins endpoints 404 NO_ENDPOINT', async (t) => {
  const clock = new ManualClock(T0);
  const app = await appFor(t, undefined, clock);
  for (const [method, url] of [
    ['GET', '/api/capacity'],
    ['POST', '/api/telemetry'],
  ] as const) {
    const res = await app.inject({
      method,
      url,
      headers: { ...OWNER, 'content-type': 'application/json' },
      ...(method === 'POST' ? { payload: '{"samples":[]}' } : {}),
    });
    assert.equal(res.statusCode, 404, url);
    assert.equal((res.json() as { error: { code: string } }).error.code, 'NO_ENDPOINT');
  }
  const k = generateKeyPair();
  const r = signProgressRequest(
    { orderId: 'tx', now: clock.now() },
    { subscriberId: k.keyId, keyId: k.keyId, privateKey: k.privateKey },
  );
  const shared = await app.inject({
    method: 'POST',
    url: '/shared/orders/tx/progress',
    headers: { authorization: r.authorization, 'content-type': 'application/json' },
    payload: r.body,
  });
  assert.equal(shared.statusCode, 404);
});

test('POST /api/telemetry/csv imports history into the time series, reporting bad lines', async (t) => {
  const { app, twins } = await rig(t);
  const csv = [
    'ts,asset,property,value',
    `${T0 - 3_600_000},cnc-01,temperature,30`,
    `${T0 - 3_000_000},cnc-01,temperature,31`,
    `${T0 - 2_000_000},cnc-99,temperature,31`,
    'yesterday,cnc-01,temperature,31',
  ].join('\n');
  const res = await app.inject({
    method: 'POST',
    url: '/api/telemetry/csv',
    headers: { ...OWNER, 'content-type': 'text/csv' },
    payload: csv,
  });
  assert.equal(res.statusCode, 200, res.body);
  const r = res.json() as { imported: number; rejected: number; errors: Array<{ line: number }> };
  assert.equal(r.imported, 2);
  assert.equal(r.rejected, 2);
  assert.deepEqual(
    r.errors.map((e) => e.line),
    [4, 5],
  );
  twins.series.flush();
  const q = twins.series.query({ assetId: 'cnc-01', property: 'temperature', from: T0 - 4_000_000, to: T0 });
  assert.equal(q.kind === 'raw' ? q.points.length : -1, 2);
  assert.equal(twins.twinStore.get('cnc-01', 'temperature'), undefined, 'history never sets a live value');
});
