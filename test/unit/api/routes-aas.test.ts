import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { Agent, fetch } from 'undici';
import {
  type AasRoutesDeps,
  ownerTokenAuthorizer,
  registerAasRoutes,
  SseClient,
} from '../../../src/api/routes-aas.js';
import { AasRepository, encodeId, type JsonObject, SUBMODEL_KINDS } from '../../../src/twins/aas/index.js';
import type { AssetDefinition } from '../../../src/twins/config-schema.js';
import { Timeseries } from '../../../src/twins/timeseries.js';
import { type TwinChange, type TwinChangeListener, TwinStore } from '../../../src/twins/twin-store.js';
import type { TelemetrySample } from '../../../src/twins/types.js';
import { ManualClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { AAS_SKIP, loadAasConformance } from '../twins/aas/conformance.js';

const conformance = loadAasConformance();
const T0 = Date.UTC(2026, 0, 1, 8);
const SUB = 'acme.example';

const ASSETS: AssetDefinition[] = [
  {
    id: 'cnc-01',
    kind: 'machine',
    name: 'Machining centre',
    manufacturer: 'DMG Mori',
    processes: ['cnc-machining'],
    materials: ['aluminium', 'steel'],
    envelopeMm: [500, 450, 400],
    shifts: [{ days: [1, 2, 3], start: '06:00', end: '14:00' }],
  },
  { id: 'cnc-02', kind: 'machine', name: 'Lathe', processes: ['turning'], materials: [], shifts: [] },
  { id: 'line-1', kind: 'line', name: 'Line 1', processes: [], materials: [], shifts: [] },
];

function sample(
  property: string,
  value: TelemetrySample['value'],
  sourceTs: number,
  seq: number,
): TelemetrySample {
  return {
    assetId: 'cnc-01',
    property,
    value,
    sourceTs,
    receivedTs: sourceTs,
    seq,
    origin: 'test',
    quality: 'good',
  };
}

interface Rig {
  app: FastifyInstance;
  twins: TwinStore;
  repo: AasRepository;
  series: Timeseries;
  clock: ManualClock;
}

async function rig(
  t: { after(fn: () => unknown): void },
  more: Partial<AasRoutesDeps> = {},
  wrapTwins?: (twins: TwinStore) => AasRoutesDeps['twins'],
): Promise<Rig> {
  const clock = new ManualClock(T0);
  const db = new Database(':memory:');
  const series = new Timeseries({}, { db, clock, logger: silentLogger() });
  const twins = new TwinStore({ assets: ASSETS }, { clock, logger: silentLogger(), timeseries: series });
  const repo = new AasRepository(
    { subscriberId: SUB },
    {
      twins,
      series: {
        retention: { raw: 86_400_000, '1m': null, '1h': null },
        properties: (a) => series.properties(a),
      },
    },
  );
  const app = Fastify({ logger: false });
  await app.register(registerAasRoutes, {
    repository: repo,
    twins: wrapTwins ? wrapTwins(twins) : twins,
    series,
    authorize: () => 'owner',
    clock,
    logger: silentLogger(),
    ...more,
  });
  t.after(async () => {
    await app.close();
    series.close();
    db.close();
  });
  return { app, twins, repo, series, clock };
}

const smId = (asset: string, kind: string) => `urn:weft:${SUB}:sm:${asset}:${kind}`;
const shellPath = (id: string) => `/aas/shells/${encodeId(id)}`;
const smPath = (id: string) => `/aas/submodels/${encodeId(id)}`;

function assertAasError(res: { statusCode: number; json(): unknown }, status: number): void {
  assert.equal(res.statusCode, status);
  const body = res.json() as {
    messages: { code: string; messageType: string; text: string; timestamp: string }[];
  };
  assert.equal(body.messages.length, 1);
  const m = body.messages[0]!;
  assert.equal(m.messageType, 'Error');
  assert.ok(m.code.length > 0 && m.code.length <= 32);
  assert.ok(m.text.length > 0);
  // The timestamp pattern of the Part 2 Message schema.
  assert.match(m.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
}

test('GET /aas/shells pages with limit and cursor; every shell is valid AAS', async (t) => {
  const { app } = await rig(t);
  const first = await app.inject({ method: 'GET', url: '/aas/shells?limit=2' });
  assert.equal(first.statusCode, 200);
  const p1 = first.json() as { result: JsonObject[]; paging_metadata: { cursor?: string } };
  assert.equal(p1.result.length, 2);
  assert.ok(p1.paging_metadata.cursor);
  const second = await app.inject({
    method: 'GET',
    url: `/aas/shells?limit=2&cursor=${p1.paging_metadata.cursor}`,
  });
  const p2 = second.json() as { result: JsonObject[]; paging_metadata: { cursor?: string } };
  assert.deepEqual(p2.paging_metadata, {});
  assert.deepEqual(
    [...p1.result, ...p2.result].map((s) => s.id),
    ASSETS.map((a) => `urn:weft:${SUB}:aas:${a.id}`),
  );
  if (conformance) for (const s of [...p1.result, ...p2.result]) assert.deepEqual(conformance.shell(s), []);
  const byIdShort = await app.inject({ method: 'GET', url: '/aas/shells?idShort=line_1' });
  assert.deepEqual(
    (byIdShort.json() as { result: JsonObject[] }).result.map((s) => s.id),
    [`urn:weft:${SUB}:aas:line-1`],
  );
  for (const q of ['limit=0', 'limit=-1', 'limit=abc', `cursor=${encodeId('urn:nope')}`, 'cursor=***']) {
    assertAasError(await app.inject({ method: 'GET', url: `/aas/shells?${q}` }), 400);
  }
});

test('GET a shell or submodel by base64url id; 404 for unknown, 400 for a bad encoding', async (t) => {
  const { app, repo } = await rig(t);
  const id = `urn:weft:${SUB}:aas:cnc-01`;
  const res = await app.inject({ method: 'GET', url: shellPath(id) });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), repo.shell(id));
  const enc = encodeId(id);
  const pad = '='.repeat((4 - (enc.length % 4)) % 4);
  assert.ok(pad.length > 0, 'this id needs padding in plain base64');
  const padded = await app.inject({ method: 'GET', url: `/aas/shells/${enc}${pad}` });
  assert.equal(padded.statusCode, 200, 'padding is tolerated');
  assertAasError(
    await app.inject({ method: 'GET', url: shellPath('urn:weft:acme.example:aas:cnc-99') }),
    404,
  );
  assertAasError(await app.inject({ method: 'GET', url: smPath('urn:nothing') }), 404);
  for (const bad of ['not+base64', 'a', 'QR', '%2F%2F']) {
    assertAasError(await app.inject({ method: 'GET', url: `/aas/shells/${bad}` }), 400);
    assertAasError(await app.inject({ method: 'GET', url: `/aas/submodels/${bad}` }), 400);
  }
  const sm = await app.inject({ method: 'GET', url: smPath(smId('cnc-01', 'nameplate')) });
  assert.equal(sm.statusCode, 200);
  if (conformance) assert.deepEqual(conformance.submodel(sm.json()), []);
});

