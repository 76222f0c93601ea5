/**
 * Plain JSON topics through the hub (twins/telemetry/hub.ts, mapping.ts): dotted paths, bare values,
 * scale/offset/range, source timestamps, clock skew, unknown topics, malformed payloads, broker loss.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Mapping } from '../../../../src/twins/config-schema.js';
import { defaultTelemetryHubOptions, TelemetryHub } from '../../../../src/twins/telemetry/hub.js';
import type { TelemetrySample } from '../../../../src/twins/types.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { createLogger } from '../../../../src/util/logger.js';
import { hubWith, RecordingSink, T0 } from './helpers.js';

const MAPPINGS: Mapping[] = [
  {
    topic: 'plant/cnc-01/status',
    path: 'spindle.rpm',
    asset: 'cnc-01',
    property: 'spindleSpeed',
    unit: 'rpm',
    min: 0,
    max: 30_000,
  },
  { topic: 'plant/cnc-01/status', path: 'state', asset: 'cnc-01', property: 'state' },
  { topic: 'plant/cnc-01/status', path: 'axes.1.load', asset: 'cnc-01', property: 'yLoad' },
  {
    topic: 'plant/cnc-01/temp',
    asset: 'cnc-01',
    property: 'temperature',
    unit: '°C',
    scale: 0.1,
    offset: -5,
    min: -20,
    max: 200,
  },
  { topic: 'plant/cnc-01/state', asset: 'cnc-01', property: 'state2' },
  { topic: 'plant/cnc-01/door', asset: 'cnc-01', property: 'doorOpen' },
  { topic: 'plant/cnc-02/status', path: 'v', tsPath: 'meta.time', asset: 'cnc-02', property: 'v' },
];

function send(h: ReturnType<typeof hubWith>, topic: string, payload: string | Buffer): TelemetrySample[] {
  const before = h.sink.samples.length;
  h.hub.handleMqtt(topic, typeof payload === 'string' ? Buffer.from(payload) : payload);
  h.hub.flush();
  return h.sink.samples.slice(before);
}

test('one JSON object feeds several properties by path, with the payload ts as source time', () => {
  const h = hubWith(MAPPINGS);
  const out = send(
    h,
    'plant/cnc-01/status',
    JSON.stringify({
      ts: T0 - 2000,
      spindle: { rpm: 8200 },
      state: 'running',
      axes: [{ load: 1 }, { load: 0.4 }],
    }),
  );
  assert.deepEqual(
    out.map((s) => [s.property, s.value, s.unit, s.sourceTs, s.receivedTs, s.origin, s.quality]),
    [
      ['spindleSpeed', 8200, 'rpm', T0 - 2000, T0, 'mqtt:plant/cnc-01/status', 'good'],
      ['state', 'running', undefined, T0 - 2000, T0, 'mqtt:plant/cnc-01/status', 'good'],
      ['yLoad', 0.4, undefined, T0 - 2000, T0, 'mqtt:plant/cnc-01/status', 'good'],
    ],
  );
  assert.equal(out[0]!.seq, out[1]!.seq, 'one message, one local sequence number');
  const next = send(
    h,
    'plant/cnc-01/status',
    JSON.stringify({ spindle: { rpm: 8300 }, state: 'idle', axes: [] }),
  );
  assert.equal(next[0]!.sourceTs, T0, 'no ts: the receive time');
  assert.equal(next[0]!.seq, out[0]!.seq + 1);
  assert.equal(h.hub.counts().rejected['malformed-payload'], 1, 'axes.1.load missing in the second message');
});

test('timestamps: epoch ms, epoch seconds, ISO 8601, a custom tsPath; a bad one is malformed', () => {
  const h = hubWith(MAPPINGS);
  assert.equal(
    send(h, 'plant/cnc-02/status', JSON.stringify({ v: 1, meta: { time: T0 - 1 } }))[0]?.sourceTs,
    T0 - 1,
  );
  assert.equal(
    send(h, 'plant/cnc-02/status', JSON.stringify({ v: 1, meta: { time: (T0 - 3000) / 1000 } }))[0]?.sourceTs,
    T0 - 3000,
  );
  assert.equal(
    send(h, 'plant/cnc-02/status', JSON.stringify({ v: 1, meta: { time: '2026-01-05T07:59:00Z' } }))[0]
      ?.sourceTs,
    T0 - 60_000,
  );
  assert.equal(
    send(h, 'plant/cnc-02/status', JSON.stringify({ v: 1, meta: { time: 'yesterday' } })).length,
    0,
  );
  assert.equal(h.hub.counts().rejected['malformed-payload'], 1);
});

test('bare values; scale, offset and range; numeric strings for numeric mappings', () => {
  const h = hubWith(MAPPINGS);
  assert.equal(send(h, 'plant/cnc-01/temp', '655')[0]?.value, 60.5, '655 × 0.1 − 5');
  assert.equal(send(h, 'plant/cnc-01/temp', '"655"')[0]?.value, 60.5, 'a numeric JSON string');
  assert.equal(send(h, 'plant/cnc-01/state', 'running')[0]?.value, 'running', 'a bare word');
  assert.equal(send(h, 'plant/cnc-01/state', '"setup"')[0]?.value, 'setup');
  assert.equal(send(h, 'plant/cnc-01/door', 'true')[0]?.value, true);
  assert.equal(send(h, 'plant/cnc-01/temp', '3000').length, 0, '295 °C is above max 200');
  assert.equal(send(h, 'plant/cnc-01/temp', '-500').length, 0, '−55 °C is below min −20');
  assert.equal(h.hub.counts().rejected['out-of-range'], 2);
  assert.equal(send(h, 'plant/cnc-01/temp', 'hot').length, 0, 'not a number');
  assert.equal(send(h, 'plant/cnc-01/temp', 'true').length, 0, 'a boolean is not a number');
  assert.equal(send(h, 'plant/cnc-01/state', '{"a":1}').length, 0, 'an object without a path');
  assert.equal(
    send(h, 'plant/cnc-01/status', JSON.stringify({ spindle: { rpm: null }, state: ['x'], axes: [] })).length,
    0,
  );
  assert.equal(h.hub.counts().rejected['malformed-payload'], 2 + 1 + 3);
});

test('malformed payloads, unknown topics, oversized strings and payloads are counted; the hub never throws', () => {
  const h = hubWith(MAPPINGS, { maxPayloadBytes: 4096 });
  for (const bad of [
    '{"spindle": ',
    '[1, 2',
    '"unterminated',
    '',
    '   ',
    Buffer.from([0xff, 0xfe, 0x00, 0x01]),
  ]) {
    assert.doesNotThrow(() => send(h, 'plant/cnc-01/status', bad));
  }
  assert.equal(h.hub.counts().rejected['malformed-payload'], 6);
  send(h, 'plant/cnc-01/state', JSON.stringify('x'.repeat(2000)));
  assert.equal(h.hub.counts().rejected['too-large'], 1, 'a 2000-character string value');
  send(h, 'plant/cnc-01/state', Buffer.alloc(5000, 0x61));
  assert.equal(h.hub.counts().rejected['too-large'], 2, 'a payload over maxPayloadBytes');
  send(h, 'plant/cnc-09/status', '{}');
  send(h, 'other/topic', '1');
  assert.equal(h.hub.counts().rejected['unknown-topic'], 2);
  assert.equal(h.sink.samples.length, 0);
  assert.equal(h.hub.counts().messages, 10);
});

test('clock skew: a source time more than the allowance ahead is refused and not applied', () => {
  const h = hubWith(MAPPINGS, { maxClockSkewMs: 60_000 });
  assert.equal(
    send(h, 'plant/cnc-02/status', JSON.stringify({ v: 1, meta: { time: T0 + 61_000 } })).length,
    0,
  );
  assert.equal(h.hub.counts().rejected['clock-skew'], 1);
  assert.equal(
    send(h, 'plant/cnc-02/status', JSON.stringify({ v: 2, meta: { time: T0 + 59_000 } }))[0]?.value,
    2,
  );
});

test('rejects are logged at debug each and warned at most once per reason per interval', () => {
  const lines: Array<{ level: number; msg: string; alsoRefused?: number }> = [];
  const logger = createLogger(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line)) },
  );
  const sink = new RecordingSink();
  const clock = new ManualClock(T0);
  const hub = new TelemetryHub(
    { ...defaultTelemetryHubOptions, mappings: MAPPINGS, warnIntervalMs: 1000 },
    { sink, clock, logger },
  );
  for (let i = 0; i < 5; i++) hub.handleMqtt('nope', Buffer.from('1'));
  clock.advance(1000);
  hub.handleMqtt('nope', Buffer.from('1'));
  const warns = lines.filter((l) => l.level === 40);
  assert.equal(lines.filter((l) => l.level === 20).length, 6);
  assert.equal(warns.length, 2);
  assert.equal(warns[0]!.alsoRefused, 0);
  assert.equal(warns[1]!.alsoRefused, 4, 'the second warning says how many were only logged at debug');
});

test('a lost broker connection turns MQTT-fed values stale', () => {
  const h = hubWith(MAPPINGS);
  send(h, 'plant/cnc-01/temp', '300');
  send(h, 'plant/cnc-01/door', 'false');
  h.clock.advance(5000);
  h.hub.connectionLost();
  h.hub.flush();
  const stale = h.sink.samples.filter((s) => s.quality === 'stale');
  assert.deepEqual(stale.map((s) => [s.property, s.value, s.sourceTs]).sort(), [
    ['doorOpen', false, T0 + 5000],
    ['temperature', 25, T0 + 5000],
  ]);
  assert.equal(h.hub.counts().stale, 2);
});

test('write() from other sources: the same skew and number checks, batched', async () => {
  const h = hubWith([]);
  const base = {
    assetId: 'a',
    property: 'p',
    unit: 'x',
    receivedTs: T0,
    seq: 0,
    origin: 'opcua:ns=1;s=x',
    quality: 'good' as const,
  };
  h.hub.write([
    { ...base, value: 1, sourceTs: T0 },
    { ...base, value: Number.NaN, sourceTs: T0 },
    { ...base, value: 2, sourceTs: T0 + 3_600_000 },
    { ...base, value: 3, sourceTs: T0, quality: 'stale' },
  ]);
  assert.equal(h.sink.samples.length, 0, 'not yet: batched to the end of the turn');
  await h.sink.until('the batch', () => h.sink.samples.length === 2);
  assert.deepEqual(
    h.sink.samples.map((s) => s.value),
    [1, 3],
  );
  const c = h.hub.counts();
  assert.equal(c.rejected['malformed-payload'], 1);
  assert.equal(c.rejected['clock-skew'], 1);
  assert.equal(c.accepted, 1);
  assert.equal(c.stale, 1);
});