test('GET /aas/submodels lists every submodel, filters by semanticId (base64url) and idShort', async (t) => {
  const { app } = await rig(t);
  const all = (await app.inject({ method: 'GET', url: '/aas/submodels?limit=1000' })).json() as {
    result: JsonObject[];
  };
  assert.equal(all.result.length, ASSETS.length * SUBMODEL_KINDS.length);
  if (conformance) for (const s of all.result) assert.deepEqual(conformance.submodel(s), [], String(s.id));
  const nameplates = (
    await app.inject({
      method: 'GET',
      url: `/aas/submodels?semanticId=${encodeId('https://admin-shell.io/idta/nameplate/3/0/Nameplate')}`,
    })
  ).json() as { result: JsonObject[] };
  assert.deepEqual(
    nameplates.result.map((s) => s.id),
    ASSETS.map((a) => smId(a.id, 'nameplate')),
  );
  const cal = (
    await app.inject({ method: 'GET', url: '/aas/submodels?idShort=ProductionCalendar' })
  ).json() as {
    result: JsonObject[];
  };
  assert.equal(cal.result.length, 3);
  assertAasError(await app.inject({ method: 'GET', url: '/aas/submodels?semanticId=%2B%2B' }), 400);
});

test('submodel elements by idShort path into collections and lists, and their $value', async (t) => {
  const { app } = await rig(t);
  const base = `${smPath(smId('cnc-01', 'production-calendar'))}/submodel-elements`;
  const day = await app.inject({ method: 'GET', url: `${base}/Shifts[0].Days[1]` });
  assert.equal(day.statusCode, 200);
  assert.deepEqual(day.json(), { modelType: 'Property', valueType: 'xs:int', value: '2' });
  const encoded = await app.inject({ method: 'GET', url: `${base}/Shifts%5B0%5D.Start/$value` });
  assert.equal(encoded.json(), '06:00:00');
  assert.deepEqual((await app.inject({ method: 'GET', url: `${base}/Shifts/$value` })).json(), [
    { Days: [1, 2, 3], Start: '06:00:00', End: '14:00:00' },
  ]);
  const caps = `${smPath(smId('cnc-01', 'capabilities'))}/submodel-elements`;
  assert.equal((await app.inject({ method: 'GET', url: `${caps}/EnvelopeMm.Y/$value` })).json(), 450);
  assert.deepEqual((await app.inject({ method: 'GET', url: `${caps}/Materials/$value` })).json(), [
    'aluminium',
    'steel',
  ]);
  const el = (await app.inject({ method: 'GET', url: `${caps}/EnvelopeMm` })).json() as JsonObject;
  assert.equal(el.modelType, 'SubmodelElementCollection');
  assertAasError(await app.inject({ method: 'GET', url: `${base}/Shifts[5]` }), 404);
  assertAasError(await app.inject({ method: 'GET', url: `${base}/Nope` }), 404);
  assertAasError(await app.inject({ method: 'GET', url: `${caps}/EnvelopeMm[0]` }), 404);
  assertAasError(await app.inject({ method: 'GET', url: `${base}/Shifts..Days` }), 400);
  // Top-level elements, paged.
  const top = (await app.inject({ method: 'GET', url: `${caps}?limit=2` })).json() as {
    result: JsonObject[];
    paging_metadata: { cursor?: string };
  };
  assert.deepEqual(
    top.result.map((e) => e.idShort),
    ['Processes', 'Materials'],
  );
  const rest = (
    await app.inject({ method: 'GET', url: `${caps}?limit=2&cursor=${top.paging_metadata.cursor}` })
  ).json() as { result: JsonObject[] };
  assert.deepEqual(
    rest.result.map((e) => e.idShort),
    ['EnvelopeMm'],
  );
  // The same through the shell that refers to the submodel; not through another shell.
  const viaShell = `${shellPath(`urn:weft:${SUB}:aas:cnc-01`)}/submodels/${encodeId(smId('cnc-01', 'capabilities'))}`;
  assert.equal(
    (await app.inject({ method: 'GET', url: `${viaShell}/submodel-elements/EnvelopeMm.Z/$value` })).json(),
    400,
  );
  const wrongShell = `${shellPath(`urn:weft:${SUB}:aas:cnc-02`)}/submodels/${encodeId(smId('cnc-01', 'capabilities'))}`;
  assertAasError(await app.inject({ method: 'GET', url: wrongShell }), 404);
});

test('operational data is built on read from the latest values; $value gives typed JSON', async (t) => {
  const { app, twins } = await rig(t);
  const url = `${smPath(smId('cnc-01', 'operational-data'))}/$value`;
  assert.deepEqual((await app.inject({ method: 'GET', url })).json(), {});
  twins.write([
    sample('spindleSpeed', 12000, T0, 1),
    sample('state', 'running', T0, 1),
    sample('door', false, T0, 1),
  ]);
  assert.deepEqual((await app.inject({ method: 'GET', url })).json(), {
    door: false,
    spindleSpeed: 12000,
    state: 'running',
  });
  twins.write([sample('spindleSpeed', 11000, T0 + 1000, 2), sample('spindleSpeed', 1, T0 - 1000, 9)]);
  const prop = (
    await app.inject({
      method: 'GET',
      url: `${smPath(smId('cnc-01', 'operational-data'))}/submodel-elements/spindleSpeed`,
    })
  ).json() as JsonObject;
  assert.equal(prop.value, '11000');
  const seq = (prop.qualifiers as JsonObject[]).find((q) => q.type === 'weft:seq');
  assert.equal(seq?.value, '2');
  const full = await app.inject({ method: 'GET', url: smPath(smId('cnc-01', 'operational-data')) });
  if (conformance) assert.deepEqual(conformance.submodel(full.json()), []);
});

test('authorize: false is 401; a partner sees only what its grants allow, 403 elsewhere', async (t) => {
  const denied = await rig(t, { authorize: () => false });
  assertAasError(await denied.app.inject({ method: 'GET', url: '/aas/shells' }), 401);
  assertAasError(await denied.app.inject({ method: 'GET', url: '/api/twins/stream' }), 401);
  const granted = new Set([`urn:weft:${SUB}:aas:cnc-02`, smId('cnc-02', 'nameplate')]);
  const { app } = await rig(t, {
    authorize: (req) => (req.headers['x-partner'] ? { partner: String(req.headers['x-partner']) } : false),
    mayRead: (partner, target) => partner === 'buyer.example' && granted.has(target.id),
  });
  const as = (partner: string) => ({ 'x-partner': partner });
  const shells = (
    await app.inject({ method: 'GET', url: '/aas/shells', headers: as('buyer.example') })
  ).json() as {
    result: JsonObject[];
  };
  assert.deepEqual(
    shells.result.map((s) => s.id),
    [`urn:weft:${SUB}:aas:cnc-02`],
  );
  const sms = (
    await app.inject({ method: 'GET', url: '/aas/submodels', headers: as('buyer.example') })
  ).json() as {
    result: JsonObject[];
  };
  assert.deepEqual(
    sms.result.map((s) => s.id),
    [smId('cnc-02', 'nameplate')],
  );
  assertAasError(
    await app.inject({
      method: 'GET',
      url: shellPath(`urn:weft:${SUB}:aas:cnc-01`),
      headers: as('buyer.example'),
    }),
    403,
  );
  assertAasError(
    await app.inject({
      method: 'GET',
      url: smPath(smId('cnc-02', 'operational-data')),
      headers: as('buyer.example'),
    }),
    403,
  );
  assertAasError(
    await app.inject({
      method: 'GET',
      url: shellPath(`urn:weft:${SUB}:aas:cnc-02`),
      headers: as('other.example'),
    }),
    403,
  );
  const ok = await app.inject({
    method: 'GET',
    url: smPath(smId('cnc-02', 'nameplate')),
    headers: as('buyer.example'),
  });
  assert.equal(ok.statusCode, 200);
});

test('ownerTokenAuthorizer: only the exact bearer token is the owner', async (t) => {
  const { app } = await rig(t, { authorize: ownerTokenAuthorizer('s3cret-token') });
  for (const authorization of [undefined, 'Bearer wrong', 'Bearer s3cret-toke', 'Basic s3cret-token']) {
    const res = await app.inject({
      method: 'GET',
      url: '/aas/shells',
      headers: authorization ? { authorization } : {},
    });
    assertAasError(res, 401);
  }
  const ok = await app.inject({
    method: 'GET',
    url: '/aas/shells',
    headers: { authorization: 'Bearer s3cret-token' },
  });
  assert.equal(ok.statusCode, 200);
});

test('history: numeric points from the time series, raw or in buckets', async (t) => {
  const { app, twins } = await rig(t);
  const samples: TelemetrySample[] = [];
  for (let i = 0; i < 6; i++) samples.push(sample('temp', 20 + i, T0 - 3 * 60_000 + i * 30_000, i));
  for (const s of samples) twins.write([s]);
  twins.write([{ ...sample('temp', 0, T0, 7), unit: '°C' }]);
  const raw = await app.inject({
    method: 'GET',
    url: `/api/twins/cnc-01/temp/history?from=${T0 - 3_600_000}&to=${T0}&resolution=0`,
  });
  assert.equal(raw.statusCode, 200);
  const r = raw.json() as { unit: string; resolutionMs: number; points: { t: number; value: number }[] };
  assert.equal(r.unit, '°C');
  assert.deepEqual(
    r.points.map((p) => p.value),
    [20, 21, 22, 23, 24, 25, 0],
  );
  const minute = (
    await app.inject({
      method: 'GET',
      url: `/api/twins/cnc-01/temp/history?from=${T0 - 3 * 60_000}&to=${T0 - 1}&resolution=60000`,
    })
  ).json() as { points: { t: number; value: number; min: number; max: number }[] };
  assert.deepEqual(minute.points, [
    { t: T0 - 180_000, value: 20.5, min: 20, max: 21 },
    { t: T0 - 120_000, value: 22.5, min: 22, max: 23 },
    { t: T0 - 60_000, value: 24.5, min: 24, max: 25 },
  ]);
  // Without a resolution: raw up to an hour, then buckets of whole minutes for about 1,000 points.
  const day = (
    await app.inject({
      method: 'GET',
      url: `/api/twins/cnc-01/temp/history?from=${T0 - 86_400_000}&to=${T0}`,
    })
  ).json() as { resolutionMs: number; points: unknown[] };
  assert.equal(day.resolutionMs, 120_000);
  assert.equal(day.points.length, 3, '2-minute buckets from T0 − 4 min: 2 + 4 + 1 samples');
  assertAasError(await app.inject({ method: 'GET', url: '/api/twins/nope/temp/history' }), 404);
  assertAasError(
    await app.inject({ method: 'GET', url: `/api/twins/cnc-01/temp/history?from=${T0}&to=${T0 - 1}` }),
    400,
  );
  assertAasError(await app.inject({ method: 'GET', url: '/api/twins/cnc-01/temp/history?from=x' }), 400);
});

test('the minimal and maximal AAS examples import and are served back equal', {
  skip: AAS_SKIP,
}, async (t) => {
  const c = conformance!;
  assert.ok(c.examples.size >= 12, `${c.examples.size} example files`);
  const { app, repo } = await rig(t);
  for (const [name, env] of c.examples) {
    const copy = structuredClone(env);
    repo.importAasEnvironment(copy);
    for (const shell of (env.assetAdministrationShells ?? []) as JsonObject[]) {
      const res = await app.inject({ method: 'GET', url: shellPath(String(shell.id)) });
      assert.equal(res.statusCode, 200, name);
      assert.deepEqual(res.json(), shell, name);
    }
    for (const sm of (env.submodels ?? []) as JsonObject[]) {
      const res = await app.inject({ method: 'GET', url: smPath(String(sm.id)) });
      assert.equal(res.statusCode, 200, name);
      assert.deepEqual(res.json(), sm, name);
      // An element of it, by path, is the same JSON too.
      for (const el of (sm.submodelElements ?? []) as JsonObject[]) {
        const byPath = await app.inject({
          method: 'GET',
          url: `${smPath(String(sm.id))}/submodel-elements/${String(el.idShort)}`,
        });
        assert.deepEqual(byPath.json(), el, `${name} ${String(el.idShort)}`);
        assert.equal(
          (
            await app.inject({
              method: 'GET',
              url: `${smPath(String(sm.id))}/submodel-elements/${String(el.idShort)}/$value`,
            })
          ).statusCode,
          200,
        );
      }
    }
  }
  // Imported ones are listed after the twins.
  const shells = (await app.inject({ method: 'GET', url: '/aas/shells' })).json() as { result: JsonObject[] };
  assert.deepEqual(
    shells.result.map((s) => s.id),
    [...ASSETS.map((a) => `urn:weft:${SUB}:aas:${a.id}`), 'something_142922d6'],
  );
});

/** A TwinView that reports subscriptions ending, so a test can wait for the stream's cleanup. */
function tracking(twins: TwinStore) {
  const events = new EventEmitter();
  let active = 0;
  const view: AasRoutesDeps['twins'] = {
    assets: () => twins.assets(),
    asset: (id) => twins.asset(id),
    live: (id) => twins.live(id),
    onChange(listener: TwinChangeListener) {
      active++;
      events.emit('subscribed', active);
      const off = twins.onChange(listener);
      return () => {
        off();
        active--;
        events.emit('unsubscribed', active);
      };
    },
  };
  return { view, events, active: () => active };
}

/** Reads an SSE body until `predicate` holds for the text received so far. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  state: { text: string },
  predicate: (text: string) => boolean,
): Promise<void> {
  const dec = new TextDecoder();
  while (!predicate(state.text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended; got: ${state.text}`);
    state.text += dec.decode(value, { stream: true });
  }
}

function events(text: string, name: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block.split('\n').includes(`event: ${name}`))
    .map((block) =>
      JSON.parse(
        block
          .split('\n')
          .find((l) => l.startsWith('data: '))!
          .slice(6),
      ),
    );
}

test('SSE: a real client gets one event per change batch, heartbeats, and its close is cleaned up', async (t) => {
  let track: ReturnType<typeof tracking> | undefined;
  const { app, twins } = await rig(t, { options: { heartbeatMs: 30 } }, (tw) => {
    track = tracking(tw);
    return track.view;
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  twins.write([sample('temp', 19, T0 - 10, 1)]);
  const ctrl = new AbortController();
  // Its own client, closed at the end: a shared one may keep a spare idle socket that app.close() waits on.
  const dispatcher = new Agent({ connections: 1 });
  const res = await fetch(`${address}/api/twins/stream?asset=cnc-01&snapshot=true`, {
    signal: ctrl.signal,
    dispatcher,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body!.getReader();
  const state = { text: '' };
  await readUntil(reader, state, (s) => s.includes('event: sample'));
  assert.deepEqual(events(state.text, 'sample')[0], [
    { assetId: 'cnc-01', property: 'temp', value: 19, sourceTs: T0 - 10, seq: 1, quality: 'good' },
  ]);
  assert.equal(track!.active(), 1);
  // One write of three samples (one for another asset, filtered out) is one event.
  twins.write([
    sample('temp', 20, T0, 2),
    { ...sample('rpm', 900, T0, 2), unit: 'rpm' },
    { ...sample('temp', 5, T0, 2), assetId: 'cnc-02' },
  ]);
  await readUntil(reader, state, (s) => events(s, 'sample').length >= 2);
  assert.deepEqual(events(state.text, 'sample')[1], [
    { assetId: 'cnc-01', property: 'temp', value: 20, sourceTs: T0, seq: 2, quality: 'good' },
    { assetId: 'cnc-01', property: 'rpm', value: 900, unit: 'rpm', sourceTs: T0, seq: 2, quality: 'good' },
  ]);
  await readUntil(reader, state, (s) => s.includes(': heartbeat'));
  const gone = new Promise((resolve) => track!.events.once('unsubscribed', resolve));
  ctrl.abort();
  await reader.cancel().catch(() => undefined);
  assert.equal(await gone, 0);
  await dispatcher.destroy();
});

test('SSE: closing the app ends open streams instead of waiting for their clients', async (t) => {
  const { app } = await rig(t);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const dispatcher = new Agent({ connections: 1 });
  t.after(() => dispatcher.destroy());
  const res = await fetch(`${address}/api/twins/stream`, { dispatcher });
  const reader = res.body!.getReader();
  const state = { text: '' };
  await readUntil(reader, state, (s) => s.includes(': connected'));
  await app.close();
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
  }
});

/** A ServerResponse stand-in whose socket buffer is "full" until the test drains it. */
class SlowResponse extends EventEmitter {
  written: string[] = [];
  full = false;
  get writableNeedDrain(): boolean {
    return this.full;
  }
  write(chunk: string): boolean {
    this.written.push(chunk);
    return !this.full;
  }
  end(): void {}
}

const change = (property: string, value: number, seq: number): TwinChange => ({
  assetId: 'cnc-01',
  property,
  value,
  sourceTs: T0 + seq,
  seq,
  quality: 'good',
});

test('SSE backpressure: a slow client gets only the latest value per property, with a dropped count', async () => {
  const res = new SlowResponse();
  const opts = { maxQueuedChanges: 1000 } as ConstructorParameters<typeof SseClient>[1];
  const client = new SseClient(res as unknown as ServerResponse, opts, () => true);
  res.full = true;
  client.push([change('temp', 1, 1)]);
  await new Promise((r) => setImmediate(r));
  assert.equal(res.written.length, 1, 'the first event was written, and filled the buffer');
  client.push([change('temp', 2, 2), change('rpm', 5, 2)]);
  client.push([change('temp', 3, 3)]);
  await new Promise((r) => setImmediate(r));
  assert.equal(res.written.length, 1, 'nothing more while congested');
  res.full = false;
  res.emit('drain');
  assert.equal(res.written.length, 3);
  assert.deepEqual(JSON.parse(res.written[1]!.split('data: ')[1]!), { dropped: 1 });
  const data = JSON.parse(res.written[2]!.split('data: ')[1]!) as TwinChange[];
  assert.deepEqual(
    data.map((c) => [c.property, c.value]),
    [
      ['temp', 3],
      ['rpm', 5],
    ],
  );
  // Back to normal: every change is sent again.
  client.push([change('temp', 4, 4), change('temp', 5, 5)]);
  await new Promise((r) => setImmediate(r));
  assert.equal((JSON.parse(res.written[3]!.split('data: ')[1]!) as TwinChange[]).length, 2);
  client.dispose();
});

test('SSE backpressure: a burst over the queue limit goes latest-only even while the socket keeps up', async () => {
  const res = new SlowResponse();
  const opts = { maxQueuedChanges: 10 } as ConstructorParameters<typeof SseClient>[1];
  const client = new SseClient(res as unknown as ServerResponse, opts, () => true);
  const burst: TwinChange[] = [];
  for (let i = 0; i < 50; i++) burst.push(change(`p${i % 3}`, i, i));
  client.push(burst);
  await new Promise((r) => setImmediate(r));
  assert.equal(res.written.length, 2);
  assert.deepEqual(JSON.parse(res.written[0]!.split('data: ')[1]!), { dropped: 47 });
  const data = JSON.parse(res.written[1]!.split('data: ')[1]!) as TwinChange[];
  assert.deepEqual(
    data.map((c) => c.value),
    [48, 49, 47],
  );
  client.dispose();
});
